"""CVIT-Sports: 11 sports videos, 1457 annotated frames, 14 joints (LSP order).

The paper fine-tunes on it after YouTube Pose and reports its upper-body
joints. This builder follows the data set's published form; it has been run
on generated files in the layout below, not on the real data set (no copy
was available).

Splits (by sorted video name): the last 3 of 11 videos are `test`, the one
before them `validation`, the other 7 `train` (for n videos: the last
round(3n/11) at least 1, one before them, the rest).
"""

import glob
import os

import numpy as np
import tensorflow_datasets as tfds

from datasets import features
from pose_refine import skeletons

SKELETON = skeletons.CVIT_SPORTS


class CvitSports(tfds.core.GeneratorBasedBuilder):
  """CVIT-Sports ground truth with the estimator stage's outputs."""

  VERSION = tfds.core.Version("1.0.0")
  RELEASE_NOTES = {"1.0.0": "Initial release."}
  MANUAL_DOWNLOAD_INSTRUCTIONS = """
  Point --manual_dir (or config.manual_dir) at a folder holding, per video V:
    annotations/V.mat   `joints` (3, 14, frames): x, y in pixels and a
                        visibility flag per joint, in LSP order (right ankle,
                        right knee, right hip, left hip, left knee, left
                        ankle, right wrist, right elbow, right shoulder, left
                        shoulder, left elbow, left wrist, neck, head top);
                        optional `frame_ids` (frames,) of the annotated frames.
    estimates/V.npz     the estimator stage's keypoints file for the same
                        frames (python -m launch.estimate --input=frames/V
                        --output=estimates/V.npz): keypoints (frames, 33, 3),
                        frame_ids (frames,).
    frames/V/*.jpg      the frames (only for overlays).
  """

  def _info(self) -> tfds.core.DatasetInfo:
    joints = SKELETON.num_joints
    return tfds.core.DatasetInfo(
        builder=self,
        description=__doc__,
        features=features.pose_features(joints),
    )

  def _split_generators(self, dl_manager):
    videos = read_videos(os.fspath(dl_manager.manual_dir))
    names = sorted(videos)
    num_test = max(1, round(3 * len(names) / 11))
    if len(names) < num_test + 2:
      raise ValueError(
          f"{dl_manager.manual_dir}: {len(names)} annotated videos; at least "
          f"{num_test + 2} are needed for train, validation and test."
      )
    splits = {
        "train": names[: -num_test - 1],
        "validation": names[-num_test - 1 : -num_test],
        "test": names[-num_test:],
    }
    return {
        split: self._generate_examples([videos[n] for n in members])
        for split, members in splits.items()
    }

  def _generate_examples(self, videos):
    for video in videos:
      yield video["video_id"], video


def read_videos(manual_dir: str) -> dict[str, dict]:
  """Reads every annotated video and its estimates.

  Raises:
    FileNotFoundError: naming the missing folder or file.
    ValueError: naming the malformed file and what it should hold.
  """
  import scipy.io  # pylint: disable=g-import-not-at-top

  annotation_files = sorted(glob.glob(os.path.join(manual_dir, "annotations", "*.mat")))
  if not annotation_files:
    raise FileNotFoundError(
        f"No annotations in {os.path.join(manual_dir, 'annotations')}: expected V.mat per "
        "video (see MANUAL_DOWNLOAD_INSTRUCTIONS)."
    )
  videos = {}
  for path in annotation_files:
    name = os.path.splitext(os.path.basename(path))[0]
    mat = scipy.io.loadmat(path, squeeze_me=False)
    joints = mat.get("joints")
    if joints is None or joints.ndim != 3 or joints.shape[:2] != (3, SKELETON.num_joints):
      raise ValueError(
          f"{path}: expected `joints` of shape (3, 14, frames), got "
          f"{None if joints is None else joints.shape}."
      )
    count = joints.shape[2]
    frame_ids = (
        np.asarray(mat["frame_ids"]).reshape(-1).astype(np.int64)
        if "frame_ids" in mat else np.arange(count)
    )
    if len(frame_ids) != count:
      raise ValueError(f"{path}: {len(frame_ids)} frame_ids for {count} annotated frames.")
    estimates_path = os.path.join(manual_dir, "estimates", f"{name}.npz")
    if not os.path.exists(estimates_path):
      raise FileNotFoundError(
          f"{estimates_path} not found: run the estimator stage on video {name!r} "
          f"(python -m launch.estimate --input=frames/{name} --output={estimates_path})."
      )
    estimates = np.load(estimates_path)
    position = {int(f): i for i, f in enumerate(estimates["frame_ids"])}
    missing = [int(f) for f in frame_ids if int(f) not in position]
    if missing:
      raise ValueError(f"{estimates_path} lacks annotated frames {missing[:5]}.")
    raw = estimates["keypoints"][[position[int(f)] for f in frame_ids]].astype(np.float32)
    poses, confidence = skeletons.convert(
        raw[..., :2], np.nan_to_num(raw[..., 2]), skeletons.MEDIAPIPE, SKELETON
    )
    order = np.argsort(frame_ids, kind="stable")
    truth = joints[:2].transpose(2, 1, 0).astype(np.float32)
    videos[name] = {
        "video_id": name,
        "frame_ids": frame_ids[order].astype(np.int32),
        "poses": poses[order],
        "confidence": confidence[order],
        "ground_truth": truth[order],
        "ground_truth_valid": np.all(np.isfinite(truth[order]), -1),
    }
  return videos
