"""Cutting tracks into windows, gap filling, and merging window outputs back."""

import numpy as np

from pose_refine import windows
from tests import conftest


def test_window_starts_cover_every_frame():
  assert windows.window_starts(10, 4, 3) == [0, 3, 6]
  assert windows.window_starts(11, 4, 3) == [0, 3, 6, 7]
  assert windows.window_starts(3, 4, 2) == [0]


def test_short_video_is_padded_with_missing_frames():
  video = conftest.random_video(3)
  window = windows.cut_window(video, 0, 5)
  assert list(window) == ["poses", "confidence", "ground_truth", "ground_truth_valid"]
  assert window["poses"].shape[0] == 5
  assert np.all(np.isnan(window["poses"][3:]))
  assert np.all(window["confidence"][3:] == 0)
  assert not np.any(window["ground_truth_valid"][3:])
  np.testing.assert_array_equal(window["poses"][:3], video["poses"])


def test_cut_then_merge_gives_the_track_back():
  video = conftest.random_video(23)
  starts = windows.window_starts(23, 8, 3)
  cut = windows.cut(video["poses"], starts, 8, np.nan)
  assert cut.shape == (len(starts), 8, 13, 2)
  for weighting in ("uniform", "triangular"):
    weights = np.tile(windows.position_weights(8, weighting), (len(starts), 1))
    merged = windows.merge(cut, weights, starts, 23)
    np.testing.assert_allclose(merged, video["poses"], rtol=1e-6)


def test_fill_missing_interpolates_at_low_confidence():
  video = conftest.random_video(6)
  video["confidence"][:] = 0.8
  video["poses"][:, 0] = np.arange(6)[:, None] * 10.0
  video["poses"][2:4, 0] = np.nan
  video["confidence"][:, 1] = 0.0  # Joint 1 is never seen.
  filled = windows.fill_missing(video)
  np.testing.assert_allclose(filled["poses"][2:4, 0, 0], [20.0, 30.0])
  np.testing.assert_allclose(filled["confidence"][2:4, 0], 0.01)
  np.testing.assert_array_equal(filled["confidence"][:, 1], 0.0)
  np.testing.assert_array_equal(filled["poses"][:, 1], video["poses"][:, 1])
  np.testing.assert_array_equal(filled["ground_truth"], video["ground_truth"])


def test_upsample_keeps_every_input_frame_and_interpolates_between():
  rng = np.random.default_rng(0)
  poses = rng.normal(100, 20, (6, 3, 2)).astype(np.float32)
  confidence = rng.uniform(0.2, 1.0, (6, 3)).astype(np.float32)
  poses[2, 1], confidence[2, 1] = np.nan, 0.0
  up, scores = windows.upsample(poses, confidence, 3)
  assert up.shape == (16, 3, 2) and scores.shape == (16, 3)
  np.testing.assert_array_equal(up[::3], poses)
  np.testing.assert_array_equal(scores[::3], confidence)
  np.testing.assert_allclose(up[1, 0], poses[0, 0] + (poses[1, 0] - poses[0, 0]) / 3, rtol=1e-6)
  np.testing.assert_allclose(scores[2, 0], confidence[0, 0] / 3 + 2 * confidence[1, 0] / 3,
                             rtol=1e-6)
  # Between a frame that lacks joint 1 and its neighbours, the joint is missing.
  assert np.isnan(up[4:9, 1]).all() and (scores[4:9, 1] == 0).all()
  assert np.isfinite(up[4:9, 0]).all()
