"""Video frames in: a video file or a folder of images, and frame numbers.

numpy at module level, OpenCV where frames are decoded: the estimator
environment (no JAX) and the main one both read frames through here.
"""

import os
import re

import numpy as np

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv")


def frame_number(name, position: int) -> int:
  """A frame's number: an integer as is, else the last number in a file name.

  frame_000755.jpg -> 755; a name without digits -> `position`.
  """
  if isinstance(name, (int, np.integer)):
    return int(name)
  numbers = re.findall(r"\d+", os.path.splitext(str(name))[0])
  return int(numbers[-1]) if numbers else position


def frame_files(folder: str, names=()) -> list[str]:
  """The image files of a folder in name order; only `names` if given.

  Raises:
    FileNotFoundError: naming the folder if a name is missing or it holds no images.
  """
  files = sorted(f for f in os.listdir(folder) if f.lower().endswith(IMAGE_SUFFIXES))
  if names:
    missing = sorted(set(names) - set(files))
    if missing:
      raise FileNotFoundError(f"{folder}: no frame file(s) {missing}.")
    files = [f for f in files if f in set(names)]
  if not files:
    raise FileNotFoundError(f"{folder}: no image files ({', '.join(IMAGE_SUFFIXES)}).")
  return files


def _open_video(path: str):
  import cv2  # pylint: disable=g-import-not-at-top

  capture = cv2.VideoCapture(path)
  if not capture.isOpened():
    raise ValueError(f"{path} is not a video OpenCV can read (e.g. .mp4, .avi); convert it "
                     "or pass a folder of frames.")
  return capture


def _check_exists(path: str) -> None:
  if not os.path.isdir(path) and not os.path.isfile(path):
    raise FileNotFoundError(f"{path} is neither a video file nor a folder of frames.")


def read_frames(path: str, names=()):
  """Yields (frame number, RGB uint8 image [height, width, 3]) in order.

  Args:
    path: a video file (numbered from 0) or a folder of images (read in name
      order, numbered by `frame_number`).
    names: only these files of a folder.

  Raises:
    FileNotFoundError / ValueError: naming `path` if it cannot be read.
  """
  import cv2  # pylint: disable=g-import-not-at-top

  _check_exists(path)
  if os.path.isdir(path):
    for position, name in enumerate(frame_files(path, names)):
      image = cv2.imread(os.path.join(path, name), cv2.IMREAD_COLOR)
      if image is None:
        raise ValueError(f"{os.path.join(path, name)} is not a readable image.")
      yield frame_number(name, position), cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    return
  capture = _open_video(path)
  position = 0
  try:
    while True:
      ok, image = capture.read()
      if not ok:
        break
      yield position, cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
      position += 1
  finally:
    capture.release()
  if position == 0:
    raise ValueError(f"{path}: no frame could be decoded.")


def frame_count(path: str) -> tuple[int, float]:
  """(frames, frames per second) of a video file or a folder of images (25 fps).

  Raises:
    FileNotFoundError / ValueError: naming `path` if it cannot be read.
  """
  _check_exists(path)
  if os.path.isdir(path):
    return len(frame_files(path)), 25.0
  import cv2  # pylint: disable=g-import-not-at-top

  capture = _open_video(path)
  fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
  count = 0
  while capture.grab():  # Counting by decoding: container frame counts can be wrong.
    count += 1
  capture.release()
  return count, fps
