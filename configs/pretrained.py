r"""The shipped model (pose_refine/pretrained): 13 joints, all data sets here.

python -m launch.train --config=configs/pretrained.py --workdir=workdirs/pretrained
python -m launch.export --workdir=workdirs/pretrained \
    --output=pose_refine/pretrained/checkpoint

Trains in Penn Action's 13 joints on Penn Action's training clips (real
labels, simulated MediaPipe-like errors), YouTube Pose's 40 training videos
(real MediaPipe estimates, clean and degraded frames; upper body only) and
the embedded synthetic data set. `eval=` picks what launch.evaluate scores:
penn_action (validation), youtube_weak / youtube_strong (the Subset: split
test), synthetic (test), e.g.

python -m launch.evaluate --config=configs/pretrained.py:eval=youtube_weak \
    --workdir=workdirs/pretrained --split=test
"""

import os

from configs import common

_EVAL = {
    "penn_action": dict(dataset="penn_action", source_skeleton="", data="penn_action"),
    "youtube_weak": dict(dataset="youtube_pose/weak", source_skeleton="youtube_pose",
                         data="youtube_pose"),
    "youtube_strong": dict(dataset="youtube_pose/strong", source_skeleton="youtube_pose",
                           data="youtube_pose"),
    "synthetic": dict(dataset="synthetic_pose", source_skeleton="", data=""),
}


def get_config(arg=None):
  arg = common.parse_arg(arg, runlocal=False, eval="penn_action", seed=0,
                         attention=True, bidirectional=True)
  if arg.eval not in _EVAL:
    raise ValueError(f"eval={arg.eval!r}; use one of {sorted(_EVAL)}.")
  config = common.base_config(arg)
  config.seed = arg.seed
  root = common.data_root()
  config.skeleton = "penn_action"
  config.dataset = "penn_action"
  config.manual_dir = os.path.join(root, "penn_action")
  config.train_split = "train"
  config.train_data = [
      dict(dataset="penn_action", split="train", source_skeleton="",
           manual_dir=os.path.join(root, "penn_action")),
      dict(dataset="synthetic_pose", split="train", source_skeleton="", manual_dir=""),
      dict(dataset="youtube_pose/weak", split="train", source_skeleton="youtube_pose",
           manual_dir=os.path.join(root, "youtube_pose")),
      dict(dataset="youtube_pose/strong", split="train", source_skeleton="youtube_pose",
           manual_dir=os.path.join(root, "youtube_pose")),
  ]
  evaluation = _EVAL[arg.eval]
  # Training always uses the sets above; only the scored set changes.
  if arg.eval != "penn_action":
    config.dataset = evaluation["dataset"]
    config.source_skeleton = evaluation["source_skeleton"]
    config.manual_dir = os.path.join(root, evaluation["data"]) if evaluation["data"] else ""
  config.eval_split = "validation"
  config.final_eval_split = "test" if arg.eval != "penn_action" else "validation"

  config.model.aligned_output = True
  config.num_train_steps = 4000
  config.optim.schedule = "warmup_cosine"
  config.optim.warmup_steps = 100
  config.scheduled_sampling_steps = 1500
  config.log_every_steps = 100
  config.eval_every_steps = 1000
  config.checkpoint_every_steps = 1000
  config.eval.stride = 16

  if arg.runlocal:
    common.shrink_for_runlocal(config)
    config.train_data = config.train_data[:1]
  return config
