"""Window normalisation: the median by selection equals jnp.nanmedian."""

import jax
import jax.numpy as jnp
import numpy as np

from pose_refine import normalization


def test_nanmedian_equals_jax_bit_for_bit():
  rng = np.random.default_rng(0)
  values = rng.normal(0.0, 100.0, (40, 3, 51)).astype(np.float32)
  values[rng.random(values.shape) < 0.3] = np.nan
  values[0] = np.nan  # No number: NaN.
  values[1, :, 1:] = np.nan  # One number.
  values[2, :, 2:] = np.nan  # Two: their mean.
  values[3] = 0.0
  values[4, :, ::2] = -0.0
  values[5] = np.round(values[5] / 50.0)  # Ties.
  values[6, :, :3] = [np.inf, -np.inf, 1e-30]
  values[7] = np.abs(values[7]) * 1e30
  expected = np.asarray(jax.jit(lambda v: jnp.nanmedian(v, axis=-1))(values))
  got = np.asarray(jax.jit(normalization.nanmedian)(values))
  assert got.shape == (40, 3)
  # Equal values, NaN where NaN; the sign of a zero median may differ (jnp's sort
  # orders -0.0 and 0.0 as equal), which no later step can tell apart.
  np.testing.assert_array_equal(got, expected)
  nonzero = expected != 0
  np.testing.assert_array_equal(got[nonzero].view(np.uint32), expected[nonzero].view(np.uint32))
