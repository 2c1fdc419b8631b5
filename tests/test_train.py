"""End-to-end training on the synthetic data: it must beat its noisy input."""

import json

import pytest

from configs import synthetic
from pose_refine import train


@pytest.fixture(scope="module")
def trained(data_dir, tmp_path_factory):
  config = synthetic.get_config("runlocal=True")
  config.data_dir = data_dir
  workdir = tmp_path_factory.mktemp("train")
  results = train.train_and_evaluate(config, str(workdir))
  return config, workdir, results


def test_training_beats_raw_input_on_held_out_videos(trained):
  _, _, results = trained
  raw, refined = results["raw"], results["refined"]
  # Error rate = share of joints more than 20 px off (100 - PCK@20).
  assert 100 - refined["pck@20/Average"] < 100 - raw["pck@20/Average"] - 0.5, results


def test_workdir_holds_metrics_results_and_checkpoints(trained):
  config, workdir, _ = trained
  lines = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
  steps = [line["step"] for line in lines if "loss" in line]
  assert steps == list(range(1, config.num_train_steps + 1))
  assert any("validation/refined/pck@20/Average" in line for line in lines)
  assert json.loads((workdir / "results.json").read_text())["refined"]
  assert "| refined |" in (workdir / "results.md").read_text()
  assert (workdir / "checkpoints" / str(config.num_train_steps)).is_dir()


def test_rerun_with_finished_workdir_resumes_without_training(trained):
  config, workdir, results = trained
  # Timings differ between runs, so an unchanged timing log means no step ran again.
  timing = (workdir / "timing.jsonl").read_text()
  again = train.train_and_evaluate(config, str(workdir))
  assert again == results
  assert (workdir / "timing.jsonl").read_text() == timing


def test_non_finite_loss_stops_with_a_clear_error(data_dir, tmp_path):
  config = synthetic.get_config("runlocal=True")
  config.data_dir = data_dir
  config.optim.learning_rate = 1e30
  config.optim.clip_global_norm = 0.0
  config.optim.schedule = "constant"
  config.log_every_steps = 5
  config.num_train_steps = 20
  with pytest.raises(train.NonFiniteLossError, match="Loss is .* at step"):
    train.train_and_evaluate(config, str(tmp_path))


def test_train_step_compiles_once_and_stays_on_device():
  """New batches reuse the program; the step has no host callbacks; state is donated."""
  import jax  # pylint: disable=g-import-not-at-top
  import numpy as np  # pylint: disable=g-import-not-at-top

  from pose_refine import models  # pylint: disable=g-import-not-at-top
  from pose_refine import sharding  # pylint: disable=g-import-not-at-top
  from pose_refine import skeletons  # pylint: disable=g-import-not-at-top

  config = synthetic.get_config("runlocal=True")
  config.model.update(hidden=16, attention_size=8)
  config.batch_size, config.window = 4, 8
  skeleton = skeletons.get_skeleton(config.skeleton)
  mesh = sharding.make_mesh(jax.devices()[:1])
  model = models.create_model(config, skeleton)
  optimizer = train.create_optimizer(config, 10)
  state, state_sharding = train.init_state(
      model, optimizer, mesh, jax.random.key(0), config.window, skeleton.num_joints)
  step_fn = train.make_train_step(model, optimizer, config)
  step = train.jit_train_step(model, optimizer, config, mesh, state_sharding)
  rng = np.random.default_rng(0)

  def batch():
    truth = rng.normal(200, 30, (4, 8, 13, 2)).astype(np.float32)
    return {"poses": truth + rng.normal(0, 3, truth.shape).astype(np.float32),
            "confidence": rng.uniform(0.2, 1, (4, 8, 13)).astype(np.float32),
            "ground_truth": truth, "ground_truth_valid": np.ones((4, 8, 13), bool)}

  jaxpr = str(jax.make_jaxpr(step_fn)(state, batch(), jax.random.key(1)))
  assert "callback" not in jaxpr
  for _ in range(3):
    previous = state
    state, _ = step(state, sharding.to_global(batch(), mesh), jax.random.key(1))
    assert jax.tree.leaves(previous.params)[0].is_deleted()  # Donated, not copied.
  assert step._cache_size() == 1  # pylint: disable=protected-access


def test_windows_without_a_frame_of_reference_leave_the_loss():
  """Input joints stacked on one point give a near-zero scale and targets far away: with
  config.max_target_units the window leaves the loss; sparse windows always do."""
  import jax.numpy as jnp  # pylint: disable=g-import-not-at-top
  import numpy as np  # pylint: disable=g-import-not-at-top

  from pose_refine import normalization  # pylint: disable=g-import-not-at-top

  rng = np.random.default_rng(0)
  truth = rng.normal(200, 30, (3, 8, 13, 2)).astype(np.float32)
  poses = truth + rng.normal(0, 3, truth.shape).astype(np.float32)
  confidence = np.ones((3, 8, 13), np.float32)
  poses[1, :, :10] = 0.0  # Most joints reported at the image corner.
  confidence[2, :, 1:] = 0.0  # One joint of 13 seen: below min_window_valid_fraction.
  batch = {"poses": jnp.asarray(poses), "confidence": jnp.asarray(confidence),
           "ground_truth_valid": jnp.ones((3, 8, 13), bool)}
  valid = normalization.joint_validity(batch["poses"], batch["confidence"])
  centre, scale = normalization.window_frame(batch["poses"], valid)
  targets = normalization.to_normalized(jnp.asarray(truth), batch["ground_truth_valid"], centre,
                                        scale)
  assert float(jnp.abs(targets[1]).max()) > 1e4  # The corner window's targets.
  config = synthetic.get_config("runlocal=True")
  np.testing.assert_array_equal(train.usable_windows(batch, targets, config), [True, True, False])
  config.max_target_units = 20.0
  np.testing.assert_array_equal(train.usable_windows(batch, targets, config), [True, False, False])


def test_edge_weights_count_the_last_frames_more():
  """A window whose only error sits in its last frames: weighting them raises the loss by
  exactly the weighted mean's factor; weights of 1 give the unweighted loss."""
  import jax.numpy as jnp  # pylint: disable=g-import-not-at-top
  import numpy as np  # pylint: disable=g-import-not-at-top

  targets = jnp.zeros((2, 8, 3, 2))
  predicted = targets.at[:, 6:, :, 0].set(3.0)  # Frames 6 and 7 are 3 units off.
  valid = jnp.ones((2, 8, 3), bool).at[1, 7].set(False)
  plain = train.pose_loss(predicted, targets, valid, "epe")
  np.testing.assert_allclose(plain, 3.0 * 9 / 45, atol=1e-3)  # 9 wrong joints of 45 valid.
  ones = train.pose_loss(predicted, targets, valid, "epe", train.edge_weights(8, 2, 1.0))
  np.testing.assert_allclose(ones, plain, rtol=1e-6)
  weights = train.edge_weights(8, 2, 4.0)
  np.testing.assert_array_equal(weights, [1, 1, 1, 1, 1, 1, 4, 4])
  weighted = train.pose_loss(predicted, targets, valid, "epe", weights)
  np.testing.assert_allclose(weighted, 3.0 * (9 * 4) / (36 + 9 * 4), atol=1e-3)


def test_precision_loss_pays_most_for_nearly_right_joints():
  """scale * log(1 + d / scale) per joint: 0 when exact, concave (the same step off a small
  error gains more than off a large one), and invalid NaN targets ignored."""
  import jax  # pylint: disable=g-import-not-at-top
  import jax.numpy as jnp  # pylint: disable=g-import-not-at-top
  import numpy as np  # pylint: disable=g-import-not-at-top

  targets = jnp.zeros((1, 2, 3, 2)).at[0, 1, 2].set(jnp.nan)
  valid = jnp.ones((1, 2, 3), bool).at[0, 1, 2].set(False)

  def loss(distance):
    return train.precision_loss(jnp.zeros_like(targets).at[0, 0, 0, 0].set(distance), targets,
                                valid, 0.02)

  assert float(loss(0.0)) < 2e-4  # sqrt(d^2 + 1e-8) keeps the gradient finite at 0.
  np.testing.assert_allclose(float(loss(0.3)), 0.02 * np.log1p(0.3 / 0.02) / 5, atol=2e-4)
  assert float(loss(0.02)) - float(loss(0.01)) > 10 * (float(loss(2.0)) - float(loss(1.99)))
  gradient = jax.grad(lambda p: train.precision_loss(p, targets, valid, 0.02))(
      jnp.zeros_like(targets).at[0, 0, 0, 0].set(0.5))
  assert np.isfinite(np.asarray(gradient)).all()


def test_speed_weights_count_fast_true_motion_more():
  """A joint moving 0.1 window units a frame weighs 1 + w * 0.1, a still one 1; unlabelled
  frames give no speed (one-sided differences beside them), and weight 0 leaves the loss
  as it was."""
  import jax.numpy as jnp  # pylint: disable=g-import-not-at-top
  import numpy as np  # pylint: disable=g-import-not-at-top

  track = np.zeros((1, 6, 2, 2), np.float32)
  track[0, :, 0, 0] = 0.1 * np.arange(6)  # Joint 0 moves; joint 1 stands still.
  valid = np.ones((1, 6, 2), bool)
  valid[0, 3, 0] = False
  track[0, 3, 0] = np.nan  # Unlabelled: must not reach the weights.
  weights = np.asarray(train.speed_weights(jnp.asarray(track), jnp.asarray(valid), 10.0))
  assert np.isfinite(weights).all()
  np.testing.assert_allclose(weights[0, [0, 1, 2, 4, 5], 0], 2.0, rtol=1e-4)
  np.testing.assert_allclose(weights[0, :, 1], 1.0, atol=1e-4)
  predicted = jnp.asarray(np.nan_to_num(track) + 0.05)
  targets = jnp.asarray(np.nan_to_num(track))
  plain = train.pose_loss(predicted, targets, jnp.asarray(valid), "epe")
  unit = train.pose_loss(predicted, targets, jnp.asarray(valid), "epe",
                         joint_weights=train.speed_weights(targets, jnp.asarray(valid), 0.0))
  np.testing.assert_array_equal(np.asarray(unit), np.asarray(plain))
  moving_error = predicted.at[:, :, 1].set(targets[:, :, 1])  # Only joint 0 is off.
  weighted = train.pose_loss(moving_error, targets, jnp.asarray(valid), "epe",
                             joint_weights=jnp.asarray(weights))
  error = np.hypot(0.05, 0.05)  # Joint 0's, on its 5 labelled frames at weight 2.
  np.testing.assert_allclose(float(weighted), 5 * 2 * error / (5 * 2 + 6 * 1), rtol=1e-3)
