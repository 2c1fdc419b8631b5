r"""Exports a trained run's parameters and config (no optimiser state) for refine.

python -m launch.export --workdir=workdirs/pretrained --output=pose_refine/pretrained/checkpoint

The output loads like a run's checkpoints (`launch.refine --checkpoint=...`,
`config.init_from`) and is a third of their size.
"""

import sys

from absl import app
from absl import flags

from launch import common

_WORKDIR = flags.DEFINE_string("workdir", None, "The training run's workdir.")
_OUTPUT = flags.DEFINE_string("output", None, "Folder to write (must not hold a checkpoint).")
_DEADZONE = flags.DEFINE_float(
    "deadzone", None, "Written into the exported model's config (models.shrink_corrections); "
    "default: the run's.")
_IMPLEMENTATION = flags.DEFINE_enum(
    "implementation", None, ["fused", "reference"],
    "The LSTMs' implementation written into the config (the same function; see "
    "models.PoseCorrector); default: the run's.")
_STRIDE = flags.DEFINE_integer(
    "stride", None, "Frames between windows in whole-track refinement, written into the config "
    "(config.eval.stride, the refiner's default); default: the run's.")
_SMOOTHING = flags.DEFINE_list(
    "smoothing", None, "The whole-track post-smoother written into the config "
    "(config.smoothing, baselines.adaptive_gaussian), as key=value pairs of gain, offset, "
    "max_sigma, window, floor, floor_gain, floor_offset, spikes, motion and motion_limit "
    "(launch.tune_smoothing prints them); 'off': none; default: the run's.")
_SELECTION = flags.DEFINE_string(
    "selection", None, "The input selector written into the config (config.selection, "
    "pose_refine.selection): the selection.json of launch.tune_selection, or 'off'; default: "
    "the run's.")
_ONLINE_SELECTION = flags.DEFINE_string(
    "online_selection", None, "The lookahead-0 selector of streams written into the config "
    "(config.online_selection, pose_refine.selection.online_select): the "
    "online_selection.json of launch.tune_online_selection, or 'off'; default: the run's.")
flags.mark_flags_as_required(["workdir", "output"])


def _smoothing(items, current) -> dict:
  """config.smoothing from --smoothing's key=value items ("off": gain 0)."""
  rule = dict(current)
  if items == ["off"]:
    rule["gain"] = rule["floor"] = 0.0
    return rule
  for item in items:
    key, _, value = item.partition("=")
    if key not in rule or not value:
      raise ValueError(f"--smoothing item {item!r}; expected key=value with key one of "
                       f"{sorted(rule)}, or 'off'.")
    rule[key] = int(value) if key == "window" else float(value)
  sizes = (rule["gain"], rule["max_sigma"], rule["floor"], rule["floor_gain"],
           rule["floor_offset"], rule["spikes"], rule["motion"], rule["motion_limit"])
  if not all(value >= 0 for value in sizes) or rule["window"] < 1:  # NaN fails too.
    raise ValueError(f"--smoothing={','.join(items)}: gain, max_sigma, floor, floor_gain, "
                     "floor_offset, spikes, motion and motion_limit must be >= 0, window >= 1.")
  if (rule["floor"] > 0) != (rule["floor_gain"] > 0):
    raise ValueError(f"--smoothing={','.join(items)}: floor {rule['floor']:g} with floor_gain "
                     f"{rule['floor_gain']:g} does nothing; give both, or neither.")
  return rule


def _selection(value, current, online: bool = False) -> dict:
  """config.selection from --selection (a tune_selection.json's rule, or "off"), or with
  `online` config.online_selection from --online_selection (tune_online_selection.json's)."""
  import json  # pylint: disable=g-import-not-at-top

  from pose_refine import selection  # pylint: disable=g-import-not-at-top

  if value == "off":
    return dict(current, coef=[])
  flag, tool = ("online_selection", "tune_online_selection") if online else ("selection",
                                                                              "tune_selection")
  keys = ["features", "mean", "std", "coef", "threshold"]
  try:
    with open(value, encoding="utf-8") as f:
      rule = json.load(f)["rule"]
    if online:
      selection.check(rule, selection.ONLINE_FEATURES)
      keys += ["min_cutoff", "beta", "rate", "level"]
      if not (rule["min_cutoff"] >= 0 and rule["beta"] >= 0 and rule["rate"] > 0):
        raise ValueError("its filter needs min_cutoff >= 0, beta >= 0 and rate > 0")
    else:
      selection.check(rule)
    return {key: rule[key] for key in keys}
  except (OSError, ValueError, KeyError, TypeError) as error:
    raise ValueError(f"--{flag}={value}: not a launch.{tool} output ({error!r}).") from error


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  common.setup()
  from etils import epath  # pylint: disable=g-import-not-at-top

  from pose_refine import checkpointing  # pylint: disable=g-import-not-at-top
  from pose_refine import refiner  # pylint: disable=g-import-not-at-top

  if epath.Path(_OUTPUT.value).exists() and list(epath.Path(_OUTPUT.value).iterdir()):
    sys.exit(f"export: error: {_OUTPUT.value} is not empty; choose a new folder.")
  try:
    model = refiner.Refiner(_WORKDIR.value, deadzone=_DEADZONE.value)
  except checkpointing.CheckpointError as error:
    sys.exit(f"export: error: {error}")
  if _IMPLEMENTATION.value:
    model.config.model.implementation = _IMPLEMENTATION.value
  if _STRIDE.value is not None:
    if not 0 < _STRIDE.value <= model.config.window:
      sys.exit(f"export: error: --stride={_STRIDE.value}; expected 1 to the window "
               f"({model.config.window}).")
    model.config.eval.stride = _STRIDE.value
  if _SMOOTHING.value:
    try:
      model.config.smoothing = _smoothing(_SMOOTHING.value, model.config.smoothing)
    except ValueError as error:
      sys.exit(f"export: error: {error}")
  if _SELECTION.value:
    try:
      model.config.selection = _selection(_SELECTION.value, model.config.selection)
    except ValueError as error:
      sys.exit(f"export: error: {error}")
  if _ONLINE_SELECTION.value:
    try:
      model.config.online_selection = _selection(_ONLINE_SELECTION.value,
                                                 model.config.online_selection, online=True)
    except ValueError as error:
      sys.exit(f"export: error: {error}")
  step = checkpointing.latest_step(_WORKDIR.value)
  checkpointing.export(_OUTPUT.value, step, model.params, model.config)
  print(f"Exported step {step} of {_WORKDIR.value} -> {_OUTPUT.value}")


if __name__ == "__main__":
  app.run(main)
