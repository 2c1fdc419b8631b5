r"""Trains a pose corrector; rerunning with the same --workdir resumes.

python -m launch.train --config=configs/synthetic.py --workdir=/tmp/pose_refine/synthetic
"""

from absl import app
from absl import flags
from ml_collections import config_flags

from launch import common

_CONFIG = config_flags.DEFINE_config_file("config", None, "Config file.", lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Checkpoints, metrics and results go here.")
flags.mark_flags_as_required(["config", "workdir"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  config = _CONFIG.value
  common.setup(config)
  from pose_refine import train  # After setup(): XLA flags must precede JAX's backend.

  train.train_and_evaluate(config, _WORKDIR.value)


if __name__ == "__main__":
  app.run(main)
