"""Start-up shared by the launchers: determinism flags, caches, multi-host."""

import os

from absl import flags as absl_flags
from absl import logging

_GPU_DETERMINISM_FLAGS = "--xla_gpu_deterministic_ops=true"


def _quiet_libraries(record) -> bool:
  """Drops INFO chatter from Orbax, TFDS and grain; keeps their warnings."""
  noisy = ("orbax", "tensorflow_datasets", "grain", "etils")
  if "/orbax/" in record.pathname and "read_only" in record.getMessage().replace(" ", "_"):
    return False  # Loading a checkpoint read-only is intended, not a problem.
  return record.levelno > 20 or not any(f"/{n}/" in record.pathname for n in noisy)


def setup(config=None, quiet: bool = False, cache_min_compile_time_s: float = 1.0) -> None:
  """Prepares JAX before its backend starts.

  With `config.deterministic`, GPU programs use deterministic reductions and
  scatters (slower, bit-reproducible on the same GPU model and software).
  Also turns on the persistent compilation cache
  (sharding.enable_compilation_cache) and, when the environment
  describes several processes, starts multi-process JAX. Logs at INFO, or
  with `quiet` (tools for users, not research runs) at absl's --verbosity
  (default: warnings only, so no backend probes; --verbosity=0 for INFO).
  """
  if config is not None and config.deterministic:
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_gpu_deterministic_ops" not in flags:
      os.environ["XLA_FLAGS"] = f"{flags} {_GPU_DETERMINISM_FLAGS}".strip()
  import jax  # pylint: disable=g-import-not-at-top

  from pose_refine import sharding  # pylint: disable=g-import-not-at-top

  # Programs compiling faster than cache_min_compile_time_s are not cached.
  sharding.enable_compilation_cache(cache_min_compile_time_s)
  sharding.initialize_distributed()
  verbosity = absl_flags.FLAGS["verbosity"]
  if verbosity.present:
    logging.set_verbosity(verbosity.value if quiet else max(logging.INFO, verbosity.value))
  else:
    logging.set_verbosity(logging.WARNING if quiet else logging.INFO)
  logging.get_absl_handler().addFilter(_quiet_libraries)
  logging.info("JAX %s on %s: %d devices.", jax.__version__, jax.default_backend(),
               jax.device_count())
