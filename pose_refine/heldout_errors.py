"""A held-out model of estimator errors, for evaluation only.

Written apart from the training error models (`noise.py`, `corruption.py`),
with its own generators and parameters, and never used to train: a refiner
that only learned the training errors shows it here. Sizes are fractions of
the person's size, the median over frames of the longer side of the ground
truth's bounding box (the unit of box-normalised PCK), so PCK@0.05 counts a
joint within 5% of that side.

One `level` sets every rate and size: 0 is the labels themselves at
confidence 1, 1 "mild" (what a good estimator gives), 2 "medium", 3 "hard",
4 "very hard". The errors:

- jitter: first-order autoregressive (frame-to-frame correlated) with
  Laplace innovations, larger on wrists and ankles;
- outliers: a joint thrown to a uniform point of a ring around it;
- limb swaps: for a run of frames one limb's joints trade places, with its
  mirror (left and right wrist) or along the limb (wrist and elbow);
- stuck joints: a joint stays where it was for a run of frames, with high
  confidence;
- long misses: a joint, or the whole person, is missing for a run;
- confidences from Beta distributions, higher on correct joints, but wrong
  (high on corrupt joints) a fixed share of the time.
"""

import numpy as np

from pose_refine import skeletons

LEVELS = {"clean": 0.0, "mild": 1.0, "medium": 2.0, "hard": 3.0, "very_hard": 4.0}


def _run_mask(rng, time: int, count: int, rate: float, lengths: tuple[int, int]):
  """[time, count] runs starting with probability `rate`, length uniform in `lengths`."""
  mask = np.zeros((time, count), bool)
  starts = np.argwhere(rng.random((time, count)) < rate)
  for t, k in starts:
    mask[t : t + rng.integers(lengths[0], lengths[1] + 1), k] = True
  return mask


def _limb_swaps(skeleton: skeletons.Skeleton) -> list[tuple[int, int]]:
  """Joint pairs that trade places in a limb swap: mirrors, and wrist/elbow, ankle/knee."""
  pairs = list(skeleton.left_right)
  names = skeleton.joints
  for a, b in (("wrist", "elbow"), ("ankle", "knee")):
    for side in ("left", "right"):
      ja = [i for i, n in enumerate(names) if side in n.lower() and a in n.lower()]
      jb = [i for i, n in enumerate(names) if side in n.lower() and b in n.lower()]
      if ja and jb:
        pairs.append((ja[0], jb[0]))
  return pairs


def corrupt(
    ground_truth: np.ndarray,
    valid: np.ndarray,
    skeleton: skeletons.Skeleton,
    level: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
  """Simulated estimates of one person's ground-truth track.

  Args:
    ground_truth: [time, joints, 2] pixels.
    valid: [time, joints] where the ground truth is labelled.
    skeleton: the joint set.
    level: 0 (clean) to 4 (very hard); see LEVELS.
    rng: the only source of randomness.

  Returns:
    poses [time, joints, 2] (NaN where missing) and confidence [time, joints]
    (0 where missing), float32.
  """
  time, joints, _ = ground_truth.shape
  valid = valid.astype(bool)
  truth = np.where(valid[..., None], ground_truth, np.nan).astype(np.float64)
  if level <= 0:
    return truth.astype(np.float32), valid.astype(np.float32)
  size = skeletons.person_size(ground_truth, valid)
  out = truth.copy()
  corrupt_mask = np.zeros((time, joints), bool)

  # Correlated jitter: e_t = rho e_{t-1} + sqrt(1 - rho^2) * Laplace innovation.
  factor = np.ones(joints)
  for group, value in (("Wrists", 1.6), ("Ankles", 1.4), ("Elbows", 1.2), ("Knees", 1.1)):
    factor[list(skeleton.groups.get(group, ()))] = value
  sigma = 0.008 * level * size * factor[:, None]
  rho = 0.6
  innovations = rng.laplace(0.0, sigma / np.sqrt(2.0), (time, joints, 2))
  jitter = np.zeros((time, joints, 2))
  jitter[0] = innovations[0]
  for t in range(1, time):
    jitter[t] = rho * jitter[t - 1] + np.sqrt(1 - rho**2) * innovations[t]
  out += jitter

  # Limb swaps.
  pairs = _limb_swaps(skeleton)
  swapping = _run_mask(rng, time, len(pairs), 0.002 * level, (3, 12))
  for k, (a, b) in enumerate(pairs):
    frames = swapping[:, k]
    out[frames, a], out[frames, b] = out[frames, b].copy(), out[frames, a].copy()
    corrupt_mask[frames, a] = corrupt_mask[frames, b] = True

  # Stuck joints: hold the (already noisy) value of the run's first frame.
  stuck = _run_mask(rng, time, joints, 0.0008 * level, (5, 30))
  for k in range(joints):
    for t in np.flatnonzero(stuck[:, k]):
      if t > 0 and stuck[t - 1, k]:
        out[t, k] = out[t - 1, k]
  corrupt_mask |= stuck

  # Outliers on a ring of 0.1 to 0.4 person sizes.
  outliers = rng.random((time, joints)) < 0.008 * level
  angle = rng.uniform(0, 2 * np.pi, (time, joints))
  radius = rng.uniform(0.1, 0.4, (time, joints)) * size
  ring = np.stack([np.cos(angle), np.sin(angle)], -1) * radius[..., None]
  out += np.where(outliers[..., None], ring, 0.0)
  corrupt_mask |= outliers

  confidence = np.where(corrupt_mask, rng.beta(3, 3, (time, joints)),
                        rng.beta(8, 2, (time, joints)))
  wrong = corrupt_mask & (rng.random((time, joints)) < 0.3)
  confidence = np.where(wrong, rng.beta(8, 2, (time, joints)), confidence)
  confidence = np.where(stuck, rng.uniform(0.7, 0.95, (time, joints)), confidence)

  # Long misses of a joint, and frames without the person.
  missing = _run_mask(rng, time, joints, 0.0015 * level, (10, 40))
  missing |= _run_mask(rng, time, 1, 0.002 * level, (1, 15))
  # Unlabelled joints, and labelled ones a swap or stuck run filled from one.
  missing |= ~valid | ~np.isfinite(out).all(-1)
  out[missing] = np.nan
  confidence[missing] = 0.0
  return out.astype(np.float32), confidence.astype(np.float32)
