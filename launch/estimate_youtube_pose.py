r"""Runs the estimator stage on every YouTube Pose frame (estimator environment).

.venv-estimator/bin/python -m launch.estimate_youtube_pose \
    --manual_dir=../shared/data/youtube_pose --degrade=scale=0.25,blur=1.5,noise=8 \
    --output=datasets/youtube_pose/estimates/mediapipe_degraded.npz

Frame lists come from <manual_dir>/estimates/mediapipe_full_static.npz (its
videonames and frameids, aligned with the .mat order); the output has the same
layout: keypoints (50, 100, 33, 3), videonames, frameids, landmark_names.
"""

import os

import numpy as np
from absl import app
from absl import flags
from absl import logging

from pose_refine import estimator
from pose_refine import frames

_MANUAL_DIR = flags.DEFINE_string("manual_dir", None, "The YouTube Pose folder.")
_OUTPUT = flags.DEFINE_string("output", None, "The .npz to write.")
_DEGRADE = flags.DEFINE_string("degrade", "", "As launch.estimate --degrade.")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the degradation noise.")
_VIDEOS = flags.DEFINE_list("videos", [], "Only these videos (for trying settings).")
flags.mark_flags_as_required(["manual_dir", "output"])


def main(argv):
  del argv
  reference = np.load(os.path.join(_MANUAL_DIR.value, "estimates", "mediapipe_full_static.npz"))
  names = [str(n) for n in reference["videonames"]]
  chosen = [i for i, n in enumerate(names) if not _VIDEOS.value or n in _VIDEOS.value]
  settings = estimator.parse_degrade(_DEGRADE.value)
  keypoints = np.full((len(chosen),) + reference["keypoints"].shape[1:], np.nan, np.float32)
  for row, i in enumerate(chosen):
    files = [f"frame_{f:06d}.jpg" for f in reference["frameids"][i]]
    folder = os.path.join(_MANUAL_DIR.value, "GT_frames", names[i])
    ids, points, _, landmark_names = estimator.estimate(
        frames.read_frames(folder, files), settings, _SEED.value
    )
    position = {f: k for k, f in enumerate(ids)}
    keypoints[row] = points[[position[f] for f in reference["frameids"][i]]]
    logging.info("video %d/%d %s", row + 1, len(chosen), names[i])
  estimator.write_keypoints(
      _OUTPUT.value, keypoints=keypoints, videonames=np.array([names[i] for i in chosen]),
      frameids=reference["frameids"][chosen], landmark_names=np.array(landmark_names),
      estimator=np.array(f"mediapipe_pose model_complexity=1 static_image_mode=True "
                         f"degrade={_DEGRADE.value or 'none'} seed={_SEED.value}"),
  )


if __name__ == "__main__":
  app.run(main)
