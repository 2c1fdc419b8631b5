"""Tracks to fixed-length windows and back, in plain numpy.

Training cuts videos into windows with a stride (input_pipeline); inference
cuts them into overlapping windows, refines them and merges the outputs back
into one pose per frame (inference). Both cut windows here, after the same
gap filling (`fill_missing`).
"""

import numpy as np

from pose_refine import skeletons

# What a window holds past the end of its track, per field.
PADDING = {"poses": np.nan, "confidence": 0, "ground_truth": np.nan, "ground_truth_valid": 0}


def interpolate_missing(poses: np.ndarray, confidence: np.ndarray) -> np.ndarray:
  """Fills missing joints by linear interpolation over time (ends held).

  Args:
    poses: [time, joints, 2] pixels, NaN where missing.
    confidence: [time, joints]; 0 where missing.

  Returns:
    [time, joints, 2] float64; joints never seen in the track stay as given.
  """
  valid = skeletons.observed(poses, confidence)
  out = poses.astype(np.float64).copy()
  frames = np.arange(len(poses))
  for j in range(poses.shape[1]):
    known = valid[:, j]
    if not known.any():
      continue
    for c in range(2):
      out[:, j, c] = np.interp(frames, frames[known], poses[known, j, c])
  return out


def fill_missing(video: dict, confidence: float = 0.01) -> dict:
  """A video whose missing joints are interpolated over time, at low confidence.

  Windows then always have a frame of reference, even inside long estimator
  failures; the low confidence tells the model these joints were not seen.
  Joints never seen in the whole video stay missing. Only "poses" and
  "confidence" change. Training and inference both do this when
  config.fill_missing is set.
  """
  poses, scores = video["poses"], video["confidence"]
  observed = skeletons.observed(poses, scores)
  filled = interpolate_missing(poses, scores).astype(np.float32)
  seen_somewhere = observed.any(0, keepdims=True)
  new_scores = np.where(~observed & seen_somewhere, confidence, scores).astype(np.float32)
  return video | {"poses": filled, "confidence": new_scores}


def window_starts(length: int, window: int, stride: int) -> list[int]:
  """Start frames of windows covering [0, length); the last one is flush.

  A video shorter than the window gives one window starting at 0 (padded).
  """
  if length <= window:
    return [0]
  starts = list(range(0, length - window + 1, stride))
  if starts[-1] != length - window:
    starts.append(length - window)
  return starts


def cut(values: np.ndarray, starts, window: int, fill) -> np.ndarray:
  """[windows, window, ...] frames of `values` from each start, padded with `fill`."""
  starts = np.asarray(starts)
  pad = max(0, int(starts.max()) + window - len(values))
  if pad:
    values = np.concatenate([values, np.full((pad,) + values.shape[1:], fill, values.dtype)])
  return values[starts[:, None] + np.arange(window)]


def cut_window(video: dict[str, np.ndarray], start: int, window: int) -> dict[str, np.ndarray]:
  """Frames [start, start + window) of a video's fields, padded with missing frames."""
  return {key: cut(video[key], [start], window, fill)[0]
          for key, fill in PADDING.items() if key in video}


def position_weights(window: int, weighting: str) -> np.ndarray:
  """[window] how much each position of a window counts when windows overlap."""
  if weighting == "uniform":
    return np.ones(window, np.float64)
  if weighting == "triangular":
    # Frames near a window's edges see less context on one side.
    return np.minimum(np.arange(1, window + 1), np.arange(window, 0, -1)).astype(np.float64)
  raise ValueError(f"Unknown weighting {weighting!r}; use 'uniform' or 'triangular'.")


def merge(outputs: np.ndarray, weights: np.ndarray, starts, length: int) -> np.ndarray:
  """Per-frame weighted mean of overlapping window outputs.

  Args:
    outputs: [windows, window, joints, 2] the windows of one track.
    weights: [windows, window] each output frame's weight.
    starts: [windows] distinct start frames, as from `window_starts`.
    length: the track's frames; outputs past it (padding) are dropped.

  Returns:
    [length, joints, 2] float32.
  """
  starts = np.asarray(starts)
  frames = starts[:, None] + np.arange(outputs.shape[1])  # [windows, window]
  keep = frames < length
  frames, weights = frames[keep], weights[keep].astype(np.float64)
  weighted = outputs[keep].reshape(len(frames), -1) * weights[:, None]
  # One weighted histogram per coordinate: a scatter-add without a Python loop over frames.
  sums = np.stack([np.bincount(frames, weighted[:, c], minlength=length)
                   for c in range(weighted.shape[1])], -1)
  totals = np.bincount(frames, weights, minlength=length)
  with np.errstate(invalid="ignore", divide="ignore"):  # Frames no window covers: NaN.
    merged = sums / totals[:, None]
  return merged.reshape((length,) + outputs.shape[2:]).astype(np.float32)


def upsample(poses: np.ndarray, confidence: np.ndarray, factor: int):
  """An estimated track at `factor` (an integer) times its frame rate.

  Input frame t becomes frame t * factor exactly; the frames between
  interpolate position and confidence linearly between the two input frames
  around them, and are missing (NaN, confidence 0) where either lacks the
  joint. `out[::factor]` is the input again.

  Returns:
    (poses [(time - 1) * factor + 1, joints, 2], confidence [..., joints]).
  """
  present = skeletons.observed(poses, confidence)
  up, up_present = resample(np.where(present[..., None], poses, 0.0), present, factor)
  scores, _ = resample(np.repeat(confidence[..., None], 2, -1), present, factor)
  return up, np.where(up_present, scores[..., 0], 0.0).astype(np.float32)


def resample(ground_truth: np.ndarray, valid: np.ndarray, factor: float):
  """A track at `factor` times its frame rate (2: 30 -> 60 fps; 0.5: 30 -> 15 fps).

  Frames are linearly interpolated between labelled neighbours; a new frame
  is valid where both neighbours are (or it falls on a labelled frame), and
  NaN otherwise.
  """
  if factor <= 0:
    raise ValueError(f"Frame-rate factor {factor} must be positive.")
  time = ground_truth.shape[0]
  # Frames that fall inside the track: the last one never lies past the last label.
  new_time = int(np.floor((time - 1) * factor + 1e-9)) + 1
  positions = np.arange(new_time) / factor
  lower = np.clip(np.floor(positions).astype(int), 0, time - 1)
  upper = np.clip(lower + 1, 0, time - 1)
  weight = (positions - lower)[:, None, None]
  exact = np.isclose(weight[:, 0, 0], 0.0)
  valid = valid.astype(bool)
  new_valid = valid[lower] & (valid[upper] | exact[:, None])
  start, end = ground_truth[lower], ground_truth[upper]
  poses = np.where(exact[:, None, None], start, (1 - weight) * start + weight * end)
  poses = np.where(new_valid[..., None], poses, np.nan)
  return poses.astype(np.float32), new_valid
