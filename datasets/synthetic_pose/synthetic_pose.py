"""The embedded default data set: synthetic motion with estimator-like errors.

Every example is one video of one person: ground-truth joint tracks from
`pose_refine.synthetic` and the output of a simulated per-frame estimator
from `pose_refine.noise`. Generation needs no download and is deterministic:
example i of a split is a function of (config seed, split, i) alone.
"""

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from datasets import features
from pose_refine import noise
from pose_refine import synthetic


@dataclasses.dataclass
class SyntheticPoseConfig(tfds.core.BuilderConfig):
  """Size and seed of a synthetic data set.

  Attributes:
    split_sizes: number of videos per split.
    min_frames: shortest video.
    max_frames: longest video.
    seed: the seed every video derives from.
  """

  split_sizes: tuple[tuple[str, int], ...] = (
      ("train", 640),
      ("validation", 64),
      ("test", 64),
  )
  min_frames: int = 96
  max_frames: int = 256
  seed: int = 0


_SPLIT_IDS = {"train": 0, "validation": 1, "test": 2}


class SyntheticPose(tfds.core.GeneratorBasedBuilder):
  """Synthetic 13-joint human motion and simulated estimator outputs."""

  VERSION = tfds.core.Version("1.1.0")
  RELEASE_NOTES = {
      "1.0.0": "Initial release.",
      "1.1.0": "Joints in Penn Action's verified order (right before left).",
  }
  BUILDER_CONFIGS = [
      SyntheticPoseConfig(name="default", description="640/64/64 videos."),
      SyntheticPoseConfig(
          name="small",
          description="48/8/8 short videos, for tests.",
          split_sizes=(("train", 48), ("validation", 8), ("test", 8)),
          min_frames=48,
          max_frames=96,
      ),
  ]
  DEFAULT_CONFIG_NAME = "default"

  def _info(self) -> tfds.core.DatasetInfo:
    joints = synthetic.SKELETON.num_joints
    return tfds.core.DatasetInfo(
        builder=self,
        description=__doc__,
        features=features.pose_features(joints),
    )

  def _split_generators(self, dl_manager):
    del dl_manager  # Nothing to download.
    return {
        split: self._generate_examples(split, size)
        for split, size in self.builder_config.split_sizes
    }

  def _generate_examples(self, split, size):
    config = self.builder_config
    for index in range(size):
      rng = np.random.default_rng([config.seed, _SPLIT_IDS[split], index])
      time = int(rng.integers(config.min_frames, config.max_frames + 1))
      poses, torso = synthetic.generate_motion(rng, time)
      estimates, confidence = noise.corrupt(
          poses, torso, synthetic.SKELETON, noise.EstimatorErrorModel(), rng
      )
      video_id = f"{split}_{index:05d}"
      yield video_id, {
          "video_id": video_id,
          "frame_ids": np.arange(time, dtype=np.int32),
          "poses": estimates,
          "confidence": confidence,
          "ground_truth": poses,
          "ground_truth_valid": np.ones(poses.shape[:2], bool),
      }
