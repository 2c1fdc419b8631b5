"""Per-window coordinate normalisation, in JAX so it runs inside the model.

Each window is centred on the median of its valid joints and divided by the
median distance of those joints from that centre. Medians keep outliers and
left/right swaps from moving the frame of reference; invalid joints (NaN or
zero confidence) take no part, whatever their values.
"""

import jax.numpy as jnp


def joint_validity(poses, confidence):
  """[..., joints] True where a joint is usable: finite and confidence > 0."""
  finite = jnp.all(jnp.isfinite(poses), axis=-1)
  return finite & (confidence > 0)


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
  centre = jnp.nanmedian(points, axis=1)
  centre = jnp.where(any_valid[:, None], centre, 0.0)
  distance = jnp.linalg.norm(points - centre[:, None], axis=-1)
  scale = jnp.nanmedian(distance, axis=1)
  scale = jnp.where(any_valid, jnp.maximum(scale, eps), 1.0)
  return centre, scale


def to_normalized(poses, valid, centre, scale):
  """Pixels -> window units; invalid joints become exactly 0."""
  normalized = (poses - centre[:, None, None]) / scale[:, None, None, None]
  return jnp.where(valid[..., None], normalized, 0.0)


def to_pixels(normalized, centre, scale):
  """Window units -> pixels."""
  return normalized * scale[:, None, None, None] + centre[:, None, None]
