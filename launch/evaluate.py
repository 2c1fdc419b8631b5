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
  import jax  # pylint: disable=g-import-not-at-top
  from etils import epath  # pylint: disable=g-import-not-at-top

  from pose_refine import inference  # pylint: disable=g-import-not-at-top
  from pose_refine import models  # pylint: disable=g-import-not-at-top
  from pose_refine import sharding  # pylint: disable=g-import-not-at-top
  from pose_refine import skeletons  # pylint: disable=g-import-not-at-top
  from pose_refine import train  # pylint: disable=g-import-not-at-top

  split = _SPLIT.value or config.final_eval_split
  workdir = epath.Path(_WORKDIR.value)
  skeleton = skeletons.get_skeleton(config.skeleton)
  mesh = sharding.make_mesh()
  model = models.create_model(config, skeleton)
  params = inference.load_params(model, mesh, config.window, skeleton.num_joints, workdir)
  videos = train.load_videos(config, split, skeleton)
  results = train.evaluate(
      inference.make_predict_fn(model, mesh), params, videos,
      config=config, skeleton=skeleton, mesh=mesh,
  )
  if jax.process_index() == 0:
    name = f"eval_{config.dataset}_{split}".replace("/", "_")
    train.write_report(results, config, skeleton, split, workdir / name)


if __name__ == "__main__":
  app.run(main)
