r"""Seq2seq pose correction on Penn Action with simulated MediaPipe-like errors.

python -m launch.train --config=configs/penn_action.py --workdir=/tmp/pose_refine/penn_action

Reads labels from $POSE_REFINE_DATA/penn_action (default
../shared/data/penn_action); estimates are simulated with the error model
fitted on YouTube Pose (datasets/penn_action/mediapipe_error_model.json).
Without the official test labels, the final evaluation is on `validation`
(every 10th training clip); set final_eval_split=test when they are present.
`model=temporal_mlp` trains the SmoothNet-style peer with the same budget;
`lookahead=k` a streaming model whose output frame t sees input up to t + k.
"""

import os

from configs import common


def get_config(arg=None):
  arg = common.parse_arg(
      arg, attention=True, bidirectional=True, runlocal=False, seed=0, model="seq2seq",
      recipe="paper", steps=0, lookahead=-1,
  )
  config = common.base_config(arg)
  config.seed = arg.seed
  config.dataset = "penn_action"
  config.manual_dir = os.path.join(common.data_root(), "penn_action")
  config.skeleton = "penn_action"
  config.train_split = "train"
  config.eval_split = "validation"
  config.final_eval_split = "validation"

  config.num_epochs = 10
  config.optim.schedule = "warmup_cosine"
  config.optim.warmup_steps = 100
  config.scheduled_sampling_steps = 1000
  config.log_every_steps = 100
  config.eval_every_steps = 1000
  config.checkpoint_every_steps = 1000
  config.eval.stride = 16

  common.set_model(config, arg.model)
  common.set_recipe(config, arg.recipe)
  if arg.lookahead >= 0:  # A streaming model: forward encoder, lookahead frames.
    config.model.bidirectional = False
    config.model.lookahead = arg.lookahead
  if arg.steps:
    config.num_train_steps = arg.steps

  if arg.runlocal:
    common.shrink_for_runlocal(config)
  return config
