r"""Fits the lookahead-0 selector (config.online_selection) on the training error family.

python -m launch.tune_online_selection --config=configs/penn_action.py \
    --output=workdirs/tune_online_selection --checkpoint=shipped

A stream at lookahead 0 serves each level's clips once without the selector
(the tune half of --family, the training family by default, and the report
halves of both families). On the tune half, every observed joint with a
label is an example (is the input closer to the truth than the stream's
output, weighted by how much: the difference of the two errors over the
person's size, capped at --stake_cap), and selection.fit fits the logistic
regression on pose_refine.selection.ONLINE_FEATURES. Every setting of the
grid (the threshold; the One-Euro filter over the selected output, none or
each --min_cutoff, and the recent correction above which it applies) is then
scored on the tune half, beside the causal filters of the accuracy-lookahead
curve (One-Euro and the forward Kalman filter, each tuned there for
PCK@0.05 at every --target_levels level). The setting kept has the largest
smallest PCK@0.05 margin over those filters at the target levels among
those with less acceleration error than each of them there (if none has,
the largest margin overall, marked so). Writes online_selection.json: the
rule, every setting's tune-half scores, the report-half scores of both
families without and with the kept setting, and the `launch.export
--online_selection=` value that ships it.
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
from pose_refine import selection
from pose_refine import skeletons

_CONFIG = config_flags.DEFINE_config_file("config", None, "Data set config.", lock_config=True)
_OUTPUT = flags.DEFINE_string("output", None, "Folder for online_selection.json.")
_CHECKPOINT = flags.DEFINE_string(
    "checkpoint", "shipped", "The model ('shipped': the shipped one); its own selectors are off.")
_FAMILY = flags.DEFINE_enum("family", "train", ["train", "heldout"], "Error family fitted on.")
_LEVELS = flags.DEFINE_list("levels", ["0", "1", "2", "3", "4"], "Error levels (0: clean).")
_TARGET_LEVELS = flags.DEFINE_list(
    "target_levels", ["1", "3"], "Levels where the kept setting must beat the causal filters.")
_THRESHOLD = flags.DEFINE_list("threshold", ["0.3", "0.4", "0.5"], "Threshold grid.")
_MIN_CUTOFF = flags.DEFINE_list(
    "min_cutoff", ["0", "3", "10"], "The filter's min_cutoff grid (0: no filter).")
_BETA = flags.DEFINE_float("beta", 0.1, "The filter's beta.")
_LEVEL = flags.DEFINE_list(
    "level", ["0.003", "0.006", "0.01"],
    "Recent-correction grid (units of the person's size) above which the filter applies.")
_STAKE_CAP = flags.DEFINE_float(
    "stake_cap", 0.1, "Largest weight of one example (error difference / person size).")
_L2 = flags.DEFINE_float("l2", 1e-3, "Ridge penalty on the standardised coefficients.")
flags.mark_flags_as_required(["config", "output"])

_METRICS = ("pck@0.05", "pck@0.1", "accel_error", "mean_error")
_FILTERS = ("one_euro", "kalman_fixed_lag")


def _examples(half, refined):
  """The fit's cues, labels and weights from one half's clips and stream outputs."""
  parts = []
  for clip, output in zip(half, refined):
    cues = selection.online_features(output, clip["poses"], clip["confidence"])[:2]
    parts.append(selection.examples(*cues, clip, output, _STAKE_CAP.value))
  return tuple(np.concatenate(part) for part in zip(*parts))


def _grid(fitted, rate) -> list[dict]:
  """Every rule of the grid: the fitted regression with each threshold and filter setting."""
  rules = []
  for threshold, min_cutoff in itertools.product(_THRESHOLD.value, _MIN_CUTOFF.value):
    levels = _LEVEL.value if float(min_cutoff) > 0 else ["0"]
    for level in levels:
      rules.append(dict(fitted, threshold=float(threshold), min_cutoff=float(min_cutoff),
                        beta=_BETA.value if float(min_cutoff) > 0 else 0.0, rate=rate,
                        level=float(level)))
  return rules


def _tuned_filters(half, levels) -> dict:
  """The causal filters' best PCK@0.05 setting per level on `half` (at lookahead 0)."""
  tuned = {}
  for name, (function, grid) in baselines.causal_baselines(0).items():
    if name not in _FILTERS:
      continue
    for level in levels:
      clips = half[level]
      best = None
      for values in itertools.product(*grid.values()):
        setting = dict(zip(grid, values))
        scores = robustness.scores([function(c["poses"], c["confidence"], **setting)
                                    for c in clips], clips)
        if best is None or scores["pck@0.05"] > best[1]["pck@0.05"]:
          best = (setting, scores)
      tuned[(name, level)] = {"setting": best[0], **{m: best[1][m] for m in _METRICS}}
      print(f"{name} at level {level:g} on the tune half: {best[0]}, PCK@0.05 "
            f"{best[1]['pck@0.05']:.2f}, accel {best[1]['accel_error']:.2f}", flush=True)
  return tuned


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  common.setup()
  from pose_refine import refiner  # noqa: PLC0415  Loads JAX only when asked.
  from pose_refine import streaming  # noqa: PLC0415

  levels = [float(level) for level in _LEVELS.value]
  targets = [float(level) for level in _TARGET_LEVELS.value]
  if not set(targets) <= set(levels):
    raise app.UsageError(f"--target_levels={_TARGET_LEVELS.value} must be among --levels.")
  config = _CONFIG.value
  skeleton = skeletons.get_skeleton(config.skeleton)
  model = refiner.from_spec(_CHECKPOINT.value + "#selection=off")
  if skeleton.name != model.skeleton.name:
    raise app.UsageError(f"--config's skeleton {skeleton.name!r} is not the model's "
                         f"({model.skeleton.name!r}): the selector reads the model's joints.")
  videos = input_pipeline.load_videos(config, config.final_eval_split, skeleton)
  outputs = {}  # (family, level, half) -> (clips, stream output)
  for family in sorted({_FAMILY.value, "heldout", "train"}):
    for level in levels:
      clips = robustness.make_clips(videos, skeleton, family, level)
      for name, half in zip(("tune", "report"), robustness.halves(clips)):
        if name == "tune" and family != _FAMILY.value:
          continue
        plain = streaming.replay(model.stream(0, skeleton=skeleton),
                                 [(c["poses"], c["confidence"]) for c in half])
        outputs[(family, level, name)] = (half, plain)
    print(f"streamed {family} errors at levels {_LEVELS.value} (lookahead 0)", flush=True)

  examples = [_examples(*outputs[(_FAMILY.value, level, "tune")]) for level in levels]
  cues, closer, stake = (np.concatenate(parts) for parts in zip(*examples))
  fitted = selection.fit(cues, closer, stake, l2=_L2.value, names=selection.ONLINE_FEATURES)
  print(f"fitted on {len(cues)} joints ({closer.mean():.1%} with the input closer)", flush=True)
  tuned = _tuned_filters({level: outputs[(_FAMILY.value, level, "tune")][0]
                          for level in targets}, targets)

  # The cues depend on the stream's output only: computed once per clip, shared by the grid.
  prepared = {}

  def score(key, rule):
    half, plain = outputs[key]
    if key not in prepared:
      prepared[key] = [selection.online_features(p, c["poses"], c["confidence"])
                       for c, p in zip(half, plain)]
    result = [selection.online_select(p, c["poses"], c["confidence"], rule, cues)
              for c, p, cues in zip(half, plain, prepared[key])]
    scores = robustness.scores(result, half)
    return {m: scores[m] for m in _METRICS}

  settings = []
  for rule in _grid(fitted, model.frame_rate):
    tune = {f"{level:g}": score((_FAMILY.value, level, "tune"), rule) for level in levels}
    margins = [tune[f"{level:g}"]["pck@0.05"] - tuned[(name, level)]["pck@0.05"]
               for level in targets for name in _FILTERS]
    smoother = all(tune[f"{level:g}"]["accel_error"] < tuned[(name, level)]["accel_error"]
                   for level in targets for name in _FILTERS)
    setting = {key: rule[key] for key in ("threshold", "min_cutoff", "beta", "level")}
    settings.append({"setting": setting, "tune": tune, "margin": float(min(margins)),
                     "smoother_than_filters": smoother})
    print(f"{setting}: smallest PCK@0.05 margin over the filters {min(margins):+.2f}, "
          f"{'less' if smoother else 'not less'} jitter than each", flush=True)
  qualified = any(s["smoother_than_filters"] for s in settings)
  best = max((s for s in settings if s["smoother_than_filters"] or not qualified),
             key=lambda s: s["margin"])
  rule = dict(fitted, **best["setting"], rate=model.frame_rate)

  report = {}
  for family in ("heldout", "train"):
    for level in levels:
      key = (family, level, "report")
      half, plain = outputs[key]
      unselected = {m: v for m, v in robustness.scores(plain, half).items() if m in _METRICS}
      report[f"{family}/level={level:g}"] = {"unselected": unselected,
                                             "selected": score(key, rule)}
      pair = report[f"{family}/level={level:g}"]
      print(f"report half, {family} errors, level {level:g}: " + ", ".join(
          f"{m} {pair['unselected'][m]:.2f} -> {pair['selected'][m]:.2f}" for m in _METRICS),
          flush=True)
  output = epath.Path(_OUTPUT.value)
  output.mkdir(parents=True, exist_ok=True)
  path = output / "online_selection.json"
  record = {"checkpoint": _CHECKPOINT.value, "family": _FAMILY.value, "levels": levels,
            "target_levels": targets, "examples": int(len(cues)),
            "input_closer": float(closer.mean()), "qualified": qualified,
            "filters": {f"{name}/level={level:g}": value for (name, level), value in tuned.items()},
            "best": best, "rule": rule, "report": report, "settings": settings,
            "export": f"--online_selection={path}"}
  files.write_text(path, json.dumps(record, indent=1))
  print(f"kept {best['setting']} (smallest margin {best['margin']:+.2f}); wrote {path}; ship it "
        f"with launch.export --online_selection={path}")


if __name__ == "__main__":
  app.run(main)
