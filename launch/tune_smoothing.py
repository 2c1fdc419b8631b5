r"""Tunes the whole-track post-smoother (config.smoothing) on the training error family.

python -m launch.tune_smoothing --config=configs/penn_action.py --output=workdirs/tune_smoothing \
    --checkpoint=shipped

The model refines each level's clips once, smoother off (both halves; the
network's output and, where the checkpoint has an input selector, the
selected one); every rule of the grid (baselines.adaptive_gaussian: sigma =
max(clip(gain * (median correction - offset), 0, max_sigma), clip(floor_gain *
(the network's median correction - floor_offset), 0, floor)); where sigma > 0,
baselines.despike before it with spikes > 0 and baselines.motion_adaptive after
it with motion > 0) is then applied to those outputs and scored. The rule kept
is the one with the lowest acceleration error on the tune half, averaged over
the noisy levels, among
those that cost no PCK@0.05 (at no level more than --tolerance below the
unsmoothed model, and not below it averaged over the noisy levels) and do
not move clean input (level 0's mean error at most --clean_tolerance px
above the unsmoothed model's). It is tuned on --family (the
training family by default: the held-out family stays unseen) and written
with its report-half scores on both families to tune_smoothing.json, with
the `launch.export --smoothing=` value that ships it.
"""

import itertools
import json

import numpy as np
from absl import app
from absl import flags
from etils import epath
from ml_collections import config_flags

from launch import common
from pose_refine import baselines
from pose_refine import files
from pose_refine import input_pipeline
from pose_refine import robustness
from pose_refine import skeletons

_CONFIG = config_flags.DEFINE_config_file("config", None, "Data set config.", lock_config=True)
_OUTPUT = flags.DEFINE_string("output", None, "Folder for tune_smoothing.json.")
_CHECKPOINT = flags.DEFINE_string(
    "checkpoint", "shipped", "The model ('shipped': the shipped one); its own smoother is off.")
_FAMILY = flags.DEFINE_enum("family", "train", ["train", "heldout"], "Error family tuned on.")
_LEVELS = flags.DEFINE_list("levels", ["0", "1", "2", "3", "4"], "Error levels (0: clean).")
_GAIN = flags.DEFINE_list("gain", ["20", "40", "60", "80", "100", "120", "160"], "Gain grid.")
_OFFSET = flags.DEFINE_list("offset", ["0", "0.005", "0.01", "0.015", "0.02"], "Offset grid.")
_MAX_SIGMA = flags.DEFINE_list("max_sigma", ["2", "3"], "Largest-sigma grid (frames).")
_FLOOR = flags.DEFINE_list("floor", ["0", "0.5", "0.75", "1"], "Floor-sigma grid (frames).")
_FLOOR_GAIN = flags.DEFINE_list("floor_gain", ["2000"], "Floor-ramp gain grid.")
_FLOOR_OFFSET = flags.DEFINE_list("floor_offset", ["0", "0.0025", "0.005", "0.0075"],
                                  "Floor-ramp offset grid (correction relative to size).")
_SPIKES = flags.DEFINE_list(
    "spikes", ["0", "2", "4"],
    "Spike stage's tolerance grid (units of each joint's noise level; 0: none).")
_MOTION = flags.DEFINE_list(
    "motion", ["0", "1", "2"],
    "Motion-adaptive stage's tolerance grid (units of each joint's noise level; 0: none).")
_MOTION_LIMIT = flags.DEFINE_list(
    "motion_limit", ["0.01", "0.02"],
    "Grid of the motion-adaptive stage's largest tolerance (share of the track's size; 0: none).")
_WINDOW = flags.DEFINE_integer("window", 121, "Frames the correction size is measured over.")
_TOLERANCE = flags.DEFINE_float(
    "tolerance", 0.3, "Most PCK@0.05 (points) a level may lose on the tune half.")
_CLEAN_TOLERANCE = flags.DEFINE_float(
    "clean_tolerance", 0.01, "Most mean error (px) clean input may gain on the tune half (with "
    "level 0 in --levels; 'inf': no limit).")
flags.mark_flags_as_required(["config", "output"])

_METRICS = ("pck@0.05", "pck@0.1", "accel_error", "mean_error")


def _rules() -> list[dict]:
  """The grid's distinct rules, in flag order (a floor without its gain is no floor, and
  without a floor its offset is 0; motion 0 has no limit, and no smoother no stages)."""
  rules = []
  grid = (_GAIN, _OFFSET, _MAX_SIGMA, _FLOOR, _FLOOR_GAIN, _FLOOR_OFFSET, _SPIKES, _MOTION,
          _MOTION_LIMIT)
  for (gain, offset, max_sigma, floor, floor_gain, floor_offset, spikes, motion,
       motion_limit) in itertools.product(
      *(list(dict.fromkeys(float(value) for value in flag.value)) for flag in grid)):
    if (floor > 0) != (floor_gain > 0):
      floor = floor_gain = 0.0
    if floor == 0:
      floor_offset = 0.0
    if motion == 0:
      motion_limit = 0.0
    if gain == 0 and floor == 0:  # No smoother: no stages within it.
      spikes = motion = motion_limit = 0.0
    rule = dict(gain=gain, offset=offset, max_sigma=max_sigma, floor=floor,
                floor_gain=floor_gain, floor_offset=floor_offset, spikes=spikes,
                motion=motion, motion_limit=motion_limit)
    if rule not in rules:
      rules.append(rule)
  return rules


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  common.setup()
  from pose_refine import refiner  # noqa: PLC0415  Loads JAX only when asked.

  config = _CONFIG.value
  skeleton = skeletons.get_skeleton(config.skeleton)
  model = refiner.from_spec(_CHECKPOINT.value + "#smoothing=off#selection=off")
  selector = refiner.from_spec(_CHECKPOINT.value + "#smoothing=off")  # Its select, below.
  videos = input_pipeline.load_videos(config, config.final_eval_split, skeleton)
  levels = [float(level) for level in _LEVELS.value]
  noisy = [level for level in levels if level > 0] or levels
  outputs = {}  # (family, level, half) -> (clips, refined)
  for family in sorted({_FAMILY.value, "heldout", "train"}):
    for level in levels:
      clips = robustness.make_clips(videos, skeleton, family, level)
      for name, half in zip(("tune", "report"), robustness.halves(clips)):
        if name == "tune" and family != _FAMILY.value:
          continue
        network = [model.refine_track(c["poses"], c["confidence"], skeleton) for c in half]
        refined = [selector.select(n, c["poses"], c["confidence"])
                   for c, n in zip(half, network)]
        outputs[(family, level, name)] = (half, network, refined)
    print(f"refined {family} levels {_LEVELS.value}", flush=True)

  def score(rule, family, level, half_name):
    half, network, refined = outputs[(family, level, half_name)]
    if rule is not None:
      refined = [baselines.adaptive_gaussian(p, c["poses"], c["confidence"], window=_WINDOW.value,
                                             network=n, **rule)
                 for c, n, p in zip(half, network, refined)]
    scores = robustness.scores(refined, half)
    return {m: scores[m] for m in _METRICS}

  base = {level: score(None, _FAMILY.value, level, "tune") for level in levels}
  settings, best = [], None
  for rule in _rules():
    tune = {level: score(rule, _FAMILY.value, level, "tune") for level in levels}
    loss = [tune[lv]["pck@0.05"] - base[lv]["pck@0.05"] for lv in levels]
    moved = tune[0.0]["mean_error"] - base[0.0]["mean_error"] if 0.0 in levels else None
    allowed = (min(loss) >= -_TOLERANCE.value
               and np.mean([tune[lv]["pck@0.05"] - base[lv]["pck@0.05"] for lv in noisy]) >= 0
               and (moved is None or moved <= _CLEAN_TOLERANCE.value))
    objective = float(np.mean([tune[lv]["accel_error"] for lv in noisy]))
    settings.append({"rule": rule, "allowed": bool(allowed), "tune_accel": objective,
                     "tune": {str(lv): s for lv, s in tune.items()}})
    print(f"{rule}: tune accel {objective:.3f}, PCK@0.05 change "
          + " / ".join(f"{x:+.2f}" for x in loss)
          + ("" if moved is None else f", clean input moved {moved:+.3f} px")
          + ("" if allowed else " (not allowed)"), flush=True)
    if allowed and (best is None or objective < best["tune_accel"]):
      best = settings[-1]
  if best is None:
    raise SystemExit("tune_smoothing: no rule of the grid keeps PCK@0.05 and clean input; "
                     "widen the grid.")
  rule = best["rule"]
  report = {f"{family}/{lv}": {"smoothed": score(rule, family, lv, "report"),
                               "unsmoothed": score(None, family, lv, "report")}
            for family in ("heldout", "train") for lv in levels}
  export = ",".join(f"{k}={v:g}" for k, v in rule.items()) + f",window={_WINDOW.value}"
  record = {"checkpoint": _CHECKPOINT.value, "family": _FAMILY.value,
            "tolerance": _TOLERANCE.value,
            "clean_tolerance": _CLEAN_TOLERANCE.value if 0.0 in levels else None,
            "best": best, "export": export, "report": report,
            "unsmoothed_tune": {str(lv): s for lv, s in base.items()}, "settings": settings}
  output = epath.Path(_OUTPUT.value)
  output.mkdir(parents=True, exist_ok=True)
  files.write_text(output / "tune_smoothing.json", json.dumps(record, indent=1))
  print(f"best on the {_FAMILY.value} family's tune half: {rule} "
        f"(accel {best['tune_accel']:.3f}); launch.export --smoothing={export}")
  for key, pair in report.items():
    print(f"report half, {key}: smoothed " + ", ".join(
        f"{m} {pair['smoothed'][m]:.2f}" for m in _METRICS) + "; unsmoothed " + ", ".join(
        f"{m} {pair['unsmoothed'][m]:.2f}" for m in _METRICS))


if __name__ == "__main__":
  app.run(main)
