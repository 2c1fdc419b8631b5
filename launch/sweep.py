r"""Ablation grid: attention x bidirectional x seeds, then a mean/std table.

Sequentially on one machine:

python -m launch.sweep --config=configs/synthetic.py --workdir=/tmp/pose_refine/sweep

As a SLURM array job (one run per task; see launch/slurm/sweep.sbatch), then
collect:

python -m launch.sweep --config=configs/synthetic.py --workdir=... --task_index=$SLURM_ARRAY_TASK_ID
python -m launch.sweep --config=configs/synthetic.py --workdir=... --collect_only

Each run is `launch.train` with --config=<config>:attention=..,bidirectional=..,seed=..
(and the --config.key=value overrides given here) in <workdir>/<run name>; a
finished run is not trained again. The table goes to <workdir>/sweep.md and
sweep.json.

The sweep itself runs no JAX (no common.setup): it starts launch.train
processes, which set JAX up, and a backend started here would hold the
accelerator they need.
"""

import itertools
import json
import os
import subprocess
import sys

from absl import app
from absl import flags
from etils import epath
from ml_collections import config_flags

from pose_refine import evaluation
from pose_refine import files

_CONFIG = config_flags.DEFINE_config_file("config", None, "Config file.", lock_config=True)
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
    seeds = [dict(zip(entry["values"], row)) for row in zip(*entry["values"].values())]
    entry["mean"], entry["std"] = evaluation.mean_and_std(seeds)
  return table


def format_table(table) -> str:
  columns = [f"{method}/{metric}" for method in ("raw", "refined") for metric in METRICS]
  return evaluation.markdown_table(
      ["variant", "seeds"] + columns,
      [[variant, str(entry["seeds"])]
       + [f"{entry['mean'][c]:.2f} ± {entry['std'][c]:.2f}" for c in columns]
       for variant, entry in table.items()])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  workdir = epath.Path(_WORKDIR.value)
  spec = config_flags.get_config_filename(flags.FLAGS["config"])
  overrides = [f"--config.{key}={value}" for key, value in
               config_flags.get_override_values(flags.FLAGS["config"]).items()]
  separator = "," if ":" in spec else ":"
  runs = grid(_SEEDS.value, _ARGS.value)
  if not _COLLECT_ONLY.value:
    selected = runs if _TASK_INDEX.value < 0 else [runs[_TASK_INDEX.value]]
    for i, (name, args) in enumerate(selected):
      if (workdir / name / "results.json").exists():
        print(f"[{i + 1}/{len(selected)}] {name}: done already", flush=True)
        continue
      print(f"[{i + 1}/{len(selected)}] {name}", flush=True)
      command = [
          sys.executable, "-m", "launch.train", f"--config={spec}{separator}{args}",
          f"--workdir={workdir / name}", *overrides, *_TRAIN_FLAGS.value,
      ]
      subprocess.run(command, check=True)
    if _TASK_INDEX.value >= 0:
      return
  table = collect(workdir, runs)
  if not table:
    raise app.UsageError(f"No finished run under {workdir}.")
  text = format_table(table)
  files.write_text(workdir / "sweep.json", json.dumps(table, indent=2))
  files.write_text(workdir / "sweep.md", text + "\n")
  print(text)


if __name__ == "__main__":
  app.run(main)
