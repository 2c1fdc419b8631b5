"""Loading trained models: checkpoint configs of older code load under today's names."""

import os
import pathlib
import subprocess
import sys

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from pose_refine import checkpointing
from pose_refine import inference
from pose_refine import refiner


def test_shipped_config_loads_with_fill_missing():
  config = inference.load_config(refiner.DEFAULT_CHECKPOINT)
  assert config.fill_missing is True
  assert "fill_gaps" not in config


@pytest.mark.parametrize("old,expected", [({"fill_gaps": True}, True),
                                          ({"fill_gaps": False}, False),
                                          ({}, False)],
                         ids=["renamed_true", "renamed_false", "absent"])
def test_old_config_keys_are_mapped(tmp_path, old, expected):
  config = ml_collections.ConfigDict({"window": 8, **old})
  checkpointing.export(tmp_path / "model", 1, {"w": jnp.zeros(2)}, config)
  loaded = inference.load_config(tmp_path / "model")
  assert loaded.fill_missing is expected
  assert "fill_gaps" not in loaded and loaded.window == 8


def _strings(tree):
  if isinstance(tree, dict):
    return [s for value in tree.values() for s in _strings(value)]
  if isinstance(tree, list):
    return [s for value in tree for s in _strings(value)]
  return [tree] if isinstance(tree, str) else []


def test_shipped_checkpoint_names_no_folder_of_the_training_machine():
  config = checkpointing.restore_config(refiner.DEFAULT_CHECKPOINT)
  assert not [s for s in _strings(config) if os.path.isabs(s)]
  markers = list(pathlib.Path(refiner.DEFAULT_CHECKPOINT).rglob(checkpointing.COMMIT_MARKER))
  assert markers and not [m for m in markers if "/" in m.read_text()]


def test_export_keeps_only_the_names_of_machine_folders(tmp_path):
  config = ml_collections.ConfigDict({
      "window": 8, "manual_dir": "/home/someone/data/penn_action/", "data_dir": "",
      "train_data": [{"dataset": "youtube_pose/weak", "manual_dir": "/mnt/yt/youtube_pose"}],
      "dataset": "penn_action"})
  checkpointing.export(tmp_path / "model", 1, {"w": jnp.zeros(2)}, config)
  saved = checkpointing.restore_config(tmp_path / "model")
  assert saved["manual_dir"] == "penn_action" and saved["data_dir"] == ""
  assert saved["train_data"][0] == {"dataset": "youtube_pose/weak", "manual_dir": "youtube_pose"}
  markers = list((tmp_path / "model").rglob(checkpointing.COMMIT_MARKER))
  assert markers and not [m for m in markers if str(tmp_path) in m.read_text()]
  restored = checkpointing.restore_params(tmp_path / "model", {"w": jnp.zeros(2)})
  assert restored["w"].shape == (2,)


def _export(*flags):
  return subprocess.run([sys.executable, "-m", "launch.export", *flags], capture_output=True,
                        text=True, check=False, env=dict(os.environ, JAX_PLATFORMS="cpu"))


def test_export_writes_the_refine_settings_it_is_given(tmp_path):
  from tests import test_streaming  # pylint: disable=g-import-not-at-top
  run = test_streaming.tiny_checkpoint(tmp_path / "run")
  out = _export(f"--workdir={run}", f"--output={tmp_path / 'model'}", "--stride=5",
                "--deadzone=0.02", "--implementation=fused")
  assert out.returncode == 0, out.stderr
  config = checkpointing.restore_config(tmp_path / "model")
  assert config["eval"]["stride"] == 5 and config["model"]["deadzone"] == 0.02
  assert config["model"]["implementation"] == "fused"
  model, trained = refiner.Refiner(str(tmp_path / "model")), refiner.Refiner(run)
  assert jax.tree.all(jax.tree.map(jnp.array_equal, model.params, trained.params))

  out = _export(f"--workdir={run}", f"--output={tmp_path / 'wide'}", "--stride=9")
  assert out.returncode == 1 and "--stride=9; expected 1 to the window (8)" in out.stderr
  assert not (tmp_path / "wide").exists()


def test_export_writes_a_smoother_that_refine_track_applies(tmp_path):
  from pose_refine import baselines  # pylint: disable=g-import-not-at-top
  from tests import test_streaming  # pylint: disable=g-import-not-at-top
  run = test_streaming.tiny_checkpoint(tmp_path / "run")
  out = _export(f"--workdir={run}", f"--output={tmp_path / 'model'}",
                "--smoothing=gain=400,offset=0,max_sigma=1.5,window=11")
  assert out.returncode == 0, out.stderr
  config = checkpointing.restore_config(tmp_path / "model")
  assert config["smoothing"] == {"gain": 400.0, "offset": 0.0, "max_sigma": 1.5, "window": 11,
                                 "floor": 0.0, "floor_gain": 0.0, "floor_offset": 0.0,
                                 "spikes": 0.0, "motion": 0.0, "motion_limit": 0.0}

  poses, confidence = test_streaming.track(60, seed=3)
  smoothed = refiner.Refiner(str(tmp_path / "model"))
  plain = refiner.from_spec(f"{tmp_path / 'model'}#smoothing=off")
  skeleton = plain.skeleton
  unsmoothed = plain.refine_track(poses, confidence, skeleton)
  np.testing.assert_array_equal(unsmoothed, refiner.Refiner(run).refine_track(
      poses, confidence, skeleton))  # A checkpoint without a smoother: off.
  expected = baselines.adaptive_gaussian(unsmoothed, poses, confidence, gain=400, offset=0,
                                         max_sigma=1.5, window=11)
  np.testing.assert_allclose(smoothed.refine_track(poses, confidence, skeleton), expected,
                             atol=1e-4)
  assert np.abs(expected - unsmoothed).max() > 0.1  # The smoother did something here.
  # At twice the model's frame rate, sigma and window are twice as many frames.
  fast = baselines.adaptive_gaussian(unsmoothed, poses, confidence, gain=800, offset=0,
                                     max_sigma=3.0, window=22)
  np.testing.assert_allclose(smoothed.refine_track(poses, confidence, skeleton, fps=60), fast,
                             atol=1e-4)

  # The motion-adaptive stage: after the ramp, where it smooths; at 60 fps its sigmas double.
  out = _export(f"--workdir={run}", f"--output={tmp_path / 'motion'}",
                "--smoothing=gain=400,offset=0,max_sigma=1.5,window=11,spikes=2,motion=3,"
                "motion_limit=0.05")
  assert out.returncode == 0, out.stderr
  moving = refiner.Refiner(str(tmp_path / "motion"))
  rule = dict(gain=400, offset=0, max_sigma=1.5, window=11, spikes=2, motion=3, motion_limit=0.05)
  expected = baselines.adaptive_gaussian(unsmoothed, poses, confidence, **rule)
  np.testing.assert_allclose(moving.refine_track(poses, confidence, skeleton), expected,
                             atol=1e-4)
  assert np.abs(expected - smoothed.refine_track(poses, confidence, skeleton)).max() > 0.1
  fast = baselines.adaptive_gaussian(unsmoothed, poses, confidence, **dict(
      rule, gain=800, max_sigma=3.0, window=22), motion_scale=2.0)
  np.testing.assert_allclose(moving.refine_track(poses, confidence, skeleton, fps=60), fast,
                             atol=1e-4)
  # Below half the model's rate, frames are too far apart for those stages: they are left out.
  still = refiner.from_spec(f"{tmp_path / 'motion'}#motion=off")
  assert still.config.smoothing.spikes == still.config.smoothing.motion == 0.0
  for fps, same in ((10, True), (20, False)):
    moved = np.abs(moving.refine_track(poses, confidence, skeleton, fps=fps)
                   - still.refine_track(poses, confidence, skeleton, fps=fps)).max()
    assert (moved == 0) == same, (fps, moved)

  out = _export(f"--workdir={run}", f"--output={tmp_path / 'bad'}", "--smoothing=gain")
  assert out.returncode == 1 and "--smoothing item 'gain'" in out.stderr
  out = _export(f"--workdir={run}", f"--output={tmp_path / 'bad'}", "--smoothing=motion=-1")
  assert out.returncode == 1 and "spikes, motion and motion_limit must be >= 0" in out.stderr
  out = _export(f"--workdir={run}", f"--output={tmp_path / 'bad'}", "--smoothing=floor=1")
  assert out.returncode == 1 and "floor 1 with floor_gain 0 does nothing" in out.stderr
  out = _export(f"--workdir={run}", f"--output={tmp_path / 'bad'}", "--smoothing=gain=nan")
  assert out.returncode == 1 and "must be >= 0" in out.stderr
  assert not (tmp_path / "bad").exists()
  with pytest.raises(ValueError, match="unknown option 'smooth=no'"):
    refiner.from_spec(f"{run}#smooth=no")


def test_export_writes_a_selector_that_refine_track_applies_before_the_smoother(tmp_path):
  import json  # pylint: disable=g-import-not-at-top

  from pose_refine import baselines  # pylint: disable=g-import-not-at-top
  from pose_refine import selection  # pylint: disable=g-import-not-at-top
  from tests import test_selection  # pylint: disable=g-import-not-at-top
  from tests import test_streaming  # pylint: disable=g-import-not-at-top
  run = test_streaming.tiny_checkpoint(tmp_path / "run")
  # A rule with one cue, the confidence c (coefficient 4 on (c - 0.5) / 0.5), that keeps
  # the input where its probability exceeds 1 / (1 + e^-1): where 8 c - 4 > 1.
  rule = test_selection._rule(0.0, threshold=1 / (1 + np.exp(-1.0)))  # pylint: disable=protected-access
  rule["coef"][selection.FEATURES.index("confidence")] = 4.0
  rule["mean"][selection.FEATURES.index("confidence")] = 0.5
  rule["std"][selection.FEATURES.index("confidence")] = 0.5
  (tmp_path / "selection.json").write_text(json.dumps({"rule": rule}))
  out = _export(f"--workdir={run}", f"--output={tmp_path / 'model'}",
                f"--selection={tmp_path / 'selection.json'}",
                "--smoothing=gain=400,offset=0,max_sigma=1.5,window=11,floor=1,floor_gain=20,"
                "floor_offset=0.15")
  assert out.returncode == 0, out.stderr
  assert checkpointing.restore_config(tmp_path / "model")["selection"] == rule

  poses, confidence = test_streaming.track(60, seed=3)
  model = refiner.Refiner(str(tmp_path / "model"))
  skeleton = model.skeleton
  plain = refiner.from_spec(f"{tmp_path / 'model'}#selection=off#smoothing=off")
  unselected = plain.refine_track(poses, confidence, skeleton)
  np.testing.assert_array_equal(unselected, refiner.Refiner(run).refine_track(
      poses, confidence, skeleton))  # A checkpoint without a selector: off.
  confident = confidence > 0.625  # These joints keep their input.
  assert 0.2 < confident.mean() < 0.8
  selected = np.where(confident[..., None], poses, unselected)
  # The smoother's floor reads the network's corrections, before the selector.
  expected = baselines.adaptive_gaussian(selected, poses, confidence, gain=400, offset=0,
                                         max_sigma=1.5, window=11, floor=1, floor_gain=20,
                                         floor_offset=0.15, network=unselected)
  np.testing.assert_allclose(model.refine_track(poses, confidence, skeleton), expected, atol=1e-4)
  without_network = baselines.adaptive_gaussian(
      selected, poses, confidence, gain=400, offset=0, max_sigma=1.5, window=11, floor=1,
      floor_gain=20, floor_offset=0.15)
  assert np.abs(expected - without_network).max() > 0.1
  without_offset = baselines.adaptive_gaussian(
      selected, poses, confidence, gain=400, offset=0, max_sigma=1.5, window=11, floor=1,
      floor_gain=20, network=unselected)
  assert np.abs(expected - without_offset).max() > 0.1  # The offset narrows the floor's sigma.
  only_selected = refiner.from_spec(f"{tmp_path / 'model'}#smoothing=off")
  np.testing.assert_array_equal(only_selected.refine_track(poses, confidence, skeleton), selected)
  # A track slower than the model's rate is refined interpolated up and read back at its own
  # frames; the selector and the smoother run there, the smoother's time scales a third as
  # many frames at 10 fps.
  slow = only_selected.refine_track(poses, confidence, skeleton, fps=10)
  slow_unselected = plain.refine_track(poses, confidence, skeleton, fps=10)
  np.testing.assert_array_equal(slow, np.where(confident[..., None], poses, slow_unselected))
  expected = baselines.adaptive_gaussian(
      slow, poses, confidence, gain=400 / 3, offset=0, max_sigma=0.5, window=4, floor=1 / 3,
      floor_gain=20 / 3, floor_offset=0.15, network=slow_unselected)
  np.testing.assert_allclose(model.refine_track(poses, confidence, skeleton, fps=10), expected,
                             atol=1e-4)
  assert np.abs(expected - slow).max() > 0.1

  (tmp_path / "bad.json").write_text(json.dumps({"rule": dict(rule, features=["x"])}))
  out = _export(f"--workdir={run}", f"--output={tmp_path / 'bad'}",
                f"--selection={tmp_path / 'bad.json'}")
  assert out.returncode == 1 and "not a launch.tune_selection output" in out.stderr
  assert "refit it" in out.stderr and not (tmp_path / "bad").exists()
  out = _export(f"--workdir={run}", f"--output={tmp_path / 'off'}", "--selection=off")
  assert out.returncode == 0 and checkpointing.restore_config(tmp_path / "off")["selection"][
      "coef"] == []


def test_export_writes_the_lookahead_0_selector_and_refuses_a_wrong_one(tmp_path):
  import json  # pylint: disable=g-import-not-at-top

  from tests import test_selection  # pylint: disable=g-import-not-at-top
  from tests import test_streaming  # pylint: disable=g-import-not-at-top
  run = test_streaming.tiny_checkpoint(tmp_path / "run")
  rule = test_selection._online_rule(min_cutoff=3.0, beta=0.1, level=0.01)  # pylint: disable=protected-access
  (tmp_path / "online.json").write_text(json.dumps({"rule": dict(rule, extra=1)}))
  out = _export(f"--workdir={run}", f"--output={tmp_path / 'model'}",
                f"--online_selection={tmp_path / 'online.json'}")
  assert out.returncode == 0, out.stderr
  assert checkpointing.restore_config(tmp_path / "model")["online_selection"] == rule
  model = refiner.Refiner(str(tmp_path / "model"))
  assert model.online_selects and not refiner.Refiner(run).online_selects  # Older: off.
  assert not refiner.from_spec(f"{tmp_path / 'model'}#selection=off").online_selects
  for bad, message in ((dict(rule, features=["x"]), "refit it"),
                       (dict(rule, rate=0.0), "rate > 0"),
                       ({key: v for key, v in rule.items() if key != "level"}, "'level'")):
    (tmp_path / "bad.json").write_text(json.dumps({"rule": bad}))
    out = _export(f"--workdir={run}", f"--output={tmp_path / 'bad'}",
                  f"--online_selection={tmp_path / 'bad.json'}")
    assert out.returncode == 1 and "not a launch.tune_online_selection output" in out.stderr
    assert message in out.stderr and not (tmp_path / "bad").exists()
  out = _export(f"--workdir={tmp_path / 'model'}", f"--output={tmp_path / 'off'}",
                "--online_selection=off")
  assert out.returncode == 0
  assert checkpointing.restore_config(tmp_path / "off")["online_selection"]["coef"] == []
