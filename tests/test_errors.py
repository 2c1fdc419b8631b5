"""The training error family, the held-out one, and the accuracy protocol."""

import numpy as np
import pytest

from pose_refine import corruption
from pose_refine import heldout_errors
from pose_refine import robustness
from pose_refine import skeletons
from pose_refine import windows

SKELETON = skeletons.get_skeleton("penn_action")


def _tracks(count=6, frames=90, seed=0):
  rng = np.random.default_rng(seed)
  tracks = []
  for _ in range(count):
    base = rng.normal(0, 40, (1, 13, 2)) + np.array([200.0, 150.0])
    drift = np.cumsum(rng.normal(0, 1.5, (frames, 1, 2)), 0)
    truth = (base + drift + rng.normal(0, 0.5, (frames, 13, 2))).astype(np.float32)
    tracks.append({"ground_truth": truth, "ground_truth_valid": np.ones(truth.shape[:2], bool)})
  return tracks


def test_heldout_level_zero_is_the_labels_at_full_confidence():
  track = _tracks(1)[0]
  poses, confidence = heldout_errors.corrupt(
      track["ground_truth"], track["ground_truth_valid"], SKELETON, 0.0, np.random.default_rng(0))
  np.testing.assert_array_equal(poses, track["ground_truth"])
  np.testing.assert_array_equal(confidence, 1.0)


def test_heldout_levels_get_harder_and_are_reproducible():
  tracks = _tracks()
  pck = []
  for level in heldout_errors.LEVELS.values():
    clips = robustness.make_clips(tracks, SKELETON, "heldout", level, seed=3)
    again = robustness.make_clips(tracks, SKELETON, "heldout", level, seed=3)
    for a, b in zip(clips, again):
      np.testing.assert_array_equal(a["poses"], b["poses"])
    pck.append(robustness.scores([c["poses"] for c in clips], clips)["pck@0.05"])
  assert pck[0] == 100.0
  assert all(a > b for a, b in zip(pck, pck[1:])), pck


@pytest.mark.parametrize("family", ["heldout", "train"])
def test_missing_is_nan_with_zero_confidence_also_with_unlabelled_joints(family):
  tracks = _tracks(3, frames=300)
  rng = np.random.default_rng(0)
  for track in tracks:
    track["ground_truth_valid"] = rng.random(track["ground_truth_valid"].shape) > 0.2
  for clip in robustness.make_clips(tracks, SKELETON, family, 4.0):
    missing = np.isnan(clip["poses"]).any(-1)
    assert np.all(clip["confidence"][missing] == 0) and np.all(clip["confidence"][~missing] > 0)


def test_absent_joints_leave_estimates_and_labels_of_every_clip():
  tracks = _tracks(2, frames=100)
  lower = ["right_hip", "left_hip", "right_knee", "left_knee", "right_ankle", "left_ankle"]
  full = robustness.make_clips(tracks, SKELETON, "heldout", 1.0)
  upper = robustness.make_clips(tracks, SKELETON, "heldout", 1.0, absent=lower)
  gone = [SKELETON.index(name) for name in lower]
  kept = [i for i in range(SKELETON.num_joints) if i not in gone]
  for a, b in zip(full, upper):
    assert np.isnan(b["poses"][:, gone]).all() and not b["ground_truth_valid"][:, gone].any()
    np.testing.assert_array_equal(a["poses"][:, kept], b["poses"][:, kept])  # Same errors.
  with pytest.raises(ValueError, match=r"absent=\['tail'\]: not joints of penn_action"):
    robustness.make_clips(tracks, SKELETON, "heldout", 1.0, absent=["tail"])


def test_scores_split_pck_by_joints_present_in_the_input():
  clips = robustness.make_clips(_tracks(3), SKELETON, "heldout", 1.0)
  raw = robustness.scores([c["poses"] for c in clips], clips)
  assert raw["pck@0.05/missing"] == 0.0 and 90 < raw["pck@0.05/present"] < 100
  # Truth where the input lacks a joint, the input elsewhere: only "missing" changes.
  filled = [np.where(np.isnan(c["poses"]), c["ground_truth"], c["poses"]) for c in clips]
  gaps = robustness.scores(filled, clips)
  assert gaps["pck@0.05/missing"] == 100.0
  assert gaps["pck@0.05/present"] == raw["pck@0.05/present"]


def test_scores_split_pck_by_the_speed_of_true_motion():
  """Joints moving at least FAST of the box a frame count as fast: errors put on them
  alone lower only the fast share's PCK."""
  truth = np.zeros((6, 2, 2))
  truth[:, 0, 0] = [0, 0, 0, 10, 20, 20]  # Joint 0 jumps 10 px a frame at frames 2-4.
  truth[:, 1] = [[100, 100]] * 6  # A 100 px box; joint 1 stands still.
  valid = np.ones((6, 2), bool)
  np.testing.assert_allclose(robustness.true_speed(truth, valid)[:, 0], [0, 0, 10, 10, 10, 0])
  clip = {"ground_truth": truth, "ground_truth_valid": valid, "poses": truth,
          "confidence": np.ones((6, 2))}
  exact = robustness.scores([truth], [clip])
  assert exact["pck@0.05/fast"] == exact["pck@0.05/slow"] == 100.0
  np.testing.assert_allclose(exact["fast_share"], 100 * 3 / 12)
  blurred = truth.copy()
  blurred[2:5, 0, 0] += 8.0  # 8 px off (the threshold is 5) on the 3 fast frames only.
  off = robustness.scores([blurred], [clip])
  assert off["pck@0.05/fast"] == 0.0 and off["pck@0.05/slow"] == 100.0


def test_scores_split_pck_by_what_the_input_had_right():
  """"kept": of the joints the input had within 5% of the box, the share a method leaves
  there (also of the fast ones); "fixed": of the others, the share it brings there."""
  truth = np.zeros((6, 2, 2))
  truth[:, 0, 0] = [0, 0, 0, 10, 20, 20]  # Joint 0 moves fast at frames 2-4.
  truth[:, 1] = [[100, 100]] * 6  # A 100 px box.
  valid = np.ones((6, 2), bool)
  poses = truth.copy()
  poses[0, 1] += 20.0  # The input is 20 px off at one frame (threshold 5) ...
  poses[5, 1] = np.nan  # ... and misses another.
  clip = {"ground_truth": truth, "ground_truth_valid": valid, "poses": poses,
          "confidence": np.where(np.isnan(poses[..., 0]), 0.0, 1.0)}
  raw = robustness.scores([poses], [clip])
  assert raw["pck@0.05/kept"] == 100.0 and raw["pck@0.05/kept_fast"] == 100.0
  assert raw["pck@0.05/fixed"] == 0.0
  method = truth.copy()
  method[0, 1] = poses[0, 1]  # Leaves the far one, fills the gap,
  method[3, 0, 0] += 8.0  # and moves one fast joint the input had right.
  moved = robustness.scores([method], [clip])
  np.testing.assert_allclose(moved["pck@0.05/kept"], 100 * 9 / 10)
  np.testing.assert_allclose(moved["pck@0.05/kept_fast"], 100 * 2 / 3)
  assert moved["pck@0.05/fixed"] == 50.0


def test_heldout_errors_are_missing_as_nan_with_zero_confidence():
  track = _tracks(1, frames=400)[0]
  poses, confidence = heldout_errors.corrupt(
      track["ground_truth"], track["ground_truth_valid"], SKELETON, 4.0, np.random.default_rng(1))
  missing = np.isnan(poses).any(-1)
  assert missing.any()
  assert np.all(confidence[missing] == 0) and np.all(confidence[~missing] > 0)


def test_resample_doubles_and_halves_the_frame_rate():
  track = _tracks(1, frames=31)[0]
  truth, valid = track["ground_truth"], track["ground_truth_valid"].copy()
  valid[10, 4] = False
  fast, fast_valid = windows.resample(truth, valid, 2.0)
  assert len(fast) == 61
  np.testing.assert_allclose(fast[::2][fast_valid[::2]], truth[valid], atol=1e-4)
  np.testing.assert_allclose(fast[1, 0], (truth[0, 0] + truth[1, 0]) / 2, atol=1e-4)
  # Frames between a labelled and an unlabelled one are unlabelled, and NaN.
  assert not fast_valid[19, 4] and not fast_valid[21, 4] and np.isnan(fast[21, 4]).all()
  slow, slow_valid = windows.resample(truth, valid, 0.5)
  assert len(slow) == 16
  np.testing.assert_array_equal(slow[slow_valid], truth[::2][valid[::2]])
  # An even length: the last new frame is the last whole label frame reached, never past it.
  slow, _ = windows.resample(truth[:12], valid[:12], 0.5)
  assert len(slow) == 6
  np.testing.assert_array_equal(slow[-1][valid[10]], truth[10][valid[10]])


@pytest.mark.parametrize("seed", range(5))
def test_training_family_draws(seed):
  track = _tracks(1, frames=32, seed=seed)[0]
  rng = np.random.default_rng(seed)
  for _ in range(20):
    poses, confidence = corruption.corrupt_random(
        track["ground_truth"], track["ground_truth_valid"], SKELETON, rng)
    missing = np.isnan(poses).any(-1)
    assert np.all(confidence[missing] == 0) and np.all(confidence[~missing] > 0)
    assert np.all((confidence >= 0) & (confidence <= 1))
  clean, confidence = corruption.corrupt(
      track["ground_truth"], track["ground_truth_valid"], SKELETON, rng, 0.0, np.ones(9))
  np.testing.assert_array_equal(clean, track["ground_truth"])


def test_training_family_stuck_joints_hold_their_first_position():
  track = _tracks(1, frames=200)[0]
  family = corruption.Family(stuck_rate=0.05, jitter=0.0, drift_speed=0.0, lowpass_jitter=0.0, outlier_rate=0.0,
                             swap_rate=0.0, miss_rate=0.0, frame_miss_rate=0.0, corner_rate=0.0)
  poses, _ = corruption.corrupt(track["ground_truth"], track["ground_truth_valid"], SKELETON,
                                np.random.default_rng(0), 1.0, np.ones(9), family)
  moved = ~np.isclose(poses, track["ground_truth"]).all(-1)
  assert moved.any()
  held = np.all(poses[1:] == poses[:-1], -1)  # Stuck frames repeat the previous one.
  assert np.all(held[moved[1:]])


def test_training_family_drift_restarts_with_each_run():
  track = _tracks(1, frames=300)[0]
  quiet = dict(jitter=0.0, lowpass_jitter=0.0, outlier_rate=0.0, swap_rate=0.0, miss_rate=0.0,
               frame_miss_rate=0.0, corner_rate=0.0, stuck_rate=0.0)
  poses, _ = corruption.corrupt(track["ground_truth"], track["ground_truth_valid"], SKELETON,
                                np.random.default_rng(2), 1.0, np.ones(9),
                                corruption.Family(drift_speed=0.01, **quiet))
  offset = np.linalg.norm(poses - track["ground_truth"], axis=-1)
  drifting = offset > 1e-3
  assert drifting.any()
  begins = drifting[1:] & ~drifting[:-1]
  step = np.linalg.norm(poses[1:] - poses[:-1] - (track["ground_truth"][1:] - track["ground_truth"][:-1]),
                        axis=-1)
  # A run's first frame is one velocity step away, like every later frame of the run.
  assert np.allclose(step[begins], offset[1:][begins], atol=1e-3)


def test_compare_tunes_on_one_half_and_reports_the_other():
  tracks = _tracks(count=4)
  clips = robustness.make_clips(tracks, SKELETON, "heldout", 2.0)
  identity = lambda poses, confidence: poses
  results, tuned = robustness.compare(clips, {"identity": identity})
  assert set(tuned) == {"savitzky_golay", "gaussian", "one_euro", "kalman_rts"}
  assert results["identity"] == results["raw"]
  assert results["best_filter"]["name"] in tuned
  # Reusing the tuned settings gives the same scores.
  again, _ = robustness.compare(clips, {"identity": identity}, tuned)
  assert again == results


def test_robustness_launcher_writes_tables_plot_and_reuses_tuned_filters(data_dir, tmp_path):
  import json  # noqa: PLC0415
  import subprocess  # noqa: PLC0415
  import sys  # noqa: PLC0415

  from tests import conftest  # noqa: PLC0415

  command = [sys.executable, "-m", "launch.robustness", "--config=configs/synthetic.py:runlocal=True",
             f"--config.data_dir={data_dir}", f"--output={tmp_path}", "--models=shipped=shipped",
             "--families=heldout", "--levels=0,3", "--split=test"]
  run = lambda: subprocess.run(command, cwd=conftest.ROOT, env=conftest.subprocess_env(),
                               capture_output=True, text=True, timeout=600)
  result = run()
  assert result.returncode == 0, result.stderr[-2000:]
  record = json.loads((tmp_path / "robustness.json").read_text())
  hard = record["heldout/rate=1/level=3"]["scores"]
  assert set(hard) >= {"raw", "best_filter", "shipped", "kalman_rts"}
  assert hard["best_filter"]["pck@0.05"] > hard["raw"]["pck@0.05"]
  assert record["heldout/rate=1/level=0"]["scores"]["raw"]["pck@0.05"] == 100.0
  assert record["wrong left_wrist/level=0"]["effects"]["shipped"]["clips"] > 0
  table = (tmp_path / "robustness.md").read_text()
  assert "| shipped |" in table and "One joint held off" in table
  assert (tmp_path / "robustness.png").stat().st_size > 0
  # A rerun reuses the tuned filter settings and gives the same scores.
  assert run().returncode == 0
  again = json.loads((tmp_path / "robustness.json").read_text())
  assert again["heldout/rate=1/level=3"]["scores"] == hard


def test_tune_gate_launcher_scores_every_setting_and_picks_the_best(data_dir, tmp_path):
  import json  # noqa: PLC0415
  import subprocess  # noqa: PLC0415
  import sys  # noqa: PLC0415

  from tests import conftest  # noqa: PLC0415

  command = [sys.executable, "-m", "launch.tune_gate", "--config=configs/synthetic.py:runlocal=True",
             f"--config.data_dir={data_dir}", f"--output={tmp_path}", "--levels=3",
             "--min_cutoff=10", "--beta=0.1", "--tolerance=0,0.05", "--min_confidence=0.5"]
  result = subprocess.run(command, cwd=conftest.ROOT, env=conftest.subprocess_env(),
                          capture_output=True, text=True, timeout=600)
  assert result.returncode == 0, result.stderr[-2000:]
  record = json.loads((tmp_path / "tune_gate.json").read_text())
  assert [s["gate"]["tolerance"] for s in record["settings"]] == [0.0, 0.05]
  # Tolerance 0 never gates: the model's own scores.
  assert record["settings"][0]["tune"]["3"] == record["without_gate"]["tune/3"]
  assert record["best"]["tune_objective"] == max(s["tune_objective"] for s in record["settings"])
  assert set(record["report"]["3"]) == {"pck@0.05", "pck@0.1", "accel_error"}



def test_tune_smoothing_launcher_keeps_pck_and_picks_the_smoothest(data_dir, tmp_path):
  import json  # noqa: PLC0415
  import subprocess  # noqa: PLC0415
  import sys  # noqa: PLC0415

  from tests import conftest  # noqa: PLC0415

  command = [sys.executable, "-m", "launch.tune_smoothing",
             "--config=configs/synthetic.py:runlocal=True", f"--config.data_dir={data_dir}",
             f"--output={tmp_path}", "--levels=0,3", "--gain=0,100,400", "--offset=0",
             "--max_sigma=2", "--floor=0,1", "--floor_gain=2000,0", "--floor_offset=0,0.01",
             "--window=31", "--clean_tolerance=0", "--spikes=0,2", "--motion=0,1",
             "--motion_limit=0.02"]
  result = subprocess.run(command, cwd=conftest.ROOT, env=conftest.subprocess_env(),
                          capture_output=True, text=True, timeout=600)
  assert result.returncode == 0, result.stderr[-2000:]
  record = json.loads((tmp_path / "tune_smoothing.json").read_text())
  settings = record["settings"]
  plain = [s["rule"] for s in settings if s["rule"]["spikes"] == s["rule"]["motion"] == 0]
  assert [(r["gain"], r["floor"], r["floor_offset"]) for r in plain] == [
      (0.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 1.0, 0.01), (100.0, 0.0, 0.0), (100.0, 1.0, 0.0),
      (100.0, 1.0, 0.01), (400.0, 0.0, 0.0), (400.0, 1.0, 0.0), (400.0, 1.0, 0.01)]
  # (A floor gain of 0 makes every floor no floor, and a floor offset without a floor is
  # none: no more rules.) Every smoother also with spikes 2, motion 1 (limit 0.02) and both;
  # no smoother has no stages.
  assert len(settings) == 1 + 8 * 4
  assert all(s["rule"]["motion_limit"] == (0.02 if s["rule"]["motion"] else 0.0)
             for s in settings)
  # Gain and floor 0 is no smoother: the model's own scores, and always allowed.
  assert settings[0]["tune"] == record["unsmoothed_tune"] and settings[0]["allowed"]
  allowed = [s for s in settings if s["allowed"]]
  clean = record["unsmoothed_tune"]["0.0"]["mean_error"]
  assert all(s["tune"]["0.0"]["mean_error"] <= clean for s in allowed)  # --clean_tolerance=0.
  assert record["best"]["tune_accel"] == min(s["tune_accel"] for s in allowed)
  assert record["export"] == ",".join(
      f"{k}={v:g}" for k, v in record["best"]["rule"].items()) + ",window=31"
  assert set(record["report"]) == {"heldout/0.0", "heldout/3.0", "train/0.0", "train/3.0"}


def test_tune_online_selection_launcher_keeps_the_setting_with_the_best_margin(data_dir,
                                                                             tmp_path):
  import json  # noqa: PLC0415
  import subprocess  # noqa: PLC0415
  import sys  # noqa: PLC0415

  from pose_refine import selection  # noqa: PLC0415
  from tests import conftest  # noqa: PLC0415

  command = [sys.executable, "-m", "launch.tune_online_selection",
             "--config=configs/synthetic.py:runlocal=True", f"--config.data_dir={data_dir}",
             f"--output={tmp_path}", "--levels=0,3", "--target_levels=3",
             "--threshold=0.3,0.5", "--min_cutoff=0,3", "--level=0.005"]
  result = subprocess.run(command, cwd=conftest.ROOT, env=conftest.subprocess_env(),
                          capture_output=True, text=True, timeout=600)
  assert result.returncode == 0, result.stderr[-2000:]
  record = json.loads((tmp_path / "online_selection.json").read_text())
  rule = record["rule"]
  selection.check(rule, selection.ONLINE_FEATURES)
  settings = record["settings"]
  # Each threshold without the filter, and with it at the one level.
  assert [(s["setting"]["threshold"], s["setting"]["min_cutoff"], s["setting"]["level"])
          for s in settings] == [(0.3, 0.0, 0.0), (0.3, 3.0, 0.005), (0.5, 0.0, 0.0),
                                 (0.5, 3.0, 0.005)]
  assert set(record["filters"]) == {"one_euro/level=3", "kalman_fixed_lag/level=3"}
  for s in settings:  # The margin is over the better of the two filters on the tune half.
    best_filter = max(f["pck@0.05"] for f in record["filters"].values())
    assert s["margin"] == pytest.approx(s["tune"]["3"]["pck@0.05"] - best_filter)
    assert s["smoother_than_filters"] == all(s["tune"]["3"]["accel_error"] < f["accel_error"]
                                             for f in record["filters"].values())
  eligible = [s for s in settings if s["smoother_than_filters"] or not record["qualified"]]
  assert record["best"]["margin"] == max(s["margin"] for s in eligible)
  assert {k: rule[k] for k in ("threshold", "min_cutoff", "beta", "level")} == (
      record["best"]["setting"])
  assert set(record["report"]) == {f"{family}/level={level}" for family in ("heldout", "train")
                                   for level in (0, 3)}
  assert record["export"] == f"--online_selection={tmp_path / 'online_selection.json'}"
  bad = subprocess.run(command[:-1] + ["--target_levels=2"], cwd=conftest.ROOT,
                       env=conftest.subprocess_env(), capture_output=True, text=True, timeout=600)
  assert bad.returncode != 0 and "must be among --levels" in bad.stderr


def test_tune_selection_launcher_fits_a_rule_that_ships(data_dir, tmp_path):
  import json  # noqa: PLC0415
  import subprocess  # noqa: PLC0415
  import sys  # noqa: PLC0415

  from pose_refine import selection  # noqa: PLC0415
  from tests import conftest  # noqa: PLC0415

  command = [sys.executable, "-m", "launch.tune_selection",
             "--config=configs/synthetic.py:runlocal=True", f"--config.data_dir={data_dir}",
             f"--output={tmp_path}", "--levels=0,3", "--threshold=0.6"]
  result = subprocess.run(command, cwd=conftest.ROOT, env=conftest.subprocess_env(),
                          capture_output=True, text=True, timeout=600)
  assert result.returncode == 0, result.stderr[-2000:]
  record = json.loads((tmp_path / "selection.json").read_text())
  selection.check(record["rule"])
  assert record["rule"]["threshold"] == 0.6 and 0 < record["input_closer"] < 1
  assert set(record["report"]["heldout/rate=1/level=3"]) == {"unselected", "selected", "oracle"}
  assert set(record["report"]) == {f"{family}/rate=1/level={level}"
                                   for family in ("heldout", "train") for level in (0, 3)}
  clean = record["report"]["heldout/rate=1/level=0"]
  # On clean input the selector keeps input joints, which are exact: never worse.
  assert clean["selected"]["mean_error"] <= clean["unselected"]["mean_error"]
  assert record["export"] == f"--selection={tmp_path / 'selection.json'}"
  bad = subprocess.run(command[:-1] + ["--rates=0.5"], cwd=conftest.ROOT,
                       env=conftest.subprocess_env(), capture_output=True, text=True, timeout=600)
  assert bad.returncode != 0 and "at least 0.67" in bad.stderr
