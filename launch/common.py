"""Start-up shared by the launchers: determinism flags, caches, multi-host."""

import os
import sys
import time

from absl import logging

_GPU_DETERMINISM_FLAGS = "--xla_gpu_deterministic_ops=true"


def _quiet_libraries(record) -> bool:
  """Drops INFO chatter from Orbax, TFDS and grain; keeps their warnings."""
  noisy = ("orbax", "tensorflow_datasets", "grain", "etils")
  if "/orbax/" in record.pathname and "read_only" in record.getMessage().replace(" ", "_"):
    return False  # Loading a checkpoint read-only is intended, not a problem.
  return record.levelno > 20 or not any(f"/{n}/" in record.pathname for n in noisy)


def setup(config=None) -> None:
  """Prepares JAX before its backend starts.

  With `config.deterministic`, GPU programs use deterministic reductions and
  scatters (slower, bit-reproducible on the same GPU model and software).
  Also turns on the persistent compilation cache and, when the environment
  describes several processes, starts multi-process JAX.
  """
  if config is not None and config.deterministic:
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_gpu_deterministic_ops" not in flags:
      os.environ["XLA_FLAGS"] = f"{flags} {_GPU_DETERMINISM_FLAGS}".strip()
  import jax  # pylint: disable=g-import-not-at-top

  cache = os.environ.get(
      "POSE_REFINE_COMPILATION_CACHE",
      os.path.join(os.path.expanduser("~"), ".cache", "pose_refine", "jax"),
  )
  if cache:
    jax.config.update("jax_compilation_cache_dir", cache)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
  from pose_refine import sharding  # pylint: disable=g-import-not-at-top

  sharding.initialize_distributed()
  logging.set_verbosity(logging.INFO)
  logging.get_absl_handler().addFilter(_quiet_libraries)
  logging.info("JAX %s on %s: %d devices.", jax.__version__, jax.default_backend(),
               jax.device_count())


class ProgressBar:
  """A one-line progress bar on stderr, redrawn at most ten times a second."""

  def __init__(self, label: str, total: int, unit: str = "", enabled: bool = True):
    self.label, self.total, self.unit = label, max(total, 1), unit
    self.enabled = enabled
    self._start = time.monotonic()
    self._drawn = 0.0

  def update(self, done: int, total: int | None = None) -> None:
    del total  # The bar's own total counts every part of the job.
    now = time.monotonic()
    if not self.enabled or (now - self._drawn < 0.1 and done < self.total):
      return
    self._drawn = now
    fraction = min(done / self.total, 1.0)
    filled = int(30 * fraction)
    rate = done / max(now - self._start, 1e-9)
    sys.stderr.write(
        f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {100 * fraction:3.0f}% "
        f"{done}/{self.total} {self.unit} ({rate:,.0f}/s)"
    )
    sys.stderr.flush()

  def close(self) -> None:
    if self.enabled and self._drawn:
      sys.stderr.write("\n")
      sys.stderr.flush()
