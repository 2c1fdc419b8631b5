r"""Scores a trained checkpoint on a split: raw input vs refined, per joint group.

python -m launch.evaluate --config=configs/synthetic.py \
    --workdir=/tmp/pose_refine/synthetic --split=test

Reads the latest checkpoint in <workdir>/checkpoints and writes
<workdir>/eval_<dataset>_<split>.md and .json ("/" in the data set name
becomes "_").
"""

from absl import app
from absl import flags
from ml_collections import config_flags

from launch import common

_CONFIG = config_flags.DEFINE_config_file("config", None, "Config file.", lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "The training run's workdir.")
_SPLIT = flags.DEFINE_string("split", None, "Split to score (default: config.final_eval_split).")
flags.mark_flags_as_required(["config", "workdir"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  config = _CONFIG.value
  common.setup(config)
  from pose_refine import evaluation  # pylint: disable=g-import-not-at-top

  evaluation.evaluate_checkpoint(config, _WORKDIR.value, _SPLIT.value or config.final_eval_split)


if __name__ == "__main__":
  app.run(main)
