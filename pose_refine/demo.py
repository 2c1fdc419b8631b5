"""A synthetic clip to refine, with no download: frames of a moving figure and its noisy keypoints.

The figure is drawn from the synthetic data set's motion model (grey limbs on
a light background) and the keypoints carry that data set's simulated
estimator errors (jitter, outliers, left/right swaps, misses), as
[frames, 13, 3] (x, y, confidence; Penn Action's joints).
"""

import os

import numpy as np

from pose_refine import noise
from pose_refine import synthetic


def write_clip(frames_dir: str, keypoints_path: str, length: int = 120, seed: int = 3) -> str:
  """Writes PNG frames, the noisy keypoints (.npy) and the ground truth beside them.

  Args:
    frames_dir: folder for the frames (created).
    keypoints_path: the noisy keypoints file (.npy); the ground truth goes to
      <name>_truth.npy beside it.
    length: frames.
    seed: which clip.

  Returns:
    A one-line summary of what was written.
  """
  from PIL import Image  # pylint: disable=g-import-not-at-top
  from PIL import ImageDraw  # pylint: disable=g-import-not-at-top

  rng = np.random.default_rng([seed, 11])
  truth, torso = synthetic.generate_motion(rng, length)
  estimates, confidence = noise.corrupt(
      truth, torso, synthetic.SKELETON, noise.EstimatorErrorModel(), rng,
      frame_size=synthetic.FRAME_SIZE,
  )
  os.makedirs(frames_dir, exist_ok=True)
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
    image.save(os.path.join(frames_dir, f"frame_{t:05d}.png"))
  np.save(keypoints_path, np.concatenate([estimates, confidence[..., None]], -1))
  np.save(os.path.splitext(keypoints_path)[0] + "_truth.npy", truth)
  return (f"{length} frames -> {frames_dir}; keypoints -> {keypoints_path} "
          f"(ground truth beside it, *_truth.npy)")
