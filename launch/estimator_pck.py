r"""PCK of the raw estimator settings on YouTube Pose, per joint group.

python -m launch.estimator_pck --manual_dir=../shared/data/youtube_pose

Prints a markdown table: strong and weak estimates, on all 50 videos and on
the 5-video Subset, at 5, 10 and 20 pixels.
"""

import numpy as np
from absl import app
from absl import flags

from datasets.youtube_pose import youtube_pose
from pose_refine import evaluation
from pose_refine import metrics
from pose_refine import skeletons

_MANUAL_DIR = flags.DEFINE_string("manual_dir", None, "The YouTube Pose folder.")
flags.mark_flags_as_required(["manual_dir"])

SETTINGS = {"strong": "mediapipe_full_static.npz", "weak": "mediapipe_degraded.npz"}


def table(manual_dir: str) -> str:
  skeleton = skeletons.YOUTUBE_POSE
  columns = list(skeleton.groups) + ["Average"]
  rows = []
  for setting, file_name in SETTINGS.items():
    videos = youtube_pose.read_videos(manual_dir, file_name)
    names = sorted(videos)
    for label, members in (
        ("all 50", names),
        ("Subset (5)", [n for n in names if n in youtube_pose.SUBSET]),
    ):
      chosen = [videos[n] for n in members]
      truth, valid = evaluation.ground_truth(chosen)
      errors = metrics.joint_errors(np.concatenate([v["poses"] for v in chosen]), truth)
      scores = evaluation.pck_scores(errors, valid, evaluation.REPORT_THRESHOLDS, skeleton)
      for threshold in evaluation.REPORT_THRESHOLDS:
        rows.append([setting, label, str(threshold)] + [
            evaluation.percent(scores[f"pck@{threshold}/{c}"]) for c in columns])
  return evaluation.markdown_table(["estimator", "videos", "threshold (px)"] + columns, rows)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  print(table(_MANUAL_DIR.value))


if __name__ == "__main__":
  app.run(main)
