"""TFDS builders; importing this package registers them with TFDS."""

from datasets.synthetic_pose.synthetic_pose import SyntheticPose  # noqa: F401
from datasets.youtube_pose.youtube_pose import YouTubePose  # noqa: F401
from datasets.penn_action.penn_action import PennAction  # noqa: F401
from datasets.cvit_sports.cvit_sports import CvitSports  # noqa: F401
