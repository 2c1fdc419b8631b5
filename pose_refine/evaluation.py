"""One harness for every method: raw input, tuned baselines, learned refiners.

Every method gets the same videos and returns one [time, joints, 2] array
per video; `score` computes every metric on them the same way.
"""

import itertools
import json

import numpy as np
from etils import epath

from pose_refine import baselines
from pose_refine import files
from pose_refine import metrics
from pose_refine import skeletons

CURVE_THRESHOLDS = np.arange(0, 20.5, 0.5)
REPORT_THRESHOLDS = (5, 10, 20)


def run_baseline(name: str, params: dict, videos) -> list[np.ndarray]:
  function, _ = baselines.BASELINES[name]
  return [function(v["poses"], v["confidence"], **params) for v in videos]


def tune_baselines(videos, skeleton: skeletons.Skeleton, threshold: float = 20.0):
  """Grid-searches every baseline's parameters on `videos` (a validation split).

  Returns:
    {name: (best params, PCK@threshold Average on `videos`)}; ties go to the
    first setting in grid order.
  """
  truth = np.concatenate([v["ground_truth"] for v in videos])
  valid = np.concatenate([v["ground_truth_valid"] for v in videos])
  tuned = {}
  for name, (_, grid) in baselines.BASELINES.items():
    best = None
    for values in itertools.product(*grid.values()):
      params = dict(zip(grid, values))
      refined = np.concatenate(run_baseline(name, params, videos))
      errors = metrics.joint_errors(refined, truth)
      score = metrics.pck_per_group(errors, valid, threshold, skeleton)["Average"]
      if best is None or score > best[1]:
        best = (params, score)
    tuned[name] = best
  return tuned


def score(predictions, videos, skeleton: skeletons.Skeleton, normalized: bool = False) -> dict:
  """Every metric for one method's predictions on `videos`.

  Returns:
    A flat dict: "pck@T/Group" for T in REPORT_THRESHOLDS, "curve" (PCK at
    CURVE_THRESHOLDS), "mean_error", "accel_error", "hardest1%_error", and
    with `normalized` the per-sequence body-size PCK "pck_box@F".
  """
  truth = np.concatenate([v["ground_truth"] for v in videos])
  valid = np.concatenate([v["ground_truth_valid"] for v in videos])
  raw = np.concatenate([v["poses"] for v in videos])
  joined = np.concatenate(predictions)
  errors = metrics.joint_errors(joined, truth)
  out = {}
  for threshold in REPORT_THRESHOLDS:
    for group, value in metrics.pck_per_group(errors, valid, threshold, skeleton).items():
      out[f"pck@{threshold}/{group}"] = value
  out["curve"] = metrics.pck_curve(errors, valid, CURVE_THRESHOLDS).tolist()
  out["mean_error"] = metrics.mean_error(errors, valid)
  out["missing_%"] = float(100 * np.mean(~np.isfinite(errors[valid.astype(bool)])))
  accel = [
      metrics.acceleration_error(p, v["ground_truth"], v["ground_truth_valid"])
      for p, v in zip(predictions, videos)
  ]
  out["accel_error"] = float(np.nanmean(accel))
  out["hardest1%_error"] = metrics.hardest_frames_error(joined, raw, truth, valid)
  if normalized:
    per_video = [
        metrics.pck_normalized(p, v["ground_truth"], v["ground_truth_valid"])
        for p, v in zip(predictions, videos)
    ]
    for key in per_video[0]:
      out[f"pck_box{key[3:]}"] = float(np.mean([row[key] for row in per_video]))
  return out


def paper_table(results: dict, skeleton: skeletons.Skeleton, threshold: int) -> str:
  """Markdown in the paper's layout: methods as rows, joint groups as columns."""
  columns = list(skeleton.groups) + ["Average"]
  lines = [
      f"PCK@{threshold}px (%)",
      "",
      "| method | " + " | ".join(columns) + " |",
      "|---|" + "---|" * len(columns),
  ]
  for name, row in results.items():
    lines.append(
        f"| {name} | " + " | ".join(f"{row[f'pck@{threshold}/{c}']:.1f}" for c in columns) + " |"
    )
  return "\n".join(lines)


def error_table(results: dict, normalized: bool = False) -> str:
  keys = ["mean_error", "accel_error", "hardest1%_error", "missing_%"]
  if normalized:
    keys = [f"pck_box@{f:g}" for f in (0.05, 0.1, 0.2)] + keys
  lines = [
      "| method | " + " | ".join(keys) + " |",
      "|---|" + "---|" * len(keys),
  ]
  for name, row in results.items():
    lines.append(f"| {name} | " + " | ".join(f"{row[k]:.2f}" for k in keys) + " |")
  return "\n".join(lines)


def plot_curves(results: dict, path, title: str) -> None:
  """PNG of PCK over 0-20 px per method (the paper's Figure 4)."""
  import matplotlib  # pylint: disable=g-import-not-at-top

  matplotlib.use("Agg")
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top

  figure, axes = plt.subplots(figsize=(6, 4.5), dpi=120)
  for name, row in results.items():
    style = "-" if name in ("raw", "ours") else "--"
    axes.plot(CURVE_THRESHOLDS, row["curve"], style, label=name,
              linewidth=2.5 if name == "ours" else 1.5)
  axes.set_xlabel("threshold (pixels)")
  axes.set_ylabel("PCK (%)")
  axes.set_title(title)
  axes.set_xlim(0, 20)
  axes.set_ylim(0, 100)
  axes.grid(alpha=0.3)
  axes.legend(loc="lower right", fontsize=8)
  figure.tight_layout()
  figure.savefig(epath.Path(path), format="png")
  plt.close(figure)


def write_json(results, path) -> None:
  files.write_text(path, json.dumps(results, indent=2, sort_keys=True))
