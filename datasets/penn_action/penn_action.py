"""Penn Action (Zhang et al., ICCV 2013): 2326 densely labelled sports clips.

An example is one clip: 13 ground-truth joints on every frame and simulated
initial estimates. The clips' frames are not used, so no estimator is run
on them: estimates come from `pose_refine.noise` with the error model fitted
to real MediaPipe errors on YouTube Pose (mediapipe_error_model.json beside
this file; `python -m launch.fit_noise` makes it), in units of each clip's
median head to mid-shoulder distance, seeded by the clip id.

Joint order: head, then right before left (shoulders, elbows, wrists, hips,
knees, ankles), verified on the labels (see pose_refine/skeletons.py).

Splits: the official flag (`train` in each label file) decides train/test;
every 10th training clip (by id) forms `validation`. `test` exists only when
the manual directory holds test label files.
"""

import glob
import json
import os

import numpy as np
import tensorflow_datasets as tfds

from datasets import features
from pose_refine import noise
from pose_refine import skeletons

_HERE = os.path.dirname(os.path.abspath(__file__))
ERROR_MODEL = os.path.join(_HERE, "mediapipe_error_model.json")
SKELETON = skeletons.PENN_ACTION


class PennAction(tfds.core.GeneratorBasedBuilder):
  """Penn Action labels with simulated estimator outputs."""

  VERSION = tfds.core.Version("1.2.0")
  RELEASE_NOTES = {
      "1.0.0": "Initial release.",
      "1.1.0": "Simulated estimates are clipped to the video frame.",
      "1.2.0": "Unlabelled joints (invisible, stored at the image corner) are missing.",
  }
  MANUAL_DOWNLOAD_INSTRUCTIONS = """
  Point --manual_dir (or config.manual_dir) at Penn Action's folder holding
  labels/<id>.mat (fields x, y (T, 13), visibility (T, 13), bbox (T, 4),
  train, action, pose, nframes, dimensions). Frames are not needed.
  """

  def _info(self) -> tfds.core.DatasetInfo:
    joints = SKELETON.num_joints
    return tfds.core.DatasetInfo(
        builder=self,
        description=__doc__,
        features=features.pose_features(
            joints,
            visibility=tfds.features.Tensor(shape=(None, joints), dtype=np.bool_),
            bbox=tfds.features.Tensor(shape=(None, 4), dtype=np.float32),
            action=tfds.features.Text(),
            view=tfds.features.Text(),
        ),
        homepage="http://dreamdragon.github.io/PennAction/",
        citation="Zhang, Zhu, Derpanis. From Actemes to Action: A Strongly-supervised "
        "Representation for Detailed Action Understanding. ICCV 2013.",
    )

  def _split_generators(self, dl_manager):
    files = label_files(os.fspath(dl_manager.manual_dir))
    clips = [read_clip(path) for path in files]
    train = [c for c in clips if c["train"]]
    splits = {
        "train": [c for i, c in enumerate(train) if i % 10],
        "validation": train[::10],
    }
    test = [c for c in clips if not c["train"]]
    if test:
      splits["test"] = test
    model = load_error_model()
    return {split: self._generate_examples(members, model) for split, members in splits.items()}

  def _generate_examples(self, clips, model):
    for clip in clips:
      yield clip["video_id"], simulate(clip, model)


def label_files(manual_dir: str) -> list[str]:
  files = sorted(glob.glob(os.path.join(manual_dir, "labels", "*.mat")))
  if not files:
    raise FileNotFoundError(
        f"No label files in {os.path.join(manual_dir, 'labels')}: expected Penn Action's "
        "labels/<id>.mat (see MANUAL_DOWNLOAD_INSTRUCTIONS)."
    )
  return files


def read_clip(path: str) -> dict:
  """One label file, checked.

  Raises:
    ValueError: naming the file and the field that is missing or malformed.
  """
  import scipy.io  # pylint: disable=g-import-not-at-top

  try:
    mat = scipy.io.loadmat(path, squeeze_me=True)
  except Exception as error:
    raise ValueError(f"{path} is not a readable .mat file ({error}).") from error
  for field in ("x", "y", "visibility", "bbox", "train"):
    if field not in mat:
      raise ValueError(f"{path} has no field {field!r}; expected Penn Action labels.")
  x, y = np.atleast_2d(mat["x"]), np.atleast_2d(mat["y"])
  if x.shape != y.shape or x.shape[-1] != SKELETON.num_joints:
    raise ValueError(
        f"{path}: x and y have shapes {x.shape} and {y.shape}; expected (frames, 13)."
    )
  visibility = np.atleast_2d(mat["visibility"]).astype(bool)
  truth = np.stack([x, y], -1).astype(np.float32)
  # 7% of joints (in 348 of 1258 training clips) are not labelled: they sit
  # at the image corner (x, y <= 1), always with visibility 0. Taken as
  # positions, they pull a window's median frame of reference to the corner.
  truth[unlabelled_joints(truth, visibility)] = np.nan
  return {
      "video_id": os.path.splitext(os.path.basename(path))[0],
      "ground_truth": truth,
      "visibility": visibility,
      "bbox": np.atleast_2d(mat["bbox"]).astype(np.float32),
      "train": int(mat["train"]) == 1,
      "action": str(mat.get("action", "")),
      "view": str(mat.get("pose", "")),
      # (width, height); `dimensions` is [height, width, frames].
      "frame_size": (
          (float(mat["dimensions"][1]), float(mat["dimensions"][0]))
          if "dimensions" in mat else None
      ),
  }


def unlabelled_joints(truth: np.ndarray, visibility: np.ndarray) -> np.ndarray:
  """[frames, joints] True for Penn Action's placeholder joints at the image corner."""
  return np.all(truth <= 1.0, axis=-1) & ~visibility


def load_error_model(path: str = ERROR_MODEL) -> noise.EstimatorErrorModel:
  with open(path) as f:
    return noise.from_json(json.load(f)["model"])


def simulate(clip: dict, model: noise.EstimatorErrorModel) -> dict:
  """A clip's example with estimates drawn from the error model."""
  truth = clip["ground_truth"]
  unit = noise.person_unit(truth, SKELETON)
  seed = int(clip["video_id"]) if clip["video_id"].isdigit() else abs(hash(clip["video_id"]))
  estimates, confidence = noise.corrupt(
      truth, np.full(len(truth), unit, np.float32), SKELETON, model,
      np.random.default_rng([seed, 7]), frame_size=clip.get("frame_size"),
  )
  confidence = np.where(np.isfinite(estimates).all(-1), confidence, 0.0).astype(np.float32)
  return {
      "video_id": clip["video_id"],
      "frame_ids": np.arange(len(truth), dtype=np.int32),
      "poses": estimates,
      "confidence": confidence,
      "ground_truth": truth,
      "ground_truth_valid": np.all(np.isfinite(truth), -1),
      "visibility": clip["visibility"],
      "bbox": clip["bbox"],
      "action": clip["action"],
      "view": clip["view"],
  }
