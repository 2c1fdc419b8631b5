r"""Compares raw input, tuned baselines and trained runs on one split.

python -m launch.report --config=configs/youtube_pose.py:estimator=weak \
    --run=ours=workdirs/ytp_weak --run=smoothnet=workdirs/ytp_weak_mlp \
    --output=workdirs/report_weak

Each --run is NAME=WORKDIR[,WORKDIR...]: the runs' predictions_<split>.npz
(written at the end of training); several workdirs (seeds) are reported as
mean and standard deviation. Baselines are tuned on --tune_split (default
config.eval_split), never on the reported split. Writes report.md,
report.json, curves.png and, for data sets with frames, overlays/*.png
(initial estimate red, corrected yellow, ground truth green).
"""

import os

import numpy as np
from absl import app
from absl import flags
from etils import epath
from ml_collections import config_flags

_CONFIG = config_flags.DEFINE_config_file("config", None, "The data set's config.",
                                          lock_config=True)
_SPLIT = flags.DEFINE_string("split", None, "Split to report (default config.final_eval_split).")
_TUNE_SPLIT = flags.DEFINE_string("tune_split", None, "Split to tune baselines on.")
_RUNS = flags.DEFINE_multi_string(
    "run", [], "NAME=WORKDIR[,WORKDIR...]; NAME has no '=' (WORKDIR may)."
)
_OUTPUT = flags.DEFINE_string("output", None, "Directory for the report.")
_OVERLAYS = flags.DEFINE_integer("overlays", 4, "Overlay images to draw (0: none).")
flags.mark_flags_as_required(["config", "output"])


def _load_predictions(workdir, split, videos):
  path = os.path.join(workdir, f"predictions_{split}.npz")
  if not os.path.exists(path):
    raise app.UsageError(f"{path} not found: train that run with final_eval_split={split}.")
  stored = np.load(path)
  missing = [v["video_id"] for v in videos if v["video_id"] not in stored.files]
  if missing:
    raise app.UsageError(f"{path} lacks videos {missing[:3]}: another data set or split?")
  return [stored[v["video_id"]] for v in videos]


def _mean_and_std(rows):
  mean, std = {}, {}
  for key in rows[0]:
    values = np.array([row[key] for row in rows], np.float64)
    mean[key] = values.mean(0).tolist() if values.ndim > 1 else float(values.mean())
    std[key] = values.std(0).tolist() if values.ndim > 1 else float(values.std())
  return mean, std


def _overlays(videos, methods, config, skeleton, output, count):
  from PIL import Image  # pylint: disable=g-import-not-at-top

  from pose_refine import video  # pylint: disable=g-import-not-at-top

  frames_dir = os.path.join(config.manual_dir, "GT_frames")
  if not count or not os.path.isdir(frames_dir):
    return []
  raw = np.concatenate([v["poses"] for v in videos])
  ours = np.concatenate(methods)
  truth = np.concatenate([v["ground_truth"] for v in videos])
  index = [(v["video_id"], f) for v in videos for f in v["frame_ids"]]
  # Frames with an initial estimate that the refiner improved most.
  raw_error = np.linalg.norm(raw - truth, axis=-1).mean(-1)
  our_error = np.linalg.norm(ours - truth, axis=-1).mean(-1)
  gain = np.where(np.isfinite(raw_error) & np.isfinite(our_error), raw_error - our_error, -np.inf)
  chosen = np.argsort(-gain, kind="stable")[:count]
  (output / "overlays").mkdir(exist_ok=True)
  paths = []
  for k in chosen:
    video, frame = index[k]
    image = Image.open(os.path.join(frames_dir, video, f"frame_{frame:06d}.jpg"))
    drawn = video.draw_overlay(
        image, skeleton,
        [(truth[k], (0, 200, 0)), (raw[k], (230, 30, 30)), (ours[k], (255, 220, 0))],
    )
    path = output / "overlays" / f"{video}_{frame:06d}.png"
    drawn.save(os.fspath(path))
    paths.append(path)
  return paths


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  config = _CONFIG.value
  from pose_refine import evaluation  # pylint: disable=g-import-not-at-top
  from pose_refine import skeletons  # pylint: disable=g-import-not-at-top
  from pose_refine import train  # pylint: disable=g-import-not-at-top

  split = _SPLIT.value or config.final_eval_split
  tune_split = _TUNE_SPLIT.value or config.eval_split
  if tune_split == split:
    raise app.UsageError(f"Tuning baselines on the reported split {split!r} is not allowed.")
  skeleton = skeletons.get_skeleton(config.skeleton)
  videos = train.load_videos(config, split, skeleton)
  tune_videos = train.load_videos(config, tune_split, skeleton)
  normalized = config.dataset.startswith("penn_action")
  output = epath.Path(_OUTPUT.value)
  output.mkdir(parents=True, exist_ok=True)

  results = {"raw": evaluation.score([v["poses"] for v in videos], videos, skeleton, normalized)}
  tuned = evaluation.tune_baselines(tune_videos, skeleton)
  for name, (params, _) in tuned.items():
    refined = evaluation.run_baseline(name, params, videos)
    results[name] = evaluation.score(refined, videos, skeleton, normalized)
  stds, first_run = {}, None
  for spec in _RUNS.value:
    name, _, workdirs = spec.partition("=")
    rows = []
    for workdir in workdirs.split(","):
      predictions = _load_predictions(workdir, split, videos)
      first_run = first_run or predictions
      rows.append(evaluation.score(predictions, videos, skeleton, normalized))
    results[name], stds[name] = _mean_and_std(rows)
    if len(rows) > 1:
      results[name]["seeds"] = len(rows)

  title = f"{config.dataset}:{split}"
  lines = [f"# {title}", ""]
  for threshold in evaluation.REPORT_THRESHOLDS[::-1]:
    lines += [evaluation.paper_table(results, skeleton, threshold), ""]
  lines += ["Errors (pixels; accel in px/frame^2; hardest 1% = frames where the raw input "
            "was worst)", "", evaluation.error_table(results, normalized), ""]
  if any(len(workdirs.split(",")) > 1 for workdirs in _RUNS.value):
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
  (output / "report.md").write_text(text)
  evaluation.write_json(
      {"results": results, "std": stds, "tuned": {k: v[0] for k, v in tuned.items()}},
      output / "report.json",
  )
  evaluation.plot_curves(results, output / "curves.png", title)
  if first_run is not None:
    _overlays(videos, first_run, config, skeleton, output, _OVERLAYS.value)
  print(text)


if __name__ == "__main__":
  app.run(main)
