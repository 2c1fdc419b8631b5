"""A model of per-frame pose estimator errors.

Turns ground-truth joint tracks into estimator-like outputs: small jitter,
heavy-tailed outliers, left/right swaps, joints missing for a few frames and
joints that drift away for a while. Every rate is a field of
`EstimatorErrorModel`, so the same code serves the synthetic data set and
(with fitted parameters) data sets whose frames are not available.
"""

import dataclasses

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
) -> tuple[np.ndarray, np.ndarray]:
  """Simulates an estimator's output for one person's joint tracks.

  Args:
    poses: [time, joints, 2] ground-truth pixels.
    scale: [time] person scale in pixels per unit of the error model.
    skeleton: the joint set of `poses`.
    model: error rates and sizes.
    rng: the only source of randomness, so equal seeds give equal outputs.

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
  missing = _runs(rng, (time, num_joints), model.miss_rate, model.miss_length)
  out[missing] = np.nan
  confidence[missing] = 0.0
  return out.astype(np.float32), confidence.astype(np.float32)
