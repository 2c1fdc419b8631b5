r"""Compares raw input, tuned baselines and trained runs on one split.

python -m launch.report --config=configs/youtube_pose.py:estimator=weak \
    --run=ours=workdirs/ytp_weak --run=smoothnet=workdirs/ytp_weak_mlp \
    --output=workdirs/report_weak

Each --run is NAME=WORKDIR[,WORKDIR...]: the runs' predictions_<split>.npz
(written at the end of training); several workdirs (seeds) are reported as
mean and standard deviation. Each --checkpoint is NAME=CHECKPOINT[#deadzone=D]:
a model in the config's joints (e.g. one trained on Penn Action, scored on
YouTube Pose with configs/pretrained.py:eval=youtube_weak) refines the split,
told its frame rate with --fps. Baselines are tuned on --tune_split (default
config.eval_split), never on the reported split. Writes report.md,
report.json, curves.png and, for data sets with frames, overlays/*.png
(initial estimate red, corrected yellow, ground truth green).
"""

from absl import app
from absl import flags
from ml_collections import config_flags

from launch import common

_CONFIG = config_flags.DEFINE_config_file("config", None, "The data set's config.",
                                          lock_config=True)
_SPLIT = flags.DEFINE_string("split", None, "Split to report (default config.final_eval_split).")
_TUNE_SPLIT = flags.DEFINE_string("tune_split", None, "Split to tune baselines on.")
_RUNS = flags.DEFINE_multi_string(
    "run", [], "NAME=WORKDIR[,WORKDIR...]; NAME has no '=' (WORKDIR may)."
)
_CHECKPOINTS = flags.DEFINE_multi_string(
    "checkpoint", [],
    "NAME=CHECKPOINT[#deadzone=D] ('shipped': the shipped model): a model in the config's "
    "joints, trained on anything, refines the split here.")
_FPS = flags.DEFINE_float(
    "fps", 0.0, "The split's frame rate, told to the --checkpoint models (0: not told).")
_OUTPUT = flags.DEFINE_string("output", None, "Directory for the report.")
_OVERLAYS = flags.DEFINE_integer("overlays", 4, "Overlay images to draw (0: none).")
flags.mark_flags_as_required(["config", "output"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  config = _CONFIG.value
  common.setup(config)
  from pose_refine import evaluation  # pylint: disable=g-import-not-at-top

  split = _SPLIT.value or config.final_eval_split
  tune_split = _TUNE_SPLIT.value or config.eval_split
  if tune_split == split:
    raise app.UsageError(f"Tuning baselines on the reported split {split!r} is not allowed.")
  runs = {}
  for spec in _RUNS.value:
    name, _, workdirs = spec.partition("=")
    runs[name] = workdirs.split(",")
  refiners = {}
  if _CHECKPOINTS.value:
    from pose_refine import refiner  # pylint: disable=g-import-not-at-top
    from pose_refine import skeletons  # pylint: disable=g-import-not-at-top

    skeleton = skeletons.get_skeleton(config.skeleton)
    for spec in _CHECKPOINTS.value:
      name, _, checkpoint = spec.partition("=")
      model = refiner.from_spec(checkpoint)
      refiners[name] = lambda video, m=model: m.refine_track(
          video["poses"], video["confidence"], skeleton, fps=_FPS.value or None)
  try:
    text = evaluation.compare(config, split=split, tune_split=tune_split, runs=runs,
                              output=_OUTPUT.value, overlays=_OVERLAYS.value,
                              refiners=refiners)
  except (FileNotFoundError, ValueError) as error:  # A run without predictions of `split`.
    raise app.UsageError(str(error)) from error
  print(text)


if __name__ == "__main__":
  app.run(main)
