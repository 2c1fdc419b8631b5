"""TFDS builders; importing this package registers them with TFDS."""

from datasets.synthetic_pose.synthetic_pose import SyntheticPose  # noqa: F401
