"""The feature schema every pose data set shares."""

import numpy as np
import tensorflow_datasets as tfds


def pose_features(num_joints: int, **extra) -> tfds.features.FeaturesDict:
  """One video per example: estimates, confidences, ground truth, frame ids.

  Args:
    num_joints: joints per frame.
    **extra: data-set-specific features added to the shared ones.
  """

  def per_joint(*trailing, dtype=np.float32):
    return tfds.features.Tensor(shape=(None, num_joints) + trailing, dtype=dtype)

  return tfds.features.FeaturesDict({
      "video_id": tfds.features.Text(),
      "frame_ids": tfds.features.Tensor(shape=(None,), dtype=np.int32),
      "poses": per_joint(2),
      "confidence": per_joint(),
      "ground_truth": per_joint(2),
      "ground_truth_valid": per_joint(dtype=np.bool_),
      **extra,
  })
