r"""Fits the estimator error model to real MediaPipe errors on YouTube Pose.

python -m launch.fit_noise --manual_dir=../shared/data/youtube_pose \
    --output=datasets/penn_action/mediapipe_error_model.json

Prints the fit and what it measured; the Penn Action builder simulates its
initial estimates with the written model.
"""

import json

from absl import app
from absl import flags

from datasets.youtube_pose import youtube_pose
from pose_refine import files
from pose_refine import noise
from pose_refine import skeletons

_MANUAL_DIR = flags.DEFINE_string("manual_dir", None, "The YouTube Pose folder.")
_ESTIMATES = flags.DEFINE_string(
    "estimates_file", "mediapipe_full_static.npz", "Estimates under <manual_dir>/estimates."
)
_OUTPUT = flags.DEFINE_string("output", None, "Where to write the model (JSON).")
flags.mark_flags_as_required(["manual_dir", "output"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  videos = youtube_pose.read_videos(_MANUAL_DIR.value, _ESTIMATES.value)
  model, report = noise.fit(list(videos.values()), skeletons.YOUTUBE_POSE)
  document = {
      "source": f"YouTube Pose, all 50 videos, estimates/{_ESTIMATES.value}",
      "command": "python -m launch.fit_noise --manual_dir=../shared/data/youtube_pose "
      f"--estimates_file={_ESTIMATES.value} --output={_OUTPUT.value}",
      "measured": report,
      "model": noise.to_json(model),
  }
  text = json.dumps(document, indent=2) + "\n"
  files.write_text(_OUTPUT.value, text)
  print(text)


if __name__ == "__main__":
  app.run(main)
