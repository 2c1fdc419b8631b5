"""Builders and the estimator stage on the real files in ../shared/data.

These fail (not skip) in CI when the data is missing: .ci/run sets
POSE_REFINE_REQUIRE_DATA=1.
"""

import json
import subprocess
import sys

import numpy as np
import pytest
import scipy.io

from configs import cvit_sports as cvit_config
from configs import penn_action as penn_config
from configs import youtube_pose as youtube_config
from datasets.penn_action import penn_action
from datasets.youtube_pose import youtube_pose
from pose_refine import input_pipeline
from pose_refine import metrics
from pose_refine import noise
from pose_refine import skeletons
from pose_refine import train
from tests import conftest



def _youtube(split, data_dir, shared, estimator="strong"):
  return input_pipeline.load_split(
      f"youtube_pose/{estimator}", split, data_dir, str(shared / "youtube_pose")
  )


def _pck(videos, threshold, skeleton=skeletons.YOUTUBE_POSE):
  errors = metrics.joint_errors(
      np.concatenate([v["poses"] for v in videos]),
      np.concatenate([v["ground_truth"] for v in videos]),
  )
  valid = np.concatenate([v["ground_truth_valid"] for v in videos])
  return metrics.pck_per_group(errors, valid, threshold, skeleton)


def test_youtube_pose_splits(shared_data, real_data_dir):
  splits = {s: _youtube(s, real_data_dir, shared_data)
            for s in ["train", "validation", "test"] + [f"fold{k}" for k in range(5)]}
  assert [len(splits[s]) for s in ("train", "validation", "test")] == [40, 5, 5]
  assert sorted(v["video_id"] for v in splits["test"]) == sorted(youtube_pose.SUBSET)
  folds = [{v["video_id"] for v in splits[f"fold{k}"]} for k in range(5)]
  assert all(len(f) == 10 for f in folds) and len(set().union(*folds)) == 50
  for video in splits["train"]:
    assert video["poses"].shape == (100, 7, 2)
    assert np.all(np.diff(video["frame_ids"]) > 0)
  # MediaPipe on clean frames: about 95% PCK@20 (data README).
  assert 93 < _pck(splits["test"], 20)["Average"] < 99


def test_weak_estimator_lands_between_40_and_75(shared_data, real_data_dir):
  videos = []
  for split in ("train", "validation", "test"):
    videos += _youtube(split, real_data_dir, shared_data, "weak")
  assert len(videos) == 50
  assert 40 < _pck(videos, 20)["Average"] < 75


def test_estimator_stage_matches_stored_estimates(shared_data, estimator_python, tmp_path):
  stored = np.load(shared_data / "youtube_pose" / "estimates" / "mediapipe_full_static.npz")
  video = 3
  name = str(stored["videonames"][video])
  frame_ids = stored["frameids"][video][:3]
  output = tmp_path / "keypoints.npz"
  result = subprocess.run(
      [str(estimator_python), "-m", "launch.estimate",
       f"--input={shared_data / 'youtube_pose' / 'GT_frames' / name}",
       "--frames=" + ",".join(f"frame_{f:06d}.jpg" for f in frame_ids), f"--output={output}"],
      cwd=conftest.ROOT, capture_output=True, text=True, timeout=300,
  )
  assert result.returncode == 0, result.stderr[-3000:]
  ours = np.load(output)
  assert list(ours["frame_ids"]) == sorted(frame_ids)
  for k, frame in enumerate(ours["frame_ids"]):
    reference = stored["keypoints"][video][list(stored["frameids"][video]).index(frame)]
    assert np.nanmax(np.abs(ours["keypoints"][k, :, :2] - reference[:, :2])) < 1.0


def test_estimator_stage_names_bad_input(estimator_python, tmp_path):
  result = subprocess.run(
      [str(estimator_python), "-m", "launch.estimate", f"--input={tmp_path / 'nothing'}",
       f"--output={tmp_path / 'out.npz'}"],
      cwd=conftest.ROOT, capture_output=True, text=True, timeout=120,
  )
  assert result.returncode != 0
  assert "neither a video file nor a folder of frames" in result.stderr
  assert not (tmp_path / "out.npz").exists()


def test_missing_manual_dir_or_file_is_named(tmp_path):
  with pytest.raises(AssertionError, match="Manual directory .*/absent does not exist"):
    input_pipeline.load_split("youtube_pose/strong", "train", str(tmp_path / "tfds"),
                              str(tmp_path / "absent"))
  (tmp_path / "other").mkdir()
  (tmp_path / "other" / "readme.txt").write_text("not the data set")
  with pytest.raises(FileNotFoundError, match="other/YouTube_Pose_dataset.mat not found"):
    input_pipeline.load_split("youtube_pose/strong", "train", str(tmp_path / "tfds"),
                              str(tmp_path / "other"))


def test_penn_action_builder_and_joint_order(shared_data, real_data_dir):
  manual = str(shared_data / "penn_action")
  train_clips = input_pipeline.load_split("penn_action", "train", real_data_dir, manual)
  validation = input_pipeline.load_split("penn_action", "validation", real_data_dir, manual)
  assert len(train_clips) + len(validation) == 1258 and len(validation) == 126
  clip = validation[0]
  assert clip["poses"].shape == clip["ground_truth"].shape
  assert not np.array_equal(np.nan_to_num(clip["poses"]), clip["ground_truth"])
  # Right before left: facing the camera, the right shoulder is on the image's left.
  skeleton = skeletons.PENN_ACTION
  right, left = skeleton.index("right_shoulder"), skeleton.index("left_shoulder")
  front = [c for c in train_clips + validation if c["view"] == "front"]
  share = np.mean([np.mean(c["ground_truth"][:, right, 0] < c["ground_truth"][:, left, 0])
                   for c in front])
  assert share > 0.8
  # Unlabelled joints (stored at the image corner) are missing, not positions.
  for c in train_clips + validation:
    truth = c["ground_truth"][c["ground_truth_valid"]]
    assert not np.any(np.all(truth <= 1.0, -1)), c["video_id"]
    assert not np.any(c["confidence"][~np.isfinite(c["poses"]).all(-1)])
    # Clips without head and both shoulders in one frame still get estimates.
    estimated = np.isfinite(c["poses"]).all(-1).sum()
    assert estimated > 0.5 * c["ground_truth_valid"].sum(), c["video_id"]


def test_penn_corner_placeholders_are_missing(tmp_path):
  x = np.full((4, 13), 50.0)
  y = np.full((4, 13), 80.0)
  visibility = np.ones((4, 13))
  x[1, 3] = y[1, 3] = 1.0  # Unlabelled: corner, invisible.
  visibility[1, 3] = 0
  visibility[2, 5] = 0  # Occluded but labelled: kept.
  path = tmp_path / "0002.mat"
  scipy.io.savemat(path, {"x": x, "y": y, "visibility": visibility, "bbox": np.zeros((4, 4)),
                          "train": 1})
  truth = penn_action.read_clip(str(path))["ground_truth"]
  assert np.isnan(truth[1, 3]).all()
  assert np.isfinite(np.delete(truth.reshape(-1, 2), 1 * 13 + 3, 0)).all()


def test_malformed_penn_file_is_named(tmp_path):
  (tmp_path / "labels").mkdir()
  bad = tmp_path / "labels" / "0001.mat"
  scipy.io.savemat(bad, {"x": np.zeros((5, 13))})
  with pytest.raises(ValueError, match="0001.mat has no field 'y'"):
    penn_action.read_clip(str(bad))


def test_committed_error_model_is_the_fit_of_the_real_errors(shared_data):
  videos = youtube_pose.read_videos(str(shared_data / "youtube_pose"), "mediapipe_full_static.npz")
  model, _ = noise.fit(list(videos.values()), skeletons.YOUTUBE_POSE)
  committed = json.loads(open(penn_action.ERROR_MODEL).read())["model"]
  assert json.loads(json.dumps(noise.to_json(model))) == committed


def _write_cvit_layout(root, names, frames=30):
  rng = np.random.default_rng(0)
  (root / "annotations").mkdir(parents=True)
  (root / "estimates").mkdir()
  for name in names:
    truth = rng.normal(200, 40, (frames, 14, 2))
    joints = np.concatenate([truth, np.ones((frames, 14, 1))], -1).transpose(2, 1, 0)
    frame_ids = np.arange(0, 3 * frames, 3)
    scipy.io.savemat(root / "annotations" / f"{name}.mat",
                     {"joints": joints, "frame_ids": frame_ids})
    keypoints = rng.normal(200, 40, (frames, 33, 3)).astype(np.float32)
    keypoints[..., 2] = 0.9
    np.savez(root / "estimates" / f"{name}.npz", keypoints=keypoints, frame_ids=frame_ids)


def test_cvit_sports_builder_on_generated_files(tmp_path):
  _write_cvit_layout(tmp_path / "cvit", ["a", "b", "c", "d"])
  data_dir = str(tmp_path / "tfds")
  split_ids = {
      split: sorted(v["video_id"] for v in input_pipeline.load_split(
          "cvit_sports", split, data_dir, str(tmp_path / "cvit")))
      for split in ("train", "validation", "test")
  }
  assert split_ids == {"train": ["a", "b"], "validation": ["c"], "test": ["d"]}
  video = input_pipeline.load_split("cvit_sports", "test", data_dir, str(tmp_path / "cvit"))[0]
  assert video["poses"].shape == (30, 14, 2)
  assert np.all(np.isnan(video["poses"][:, skeletons.CVIT_SPORTS.index("head_top")]))
  upper = input_pipeline.convert_videos([video], skeletons.CVIT_SPORTS, skeletons.YOUTUBE_POSE)
  assert upper[0]["ground_truth"].shape == (30, 7, 2)


def test_cvit_sports_missing_estimates_are_named(tmp_path):
  _write_cvit_layout(tmp_path / "cvit", ["a", "b", "c"])
  (tmp_path / "cvit" / "estimates" / "b.npz").unlink()
  with pytest.raises(FileNotFoundError, match="b.npz not found: run the estimator stage"):
    input_pipeline.load_split("cvit_sports", "train", str(tmp_path / "tfds"),
                              str(tmp_path / "cvit"))


def test_configs_train_end_to_end(shared_data, real_data_dir, tmp_path):
  """YouTube Pose, then CVIT-Sports fine-tuned from it, then Penn Action."""
  youtube = youtube_config.get_config("runlocal=True,estimator=weak")
  youtube.data_dir = real_data_dir
  results = train.train_and_evaluate(youtube, str(tmp_path / "youtube"))
  assert set(results) >= {"raw", "refined"}

  # The report: raw, tuned baselines and the run, with plots and overlays.
  report = subprocess.run(
      [sys.executable, "-m", "launch.report",
       "--config=configs/youtube_pose.py:runlocal=True,estimator=weak",
       f"--config.data_dir={real_data_dir}", f"--run=ours={tmp_path / 'youtube'}",
       f"--output={tmp_path / 'report'}", "--overlays=2"],
      cwd=conftest.ROOT, env=conftest.subprocess_env(POSE_REFINE_DATA=str(shared_data)),
      capture_output=True, text=True, timeout=600,
  )
  assert report.returncode == 0, report.stderr[-3000:]
  text = (tmp_path / "report" / "report.md").read_text()
  for method in ("raw", "savitzky_golay", "gaussian", "one_euro", "kalman_rts", "ours"):
    assert f"| {method} |" in text
  assert "tuned on youtube_pose/weak:validation" in text
  assert (tmp_path / "report" / "curves.png").read_bytes()[:4] == b"\x89PNG"
  assert len(list((tmp_path / "report" / "overlays").glob("*.png"))) == 2

  _write_cvit_layout(tmp_path / "cvit", [f"v{i}" for i in range(5)], frames=40)
  cvit = cvit_config.get_config("runlocal=True")
  cvit.data_dir = str(tmp_path / "tfds_cvit")
  cvit.manual_dir = str(tmp_path / "cvit")
  cvit.init_from = str(tmp_path / "youtube" / "checkpoints")
  cvit.num_epochs = 0
  cvit.num_train_steps = 3
  cvit.batch_size = 4
  train.train_and_evaluate(cvit, str(tmp_path / "cvit_run"))

  penn = penn_config.get_config("runlocal=True")
  penn.data_dir = real_data_dir
  results = train.train_and_evaluate(penn, str(tmp_path / "penn"))
  assert np.isfinite(results["refined"]["mean_error"])


def test_report_scores_a_checkpoint_trained_in_other_joints(shared_data, real_data_dir, tmp_path):
  """A Penn Action-joint model refines YouTube Pose's Subset beside raw input and filters."""
  report = subprocess.run(
      [sys.executable, "-m", "launch.report", "--config=configs/pretrained.py:eval=youtube_strong",
       f"--config.data_dir={real_data_dir}", "--checkpoint=shipped=shipped",
       "--checkpoint=still=shipped#deadzone=1000", "--fps=0.43", f"--output={tmp_path}",
       "--overlays=0"],
      cwd=conftest.ROOT, env=conftest.subprocess_env(POSE_REFINE_DATA=str(shared_data)),
      capture_output=True, text=True, timeout=600)
  assert report.returncode == 0, report.stderr[-3000:]
  results = json.loads((tmp_path / "report.json").read_text())["results"]
  assert {"raw", "one_euro", "shipped", "still"} <= set(results)
  # A deadzone larger than any correction leaves present joints as they were and fills
  # the missing ones: the input's hits stay hits.
  assert results["still"]["pck@20/Average"] >= results["raw"]["pck@20/Average"]
  assert results["shipped"]["mean_error"] != results["still"]["mean_error"]


def test_one_wrong_joint_moves_the_shipped_models_other_joints_under_half_a_pixel(
    shared_data, real_data_dir):
  """A wrist 100 px off at confidence 0.9 for 30 frames, Penn Action validation (report half)."""
  del shared_data  # The config finds it (common.data_root).
  from pose_refine import refiner  # noqa: PLC0415
  from pose_refine import robustness  # noqa: PLC0415

  config = penn_config.get_config()
  config.data_dir = real_data_dir
  skeleton = skeletons.get_skeleton(config.skeleton)
  videos = input_pipeline.load_videos(config, "validation", skeleton)
  model = refiner.load()
  refine = lambda poses, confidence: model.refine_track(poses, confidence, skeleton)
  for level in (0.0, 1.0):  # Clean and mild held-out errors, as RESULTS.md reports them.
    clips = robustness.halves(robustness.make_clips(videos, skeleton, "heldout", level))[1]
    effect = robustness.offset_joint_effect(refine, clips, skeleton.index("left_wrist"))
    assert effect["clips"] > 50 and effect["mean"] < 0.5, (level, effect)
