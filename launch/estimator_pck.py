r"""PCK of the raw estimator settings on YouTube Pose, per joint group.

python -m launch.estimator_pck --manual_dir=../shared/data/youtube_pose

Prints a markdown table: strong and weak estimates, on all 50 videos and on
the 5-video Subset, at 5, 10 and 20 pixels.
"""

import numpy as np
from absl import app
from absl import flags

from datasets.youtube_pose import youtube_pose
from pose_refine import metrics
from pose_refine import skeletons

_MANUAL_DIR = flags.DEFINE_string("manual_dir", None, "The YouTube Pose folder.")
flags.mark_flags_as_required(["manual_dir"])

SETTINGS = {"strong": "mediapipe_full_static.npz", "weak": "mediapipe_degraded.npz"}


def table(manual_dir: str) -> str:
  skeleton = skeletons.YOUTUBE_POSE
  columns = list(skeleton.groups) + ["Average"]
  lines = [
      "| estimator | videos | threshold (px) | " + " | ".join(columns) + " |",
      "|---|---|---|" + "---|" * len(columns),
  ]
  for setting, file_name in SETTINGS.items():
    videos = youtube_pose.read_videos(manual_dir, file_name)
    names = sorted(videos)
    for label, members in (
        ("all 50", names),
        ("Subset (5)", [n for n in names if n in youtube_pose.SUBSET]),
    ):
      errors = metrics.joint_errors(
          np.concatenate([videos[n]["poses"] for n in members]),
          np.concatenate([videos[n]["ground_truth"] for n in members]),
      )
      valid = np.concatenate([videos[n]["ground_truth_valid"] for n in members])
      for threshold in (5, 10, 20):
        row = metrics.pck_per_group(errors, valid, threshold, skeleton)
        lines.append(
            f"| {setting} | {label} | {threshold} | "
            + " | ".join(f"{row[c]:.1f}" for c in columns) + " |"
        )
  return "\n".join(lines)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  print(table(_MANUAL_DIR.value))


if __name__ == "__main__":
  app.run(main)
