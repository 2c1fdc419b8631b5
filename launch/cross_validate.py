r"""5-fold cross-validation over all 50 YouTube Pose videos.

python -m launch.cross_validate --config=configs/youtube_pose.py:estimator=weak \
    --workdir=workdirs/ytp_weak_cv

For each fold k: trains `<config>,fold=k` in <workdir>/fold<k> (skipped when
finished; --config.key=value overrides apply to every fold), tunes every
baseline on the four training folds, and refines fold k. Reports PCK pooled
over all 50 videos (each predicted by the model that did not see it) and the
mean and standard deviation over folds, in <workdir>/cv.md and cv.json.
"""

import subprocess
import sys

from absl import app
from absl import flags
from etils import epath
from ml_collections import config_flags

from launch import common

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "configs/youtube_pose.py:ARGS (without fold).", lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Root of the fold runs.")
_FOLDS = flags.DEFINE_integer("folds", 5, "Number of folds.")
flags.mark_flags_as_required(["config", "workdir"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  spec = config_flags.get_config_filename(flags.FLAGS["config"])
  overrides = [f"--config.{key}={value}" for key, value in
               config_flags.get_override_values(flags.FLAGS["config"]).items()]
  separator = "," if ":" in spec else ":"
  root = epath.Path(_WORKDIR.value)
  folds = []
  for fold in range(_FOLDS.value):
    fold_spec = f"{spec}{separator}fold={fold}"
    workdir = root / f"fold{fold}"
    if not (workdir / "results.json").exists():
      print(f"fold {fold}: training {fold_spec}", flush=True)
      subprocess.run([sys.executable, "-m", "launch.train", f"--config={fold_spec}",
                      f"--workdir={workdir}", *overrides], check=True)
    fold_config = flags.FLAGS["config"].parser.parse(fold_spec)  # As --config would.
    fold_config.update_from_flattened_dict(
        config_flags.get_override_values(flags.FLAGS["config"]))
    folds.append((fold_config, workdir))
  # Set up JAX only now: the training processes above need the accelerator.
  common.setup(_CONFIG.value)
  from pose_refine import evaluation  # pylint: disable=g-import-not-at-top

  print(evaluation.cross_validation(folds, spec, root))


if __name__ == "__main__":
  app.run(main)
