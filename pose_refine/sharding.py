"""Device mesh, shardings and multi-host start-up.

Data parallelism is expressed with `jax.jit` over a Mesh with one "data"
axis: batches are split along it, the train state is replicated, and XLA
inserts the gradient all-reduce.
"""

import os

import jax
import numpy as np
from absl import logging
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P


def enable_compilation_cache(min_compile_time_s: float = 1.0) -> str | None:
  """Turns on JAX's persistent compilation cache, so a later process loads programs.

  The folder is $POSE_REFINE_COMPILATION_CACHE, by default
  ~/.cache/pose_refine/jax ($XDG_CACHE_HOME if set); an empty
  POSE_REFINE_COMPILATION_CACHE turns the cache off. A cache folder set
  otherwise (jax.config) is kept. Call before the first compilation.

  Args:
    min_compile_time_s: programs that compile faster than this are not saved.

  Returns:
    The cache folder, or None when off.
  """
  default = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(
      os.path.expanduser("~"), ".cache"), "pose_refine", "jax")
  cache = jax.config.jax_compilation_cache_dir or os.environ.get(
      "POSE_REFINE_COMPILATION_CACHE", default)
  if not cache:
    return None
  jax.config.update("jax_compilation_cache_dir", cache)
  jax.config.update("jax_persistent_cache_min_compile_time_secs", min_compile_time_s)
  return cache


def host_cores(max_devices: int = 4) -> int:
  """The CPU devices `split_host_cores` makes: the usable cores, at most `max_devices`."""
  cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
  return max(1, min(max_devices, cores or 1))


def split_host_cores(max_devices: int = 4) -> int:
  """Runs the CPU as several XLA devices, so batched refining keeps every core busy.

  One XLA CPU device runs the LSTM's small, dependent steps mostly on one
  core; a batch split along "data" over several CPU devices runs on several
  cores at once (BENCHMARKS.md: whole-track refine 1.2-1.9x faster on 2 cores).
  A device count the user chose ($JAX_NUM_CPU_DEVICES, jax.config's
  jax_num_cpu_devices, or --xla_force_host_platform_device_count in
  $XLA_FLAGS) is kept. Accelerators are unaffected: JAX still computes on
  them. Call before JAX's backend starts; once it has started, this changes
  nothing.

  Args:
    max_devices: at most this many devices (the usable cores otherwise).

  Returns:
    The device count set, or 0 where it was left as it was.
  """
  if (jax.config.jax_num_cpu_devices >= 0
      or "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", "")):
    return 0
  devices = host_cores(max_devices)
  try:
    jax.config.update("jax_num_cpu_devices", devices)
  except RuntimeError:  # The backend has started: its devices stay.
    return 0
  return devices


def restrict_cores(cores) -> None:
  """Runs this process on the CPU cores `cores` only (Linux), for steadier stream latency.

  XLA sizes its CPU thread pools to the cores a process may use when its
  backend starts. A stream's per-frame programs are too small to gain from
  several threads, and on a small CPU the hand-offs between cores show in
  the slow frames: on a 2-core machine one person's 99th-percentile push
  latency was about half as long on one core as on both (BENCHMARKS.md,
  "Streaming latency"). Restricting the cores after JAX has started leaves
  its pools as they are and measured slower, so it is refused.

  Args:
    cores: CPU core numbers, e.g. [0].

  Raises:
    ValueError: `cores` is empty or holds a core this process may not use
      (the message lists those it may).
    RuntimeError: JAX's backend has started.
    OSError: not on Linux (no os.sched_setaffinity).
  """
  if not hasattr(os, "sched_setaffinity"):
    raise OSError("Restricting CPU cores needs os.sched_setaffinity (Linux); run without it.")
  cores, usable = {int(core) for core in cores}, os.sched_getaffinity(0)
  if not cores or not cores <= usable:
    raise ValueError(f"CPU cores {sorted(cores - usable) or '(none given)'}: this process may "
                     f"use {sorted(usable)}.")
  from jax._src import xla_bridge  # pylint: disable=g-import-not-at-top

  if getattr(xla_bridge, "backends_are_initialized", lambda: False)():
    raise RuntimeError("JAX has started, its thread pools sized to every core: restrict the "
                       "cores before JAX runs anything (e.g. first thing in the program).")
  os.sched_setaffinity(0, cores)


def initialize_distributed() -> None:
  """Starts multi-process JAX when the environment asks for it.

  Explicit variables (POSE_REFINE_COORDINATOR, POSE_REFINE_NUM_PROCESSES,
  POSE_REFINE_PROCESS_ID) come first; otherwise a SLURM allocation with more
  than one task is detected and `jax.distributed.initialize()` reads it. A
  single process does nothing.
  """
  if jax.distributed.is_initialized():
    return
  coordinator = os.environ.get("POSE_REFINE_COORDINATOR")
  if coordinator:
    # Collectives between CPU devices of different processes; GPUs use NCCL.
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=coordinator,
        num_processes=int(os.environ["POSE_REFINE_NUM_PROCESSES"]),
        process_id=int(os.environ["POSE_REFINE_PROCESS_ID"]),
    )
  elif int(os.environ.get("SLURM_NTASKS", "1")) > 1:
    jax.distributed.initialize()
  else:
    return
  logging.info(
      "Process %d of %d, %d local of %d devices.",
      jax.process_index(), jax.process_count(),
      jax.local_device_count(), jax.device_count(),
  )


def make_mesh(devices=None) -> jax.sharding.Mesh:
  """A 1D "data" mesh over `devices` (default: every device of every process)."""
  devices = jax.devices() if devices is None else list(devices)
  return jax.make_mesh(
      (len(devices),), ("data",), axis_types=(jax.sharding.AxisType.Auto,), devices=devices
  )


def data_sharding(mesh) -> NamedSharding:
  return NamedSharding(mesh, P("data"))


def replicated(mesh) -> NamedSharding:
  return NamedSharding(mesh, P())


def check_batch_size(global_batch_size: int, mesh) -> None:
  devices = mesh.devices.size
  if global_batch_size % devices:
    raise ValueError(
        f"config.batch_size={global_batch_size} is not divisible by the "
        f"{devices} devices of the mesh; use a multiple of {devices}."
    )


def to_global(local_batch, mesh):
  """Assembles each process's slice of the batch into global arrays."""
  sharding = data_sharding(mesh)
  return jax.tree.map(
      lambda x: jax.make_array_from_process_local_data(sharding, np.asarray(x)),
      local_batch,
  )
