"""Per-window coordinate normalisation, in JAX so it runs inside the model.

Each window is centred on the median of its valid joints and divided by the
median distance of those joints from that centre. Medians keep outliers and
left/right swaps from moving the frame of reference; invalid joints (NaN or
zero confidence) take no part, whatever their values.
"""

import jax
import jax.numpy as jnp


def joint_validity(poses, confidence):
  """[..., joints] True where a joint is usable: finite and confidence > 0."""
  finite = jnp.all(jnp.isfinite(poses), axis=-1)
  return finite & (confidence > 0)


def _sortable_keys(values):
  """float32 -> uint32 keys in the same order (-inf < ... < -0.0 < 0.0 < ... < inf)."""
  bits = jax.lax.bitcast_convert_type(values, jnp.uint32)
  negative = (bits >> 31) == 1
  return jnp.where(negative, ~bits, bits | jnp.uint32(1 << 31))


def _from_sortable_keys(keys):
  negative = (keys >> 31) == 0
  bits = jnp.where(negative, ~keys, keys & jnp.uint32((1 << 31) - 1))
  return jax.lax.bitcast_convert_type(bits, jnp.float32)


def nanmedian(values):
  """The median of the last axis ignoring NaNs, as `jnp.nanmedian(values, axis=-1)`.

  The same value bit for bit (the two middle order statistics averaged as
  (low + high) * 0.5; a zero median may differ in sign), found by bisecting
  the float32 bit patterns (32 rounds of compare-and-count) instead of
  sorting: XLA's sort is the slowest part of a window's forward pass on
  CPU, selection is a few vectorised reductions. No gradient flows back to
  `values` (it is computed from the inputs' frame of reference, never from
  parameters).

  Args:
    values: [..., n] float32.

  Returns:
    [...] float32; NaN where a row has no number.
  """
  values = values.astype(jnp.float32)
  present = ~jnp.isnan(values)
  count = jnp.sum(present, axis=-1, dtype=jnp.int32)
  # NaNs get the largest key, above every number's, so they are never picked.
  keys = jnp.where(present, _sortable_keys(values), jnp.uint32(0xFFFFFFFF))[..., None, :]
  # Order statistics (count - 1) // 2 and count // 2, searched together: [..., 2].
  rank = jnp.stack([(count - 1) // 2, count // 2], -1)

  def halve(_, bounds):
    # Invariant: the answer (smallest key with more than `rank` keys <= it) is in [low, high].
    low, high = bounds
    middle = low + (high - low) // 2
    enough = jnp.sum(keys <= middle[..., None], axis=-1, dtype=jnp.int32) > rank
    return jnp.where(enough, low, middle + 1), jnp.where(enough, middle, high)

  low = jnp.zeros(rank.shape, jnp.uint32)
  high = jnp.full(rank.shape, 0xFFFFFFFF, jnp.uint32)
  found, _ = jax.lax.fori_loop(0, 32, halve, (low, high))
  middle = _from_sortable_keys(found)
  return jnp.where(count > 0, (middle[..., 0] + middle[..., 1]) * 0.5, jnp.nan)


def window_frame(poses, valid, eps=1e-3):
  """Centre and scale of each window.

  Args:
    poses: [batch, time, joints, 2] pixels; invalid entries may hold anything.
    valid: [batch, time, joints] bool.
    eps: smallest scale, in pixels.

  Returns:
    centre: [batch, 2] pixels; 0 for a window with no valid joint.
    scale: [batch] pixels; 1 for a window with no valid joint.
  """
  batch = poses.shape[0]
  points = jnp.where(valid[..., None], poses, jnp.nan).reshape(batch, -1, 2)
  any_valid = jnp.any(valid.reshape(batch, -1), axis=1)
  centre = nanmedian(jnp.swapaxes(points, 1, 2))
  centre = jnp.where(any_valid[:, None], centre, 0.0)
  distance = jnp.linalg.norm(points - centre[:, None], axis=-1)
  scale = nanmedian(distance)
  scale = jnp.where(any_valid, jnp.maximum(scale, eps), 1.0)
  return centre, scale


def to_normalized(poses, valid, centre, scale):
  """Pixels -> window units; invalid joints become exactly 0."""
  normalized = (poses - centre[:, None, None]) / scale[:, None, None, None]
  return jnp.where(valid[..., None], normalized, 0.0)


def to_pixels(normalized, centre, scale):
  """Window units -> pixels."""
  return normalized * scale[:, None, None, None] + centre[:, None, None]


def fill_missing(points, valid):
  """Fills invalid joints by linear interpolation over time within the window.

  Each joint track is interpolated between its nearest valid frames before
  and after; before the first and after the last valid frame the nearest one
  is held; a joint with no valid frame in the window becomes 0 (the window's
  centre). Only valid values are read, so what invalid entries hold never
  matters.

  Args:
    points: [batch, time, joints, 2], finite (e.g. from `to_normalized`).
    valid: [batch, time, joints] bool.

  Returns:
    [batch, time, joints, 2] with valid entries unchanged.
  """
  time = points.shape[1]
  t = jnp.arange(time)[None, :, None]
  previous = jax.lax.cummax(jnp.where(valid, t, -1), axis=1)
  following = jax.lax.cummin(jnp.where(valid, t, time), axis=1, reverse=True)
  has_previous, has_following = previous >= 0, following < time

  def gather(index):
    index = jnp.clip(index, 0, time - 1)[..., None]
    return jnp.take_along_axis(points, jnp.broadcast_to(index, points.shape), axis=1)

  before, after = gather(previous), gather(following)
  weight = ((t - previous) / jnp.maximum(following - previous, 1))[..., None]
  filled = jnp.where(
      (has_previous & has_following)[..., None],
      before + weight * (after - before),
      jnp.where(has_previous[..., None], before, jnp.where(has_following[..., None], after, 0.0)),
  )
  return jnp.where(valid[..., None], points, filled)
