r"""Fits the input selector (config.selection) on the training error family.

python -m launch.tune_selection --config=configs/penn_action.py --output=workdirs/tune_selection \
    --checkpoint=shipped

The model refines each level's clips once with its selector and smoother
off. On the tune half of --family (the training family by default: the
held-out family stays unseen), every observed joint with a label is an
example: is the input closer to the truth than the model's output, and by
how much (the difference of the two errors in units of the person's size,
capped at --stake_cap, weights it). pose_refine.selection.fit fits the
logistic regression; the report half of both families is then scored
without and with it, both followed by the checkpoint's own smoother, as
Refiner.refine_track runs them, and with the choice made by the truth (the
closer of the two for every joint: what a perfect selector would reach).
Writes selection.json (the rule, its scores, and the `launch.export
--selection=` value that ships it).
"""

import json

import numpy as np
from absl import app
from absl import flags
from etils import epath
from ml_collections import config_flags

from launch import common
from pose_refine import files
from pose_refine import input_pipeline
from pose_refine import robustness
from pose_refine import selection
from pose_refine import skeletons

_CONFIG = config_flags.DEFINE_config_file("config", None, "Data set config.", lock_config=True)
_OUTPUT = flags.DEFINE_string("output", None, "Folder for selection.json.")
_CHECKPOINT = flags.DEFINE_string(
    "checkpoint", "shipped", "The model ('shipped': the shipped one); its own selector is "
    "replaced, its smoother kept for the report.")
_FAMILY = flags.DEFINE_enum("family", "train", ["train", "heldout"], "Error family fitted on.")
_LEVELS = flags.DEFINE_list("levels", ["0", "1", "2", "3", "4"], "Error levels (0: clean).")
_RATES = flags.DEFINE_list(
    "rates", ["1"], "Frame-rate factors fitted on (at least 0.67: slower tracks are "
    "refined interpolated up, and selected at their own rate after the smoother).")
_THRESHOLD = flags.DEFINE_float(
    "threshold", 0.5, "Probability that the input is closer above which it is kept.")
_STAKE_CAP = flags.DEFINE_float(
    "stake_cap", 0.1, "Largest weight of one example (error difference / person size).")
_L2 = flags.DEFINE_float("l2", 1e-3, "Ridge penalty on the standardised coefficients.")
flags.mark_flags_as_required(["config", "output"])

_METRICS = ("pck@0.05", "pck@0.1", "accel_error", "mean_error")


def _examples(half, refined):
  """The fit's cues, labels and weights from one half's clips and model outputs."""
  parts = []
  for clip, output in zip(half, refined):
    cues = selection.features(output, clip["poses"], clip["confidence"])
    parts.append(selection.examples(*cues, clip, output, _STAKE_CAP.value))
  return tuple(np.concatenate(part) for part in zip(*parts))


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  common.setup()
  from pose_refine import refiner  # noqa: PLC0415  Loads JAX only when asked.

  rates = [float(rate) for rate in _RATES.value]
  if min(rates) < 0.67:
    raise app.UsageError(f"--rates={_RATES.value}: each factor must be at least 0.67.")
  config = _CONFIG.value
  skeleton = skeletons.get_skeleton(config.skeleton)
  model = refiner.from_spec(_CHECKPOINT.value + "#smoothing=off#selection=off")
  smoother = refiner.from_spec(_CHECKPOINT.value + "#selection=off")  # Its smooth, for the report.
  videos = input_pipeline.load_videos(config, config.final_eval_split, skeleton)
  levels = [float(level) for level in _LEVELS.value]
  outputs = {}  # (family, rate, level, half) -> (clips, refined)
  for family in sorted({_FAMILY.value, "heldout", "train"}):
    for rate in rates:
      for level in levels:
        clips = robustness.make_clips(videos, skeleton, family, level, rate)
        for name, half in zip(("tune", "report"), robustness.halves(clips)):
          if name == "tune" and family != _FAMILY.value:
            continue
          refined = [model.refine_track(c["poses"], c["confidence"], skeleton,
                                        fps=model.frame_rate * rate) for c in half]
          outputs[(family, rate, level, name)] = (half, refined)
      print(f"refined {family} errors at rate x{rate:g}, levels {_LEVELS.value}", flush=True)

  examples = [_examples(*outputs[(_FAMILY.value, rate, level, "tune")])
              for rate in rates for level in levels]
  cues, closer, stake = (np.concatenate(parts) for parts in zip(*examples))
  rule = selection.fit(cues, closer, stake, l2=_L2.value, threshold=_THRESHOLD.value)
  print(f"fitted on {len(cues)} joints ({closer.mean():.1%} with the input closer)", flush=True)

  def score(family, rate, level, chooser):
    half, refined = outputs[(family, rate, level, "report")]
    result = []
    for clip, network in zip(half, refined):
      output = network
      if chooser == "selected":
        output = selection.select(output, clip["poses"], clip["confidence"], rule)
      elif chooser == "oracle":
        truth = clip["ground_truth"]
        closer = (np.linalg.norm(np.nan_to_num(clip["poses"]) - truth, axis=-1)
                  < np.linalg.norm(np.nan_to_num(output) - truth, axis=-1))
        keep = selection.choosable(output, clip["poses"], clip["confidence"]) & closer
        output = np.where(keep[..., None], clip["poses"], output)
      result.append(smoother.smooth(output, clip["poses"], clip["confidence"],
                                    fps=model.frame_rate * rate, network=network))
    scores = robustness.scores(result, half)
    return {m: scores[m] for m in _METRICS}

  report = {}
  for family in ("heldout", "train"):
    for rate in rates:
      for level in levels:
        key = f"{family}/rate={rate:g}/level={level:g}"
        report[key] = {name: score(family, rate, level, name)
                       for name in ("unselected", "selected", "oracle")}
        pair = report[key]
        print(f"report half, {key}: " + ", ".join(
            f"{m} {pair['unselected'][m]:.2f} -> {pair['selected'][m]:.2f} "
            f"(oracle {pair['oracle'][m]:.2f})" for m in _METRICS), flush=True)
  output = epath.Path(_OUTPUT.value)
  output.mkdir(parents=True, exist_ok=True)
  path = output / "selection.json"
  record = {"checkpoint": _CHECKPOINT.value, "family": _FAMILY.value, "rates": rates,
            "levels": levels, "examples": int(len(cues)),
            "input_closer": float(closer.mean()), "rule": rule, "report": report,
            "export": f"--selection={path}"}
  files.write_text(path, json.dumps(record, indent=1))
  print(f"wrote {path}; ship it with launch.export --selection={path}")


if __name__ == "__main__":
  app.run(main)
