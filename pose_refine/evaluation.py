"""The one harness: any method on a split -> scores, tables, curves and reports.

Methods are the raw input, every classical baseline (tuned on another
split), and trained models (run here, or read back from the predictions a
training run saved). Each gives one [time, joints, 2] array per video;
`evaluate` (raw vs refined, during and after training) and `score` (every
metric, for comparisons) measure them the same way, and the tables here
print every report: a run's results.md, launch.evaluate, launch.report,
launch.cross_validate, launch.sweep and launch.estimator_pck.
"""

import itertools
import json
import os

import jax
import numpy as np
from etils import epath

from pose_refine import baselines
from pose_refine import files
from pose_refine import frames
from pose_refine import inference
from pose_refine import input_pipeline
from pose_refine import metrics
from pose_refine import models
from pose_refine import sharding
from pose_refine import skeletons
from pose_refine import video

CURVE_THRESHOLDS = np.arange(0, 20.5, 0.5)
REPORT_THRESHOLDS = (5, 10, 20)

# Predictions ---------------------------------------------------------------


def ground_truth(videos) -> tuple[np.ndarray, np.ndarray]:
  """All frames of `videos`: ground truth [frames, joints, 2] and its validity."""
  return (np.concatenate([v["ground_truth"] for v in videos]),
          np.concatenate([v["ground_truth_valid"] for v in videos]))


def run_baseline(name: str, params: dict, videos, registry=None) -> list[np.ndarray]:
  """One baseline of `registry` (default: baselines.BASELINES) on every video."""
  function, _ = (registry or baselines.BASELINES)[name]
  return [function(v["poses"], v["confidence"], **params) for v in videos]


def tune_baselines(videos, skeleton: skeletons.Skeleton, threshold: float = 20.0,
                   objective=None, registry=None):
  """Grid-searches every baseline's parameters on `videos` (a validation split).

  Args:
    videos: dicts with "poses", "confidence", "ground_truth", "ground_truth_valid".
    skeleton: their joints (for the default objective).
    threshold: pixels, for the default objective.
    objective: callable(predictions, videos) -> value to maximise; default:
      the PCK@threshold Average.
    registry: name -> (function, grid) (default: baselines.BASELINES).

  Returns:
    {name: (best params, objective on `videos`)}; ties go to the first
    setting in grid order.
  """
  if objective is None:
    truth, valid = ground_truth(videos)

    def objective(predictions, videos):
      errors = metrics.joint_errors(np.concatenate(predictions), truth)
      return metrics.pck_per_group(errors, valid, threshold, skeleton)["Average"]

  tuned = {}
  registry = registry or baselines.BASELINES
  for name, (_, grid) in registry.items():
    best = None
    for values in itertools.product(*grid.values()):
      params = dict(zip(grid, values))
      value = objective(run_baseline(name, params, videos, registry), videos)
      value = -np.inf if np.isnan(value) else value
      if best is None or value > best[1]:
        best = (params, value)
    tuned[name] = best
  return tuned


def raw_and_baselines(videos, tune_videos, skeleton: skeletons.Skeleton):
  """Predictions of the raw input and of every baseline tuned on `tune_videos`.

  Returns:
    ({"raw": [...], name: [...] per baseline}, tune_baselines' result).
  """
  methods = {"raw": [v["poses"] for v in videos]}
  tuned = tune_baselines(tune_videos, skeleton)
  for name, (params, _) in tuned.items():
    methods[name] = run_baseline(name, params, videos)
  return methods, tuned


def best_filter_scores(videos, tune_videos, skeleton: skeletons.Skeleton,
                       thresholds) -> dict:
  """`evaluate`'s scores for the baseline that tunes best on `tune_videos`.

  Every baseline is tuned on `tune_videos` (PCK@20px Average); the one with
  the best tuned value is run on `videos`. Returns its scores with "name" and
  "params".
  """
  tuned = tune_baselines(tune_videos, skeleton)
  name = max(tuned, key=lambda n: tuned[n][1])
  predictions = run_baseline(name, tuned[name][0], videos)
  return {"name": name, "params": tuned[name][0],
          **summary_scores(predictions, videos, thresholds, skeleton)}


def save_predictions(path, videos, predictions) -> None:
  """A method's poses per video id (.npz), for reports that compare runs."""
  with files.atomic_file(path, "wb") as f:
    np.savez_compressed(f, **{v["video_id"]: p for v, p in zip(videos, predictions)})


def load_predictions(workdir, split: str, videos) -> list[np.ndarray]:
  """The predictions a training run saved for `split`, in the order of `videos`.

  Raises:
    FileNotFoundError / ValueError: naming the file if it is missing or lacks a video.
  """
  path = os.path.join(workdir, f"predictions_{split}.npz")
  if not os.path.exists(path):
    raise FileNotFoundError(f"{path} not found: train that run with final_eval_split={split}.")
  stored = np.load(path)
  missing = [v["video_id"] for v in videos if v["video_id"] not in stored.files]
  if missing:
    raise ValueError(f"{path} lacks videos {missing[:3]}: another data set or split?")
  return [stored[v["video_id"]] for v in videos]


# Scores --------------------------------------------------------------------


def pck_scores(errors, valid, thresholds, skeleton: skeletons.Skeleton) -> dict[str, float]:
  """{"pck@T/Group": %} for every threshold T (pixels) and group, "Average" included."""
  out = {}
  for threshold in thresholds:
    for group, value in metrics.pck_per_group(errors, valid, threshold, skeleton).items():
      out[f"pck@{threshold:g}/{group}"] = float(value)
  return out


def evaluate(predict_fn, params, videos, *, config, skeleton, mesh, return_predictions=False):
  """Raw-input vs refined accuracy over whole videos.

  Returns:
    {"raw": {...}, "refined": {...}} with PCK per group at each
    config.eval.pck_thresholds (keys "pck@10/Wrists", ...) and "mean_error";
    with `return_predictions`, also the refined videos.
  """
  refined = inference.refine_videos(
      predict_fn,
      params,
      videos,
      window=config.window,
      stride=config.eval.stride,
      batch_size=config.eval.batch_size,
      mesh=mesh,
      fill_missing=config.fill_missing,
  )
  results = {
      name: summary_scores(predictions, videos, config.eval.pck_thresholds, skeleton)
      for name, predictions in (("raw", [v["poses"] for v in videos]), ("refined", refined))
  }
  return (results, refined) if return_predictions else results


def summary_scores(predictions, videos, thresholds, skeleton: skeletons.Skeleton) -> dict:
  """`evaluate`'s scores of one method's per-video predictions: mean error and PCK@thresholds."""
  truth, valid = ground_truth(videos)
  errors = metrics.joint_errors(np.concatenate(predictions), truth)
  return {"mean_error": metrics.mean_error(errors, valid),
          **pck_scores(errors, valid, thresholds, skeleton)}


def score(predictions, videos, skeleton: skeletons.Skeleton, normalized: bool = False) -> dict:
  """Every metric for one method's predictions on `videos`.

  Returns:
    A flat dict: "pck@T/Group" for T in REPORT_THRESHOLDS, "curve" (PCK at
    CURVE_THRESHOLDS), "mean_error", "accel_error", "hardest1%_error", and
    with `normalized` the per-sequence body-size PCK "pck_box@F".
  """
  truth, valid = ground_truth(videos)
  raw = np.concatenate([v["poses"] for v in videos])
  joined = np.concatenate(predictions)
  errors = metrics.joint_errors(joined, truth)
  out = pck_scores(errors, valid, REPORT_THRESHOLDS, skeleton)
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


def mean_and_std(rows: list[dict]) -> tuple[dict, dict]:
  """Mean and standard deviation over rows (seeds, folds) of every entry."""
  mean, std = {}, {}
  for key in rows[0]:
    values = np.array([row[key] for row in rows], np.float64)
    mean[key] = values.mean(0).tolist() if values.ndim > 1 else float(values.mean())
    std[key] = values.std(0).tolist() if values.ndim > 1 else float(values.std())
  return mean, std


# Tables and figures --------------------------------------------------------


def markdown_table(header, rows) -> str:
  """A markdown table: `header` titles the columns; `rows` are lists of cell texts."""
  lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
  lines += ["| " + " | ".join(row) + " |" for row in rows]
  return "\n".join(lines)


def percent(value: float) -> str:
  """A PCK cell: one decimal; '-' for a group without ground truth (NaN)."""
  return "-" if np.isnan(value) else f"{value:.1f}"


def pck_table(results: dict, skeleton: skeletons.Skeleton, threshold: float) -> str:
  """Methods as rows, joint groups as columns (the paper's layout), PCK@threshold."""
  columns = list(skeleton.groups) + ["Average"]
  return markdown_table(
      ["method"] + columns,
      [[name] + [percent(row[f"pck@{threshold:g}/{c}"]) for c in columns]
       for name, row in results.items()])


def pck_tables(results: dict, skeleton: skeletons.Skeleton) -> list[str]:
  """Report lines: a titled pck_table per REPORT_THRESHOLDS, largest first."""
  lines = []
  for threshold in REPORT_THRESHOLDS[::-1]:
    lines += [f"PCK@{threshold}px (%)", "", pck_table(results, skeleton, threshold), ""]
  return lines


def error_table(results: dict, normalized: bool = False) -> str:
  keys = ["mean_error", "accel_error", "hardest1%_error", "missing_%"]
  if normalized:
    keys = [f"pck_box@{f:g}" for f in (0.05, 0.1, 0.2)] + keys
  return markdown_table(["method"] + keys,
                        [[name] + [f"{row[k]:.2f}" for k in keys] for name, row in results.items()])


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


def draw_overlays(videos, predictions, skeleton, frames_dir: str, output: epath.Path,
                  count: int) -> list[epath.Path]:
  """PNGs of the `count` frames a method improved most over the raw input.

  Ground truth green, initial estimate red, the method yellow; frames are
  read from <frames_dir>/<video id>/frame_<number>.jpg (YouTube Pose's layout).
  """
  from PIL import Image  # pylint: disable=g-import-not-at-top

  if not count or not os.path.isdir(frames_dir):
    return []
  raw = np.concatenate([v["poses"] for v in videos])
  ours = np.concatenate(predictions)
  truth, _ = ground_truth(videos)
  index = [(v["video_id"], f) for v in videos for f in v["frame_ids"]]
  # Frames with an initial estimate that the refiner improved most.
  raw_error = np.linalg.norm(raw - truth, axis=-1).mean(-1)
  our_error = np.linalg.norm(ours - truth, axis=-1).mean(-1)
  gain = np.where(np.isfinite(raw_error) & np.isfinite(our_error), raw_error - our_error, -np.inf)
  chosen = np.argsort(-gain, kind="stable")[:count]
  (output / "overlays").mkdir(exist_ok=True)
  paths = []
  for k in chosen:
    video_id, frame = index[k]
    [(_, image)] = frames.read_frames(os.path.join(frames_dir, video_id),
                                      [f"frame_{frame:06d}.jpg"])
    drawn = video.draw_overlay(
        Image.fromarray(image), skeleton,
        [(truth[k], (0, 200, 0)), (raw[k], video.INITIAL), (ours[k], video.REFINED)],
    )
    path = output / "overlays" / f"{video_id}_{frame:06d}.png"
    with files.atomic_file(path, "wb") as f:
      drawn.save(f, format="png")
    paths.append(path)
  return paths


# Reports -------------------------------------------------------------------


def write_json(results, path) -> None:
  files.write_text(path, json.dumps(results, indent=2, sort_keys=True))


def write_report(results, config, skeleton, split, path_prefix) -> str:
  """Prints raw-vs-refined tables (see `evaluate`) and writes <prefix>.md and .json."""
  methods = {"raw": results["raw"]}
  if "best_filter" in results:
    methods[f"best filter ({results['best_filter']['name']})"] = results["best_filter"]
  methods["refined"] = results["refined"]
  tables = [
      f"PCK@{threshold:g}px on {config.dataset}:{split} (%)\n"
      + pck_table(methods, skeleton, threshold)
      for threshold in config.eval.pck_thresholds
  ]
  summary = "\n\n".join(tables) + (
      "\n\nMean error (px, over joints each method reports): " + ", ".join(
          f"{name} {values['mean_error']:.2f}" for name, values in methods.items()) + "\n")
  if "best_filter" in results:
    summary += (f"(best filter: tuned on {config.eval_split}, "
                f"{results['best_filter']['params']})\n")
  path_prefix = epath.Path(path_prefix)
  write_json(results, path_prefix.with_suffix(".json"))
  files.write_text(path_prefix.with_suffix(".md"), summary)
  print(summary, flush=True)
  return summary


def evaluate_checkpoint(config, workdir, split: str) -> dict:
  """Scores the latest checkpoint under `workdir` on `split` (raw vs refined).

  Writes <workdir>/eval_<dataset>_<split>.md and .json ("/" becomes "_").
  """
  workdir = epath.Path(workdir)
  skeleton = skeletons.get_skeleton(config.skeleton)
  mesh = sharding.make_mesh()
  model = models.create_model(config, skeleton)
  params = inference.load_params(model, mesh, config.window, skeleton.num_joints, workdir)
  videos = input_pipeline.load_videos(config, split, skeleton)
  results = evaluate(inference.make_predict_fn(model, mesh), params, videos,
                     config=config, skeleton=skeleton, mesh=mesh)
  if jax.process_index() == 0:
    name = f"eval_{config.dataset}_{split}".replace("/", "_")
    write_report(results, config, skeleton, split, workdir / name)
  return results


def compare(config, *, split: str, tune_split: str, runs: dict, output, overlays: int,
            refiners: dict | None = None) -> str:
  """Raw input, tuned baselines and trained runs on one split: report.md/json, curves.png.

  Args:
    config: the data set's config.
    split: the split to report.
    tune_split: where the baselines are tuned (not `split`).
    runs: {name: [workdir, ...]}; several workdirs (seeds) give mean and std.
    output: folder for the report (created).
    overlays: how many overlay images of the first run to draw (0: none).
    refiners: {name: refine(video) -> [time, joints, 2]}: models that refine
      the split here (e.g. a refiner.Refiner in the config's joints, trained
      on anything); a video without any joint they use keeps its input.

  Returns:
    The report's text.
  """
  if tune_split == split:
    raise ValueError(f"Tuning baselines on the reported split {split!r} is not allowed.")
  skeleton = skeletons.get_skeleton(config.skeleton)
  videos = input_pipeline.load_videos(config, split, skeleton)
  tune_videos = input_pipeline.load_videos(config, tune_split, skeleton)
  normalized = config.dataset.startswith("penn_action")
  output = epath.Path(output)
  output.mkdir(parents=True, exist_ok=True)

  methods, tuned = raw_and_baselines(videos, tune_videos, skeleton)
  results = {name: score(p, videos, skeleton, normalized) for name, p in methods.items()}
  stds, first_run = {}, None
  for name, workdirs in runs.items():
    rows = []
    for workdir in workdirs:
      predictions = load_predictions(workdir, split, videos)
      first_run = first_run or predictions
      rows.append(score(predictions, videos, skeleton, normalized))
    results[name], stds[name] = mean_and_std(rows)
    if len(rows) > 1:
      results[name]["seeds"] = len(rows)
  for name, refine in (refiners or {}).items():
    predictions = [
        refine(video) if skeletons.observed(video["poses"], video["confidence"]).any()
        else video["poses"] for video in videos]
    first_run = first_run or predictions
    results[name] = score(predictions, videos, skeleton, normalized)

  title = f"{config.dataset}:{split}"
  lines = [f"# {title}", ""] + pck_tables(results, skeleton)
  lines += ["Errors (pixels; accel in px/frame^2; hardest 1% = frames where the raw input "
            "was worst)", "", error_table(results, normalized), ""]
  if any(len(workdirs) > 1 for workdirs in runs.values()):
    lines += ["Standard deviation over seeds of Average PCK@20/10/5:", ""]
    for name, std in stds.items():
      if results[name].get("seeds", 1) > 1:
        lines.append(f"- {name} ({results[name]['seeds']} seeds): " + ", ".join(
            f"{std[f'pck@{t}/Average']:.2f}" for t in (20, 10, 5)))
    lines.append("")
  lines += [f"Baselines tuned on {config.dataset}:{tune_split} (PCK@20 Average there):", ""]
  for name, (params, tuned_score) in tuned.items():
    lines.append(f"- {name}: {params} ({tuned_score:.1f}%)")
  text = "\n".join(lines) + "\n"
  files.write_text(output / "report.md", text)
  write_json({"results": results, "std": stds, "tuned": {k: v[0] for k, v in tuned.items()}},
             output / "report.json")
  plot_curves(results, output / "curves.png", title)
  if first_run is not None:
    draw_overlays(videos, first_run, skeleton, os.path.join(config.manual_dir, "GT_frames"),
                  output, overlays)
  return text


def cross_validation(folds, title: str, output) -> str:
  """Pooled and per-fold scores of k-fold cross-validation: cv.md and cv.json.

  Args:
    folds: [(config, workdir)] per fold; each run saved its predictions on
      config.final_eval_split (the held-out fold), and baselines are tuned on
      its config.train_split.
    title: the report's heading.
    output: the folder to write to.

  Returns:
    The report's text.
  """
  pooled, per_fold, all_videos = {}, [], []
  for config, workdir in folds:
    skeleton = skeletons.get_skeleton(config.skeleton)
    videos = input_pipeline.load_videos(config, config.final_eval_split, skeleton)
    tune_videos = input_pipeline.load_videos(config, config.train_split, skeleton)
    methods, _ = raw_and_baselines(videos, tune_videos, skeleton)
    methods["ours"] = load_predictions(workdir, config.final_eval_split, videos)
    per_fold.append({name: score(p, videos, skeleton) for name, p in methods.items()})
    for name, predictions in methods.items():
      pooled.setdefault(name, []).extend(predictions)
    all_videos.extend(videos)
  results = {name: score(p, all_videos, skeleton) for name, p in pooled.items()}
  lines = [f"# {len(folds)}-fold cross-validation, {len(all_videos)} videos: {title}", ""]
  lines += pck_tables(results, skeleton)
  lines += ["Average PCK@20 / @10 per fold, mean ± standard deviation over folds:", ""]
  for name in results:
    for threshold in (20, 10):
      values = [fold[name][f"pck@{threshold}/Average"] for fold in per_fold]
      lines.append(f"- {name} @{threshold}px: {np.mean(values):.1f} ± {np.std(values):.1f} "
                   f"({', '.join(f'{v:.1f}' for v in values)})")
  text = "\n".join(lines) + "\n"
  files.write_text(epath.Path(output) / "cv.md", text)
  write_json({"pooled": results, "per_fold": per_fold}, epath.Path(output) / "cv.json")
  return text
