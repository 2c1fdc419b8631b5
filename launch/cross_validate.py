r"""5-fold cross-validation over all 50 YouTube Pose videos.

python -m launch.cross_validate --config=configs/youtube_pose.py:estimator=weak \
    --workdir=workdirs/ytp_weak_cv

For each fold k: trains `<config>,fold=k` in <workdir>/fold<k> (skipped when
finished), tunes every baseline on the four training folds, and refines fold
k. Reports PCK pooled over all 50 videos (each predicted by the model that
did not see it) and the mean and standard deviation over folds, in
<workdir>/cv.md and cv.json.
"""

import importlib.util
import subprocess
import sys

import numpy as np
from absl import app
from absl import flags
from etils import epath

_CONFIG = flags.DEFINE_string("config", None, "configs/youtube_pose.py:ARGS (without fold).")
_WORKDIR = flags.DEFINE_string("workdir", None, "Root of the fold runs.")
_FOLDS = flags.DEFINE_integer("folds", 5, "Number of folds.")
flags.mark_flags_as_required(["config", "workdir"])


def _load_config(path: str, arg: str):
  module_spec = importlib.util.spec_from_file_location("fold_config", path)
  module = importlib.util.module_from_spec(module_spec)
  module_spec.loader.exec_module(module)
  return module.get_config(arg)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  from pose_refine import evaluation  # pylint: disable=g-import-not-at-top
  from pose_refine import skeletons  # pylint: disable=g-import-not-at-top
  from pose_refine import train  # pylint: disable=g-import-not-at-top

  root = epath.Path(_WORKDIR.value)
  separator = "," if ":" in _CONFIG.value else ":"
  pooled = {}
  per_fold = []
  all_videos = []
  for fold in range(_FOLDS.value):
    spec = f"{_CONFIG.value}{separator}fold={fold}"
    workdir = root / f"fold{fold}"
    if not (workdir / "results.json").exists():
      print(f"fold {fold}: training {spec}", flush=True)
      subprocess.run([sys.executable, "-m", "launch.train", f"--config={spec}",
                      f"--workdir={workdir}"], check=True)
    path, _, arg = spec.partition(":")
    config = _load_config(path, arg)
    skeleton = skeletons.get_skeleton(config.skeleton)
    videos = train.load_videos(config, config.final_eval_split, skeleton)
    tune_videos = train.load_videos(config, config.train_split, skeleton)
    stored = np.load(workdir / f"predictions_{config.final_eval_split}.npz")
    methods = {"raw": [v["poses"] for v in videos]}
    for name, (params, _) in evaluation.tune_baselines(tune_videos, skeleton).items():
      methods[name] = evaluation.run_baseline(name, params, videos)
    methods["ours"] = [stored[v["video_id"]] for v in videos]
    per_fold.append({name: evaluation.score(p, videos, skeleton) for name, p in methods.items()})
    for name, predictions in methods.items():
      pooled.setdefault(name, []).extend(predictions)
    all_videos.extend(videos)
  results = {name: evaluation.score(p, all_videos, skeleton) for name, p in pooled.items()}
  lines = [f"# 5-fold cross-validation, {len(all_videos)} videos: {_CONFIG.value}", ""]
  for threshold in evaluation.REPORT_THRESHOLDS[::-1]:
    lines += [evaluation.paper_table(results, skeleton, threshold), ""]
  lines += ["Average PCK@20 / @10 per fold, mean ± standard deviation over folds:", ""]
  for name in results:
    for threshold in (20, 10):
      values = [fold[name][f"pck@{threshold}/Average"] for fold in per_fold]
      lines.append(f"- {name} @{threshold}px: {np.mean(values):.1f} ± {np.std(values):.1f} "
                   f"({', '.join(f'{v:.1f}' for v in values)})")
  text = "\n".join(lines) + "\n"
  (root / "cv.md").write_text(text)
  evaluation.write_json({"pooled": results, "per_fold": per_fold}, root / "cv.json")
  print(text)


if __name__ == "__main__":
  app.run(main)
