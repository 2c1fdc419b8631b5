r"""Raw input, tuned filters and trained refiners under the accuracy protocol.

python -m launch.robustness --config=configs/penn_action.py --output=workdirs/robustness \
    --models=shipped=shipped,robust_s0=workdirs/robust_s0 --levels=0,1,2,3,4 --rates=1

Clips of `config.final_eval_split` are corrupted by each error family at each
level (pose_refine/robustness.py): filters are tuned on the even clips and
every method is scored on the odd ones. Models whose names differ only by a
"_s<seed>" suffix are reported as mean and standard deviation over seeds.
Writes robustness.json (every score and tuned setting), robustness.md (the
tables) and robustness.png (PCK@0.05 and acceleration error against level).
Tuned filter settings are kept in robustness.json and reused on a rerun.
"""

import json
import re

import numpy as np
from absl import app
from absl import flags
from etils import epath
from ml_collections import config_flags

from launch import common
from pose_refine import baselines
from pose_refine import evaluation
from pose_refine import files
from pose_refine import input_pipeline
from pose_refine import robustness
from pose_refine import skeletons

_CONFIG = config_flags.DEFINE_config_file("config", None, "Data set config.", lock_config=True)
_OUTPUT = flags.DEFINE_string("output", None, "Folder for robustness.{json,md,png}.")
_MODELS = flags.DEFINE_list(
    "models", ["shipped=shipped"],
    "name=checkpoint pairs; 'shipped' is the shipped model; name=checkpoint#deadzone=D "
    "sets the refiner's deadzone (models.shrink_corrections).")
_FAMILIES = flags.DEFINE_list("families", ["heldout", "train"], "Error families.")
_LEVELS = flags.DEFINE_list("levels", ["0", "1", "2", "3", "4"], "Error levels (0 to 4).")
_RATES = flags.DEFINE_list("rates", ["1"], "Frame-rate factors (2: 30 -> 60 fps).")
_SPLIT = flags.DEFINE_string("split", None, "Split (default: config.final_eval_split).")
_WRONG_JOINT = flags.DEFINE_string(
    "wrong_joint", "left_wrist",
    "Also measure how this joint reported 100 px off at confidence 0.9 for 30 frames moves "
    "the other joints (clean and mild held-out input); '' to skip.")
_ABSENT = flags.DEFINE_list(
    "absent", [],
    "Joints taken out of every clip's estimates and labels, e.g. the lower body "
    "(right_hip,left_hip,right_knee,left_knee,right_ankle,left_ankle): upper-body framing.")
_TELL_FPS = flags.DEFINE_float(
    "tell_fps", 0.0,
    "The clips' frame rate at rate factor 1 (Penn Action: 30), passed to the models times "
    "each rate (Refiner.refine_track(fps=)); 0: the models are not told.")
flags.mark_flags_as_required(["config", "output"])

_SEED = re.compile(r"_s\d+$")



def _refiners() -> dict:
  from pose_refine import refiner  # noqa: PLC0415  Loads JAX only when asked.

  return {name: refiner.from_spec(spec)
          for name, _, spec in (item.partition("=") for item in _MODELS.value)}


def _models(refiners: dict, skeleton, fps=None) -> dict:
  """name -> refine(poses, confidence); with `fps`, the models are told the clips' rate."""
  return {name: (lambda m: lambda p, c: m.refine_track(p, c, skeleton, fps=fps))(model)
          for name, model in refiners.items()}


def summarize(conditions: dict) -> dict:
  """Per condition and method group: mean and std of each metric over seeds."""
  out = {}
  for key, results in conditions.items():
    groups = {}
    for name, values in results["scores"].items():
      groups.setdefault(_SEED.sub("", name), []).append(values)
    out[key] = {}
    for group, runs in groups.items():
      mean, std = evaluation.mean_and_std([{m: run[m] for m in robustness.METRICS}
                                           for run in runs])
      out[key][group] = {m: (mean[m], std[m], len(runs)) for m in robustness.METRICS}
  return out


_LABELS = {"pck@0.05": "PCK@0.05 (%)", "pck@0.1": "PCK@0.1 (%)", "mean_error": "mean error (px)",
           "accel_error": "acceleration error (px/frame^2)",
           "missing": "joints without a prediction (%)"}


def markdown(conditions: dict, summary: dict) -> str:
  """Per family and frame rate, one table per metric: methods by level (mean ± std over seeds)."""
  panels = {}
  for key in summary:
    family, rate, level = key.split("/")
    panels.setdefault((family, rate), []).append((float(level.split("=")[1]), key))
  parts = []
  for (family, rate), levels in panels.items():
    levels.sort()
    best = ", ".join(f"{level:g}: {conditions[key]['scores']['best_filter']['name']}"
                     for level, key in levels)
    parts.append(f"### {family} errors, frame rate x{rate.split('=')[1]} "
                 f"(best filter by level, chosen on the tune half: {best})\n")
    methods = list(summary[levels[0][1]])
    for metric in robustness.METRICS:
      rows = []
      for method in methods:
        cells = []
        for _, key in levels:
          mean, std, runs = summary[key].get(method, {}).get(metric, (np.nan, 0.0, 0))
          cells.append(f"{mean:.2f} ± {std:.2f}" if runs > 1 else f"{mean:.2f}")
        runs = summary[levels[0][1]][method][metric][2]
        rows.append([f"{method} ({runs} seeds)" if runs > 1 else method] + cells)
      header = [_LABELS[metric]] + [f"level {level:g}" for level, _ in levels]
      parts.append(evaluation.markdown_table(header, rows) + "\n")
  stuck = {k: v["effects"] for k, v in conditions.items() if "effects" in v}
  if stuck:
    names = list(next(iter(stuck.values())))
    rows = [[name] + [f"{e[name]['mean']:.2f} (max {e[name]['max']:.2f})" for e in stuck.values()]
            for name in names]
    parts.append("### One joint held off, the others' added mean error (px, mean over clips "
                 "(max))\n\n" + evaluation.markdown_table(["model"] + list(stuck), rows) + "\n")
  return "\n".join(parts)


def plot(summary: dict, path, methods) -> None:
  import matplotlib  # noqa: PLC0415

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt  # noqa: PLC0415

  series = {}
  for key, groups in summary.items():
    family, rate, level = key.split("/")
    for method in methods:
      if method in groups:
        series.setdefault((family, rate, method), []).append(
            (float(level.split("=")[1]), groups[method]["pck@0.05"][0],
             groups[method]["accel_error"][0]))
  panels = sorted({(f, r) for f, r, _ in series})
  figure, axes = plt.subplots(2, len(panels), figsize=(4.5 * len(panels), 7), squeeze=False)
  for column, (family, rate) in enumerate(panels):
    for method in methods:
      points = sorted(series.get((family, rate, method), []))
      if not points:
        continue
      levels, pck, accel = zip(*points)
      axes[0, column].plot(levels, pck, "o-", label=method)
      axes[1, column].plot(levels, accel, "o-", label=method)
    axes[0, column].set_title(f"{family} errors, frame rate x{rate.split('=')[1]}")
    axes[0, column].set_ylabel("PCK@0.05 (%)")
    axes[1, column].set_ylabel("acceleration error (px/frame²)")
    axes[1, column].set_xlabel("error level\n(0 clean, 1 mild, 2 medium, 3 hard, 4 very hard)")
    axes[0, column].legend(fontsize=8)
  figure.tight_layout()
  figure.savefig(path, dpi=110)


def main(argv):
  del argv
  common.setup()
  config = _CONFIG.value
  skeleton = skeletons.get_skeleton(config.skeleton)
  split = _SPLIT.value or config.final_eval_split
  videos = input_pipeline.load_videos(config, split, skeleton)
  output = epath.Path(_OUTPUT.value)
  output.mkdir(parents=True, exist_ok=True)
  record = output / "robustness.json"
  previous = json.loads(record.read_text()) if record.exists() else {}
  refiners = _refiners()
  models = _models(refiners, skeleton)
  conditions = {}
  for family in _FAMILIES.value:
    for rate in _RATES.value:
      for level in _LEVELS.value:
        label = f"{family}, without {len(_ABSENT.value)} joints" if _ABSENT.value else family
        key = f"{label}/rate={float(rate):g}/level={float(level):g}"
        clips = robustness.make_clips(videos, skeleton, family, float(level), float(rate),
                                      absent=_ABSENT.value)
        # Filters tuned by an earlier run on the same clips and grids are reused.
        fingerprint = [config.dataset, split, len(clips),
                       {name: grid for name, (_, grid) in baselines.BASELINES.items()}]
        cached = previous.get(key, {})
        tuned = cached.get("tuned") if cached.get("fingerprint") == fingerprint else None
        tuned = {k: tuple(v) for k, v in tuned.items()} if tuned else None
        told = _TELL_FPS.value * float(rate) or None
        scores, tuned = robustness.compare(clips, _models(refiners, skeleton, told), tuned)
        conditions[key] = {"tuned": tuned, "scores": scores, "fingerprint": fingerprint}
        print(f"{key}: " + ", ".join(
            f"{name} {values['pck@0.05']:.1f}" for name, values in scores.items()), flush=True)
  if _WRONG_JOINT.value:
    joint = skeleton.index(_WRONG_JOINT.value)
    for level in (0.0, 1.0):
      clips = robustness.halves(robustness.make_clips(videos, skeleton, "heldout", level))[1]
      effects = {name: robustness.offset_joint_effect(refine, clips, joint)
                 for name, refine in models.items()}
      conditions[f"wrong {_WRONG_JOINT.value}/level={level:g}"] = {"effects": effects}
      print(f"wrong {_WRONG_JOINT.value}, level {level:g}: " + ", ".join(
          f"{n} {e['mean']:.2f} (max {e['max']:.2f}) px" for n, e in effects.items()))
  summary = summarize({k: v for k, v in conditions.items() if "scores" in v})
  # Conditions of earlier runs that this one did not redo stay in the record.
  files.write_text(record, json.dumps(previous | conditions, indent=1))
  files.write_text(output / "robustness.md", markdown(conditions, summary))
  names = ["raw", "best_filter"] + sorted({_SEED.sub("", m) for m in models})
  plot(summary, output / "robustness.png", names)
  print(markdown(conditions, summary))


if __name__ == "__main__":
  app.run(main)
