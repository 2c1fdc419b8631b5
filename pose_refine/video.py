"""Pose overlays: keypoints drawn on images, and on every frame of a video."""

import os

import numpy as np

from pose_refine import files
from pose_refine import frames

# The paper's colours: initial estimate red, corrected yellow.
INITIAL, REFINED = (230, 30, 30), (255, 220, 0)


def draw_overlay(image, skeleton, layers, radius=3):
  """Draws poses on an RGB image (PIL): layers = [(poses [joints, 2], colour)]."""
  from PIL import ImageDraw  # pylint: disable=g-import-not-at-top

  image = image.convert("RGB")
  draw = ImageDraw.Draw(image)
  for poses, colour in layers:
    finite = np.all(np.isfinite(poses), -1)
    for a, b in skeleton.bones:
      if finite[a] and finite[b]:
        draw.line([tuple(poses[a]), tuple(poses[b])], fill=colour, width=2)
    for j in np.flatnonzero(finite):
      x, y = poses[j]
      draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
  return image


def _overlay_images(video_path, skeleton, layers, total, progress):
  """Yields (index, PIL image) with the layers drawn, for the first `total` frames."""
  from PIL import Image  # pylint: disable=g-import-not-at-top

  for index, (_, frame) in enumerate(frames.read_frames(video_path)):
    if index >= total:
      break
    yield index, draw_overlay(
        Image.fromarray(frame), skeleton,
        [(track[index], colour) for poses, colour in layers for track in poses])
    if progress is not None:
      progress(index + 1, total)


def render_overlay(video_path: str, output: str, skeleton, layers, fps: float,
                   progress=None) -> None:
  """Draws pose layers on every frame and writes a video file or a frame folder.

  Args:
    video_path: the frames (video file or image folder).
    output: a .mp4/.avi/... file, or a folder (any other name) for PNG frames.
    skeleton: the poses' joint set (its bones are drawn).
    layers: [(poses [tracks, frames, joints, 2] with NaN where absent, RGB colour)].
    fps: frames per second of the written video.
    progress: optional callable(done_frames, total_frames).

  The output appears only when complete (written under a temporary name).
  """
  total = layers[0][0].shape[1]
  images = _overlay_images(video_path, skeleton, layers, total, progress)
  if not output.lower().endswith(frames.VIDEO_SUFFIXES):
    with files.atomic_folder(output) as folder:
      for index, image in images:
        image.save(os.path.join(folder, f"frame_{index:06d}.png"))
    return
  import cv2  # pylint: disable=g-import-not-at-top

  with files.atomic_path(output) as temporary:
    writer = None
    try:
      for _, image in images:
        pixels = np.asarray(image)
        if writer is None:
          height, width = pixels.shape[:2]
          writer = cv2.VideoWriter(temporary, cv2.VideoWriter_fourcc(*"mp4v"), fps,
                                   (width, height))
        writer.write(cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
    finally:
      if writer is not None:
        writer.release()
