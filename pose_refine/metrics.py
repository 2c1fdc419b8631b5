"""Pose accuracy formulas: PCK (pixels, body size), curves, acceleration error.

Formulas only; pose_refine.evaluation applies them to methods and prints them.
"""

import numpy as np

from pose_refine import skeletons


def joint_errors(predictions: np.ndarray, ground_truth: np.ndarray) -> np.ndarray:
  """[..., joints] Euclidean pixel errors; NaN predictions give +inf.

  A missing prediction counts as wrong at every threshold, never as (0, 0).
  """
  error = np.linalg.norm(
      np.asarray(predictions, np.float64) - np.asarray(ground_truth, np.float64), axis=-1
  )
  return np.where(np.isnan(error), np.inf, error)


def pck_per_joint(errors: np.ndarray, valid: np.ndarray, threshold: float) -> np.ndarray:
  """[joints] percentage of valid frames whose error is within `threshold` px.

  Args:
    errors: [..., joints] pixel errors.
    valid: [..., joints] True where the ground truth exists.
    threshold: pixels.
  """
  errors = errors.reshape(-1, errors.shape[-1])
  valid = valid.reshape(-1, valid.shape[-1]).astype(bool)
  hits = ((errors <= threshold) & valid).sum(0)
  counts = valid.sum(0)
  return 100.0 * hits / np.maximum(counts, 1)


def pck_per_group(
    errors: np.ndarray, valid: np.ndarray, threshold: float, skeleton: skeletons.Skeleton
) -> dict[str, float]:
  """Percentages per report group plus "Average" over all valid joints.

  A group's PCK pools its joints' frames (the paper's Tables I and II); a
  group without ground truth (upper-body data in a full skeleton) is NaN.
  """
  errors = errors.reshape(-1, errors.shape[-1])
  valid = valid.reshape(-1, valid.shape[-1]).astype(bool)
  hits = (errors <= threshold) & valid
  table = {}
  for group, joints in skeleton.groups.items():
    count = valid[:, joints].sum()
    table[group] = float(100.0 * hits[:, joints].sum() / count) if count else float("nan")
  table["Average"] = float(100.0 * hits.sum() / max(valid.sum(), 1))
  return table


def mean_error(errors: np.ndarray, valid: np.ndarray) -> float:
  """Mean pixel error over valid joints with a prediction (finite errors)."""
  use = valid.astype(bool) & np.isfinite(errors)
  return float(errors[use].mean()) if use.any() else float("nan")


def pck_curve(errors: np.ndarray, valid: np.ndarray, thresholds) -> np.ndarray:
  """[thresholds] PCK (%) over all valid joints at each pixel threshold (Figure 4)."""
  errors = errors[valid.astype(bool)]
  return np.array([100.0 * np.mean(errors <= t) if errors.size else 0.0 for t in thresholds])


def pck_normalized(
    predictions: np.ndarray,
    ground_truth: np.ndarray,
    valid: np.ndarray,
    fractions=(0.05, 0.1, 0.2),
) -> dict[str, float]:
  """Body-size-normalised PCK of one sequence (the Sub-JHMDB protocol).

  The threshold is a fraction of the longer side of the ground truth's
  bounding box in each frame; average these per sequence, then over
  sequences (as SmoothNet, DeciWatch and HANet do).

  Args:
    predictions: [time, joints, 2] pixels.
    ground_truth: [time, joints, 2] pixels.
    valid: [time, joints].
    fractions: thresholds as fractions of the box's longer side.
  """
  valid = valid.astype(bool)
  points = np.where(valid[..., None], ground_truth, np.nan)
  size = np.nanmax(points, axis=1) - np.nanmin(points, axis=1)
  longer = np.nanmax(size, axis=-1)  # [time]
  errors = joint_errors(predictions, ground_truth)
  out = {}
  for fraction in fractions:
    hits = (errors <= fraction * longer[:, None]) & valid
    out[f"pck@{fraction:g}"] = float(100.0 * hits.sum() / max(valid.sum(), 1))
  return out


def acceleration_errors(predictions: np.ndarray, ground_truth: np.ndarray,
                        valid: np.ndarray) -> np.ndarray:
  """|second difference of prediction - that of ground truth| per joint and frame triple.

  Only triples of consecutive frames whose ground truth is valid and whose
  predictions exist count; returns their errors (px/frame^2) as a flat array.
  """
  valid = valid.astype(bool) & np.all(np.isfinite(predictions), -1)
  accel_pred = predictions[2:] - 2 * predictions[1:-1] + predictions[:-2]
  accel_true = ground_truth[2:] - 2 * ground_truth[1:-1] + ground_truth[:-2]
  use = valid[2:] & valid[1:-1] & valid[:-2]
  return np.linalg.norm(np.nan_to_num(accel_pred - accel_true), axis=-1)[use]


def acceleration_error(predictions: np.ndarray, ground_truth: np.ndarray, valid: np.ndarray) -> float:
  """Mean `acceleration_errors` (VIBE's acceleration error), px/frame^2; NaN without triples.

  Report the share of missing predictions beside it.
  """
  errors = acceleration_errors(predictions, ground_truth, valid)
  return float(errors.mean()) if errors.size else float("nan")


def hardest_frames_error(
    predictions: np.ndarray, raw: np.ndarray, ground_truth: np.ndarray, valid: np.ndarray,
    fraction: float = 0.01,
) -> float:
  """Mean error of `predictions` on the frames where the raw input was worst.

  Frames are ranked by the raw input's mean joint error (missing joints
  count as the largest), and the top `fraction` are kept: are large mistakes
  fixed, or only jitter smoothed? Joints `predictions` leaves missing there
  are not averaged (report the share of missing predictions beside it).
  """
  valid = valid.astype(bool)
  raw_errors = joint_errors(raw, ground_truth)
  finite = np.where(np.isfinite(raw_errors), raw_errors, np.nan)
  worst = np.nanmax(np.where(valid, finite, np.nan)) if np.isfinite(finite[valid]).any() else 0
  raw_errors = np.where(np.isfinite(raw_errors), raw_errors, 2 * worst + 1)
  frame_error = np.where(valid, raw_errors, 0).sum(-1) / np.maximum(valid.sum(-1), 1)
  count = max(1, int(round(fraction * len(frame_error))))
  chosen = np.argsort(-frame_error, kind="stable")[:count]
  errors = joint_errors(predictions[chosen], ground_truth[chosen])
  use = valid[chosen] & np.isfinite(errors)
  return float(errors[use].mean()) if use.any() else float("nan")
