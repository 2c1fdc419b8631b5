r"""Fine-tunes a YouTube Pose model on CVIT-Sports, as the paper does.

python -m launch.train --config=configs/cvit_sports.py \
    --config.init_from=/tmp/pose_refine/youtube_pose_weak/checkpoints \
    --workdir=/tmp/pose_refine/cvit_sports

The model must match the YouTube Pose run's (same `attention`, `bidirectional`
and sizes). CVIT-Sports has 14 joints; the corrector works on the 7 upper-body
joints it shares with YouTube Pose (the paper reports those), so the
YouTube Pose model's parameters fit unchanged. Raw files are read from
$POSE_REFINE_DATA/cvit_sports (see datasets/cvit_sports for the layout).
"""

import os

from configs import common
from configs import youtube_pose


def get_config(arg=None):
  arg = common.parse_arg(arg, attention=True, bidirectional=True, runlocal=False, seed=0)
  config = youtube_pose.get_config(
      f"attention={arg.attention},bidirectional={arg.bidirectional},runlocal={arg.runlocal},"
      f"seed={arg.seed}"
  )
  config.dataset = "cvit_sports"
  config.manual_dir = os.path.join(common.data_root(), "cvit_sports")
  config.skeleton = "youtube_pose"  # The upper-body joints, mapped from CVIT-Sports'.
  config.source_skeleton = "cvit_sports"
  config.train_split = "train"
  config.eval_split = "validation"
  config.final_eval_split = "test"
  config.init_from = ""  # Set to a YouTube Pose run's checkpoints directory.
  config.optim.learning_rate = 1e-3  # Fine-tuning: a tenth of the paper's rate.
  config.num_epochs = 50
  return config
