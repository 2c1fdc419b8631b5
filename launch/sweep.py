r"""Ablation grid: attention x bidirectional x seeds, then a mean/std table.

Sequentially on one machine:

python -m launch.sweep --config=configs/synthetic.py --workdir=/tmp/pose_refine/sweep

As a SLURM array job (one run per task; see launch/slurm/sweep.sbatch), then
collect:

python -m launch.sweep --config=configs/synthetic.py --workdir=... --task_index=$SLURM_ARRAY_TASK_ID
python -m launch.sweep --config=configs/synthetic.py --workdir=... --collect_only

Each run is `launch.train` with --config=<config>:attention=..,bidirectional=..,seed=..
in <workdir>/<run name>; a finished run is not trained again. The table goes
to <workdir>/sweep.md and sweep.json.
"""

import itertools
import json
import os
import subprocess
import sys

import numpy as np
from absl import app
from absl import flags
from etils import epath

_CONFIG = flags.DEFINE_string("config", None, "Config file, without ':' arguments.")
_WORKDIR = flags.DEFINE_string("workdir", None, "Root directory of the sweep's runs.")
_SEEDS = flags.DEFINE_integer("seeds", 3, "Seeds per grid point (0 .. seeds-1).")
_ARGS = flags.DEFINE_string("args", "", "Extra config arguments, e.g. 'runlocal=True'.")
_TRAIN_FLAGS = flags.DEFINE_multi_string(
    "train_flag", [], "Extra flags for launch.train, e.g. --train_flag=--config.num_epochs=10."
)
_TASK_INDEX = flags.DEFINE_integer(
    "task_index", int(os.environ.get("SLURM_ARRAY_TASK_ID", -1)),
    "Run only this grid point (array jobs); -1 runs them all.",
)
_COLLECT_ONLY = flags.DEFINE_bool("collect_only", False, "Only build the table.")
flags.mark_flags_as_required(["config", "workdir"])

METRICS = ("pck@20/Average", "pck@10/Average", "mean_error")


def grid(seeds: int, extra_args: str = "") -> list[tuple[str, str]]:
  """(run name, config argument string) for every grid point."""
  runs = []
  for attention, bidirectional, seed in itertools.product(
      (True, False), (True, False), range(seeds)
  ):
    variant = f"attention={attention},bidirectional={bidirectional}"
    args = f"{variant},seed={seed}" + (f",{extra_args}" if extra_args else "")
    # Directory names without commas, so lists of them can be comma-separated.
    runs.append((f"attention={attention}-bidirectional={bidirectional}-seed={seed}", args))
  return runs


def collect(workdir: epath.Path, runs) -> dict:
  """Mean and standard deviation over seeds of every finished run's results."""
  table = {}
  for name, _ in runs:
    results_path = workdir / name / "results.json"
    if not results_path.exists():
      continue
    variant = name.rsplit("-seed=", 1)[0]
    results = json.loads(results_path.read_text())
    entry = table.setdefault(variant, {"seeds": 0, "values": {}})
    entry["seeds"] += 1
    for method in ("raw", "refined"):
      for metric in METRICS:
        entry["values"].setdefault(f"{method}/{metric}", []).append(results[method][metric])
  for entry in table.values():
    entry["mean"] = {k: float(np.mean(v)) for k, v in entry["values"].items()}
    entry["std"] = {k: float(np.std(v)) for k, v in entry["values"].items()}
  return table


def format_table(table) -> str:
  columns = [f"{method}/{metric}" for method in ("raw", "refined") for metric in METRICS]
  lines = [
      "| variant | seeds | " + " | ".join(columns) + " |",
      "|---|---|" + "---|" * len(columns),
  ]
  for variant, entry in table.items():
    cells = [f"{entry['mean'][c]:.2f} ± {entry['std'][c]:.2f}" for c in columns]
    lines.append(f"| {variant} | {entry['seeds']} | " + " | ".join(cells) + " |")
  return "\n".join(lines)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  workdir = epath.Path(_WORKDIR.value)
  runs = grid(_SEEDS.value, _ARGS.value)
  if not _COLLECT_ONLY.value:
    selected = runs if _TASK_INDEX.value < 0 else [runs[_TASK_INDEX.value]]
    for i, (name, args) in enumerate(selected):
      if (workdir / name / "results.json").exists():
        print(f"[{i + 1}/{len(selected)}] {name}: done already", flush=True)
        continue
      print(f"[{i + 1}/{len(selected)}] {name}", flush=True)
      command = [
          sys.executable, "-m", "launch.train", f"--config={_CONFIG.value}:{args}",
          f"--workdir={workdir / name}", *_TRAIN_FLAGS.value,
      ]
      subprocess.run(command, check=True)
    if _TASK_INDEX.value >= 0:
      return
  table = collect(workdir, runs)
  if not table:
    raise app.UsageError(f"No finished run under {workdir}.")
  text = format_table(table)
  (workdir / "sweep.json").write_text(json.dumps(table, indent=2))
  (workdir / "sweep.md").write_text(text + "\n")
  print(text)


if __name__ == "__main__":
  app.run(main)
