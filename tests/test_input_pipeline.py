"""Augmentation and the grain loader."""

import numpy as np
import pytest

from pose_refine import input_pipeline
from pose_refine import skeletons
from tests import conftest

SKELETON = skeletons.PENN_ACTION


def _window(seed=0, time=8):
  return conftest.random_video(time, SKELETON.num_joints, seed)


def test_flip_swaps_left_and_right():
  window = _window()
  flipped = input_pipeline.flip_left_right(window, 100.0, SKELETON)
  left, right = SKELETON.index("left_wrist"), SKELETON.index("right_wrist")
  for key in ("poses", "ground_truth"):
    np.testing.assert_allclose(flipped[key][:, left, 0], 200.0 - window[key][:, right, 0])
    np.testing.assert_allclose(flipped[key][:, left, 1], window[key][:, right, 1])
  np.testing.assert_array_equal(flipped["confidence"][:, left], window["confidence"][:, right])
  head = SKELETON.index("head")
  np.testing.assert_allclose(flipped["poses"][:, head, 0], 200.0 - window["poses"][:, head, 0])
  twice = input_pipeline.flip_left_right(flipped, 100.0, SKELETON)
  np.testing.assert_allclose(twice["poses"], window["poses"], rtol=1e-6)


def test_flip_keeps_a_person_facing_the_camera_consistent():
  """After a flip, the left shoulder lies on the other side of the right one."""
  window = _window()
  left, right = SKELETON.index("left_shoulder"), SKELETON.index("right_shoulder")
  window["ground_truth"][:, left, 0] = 260.0
  window["ground_truth"][:, right, 0] = 140.0
  flipped = input_pipeline.flip_left_right(window, 200.0, SKELETON)
  assert np.all(flipped["ground_truth"][:, left, 0] > flipped["ground_truth"][:, right, 0])


def test_rotation_preserves_bone_lengths():
  window = _window()
  augment = input_pipeline.Augment(SKELETON, max_rotation_degrees=30.0, flip_probability=0.5)
  rotated = augment.random_map(window, np.random.default_rng(4))
  for key in ("poses", "ground_truth"):
    for a, b in SKELETON.bones:
      before = np.linalg.norm(window[key][:, a] - window[key][:, b], axis=-1)
      after = np.linalg.norm(rotated[key][:, a] - rotated[key][:, b], axis=-1)
      np.testing.assert_allclose(after, before, rtol=1e-4)
  assert not np.allclose(rotated["ground_truth"], window["ground_truth"])


def test_rotation_stays_within_the_configured_range():
  window = _window()
  window["ground_truth_valid"][:] = True
  centre = input_pipeline.person_centre(window)
  augment = input_pipeline.Augment(SKELETON, max_rotation_degrees=30.0, flip_probability=0.0)
  for seed in range(20):
    out = augment.random_map(window, np.random.default_rng(seed))
    before = window["ground_truth"][0, 0] - centre
    after = out["ground_truth"][0, 0] - centre
    cross = before[0] * after[1] - before[1] * after[0]
    angle = np.degrees(np.arctan2(cross, before @ after))
    assert abs(angle) <= 30.0 + 1e-3


def _loader(videos, **kwargs):
  args = dict(
      skeleton=SKELETON, window=8, stride=4, global_batch_size=4, num_epochs=2,
      data_seed=1, augment_seed=2, augment={"max_rotation_degrees": 30.0},
      process_index=0, process_count=1,
  )
  args.update(kwargs)
  return input_pipeline.train_loader(videos, **args)


def _videos():
  return [_window(seed=i, time=20 + 3 * i) for i in range(5)]


def test_loader_is_deterministic_and_resumable():
  videos = _videos()
  first = [b["poses"] for b in _loader(videos)]
  second = [b["poses"] for b in _loader(videos)]
  np.testing.assert_array_equal(np.stack(first), np.stack(second))
  iterator = iter(_loader(videos).to_iter_dataset())
  for _ in range(3):
    next(iterator)
  state = iterator.get_state()
  resumed = iter(_loader(videos).to_iter_dataset())
  resumed.set_state(state)
  np.testing.assert_array_equal(next(resumed)["poses"], first[3])
  other = [b["poses"] for b in _loader(videos, data_seed=7)]
  assert not np.array_equal(np.stack(first), np.stack(other))


def test_corrupted_windows_are_drawn_from_ground_truth_deterministically():
  from pose_refine import corruption  # noqa: PLC0415

  videos = input_pipeline.resample_videos(_videos(), (0.5, 1.0, 2.0))
  assert len(videos) == 15 and len(videos[10]["ground_truth"]) == 2 * 20 - 1
  corrupt = input_pipeline.Corrupt(SKELETON, corruption.Family(clean_fraction=0.3))
  first = list(_loader(videos, corrupt=corrupt, corrupt_seed=5, augment={}))
  again = list(_loader(videos, corrupt=corrupt, corrupt_seed=5, augment={}))
  plain = list(_loader(videos, augment={}))
  for a, b, c in zip(first, again, plain):
    np.testing.assert_array_equal(a["poses"], b["poses"])
    np.testing.assert_array_equal(a["ground_truth"], c["ground_truth"])
  poses = np.stack([b["poses"] for b in first])
  truth = np.stack([b["ground_truth"] for b in first])
  same = np.all(np.isclose(poses, truth) | np.isnan(truth), axis=(2, 3, 4))
  assert same.any() and not same.all()  # Some windows clean, most not.
  other = np.stack([b["poses"] for b in _loader(videos, corrupt=corrupt, corrupt_seed=6,
                                                augment={})])
  assert not np.array_equal(np.nan_to_num(poses), np.nan_to_num(other))


def test_absent_parts_leave_the_estimates_and_the_loss_together():
  from pose_refine import corruption  # noqa: PLC0415

  skeleton = skeletons.get_skeleton("penn_action")
  rng = np.random.default_rng(0)
  drawn = {tuple(skeleton.joints[i] for i in corruption.absent_part(skeleton, rng))
           for _ in range(200)}
  assert drawn == {("right_hip", "left_hip", "right_knee", "left_knee", "right_ankle",
                    "left_ankle"), ("right_knee", "left_knee", "right_ankle", "left_ankle"),
                   ("left_elbow", "left_wrist"), ("right_elbow", "right_wrist")}
  truth = rng.normal(200, 30, (32, 13, 2)).astype(np.float32)
  window = {"ground_truth": truth, "ground_truth_valid": np.ones((32, 13), bool),
            "poses": truth, "confidence": np.ones((32, 13), np.float32)}
  always = input_pipeline.Corrupt(skeleton, corruption.Family(absent_part_fraction=1.0))
  for seed in range(5):
    out = always.random_map(window, np.random.default_rng(seed))
    gone = np.isnan(out["poses"]).all(axis=(0, 2))
    assert 2 <= gone.sum() <= 6 and (out["confidence"][:, gone] == 0).all()
    np.testing.assert_array_equal(out["ground_truth_valid"].all(0), ~gone)
  assert window["ground_truth_valid"].all()  # The stored window is not changed.
  # Off (the default), the draws are those of a family without the option.
  plain = input_pipeline.Corrupt(skeleton, corruption.Family())
  never = input_pipeline.Corrupt(skeleton, corruption.Family(absent_part_fraction=0.0))
  np.testing.assert_array_equal(plain.random_map(window, np.random.default_rng(1))["poses"],
                                never.random_map(window, np.random.default_rng(1))["poses"])


def test_processes_read_disjoint_slices_that_cover_each_global_batch():
  videos = _videos()
  kwargs = dict(augment={"max_rotation_degrees": 30.0})
  whole = list(_loader(videos, **kwargs))
  parts = [list(_loader(videos, process_index=p, process_count=2, **kwargs)) for p in (0, 1)]
  assert len(parts[0]) == len(parts[1]) == len(whole)
  for step, batch in enumerate(whole):
    joined = np.concatenate([parts[0][step]["poses"], parts[1][step]["poses"]])
    np.testing.assert_array_equal(joined, batch["poses"])
  with pytest.raises(ValueError, match="not divisible by the 3 processes"):
    _loader(videos, process_count=3)


def test_in_window_interpolation_reads_only_valid_frames():
  import jax.numpy as jnp

  from pose_refine import normalization

  points = np.zeros((1, 6, 1, 2), np.float32)
  points[0, :, 0, 0] = [99, 10, 99, 99, 40, 99]  # 99: invalid, must not be read.
  valid = np.array([[[False], [True], [False], [False], [True], [False]]])
  filled = np.asarray(normalization.fill_missing(jnp.asarray(points), jnp.asarray(valid)))
  np.testing.assert_allclose(filled[0, :, 0, 0], [10, 10, 20, 30, 40, 40])


def test_worker_processes_give_the_same_batches():
  import grain  # noqa: PLC0415
  from absl import flags  # noqa: PLC0415

  from pose_refine import corruption  # noqa: PLC0415

  if not flags.FLAGS.is_parsed():
    flags.FLAGS.mark_as_parsed()  # grain's workers read absl flags, as under launch.train.
  corrupt = input_pipeline.Corrupt(SKELETON, corruption.Family())
  loader = lambda: _loader(_videos(), corrupt=corrupt, corrupt_seed=3).to_iter_dataset()
  plain = [b["poses"] for b in loader()]
  workers = [b["poses"] for b in loader().mp_prefetch(grain.MultiprocessingOptions(num_workers=2))]
  np.testing.assert_array_equal(np.stack(plain), np.stack(workers))
