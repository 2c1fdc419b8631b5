"""Pose accuracy: PCK at pixel thresholds, per joint and per joint group."""

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

  A group's PCK pools its joints' frames (the paper's Tables I and II).
  """
  errors = errors.reshape(-1, errors.shape[-1])
  valid = valid.reshape(-1, valid.shape[-1]).astype(bool)
  hits = (errors <= threshold) & valid
  table = {}
  for group, joints in skeleton.groups.items():
    table[group] = float(100.0 * hits[:, joints].sum() / max(valid[:, joints].sum(), 1))
  table["Average"] = float(100.0 * hits.sum() / max(valid.sum(), 1))
  return table


def mean_error(errors: np.ndarray, valid: np.ndarray) -> float:
  """Mean pixel error over valid joints with a prediction (finite errors)."""
  use = valid.astype(bool) & np.isfinite(errors)
  return float(errors[use].mean()) if use.any() else float("nan")


def format_table(rows: dict[str, dict[str, float]], title: str) -> str:
  """Markdown table: one row per method, one column per group."""
  columns = list(next(iter(rows.values())))
  lines = [
      f"{title}",
      "| method | " + " | ".join(columns) + " |",
      "|---|" + "---|" * len(columns),
  ]
  for name, values in rows.items():
    lines.append(f"| {name} | " + " | ".join(f"{values[c]:.1f}" for c in columns) + " |")
  return "\n".join(lines)
