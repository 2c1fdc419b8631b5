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
