"""The wide family of estimator errors that the refiner trains on.

Every training window gets its own errors, drawn from ground truth as it is
read: a severity (some windows stay clean, so the refiner learns to leave
good input alone), then, independently, the size of each kind of error:

- white jitter, with its own size per joint;
- low-pass (frame-to-frame correlated) jitter and slow drift;
- Student-t outliers, and joints reported at the image corner (0, 0);
- whole-body left/right swaps and single left/right pair swaps;
- joints missing for short or long runs, and frames without the person;
- stuck joints (a joint keeps its position for a run of frames);
- confidences that are higher on correct joints, but sometimes wrong, and
  sometimes constant (estimators that report none);
- optionally, a body part absent from a whole window (`absent_part`): the
  lower body, the legs or one arm, as when the camera frames the upper body.

Sizes are fractions of the person's size (`skeletons.person_size`, the
longer side of the box). The held-out family (`heldout_errors`) uses other
generators and parameters and is never trained on.
"""

import dataclasses

import numpy as np
import scipy.signal

from pose_refine import skeletons


@dataclasses.dataclass(frozen=True)
class Family:
  """Largest sizes and rates (at severity 1) and the share of clean windows.

  Attributes:
    clean_fraction: windows left exactly as the ground truth, confidence 1.
    severity_power: other windows' severity is 0.05 + 0.95 u ** severity_power
      for u uniform in [0, 1): above 1, mild errors are drawn more often.
    jitter: white jitter standard deviation.
    lowpass_jitter: standard deviation of correlated jitter.
    drift_speed: per-frame velocity scale of drift runs.
    outlier_rate: per joint and frame.
    outlier_scale: Student-t (2 degrees of freedom) scale of outliers.
    corner_rate: per joint and frame, a run of (0, 0) reports starts.
    swap_rate: per frame, a whole-body or one-pair swap run starts.
    miss_rate: per joint and frame, a missing run starts.
    frame_miss_rate: per frame, a run without the person starts.
    stuck_rate: per joint and frame, a stuck run starts.
    max_run: longest run of any kind, frames.
    absent_part_fraction: windows given `absent_part` (clean ones too).
  """

  clean_fraction: float = 0.15
  severity_power: float = 1.0
  jitter: float = 0.05
  lowpass_jitter: float = 0.04
  drift_speed: float = 0.01
  outlier_rate: float = 0.08
  outlier_scale: float = 0.12
  corner_rate: float = 0.002
  swap_rate: float = 0.03
  miss_rate: float = 0.02
  frame_miss_rate: float = 0.02
  stuck_rate: float = 0.006
  max_run: int = 30
  absent_part_fraction: float = 0.0


# Body parts that can be out of the frame for a whole window, by joint-name keywords.
_PARTS = (("hip", "knee", "ankle"), ("knee", "ankle"), ("left_elbow", "left_wrist"),
          ("right_elbow", "right_wrist"))


def absent_part(skeleton: skeletons.Skeleton, rng: np.random.Generator) -> np.ndarray:
  """Indices of one body part's joints (lower body, legs or one arm), drawn uniformly.

  Parts that `skeleton` lacks are not drawn; empty if it has none of them.
  """
  parts = [[i for i, name in enumerate(skeleton.joints) if any(k in name for k in keywords)]
           for keywords in _PARTS]
  parts = [p for p in parts if p]
  if not parts:
    return np.zeros(0, int)
  return np.asarray(parts[rng.integers(len(parts))], int)


def _runs(rng, shape, rate, max_run):
  """Boolean [time, ...] runs starting at `rate`, lengths uniform in [1, max_run]."""
  time = shape[0]
  mask = np.zeros(shape, bool)
  for index in np.argwhere(rng.random(shape) < rate):
    length = rng.integers(1, max_run + 1)
    mask[(slice(index[0], index[0] + length),) + tuple(index[1:])] = True
  return mask


def corrupt(ground_truth, valid, skeleton: skeletons.Skeleton, rng: np.random.Generator,
            severity: float, sizes: np.ndarray, family: Family = Family()):
  """Estimates of a ground-truth track at `severity` (0 to 1).

  Args:
    ground_truth: [time, joints, 2] pixels.
    valid: [time, joints] labelled joints.
    skeleton: the joint set.
    rng: the only source of randomness.
    severity: scales every size and rate; 0 gives the labels at confidence 1.
    sizes: [9] numbers in [0, 1], the share of each error kind's largest
      size or rate (jitter, low-pass, drift, outliers, swaps, misses, stuck,
      wrong confidences, corner reports).
    family: the largest sizes and rates.

  Returns:
    poses [time, joints, 2] (NaN where missing), confidence [time, joints].
  """
  time, joints, _ = ground_truth.shape
  valid = valid.astype(bool)
  truth = np.where(valid[..., None], ground_truth, np.nan).astype(np.float64)
  if severity <= 0:
    return truth.astype(np.float32), valid.astype(np.float32)
  size = skeletons.person_size(ground_truth, valid)
  s = severity * np.asarray(sizes, np.float64)
  out = truth.copy()
  bad = np.zeros((time, joints), bool)

  per_joint = rng.uniform(0.6, 1.8, (joints, 1))
  out += rng.normal(0, 1, out.shape) * family.jitter * s[0] * size * per_joint
  # Low-pass jitter: white noise through a one-pole filter of random pole.
  pole = rng.uniform(0.5, 0.95)
  white = rng.normal(0, 1, out.shape) * np.sqrt(1 - pole**2)
  white[0] /= np.sqrt(1 - pole**2)  # Start in the stationary distribution.
  smooth = scipy.signal.lfilter([1.0], [1.0, -pole], white, axis=0)
  out += smooth * family.lowpass_jitter * s[1] * size
  # Drift: runs in which a joint moves away at a constant velocity.
  drifting = _runs(rng, (time, joints), 0.01 * s[2], family.max_run)
  velocity = rng.normal(0, family.drift_speed * size, (joints, 2))
  frames = np.cumsum(drifting, 0)  # Frames into the current run, counted from 1.
  frames = frames - np.maximum.accumulate(np.where(drifting, 0, frames), 0)
  out += frames[..., None] * velocity
  bad |= drifting

  outliers = rng.random((time, joints)) < family.outlier_rate * s[3]
  offsets = np.clip(rng.standard_t(2.0, (time, joints, 2)) * family.outlier_scale, -1, 1)
  out += np.where(outliers[..., None], offsets * size, 0.0)
  bad |= outliers

  perm = skeleton.flip_permutation
  body_swaps = _runs(rng, (time,), family.swap_rate * s[4] / 2, family.max_run // 3)
  out[body_swaps] = out[body_swaps][:, perm]
  bad[body_swaps] |= perm != np.arange(joints)
  if skeleton.left_right:
    pair_swaps = _runs(rng, (time, len(skeleton.left_right)), family.swap_rate * s[4] / 2,
                       family.max_run // 3)
    for k, (a, b) in enumerate(skeleton.left_right):
      f = pair_swaps[:, k]
      out[f, a], out[f, b] = out[f, b].copy(), out[f, a].copy()
      bad[f, a] = bad[f, b] = True

  stuck = _runs(rng, (time, joints), family.stuck_rate * s[6], family.max_run)
  # A stuck frame repeats the frame where its run began.
  begins = ~(stuck & np.concatenate([np.zeros((1, joints), bool), stuck[:-1]]))
  source = np.maximum.accumulate(np.where(begins, np.arange(time)[:, None], 0), axis=0)
  out = out[source, np.arange(joints)]
  bad |= stuck

  corner = _runs(rng, (time, joints), family.corner_rate * s[8], family.max_run)
  out[corner] = 0.0
  bad |= corner

  low = rng.uniform(0.3, 0.9)
  confidence = np.where(bad, rng.uniform(0.05, 0.9, (time, joints)),
                        rng.uniform(low, 1.0, (time, joints)))
  wrong = bad & (rng.random((time, joints)) < 0.6 * s[7])
  confidence = np.where(wrong | stuck | corner, rng.uniform(low, 1.0, (time, joints)),
                        confidence)
  if rng.random() < 0.1:
    confidence = np.ones_like(confidence)  # Estimators that report no confidence.

  missing = _runs(rng, (time, joints), family.miss_rate * s[5], family.max_run)
  missing |= _runs(rng, (time, 1), family.frame_miss_rate * s[5], family.max_run // 2)
  # Unlabelled joints, and labelled ones a swap or stuck run filled from one.
  missing |= ~valid | ~np.isfinite(out).all(-1)
  out[missing] = np.nan
  confidence[missing] = 0.0
  return out.astype(np.float32), confidence.astype(np.float32)


def corrupt_random(ground_truth, valid, skeleton, rng, family: Family = Family()):
  """A training draw: clean with family.clean_fraction, else random severity and sizes."""
  if rng.random() < family.clean_fraction:
    severity = 0.0
  else:
    severity = 0.05 + 0.95 * rng.random() ** family.severity_power
  return corrupt(ground_truth, valid, skeleton, rng, severity, rng.random(9), family)


def corrupt_at_level(ground_truth, valid, skeleton, level: float, rng, family: Family = Family()):
  """The family at a fixed level (0 clean to 4, as heldout_errors.LEVELS), half sizes."""
  return corrupt(ground_truth, valid, skeleton, rng, level / 4.0, np.full(9, 0.5), family)
