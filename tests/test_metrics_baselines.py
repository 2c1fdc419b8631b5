"""Metrics against hand-computed cases; baselines on signals with known answers."""

import warnings

import jax
import numpy as np
import pytest
from scipy import ndimage

from pose_refine import baselines
from pose_refine import evaluation
from pose_refine import inference
from pose_refine import metrics
from pose_refine import sharding
from pose_refine import skeletons


def _line(time=40, joints=3):
  t = np.arange(time, dtype=np.float64)[:, None, None]
  return np.broadcast_to(np.concatenate([10 + 2 * t, 50 - 0.5 * t], -1), (time, joints, 2)).copy()


def test_known_offset_gives_known_pck():
  truth = _line()
  predictions = truth + np.array([3.0, 4.0])  # 5 px off everywhere.
  errors = metrics.joint_errors(predictions, truth)
  valid = np.ones(errors.shape, bool)
  np.testing.assert_allclose(errors, 5.0)
  assert metrics.pck_per_joint(errors, valid, 5.0).tolist() == [100.0] * 3
  assert metrics.pck_per_joint(errors, valid, 4.99).tolist() == [0.0] * 3
  np.testing.assert_array_equal(metrics.pck_curve(errors, valid, [0, 4, 5, 20]), [0, 0, 100, 100])
  # Half the joints missing: they count as wrong, never as (0, 0).
  predictions[::2] = np.nan
  errors = metrics.joint_errors(predictions, truth)
  three = skeletons.Skeleton("three", ("a", "b", "c"), (), {"All": (0, 1, 2)})
  assert metrics.pck_per_group(errors, valid, 20, three)["Average"] == pytest.approx(50.0)


def test_straight_line_has_zero_acceleration_error():
  truth = _line()
  assert metrics.acceleration_error(truth + 7.0, truth, np.ones(truth.shape[:2], bool)) == 0.0
  wobble = truth.copy()
  wobble[10, 0, 0] += 4.0  # Second differences +4, -8, +4 at one joint.
  error = metrics.acceleration_error(wobble, truth, np.ones(truth.shape[:2], bool))
  assert error == pytest.approx(16.0 / (38 * 3))


def test_normalized_pck_uses_the_box_size():
  truth = np.zeros((1, 2, 2))
  truth[0, 1] = [100.0, 50.0]  # Box 100 x 50: longer side 100.
  predictions = truth + np.array([0.0, 8.0])
  out = metrics.pck_normalized(predictions, truth, np.ones((1, 2), bool))
  assert out == {"pck@0.05": 0.0, "pck@0.1": 100.0, "pck@0.2": 100.0}


def test_hardest_frames_error_picks_the_raw_inputs_worst_frames():
  truth = _line(time=100)
  raw = truth.copy()
  raw[17] += 50.0  # The single worst frame.
  refined = truth.copy()
  refined[17] += 5.0
  valid = np.ones(truth.shape[:2], bool)
  assert metrics.hardest_frames_error(refined, raw, truth, valid, 0.01) == pytest.approx(
      np.hypot(5, 5))


@pytest.mark.parametrize("name", list(baselines.BASELINES))
def test_baselines_keep_a_straight_line_and_fill_gaps(name):
  truth = _line().astype(np.float32)
  confidence = np.ones(truth.shape[:2], np.float32)
  poses = truth.copy()
  poses[20:23, 1] = np.nan
  confidence[20:23, 1] = 0.0
  function, _ = baselines.BASELINES[name]
  # The One-Euro filter is causal: only its speed term (beta) removes the lag.
  out = function(poses, confidence, **({"beta": 1.0} if name == "one_euro" else {}))
  assert out.shape == truth.shape and np.all(np.isfinite(out))
  if name == "one_euro":
    # It holds its last output through a gap (being causal), so check the
    # joints without one.
    np.testing.assert_allclose(out[5:-5, ::2], truth[5:-5, ::2], atol=0.5)
  else:
    np.testing.assert_allclose(out[5:-5], truth[5:-5], atol=0.05)


def test_kalman_trusts_confident_measurements_more():
  rng = np.random.default_rng(0)
  truth = _line(time=60, joints=1).astype(np.float32)
  poses = truth + rng.normal(0, 3, truth.shape).astype(np.float32)
  poses[30, 0] += 40.0
  low = np.ones(truth.shape[:2], np.float32)
  low[30] = 0.01
  trusting = baselines.kalman_rts(poses, np.ones_like(low))
  doubting = baselines.kalman_rts(poses, low)
  assert abs(doubting[30, 0, 0] - truth[30, 0, 0]) < abs(trusting[30, 0, 0] - truth[30, 0, 0])


def test_causal_filters_see_only_their_lookahead():
  rng = np.random.default_rng(1)
  poses = (_line(time=50) + rng.normal(0, 2, (50, 3, 2))).astype(np.float32)
  confidence = rng.uniform(0.2, 1.0, poses.shape[:2]).astype(np.float32)
  poses[10:14, 1], confidence[10:14, 1] = np.nan, 0.0
  poses[:6, 2], confidence[:6, 2] = np.nan, 0.0  # Not seen before frame 6.
  for name, (function, grid) in baselines.causal_baselines(3).items():
    assert max(grid.get("lookahead", [3])) == 3
    # The largest lookahead a grid allows (Savitzky-Golay's is a grid parameter).
    kwargs = {"lookahead": 3} if "lookahead" in grid else {}
    out = function(poses, confidence, **kwargs)
    changed = poses.copy()
    changed[30:] += 25.0
    np.testing.assert_array_equal(function(changed, confidence, **kwargs)[:27], out[:27],
                                  err_msg=name)
    if name != "one_euro":  # One-Euro takes a joint's first observation back, as offline.
      assert np.isnan(out[:3, 2]).all() and np.isfinite(out[3:]).all(), name
  # Without lag limits the fixed-lag smoother is RTS; with lag 0 it is the filter.
  np.testing.assert_allclose(baselines.kalman_fixed_lag(poses, confidence, lookahead=60),
                             baselines.kalman_rts(poses, confidence), atol=1e-3)
  filtered = baselines._kalman_filter(  # pylint: disable=protected-access
      poses, confidence, 1.0, 4.0)[0][..., 0]
  np.testing.assert_allclose(baselines.kalman_fixed_lag(poses, confidence)[6:], filtered[6:],
                             atol=1e-4)
  # A window centred on t is the classic Savitzky-Golay filter away from the ends.
  clean = poses[:, ::2]
  ones = np.ones(clean.shape[:2], np.float32)
  np.testing.assert_allclose(
      baselines.savitzky_golay_causal(clean, ones, past=4, order=2, lookahead=4)[4:-4],
      baselines.savitzky_golay(clean, ones, window=9, order=2)[4:-4], atol=1e-3)


def test_window_merge_equals_refining_in_one_piece():
  """With a per-frame refiner, overlapping windows merge back exactly."""
  mesh = sharding.make_mesh(jax.devices()[:1])

  def per_frame(params, poses, confidence):
    del params
    return poses * 2.0 + confidence[..., None]

  rng = np.random.default_rng(0)
  videos = [
      {"poses": rng.normal(size=(n, 4, 2)).astype(np.float32),
       "confidence": rng.uniform(size=(n, 4)).astype(np.float32)}
      for n in (5, 16, 37)
  ]
  for weighting in ("uniform", "triangular"):
    merged = inference.refine_videos(
        jax.jit(per_frame), None, videos, window=8, stride=3, batch_size=4, mesh=mesh,
        fill_missing=True, weighting=weighting,
    )
    for video, out in zip(videos, merged):
      np.testing.assert_allclose(
          out, video["poses"] * 2 + video["confidence"][..., None], rtol=1e-6)


def test_group_without_ground_truth_is_nan_and_printed_as_dash():
  skeleton = skeletons.PENN_ACTION
  errors = np.zeros((4, skeleton.num_joints))
  valid = np.zeros((4, skeleton.num_joints), bool)
  valid[:, skeleton.groups["Head"]] = True  # Upper-body data: no ankles.
  table = metrics.pck_per_group(errors, valid, 20.0, skeleton)
  assert table["Head"] == 100.0 and table["Average"] == 100.0
  assert np.isnan(table["Ankles"])
  scores = evaluation.pck_scores(errors, valid, [20.0], skeleton)
  text = evaluation.pck_table({"raw": scores}, skeleton, 20.0)
  assert "| raw | 100.0 |" in text and "| - |" in text


def test_report_puts_the_best_tuned_filter_between_raw_and_refined(tmp_path):
  import ml_collections  # pylint: disable=g-import-not-at-top

  skeleton = skeletons.get_skeleton("penn_action")
  rng = np.random.default_rng(0)

  def video(seed):
    truth = np.cumsum(np.random.default_rng(seed).normal(0, 2, (60, 1, 2)), 0) + rng.normal(
        300, 40, (1, 13, 2))
    poses = truth + np.random.default_rng(seed + 1).normal(0, 6, truth.shape)
    return {"poses": poses.astype(np.float32), "confidence": np.ones((60, 13), np.float32),
            "ground_truth": truth.astype(np.float32), "ground_truth_valid": np.ones((60, 13), bool)}

  videos, tune = [video(0), video(2)], [video(4), video(6)]
  best = evaluation.best_filter_scores(videos, tune, skeleton, (20.0, 10.0))
  raw = evaluation.pck_scores(
      metrics.joint_errors(np.concatenate([v["poses"] for v in videos]),
                           evaluation.ground_truth(videos)[0]),
      evaluation.ground_truth(videos)[1], (20.0, 10.0), skeleton)
  assert best["name"] in baselines.BASELINES
  assert best["pck@10/Average"] > raw["pck@10/Average"]  # Smoothing white jitter helps.
  results = {"raw": dict(raw, mean_error=6.0), "best_filter": best,
             "refined": dict(raw, mean_error=5.0)}
  config = ml_collections.ConfigDict(
      {"dataset": "toy", "eval_split": "validation", "eval": {"pck_thresholds": (20.0, 10.0)}})
  summary = evaluation.write_report(results, config, skeleton, "test", tmp_path / "results")
  lines = [line.split(" |")[0] for line in summary.splitlines() if line.startswith("| ")]
  assert lines[1:4] == ["| raw", f"| best filter ({best['name']})", "| refined"]
  assert f"best filter ({best['name']}) {best['mean_error']:.2f}" in summary


def _jittery_walk(length=200, joints=5, seed=0):
  rng = np.random.default_rng(seed)
  truth = np.cumsum(rng.normal(0, 1.0, (length, 1, 2)), 0) + rng.normal(0, 50, (1, joints, 2))
  return truth.astype(np.float32) + 300, rng


def test_correction_size_is_the_median_correction_over_the_track_size():
  truth, _ = _jittery_walk()
  size = np.median(np.max(np.max(truth, 1) - np.min(truth, 1), -1))
  shifted = truth + np.float32([3.0, 4.0])  # Every joint corrected by 5 px.
  level = baselines.correction_size(shifted, truth, np.ones(truth.shape[:2]), window=21)
  np.testing.assert_allclose(level, 5.0 / size, rtol=1e-3)
  missing = np.ones(truth.shape[:2])
  missing[:, 0] = 0  # An unobserved joint's "correction" does not count.
  shifted[:, 0] += 100
  level = baselines.correction_size(shifted, np.where(missing[..., None] > 0, truth, np.nan),
                                    missing, window=21)
  size = np.median(np.max(np.max(shifted, 1) - np.min(shifted, 1), -1))  # The output's size.
  np.testing.assert_allclose(level, 5.0 / size, rtol=1e-3)


def test_track_size_is_the_nan_aware_median_of_the_longer_box_side():
  rng = np.random.default_rng(0)
  for frames in (1, 2, 7, 30):
    points = rng.normal(0, 50, (frames, 6, 2))
    points[rng.random((frames, 6)) < 0.3] = np.nan
    points[0] = np.nan  # A frame with nothing placed does not count.
    with warnings.catch_warnings():
      warnings.simplefilter("ignore", RuntimeWarning)  # All-NaN frames.
      expected = np.nanmedian(np.nanmax(np.nanmax(points, 1) - np.nanmin(points, 1), -1))
    assert baselines.track_size(points) == (max(expected, 1e-6) if frames > 1 else 1e-6)


def test_correction_size_of_a_short_track_is_the_sliding_median_bit_for_bit():
  truth, rng = _jittery_walk()
  short, poses = truth[:30], truth[:30] + rng.normal(0, 3, truth[:30].shape).astype(np.float32)
  confidence = np.ones(short.shape[:2], np.float32)
  level = baselines.correction_size(short, poses, confidence, window=121)
  # The same frames followed by 200 frames with nothing observed nor placed: the sliding path.
  pad = lambda x, fill: np.concatenate([x, np.full((200,) + x.shape[1:], fill, x.dtype)])
  slid = baselines.correction_size(pad(short, np.nan), pad(poses, np.nan),
                                   pad(confidence, 0.0), window=121)[:30]
  assert level.dtype == slid.dtype == np.float64
  np.testing.assert_array_equal(level, slid)


def test_adaptive_gaussian_smooths_only_where_the_refiner_corrected():
  truth, rng = _jittery_walk()
  confidence = np.ones(truth.shape[:2], np.float32)
  # Input far off in the first half, exact in the second; the refiner's output is
  # the truth plus jitter in the first half and the input itself in the second.
  poses = truth.copy()
  poses[:100] += rng.normal(0, 20, poses[:100].shape).astype(np.float32)
  refined = truth.copy()
  refined[:100] += rng.normal(0, 2, refined[:100].shape).astype(np.float32)
  out = baselines.adaptive_gaussian(refined, poses, confidence, gain=200, offset=0.01,
                                    max_sigma=2.0, window=21)
  np.testing.assert_array_equal(out[115:], refined[115:])  # Beyond half a window: untouched.

  def jitter(x):
    return np.abs(np.diff(x[5:95], 2, axis=0)).mean()

  assert jitter(out) < 0.5 * jitter(refined)
  assert np.abs(out[5:95] - truth[5:95]).mean() < np.abs(refined[5:95] - truth[5:95]).mean()
  # Nothing corrected: the output is the refiner's, bit for bit.
  np.testing.assert_array_equal(
      baselines.adaptive_gaussian(poses, poses, confidence, gain=200, offset=0.0, max_sigma=2.0),
      poses)
  unplaced = refined.copy()
  unplaced[:, 2] = np.nan  # A joint the refiner did not place stays unplaced.
  out = baselines.adaptive_gaussian(unplaced, poses, confidence, gain=200, offset=0.01,
                                    max_sigma=2.0, window=21)
  assert np.isnan(out[:, 2]).all() and np.isfinite(np.delete(out, 2, 1)).all()


def test_noise_level_reads_white_noise_not_steady_motion():
  rng = np.random.default_rng(0)
  frames = np.arange(2000, dtype=np.float64)[:, None, None]
  steady = np.concatenate([3.0 * frames, 0.001 * frames**2], -1)  # Moving and turning slowly.
  noise = rng.normal(0, 1.0, (2000, 2, 2)) * np.array([1.0, 4.0])[:, None]
  level = baselines.noise_level(np.concatenate([steady, steady], 1) + noise)
  # |second difference| of white noise (s per coordinate) has median 1.18 * sqrt(6) * s.
  np.testing.assert_allclose(level, [1.18, 4 * 1.18], rtol=0.05)
  assert baselines.noise_level(np.concatenate([steady, steady], 1)).max() < 0.01
  gaps = np.concatenate([steady, steady], 1) + noise
  gaps[::2, 1] = np.nan  # No three consecutive frames placed: no estimate.
  np.testing.assert_allclose(baselines.noise_level(gaps), [level[0], 0.0])


def test_motion_adaptive_smooths_steady_motion_and_keeps_turns():
  rng = np.random.default_rng(1)
  t = np.arange(120, dtype=np.float64)
  # Joint 0 moves steadily; joint 1 reverses sharply at frame 60 (a hit, a bounce).
  path = np.stack([np.stack([2.0 * t, 0.5 * t], -1),
                   np.stack([100 - 3.0 * np.abs(t - 60), 0 * t], -1)], 1)
  track = (path + rng.normal(0, 1.0, path.shape)).astype(np.float32)
  noise = baselines.noise_level(track)
  active = np.ones(len(t), bool)
  out = baselines.motion_adaptive(track, 2 * noise, active)

  def jitter(x, joint, frames):
    return np.linalg.norm(np.diff(x[frames, joint], 2, axis=0), axis=-1).mean()

  steady = slice(10, 110)
  assert jitter(out, 0, steady) < 0.4 * jitter(track, 0, steady)
  assert (np.abs(out[steady, 0] - path[steady, 0]).mean()
          < 0.7 * np.abs(track[steady, 0] - path[steady, 0]).mean())
  # At the turn, smoothing would cut the corner (a sigma of 4 frames: 4.8 px at the tip);
  # the stage stays within its tolerance of the track there.
  tip = slice(58, 63)
  assert np.linalg.norm(out[tip, 1] - track[tip, 1], axis=-1).max() <= 2 * noise[1] + 1e-4
  # Frames not active, and a tolerance of 0, leave the track as it is; unplaced joints stay so.
  half = np.arange(len(t)) < 60
  np.testing.assert_array_equal(baselines.motion_adaptive(track, 2 * noise, half)[60:],
                                track[60:])
  np.testing.assert_array_equal(baselines.motion_adaptive(track, 0 * noise, active), track)
  unplaced = track.copy()
  unplaced[30:40, 0] = np.nan
  out = baselines.motion_adaptive(unplaced, 2 * noise, active)
  assert np.isnan(out[30:40, 0]).all() and np.isfinite(out[:30]).all()
  assert jitter(out, 0, slice(45, 110)) < 0.5 * jitter(track, 0, slice(45, 110))


def test_despike_takes_out_one_frame_excursions_and_keeps_steps_and_motion():
  t = np.arange(40, dtype=np.float32)
  track = np.stack([np.stack([2 * t, 0 * t], -1), np.stack([0 * t, 50 + 0 * t], -1)], 1)
  track[:, 1, 1] += np.where(t >= 20, 30.0, 0.0)  # Joint 1 steps at frame 20 and stays.
  clean = track.copy()
  track[10, 0] += [0.0, 25.0]  # A one-frame spike on joint 0,
  track[30, 0] += [0.0, 3.0]  # and a small one, within tolerance.
  active = np.ones(40, bool)
  out = baselines.despike(track, np.array([5.0, 5.0]), active)
  np.testing.assert_array_equal(out[10], clean[10])  # The spike is gone (the median is 2 t),
  np.testing.assert_array_equal(np.delete(out, 10, 0), np.delete(track, 10, 0))  # nothing else.
  np.testing.assert_array_equal(baselines.despike(track, np.array([5.0, 5.0]), ~active), track)
  np.testing.assert_array_equal(baselines.despike(track, np.array([0.0, 5.0]), active), track)
  gap = track.copy()
  gap[11, 0] = np.nan  # A neighbour not placed: no median, left as it is.
  np.testing.assert_array_equal(baselines.despike(gap, np.array([5.0, 5.0]), active)[10],
                                track[10])


def test_adaptive_gaussian_motion_stage_runs_where_the_ramp_smooths():
  rng = np.random.default_rng(2)
  t = np.arange(200, dtype=np.float32)[:, None, None]
  # Five joints on slow, smooth paths.
  truth = 300 + rng.normal(0, 50, (1, 5, 2)).astype(np.float32) + 40 * np.sin(
      t / 30 + rng.uniform(0, 6, (1, 5, 2)).astype(np.float32))
  confidence = np.ones(truth.shape[:2], np.float32)
  poses = truth.copy()
  poses[:100] += rng.normal(0, 20, poses[:100].shape).astype(np.float32)
  refined = truth.copy()
  refined[:100] += rng.normal(0, 2, refined[:100].shape).astype(np.float32)
  rule = dict(gain=200, offset=0.01, max_sigma=1.0, window=21)
  ramp = baselines.adaptive_gaussian(refined, poses, confidence, **rule)
  np.testing.assert_array_equal(
      baselines.adaptive_gaussian(refined, poses, confidence, motion=0.0, motion_limit=0.01,
                                  **rule), ramp)
  out = baselines.adaptive_gaussian(refined, poses, confidence, motion=3.0, **rule)
  np.testing.assert_array_equal(out[115:], refined[115:])  # Where the ramp is 0: untouched.

  def accel_error(x):
    return np.linalg.norm(np.diff(x[5:95] - truth[5:95], 2, axis=0), axis=-1).mean()

  assert accel_error(out) < 0.8 * accel_error(ramp)
  size = baselines.track_size(refined)
  capped = baselines.adaptive_gaussian(refined, poses, confidence, motion=3.0,
                                       motion_limit=0.5 / size, **rule)
  spiked = refined.copy()
  spiked[50, 1] += 40.0  # A spike where the ramp smooths: despike takes it out first.
  plain = baselines.adaptive_gaussian(spiked, poses, confidence, **rule)
  despiked = baselines.adaptive_gaussian(spiked, poses, confidence, spikes=3.0, **rule)
  assert np.abs(despiked[48:53, 1] - truth[48:53, 1]).max() < 0.3 * np.abs(
      plain[48:53, 1] - truth[48:53, 1]).max()
  np.testing.assert_array_equal(despiked[115:], spiked[115:])  # Not where the ramp is 0.
  assert np.linalg.norm(capped - ramp, axis=-1).max() <= 0.5 + 1e-4  # At most 0.5 px,
  assert 0 < accel_error(out) < accel_error(capped) < accel_error(ramp)  # and less smoothing.


def test_adaptive_gaussian_floor_reads_the_networks_corrections():
  truth, rng = _jittery_walk()
  confidence = np.ones(truth.shape[:2], np.float32)
  # Jittery input in the first half, exact in the second. The network put the first half
  # on the truth; a selector then kept the input everywhere, so the output is the input.
  poses = truth.copy()
  poses[:100] += rng.normal(0, 1.5, poses[:100].shape).astype(np.float32)
  network = np.concatenate([truth[:100], poses[100:]])
  rule = dict(gain=200, offset=0.0, max_sigma=2.0, window=21, floor=1.0, floor_gain=2000)
  out = baselines.adaptive_gaussian(poses, poses, confidence, network=network, **rule)

  def jitter(x):
    return np.abs(np.diff(x[5:95], 2, axis=0)).mean()

  assert jitter(out) < 0.5 * jitter(poses)  # Smoothed at the floor where the network corrected,
  np.testing.assert_array_equal(out[115:], poses[115:])  # untouched where it did not.
  expected = ndimage.gaussian_filter1d(poses.astype(np.float64), 1.0, axis=0, mode="nearest")
  np.testing.assert_allclose(out[:85], expected[:85], atol=1e-4)  # Sigma = the floor there.
  # Measured on the output itself (no network given), nothing was corrected: no smoothing.
  np.testing.assert_array_equal(baselines.adaptive_gaussian(poses, poses, confidence, **rule),
                                poses)
  # Corrections up to floor_offset (what the network moves clean input by) give no floor.
  level = baselines.correction_size(network, poses, confidence, 21)
  np.testing.assert_array_equal(baselines.adaptive_gaussian(
      poses, poses, confidence, network=network, floor_offset=level.max(), **rule), poses)
  below = baselines.adaptive_gaussian(poses, poses, confidence, network=network,
                                      floor_offset=level[:85].min() - 0.001, **rule)
  np.testing.assert_allclose(below[:85], expected[:85], atol=1e-4)  # 2 frames above: the floor.
