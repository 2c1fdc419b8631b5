"""Classical smoothers, run on exactly the inputs the corrector sees.

Each takes one video's estimates [time, joints, 2] (NaN where missing) and
confidences [time, joints] and returns refined poses of the same shape.
Missing joints are filled: by linear interpolation over time before the
offline filters, by prediction in the Kalman filter, by holding the last
output in the One-Euro filter.
"""

import numpy as np
from scipy import ndimage
from scipy import signal

from pose_refine import skeletons
from pose_refine import windows


def _smooth_filled(poses, confidence, smooth):
  """Applies `smooth` over time to interpolated tracks; never-seen joints stay NaN."""
  filled = windows.interpolate_missing(poses, confidence)
  never_seen = np.isnan(filled[0, :, 0])
  out = smooth(np.nan_to_num(filled))
  out[:, never_seen] = np.nan
  return out.astype(np.float32)


def savitzky_golay(poses, confidence, window: int = 9, order: int = 2):
  """Savitzky-Golay smoothing after interpolation; `window` odd, > `order`."""
  window = min(window, len(poses) if len(poses) % 2 else len(poses) - 1)
  if window <= order:
    return windows.interpolate_missing(poses, confidence).astype(np.float32)
  return _smooth_filled(poses, confidence, lambda x: signal.savgol_filter(
      x, window, order, axis=0, mode="interp"))


def gaussian(poses, confidence, sigma: float = 2.0):
  """Gaussian smoothing over time (sigma in frames) after interpolation."""
  return _smooth_filled(poses, confidence, lambda x: ndimage.gaussian_filter1d(
      x, sigma, axis=0, mode="nearest"))


def one_euro(poses, confidence, min_cutoff: float = 1.0, beta: float = 0.0,
             derivative_cutoff: float = 1.0, rate: float = 30.0):
  """The One-Euro filter (Casiez et al., CHI 2012), causal, per coordinate."""

  def alpha(cutoff):
    tau = 1.0 / (2 * np.pi * cutoff)
    return 1.0 / (1.0 + tau * rate)

  valid = skeletons.observed(poses, confidence)
  out = np.full(poses.shape, np.nan, np.float64)
  value = np.full(poses.shape[1:], np.nan)
  speed = np.zeros(poses.shape[1:])
  for t in range(len(poses)):
    x = poses[t].astype(np.float64)
    seen = valid[t][:, None] & np.isfinite(value)
    first = valid[t][:, None] & ~np.isfinite(value)
    derivative = np.where(seen, (x - np.nan_to_num(value)) * rate, 0.0)
    a_d = alpha(derivative_cutoff)
    speed = np.where(seen, a_d * derivative + (1 - a_d) * speed, speed)
    a = alpha(min_cutoff + beta * np.abs(speed))
    value = np.where(seen, a * x + (1 - a) * np.nan_to_num(value), value)
    value = np.where(first, x, value)
    out[t] = value
  # Before a joint's first sighting there is nothing to hold: use the first.
  filled = windows.interpolate_missing(poses, confidence)
  return np.where(np.isnan(out), filled, out).astype(np.float32)


def kalman_rts(poses, confidence, process_noise: float = 1.0, measurement_noise: float = 4.0):
  """Constant-velocity Kalman filter with Rauch-Tung-Striebel smoothing.

  Each coordinate of each joint has state (position, velocity). A
  measurement's variance is measurement_noise^2 / confidence, so confident
  joints pull harder and missing ones (confidence 0) are only predicted.

  Args:
    process_noise: standard deviation of the acceleration, px/frame^2.
    measurement_noise: standard deviation of a confidence-1 measurement, px.
  """
  time = len(poses)
  valid = skeletons.observed(poses, confidence)
  z = np.nan_to_num(poses.astype(np.float64))  # [T, J, 2]
  r = np.where(valid, measurement_noise**2 / np.maximum(confidence, 1e-3), np.inf)[..., None]
  transition = np.array([[1.0, 1.0], [0.0, 1.0]])
  q = process_noise**2 * np.array([[0.25, 0.5], [0.5, 1.0]])
  shape = poses.shape[1:]
  # Start from the first valid measurement of each joint, with a wide prior.
  first = windows.interpolate_missing(poses, confidence)[0]
  x = np.stack([np.nan_to_num(first), np.zeros(shape)], -1)  # [J, 2, 2 state]
  p = np.broadcast_to(np.diag([1e4, 1e2]), shape + (2, 2)).copy()
  xs_pred, ps_pred, xs, ps = [], [], [], []
  for t in range(time):
    if t:
      x = x @ transition.T
      p = transition @ p @ transition.T + q
    xs_pred.append(x), ps_pred.append(p)
    innovation = z[t] - x[..., 0]
    s = p[..., 0, 0] + r[t]
    gain = p[..., :, 0] / np.where(np.isfinite(s), s, np.inf)[..., None]
    x = x + gain * innovation[..., None]
    p = p - gain[..., :, None] * p[..., 0, :][..., None, :]
    xs.append(x), ps.append(p)
  smoothed = xs[-1]
  out = [smoothed]
  p_s = ps[-1]
  for t in range(time - 2, -1, -1):
    c = ps[t] @ transition.T @ np.linalg.inv(ps_pred[t + 1])
    smoothed = xs[t] + (c @ (smoothed - xs_pred[t + 1])[..., None])[..., 0]
    p_s = ps[t] + c @ (p_s - ps_pred[t + 1]) @ np.swapaxes(c, -1, -2)
    out.append(smoothed)
  result = np.stack(out[::-1])[..., 0]
  never_seen = ~valid.any(0)
  result[:, never_seen] = np.nan
  return result.astype(np.float32)


# Parameter grids for tuning on a validation split. Each includes settings
# close to doing nothing (tiny windows and sigmas, high cut-offs, large
# process noise), so a filter that only hurts can tune itself out.
BASELINES = {
    "savitzky_golay": (savitzky_golay, {"window": [3, 5, 7, 9, 13, 17, 25], "order": [1, 2, 3]}),
    "gaussian": (gaussian, {"sigma": [0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0]}),
    "one_euro": (one_euro, {"min_cutoff": [0.05, 0.2, 0.5, 1.0, 3.0, 10.0, 30.0],
                            "beta": [0.0, 0.01, 0.1]}),
    "kalman_rts": (kalman_rts, {"process_noise": [0.3, 1.0, 3.0, 10.0, 30.0, 100.0],
                                "measurement_noise": [0.5, 1.0, 2.0, 5.0, 10.0, 20.0]}),
}
