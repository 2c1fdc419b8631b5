"""YouTube Pose (Charles et al., CVPR 2016): 50 videos, 100 annotated frames each.

An example is one video: its annotated frames in frame order (ids are not
consecutive), the 7 upper-body ground-truth joints, and a per-frame
estimator's output mapped to those joints. Builder configs choose the
estimator: `strong` (MediaPipe Pose on the clean frames) and `weak` (the same
estimator on degraded frames; see README "Real data").

Splits: `test` is the YouTube Pose Subset (5 videos, the paper's Table I);
`train` (40) and `validation` (5) divide the other 45; `fold0` .. `fold4`
divide all 50 videos into 5 folds of 10 for cross-validation (train on
"fold1+fold2+fold3+fold4", test on "fold0", ...).
"""

import dataclasses
import os

import numpy as np
import tensorflow_datasets as tfds

from datasets import features
from pose_refine import skeletons

SUBSET = ("72rAaV4w2dI", "AMSELccw8k4", "DrQvXZT6CJ8", "E7ULR-yfNnk", "nrpaAfmVzCc")
NUM_FOLDS = 5
_HERE = os.path.dirname(os.path.abspath(__file__))


@dataclasses.dataclass
class YouTubePoseConfig(tfds.core.BuilderConfig):
  """Which estimates file to read (under <manual_dir>/estimates or this folder)."""

  estimates_file: str = "mediapipe_full_static.npz"


class YouTubePose(tfds.core.GeneratorBasedBuilder):
  """YouTube Pose ground truth with per-frame estimator outputs."""

  name = "youtube_pose"  # Not the automatic "you_tube_pose".
  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "Initial release."}
  MANUAL_DOWNLOAD_INSTRUCTIONS = """
  Point --manual_dir (or config.manual_dir) at a folder holding:
    YouTube_Pose_dataset.mat   the official annotations (50 videos)
    GT_frames/<videoname>/frame_%06d.jpg   the annotated frames (for overlays)
    estimates/mediapipe_full_static.npz    MediaPipe estimates on every frame:
        keypoints (50, 100, 33, 3), videonames (50), frameids (50, 100)
  The `weak` config reads estimates/mediapipe_degraded.npz from that folder,
  or else datasets/youtube_pose/estimates/ of this repository.
  """
  BUILDER_CONFIGS = [
      YouTubePoseConfig(name="strong", description="MediaPipe Pose on clean frames."),
      YouTubePoseConfig(
          name="weak",
          description="MediaPipe Pose on degraded frames.",
          estimates_file="mediapipe_degraded.npz",
      ),
  ]
  DEFAULT_CONFIG_NAME = "strong"

  def _info(self) -> tfds.core.DatasetInfo:
    joints = skeletons.YOUTUBE_POSE.num_joints
    return tfds.core.DatasetInfo(
        builder=self,
        description=__doc__,
        features=features.pose_features(
            joints,
            estimator_keypoints=tfds.features.Tensor(shape=(None, 33, 3), dtype=np.float32),
            is_subset=np.bool_,
            crop=tfds.features.Tensor(shape=(4,), dtype=np.float32),
            scale=np.float32,
            original_resolution=tfds.features.Tensor(shape=(2,), dtype=np.int32),
        ),
        homepage="https://www.robots.ox.ac.uk/~vgg/data/pose/",
        citation="Charles, Pfister, Magee, Hogg, Zisserman. Personalizing Human Video "
        "Pose Estimation. CVPR 2016.",
    )

  def _split_generators(self, dl_manager):
    videos = read_videos(
        os.fspath(dl_manager.manual_dir), self.builder_config.estimates_file
    )
    names = sorted(videos)
    others = [n for n in names if n not in SUBSET]
    validation = others[::9]  # 5 of the 45, spread over the name order.
    splits = {
        "train": [n for n in others if n not in validation],
        "validation": validation,
        "test": [n for n in names if n in SUBSET],
    }
    for fold in range(NUM_FOLDS):
      splits[f"fold{fold}"] = folds(names)[fold]
    return {split: self._generate_examples(videos, members) for split, members in splits.items()}

  def _generate_examples(self, videos, members):
    for name in members:
      yield name, videos[name]


def folds(names, num_folds=NUM_FOLDS):
  """Deterministic folds: sorted names dealt round-robin."""
  ordered = sorted(names)
  return [ordered[k::num_folds] for k in range(num_folds)]


def _estimates_path(manual_dir, file_name):
  for path in (os.path.join(manual_dir, "estimates", file_name),
               os.path.join(_HERE, "estimates", file_name)):
    if os.path.exists(path):
      return path
  raise FileNotFoundError(
      f"Estimates file {file_name!r} is neither in {manual_dir}/estimates/ nor in "
      f"{_HERE}/estimates/. Make it with launch/estimate.py (see README, 'Real data')."
  )


def read_videos(manual_dir: str, estimates_file: str) -> dict[str, dict]:
  """Reads the annotations and an estimates file into one dict per video.

  Raises:
    FileNotFoundError: naming the missing file and what was expected there.
    ValueError: naming a malformed file and what it should hold.
  """
  import scipy.io  # pylint: disable=g-import-not-at-top

  mat_path = os.path.join(manual_dir, "YouTube_Pose_dataset.mat")
  if not os.path.exists(mat_path):
    raise FileNotFoundError(
        f"{mat_path} not found: the manual directory must hold the official "
        "YouTube_Pose_dataset.mat (see MANUAL_DOWNLOAD_INSTRUCTIONS)."
    )
  try:
    data = scipy.io.loadmat(mat_path, squeeze_me=True, struct_as_record=False)["data"]
  except Exception as error:
    raise ValueError(f"{mat_path} is not the YouTube Pose .mat file ({error}).") from error
  estimates_path = _estimates_path(manual_dir, estimates_file)
  estimates = np.load(estimates_path)
  expected = {"keypoints", "videonames", "frameids"}
  if not expected <= set(estimates.files):
    raise ValueError(
        f"{estimates_path} lacks {sorted(expected - set(estimates.files))}: expected "
        "keypoints (videos, frames, 33, 3), videonames (videos), frameids (videos, frames)."
    )
  by_name = {str(n): i for i, n in enumerate(estimates["videonames"])}
  videos = {}
  for video in data:
    name = str(video.videoname)
    locs = np.asarray(video.locs, np.float32)
    if locs.shape[:2] != (2, 7):
      raise ValueError(f"{mat_path}: video {name} has locs of shape {locs.shape}, not (2, 7, n).")
    if name not in by_name:
      raise ValueError(f"{estimates_path} has no estimates for video {name!r}.")
    frame_ids = np.asarray(video.frameids, np.int64)
    index = by_name[name]
    if not np.array_equal(np.asarray(estimates["frameids"][index], np.int64), frame_ids):
      raise ValueError(f"{estimates_path}: frame ids of {name!r} differ from {mat_path}.")
    order = np.argsort(frame_ids, kind="stable")
    truth = locs.transpose(2, 1, 0)[order]
    raw = np.asarray(estimates["keypoints"][index], np.float32)[order]
    poses, confidence = skeletons.convert(
        raw[..., :2], np.nan_to_num(raw[..., 2]), skeletons.MEDIAPIPE, skeletons.YOUTUBE_POSE
    )
    videos[name] = {
        "video_id": name,
        "frame_ids": frame_ids[order].astype(np.int32),
        "poses": poses,
        "confidence": confidence,
        "ground_truth": truth,
        "ground_truth_valid": np.all(np.isfinite(truth), -1),
        "estimator_keypoints": raw,
        "is_subset": bool(video.isYouTubePoseSubset),
        "crop": np.asarray(video.crop, np.float32),
        "scale": np.float32(video.scale),
        "original_resolution": np.asarray(video.origRes, np.int32),
    }
  return videos
