"""Training: state, step, loss, optimiser, and the loop of train_and_evaluate.

The loop's stages: set up the data, model and state; restore (this
workdir's checkpoint, then config.init_from, then scratch); step; log;
evaluate (pose_refine.evaluation); checkpoint; and a final evaluation.
"""

import functools
import hashlib
import json
import signal
import time
from typing import Any

import flax
import grain
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
from absl import logging
from etils import epath

from pose_refine import checkpointing
from pose_refine import corruption
from pose_refine import evaluation
from pose_refine import files
from pose_refine import inference
from pose_refine import input_pipeline
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


def seeds(config) -> dict[str, Any]:
  """Independent seeds for init, decoder feedback, data order, augmentation.

  All derive from `config.seed`, so one number reproduces a run, while a
  change to one stream (say the data order) leaves the others as they were.
  """
  data, augment = np.random.SeedSequence([config.seed, 1]).generate_state(2)
  (corrupt,) = np.random.SeedSequence([config.seed, 2]).generate_state(1)
  root = jax.random.key(config.seed)
  return {
      "init": jax.random.fold_in(root, 0),
      "feedback": jax.random.fold_in(root, 1),
      "data": int(data),
      "augment": int(augment),
      "corrupt": int(corrupt),
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


def pose_loss(predicted, targets, valid, kind: str, frame_weights=None, joint_weights=None):
  """Mean over valid joints of the error in window units.

  Args:
    predicted: [batch, time, joints, 2] normalised predictions.
    targets: [batch, time, joints, 2] normalised ground truth.
    valid: [batch, time, joints] bool.
    kind: "epe" (Euclidean distance) or "mse" (squared distance).
    frame_weights: optional [time] weight of each window position (a weighted
      mean over valid joints); None: all 1.
    joint_weights: optional [batch, time, joints] weights, multiplied in.
  """
  squared = jnp.sum(jnp.square(predicted - targets), axis=-1)
  if kind == "epe":
    per_joint = jnp.sqrt(squared + 1e-8)
  elif kind == "mse":
    per_joint = squared
  else:
    raise ValueError(f"config.loss={kind!r}; use 'epe' or 'mse'.")
  if frame_weights is None:
    frame_weights = jnp.ones(per_joint.shape[1])
  weights = frame_weights[None, :, None]
  if joint_weights is not None:
    weights = weights * joint_weights
  weights = jnp.where(valid, weights, 0.0)
  # where, not a product: invalid joints may hold NaN targets.
  return jnp.where(valid, per_joint * weights, 0.0).sum() / jnp.maximum(weights.sum(), 1e-8)


def precision_loss(predicted, targets, valid, scale: float):
  """Mean over valid joints of scale * log(1 + distance / scale), window units.

  Concave: its gradient is 1 at distance 0 and falls off beyond `scale`, so
  added to the position loss it pays most for keeping joints that are
  nearly right exactly right, and adds little pull from large errors.
  """
  # where before the square root too: a NaN target must not reach the gradient.
  gap = jnp.where(valid[..., None], predicted - targets, 0.0)
  distance = jnp.sqrt(jnp.sum(jnp.square(gap), axis=-1) + 1e-8)
  per_joint = scale * jnp.log1p(distance / scale)
  return jnp.where(valid, per_joint, 0.0).sum() / jnp.maximum(valid.sum(), 1)


def speed_weights(targets, valid, weight: float, cap: float = 1.0):
  """[batch, time, joints] loss weights 1 + weight * min(speed, cap), window units/frame.

  A joint's speed is its ground truth's central difference (one-sided at the
  window's ends and next to unlabelled frames; about 0 with no labelled
  neighbour), so frames of fast true motion, which smoothing blurs, count
  more. (The evaluation's fast/slow split, robustness.true_speed, takes the
  larger one-sided step instead: at a reversal of direction it counts a
  frame as fast where this weight is near 1.)
  """
  before = jnp.concatenate([targets[:, :1], targets[:, :-1]], 1)
  after = jnp.concatenate([targets[:, 1:], targets[:, -1:]], 1)
  valid_before = jnp.concatenate([jnp.zeros_like(valid[:, :1]), valid[:, :-1]], 1) & valid
  valid_after = jnp.concatenate([valid[:, 1:], jnp.zeros_like(valid[:, :1])], 1) & valid
  step = (jnp.where(valid_after[..., None], after - targets, 0.0)
          + jnp.where(valid_before[..., None], targets - before, 0.0))
  count = valid_after.astype(jnp.float32) + valid_before.astype(jnp.float32)
  speed = jnp.sqrt(jnp.sum(jnp.square(step), -1) + 1e-12) / jnp.maximum(count, 1.0)
  return 1.0 + weight * jnp.minimum(speed, cap)


def edge_weights(window: int, frames: int, weight: float):
  """[window] position weights: the last `frames` positions count `weight` times."""
  return jnp.where(jnp.arange(window) >= window - frames, weight, 1.0)


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


def usable_windows(batch, targets, config):
  """[batch] bool: windows whose input gives a frame of reference for the loss.

  A window with almost no valid input joints (config.min_window_valid_fraction)
  has none of its own: its centre and scale come from a handful of points or
  none, so its targets are arbitrary in window units. A window whose input
  joints mostly coincide (labels stacked on one point, reports at the image
  corner) gets a scale near zero and targets thousands of units away
  (config.max_target_units; 0: no limit): one such window can outweigh the batch.

  Args:
    batch: with "poses", "confidence", "ground_truth_valid".
    targets: [batch, time, joints, 2] ground truth in window units.
    config: the run's config.
  """
  observed = normalization.joint_validity(batch["poses"], batch["confidence"])
  usable = observed.mean(axis=(1, 2)) >= config.min_window_valid_fraction
  if config.get("max_target_units", 0.0):
    far = jnp.where(batch["ground_truth_valid"][..., None], jnp.abs(targets), 0.0)
    usable &= far.max(axis=(1, 2, 3)) <= config.max_target_units
  return usable


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
      usable = usable_windows(batch, targets, config)
      valid = batch["ground_truth_valid"] & usable[:, None, None]
      frame_weights = None
      if config.get("edge_loss_frames", 0):
        frame_weights = edge_weights(targets.shape[1], config.edge_loss_frames,
                                     config.edge_loss_weight)
      joint_weights = None
      if config.get("speed_loss_weight", 0.0):
        joint_weights = speed_weights(targets, valid, config.speed_loss_weight)
      loss = pose_loss(out["normalized"], targets, valid, config.loss, frame_weights,
                       joint_weights)
      if config.acceleration_loss_weight:
        loss += config.acceleration_loss_weight * acceleration_loss(
            out["normalized"], targets, valid
        )
      if config.get("precision_loss_weight", 0.0):
        loss += config.precision_loss_weight * precision_loss(
            out["normalized"], targets, valid, config.precision_loss_scale
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
        files.write_text(path, "".join(line + "\n" for line in kept))

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




class _Reporter:
  """Per-step metrics, evaluations, speed and log lines of a run.

  Step metrics stay on the device until a log or checkpoint step, so the
  loop never waits for them; `flush` writes them and stops a run whose loss
  is no longer finite.
  """

  def __init__(self, config, workdir: epath.Path, start_step: int, total_steps: int):
    self.config = config
    self.is_main = jax.process_index() == 0
    self.total_steps = total_steps
    self.metrics_log = MetricsLog(workdir, start_step, enabled=self.is_main)
    self.writer = tensorboard.SummaryWriter(workdir / "tensorboard") if self.is_main else None
    self.pending_steps, self.pending_metrics = [], []
    self.last_eval = {}
    self.timer = (time.perf_counter(), start_step)

  def add(self, step: int, step_metrics) -> None:
    self.pending_steps.append(step)
    self.pending_metrics.append(step_metrics)

  def flush(self) -> dict[str, float] | None:
    """Writes the metrics held on device; returns the last step's."""
    values = None
    for step, step_metrics in zip(self.pending_steps, jax.device_get(self.pending_metrics)):
      values = {k: float(v) for k, v in step_metrics.items()}
      if not np.isfinite(values["loss"]):
        raise NonFiniteLossError(
            f"Loss is {values['loss']} at step {step}. Lower config.optim.learning_rate, "
            "set config.optim.clip_global_norm, or check the data for corrupt values."
        )
      self.metrics_log.write({"step": step, **values})
    self.pending_steps, self.pending_metrics = [], []
    return values

  def steps_per_second(self, step: int) -> float:
    """Steps per second since the last call."""
    now = time.perf_counter()
    rate = (step - self.timer[1]) / (now - self.timer[0])
    self.timer = (now, step)
    return rate

  def evaluation(self, step: int, results) -> None:
    split = self.config.eval_split
    self.last_eval = {f"{split}/{name}/{key}": value
                      for name, row in results.items() for key, value in row.items()}
    self.metrics_log.write({"step": step, **self.last_eval})
    if self.writer:
      self.writer.scalars(step, {k: v for k, v in self.last_eval.items()
                                 if "/pck@" not in k or k.endswith("Average")})

  def progress(self, step: int, values, rate: float) -> None:
    """The timing log, TensorBoard's training scalars and one log line."""
    if not self.is_main:
      return
    config = self.config
    frames_per_step = config.batch_size * config.window
    self.metrics_log.write(
        {"step": step, "steps_per_s": rate, "frames_per_s": rate * frames_per_step}, timing=True)
    self.writer.scalars(step, {"train/" + k: v for k, v in values.items()}
                        | {"train/steps_per_s": rate})
    pck_key = f"{config.eval_split}/refined/pck@{config.eval.pck_thresholds[0]:g}/Average"
    logging.info(
        "step %d/%d  loss %.4f  %s PCK %s  %.2f steps/s  %.0f frames/s",
        step, self.total_steps, values["loss"], config.eval_split,
        f"{self.last_eval[pck_key]:.1f}" if pck_key in self.last_eval else "-",
        rate, rate * frames_per_step,
    )

  def close(self) -> None:
    if self.writer:
      self.writer.close()


def _training_data(config, skeleton: skeletons.Skeleton, run_seeds):
  """The training stream: (checkpointable iterator, total steps, steps per epoch)."""
  train_videos = input_pipeline.load_train_videos(config, skeleton)
  corrupt = None
  if config.corruption.enabled:
    # Estimates are drawn anew for every window from the ground truth.
    train_videos = input_pipeline.resample_videos(train_videos, config.corruption.rate_factors)
    corrupt = input_pipeline.Corrupt(
        skeleton, corruption.Family(
            clean_fraction=config.corruption.clean_fraction,
            severity_power=config.corruption.severity_power,
            absent_part_fraction=config.corruption.get("absent_part_fraction", 0.0)),
        fill_missing=config.fill_missing)
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
  if config.fill_missing and corrupt is None:
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
      corrupt=corrupt,
      corrupt_seed=run_seeds["corrupt"],
  )
  dataset = dataset.to_iter_dataset()
  if config.data_workers:
    # Worker processes prepare batches; same batches, same order, same state.
    dataset = dataset.mp_prefetch(grain.MultiprocessingOptions(num_workers=config.data_workers))
  return iter(dataset), total_steps, steps_per_epoch


def _restore(config, checkpointer: checkpointing.Checkpointer, state, data_iterator):
  """The state to start from; the data iterator is restored in place with it."""
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
  return state


def _train_loop(config, state, train_step, data_iterator, *, feedback_rng, mesh,
                total_steps: int, checkpointer, evaluate, reporter: _Reporter):
  """Steps from the state's step to `total_steps`; logs, evaluates and saves on the way.

  `evaluate(params)` scores config.eval_split (see evaluation.evaluate).

  Raises:
    SystemExit: 143 after saving a checkpoint, when SIGTERM arrived.
  """
  stop = _StopSignal()
  try:
    for step in range(int(state.step) + 1, total_steps + 1):
      batch = sharding.to_global(next(data_iterator), mesh)
      state, step_metrics = train_step(state, batch, feedback_rng)
      reporter.add(step, step_metrics)

      is_last = step == total_steps
      if step % config.log_every_steps == 0 or is_last or stop.requested:
        values = reporter.flush()
        rate = reporter.steps_per_second(step)
        if step % config.eval_every_steps == 0 or is_last:
          reporter.evaluation(step, evaluate(state.params))
        reporter.progress(step, values, rate)
      if step % config.checkpoint_every_steps == 0 or is_last or stop.requested:
        reporter.flush()
        checkpointer.save(step, state, config, data_iterator, force=True)
      if stop.requested:
        logging.warning("SIGTERM: saved a checkpoint at step %d; exiting.", step)
        raise SystemExit(143)
  finally:
    stop.restore()
  return state


def train_and_evaluate(config: ml_collections.ConfigDict, workdir: str) -> dict[str, Any]:
  """Trains (resuming if `workdir` holds a checkpoint), then evaluates.

  Returns:
    The final evaluation on config.final_eval_split (see evaluation.evaluate),
    with the parameters' SHA-256 as "params_sha256".
  """
  workdir = epath.Path(workdir)
  workdir.mkdir(parents=True, exist_ok=True)
  mesh = sharding.make_mesh()
  sharding.check_batch_size(config.batch_size, mesh)
  skeleton = skeletons.get_skeleton(config.skeleton)
  run_seeds = seeds(config)
  data_iterator, total_steps, steps_per_epoch = _training_data(config, skeleton, run_seeds)

  model = models.create_model(config, skeleton)
  optimizer = create_optimizer(config, total_steps)
  state, state_sharding = init_state(
      model, optimizer, mesh, run_seeds["init"], config.window, skeleton.num_joints
  )
  checkpointer = checkpointing.Checkpointer(
      workdir / "checkpoints", max_to_keep=config.keep_checkpoints
  )
  state = _restore(config, checkpointer, state, data_iterator)
  evaluate = functools.partial(
      evaluation.evaluate, inference.make_predict_fn(model, mesh), config=config,
      skeleton=skeleton, mesh=mesh,
  )
  eval_videos = input_pipeline.load_videos(config, config.eval_split, skeleton)
  reporter = _Reporter(config, workdir, int(state.step), total_steps)
  if reporter.is_main:
    logging.info(
        "Training %d steps (%d per epoch, batch %d over %d devices) from step %d.",
        total_steps, steps_per_epoch, config.batch_size, mesh.devices.size, int(state.step),
    )
  try:
    state = _train_loop(
        config, state, jit_train_step(model, optimizer, config, mesh, state_sharding),
        data_iterator, feedback_rng=run_seeds["feedback"], mesh=mesh, total_steps=total_steps,
        checkpointer=checkpointer, evaluate=lambda params: evaluate(params, eval_videos),
        reporter=reporter,
    )
  finally:
    reporter.close()
    checkpointer.close()  # Waits for asynchronous saves to be on disk.
  return _final_evaluation(config, workdir, state, evaluate, skeleton)


def _final_evaluation(config, workdir: epath.Path, state, evaluate, skeleton):
  """Scores config.final_eval_split; writes its predictions and results.md/json."""
  split = config.final_eval_split
  videos = input_pipeline.load_videos(config, split, skeleton)
  results, refined = evaluate(state.params, videos, return_predictions=True)
  if config.eval.get("filter_row", False):
    # The best classical filter, tuned on config.eval_split, beside raw and refined.
    if config.eval_split == split:
      raise ValueError(f"config.eval.filter_row: the filters would be tuned on the reported "
                       f"split {split!r}; set config.eval_split to another split.")
    tune_videos = input_pipeline.load_videos(config, config.eval_split, skeleton)
    results["best_filter"] = evaluation.best_filter_scores(
        videos, tune_videos, skeleton, config.eval.pck_thresholds)
  results["params_sha256"] = params_fingerprint(state.params)
  if jax.process_index() == 0:
    evaluation.save_predictions(workdir / f"predictions_{split}.npz", videos, refined)
    evaluation.write_report(results, config, skeleton, split, workdir / "results")
  return results
