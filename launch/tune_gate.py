r"""Tunes streaming.MotionGate on the tune half of the held-out protocol.

python -m launch.tune_gate --config=configs/penn_action.py --config.data_dir=/work/tfds \
    --output=workdirs/tune_gate --checkpoint=shipped --lookahead=0

The model streams each level's clips once without the gate (both halves, as
launch.online_curve serves them); every gate of the grid is then applied to
those outputs (streaming.apply_gate, equal to a gated stream) and scored.
The gate with the highest PCK@0.05 on the tune half, averaged over
--levels, is printed and written with its report-half scores to
tune_gate.json; every setting's tune-half scores go there too.
"""

import itertools
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
from pose_refine import skeletons

_CONFIG = config_flags.DEFINE_config_file("config", None, "Data set config.", lock_config=True)
_OUTPUT = flags.DEFINE_string("output", None, "Folder for tune_gate.json.")
_CHECKPOINT = flags.DEFINE_string("checkpoint", "shipped", "The model ('shipped': the shipped one).")
_LOOKAHEAD = flags.DEFINE_integer("lookahead", 0, "The stream's lookahead (below the window).")
_LEVELS = flags.DEFINE_list("levels", ["1", "3"], "Held-out error levels averaged over.")
_MIN_CUTOFF = flags.DEFINE_list("min_cutoff", ["1", "3", "10"], "One-Euro min_cutoff grid.")
_BETA = flags.DEFINE_list("beta", ["0.01", "0.1", "0.3"], "One-Euro beta grid.")
_TOLERANCE = flags.DEFINE_list("tolerance", ["0.05", "0.08", "0.12"], "Tolerance grid.")
_MIN_CONFIDENCE = flags.DEFINE_list("min_confidence", ["0.3", "0.5", "0.7"],
                                    "Smallest-confidence grid.")
flags.mark_flags_as_required(["config", "output"])

_METRICS = ("pck@0.05", "pck@0.1", "accel_error")


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  common.setup()
  from pose_refine import refiner  # noqa: PLC0415  Loads JAX only when asked.
  from pose_refine import streaming  # noqa: PLC0415

  config = _CONFIG.value
  skeleton = skeletons.get_skeleton(config.skeleton)
  model = refiner.from_spec(_CHECKPOINT.value)
  videos = input_pipeline.load_videos(config, config.final_eval_split, skeleton)
  halves = {}
  for level in _LEVELS.value:
    clips = robustness.make_clips(videos, skeleton, "heldout", float(level))
    for name, half in zip(("tune", "report"), robustness.halves(clips)):
      plain = streaming.replay(model.stream(_LOOKAHEAD.value, skeleton=skeleton),
                               [(c["poses"], c["confidence"]) for c in half])
      halves[(level, name)] = (half, plain)
      print(f"level {level}, {name} half: model {robustness.scores(plain, half)['pck@0.05']:.2f}",
            flush=True)

  def score(gate, half_name):
    return {level: robustness.scores(
        [streaming.apply_gate(c["poses"], c["confidence"], p, gate) for c, p in zip(*halves[
            (level, half_name)])], halves[(level, half_name)][0]) for level in _LEVELS.value}

  grid = [dict(min_cutoff=float(m), beta=float(b), tolerance=float(t), min_confidence=float(c))
          for m, b, t, c in itertools.product(_MIN_CUTOFF.value, _BETA.value, _TOLERANCE.value,
                                              _MIN_CONFIDENCE.value)]
  settings = []
  for setting in grid:
    scores = score(streaming.MotionGate(**setting), "tune")
    objective = float(np.mean([s["pck@0.05"] for s in scores.values()]))
    settings.append({"gate": setting, "tune_objective": objective,
                     "tune": {lv: {m: s[m] for m in _METRICS} for lv, s in scores.items()}})
    print(f"{setting}: tune PCK@0.05 {objective:.3f}", flush=True)
  best = max(settings, key=lambda s: s["tune_objective"])
  report = score(streaming.MotionGate(**best["gate"]), "report")
  without = {f"{name}/{lv}": {m: v for m, v in robustness.scores(p, h).items() if m in _METRICS}
             for (lv, name), (h, p) in halves.items()}
  record = {"checkpoint": _CHECKPOINT.value, "lookahead": _LOOKAHEAD.value, "best": best,
            "report": {lv: {m: s[m] for m in _METRICS} for lv, s in report.items()},
            "without_gate": without, "settings": settings}
  output = epath.Path(_OUTPUT.value)
  output.mkdir(parents=True, exist_ok=True)
  files.write_text(output / "tune_gate.json", json.dumps(record, indent=1))
  print(f"best on the tune half: {best['gate']} ({best['tune_objective']:.3f})")
  for level in _LEVELS.value:
    print(f"report half, level {level}: gated " + ", ".join(
        f"{m} {report[level][m]:.2f}" for m in _METRICS) + "; without the gate " + ", ".join(
        f"{m} {without['report/' + level][m]:.2f}" for m in _METRICS))


if __name__ == "__main__":
  app.run(main)
