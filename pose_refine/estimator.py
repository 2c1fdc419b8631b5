"""The estimator stage: MediaPipe Pose on video frames, in its own environment.

Only numpy is imported at module level; OpenCV and MediaPipe are imported
where they are used, so this module loads in the main environment too (for
its pure helpers) while only the estimator environment can run the estimator.
Frames are read by pose_refine.frames.
"""

import os

import numpy as np
from absl import logging

from pose_refine import files


def parse_degrade(text: str) -> dict[str, float]:
  settings = {"scale": 1.0, "blur": 0.0, "noise": 0.0}
  for item in filter(None, text.split(",")):
    key, _, value = item.partition("=")
    if key not in settings or not value:
      raise ValueError(f"--degrade item {item!r}: expected one of scale=, blur=, noise=.")
    settings[key] = float(value)
  if not 0 < settings["scale"] <= 1:
    raise ValueError(f"--degrade scale={settings['scale']} must be in (0, 1].")
  return settings


def degrade(image, settings, rng):
  """A worse copy of an RGB uint8 image."""
  import cv2  # pylint: disable=g-import-not-at-top

  out = image
  if settings["scale"] < 1:
    height, width = image.shape[:2]
    size = (max(1, round(width * settings["scale"])), max(1, round(height * settings["scale"])))
    out = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
  if settings["blur"] > 0:
    out = cv2.GaussianBlur(out, (0, 0), settings["blur"])
  if settings["noise"] > 0:
    noisy = out.astype(np.float32) + rng.normal(0, settings["noise"], out.shape)
    out = np.clip(np.round(noisy), 0, 255).astype(np.uint8)
  return out


def estimate(frames, settings, seed, static_image_mode=True, on_frame=None):
  """Runs MediaPipe Pose (BlazePose full) on every frame.

  `on_frame(frame id, keypoints [33, 3])`, if given, gets every frame as soon
  as it is estimated (for streaming, see `frame_json`).

  Returns:
    frame ids [n], keypoints [n, 33, 3] (NaN where nothing was found),
    image sizes [n, 2] and the 33 landmark names.
  """
  import mediapipe as mp  # pylint: disable=g-import-not-at-top

  names = [landmark.name.lower() for landmark in mp.solutions.pose.PoseLandmark]
  ids, keypoints, sizes = [], [], []
  with mp.solutions.pose.Pose(
      static_image_mode=static_image_mode, model_complexity=1, enable_segmentation=False
  ) as pose:
    for count, (index, image) in enumerate(frames):
      height, width = image.shape[:2]
      if settings["scale"] < 1 or settings["blur"] > 0 or settings["noise"] > 0:
        image = degrade(image, settings, np.random.default_rng([seed, index]))
      result = pose.process(image)
      points = np.full((len(names), 3), np.nan, np.float32)
      if result.pose_landmarks:
        for j, landmark in enumerate(result.pose_landmarks.landmark):
          # Normalised coordinates, so a degraded (smaller) frame maps back.
          points[j] = (landmark.x * width, landmark.y * height, landmark.visibility)
      ids.append(index), keypoints.append(points), sizes.append((width, height))
      if on_frame is not None:
        on_frame(index, points)
      if (count + 1) % 100 == 0:
        logging.info("%d frames", count + 1)
  return np.array(ids, np.int64), np.stack(keypoints), np.array(sizes, np.int32), names


def write_keypoints(path, **arrays):
  """Writes an .npz atomically (creating its folder): a failed run leaves no partial file."""
  os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
  with files.atomic_file(path, "wb") as f:
    np.savez_compressed(f, **arrays)


def frame_json(index: int, points) -> str:
  """One frame as a `pose-refine stream` input line: [x, y, visibility] rows, null where none."""
  import json  # pylint: disable=g-import-not-at-top

  rows = [[None if not np.isfinite(v) else round(float(v), 3) for v in joint] for joint in points]
  return json.dumps({"t": int(index), "track": 0, "keypoints": rows})
