"""A model of per-frame pose estimator errors.

Turns ground-truth joint tracks into estimator-like outputs: small jitter,
heavy-tailed outliers, left/right swaps, joints missing for a few frames and
joints that drift away for a while. Every rate is a field of
`EstimatorErrorModel`, so the same code serves the synthetic data set and
(with fitted parameters) data sets whose frames are not available.
"""

import dataclasses
import warnings

import numpy as np

from pose_refine import skeletons


@dataclasses.dataclass(frozen=True)
class EstimatorErrorModel:
  """Error rates and sizes; lengths are in units of the person's scale.

  The person's scale is the torso length (neck to mid-hip) in pixels for the
  synthetic data; `scale` arrays passed to `corrupt` set it per frame.

  Attributes:
    jitter: standard deviation of per-frame Gaussian noise.
    jitter_joint_factor: multiplies `jitter` per report group (wrists are
      harder than shoulders); missing groups use 1.
    outlier_rate: probability that a joint in a frame is an outlier.
    outlier_scale: scale of the Student-t outlier offset.
    outlier_dof: degrees of freedom of that Student-t (heavy tails).
    swap_rate: probability per frame that a left/right swap run starts.
    swap_length: mean length in frames of a swap run.
    miss_rate: probability per joint and frame that a missing run starts.
    miss_length: mean length in frames of a missing run.
    drift_rate: probability per joint and frame that a drift run starts.
    drift_length: mean length in frames of a drift run.
    drift_speed: standard deviation of the drift velocity per frame.
    confidence_clean: (low, high) of uniform confidence on correct joints.
    confidence_corrupt: (low, high) of uniform confidence on corrupt joints.
  """

  jitter: float = 0.04
  jitter_joint_factor: tuple[tuple[str, float], ...] = (
      ("Wrists", 2.0),
      ("Elbows", 1.5),
      ("Ankles", 1.5),
      ("Knees", 1.2),
  )
  outlier_rate: float = 0.04
  outlier_scale: float = 0.35
  outlier_dof: float = 2.0
  swap_rate: float = 0.01
  swap_length: float = 6.0
  miss_rate: float = 0.004
  miss_length: float = 5.0
  drift_rate: float = 0.002
  drift_length: float = 15.0
  drift_speed: float = 0.03
  confidence_clean: tuple[float, float] = (0.55, 1.0)
  confidence_corrupt: tuple[float, float] = (0.1, 0.9)


def _runs(rng, shape, rate, mean_length):
  """Boolean [time, ...] mask of runs that start at `rate`, mean `length`."""
  time = shape[0]
  starts = rng.random(shape) < rate
  lengths = rng.geometric(1.0 / max(mean_length, 1.0), size=shape)
  mask = np.zeros(shape, bool)
  for index in zip(*np.nonzero(starts)):
    t, rest = index[0], index[1:]
    mask[(slice(t, min(time, t + lengths[index])),) + rest] = True
  return mask


def corrupt(
    poses: np.ndarray,
    scale: np.ndarray,
    skeleton: skeletons.Skeleton,
    model: EstimatorErrorModel,
    rng: np.random.Generator,
    frame_size: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
  """Simulates an estimator's output for one person's joint tracks.

  Args:
    poses: [time, joints, 2] ground-truth pixels.
    scale: [time] person scale in pixels per unit of the error model.
    skeleton: the joint set of `poses`.
    model: error rates and sizes.
    rng: the only source of randomness, so equal seeds give equal outputs.
    frame_size: (width, height); estimates are clipped to the frame, as a
      real estimator's are (the Student-t tail would otherwise put a few
      joints thousands of pixels away).

  Returns:
    estimates: [time, joints, 2] pixels, NaN where the joint is missing.
    confidence: [time, joints] in [0, 1], 0 where the joint is missing.
  """
  time, num_joints, _ = poses.shape
  unit = np.asarray(scale, np.float64)[:, None, None]
  factor = np.ones(num_joints)
  for group, value in model.jitter_joint_factor:
    for j in skeleton.groups.get(group, ()):
      factor[j] = value
  out = poses.astype(np.float64).copy()
  corrupt_mask = np.zeros((time, num_joints), bool)

  # Left/right swaps: whole-body swaps of every pair for a few frames.
  swaps = _runs(rng, (time,), model.swap_rate, model.swap_length)
  perm = skeleton.flip_permutation
  out[swaps] = out[swaps][:, perm]
  corrupt_mask[swaps] |= perm != np.arange(num_joints)

  # Drift: a joint slides away with a constant random velocity, then snaps back.
  drifting = _runs(rng, (time, num_joints), model.drift_rate, model.drift_length)
  velocity = rng.normal(0.0, model.drift_speed, (time, num_joints, 2))
  offset = np.zeros((num_joints, 2))
  for t in range(time):
    offset = np.where(drifting[t][:, None], offset + velocity[t], 0.0)
    out[t] += offset * unit[t]
  corrupt_mask |= drifting

  out += rng.normal(0.0, 1.0, out.shape) * model.jitter * factor[None, :, None] * unit

  outliers = rng.random((time, num_joints)) < model.outlier_rate
  heavy = rng.standard_t(model.outlier_dof, (time, num_joints, 2))
  out += np.where(outliers[..., None], heavy * model.outlier_scale * unit, 0.0)
  corrupt_mask |= outliers

  confidence = np.where(
      corrupt_mask,
      rng.uniform(*model.confidence_corrupt, (time, num_joints)),
      rng.uniform(*model.confidence_clean, (time, num_joints)),
  )
  if frame_size is not None:
    out = np.clip(out, 0.0, np.asarray(frame_size, np.float64) - 1.0)
  missing = _runs(rng, (time, num_joints), model.miss_rate, model.miss_length)
  out[missing] = np.nan
  confidence[missing] = 0.0
  return out.astype(np.float32), confidence.astype(np.float32)


def person_unit(ground_truth: np.ndarray, skeleton: skeletons.Skeleton) -> float:
  """A sequence's size unit: median head to mid-shoulder distance, pixels.

  Every data set here has a head and both shoulders, so errors fitted on one
  transfer to another in this unit.
  """
  head = ground_truth[:, skeleton.index("head")]
  mid = 0.5 * (
      ground_truth[:, skeleton.index("left_shoulder")]
      + ground_truth[:, skeleton.index("right_shoulder")]
  )
  distance = np.linalg.norm(head - mid, axis=-1)
  if np.isfinite(distance).any():
    return float(np.nanmedian(distance))
  # No frame has the head and both shoulders (195 of 1258 Penn Action clips):
  # 0.14 x the median longer side of the labelled joints' box, the median
  # ratio of the two on the other 1063 clips.
  with np.errstate(invalid="ignore"), warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    side = np.nanmax(np.nanmax(ground_truth, 1) - np.nanmin(ground_truth, 1), -1)
    unit = 0.14 * float(np.nanmedian(side))
  if not np.isfinite(unit) or unit <= 0:
    raise ValueError("person_unit: the ground truth has no two labelled joints in any frame.")
  return unit


def _run_statistics(mask: np.ndarray) -> tuple[float, float]:
  """(start rate per step, mean run length) of runs of True along axis 0."""
  padded = np.concatenate([np.zeros((1,) + mask.shape[1:], bool), mask], 0)
  starts = (padded[1:] & ~padded[:-1]).sum()
  total = mask.sum()
  return float(starts / mask.size), float(total / starts) if starts else 1.0


def fit(videos, skeleton: skeletons.Skeleton, outlier_sigmas: float = 5.0) -> tuple[
    EstimatorErrorModel, dict]:
  """Fits the error model to real estimates.

  Args:
    videos: dicts with "poses" [time, joints, 2] (NaN = missed), "confidence",
      "ground_truth" [time, joints, 2].
    skeleton: their joint set (needs head and shoulders).
    outlier_sigmas: an error beyond this many jitter sigmas is an outlier.

  Returns:
    The fitted model and a report of the measured statistics. Drift is not
    separable from outliers on sparsely sampled frames and is set to 0;
    groups the data lacks keep the default jitter factors.
  """
  units, errors, missing, swapped, confidences = [], [], [], [], []
  perm = skeleton.flip_permutation
  for video in videos:
    unit = person_unit(video["ground_truth"], skeleton)
    estimate, truth = video["poses"], video["ground_truth"]
    direct = np.linalg.norm(estimate - truth, axis=-1)
    flipped = np.linalg.norm(estimate - truth[:, perm], axis=-1)
    paired = perm != np.arange(skeleton.num_joints)
    # A frame is swapped when the mirrored assignment explains its paired
    # joints clearly better (by a quarter unit on average).
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
      warnings.simplefilter("ignore", RuntimeWarning)  # Frames with no estimate.
      swap = np.nanmean(direct[:, paired] - flipped[:, paired], axis=1) > 0.25 * unit
    best = np.where(swap[:, None], flipped, direct) / unit
    units.append(unit), errors.append(best), swapped.append(swap)
    missing.append(~np.isfinite(direct)), confidences.append(video["confidence"])
  errors = np.concatenate(errors)
  missing_all = np.concatenate(missing)
  confidence = np.concatenate(confidences)
  found = np.isfinite(errors)
  # The median of a 2D Gaussian's radius is sigma * sqrt(2 ln 2).
  jitter = float(np.median(errors[found]) / np.sqrt(2 * np.log(2)))
  factors = []
  sigma = np.full(skeleton.num_joints, jitter)
  for group, joints in skeleton.groups.items():
    values = errors[:, joints][found[:, joints]]
    group_sigma = float(np.median(values) / np.sqrt(2 * np.log(2)))
    sigma[list(joints)] = group_sigma
    factors.append((group, round(group_sigma / jitter, 3)))
  outliers = found & (errors > outlier_sigmas * sigma[None])
  magnitudes = errors[outliers]
  reference = np.linalg.norm(
      np.random.default_rng(0).standard_t(EstimatorErrorModel.outlier_dof, (100_000, 2)), axis=-1
  )
  outlier_scale = float(np.median(magnitudes) / np.median(reference)) if magnitudes.size else 0.0
  miss_rate, miss_length = _run_statistics(np.concatenate(missing, 0))
  swap_rate, swap_length = _run_statistics(np.concatenate(swapped))
  defaults = dict(EstimatorErrorModel().jitter_joint_factor)
  fitted_groups = dict(factors)
  factor_table = tuple(
      (group, fitted_groups.get(group, defaults.get(group, 1.0)))
      for group in ("Head", "Shoulders", "Elbows", "Wrists", "Hips", "Knees", "Ankles")
  )
  clean = confidence[found & ~outliers]
  corrupt = confidence[outliers]
  model = EstimatorErrorModel(
      jitter=round(jitter, 4),
      jitter_joint_factor=factor_table,
      outlier_rate=round(float(outliers.sum() / found.sum()), 4),
      outlier_scale=round(outlier_scale, 4),
      swap_rate=round(swap_rate, 4),
      swap_length=round(swap_length, 2),
      miss_rate=round(miss_rate, 4),
      miss_length=round(miss_length, 2),
      drift_rate=0.0,
      confidence_clean=tuple(round(float(q), 3) for q in np.quantile(clean, [0.05, 0.95])),
      confidence_corrupt=(
          tuple(round(float(q), 3) for q in np.quantile(corrupt, [0.05, 0.95]))
          if corrupt.size else EstimatorErrorModel().confidence_corrupt
      ),
  )
  report = {
      "videos": len(units),
      "frames": int(errors.shape[0]),
      "unit_px_median": float(np.median(units)),
      "missing_joint_fraction": float(missing_all.mean()),
      "swapped_frame_fraction": float(np.concatenate(swapped).mean()),
      "outlier_fraction": float(outliers.sum() / found.sum()),
      "median_error_units": float(np.median(errors[found])),
  }
  return model, report


def to_json(model: EstimatorErrorModel) -> dict:
  return dataclasses.asdict(model)


def from_json(values: dict) -> EstimatorErrorModel:
  values = dict(values)
  values["jitter_joint_factor"] = tuple(tuple(x) for x in values["jitter_joint_factor"])
  for key in ("confidence_clean", "confidence_corrupt"):
    values[key] = tuple(values[key])
  return EstimatorErrorModel(**values)
