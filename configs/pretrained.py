r"""The shipped model (pose_refine/pretrained): the accuracy recipe's last stage.

Seven stages on Penn Action's training clips, each continuing the one before
(`launch/reproduce_accuracy.sh` runs them all): the robust recipe (estimates
drawn per window from the wide error family at 15, 30 and 60 fps), three
stages with more clean and mild windows at lower learning rates, two with a
body part (the lower body, the legs or one arm) absent from 30% of windows
(parts, parts2), and 1,500 steps of parts2's distribution at learning rate
0.0003 with the acceleration loss at 0.1 of the recipe's weight. This config
is the last stage; `init_from=` names the one before:

python -m launch.train --config=configs/pretrained.py:init_from=workdirs/accuracy/parts2_s0 \
    --workdir=workdirs/pretrained
python -m launch.export --workdir=workdirs/pretrained --deadzone=0.02 --stride=24 \
    --implementation=fused --output=workdirs/pretrained_export
python -m launch.tune_selection --config=configs/penn_action.py \
    --checkpoint=workdirs/pretrained_export --output=workdirs/tune_selection
python -m launch.export --workdir=workdirs/pretrained_export \
    --selection=workdirs/tune_selection/selection.json --output=workdirs/pretrained_selected
python -m launch.tune_smoothing --config=configs/penn_action.py \
    --checkpoint=workdirs/pretrained_selected --output=workdirs/tune_smoothing \
    --gain=80,100,120 --offset=0,0.005 --max_sigma=3 --floor=0.75,1 --floor_offset=0,0.0025
python -m launch.export --workdir=workdirs/pretrained_selected \
    --smoothing=gain=80,offset=0,max_sigma=3,floor=0.75,floor_gain=2000,spikes=4,motion=1,\
motion_limit=0.02,window=121 \
    --output=workdirs/pretrained_smoothed
python -m launch.tune_online_selection --config=configs/penn_action.py \
    --checkpoint=workdirs/pretrained_smoothed --output=workdirs/tune_online_selection
python -m launch.export --workdir=workdirs/pretrained_smoothed \
    --online_selection=workdirs/tune_online_selection/online_selection.json \
    --output=pose_refine/pretrained/checkpoint

The exports write the deadzone into the model (models.shrink_corrections:
corrections under 0.02 window units vanish), `eval.stride` (24, the
refiner's default stride), `selection`, the input selector that
launch.tune_selection fitted on the training error family
(pose_refine.selection: the input is kept where it is likely closer to the
truth than the model's output), and `smoothing`, the whole-track
post-smoother that launch.tune_smoothing then picked on the same family
(baselines.adaptive_gaussian, with a floor of 0.75 frames wherever the
network corrected anything, for the input jitter the selector keeps; where
it smooths, one-frame spikes are taken out first and steady motion is
smoothed further after it: baselines.despike, baselines.motion_adaptive),
and
`online_selection`, the selector of streams at lookahead 0 that
launch.tune_online_selection fitted on the same family (cues from frame t
and the frames before it; a One-Euro filter over its output where the
network has been correcting much).
Training uses none of them. `eval=` picks what launch.evaluate and launch.report
score: penn_action (validation),
youtube_weak / youtube_strong (the Subset: split test), synthetic (test); the
model and its training data stay the same.
"""

import os

from configs import common
from configs import penn_action

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
                         init_from="workdirs/accuracy/parts2_s0")
  if arg.eval not in _EVAL:
    raise ValueError(f"eval={arg.eval!r}; use one of {sorted(_EVAL)}.")
  config = penn_action.get_config(
      f"recipe=robust,steps=1500,seed={arg.seed},runlocal={arg.runlocal}")
  root = common.data_root()
  # Training always uses Penn Action's training clips; only the scored set changes.
  config.train_data = [dict(dataset="penn_action", split="train", source_skeleton="",
                            manual_dir=os.path.join(root, "penn_action"))]
  config.init_from = arg.init_from
  config.corruption.clean_fraction = 0.3
  config.corruption.severity_power = 2.0
  config.corruption.absent_part_fraction = 0.3
  config.optim.learning_rate = 0.0003
  config.max_target_units = 20.0
  # A tenth of the recipe's acceleration loss: it smooths fast true motion less
  # (RESULTS.md, "The acceleration term's weight").
  config.acceleration_loss_weight = 0.1
  config.checkpoint_every_steps = 500
  # Written into the exported model (launch.export --deadzone), not used in training.
  config.export_deadzone = 0.02
  # The whole-track post-smoother written at export (launch.export --smoothing),
  # as launch.tune_smoothing picked it on the training error family, after the
  # input selector (launch.export --selection; its coefficients are in the
  # checkpoint, fitted by launch.tune_selection at this threshold).
  config.export_smoothing = dict(gain=80.0, offset=0.0, max_sigma=3.0, window=121, floor=0.75,
                                 floor_gain=2000.0, floor_offset=0.0, spikes=4.0, motion=1.0,
                                 motion_limit=0.02)
  config.export_selection_threshold = 0.5
  # The lookahead-0 selector's setting that launch.tune_online_selection kept on
  # the training error family (launch.export --online_selection; its
  # coefficients are in the checkpoint).
  config.export_online_selection = dict(threshold=0.3, min_cutoff=3.0, beta=0.1, level=0.006)
  # Whole-track refinement's windows: 24 frames apart (8 overlapping) scores as
  # stride 16 does on every data set of RESULTS.md and needs a third fewer windows.
  config.eval.stride = 24

  evaluation = _EVAL[arg.eval]
  if arg.eval != "penn_action":
    config.dataset = evaluation["dataset"]
    config.source_skeleton = evaluation["source_skeleton"]
    config.manual_dir = os.path.join(root, evaluation["data"]) if evaluation["data"] else ""
    config.final_eval_split = "test"
  return config
