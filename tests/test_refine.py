"""refine: the CLI on every input format, tracks, missing joints, bad input; the API."""

import functools
import json
import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest

from pose_refine import keypoint_io
from pose_refine import skeletons
from pose_refine import frames
from tests import conftest

ESTIMATES = "youtube_pose/estimates/mediapipe_full_static.npz"


def run_refine(*args, check_ok=True):
  out = subprocess.run(
      [sys.executable, "-m", "launch.refine", *args], cwd=conftest.ROOT,
      env=conftest.subprocess_env(), capture_output=True, text=True, check=False,
  )
  if check_ok:
    assert out.returncode == 0, out.stderr[-3000:]
  return out


@pytest.fixture(scope="module")
def mediapipe_track(shared_data):
  """One real YouTube Pose video's MediaPipe estimates: [100, 33, 3]."""
  with np.load(shared_data / ESTIMATES) as data:
    return data["keypoints"][0].astype(np.float32), data["frameids"][0]


def _as(skeleton, track):
  points, confidence = skeletons.convert(track[..., :2], track[..., 2], skeletons.MEDIAPIPE,
                                         skeleton)
  points[confidence <= 0] = np.nan  # A score of 0 means missing in every format.
  return points, confidence


def _coco_records(points, confidence, track_id=None, skip=()):
  records = []
  for t, (p, c) in enumerate(zip(points, confidence)):
    if t in skip:
      continue
    flat = np.concatenate([np.nan_to_num(p), c[:, None]], -1).reshape(-1).tolist()
    record = {"image_id": f"frame_{t:06d}.jpg", "category_id": 1, "keypoints": flat,
              "score": 0.9}
    if track_id is not None:
      record["track_id"] = track_id
    records.append(record)
  return records


def _changed_reasonably(before, after):
  """Refined: finite where the input was, moved a little, not thrown around."""
  seen = np.isfinite(before).all(-1)
  assert np.isfinite(after[seen]).all()
  moved = np.linalg.norm(after[seen] - before[seen], axis=-1)
  assert moved.max() > 0.1
  assert np.median(moved) < 25.0


def test_cli_on_each_format(mediapipe_track, tmp_path):
  track, frame_ids = mediapipe_track
  # The estimator stage's own file.
  estimator_file = tmp_path / "estimates.npz"
  np.savez(estimator_file, keypoints=track, frame_ids=frame_ids,
           landmark_names=np.array(skeletons.MEDIAPIPE.joints),
           image_size=np.tile([[1280, 720]], (len(track), 1)), estimator=np.array("mediapipe"))
  run_refine(f"--input={estimator_file}", f"--output={tmp_path / 'refined.npz'}")
  out = np.load(tmp_path / "refined.npz")
  assert out["keypoints"].shape == track.shape and list(out["landmark_names"]) == list(
      skeletons.MEDIAPIPE.joints)
  np.testing.assert_array_equal(out["keypoints"][..., 2], track[..., 2])  # Visibility kept.
  np.testing.assert_array_equal(out["frame_ids"], frame_ids)
  _changed_reasonably(track[..., :2], out["keypoints"][..., :2])

  # Plain arrays: [frames, 17, 2] with NaN for missing joints (COCO by joint count).
  points, confidence = _as(skeletons.COCO, track)
  np.save(tmp_path / "coco.npy", points)
  run_refine(f"--input={tmp_path / 'coco.npy'}", f"--output={tmp_path / 'coco_out.npy'}")
  refined = np.load(tmp_path / "coco_out.npy")
  assert refined.shape == points.shape
  _changed_reasonably(points, refined)
  # .npz with a separate confidence array.
  np.savez(tmp_path / "arrays.npz", keypoints=points, confidence=confidence)
  run_refine(f"--input={tmp_path / 'arrays.npz'}", f"--output={tmp_path / 'arrays_out.npz'}")
  with np.load(tmp_path / "arrays_out.npz") as out:
    assert out["keypoints"].shape == points.shape and out["confidence"].shape == confidence.shape

  # OpenPose BODY_25 folder, one person per frame without ids.
  body25, body25_conf = _as(skeletons.OPENPOSE_BODY25, track)
  folder = tmp_path / "openpose"
  folder.mkdir()
  for t in range(len(track)):
    flat = np.concatenate([np.nan_to_num(body25[t]), body25_conf[t][:, None]], -1)
    people = [{"person_id": [-1], "pose_keypoints_2d": flat.reshape(-1).tolist(),
               "face_keypoints_2d": [1.0, 2.0, 0.5]}]
    (folder / f"clip_{t:012d}_keypoints.json").write_text(
        json.dumps({"version": 1.3, "people": people}))
  run_refine(f"--input={folder}", f"--output={tmp_path / 'openpose_out'}")
  names = sorted(os.listdir(tmp_path / "openpose_out"))
  assert names == sorted(os.listdir(folder))
  document = json.loads((tmp_path / "openpose_out" / names[3]).read_text())
  assert document["people"][0]["face_keypoints_2d"] == [1.0, 2.0, 0.5]  # Other fields kept.
  result = keypoint_io.read(str(tmp_path / "openpose_out"))
  assert result.num_joints == 25 and len(result.tracks[0].frames) == len(track)
  _changed_reasonably(body25, result.tracks[0].keypoints)

  # COCO results written as npz on request.
  coco_file = tmp_path / "results.json"
  coco_file.write_text(json.dumps(_coco_records(points, confidence)))
  run_refine(f"--input={coco_file}", f"--output={tmp_path / 'as.npz'}", "--output_format=npz")
  with np.load(tmp_path / "as.npz") as out:
    assert out["keypoints"].shape == (len(track), 17, 3)


def test_tracks_and_missing_joints(mediapipe_track, tmp_path):
  import pose_refine  # pylint: disable=g-import-not-at-top

  track, _ = mediapipe_track
  points, confidence = _as(skeletons.COCO, track)
  confidence = confidence.copy()
  hole = (slice(30, 36), skeletons.COCO.index("left_wrist"))
  confidence[hole] = 0.0  # COCO's missing joint: (0, 0, 0).
  points = np.where((confidence > 0)[..., None], points, np.nan)
  gap = range(40, 60)
  records = (_coco_records(points, confidence, track_id=1)
             + _coco_records(points + [300.0, 20.0], confidence, track_id=2, skip=gap))
  source = tmp_path / "tracks.json"
  source.write_text(json.dumps(records))
  run_refine(f"--input={source}", f"--output={tmp_path / 'out.json'}")
  out = json.loads((tmp_path / "out.json").read_text())
  assert [(r["image_id"], r["track_id"]) for r in out] == [
      (r["image_id"], r["track_id"]) for r in records]  # Absent frames stay absent.

  def track_of(records, track_id):
    rows = [r["keypoints"] for r in records if r["track_id"] == track_id]
    return np.array(rows, np.float32).reshape(len(rows), 17, 3)

  first, second = track_of(out, 1), track_of(out, 2)
  assert len(second) == len(points) - len(gap)
  # Each track is refined on its own: track 1 alone through the Python API
  # gives the same result (to the 3 decimals JSON keeps).
  alone = pose_refine.refine(np.concatenate([points, confidence[..., None]], -1))
  np.testing.assert_allclose(first[..., :2], alone[..., :2], atol=2e-3)
  # The missing wrist is filled on the person (within their joints' box grown
  # by half its size on each side), never at (0, 0).
  filled = first[30:36, hole[1], :2]
  low, high = np.nanmin(points[30:36], 1), np.nanmax(points[30:36], 1)
  margin = 0.5 * (high - low)
  assert np.all((filled > low - margin) & (filled < high + margin))
  np.testing.assert_array_equal(first[30:36, hole[1], 2], 0.0)  # Its score stays 0.

  run_refine(f"--input={source}", f"--output={tmp_path / 'kept.json'}", "--nofill_missing")
  kept = track_of(json.loads((tmp_path / "kept.json").read_text()), 1)
  np.testing.assert_array_equal(kept[30:36, hole[1]], 0.0)


def test_python_api_shapes_and_lazy_import():
  import pose_refine  # pylint: disable=g-import-not-at-top

  rng = np.random.default_rng(0)
  walk = np.cumsum(rng.normal(0, 2, (50, 1, 2)), 0) + 300 + rng.normal(0, 40, (1, 17, 2))
  poses = (walk + rng.normal(0, 3, walk.shape)).astype(np.float32)
  assert pose_refine.refine(poses).shape == (50, 17, 2)
  with_scores = np.concatenate([poses, np.full((50, 17, 1), 0.8, np.float32)], -1)
  refined = pose_refine.refine(with_scores, skeleton="coco")
  assert refined.shape == (50, 17, 3)
  np.testing.assert_array_equal(refined[..., 2], np.float32(0.8))
  np.testing.assert_allclose(
      refined[..., :2], pose_refine.refine(poses, np.full((50, 17), 0.8)), atol=1e-4)
  short = pose_refine.refine(poses[:3])  # Shorter than a window.
  assert short.shape == (3, 17, 2) and np.isfinite(short).all()
  with pytest.raises(ValueError, match="expected \\[frames, joints, 2 or 3\\]"):
    pose_refine.refine(poses[0])
  # The estimator environment imports pose_refine without JAX.
  out = subprocess.run(
      [sys.executable, "-c", "import sys, pose_refine.estimator; assert 'jax' not in sys.modules"],
      cwd=conftest.ROOT, env=conftest.subprocess_env(), capture_output=True, text=True,
      check=False)
  assert out.returncode == 0, out.stderr


def test_refine_file_is_the_cli_as_a_function(tmp_path):
  import pose_refine  # pylint: disable=g-import-not-at-top

  rng = np.random.default_rng(2)
  walk = np.cumsum(rng.normal(0, 2, (40, 1, 2)), 0) + 300 + rng.normal(0, 40, (1, 17, 2))
  poses = (walk + rng.normal(0, 3, walk.shape)).astype(np.float32)
  np.save(tmp_path / "poses.npy", poses)
  calls = []
  summary = pose_refine.refine_file(str(tmp_path / "poses.npy"), str(tmp_path / "out.npy"),
                                    progress=lambda *args: calls.append(args))
  assert summary.startswith("Refined 1 track(s), 40 poses of 17 joints (coco)")
  np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), pose_refine.refine(poses))
  assert calls and {stage for stage, _, _ in calls} == {"refining"}
  assert calls[-1][1] == calls[-1][2]  # Every window done.


def test_frames_far_apart_are_refined_as_sparse_frames_unless_told(tmp_path):
  import pose_refine  # pylint: disable=g-import-not-at-top
  from pose_refine import refiner  # pylint: disable=g-import-not-at-top

  rng = np.random.default_rng(4)
  body = rng.normal(0, 40, (1, 13, 2))
  video = (np.cumsum(rng.normal(0, 2, (60, 1, 2)), 0) + 300 + body
           + rng.normal(0, 2, (60, 13, 2))).astype(np.float32)
  # The same person seconds apart: elsewhere in the picture, limbs elsewhere.
  sparse = (rng.normal(300, 60, (60, 1, 2)) + body + rng.normal(0, 15, (60, 13, 2))).astype(
      np.float32)
  scores = np.ones((60, 13), np.float32)
  assert refiner.frame_step(video, scores) < refiner.SPARSE_STEP < refiner.frame_step(
      sparse, scores)
  assert np.isnan(refiner.frame_step(video[:3], scores[:3]))  # Too few frame pairs to tell,
  one = np.where(np.arange(13) == 0, scores, 0.0)
  assert np.isnan(refiner.frame_step(video, one))  # or one joint: no size to measure by.
  refine = functools.partial(pose_refine.refine, skeleton="penn_action")
  with warnings.catch_warnings():
    warnings.simplefilter("error")  # Video: no warning.
    np.testing.assert_array_equal(refine(video), refine(video, fps=30))
  with pytest.warns(UserWarning, match="Refined as 1 fps frames"):
    guessed = refine(sparse)
  np.testing.assert_array_equal(guessed, refine(sparse, fps=refiner.SPARSE_FPS))
  as_video = refine(sparse, fps=30)  # Told, it is believed.
  assert np.abs(guessed - sparse).mean() < 0.5 * np.abs(as_video - sparse).mean()
  np.save(tmp_path / "sparse.npy", sparse)
  summary = pose_refine.refine_file(str(tmp_path / "sparse.npy"), str(tmp_path / "out.npy"),
                                    skeleton="penn_action")
  assert "1 track(s) move too far between frames" in summary and "--fps" in summary
  np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), guessed)
  summary = pose_refine.refine_file(str(tmp_path / "sparse.npy"), str(tmp_path / "out.npy"),
                                    skeleton="penn_action", fps=30)
  assert "too far" not in summary
  np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), as_video)
  # Two tracks of one file, each at its own rate; progress counts the windows each runs.
  model, skeleton = refiner.load(), skeletons.get_skeleton("penn_action")
  tracks = [keypoint_io.Track(i, np.arange(60), poses, scores)
            for i, poses in enumerate((sparse, video))]
  calls = []
  out = model.refine_tracks(tracks, skeleton, progress=lambda *args: calls.append(args))
  np.testing.assert_array_equal(out[0].keypoints, guessed)
  np.testing.assert_array_equal(out[1].keypoints, refine(video))
  total = model.windows(60, fps=refiner.SPARSE_FPS) + model.windows(60)
  assert total > 30 and calls[-1] == (total, total)


def test_refiner_imports_no_training_code():
  """The user API loads JAX, Flax and the checkpoint reader, not the trainer's stack."""
  code = "import json, sys, pose_refine.refiner; print(json.dumps(sorted(sys.modules)))"
  out = subprocess.run(
      [sys.executable, "-c", code],
      cwd=conftest.ROOT, env=conftest.subprocess_env(), capture_output=True, text=True,
      check=False)
  assert out.returncode == 0, out.stderr
  loaded = set(json.loads(out.stdout.splitlines()[-1]))
  assert {"jax", "flax", "orbax.checkpoint", "pose_refine.inference"} <= loaded
  training = {"optax", "grain", "tensorflow_datasets", "tensorflow", "cv2", "pose_refine.train",
              "pose_refine.input_pipeline", "pose_refine.tensorboard"}
  assert not training & loaded, training & loaded


def _bad(tmp_path, expected, *args):
  output = tmp_path / "out" / "refined.npy"
  output.parent.mkdir(exist_ok=True)
  out = run_refine(*args, *(() if any(a.startswith("--output=") for a in args)
                              else (f"--output={output}",)), check_ok=False)
  assert out.returncode == 2, out.stderr[-2000:]
  assert expected in out.stderr, out.stderr[-2000:]
  assert not os.listdir(output.parent)  # Nothing written, not even a temporary file.
  return out.stderr


def test_bad_inputs_are_named(tmp_path):
  (tmp_path / "broken.json").write_text("{not json")
  _bad(tmp_path, f"{tmp_path / 'broken.json'}: not a readable JSON file",
       f"--input={tmp_path / 'broken.json'}")
  np.save(tmp_path / "flat.npy", np.zeros((10, 5), np.float32))
  _bad(tmp_path, "expected [frames, joints, 2 or 3]", f"--input={tmp_path / 'flat.npy'}")
  rng = np.random.default_rng(0)
  np.save(tmp_path / "eleven.npy", rng.normal(100, 10, (10, 11, 2)).astype(np.float32))
  _bad(tmp_path, "Cannot tell the skeleton of 11 joints; pass --skeleton",
       f"--input={tmp_path / 'eleven.npy'}")
  np.save(tmp_path / "coco.npy", rng.normal(100, 10, (10, 17, 2)).astype(np.float32))
  _bad(tmp_path, "Unknown skeleton 'nonsense'", f"--input={tmp_path / 'coco.npy'}",
       "--skeleton=nonsense")
  _bad(tmp_path, "skeleton 'mediapipe' has 33", f"--input={tmp_path / 'coco.npy'}",
       "--skeleton=mediapipe")
  np.save(tmp_path / "empty.npy", np.full((10, 17, 2), np.nan, np.float32))
  _bad(tmp_path, "every joint is missing", f"--input={tmp_path / 'empty.npy'}")
  folder = tmp_path / "frames"
  folder.mkdir()
  for t in range(4):
    from PIL import Image  # pylint: disable=g-import-not-at-top

    Image.new("RGB", (64, 48)).save(folder / f"{t:03d}.png")
  _bad(tmp_path, f"Video {folder} has 4 frames but", f"--input={tmp_path / 'coco.npy'}",
       f"--video={folder}")
  _bad(tmp_path, "folder /nonexistent does not exist", f"--input={tmp_path / 'coco.npy'}",
       "--output=/nonexistent/refined.npy")
  _bad(tmp_path, f"{tmp_path / 'missing.npy'} does not exist",
       f"--input={tmp_path / 'missing.npy'}")


def test_failed_write_leaves_nothing(tmp_path):
  source = keypoint_io.KeypointFile("x.npy", "npy", 2, [keypoint_io.Track(
      None, np.arange(3), np.zeros((3, 2, 2), np.float32), np.ones((3, 2), np.float32))])
  broken = [keypoint_io.Track(None, np.arange(5), np.zeros((4, 2, 2)), np.ones((4, 2)))]
  with pytest.raises(Exception):
    keypoint_io.write(source, broken, str(tmp_path / "out.npy"))
  assert not os.listdir(tmp_path)


def test_round_trips_without_a_model(tmp_path):
  rng = np.random.default_rng(1)
  points = rng.uniform(10, 500, (6, 17, 2)).astype(np.float32)
  confidence = rng.uniform(0.1, 1, (6, 17)).astype(np.float32)
  points[2, 4] = np.nan
  confidence[2, 4] = 0
  tracks = [keypoint_io.Track(7, np.arange(6), points, confidence),
            keypoint_io.Track(9, np.array([1, 2, 5]), points[[1, 2, 5]] + 50,
                              confidence[[1, 2, 5]])]
  for kind, path in (("coco", "a.json"), ("openpose", "b"), ("npz", "c.npz")):
    stub = keypoint_io.KeypointFile("in", kind, 17, tracks)
    keypoint_io.write(stub, tracks, str(tmp_path / path))
    if kind == "npz":
      with np.load(tmp_path / path) as data:
        assert data["keypoints"].shape == (2, 6, 17, 3)
        assert np.isnan(data["keypoints"][1, 0]).all()  # Track 9 absent in frame 0.
      continue
    back = keypoint_io.read(str(tmp_path / path))
    assert [t.track_id for t in back.tracks] == [7, 9]
    for a, b in zip(tracks, back.tracks):
      np.testing.assert_array_equal(a.frames, b.frames)
      np.testing.assert_allclose(a.keypoints, b.keypoints, atol=1e-3)  # NaN where missing.
      np.testing.assert_allclose(a.confidence, b.confidence, atol=1e-3)
  with pytest.raises(OSError, match="exists; choose a new output folder"):
    keypoint_io.write(keypoint_io.KeypointFile("in", "openpose", 17, tracks), tracks,
                      str(tmp_path / "b"))


def _refine_video(shared_data, tmp_path, frame_count: int, *options):
  """launch/refine_video.sh on the first frames of a YouTube Pose video, into tmp_path/out."""
  video = tmp_path / "video"
  video.mkdir()
  source = shared_data / "youtube_pose" / "GT_frames" / "-osma2n86oA"
  for name in sorted(os.listdir(source))[:frame_count]:
    shutil.copy(source / name, video / name)
  out = subprocess.run(
      ["bash", "launch/refine_video.sh", *options, str(video), str(tmp_path / "out")],
      cwd=conftest.ROOT, env=conftest.subprocess_env(), capture_output=True, text=True,
      check=False)
  assert out.returncode == 0, out.stderr[-3000:]
  return out


def test_video_to_overlay_in_one_command(shared_data, estimator_python, tmp_path):
  """The documented end-to-end path: frames -> estimator stage -> refine -> overlay."""
  del estimator_python  # Made for launch/refine_video.sh, which finds it in the clone.
  _refine_video(shared_data, tmp_path, 6)
  refined = np.load(tmp_path / "out" / "refined.npz")["keypoints"]
  assert refined.shape == (6, 33, 3)
  assert frames.frame_count(str(tmp_path / "out" / "overlay.mp4"))[0] == 6


def test_video_to_online_overlay_in_one_command(shared_data, estimator_python, tmp_path):
  """The live path: estimator frame by frame -> pipe -> `pose-refine stream` -> lagged overlay."""
  del estimator_python  # Made for launch/refine_video.sh, which finds it in the clone.
  out = _refine_video(shared_data, tmp_path, 8, "--online=2")
  estimates = np.load(tmp_path / "out" / "keypoints.npz")
  lines = (tmp_path / "out" / "refined.jsonl").read_text().splitlines()
  records = [json.loads(line) for line in lines]
  # Every frame the estimator reported comes out refined once, in order, timed (--timing).
  assert [r["t"] for r in records] == [int(f) for f in estimates["frame_ids"]]
  assert all(r["lag_ms"] >= 0 for r in records)
  assert all(len(r["keypoints"]) == 33 for r in records)
  assert "lag 2 frames" in out.stdout
  assert frames.frame_count(str(tmp_path / "out" / "overlay_online.mp4"))[0] == 8


def test_slow_tracks_are_refined_at_the_models_frame_rate():
  from pose_refine import refiner  # pylint: disable=g-import-not-at-top
  from pose_refine import windows  # pylint: disable=g-import-not-at-top

  model = refiner.load()
  assert model.frame_rate == 30.0
  assert [model.upsampling(f) for f in (None, 60, 30, 25, 20.1, 15, 10, 0.5)] == [
      1, 1, 1, 1, 1, 2, 3, 60]
  with pytest.raises(ValueError, match="fps=0"):
    model.upsampling(0)
  rng = np.random.default_rng(1)
  poses = (np.cumsum(rng.normal(0, 6, (50, 1, 2)), 0) + 300
           + rng.normal(0, 40, (1, 13, 2)) + rng.normal(0, 2, (50, 13, 2))).astype(np.float32)
  confidence = rng.uniform(0.5, 1.0, (50, 13)).astype(np.float32)
  skeleton = skeletons.get_skeleton("penn_action")
  network = refiner.load("shipped#selection=off#smoothing=off")
  slow = network.refine_track(poses, confidence, skeleton, fps=15)
  # The network's output: the same as refining the track interpolated to 30 fps and keeping
  # its own frames.
  up = network.refine_track(*windows.upsample(poses, confidence, 2), skeleton)
  np.testing.assert_allclose(slow, up[::2], atol=1e-4)
  assert np.abs(slow - network.refine_track(poses, confidence, skeleton)).max() > 0.1
  # The input selector and the smoother then run at the track's own frames (the selector
  # chooses among its inputs, not interpolated ones), the smoother's time scales at 15 fps.
  refined = model.refine_track(poses, confidence, skeleton, fps=15)
  np.testing.assert_array_equal(refined, model.finish(slow, poses, confidence, 15))
  assert np.abs(refined - model.finish(slow, poses, confidence)).max() > 0.1
  # At 25 fps the network sees the track as it is; only the smoother's scale differs.
  as_is = network.refine_track(poses, confidence, skeleton)
  np.testing.assert_array_equal(network.refine_track(poses, confidence, skeleton, fps=25), as_is)
  np.testing.assert_array_equal(model.refine_track(poses, confidence, skeleton, fps=25),
                                model.finish(as_is, poses, confidence, 25))
  assert model.windows(50, fps=15) == model.windows(99)


def test_finish_shares_the_networks_correction_size_exactly():
  from pose_refine import refiner  # pylint: disable=g-import-not-at-top

  model = refiner.load()
  assert model.selects and model.config.smoothing.floor > 0
  rng = np.random.default_rng(2)
  poses = (np.cumsum(rng.normal(0, 6, (300, 1, 2)), 0) + 300
           + rng.normal(0, 40, (1, 13, 2)) + rng.normal(0, 2, (300, 13, 2))).astype(np.float32)
  confidence = rng.uniform(0.3, 1.0, (300, 13)).astype(np.float32)
  confidence[rng.random(confidence.shape) < 0.05] = 0.0
  # A network output that moved some stretches much more than others.
  network = poses + rng.normal(0, 1, poses.shape).astype(np.float32) * np.linspace(
      0, 6, 300, dtype=np.float32)[:, None, None]
  # The selector's cue and the smoother's floor read one correction_size at 30 fps (their
  # windows agree) and two at 60 fps (the smoother's window doubles): the same bits as separate.
  for fps in (30.0, 60.0):
    selected = model.select(network, poses, confidence)
    alone = model.smooth(selected, poses, confidence, fps, network=network)
    np.testing.assert_array_equal(model.finish(network, poses, confidence, fps), alone)
    assert 0 < np.mean(selected == poses) < 1 and np.abs(alone - selected).max() > 0.1


def test_refiner_deadzone_overrides_the_checkpoint():
  from pose_refine import refiner  # pylint: disable=g-import-not-at-top
  from pose_refine import skeletons  # pylint: disable=g-import-not-at-top

  rng = np.random.default_rng(0)
  poses = (np.cumsum(rng.normal(0, 2, (40, 1, 2)), 0) + 300
           + rng.normal(0, 40, (1, 13, 2))).astype(np.float32)
  confidence = np.full((40, 13), 0.9, np.float32)
  skeleton = skeletons.get_skeleton("penn_action")
  still = refiner.Refiner(deadzone=1e3).refine_track(poses, confidence, skeleton)
  np.testing.assert_allclose(still, poses, atol=1e-3)
  assert np.abs(refiner.Refiner().refine_track(poses, confidence, skeleton) - poses).max() > 0.1
  with pytest.raises(ValueError, match="deadzone=-1"):
    refiner.Refiner(deadzone=-1.0)
