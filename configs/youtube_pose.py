r"""Seq2seq pose correction on YouTube Pose (the paper's Table I).

python -m launch.train --config=configs/youtube_pose.py:estimator=weak \
    --workdir=/tmp/pose_refine/youtube_pose_weak

`estimator` is `strong` (MediaPipe on clean frames) or `weak` (on degraded
frames). Trains on 40 videos, selects on 5, tests on the 5-video Subset.
`model=temporal_mlp` trains the SmoothNet-style peer with the same budget.
`fold=k` instead trains on the other four folds and tests on fold k (5-fold
cross-validation over all 50 videos). The raw files are read from
$POSE_REFINE_DATA/youtube_pose (default ../shared/data/youtube_pose).
"""

import os

from configs import common


def get_config(arg=None):
  arg = common.parse_arg(
      arg, attention=True, bidirectional=True, runlocal=False, seed=0, estimator="strong",
      fold=-1, model="seq2seq",
  )
  config = common.base_config(arg)
  config.seed = arg.seed
  if arg.estimator not in ("strong", "weak"):
    raise ValueError(f"estimator={arg.estimator!r}; use 'strong' or 'weak'.")
  config.dataset = f"youtube_pose/{arg.estimator}"
  config.manual_dir = os.path.join(common.data_root(), "youtube_pose")
  config.skeleton = "youtube_pose"
  config.train_split = "train"
  config.eval_split = "validation"
  config.final_eval_split = "test"
  if arg.fold >= 0:
    others = [f"fold{k}" for k in range(5) if k != arg.fold]
    config.train_split = "+".join(others)
    config.eval_split = f"fold{arg.fold}"
    config.final_eval_split = f"fold{arg.fold}"

  # 40 videos of 100 frames give 40 x 10 windows of 32 (stride 8): 6 steps
  # an epoch at batch 64, so the paper's 100 epochs are 600 steps.
  config.num_epochs = 100
  config.optim.schedule = "warmup_cosine"
  config.optim.warmup_steps = 50
  config.scheduled_sampling_steps = 300
  config.log_every_steps = 25
  config.eval_every_steps = 100
  config.checkpoint_every_steps = 100
  config.eval.stride = 8

  common.set_model(config, arg.model)

  if arg.runlocal:
    config.model.hidden = 32
    if arg.model == "seq2seq":
      config.model.attention_size = 16
    config.num_epochs = 4
    config.scheduled_sampling_steps = 10
    config.log_every_steps = 5
    config.eval_every_steps = 10
    config.checkpoint_every_steps = 10
  return config
