"""Video frames in and overlay videos out (OpenCV), for refine --video."""

import os
import shutil
import tempfile

import numpy as np

from pose_refine import evaluation

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv")
# The paper's colours: initial estimate red, corrected yellow.
INITIAL, REFINED = (230, 30, 30), (255, 220, 0)


def _frame_files(folder):
  return sorted(f for f in os.listdir(folder) if f.lower().endswith(IMAGE_SUFFIXES))


def frame_count(path: str) -> tuple[int, float]:
  """(frames, frames per second) of a video file or a folder of images.

  Raises:
    FileNotFoundError / ValueError: naming `path` if it cannot be read.
  """
  if not os.path.exists(path):
    raise FileNotFoundError(f"Video {path} does not exist.")
  if os.path.isdir(path):
    files = _frame_files(path)
    if not files:
      raise ValueError(f"Video folder {path} holds no {'/'.join(IMAGE_SUFFIXES)} images.")
    return len(files), 25.0
  import cv2  # pylint: disable=g-import-not-at-top

  capture = cv2.VideoCapture(path)
  if not capture.isOpened():
    raise ValueError(f"Video {path} cannot be opened by OpenCV; convert it to .mp4 or pass a "
                     "folder of frames.")
  fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
  count = 0
  while capture.grab():  # Counting by decoding: container frame counts can be wrong.
    count += 1
  capture.release()
  return count, fps


def read_frames(path: str):
  """Yields RGB uint8 frames of a video file or a folder of images, in order."""
  from PIL import Image  # pylint: disable=g-import-not-at-top

  if os.path.isdir(path):
    for name in _frame_files(path):
      with Image.open(os.path.join(path, name)) as image:
        yield np.asarray(image.convert("RGB"))
    return
  import cv2  # pylint: disable=g-import-not-at-top

  capture = cv2.VideoCapture(path)
  try:
    while True:
      ok, frame = capture.read()
      if not ok:
        return
      yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
  finally:
    capture.release()


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
  from PIL import Image  # pylint: disable=g-import-not-at-top

  output = os.path.abspath(output)
  parent = os.path.dirname(output)
  if not os.path.isdir(parent):
    raise OSError(f"Cannot write {output}: folder {parent} does not exist.")
  as_video = output.lower().endswith(VIDEO_SUFFIXES)
  if not as_video and os.path.exists(output):
    raise OSError(f"Cannot write {output}: it exists; choose a new overlay path or remove it.")
  suffix = os.path.splitext(output)[1] if as_video else ""
  temporary = tempfile.mkdtemp(prefix=os.path.basename(output) + ".tmp-", dir=parent)
  total = layers[0][0].shape[1]
  writer = None
  try:
    for index, frame in enumerate(read_frames(video_path)):
      if index >= total:
        break
      image = evaluation.draw_overlay(
          Image.fromarray(frame), skeleton,
          [(track[index], colour) for poses, colour in layers for track in poses])
      pixels = np.asarray(image)
      if as_video:
        import cv2  # pylint: disable=g-import-not-at-top

        if writer is None:
          height, width = pixels.shape[:2]
          writer = cv2.VideoWriter(os.path.join(temporary, "video" + suffix),
                                   cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
        writer.write(cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
      else:
        image.save(os.path.join(temporary, f"frame_{index:06d}.png"))
      if progress is not None:
        progress(index + 1, total)
    if writer is not None:
      writer.release()
      os.replace(os.path.join(temporary, "video" + suffix), output)
      shutil.rmtree(temporary)
    else:
      os.replace(temporary, output)
  except BaseException:
    if writer is not None:
      writer.release()
    shutil.rmtree(temporary, ignore_errors=True)
    raise
