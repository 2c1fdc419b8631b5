r"""Writes a synthetic clip to refine: frames of a moving figure and its noisy keypoints.

python -m launch.render_synthetic --frames=/tmp/demo/frames --keypoints=/tmp/demo/noisy.npy
python -m launch.refine --input=/tmp/demo/noisy.npy --output=/tmp/demo/refined.npy \
    --video=/tmp/demo/frames --overlay=/tmp/demo/overlay.mp4

No download: the figure is drawn from the synthetic data set's motion model
(grey limbs on a light background) and the keypoints carry that data set's
simulated estimator errors (jitter, outliers, left/right swaps, misses), as
[frames, 13, 3] (x, y, confidence; Penn Action's joints).
"""

import os

import numpy as np
from absl import app
from absl import flags

_FRAMES = flags.DEFINE_string("frames", None, "Folder to write the PNG frames to (created).")
_KEYPOINTS = flags.DEFINE_string("keypoints", None, "The noisy keypoints file (.npy).")
_LENGTH = flags.DEFINE_integer("length", 120, "Frames.")
_SEED = flags.DEFINE_integer("seed", 3, "Which clip.")
flags.mark_flags_as_required(["frames", "keypoints"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  from PIL import Image  # pylint: disable=g-import-not-at-top
  from PIL import ImageDraw  # pylint: disable=g-import-not-at-top

  from pose_refine import noise  # pylint: disable=g-import-not-at-top
  from pose_refine import synthetic  # pylint: disable=g-import-not-at-top

  rng = np.random.default_rng([_SEED.value, 11])
  truth, torso = synthetic.generate_motion(rng, _LENGTH.value)
  estimates, confidence = noise.corrupt(
      truth, torso, synthetic.SKELETON, noise.EstimatorErrorModel(), rng,
      frame_size=synthetic.FRAME_SIZE,
  )
  os.makedirs(_FRAMES.value, exist_ok=True)
  skeleton = synthetic.SKELETON
  neck = skeleton.index("left_shoulder"), skeleton.index("right_shoulder")
  hips = skeleton.index("left_hip"), skeleton.index("right_hip")
  for t, pose in enumerate(truth):
    image = Image.new("RGB", synthetic.FRAME_SIZE, (236, 236, 230))
    draw = ImageDraw.Draw(image)
    width = max(4, int(torso[t] * 0.18))
    lines = list(skeleton.bones) + [(neck[0], hips[0]), (neck[1], hips[1])]
    for a, b in lines:
      draw.line([tuple(pose[a]), tuple(pose[b])], fill=(150, 150, 160), width=width)
    head, radius = pose[skeleton.index("head")], torso[t] * 0.22
    draw.ellipse([head[0] - radius, head[1] - radius, head[0] + radius, head[1] + radius],
                 fill=(150, 150, 160))
    image.save(os.path.join(_FRAMES.value, f"frame_{t:05d}.png"))
  np.save(_KEYPOINTS.value, np.concatenate([estimates, confidence[..., None]], -1))
  np.save(os.path.splitext(_KEYPOINTS.value)[0] + "_truth.npy", truth)
  print(f"{_LENGTH.value} frames -> {_FRAMES.value}; keypoints -> {_KEYPOINTS.value} "
        f"(ground truth beside it, *_truth.npy)")


if __name__ == "__main__":
  app.run(main)
