"""The embedded data set: plausible motion and estimator-like corruption."""

import dataclasses

import numpy as np

from pose_refine import noise
from pose_refine import synthetic

SKELETON = synthetic.SKELETON


def test_motion_is_deterministic_smooth_and_rigid():
  a, torso = synthetic.generate_motion(np.random.default_rng(5), 120)
  b, _ = synthetic.generate_motion(np.random.default_rng(5), 120)
  np.testing.assert_array_equal(a, b)
  assert a.shape == (120, SKELETON.num_joints, 2) and np.all(np.isfinite(a))
  # Smooth: frame-to-frame motion is small next to the body's size.
  step = np.linalg.norm(np.diff(a, axis=0), axis=-1)
  assert np.percentile(step, 99) < 0.25 * torso.mean()
  # Rigid limbs: upper arms keep their length relative to the torso.
  shoulder, elbow = SKELETON.index("left_shoulder"), SKELETON.index("left_elbow")
  arm = np.linalg.norm(a[:, shoulder] - a[:, elbow], axis=-1) / torso
  np.testing.assert_allclose(arm, arm[0], rtol=1e-4)
  # The head is above the hips (image y grows downwards).
  assert np.all(a[:, SKELETON.index("head"), 1] < a[:, SKELETON.index("left_hip"), 1])


def test_corruption_produces_each_error_kind():
  rng = np.random.default_rng(0)
  poses, torso = synthetic.generate_motion(rng, 400)
  estimates, confidence = noise.corrupt(
      poses, torso, SKELETON, noise.EstimatorErrorModel(), np.random.default_rng(1)
  )
  missing = np.isnan(estimates).any(-1)
  assert missing.any() and np.all(confidence[missing] == 0)
  error = np.linalg.norm(estimates - poses, axis=-1)[~missing]
  assert np.median(error) < 0.1 * torso.mean()  # Mostly close ...
  assert error.max() > 0.5 * torso.mean()  # ... with outliers.
  again = noise.corrupt(poses, torso, SKELETON, noise.EstimatorErrorModel(),
                        np.random.default_rng(1))
  np.testing.assert_array_equal(again[0], estimates)


def test_swaps_exchange_left_and_right():
  poses, torso = synthetic.generate_motion(np.random.default_rng(0), 50)
  always_swapped = dataclasses.replace(
      noise.EstimatorErrorModel(), swap_rate=1.0, swap_length=100.0, jitter=0.0,
      outlier_rate=0.0, miss_rate=0.0, drift_rate=0.0,
  )
  estimates, _ = noise.corrupt(poses, torso, SKELETON, always_swapped, np.random.default_rng(0))
  np.testing.assert_allclose(estimates, poses[:, SKELETON.flip_permutation], atol=1e-4)


def test_builder_is_deterministic(data_dir, tmp_path):
  from pose_refine import input_pipeline

  first = input_pipeline.load_split("synthetic_pose/small", "validation", data_dir)
  second = input_pipeline.load_split("synthetic_pose/small", "validation", str(tmp_path))
  assert [v["video_id"] for v in first] == [v["video_id"] for v in second]
  for a, b in zip(first, second):
    for key in input_pipeline.FIELDS:
      np.testing.assert_array_equal(a[key], b[key])


def test_corruption_stays_in_the_frame_when_asked():
  poses, torso = synthetic.generate_motion(np.random.default_rng(0), 300)
  heavy = dataclasses.replace(noise.EstimatorErrorModel(), outlier_rate=0.5, outlier_scale=50.0)
  free, _ = noise.corrupt(poses, torso, SKELETON, heavy, np.random.default_rng(0))
  inside, _ = noise.corrupt(poses, torso, SKELETON, heavy, np.random.default_rng(0),
                            frame_size=(640, 480))
  assert np.nanmax(np.abs(free)) > 2000
  assert np.nanmin(inside) >= 0 and np.nanmax(inside[..., 0]) <= 639
  assert np.nanmax(inside[..., 1]) <= 479
