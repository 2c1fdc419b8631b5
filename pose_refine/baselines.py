"""Classical smoothers, run on exactly the inputs the corrector sees.

Each takes one video's estimates [time, joints, 2] (NaN where missing) and
confidences [time, joints] and returns refined poses of the same shape.
Missing joints are filled: by linear interpolation over time before the
offline filters, by prediction in the Kalman filter, by holding the last
output in the One-Euro filter.

The causal ones (CAUSAL_BASELINES: One-Euro, a fixed-lag Kalman smoother, a
Savitzky-Golay fit over past frames) see at most `lookahead` frames past
the frame they output, as a stream with that lag would.
"""

import functools
import inspect

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


def correction_size(refined, poses, confidence, window: int) -> np.ndarray:
  """Per frame, the median size of the corrections `refined` made to `poses` nearby.

  Over the observed joints of the `window` frames centred on each frame, the
  median of |refined - poses| in units of the track's size (`track_size` of
  the refined pose). Frames with no observed joint within the window get 0.

  Returns:
    [time] float64 (from float32 differences, whatever the inputs' type).
  """
  refined, poses = np.asarray(refined, np.float32), np.asarray(poses, np.float32)
  present = np.isfinite(refined).all(-1)
  observed = skeletons.observed(poses, confidence) & present
  if not observed.any():
    return np.zeros(len(poses))
  size = track_size(np.where(present[..., None], refined, np.nan))
  step = np.where(observed[..., None], refined - poses, 0.0)
  moved = np.where(observed, np.sqrt(np.add.reduce(step * step, -1)) / size, np.nan)
  half = max(window, 1) // 2
  if len(poses) <= half + 1:  # Every frame's window holds the whole track: one median.
    return np.full(len(poses), _median(moved[observed]), np.float64)
  padded = np.pad(moved, ((half, half), (0, 0)), constant_values=np.nan)
  views = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1, axis=0)
  out = np.zeros(len(poses))
  for start in range(0, len(poses), 1024):  # Bounded memory on long tracks.
    near = views[start:start + 1024].reshape(len(views[start:start + 1024]), -1)
    out[start:start + 1024] = np.nan_to_num(row_nanmedian(near), nan=0.0)
  return out


def track_size(points) -> float:
  """The median over frames of the longer side of the pose's bounding box (at least 1e-6).

  Args:
    points: [time, joints, 2], NaN for joints not placed; frames without a
      placed joint do not count.
  """
  sides = np.fmax.reduce(np.fmax.reduce(points, 1) - np.fmin.reduce(points, 1), -1)
  sides = sides[~np.isnan(sides)]
  return max(float(_median(sides)), 1e-6) if sides.size else 1e-6


def _median(values):
  """np.median of a 1-D array without NaN, by one sort: faster on short arrays."""
  ordered = np.sort(values)
  return (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2


def row_nanmedian(values) -> np.ndarray:
  """np.nanmedian(values, axis=-1) for [rows, n], by sorting (NaN sorts last): faster.

  Rows without a finite value give NaN.
  """
  count = np.isfinite(values).sum(-1)
  ordered = np.sort(values, axis=-1)
  rows = np.arange(len(values))
  low = ordered[rows, np.maximum(count - 1, 0) // 2]
  high = ordered[rows, np.maximum(count, 1) // 2 - (count == 0)]
  return np.where(count > 0, (low + high) / 2, np.nan)


def adaptive_gaussian(refined, poses, confidence, *, gain: float, offset: float,
                      max_sigma: float, window: int = 121, step: float = 0.25,
                      floor: float = 0.0, floor_gain: float = 0.0, floor_offset: float = 0.0,
                      network=None, network_level=None, spikes: float = 0.0,
                      motion: float = 0.0, motion_limit: float = 0.0,
                      motion_scale: float = 1.0):
  """Gaussian smoothing of a refined track, as wide as the errors it corrected.

  Frame t is smoothed over time with sigma_t = max(clip(gain * (m_t - offset),
  0, max_sigma), clip(floor_gain * (n_t - floor_offset), 0, floor)) frames, m_t the median
  correction near t (`correction_size`) of `refined` and n_t that of
  `network`: where the refiner barely moved the input (clean or mildly noisy
  input) the track passes through unchanged; where it had much to correct,
  the jitter left in its output is smoothed away. The second, steep ramp
  (`floor`) is for an output that keeps some of the input (an input
  selector's): measured on the network's own output, it gives every stretch
  the network corrected at all at least `floor` frames of smoothing, for the
  jitter of the input joints kept there. Between the sigmas of a grid `step`
  apart, outputs are blended linearly. In the frames it smooths at all,
  `spikes` > 0 first takes out isolated spikes (`despike`, before the
  Gaussian), and `motion` > 0 then smooths further where the motion allows
  it (`motion_adaptive`).

  Args:
    refined: [time, joints, 2] a refiner's output for `poses`; NaN for joints
      it did not place (they stay NaN).
    poses, confidence: the refiner's input ([time, joints, 2], [time, joints]).
    gain, offset, max_sigma: the rule above (sigma in frames; gain per unit of
      correction relative to the track's size).
    window: frames over which m_t and n_t are measured.
    step: sigma grid spacing.
    floor, floor_gain, floor_offset: the second ramp (floor 0: none); n_t up
      to floor_offset (what a network moves clean input by) gives it no sigma.
    network: [time, joints, 2] the network's output before an input selector
      (n_t); None: `refined`.
    network_level: optional [time] n_t (correction_size of `network` over
      `window`), if the caller has it.
    spikes: `despike`'s tolerance in units of each joint's noise level in
      `refined` (`noise_level`; 0: no such stage).
    motion: `motion_adaptive`'s tolerance in units of each joint's noise
      level in `refined` (0: no such stage).
    motion_limit: its largest tolerance, relative to the track's size (0:
      none).
    motion_scale: its sigmas and spread in frames, relative to MOTION_SIGMAS
      and MOTION_SPREAD (a track faster than the model's frame rate: > 1).

  Returns:
    [time, joints, 2] float32.
  """
  same = network is None or network is refined  # No selector in between: one measure.
  refined = np.asarray(refined, np.float32)
  level = correction_size(refined, poses, confidence, window)
  sigma = np.clip(gain * (level - offset), 0.0, max_sigma)
  if floor > 0 and floor_gain > 0:
    if network_level is not None:
      level = np.asarray(network_level)
    elif not same:
      level = correction_size(network, poses, confidence, window)
    sigma = np.maximum(sigma, np.clip(floor_gain * (level - floor_offset), 0.0, floor))
    max_sigma = max(max_sigma, floor)
  if not (sigma > 0).any():
    return refined
  if spikes > 0 or motion > 0:
    noise = noise_level(refined)
  if spikes > 0:
    refined = despike(refined, spikes * noise, sigma > 0)
  grid = np.arange(0.0, max_sigma + step / 2, step)
  smooth = _smoother(refined)
  place = np.clip(sigma / step, 0, len(grid) - 1)
  low = np.floor(place).astype(int)
  high = np.minimum(low + 1, len(grid) - 1)
  weight = (place - low)[:, None, None].astype(np.float32)
  # Only the grid's sigmas some frame blends (a short track may need two).
  versions = np.zeros((len(grid),) + refined.shape, np.float32)
  for index in np.unique(np.concatenate([low, high])):
    versions[index] = refined if index == 0 else smooth(grid[index])
  frames = np.arange(len(refined))
  out = ((1 - weight) * versions[low, frames] + weight * versions[high, frames]).astype(
      np.float32)
  if motion > 0:
    tolerance = motion * noise
    if motion_limit > 0:
      present = np.all(np.isfinite(refined), -1)
      size = track_size(np.where(present[..., None], refined, np.nan))
      tolerance = np.minimum(tolerance, motion_limit * size)
    out = motion_adaptive(out, tolerance, sigma > 0, motion_scale)
  return out


def _smoother(track):
  """sigma -> `track` Gaussian-smoothed over time (float32; unplaced joints stay NaN)."""
  present = np.all(np.isfinite(track), -1)
  if (present.all(0) | ~present.any(0)).all():
    # Every joint placed throughout or never: `gaussian` without its gap filling.
    placed = np.nan_to_num(track.astype(np.float64))

    def smooth(sigma):
      out = ndimage.gaussian_filter1d(placed, sigma, axis=0, mode="nearest")
      return np.where(present[..., None], out, np.nan).astype(np.float32)

    return smooth
  return functools.partial(gaussian, track, present.astype(np.float32))


def despike(track, tolerance, active):
  """`track` without isolated spikes: a Hampel filter over three frames.

  A joint whose position lies farther than `tolerance[joint]` from the
  median (per coordinate) of it and its two neighbours takes that median:
  a one-frame excursion that comes back goes, while steady motion (its
  median is itself) and a step that stays are kept.

  Args:
    track: [time, joints, 2]; NaN where not placed.
    tolerance: [joints] px; 0: the joint is left as it is.
    active: [time] bool, the frames this may change.

  Returns:
    [time, joints, 2] float32.
  """
  track = np.asarray(track, np.float32)
  if len(track) < 3:
    return track
  before = np.concatenate([track[:1], track[:-1]])
  after = np.concatenate([track[1:], track[-1:]])
  median = np.median(np.stack([before, track, after]), axis=0)
  off = np.linalg.norm(track.astype(np.float64) - median, axis=-1)
  limit = np.asarray(tolerance, np.float64)[None, :]
  replace = (np.asarray(active, bool)[:, None] & (limit > 0) & (off > limit)
             & np.isfinite(median).all(-1))
  return np.where(replace[..., None], median, track)


# motion_adaptive's sigmas and the frames its choice is spread over (at the model's rate).
MOTION_SIGMAS = (1.0, 2.0, 3.0, 4.0)
MOTION_SPREAD = 2


def noise_level(track) -> np.ndarray:
  """Per joint, a robust size of `track`'s frame-to-frame noise (px).

  The median over frames of |x_{t+1} - 2 x_t + x_{t-1}| divided by sqrt(6):
  white noise of standard deviation s per coordinate gives second
  differences of standard deviation sqrt(6) s per coordinate, so this is
  about 1.18 s (the median length of such a 2-D vector), and smooth motion
  adds little to the median. Joints without three placed consecutive
  frames get 0.

  Args:
    track: [time, joints, 2], NaN where a joint is not placed.

  Returns:
    [joints] float64.
  """
  track = np.asarray(track, np.float64)
  if len(track) < 3:
    return np.zeros(track.shape[1])
  second = np.linalg.norm(track[2:] - 2 * track[1:-1] + track[:-2], axis=-1)
  out = np.zeros(track.shape[1])
  placed = np.isfinite(second)
  for joint in np.flatnonzero(placed.any(0)):
    out[joint] = _median(second[placed[:, joint], joint]) / np.sqrt(6.0)
  return out


def motion_adaptive(track, tolerance, active, scale: float = 1.0):
  """`track` smoothed further per joint and frame, as far as its motion allows.

  For each joint and frame, the widest of MOTION_SIGMAS (times `scale`)
  such that the Gaussian-smoothed track, at it and at every narrower one,
  stays within `tolerance[joint]` of `track`: where the joint moves
  steadily, smoothing barely moves it and the wide sigmas apply (the jitter
  left there goes); where it turns or speeds up, smoothing would pull it
  off its path and the narrow ones (or none) apply. The choice is spread
  over neighbouring frames (the smallest within MOTION_SPREAD frames, then
  their mean) so that it changes gradually, and outputs of neighbouring
  sigmas are blended linearly.

  Args:
    track: [time, joints, 2]; NaN where not placed (stays NaN).
    tolerance: [joints] px (adaptive_gaussian: a multiple of `noise_level`
      of the unsmoothed track, at most a share of the track's size).
    active: [time] bool, the frames this may change (others: as they are).
    scale: sigmas and spread in frames relative to MOTION_SIGMAS and
      MOTION_SPREAD.

  Returns:
    [time, joints, 2] float32.
  """
  track = np.asarray(track, np.float32)
  active = np.asarray(active, bool)
  limit = np.asarray(tolerance, np.float64)
  if not active.any() or not (limit > 0).any() or len(track) < 2:
    return track
  smooth = _smoother(track)
  versions = [track] + [smooth(sigma * scale) for sigma in MOTION_SIGMAS]
  choice = np.zeros(track.shape[:2])
  for index, version in enumerate(versions[1:], 1):
    close = np.linalg.norm(version.astype(np.float64) - track, axis=-1) <= limit
    choice = np.where(close & (choice == index - 1), index, choice)
  choice = np.where(active[:, None], choice, 0.0)
  spread = 2 * round(MOTION_SPREAD * scale) + 1
  choice = ndimage.minimum_filter1d(choice, spread, axis=0, mode="nearest")
  choice = ndimage.uniform_filter1d(choice, spread, axis=0, mode="nearest")
  choice = np.where(active[:, None], choice, 0.0)
  low = np.floor(choice).astype(int)
  high = np.minimum(low + 1, len(versions) - 1)
  weight = (choice - low)[..., None]
  stacked = np.stack(versions)
  frames, joints = np.indices(track.shape[:2])
  out = (1 - weight) * stacked[low, frames, joints] + weight * stacked[high, frames, joints]
  return np.where(np.isfinite(track), out, np.nan).astype(np.float32)


def one_euro_step(value, speed, x, valid, *, min_cutoff: float, beta: float,
                  derivative_cutoff: float = 1.0, rate: float = 30.0, xp=np):
  """One frame of the One-Euro filter: (value, speed) [joints, 2] after frame x.

  `valid` [joints] marks the joints observed in x; the others keep their
  value and speed. A joint's first observation starts its value. `xp`: the
  array module, NumPy (in float64) or jax.numpy (in x's dtype, as a
  stream's compiled lookahead-0 filter runs it: pose_refine.stream_finish).
  """

  def alpha(cutoff):
    tau = 1.0 / (2 * np.pi * cutoff)
    return 1.0 / (1.0 + tau * rate)

  if xp is np:
    x = x.astype(np.float64)
  seen = valid[:, None] & xp.isfinite(value)
  first = valid[:, None] & ~xp.isfinite(value)
  derivative = xp.where(seen, (x - xp.nan_to_num(value)) * rate, 0.0)
  a_d = alpha(derivative_cutoff)
  speed = xp.where(seen, a_d * derivative + (1 - a_d) * speed, speed)
  a = alpha(min_cutoff + beta * xp.abs(speed))
  value = xp.where(seen, a * x + (1 - a) * xp.nan_to_num(value), value)
  return xp.where(first, x, value), speed


def one_euro(poses, confidence, min_cutoff: float = 1.0, beta: float = 0.0,
             derivative_cutoff: float = 1.0, rate: float = 30.0):
  """The One-Euro filter (Casiez et al., CHI 2012), causal, per coordinate."""
  valid = skeletons.observed(poses, confidence)
  out = np.full(poses.shape, np.nan, np.float64)
  value = np.full(poses.shape[1:], np.nan)
  speed = np.zeros(poses.shape[1:])
  for t in range(len(poses)):
    value, speed = one_euro_step(value, speed, poses[t], valid[t], min_cutoff=min_cutoff,
                                 beta=beta, derivative_cutoff=derivative_cutoff, rate=rate)
    out[t] = value
  # Before a joint's first sighting there is nothing to hold: use the first.
  filled = windows.interpolate_missing(poses, confidence)
  return np.where(np.isnan(out), filled, out).astype(np.float32)


def _kalman_filter(poses, confidence, process_noise: float, measurement_noise: float):
  """The forward pass of the constant-velocity Kalman filter (see `kalman_rts`).

  Returns:
    filtered states [time, joints, 2, 2 (position, velocity)] and
    covariances [time, joints, 2, 2, 2], the predicted ones (before each
    frame's measurement), the transition matrix and the observed mask
    [time, joints].
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
  return np.stack(xs), np.stack(ps), np.stack(xs_pred), np.stack(ps_pred), transition, valid


def kalman_rts(poses, confidence, process_noise: float = 1.0, measurement_noise: float = 4.0):
  """Constant-velocity Kalman filter with Rauch-Tung-Striebel smoothing.

  Each coordinate of each joint has state (position, velocity). A
  measurement's variance is measurement_noise^2 / confidence, so confident
  joints pull harder and missing ones (confidence 0) are only predicted.

  Args:
    process_noise: standard deviation of the acceleration, px/frame^2.
    measurement_noise: standard deviation of a confidence-1 measurement, px.
  """
  xs, ps, xs_pred, ps_pred, transition, valid = _kalman_filter(
      poses, confidence, process_noise, measurement_noise)
  time = len(poses)
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


def _not_seen_yet(valid, lookahead: int) -> np.ndarray:
  """[time, joints] True where a joint has no observation up to frame t + lookahead."""
  seen = np.maximum.accumulate(valid, axis=0)
  ahead = np.minimum(np.arange(len(valid)) + lookahead, len(valid) - 1)
  return ~seen[ahead]


def kalman_fixed_lag(poses, confidence, process_noise: float = 1.0,
                     measurement_noise: float = 4.0, lookahead: int = 0):
  """The forward Kalman filter of `kalman_rts`, smoothed over `lookahead` frames only.

  Frame t's estimate uses the measurements up to t + lookahead (a fixed-lag
  Rauch-Tung-Striebel smoother: the backward pass runs from t + lookahead
  down to t); lookahead 0 is the plain filter, a lookahead past the track's
  end is `kalman_rts`. Frames before a joint's first observation within
  reach are NaN.
  """
  xs, ps, xs_pred, ps_pred, transition, valid = _kalman_filter(
      poses, confidence, process_noise, measurement_noise)
  time = len(poses)
  last = np.minimum(np.arange(time) + lookahead, time - 1)
  smoothed = xs[last]  # [T, J, 2, 2]
  if time > 1 and lookahead:
    gains = ps[:-1] @ transition.T @ np.linalg.inv(ps_pred[1:])  # C_u, u < T - 1.
    frames = np.arange(time)
    for step in range(1, lookahead + 1):
      u = frames + lookahead - step  # Every frame's smoother goes one step back at once.
      active = (u < last) & (u >= frames)
      ua = u[active]
      smoothed[active] = xs[ua] + (gains[ua] @ (smoothed[active] - xs_pred[ua + 1])[..., None]
                                   )[..., 0]
  result = smoothed[..., 0]
  result[_not_seen_yet(valid, lookahead)] = np.nan
  return result.astype(np.float32)


def savitzky_golay_causal(poses, confidence, past: int = 8, order: int = 2,
                          lookahead: int = 0):
  """A Savitzky-Golay fit over `past` frames before t, t and `lookahead` after, read at t.

  A least-squares polynomial of degree `order` through frames
  [t - past, t + lookahead] (fewer at a track's ends, the degree lowered to
  fit), evaluated at t. Missing joints hold their last observation (only
  frames up to t + lookahead are known; before the first one, the first);
  frames before a joint's first observation within reach are NaN.
  """
  time = len(poses)
  valid = skeletons.observed(poses, confidence)
  last_seen = np.maximum.accumulate(np.where(valid, np.arange(time)[:, None], -1), axis=0)
  first_seen = np.argmax(valid, axis=0)
  source = np.where(last_seen >= 0, last_seen, first_seen[None, :])
  held = np.take_along_axis(np.nan_to_num(poses.astype(np.float64)), source[..., None], axis=0)
  out = np.empty(held.shape, np.float64)
  coefficients = {}
  for t in range(time):
    start, end = max(t - past, 0), min(t + lookahead, time - 1) + 1
    key = (end - start, t - start)
    if key not in coefficients:
      degree = min(order, key[0] - 1)
      coefficients[key] = signal.savgol_coeffs(key[0], degree, pos=key[1], use="dot")
    out[t] = np.tensordot(coefficients[key], held[start:end], axes=1)
  out[_not_seen_yet(valid, lookahead)] = np.nan
  return out.astype(np.float32)


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

# Filters that see at most `lookahead` frames past the one they output, for
# the accuracy-lookahead curve (launch/online_curve.py). One-Euro is causal
# whatever the lookahead (it uses none; frames before a joint's first
# observation take that observation, as in BASELINES).
CAUSAL_BASELINES = {
    "one_euro": (one_euro, BASELINES["one_euro"][1]),
    "kalman_fixed_lag": (kalman_fixed_lag, BASELINES["kalman_rts"][1]),
    "savitzky_golay_causal": (savitzky_golay_causal, {"past": [1, 2, 4, 6, 8, 12, 16, 24],
                                                      "order": [1, 2, 3]}),
}


def causal_baselines(lookahead: int) -> dict:
  """CAUSAL_BASELINES for a stream's `lookahead`: name -> (function, grid), as BASELINES.

  The Kalman smoother's lag is the lookahead; the Savitzky-Golay fit may
  also use fewer future frames (its grid's "lookahead", up to the stream's),
  so a wide fit that only blurs can tune itself down.
  """
  out = {}
  for name, (function, grid) in CAUSAL_BASELINES.items():
    if name == "savitzky_golay_causal":
      ahead = sorted({k for k in (0, 1, 2, 4, 8, 16) if k < lookahead} | {lookahead})
      grid = grid | {"lookahead": ahead}
    elif "lookahead" in inspect.signature(function).parameters:
      function = functools.partial(function, lookahead=lookahead)
    out[name] = (function, grid)
  return out
