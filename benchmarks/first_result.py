"""Time to first result: refining a short file in a fresh process, cold and with a warm cache.

Two measurements per cache state, each in new processes:

- phases: one process imports the refine path, loads the shipped model and
  refines the file twice (`refiner.refine_file`); the first refine minus the
  second is the compilation, the second the computation. Python's own
  start-up is the process's wall time minus the phases.
- commands: `python -m launch.refine` and `python -m pose_refine.cli refine`
  (what `pose-refine refine` runs), wall time from outside, beside the floor:
  a process that only imports JAX, Flax and Orbax and runs one trivial jitted
  call.

"Cold" uses an empty compilation cache folder, "warm" the same folder after
one run (POSE_REFINE_COMPILATION_CACHE).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_PHASES = r"""
import json, sys, time
start = time.perf_counter()
from pose_refine import refiner, sharding
sharding.split_host_cores()  # As `pose-refine refine` does.
sharding.enable_compilation_cache(0.0)
imported = time.perf_counter()
refiner.load()
loaded = time.perf_counter()
refiner.refine_file(sys.argv[1], sys.argv[2])
first = time.perf_counter()
refiner.refine_file(sys.argv[1], sys.argv[2])
second = time.perf_counter()
print(json.dumps({"import_s": imported - start, "load_s": loaded - imported,
                  "compile_s": (first - loaded) - (second - first), "compute_s": second - first}))
"""


_FLOOR = "floor: import JAX, Flax, Orbax; one trivial jit"


def _run(command, cache):
  env = dict(os.environ, POSE_REFINE_COMPILATION_CACHE=cache, PYTHONPATH=ROOT)
  start = time.perf_counter()
  out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
  wall = time.perf_counter() - start
  if out.returncode:
    raise RuntimeError(f"{' '.join(command)} failed:\n{out.stderr[-3000:]}")
  return wall, out.stdout


def bench_first_result(video, repeats):
  """Rows of median seconds: phases and whole commands, cold and warm.

  Args:
    video: the track to refine, "poses" [frames, joints, 2] and "confidence".
    repeats: runs per figure (the median is reported).
  """
  frames = len(video["poses"])
  samples = {}
  with tempfile.TemporaryDirectory() as folder:
    track, output = os.path.join(folder, "track.npy"), os.path.join(folder, "refined.npy")
    np.save(track, np.concatenate([video["poses"], video["confidence"][..., None]], -1))
    commands = {
        # What any program of this stack pays before its own work: Python, importing JAX,
        # Flax and Orbax, starting the CPU backend, one trivial jitted call, exiting.
        _FLOOR: [sys.executable, "-c", "import jax, flax.linen, orbax.checkpoint; "
                 "jax.block_until_ready(jax.jit(lambda x: x + 1)(jax.numpy.ones(3)))"],
        "python -m launch.refine": [sys.executable, "-m", "launch.refine", f"--input={track}",
                                    f"--output={output}"],
        "pose-refine refine": [sys.executable, "-m", "pose_refine.cli", "refine", track, output],
    }
    for repeat in range(repeats):
      for name, command in [("phases", [sys.executable, "-c", _PHASES, track, output])] + list(
          commands.items()):
        cache = os.path.join(folder, f"cache_{name.replace(' ', '_')}_{repeat}")
        for state in ("cold", "warm"):
          wall, stdout = _run(command, cache)
          row = {"wall_s": wall}
          if name == "phases":
            row.update(json.loads(stdout.strip().splitlines()[-1]))
            row["start_exit_s"] = wall - sum(row[k] for k in (
                "import_s", "load_s", "compile_s", "compute_s")) - row["compute_s"]
          samples.setdefault((name, state), []).append(row)
  rows = []
  for (name, state), runs in samples.items():
    row = {"what": name, "cache": state, "frames": frames}
    row.update({key: statistics.median(r[key] for r in runs) for key in runs[0]})
    print(json.dumps(row), flush=True)
    rows.append(row)
  return rows
