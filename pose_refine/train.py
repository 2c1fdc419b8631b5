"""Training and evaluation loop: train_step, evaluate, train_and_evaluate."""

import hashlib
import json
import signal
import time
from typing import Any

import flax
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
from absl import logging
from etils import epath

from pose_refine import checkpointing
from pose_refine import files
from pose_refine import inference
from pose_refine import input_pipeline
from pose_refine import metrics
from pose_refine import models
from pose_refine import normalization
from pose_refine import sharding
from pose_refine import skeletons
from pose_refine import tensorboard
from pose_refine import windows


@flax.struct.dataclass
class TrainState:
  step: jax.Array
  params: Any
  opt_state: Any


class NonFiniteLossError(FloatingPointError):
  pass


def load_videos(config, split: str, skeleton: skeletons.Skeleton, source=None):
  """A split of a data set, in `skeleton`'s joints.

  Args:
    config: gives data_dir, and the data set (dataset, manual_dir,
      source_skeleton: the data set's joints, if not `skeleton`'s).
    split: TFDS split.
    skeleton: the model's joints.
    source: optional dict overriding the config's dataset, manual_dir and
      source_skeleton (an entry of config.train_data).
  """
  source = dict(source or {})
  dataset = source.get("dataset", config.dataset)
  manual_dir = source.get("manual_dir", config.manual_dir)
  source_skeleton = source.get("source_skeleton", config.source_skeleton)
  videos = input_pipeline.load_split(dataset, split, config.data_dir, manual_dir)
  if source_skeleton:
    videos = input_pipeline.convert_videos(
        videos, skeletons.get_skeleton(source_skeleton), skeleton
    )
  return videos


def load_train_videos(config, skeleton: skeletons.Skeleton):
  """config.train_split of config.dataset, or the union of config.train_data.

  config.train_data, when set, lists dicts (dataset, split, source_skeleton,
  manual_dir): a mixture of data sets mapped to the model's skeleton.
  """
  if not config.train_data:
    return load_videos(config, config.train_split, skeleton)
  videos = []
  for source in config.train_data:
    videos += load_videos(config, source["split"], skeleton, source)
  return videos


def seeds(config) -> dict[str, Any]:
  """Independent seeds for init, decoder feedback, data order, augmentation.

  All derive from `config.seed`, so one number reproduces a run, while a
  change to one stream (say the data order) leaves the others as they were.
  """
  data, augment = np.random.SeedSequence([config.seed, 1]).generate_state(2)
  root = jax.random.key(config.seed)
  return {
      "init": jax.random.fold_in(root, 0),
      "feedback": jax.random.fold_in(root, 1),
      "data": int(data),
      "augment": int(augment),
  }


def create_optimizer(config, total_steps: int) -> optax.GradientTransformation:
  """RMSProp with every argument from the config, optional clip and schedule."""
  opt = config.optim
  if opt.schedule == "constant":
    learning_rate = opt.learning_rate
  elif opt.schedule == "warmup_cosine":
    learning_rate = optax.warmup_cosine_decay_schedule(
        0.0, opt.learning_rate, opt.warmup_steps, max(total_steps, opt.warmup_steps + 1)
    )
  else:
    raise ValueError(
        f"config.optim.schedule={opt.schedule!r}; use 'constant' or 'warmup_cosine'."
    )
  rmsprop = optax.rmsprop(
      learning_rate,
      decay=opt.decay,
      eps=opt.eps,
      initial_scale=opt.initial_scale,
      eps_in_sqrt=opt.eps_in_sqrt,
      centered=opt.centered,
      momentum=opt.momentum or None,
      nesterov=opt.nesterov,
      bias_correction=opt.bias_correction,
  )
  if opt.clip_global_norm:
    return optax.chain(optax.clip_by_global_norm(opt.clip_global_norm), rmsprop)
  return rmsprop


def pose_loss(predicted, targets, valid, kind: str):
  """Mean over valid joints of the error in window units.

  Args:
    predicted: [batch, time, joints, 2] normalised predictions.
    targets: [batch, time, joints, 2] normalised ground truth.
    valid: [batch, time, joints] bool.
    kind: "epe" (Euclidean distance) or "mse" (squared distance).
  """
  squared = jnp.sum(jnp.square(predicted - targets), axis=-1)
  if kind == "epe":
    per_joint = jnp.sqrt(squared + 1e-8)
  elif kind == "mse":
    per_joint = squared
  else:
    raise ValueError(f"config.loss={kind!r}; use 'epe' or 'mse'.")
  per_joint = jnp.where(valid, per_joint, 0.0)
  return per_joint.sum() / jnp.maximum(valid.sum(), 1)


def acceleration_loss(predicted, targets, valid):
  """Mean L1 gap between predicted and true accelerations (SmoothNet's term)."""
  def acceleration(x):
    return x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2]

  use = valid[:, 2:] & valid[:, 1:-1] & valid[:, :-2]
  gap = jnp.abs(acceleration(predicted) - acceleration(targets)).sum(-1)
  return jnp.where(use, gap, 0.0).sum() / jnp.maximum(use.sum(), 1)


def teacher_forcing_probability(config, step):
  """Probability of feeding back ground truth at `step` (config.feedback)."""
  if config.feedback == "teacher_forcing":
    return 1.0
  if config.feedback == "own":
    return 0.0
  if config.feedback == "scheduled":
    # Linear decay from always-teacher to always-own over the given steps.
    return jnp.clip(1.0 - step / config.scheduled_sampling_steps, 0.0, 1.0)
  raise ValueError(
      f"config.feedback={config.feedback!r}; use 'teacher_forcing', 'own' or 'scheduled'."
  )


def make_train_step(model, optimizer, config):
  """The pure train step: (state, batch, rng) -> (state, metrics)."""

  def train_step(state, batch, rng):
    rng = jax.random.fold_in(rng, state.step)  # Resumed runs replay keys.
    teacher_forcing = teacher_forcing_probability(config, state.step)

    def loss_fn(params):
      out = model.apply(
          {"params": params},
          batch["poses"],
          batch["confidence"],
          targets=batch["ground_truth"],
          targets_valid=batch["ground_truth_valid"],
          teacher_forcing=teacher_forcing,
          rngs={"feedback": rng},
      )
      targets = normalization.to_normalized(
          batch["ground_truth"], batch["ground_truth_valid"], out["centre"], out["scale"]
      )
      # A window with almost no valid input joints has no frame of reference
      # of its own (its centre and scale come from a handful of points or
      # none), so its targets are arbitrary in window units: leave it out.
      observed = normalization.joint_validity(batch["poses"], batch["confidence"])
      usable = observed.mean(axis=(1, 2)) >= config.min_window_valid_fraction
      valid = batch["ground_truth_valid"] & usable[:, None, None]
      loss = pose_loss(out["normalized"], targets, valid, config.loss)
      if config.acceleration_loss_weight:
        loss += config.acceleration_loss_weight * acceleration_loss(
            out["normalized"], targets, valid
        )
      return loss

    loss, grads = jax.value_and_grad(loss_fn)(state.params)
    updates, opt_state = optimizer.update(grads, state.opt_state, state.params)
    params = optax.apply_updates(state.params, updates)
    new_state = state.replace(step=state.step + 1, params=params, opt_state=opt_state)
    return new_state, {"loss": loss, "grad_norm": optax.tree.norm(grads)}

  return train_step


def jit_train_step(model, optimizer, config, mesh, state_sharding):
  """The jitted train step: batch split over "data", state replicated and donated."""
  return jax.jit(
      make_train_step(model, optimizer, config),
      in_shardings=(state_sharding, sharding.data_sharding(mesh), None),
      out_shardings=(state_sharding, None),
      donate_argnums=0,
  )


def init_state(model, optimizer, mesh, rng, window: int, num_joints: int):
  """A replicated TrainState, built directly with its output sharding."""

  def init(rng):
    params = models.init_params(model, rng, window, num_joints)
    return TrainState(
        step=jnp.zeros((), jnp.int32), params=params, opt_state=optimizer.init(params)
    )

  abstract = jax.eval_shape(init, rng)
  state_sharding = jax.tree.map(lambda _: sharding.replicated(mesh), abstract)
  return jax.jit(init, out_shardings=state_sharding)(rng), state_sharding


def evaluate(predict_fn, params, videos, *, config, skeleton, mesh, return_predictions=False):
  """Raw-input vs refined accuracy over whole videos.

  Returns:
    {"raw": {...}, "refined": {...}} with PCK per group at each
    config.eval.pck_thresholds (keys "pck@10/Wrists", ...) and "mean_error".
  """
  refined = inference.refine_videos(
      predict_fn,
      params,
      videos,
      window=config.window,
      stride=config.eval.stride,
      batch_size=config.eval.batch_size,
      mesh=mesh,
      fill_missing=config.fill_missing,
  )
  ground_truth = np.concatenate([v["ground_truth"] for v in videos])
  valid = np.concatenate([v["ground_truth_valid"] for v in videos])
  results = {}
  for name, predictions in (
      ("raw", np.concatenate([v["poses"] for v in videos])),
      ("refined", np.concatenate(refined)),
  ):
    errors = metrics.joint_errors(predictions, ground_truth)
    row = {"mean_error": metrics.mean_error(errors, valid)}
    for threshold in config.eval.pck_thresholds:
      for group, value in metrics.pck_per_group(errors, valid, threshold, skeleton).items():
        row[f"pck@{threshold:g}/{group}"] = float(value)
    results[name] = row
  return (results, refined) if return_predictions else results


def save_predictions(path, videos, refined) -> None:
  """Refined poses per video id (.npz), for reports that compare runs."""
  with files.atomic_file(path, "wb") as f:
    np.savez_compressed(f, **{v["video_id"]: r for v, r in zip(videos, refined)})


def results_table(results, threshold, skeleton, title) -> str:
  columns = list(skeleton.groups) + ["Average"]
  rows = {
      name: {c: results[name][f"pck@{threshold:g}/{c}"] for c in columns}
      for name in ("raw", "refined")
  }
  return metrics.format_table(rows, title)


def params_fingerprint(params) -> str:
  """SHA-256 of every parameter's bytes, in tree order: equal iff bit-identical."""
  digest = hashlib.sha256()
  for path, leaf in jax.tree_util.tree_leaves_with_path(params):
    digest.update(jax.tree_util.keystr(path).encode())
    digest.update(np.ascontiguousarray(jax.device_get(leaf)).tobytes())
  return digest.hexdigest()


class MetricsLog:
  """metrics.jsonl in the workdir: one JSON object per line, keyed by step.

  Only deterministic values go here (losses, evaluations), so identical runs
  write identical files; timings go to timing.jsonl. On resume, lines past
  the restored step are dropped: the resumed run writes them again.
  """

  def __init__(self, workdir: epath.Path, resume_step: int, enabled: bool):
    self.enabled = enabled
    self.path = workdir / "metrics.jsonl"
    self.timing_path = workdir / "timing.jsonl"
    if not enabled:
      return
    for path in (self.path, self.timing_path):
      if path.exists():
        kept = [
            line
            for line in path.read_text().splitlines()
            if line and json.loads(line)["step"] <= resume_step
        ]
        path.write_text("".join(line + "\n" for line in kept))

  def write(self, record, timing=False):
    if self.enabled:
      with (self.timing_path if timing else self.path).open("a") as f:
        f.write(json.dumps(record, sort_keys=True) + "\n")


class _StopSignal:
  """Turns SIGTERM (what schedulers send before preemption) into a flag."""

  def __init__(self):
    self.requested = False
    self._previous = signal.signal(signal.SIGTERM, self._handle)

  def _handle(self, signum, frame):
    del signum, frame
    self.requested = True

  def restore(self):
    signal.signal(signal.SIGTERM, self._previous)


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str) -> dict[str, Any]:
  """Trains (resuming if `workdir` holds a checkpoint), then evaluates.

  Returns:
    The final evaluation on config.final_eval_split (see `evaluate`).
  """
  workdir = epath.Path(workdir)
  workdir.mkdir(parents=True, exist_ok=True)
  is_main = jax.process_index() == 0
  mesh = sharding.make_mesh()
  sharding.check_batch_size(config.batch_size, mesh)
  skeleton = skeletons.get_skeleton(config.skeleton)
  run_seeds = seeds(config)

  load = lambda split: load_videos(config, split, skeleton)

  train_videos = load_train_videos(config, skeleton)
  eval_videos = load(config.eval_split)
  steps_per_epoch = input_pipeline.steps_per_epoch(
      train_videos, config.window, config.stride, config.batch_size
  )
  if steps_per_epoch == 0:
    raise ValueError(
        f"{config.dataset}:{config.train_split} has fewer windows than one batch "
        f"({config.batch_size}); lower config.batch_size or config.stride."
    )
  total_steps = config.num_train_steps or config.num_epochs * steps_per_epoch
  num_epochs = -(-total_steps // steps_per_epoch)
  if config.fill_missing:
    train_videos = [windows.fill_missing(v) for v in train_videos]
  dataset = input_pipeline.train_loader(
      train_videos,
      skeleton=skeleton,
      window=config.window,
      stride=config.stride,
      global_batch_size=config.batch_size,
      num_epochs=num_epochs,
      data_seed=run_seeds["data"],
      augment_seed=run_seeds["augment"],
      augment=dict(config.augment),
      process_index=jax.process_index(),
      process_count=jax.process_count(),
  )
  data_iterator = iter(dataset.to_iter_dataset())

  model = models.create_model(config, skeleton)
  optimizer = create_optimizer(config, total_steps)
  state, state_sharding = init_state(
      model, optimizer, mesh, run_seeds["init"], config.window, skeleton.num_joints
  )

  checkpointer = checkpointing.Checkpointer(
      workdir / "checkpoints", max_to_keep=config.keep_checkpoints
  )
  # Resume order: this workdir's checkpoint, then config.init_from, then scratch.
  latest = checkpointer.latest_step()
  if latest is not None:
    state = checkpointer.restore(latest, checkpointing.abstract_like(state), data_iterator)
    logging.info("Resumed from %s at step %d.", checkpointer.directory, latest)
  elif config.init_from:
    params = checkpointing.restore_params(
        config.init_from, checkpointing.abstract_like(state.params)
    )
    state = state.replace(params=params)
    logging.info("Initialised parameters from %s.", config.init_from)
  start_step = int(state.step)
  log = MetricsLog(workdir, start_step, enabled=is_main)

  train_step = jit_train_step(model, optimizer, config, mesh, state_sharding)
  predict_fn = inference.make_predict_fn(model, mesh)
  frames_per_step = config.batch_size * config.window

  def flush(pending):
    """Writes the per-step metrics held on device; returns the last ones."""
    values = None
    for step, step_metrics in zip(pending[0], jax.device_get(pending[1])):
      values = {k: float(v) for k, v in step_metrics.items()}
      if not np.isfinite(values["loss"]):
        raise NonFiniteLossError(
            f"Loss is {values['loss']} at step {step}. Lower config.optim.learning_rate, "
            "set config.optim.clip_global_norm, or check the data for corrupt values."
        )
      log.write({"step": step, **values})
    pending[0].clear(), pending[1].clear()
    return values

  writer = tensorboard.SummaryWriter(workdir / "tensorboard") if is_main else None
  stop = _StopSignal()
  pending = ([], [])
  last_eval = {}
  timer = (time.perf_counter(), start_step)
  if is_main:
    logging.info(
        "Training %d steps (%d per epoch, batch %d over %d devices) from step %d.",
        total_steps, steps_per_epoch, config.batch_size, mesh.devices.size, start_step,
    )
  try:
    for step in range(start_step + 1, total_steps + 1):
      batch = sharding.to_global(next(data_iterator), mesh)
      state, step_metrics = train_step(state, batch, run_seeds["feedback"])
      pending[0].append(step), pending[1].append(step_metrics)

      is_last = step == total_steps
      if step % config.log_every_steps == 0 or is_last or stop.requested:
        values = flush(pending)
        now = time.perf_counter()
        rate = (step - timer[1]) / (now - timer[0])
        timer = (now, step)
        if step % config.eval_every_steps == 0 or is_last:
          evaluation = evaluate(
              predict_fn, state.params, eval_videos, config=config, skeleton=skeleton, mesh=mesh
          )
          last_eval = {
              f"{config.eval_split}/{name}/{key}": value
              for name, row in evaluation.items()
              for key, value in row.items()
          }
          log.write({"step": step, **last_eval})
          if writer:
            writer.scalars(step, {k: v for k, v in last_eval.items() if "/pck@" not in k
                                  or k.endswith("Average")})
        pck_key = f"{config.eval_split}/refined/pck@{config.eval.pck_thresholds[0]:g}/Average"
        if is_main:
          log.write(
              {"step": step, "steps_per_s": rate, "frames_per_s": rate * frames_per_step},
              timing=True,
          )
          writer.scalars(step, {"train/" + k: v for k, v in values.items()}
                         | {"train/steps_per_s": rate})
          logging.info(
              "step %d/%d  loss %.4f  %s PCK %s  %.2f steps/s  %.0f frames/s",
              step, total_steps, values["loss"], config.eval_split,
              f"{last_eval[pck_key]:.1f}" if pck_key in last_eval else "-",
              rate, rate * frames_per_step,
          )
      if step % config.checkpoint_every_steps == 0 or is_last or stop.requested:
        flush(pending)
        checkpointer.save(step, state, config, data_iterator, force=True)
      if stop.requested:
        logging.warning("SIGTERM: saved a checkpoint at step %d; exiting.", step)
        raise SystemExit(143)
  finally:
    stop.restore()
    if writer:
      writer.close()
    checkpointer.close()  # Waits for asynchronous saves to be on disk.

  test_videos = load(config.final_eval_split)
  results, refined = evaluate(
      predict_fn, state.params, test_videos, config=config, skeleton=skeleton, mesh=mesh,
      return_predictions=True,
  )
  results["params_sha256"] = params_fingerprint(state.params)
  if is_main:
    save_predictions(workdir / f"predictions_{config.final_eval_split}.npz", test_videos, refined)
    write_report(results, config, skeleton, config.final_eval_split, workdir / "results")
  return results


def write_report(results, config, skeleton, split, path_prefix) -> str:
  """Prints raw-vs-refined tables and writes them to <prefix>.md and .json."""
  tables = [
      results_table(
          results, threshold, skeleton, f"PCK@{threshold:g}px on {config.dataset}:{split} (%)"
      )
      for threshold in config.eval.pck_thresholds
  ]
  summary = "\n\n".join(tables) + (
      f"\n\nMean error (px, over joints each method reports): raw "
      f"{results['raw']['mean_error']:.2f}, refined {results['refined']['mean_error']:.2f}\n"
  )
  path_prefix = epath.Path(path_prefix)
  files.write_text(path_prefix.with_suffix(".json"), json.dumps(results, indent=2, sort_keys=True))
  files.write_text(path_prefix.with_suffix(".md"), summary)
  print(summary, flush=True)
  return summary

