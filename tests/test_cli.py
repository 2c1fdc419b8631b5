"""pose-refine, the console script: bad input in every format, help, the demo."""

import json
import os

import numpy as np
import pytest

from pose_refine import cli
from pose_refine import frames

RNG = np.random.default_rng(0)
FRAMES, JOINTS = 12, 17


def _keypoints(confidence=None):
  points = RNG.normal(200, 30, (FRAMES, JOINTS, 2))
  scores = RNG.uniform(0.5, 1, (FRAMES, JOINTS, 1)) if confidence is None else np.full(
      (FRAMES, JOINTS, 1), confidence)
  return np.concatenate([points, scores], -1).astype(np.float32)


def _coco(path, keypoints=None, flat_size=None):
  keypoints = _keypoints() if keypoints is None else keypoints
  records = [{"image_id": t, "keypoints": p.reshape(-1).tolist()[:flat_size]}
             for t, p in enumerate(keypoints)]
  path.write_text(json.dumps(records))


def _openpose(path, keypoints=None, flat_size=None):
  keypoints = _keypoints() if keypoints is None else keypoints
  path.mkdir()
  for t, p in enumerate(keypoints):
    document = {"people": [{"pose_keypoints_2d": p.reshape(-1).tolist()[:flat_size]}]}
    (path / f"frame_{t:04d}_keypoints.json").write_text(json.dumps(document))


def _estimator(path, keypoints=None):
  keypoints = _keypoints()[:, :1].repeat(33, 1) if keypoints is None else keypoints
  with open(path, "wb") as f:
    np.savez(f, keypoints=keypoints, frame_ids=np.arange(len(keypoints)),
             landmark_names=np.array(["joint"] * 33), estimator=np.array("mediapipe"))


def _npz(path, keypoints=None):
  with open(path, "wb") as f:
    np.savez(f, keypoints=_keypoints() if keypoints is None else keypoints)


def _npy(path, keypoints=None):
  with open(path, "wb") as f:
    np.save(f, _keypoints() if keypoints is None else keypoints)


def _random_bytes(path):
  path.write_bytes(RNG.bytes(700))


def _truncate(path):
  target = sorted(path.iterdir())[0] if path.is_dir() else path
  data = target.read_bytes()
  target.write_bytes(data[: len(data) // 2])


FORMATS = {
    # name: (file name, writer, wrong-shape writer, extra arguments)
    "coco": ("results.json", _coco, lambda p: _coco(p, flat_size=10), []),
    "openpose": ("openpose", _openpose, lambda p: _openpose(p, flat_size=10), []),
    "estimator": ("keypoints.npz", _estimator,
                  lambda p: _estimator(p, np.zeros((FRAMES, 33), np.float32)),
                  ["--format", "estimator"]),
    "npz": ("poses.npz", _npz, lambda p: _npz(p, np.zeros((FRAMES, JOINTS), np.float32)), []),
    "npy": ("poses.npy", _npy, lambda p: _npy(p, np.zeros((FRAMES, JOINTS, 4), np.float32)), []),
}
CORRUPTIONS = ("random_bytes", "truncated", "wrong_shape", "nan_confidence")


def _corrupt(kind, corruption, path):
  _, write, write_wrong_shape, _ = FORMATS[kind]
  if corruption == "random_bytes":
    if kind == "openpose":
      path.mkdir()
      _random_bytes(path / "frame_0000_keypoints.json")
    else:
      _random_bytes(path)
  elif corruption == "truncated":
    write(path)
    _truncate(path)
  elif corruption == "wrong_shape":
    write_wrong_shape(path)
  else:
    keypoints = _keypoints(confidence=np.nan)
    if kind == "estimator":
      keypoints = keypoints[:, :1].repeat(33, 1)
    write(path, keypoints)


@pytest.mark.parametrize("corruption", CORRUPTIONS)
@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_bad_input_exits_2_naming_the_file(kind, corruption, tmp_path, capsys, monkeypatch):
  monkeypatch.setattr(cli, "quiet_libraries", lambda verbosity: None)  # Keep pytest's logging.
  name, _, _, extra = FORMATS[kind]
  inputs, outputs = tmp_path / "in", tmp_path / "out"
  inputs.mkdir()
  outputs.mkdir()
  source = inputs / name
  _corrupt(kind, corruption, source)
  output = outputs / ("refined" if kind == "openpose" else "refined" + os.path.splitext(name)[1])

  status = cli.main(["refine", str(source), str(output), *extra])

  stderr = capsys.readouterr().err
  assert status == 2, stderr
  assert str(source) in stderr, stderr  # The message names the file (or a file in the folder).
  assert "Traceback" not in stderr
  assert "pickle" not in stderr, stderr  # Never an invitation to load the file unsafely.
  assert not os.listdir(outputs)  # Nothing written, not even a temporary file.


def test_help_reads_like_a_manual(capsys):
  with pytest.raises(SystemExit) as exit_status:
    cli.main(["--help"])
  assert exit_status.value.code == 0
  text = capsys.readouterr().out
  for section in ("usage: pose-refine", "commands:", "examples:", "exit status:", "refine IN OUT",
                  "estimate VIDEO OUT", "demo [DIR]"):
    assert section in text


def test_usage_errors_exit_2(capsys):
  with pytest.raises(SystemExit) as exit_status:
    cli.main(["refine", "only_one_argument.npy"])
  assert exit_status.value.code == 2
  assert "OUT" in capsys.readouterr().err


def test_estimate_without_its_environment_says_how_to_make_it(tmp_path, capsys, monkeypatch):
  monkeypatch.setattr(cli, "quiet_libraries", lambda verbosity: None)
  monkeypatch.setenv(cli.ESTIMATOR_PYTHON, str(tmp_path / "no_such_python"))
  status = cli.main(["estimate", str(tmp_path / "clip.mp4"), str(tmp_path / "keypoints.npz")])
  assert status == 2
  assert "./setup.sh requirements-estimator.txt .venv-estimator" in capsys.readouterr().err


def test_demo_writes_an_overlay(tmp_path, capsys, monkeypatch):
  monkeypatch.setattr(cli, "quiet_libraries", lambda verbosity: None)
  assert cli.main(["demo", str(tmp_path / "demo"), "--length", "24"]) == 0
  assert "overlay ->" in capsys.readouterr().out
  assert np.load(tmp_path / "demo" / "refined.npy").shape == (24, 13, 3)
  assert frames.frame_count(str(tmp_path / "demo" / "overlay.mp4"))[0] == 24


@pytest.mark.parametrize("filled_score", [None, 0.05])
def test_filled_joints_get_the_filled_score(filled_score, tmp_path, capsys, monkeypatch):
  monkeypatch.setattr(cli, "quiet_libraries", lambda verbosity: None)
  walk = np.cumsum(RNG.normal(0, 2, (40, 1, 2)), 0) + 300 + RNG.normal(0, 40, (1, JOINTS, 2))
  keypoints = np.concatenate([walk, np.full((40, JOINTS, 1), 0.9)], -1).astype(np.float32)
  keypoints[10:14, 9] = [0.0, 0.0, 0.0]  # A gap in the left wrist: missing, score 0.
  np.save(tmp_path / "poses.npy", keypoints)
  extra = [] if filled_score is None else ["--filled-score", str(filled_score)]
  assert cli.main(["refine", str(tmp_path / "poses.npy"), str(tmp_path / "out.npy"), *extra]) == 0
  refined = np.load(tmp_path / "out.npy")
  assert np.isfinite(refined[10:14, 9, :2]).all()  # Filled either way.
  np.testing.assert_array_equal(refined[10:14, 9, 2], np.float32(filled_score or 0.0))
  np.testing.assert_array_equal(np.delete(refined[..., 2], 9, 1), np.float32(0.9))  # Unchanged.


def test_filled_score_outside_0_1_is_bad_input(tmp_path, capsys, monkeypatch):
  monkeypatch.setattr(cli, "quiet_libraries", lambda verbosity: None)
  _npy(tmp_path / "poses.npy")
  assert cli.main(["refine", str(tmp_path / "poses.npy"), str(tmp_path / "out.npy"),
                   "--filled-score", "2"]) == 2
  assert "filled_score is 2.0" in capsys.readouterr().err
  assert not (tmp_path / "out.npy").exists()


def test_fps_reaches_the_refiner_and_a_bad_one_is_bad_input(tmp_path, capsys, monkeypatch):
  from pose_refine import refiner  # pylint: disable=g-import-not-at-top

  monkeypatch.setattr(cli, "quiet_libraries", lambda verbosity: None)
  _npy(tmp_path / "poses.npy")
  source = np.load(tmp_path / "poses.npy")
  assert cli.main(["refine", str(tmp_path / "poses.npy"), str(tmp_path / "slow.npy"),
                   "--fps", "15"]) == 0
  expected = refiner.refine(source, fps=15)
  np.testing.assert_allclose(np.load(tmp_path / "slow.npy"), expected, atol=1e-4)
  assert cli.main(["refine", str(tmp_path / "poses.npy"), str(tmp_path / "bad.npy"),
                   "--fps", "-3"]) == 2
  assert "fps=-3.0: expected frames per second > 0" in capsys.readouterr().err
  assert not (tmp_path / "bad.npy").exists()
