"""The corrector's shapes, attention and masking, for every ablation."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from pose_refine import models

VARIANTS = list(itertools.product([True, False], [True, False]))


def _inputs(batch=3, time=12, joints=5, seed=0):
  rng = np.random.default_rng(seed)
  poses = rng.normal(200.0, 40.0, (batch, time, joints, 2)).astype(np.float32)
  confidence = rng.uniform(0.3, 1.0, (batch, time, joints)).astype(np.float32)
  return poses, confidence


def _model(attention, bidirectional, joints=5):
  return models.PoseCorrector(
      num_joints=joints, hidden=16, attention_size=8,
      attention=attention, bidirectional=bidirectional,
  )


@pytest.mark.parametrize("attention,bidirectional", VARIANTS)
def test_output_shapes(attention, bidirectional):
  poses, confidence = _inputs()
  model = _model(attention, bidirectional)
  variables = model.init(jax.random.key(0), poses, confidence)
  out = model.apply(variables, poses, confidence, return_attention=True)
  assert out["poses"].shape == poses.shape
  assert out["normalized"].shape == poses.shape
  assert out["centre"].shape == (3, 2)
  assert out["scale"].shape == (3,)
  assert out["attention"].shape == (3, 12, 12)
  assert np.all(np.isfinite(out["poses"]))


@pytest.mark.parametrize("bidirectional", [True, False])
def test_attention_weights_sum_to_one_and_skip_missing_frames(bidirectional):
  poses, confidence = _inputs()
  confidence[:, 4] = 0.0  # Frame 4 has no usable joint.
  model = _model(True, bidirectional)
  variables = model.init(jax.random.key(0), poses, confidence)
  weights = model.apply(variables, poses, confidence, return_attention=True)["attention"]
  np.testing.assert_allclose(np.sum(weights, -1), 1.0, atol=1e-5)
  assert np.all(np.asarray(weights)[:, :, 4] < 1e-6)


def test_bidirectional_flag_changes_the_encoder():
  poses, confidence = _inputs()
  params = {
      bidirectional: _model(True, bidirectional).init(jax.random.key(0), poses, confidence)
      for bidirectional in (True, False)
  }
  assert {"encoder_forward_lstm", "encoder_backward_lstm"} <= set(params[True]["params"])
  assert "encoder_forward_lstm" in params[False]["params"]
  assert "encoder_backward_lstm" not in params[False]["params"]


@pytest.mark.parametrize("attention,bidirectional", VARIANTS)
def test_missing_joint_value_is_ignored(attention, bidirectional):
  """A masked joint's value (NaN, or anything) changes no output."""
  poses, confidence = _inputs()
  model = _model(attention, bidirectional)
  variables = model.init(jax.random.key(0), poses, confidence)
  nan_poses = poses.copy()
  nan_poses[1, 3, 2] = np.nan  # NaN coordinates: missing whatever the confidence.
  other_poses = poses.copy()
  other_poses[1, 3, 2] = 1e6
  other_confidence = confidence.copy()
  other_confidence[1, 3, 2] = 0.0
  a = model.apply(variables, nan_poses, other_confidence)
  b = model.apply(variables, other_poses, other_confidence)
  assert np.all(np.isfinite(a["poses"]))
  np.testing.assert_array_equal(a["poses"], b["poses"])
  # Other windows in the batch do not see the change at all.
  c = model.apply(variables, poses, confidence)
  np.testing.assert_array_equal(a["poses"][0], c["poses"][0])
  np.testing.assert_array_equal(a["poses"][2], c["poses"][2])


def test_all_missing_window_is_finite():
  poses, confidence = _inputs()
  poses[0] = np.nan
  confidence[0] = 0.0
  model = _model(True, True)
  variables = model.init(jax.random.key(0), poses, confidence)
  out = model.apply(variables, poses, confidence)
  assert np.all(np.isfinite(out["poses"]))


def test_teacher_forcing_uses_targets_only_when_asked():
  poses, confidence = _inputs()
  targets = poses + 3.0
  valid = np.ones(confidence.shape, bool)
  model = _model(True, True)
  variables = model.init(jax.random.key(0), poses, confidence)
  free = model.apply(variables, poses, confidence)["poses"]
  own = model.apply(variables, poses, confidence, targets, valid, teacher_forcing=0.0)["poses"]
  forced = model.apply(variables, poses, confidence, targets, valid, teacher_forcing=1.0)["poses"]
  np.testing.assert_array_equal(free, own)
  assert not np.allclose(free, forced)
  # Frame 0 never sees ground truth.
  np.testing.assert_array_equal(free[:, 0], forced[:, 0])
  mixed = model.apply(
      variables, poses, confidence, targets, valid, teacher_forcing=jnp.float32(0.5),
      rngs={"feedback": jax.random.key(3)},
  )["poses"]
  assert np.all(np.isfinite(mixed))


def test_temporal_mlp_peer_shapes_and_masking():
  poses, confidence = _inputs(time=8)
  model = models.TemporalMLP(num_joints=5, window=8, hidden=16, blocks=2)
  variables = model.init(jax.random.key(0), poses, confidence)
  out = model.apply(variables, poses, confidence)
  assert out["poses"].shape == poses.shape and np.all(np.isfinite(out["poses"]))
  a, b = poses.copy(), poses.copy()
  a[0, 2, 1], b[0, 2, 1] = np.nan, 1e6
  confidence[0, 2, 1] = 0.0
  np.testing.assert_array_equal(
      model.apply(variables, a, confidence)["poses"], model.apply(variables, b, confidence)["poses"]
  )
  with pytest.raises(ValueError, match="windows of 8"):
    model.apply(variables, poses[:, :6], confidence[:, :6])


def _loss_and_grads(model, params, poses, confidence):
  kwargs = dict(targets=poses + 2.0, targets_valid=jnp.ones(poses.shape[:3], bool),
                teacher_forcing=0.5, rngs={"feedback": jax.random.key(1)})

  def loss(p):
    return jnp.mean(model.apply({"params": p}, poses, confidence, **kwargs)["normalized"] ** 2)

  return jax.value_and_grad(loss)(params)


@pytest.mark.parametrize("attention,bidirectional,aligned_output",
                         [v + (i % 2 == 0,) for i, v in enumerate(VARIANTS)])
def test_fused_implementation_matches_reference(attention, bidirectional, aligned_output):
  poses, confidence = _inputs(time=8)
  reference = _model(attention, bidirectional).clone(
      implementation="reference", aligned_output=aligned_output)
  fused = reference.clone(implementation="fused")
  params = reference.init(jax.random.key(0), poses, confidence)["params"]
  fused_params = fused.init(jax.random.key(0), poses, confidence)["params"]
  # One parameter tree, initialised alike: checkpoints load in either.
  assert jax.tree.structure(params) == jax.tree.structure(fused_params)
  for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(fused_params)):
    np.testing.assert_array_equal(a, b)
  kwargs = dict(return_attention=True)
  ref_out = reference.apply({"params": params}, poses, confidence, **kwargs)
  fused_out = fused.apply({"params": params}, poses, confidence, **kwargs)
  np.testing.assert_allclose(fused_out["poses"], ref_out["poses"], atol=1e-3)  # Pixels ~200.
  np.testing.assert_allclose(fused_out["attention"], ref_out["attention"], atol=1e-5)
  hoisted = fused.clone(hoist_inputs=True).apply({"params": params}, poses, confidence)
  np.testing.assert_allclose(hoisted["poses"], ref_out["poses"], atol=1e-3)
  ref_loss, ref_grads = _loss_and_grads(reference, params, poses, confidence)
  fused_loss, fused_grads = _loss_and_grads(fused, params, poses, confidence)
  np.testing.assert_allclose(fused_loss, ref_loss, rtol=1e-5)
  for a, b in zip(jax.tree.leaves(ref_grads), jax.tree.leaves(fused_grads)):
    np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)


def test_bfloat16_matmuls_stay_close_to_float32():
  """bf16 operands (8-bit mantissa), float32 states: window-unit outputs agree to ~1%."""
  poses, confidence = _inputs(batch=8, time=16)
  model = _model(True, True).clone(implementation="fused")
  params = model.init(jax.random.key(0), poses, confidence)["params"]
  full = model.apply({"params": params}, poses, confidence)["normalized"]
  half = model.clone(dtype="bfloat16").apply({"params": params}, poses, confidence)["normalized"]
  assert half.dtype == jnp.float32
  scale = float(jnp.abs(full).mean())
  assert float(jnp.abs(half - full).mean()) < 0.01 * scale
  full_loss, full_grads = _loss_and_grads(model, params, poses, confidence)
  half_loss, half_grads = _loss_and_grads(model.clone(dtype="bfloat16"), params, poses, confidence)
  np.testing.assert_allclose(half_loss, full_loss, rtol=0.02)
  cosine = sum(jnp.vdot(a, b) for a, b in zip(jax.tree.leaves(full_grads), jax.tree.leaves(half_grads)))
  norms = [jnp.sqrt(sum(jnp.vdot(g, g) for g in jax.tree.leaves(t))) for t in (full_grads, half_grads)]
  assert float(cosine / (norms[0] * norms[1])) > 0.99
  with pytest.raises(ValueError, match="float32 only"):
    model.clone(implementation="reference", dtype="bfloat16").init(
        jax.random.key(0), poses, confidence)


@pytest.mark.parametrize("implementation", ["reference", "fused"])
@pytest.mark.parametrize("aligned_output", [False, True])
def test_zero_initialised_output_starts_as_the_identity(implementation, aligned_output):
  poses, confidence = _inputs()
  confidence[0, 3, 2] = 0.0  # A missing joint is filled, not passed through.
  model = models.PoseCorrector(num_joints=5, hidden=16, attention_size=8,
                               zero_init_output=True, aligned_output=aligned_output,
                               implementation=implementation)
  variables = model.init(jax.random.key(0), poses, confidence)
  out = np.asarray(model.apply(variables, poses, confidence)["poses"])
  observed = confidence > 0
  np.testing.assert_allclose(out[observed], poses[observed], atol=1e-3)
  # The default initialisation is not the identity.
  model = model.clone(zero_init_output=False)
  out = np.asarray(model.apply(model.init(jax.random.key(0), poses, confidence), poses,
                               confidence)["poses"])
  assert np.abs(out[observed] - poses[observed]).max() > 1.0


@pytest.mark.parametrize("implementation,lookahead", [("reference", 3), ("fused", 3),
                                                      ("reference", 0)])
def test_lookahead_output_sees_no_later_frames(implementation, lookahead):
  """With lookahead k, output frame i depends on input frames <= i + k only."""
  poses, confidence = _inputs(batch=2, time=16)
  changed = poses.copy()
  # Swap two joints in frames 10 on: the window's median centre and scale stay put.
  changed[:, 10:, [0, 1]] = changed[:, 10:, [1, 0]]
  model = models.PoseCorrector(num_joints=5, hidden=16, attention_size=8, bidirectional=False,
                               aligned_output=True, lookahead=lookahead,
                               implementation=implementation)
  params = model.init(jax.random.key(0), poses, confidence)["params"]
  before = np.asarray(model.apply({"params": params}, poses, confidence)["poses"])
  after = np.asarray(model.apply({"params": params}, changed, confidence)["poses"])
  first_seen = 10 - lookahead  # Output frames before it see no changed input frame.
  np.testing.assert_allclose(after[:, :first_seen], before[:, :first_seen], atol=1e-5)
  assert np.abs(after[:, first_seen:] - before[:, first_seen:]).max() > 1e-2
  # Offline, the same swap reaches the first frame.
  offline = model.clone(lookahead=-1)
  params = offline.init(jax.random.key(0), poses, confidence)["params"]
  before = offline.apply({"params": params}, poses, confidence)["poses"]
  after = offline.apply({"params": params}, changed, confidence)["poses"]
  assert np.abs(np.asarray(after[:, 0] - before[:, 0])).max() > 1e-3
  with pytest.raises(ValueError, match=f"lookahead={lookahead} needs bidirectional=False"):
    model.clone(bidirectional=True).init(jax.random.key(0), poses, confidence)


def test_shrink_corrections_keeps_small_ones_at_the_input():
  inputs = jnp.zeros((1, 3, 2, 2))
  outputs = jnp.array([[[[0.05, 0.0], [3.0, 4.0]]] * 3])  # Corrections of length 0.05 and 5.
  observed = jnp.array([[[True, True], [True, True], [False, False]]])
  shrunk = np.asarray(models.shrink_corrections(outputs, inputs, observed, 0.1))
  np.testing.assert_array_equal(shrunk[0, :2, 0], 0.0)  # Below the threshold: the input.
  np.testing.assert_allclose(shrunk[0, :2, 1], [[2.94, 3.92]] * 2, rtol=1e-6)  # 5 -> 4.9.
  np.testing.assert_array_equal(shrunk[0, 2], outputs[0, 2])  # Missing: the model's output.
  np.testing.assert_allclose(models.shrink_corrections(outputs, inputs, observed, 0.0), outputs)


def test_deadzone_passes_observed_joints_through():
  poses, confidence = _inputs()
  confidence[0, 3, 2] = 0.0
  model = _model(True, True)
  params = model.init(jax.random.key(0), poses, confidence)["params"]
  out = np.asarray(model.clone(deadzone=1e3).apply({"params": params}, poses, confidence)["poses"])
  observed = confidence > 0
  np.testing.assert_allclose(out[observed], poses[observed], atol=1e-3)
  free = np.asarray(model.apply({"params": params}, poses, confidence)["poses"])
  np.testing.assert_array_equal(out[~observed], free[~observed])
