"""What a stream does to the model's output before it returns a frame, in JAX.

A sliding stream (pose_refine.streaming) post-processes every window's
output: at lookahead 1 to window - 1 the checkpoint's input selector
(selection.select) and whole-track smoother (baselines.adaptive_gaussian)
run on the window and one frame of it is returned (`finish_window`); at
lookahead 0 its lookahead-0 selector chooses, per joint of frame t, between
the input and the output from cues of frames t - 120 to t
(selection.online_features; `finish_online`). In NumPy each is some
hundred small array operations per push, as long as the model call itself
on a 2-core CPU; written here in JAX they are one compiled call after the
model's (streaming._finish_fn), which takes the model's output where it lies.

The arithmetic is the NumPy functions', for the case a stream has. A
window at most half the selector's and smoother's 121-frame measuring
window long (plus one) gives each of their medians over the whole window
and the smoother one sigma (`applies`); medians are found by bisection
(normalization.nanmedian, the same values). Where NumPy computes in float64
(the selectors' cues), this computes in float32: a joint whose probability
lies within about 1e-6 of the threshold may be chosen the other way, and
smoothed and filtered positions differ by float rounding (the lookahead-0
selector's One-Euro filter keeps its state in float32;
tests/test_stream_finish.py compares both). `finish_window` says, with the
frame, whether the NumPy smoother would have taken its exact branch (every
joint placed in all of the window's frames or in none); where not, the
stream runs `Refiner.finish` instead.
"""

import jax.numpy as jnp
import numpy as np

from pose_refine import baselines
from pose_refine import normalization
from pose_refine import selection as selector

_TRUNCATE = 4.0  # scipy.ndimage.gaussian_filter1d's default, as adaptive_gaussian uses it.


def applies(window: int, smoothing_rule) -> bool:
  """Whether windows of `window` frames have one median per measure (see the module docstring)."""
  return window <= min(max(smoothing_rule["window"], 1), selector.NEARBY_WINDOW) // 2 + 1


def _observed(poses, confidence):
  return jnp.all(jnp.isfinite(poses), -1) & (confidence > 0)


def _norm(vectors):
  return selector._norm(vectors, jnp)  # pylint: disable=protected-access


def _track_size(points):
  """baselines.track_size."""
  sides = jnp.nanmax(jnp.nanmax(points, 1) - jnp.nanmin(points, 1), -1)
  return jnp.maximum(jnp.nan_to_num(normalization.nanmedian(sides), nan=1e-6), 1e-6)


def _correction_level(refined, poses, confidence):
  """baselines.correction_size over a measuring window holding the whole window: one value."""
  present = jnp.all(jnp.isfinite(refined), -1)
  observed = _observed(poses, confidence) & present
  size = _track_size(jnp.where(present[..., None], refined, jnp.nan))
  step = jnp.where(observed[..., None], refined - poses, 0.0)
  moved = jnp.where(observed, _norm(step) / size, jnp.nan)
  return jnp.where(observed.any(), normalization.nanmedian(moved.reshape(-1)), 0.0)


def _probability(rule, values: dict):
  """selection.probability from the cues by name ([..., len(rule["features"])] in NumPy)."""
  cues = [values[name] if name == "confidence"
          else jnp.log(values[name] + selector._LOG_OFFSET)  # pylint: disable=protected-access
          for name in rule["features"]]
  design = jnp.stack(cues + [c * c / 10 for c in cues], -1)
  design = (design - np.float32(rule["mean"])) / np.float32(rule["std"])
  coef = np.asarray(rule["coef"], np.float32)
  return 1 / (1 + jnp.exp(-(design @ coef[:-1] + coef[-1])))


def window_cues(network, poses, confidence, nearby):
  """selection.features of a window by name, and where the selector may choose."""
  present = jnp.all(jnp.isfinite(network), -1)
  observed = _observed(poses, confidence) & present
  size = _track_size(jnp.where(present[..., None], network, jnp.nan))
  x = jnp.where(observed[..., None], poses, 0.0) / size
  values = selector.motion_cues(x, jnp.nan_to_num(network) / size, observed, jnp)
  correction = values["correction"]
  frame = normalization.nanmedian(jnp.where(observed, correction, jnp.nan))
  absent = selector._ABSENT  # pylint: disable=protected-access
  values.update({
      "confidence": jnp.nan_to_num(confidence),
      "nearby_correction": jnp.broadcast_to(nearby, correction.shape),
      "frame_correction": jnp.broadcast_to(
          jnp.nan_to_num(frame, nan=absent)[:, None], correction.shape),
  })
  return values, observed


def _select(rule, network, poses, confidence, nearby):
  """selection.select: the input kept where the rule finds it closer to the truth."""
  values, observed = window_cues(network, poses, confidence, nearby)
  keep = observed & (_probability(rule, values) > rule["threshold"])
  return jnp.where(keep[..., None], poses, network)


def _gaussian_rows(grid, length: int, position: int) -> np.ndarray:
  """[len(grid), length]: frame `position` of gaussian_filter1d(x, sigma, mode="nearest") as
  weights on x's frames, per sigma of the grid (sigma 0: the frame itself)."""
  rows = np.zeros((len(grid), length))
  rows[0, position] = 1.0
  for index, sigma in enumerate(grid[1:], 1):
    radius = int(_TRUNCATE * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 / (sigma * sigma) * offsets**2)
    np.add.at(rows[index], np.clip(position + offsets, 0, length - 1), kernel / kernel.sum())
  return rows.astype(np.float32)


def finish_window(selection_rule, smoothing_rule, window: int, position: int):
  """A JAX function (network, poses, confidence) -> (frame, exact) for one window.

  Args:
    selection_rule: the checkpoint's config.selection, or None: no selector.
    smoothing_rule: its config.smoothing, or None: no smoother.
    window: the window's frames (`applies(window, smoothing_rule)` must hold).
    position: the frame returned.

  Returns:
    A function of the model's output [window, joints, 2], its input as
    pushed (NaN where missing) and confidence [window, joints] giving
    Refiner.finish(...)[position] ([joints, 2] float32) and whether that is
    the NumPy functions' branch (see the module docstring).
  """
  rule = dict(smoothing_rule or {"window": selector.NEARBY_WINDOW})
  if not applies(window, rule):
    raise ValueError(f"A {window}-frame window has more than one median per measure.")
  selection = selection_rule is not None
  smoothing = smoothing_rule is not None
  if smoothing:
    gain, offset, max_sigma = rule["gain"], rule["offset"], rule["max_sigma"]
    floor = rule["floor"] if rule["floor"] > 0 and rule["floor_gain"] > 0 else 0.0
    step = 0.25  # adaptive_gaussian's grid spacing.
    grid = np.arange(0.0, max(max_sigma, floor) + step / 2, step)
    rows = _gaussian_rows(grid, window, position)

  def finish(network, poses, confidence):
    nearby = _correction_level(network, poses, confidence)
    refined = (_select(selection_rule, network, poses, confidence, nearby) if selection
               else network)
    if not smoothing:
      return refined[position], jnp.bool_(True)
    level = _correction_level(refined, poses, confidence) if selection else nearby
    sigma = jnp.clip(gain * (level - offset), 0.0, max_sigma)
    if floor:
      sigma = jnp.maximum(sigma, jnp.clip(rule["floor_gain"] * (nearby - rule["floor_offset"]),
                                          0.0, floor))
    place = jnp.clip(sigma / step, 0, len(grid) - 1)
    low = jnp.floor(place).astype(jnp.int32)
    high = jnp.minimum(low + 1, len(grid) - 1)
    weight = (place - low).astype(jnp.float32)
    present = jnp.all(jnp.isfinite(refined), -1)
    placed = jnp.nan_to_num(refined)

    def version(index):
      return jnp.where(present[position, :, None],
                       jnp.einsum("t,tjc->jc", jnp.asarray(rows)[index], placed), jnp.nan)

    frame = (1 - weight) * version(low) + weight * version(high)
    exact = jnp.all(present.all(0) | ~present.any(0)) | (sigma <= 0)
    return frame, exact

  return finish


def online_cues(refined, points, scores, previous, count, sides, moved):
  """selection.online_features of frame t by name (see `finish_online` for the arguments,
  `refined` with the joints never seen NaN), where the selector may choose, the recent
  correction's median in pixels and frame t's selection.frame_measures (sides, moved)."""
  absent = selector._ABSENT  # pylint: disable=protected-access
  near = jnp.concatenate([previous, refined[None]])  # Frames t - 2, t - 1, t.
  present = jnp.all(jnp.isfinite(near), -1)
  observed = _observed(points, scores) & present
  placed = jnp.where(present[-1, :, None], refined, jnp.nan)
  side = jnp.nanmax(jnp.nanmax(placed, 0) - jnp.nanmin(placed, 0), -1)
  step = jnp.where(observed[..., None], near - points, 0.0)
  near_moved = jnp.where(observed, _norm(step), jnp.nan)
  size = normalization.nanmedian(jnp.concatenate([sides, side[None]]))
  recent = normalization.nanmedian(jnp.concatenate([moved, near_moved[-1:]]).reshape(-1))
  size = jnp.maximum(jnp.nan_to_num(size, nan=1e-6), 1e-6)
  x = jnp.where(observed[..., None], points, 0.0)
  y = jnp.nan_to_num(near)
  y_before = jnp.where(count >= 2, y[1], y[2])  # At the first frame: itself.
  correction = jnp.nan_to_num(near_moved)
  o1, o2 = observed[1], observed[0]
  joints = refined.shape[:1]
  values = {
      "correction": jnp.where(observed[2], correction[2], 0.0) / size,
      "input_curvature_before": jnp.where(o1 & o2, _norm(x[2] - 2 * x[1] + x[0]) / size,
                                          absent),
      "input_step_before": jnp.where(o1, _norm(x[2] - x[1]) / size, absent),
      "output_step_before": _norm(y[2] - y_before) / size,
      "correction_before": jnp.where(o1, correction[1] / size, absent),
      "correction_before_2": jnp.where(o2, correction[0] / size, absent),
      "confidence": jnp.nan_to_num(scores[2]),
      "recent_correction": jnp.broadcast_to(jnp.nan_to_num(recent) / size, joints),
      "frame_correction": jnp.broadcast_to(
          jnp.nan_to_num(normalization.nanmedian(near_moved[2]) / size, nan=absent), joints),
  }
  return values, observed[2], recent, side, near_moved[2]


def finish_online(rule):
  """A JAX function for one frame of the lookahead-0 selector and its filter.

  Args:
    rule: the checkpoint's config.online_selection.

  Returns:
    A function of (refined [joints, 2], the model's output for frame t;
    seen [joints], the joints observed so far; points [3, joints, 2] and
    scores [3, joints], frames t - 2 to t as pushed (padding: NaN and 0);
    previous [2, joints, 2], the refined frames t - 2 and t - 1 as this
    function returned them; count, the frames pushed (t + 1); sides [120]
    and moved [120, joints], selection.frame_measures of frames t - 120 to
    t - 1 in any order, NaN where there is none; value and speed [joints,
    2], the filter's state after frame t - 1 (NaN and 0 at first)) giving
    (frame t as selection.online_select returns it, refined with the joints
    never seen NaN, the filter's state after frame t, frame t's sides and
    moved).
  """
  smooth = rule["min_cutoff"] > 0  # selection.online_smoother.

  def finish(refined, seen, points, scores, previous, count, sides, moved, value, speed):
    refined = jnp.where(seen[:, None], refined, jnp.nan)
    values, observed, _, side, moved_now = online_cues(refined, points, scores, previous, count,
                                                       sides, moved)
    keep = observed & (_probability(rule, values) > rule["threshold"])
    selected = jnp.where(keep[:, None], points[2], refined)
    if smooth:  # selection.online_filter.
      value, speed = baselines.one_euro_step(
          value, speed, selected, jnp.all(jnp.isfinite(selected), -1),
          min_cutoff=rule["min_cutoff"], beta=rule["beta"], rate=rule["rate"], xp=jnp)
      filtered = jnp.where(jnp.isfinite(value), value, selected)
      selected = jnp.where(values["recent_correction"][0] > rule["level"], filtered, selected)
    return selected, refined, value, speed, side, moved_now

  return finish
