"""pose_refine against its PyTorch peer (benchmarks/torch_peer.py), timed in one run.

The peer lives in its own environment (./setup.sh requirements-bench.txt
.venv-bench: torch and numpy, no JAX), so it runs as a second process that
this one drives over a pipe: one request, one timed run, one answer. The
driver alternates its own programs with the peer's (A B C D A B C D ...),
so both sides see the same machine load, and only one side computes at a
time (the other waits on the pipe). Both get the same thread count and the
same weights and inputs, through an .npz `export` writes.
"""

import json
import os
import subprocess

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PYTHON = os.path.join(ROOT, ".venv-bench", "bin", "python")


def _flatten(tree, prefix=""):
  flat = {}
  for key, value in tree.items():
    if isinstance(value, dict):
      flat.update(_flatten(value, f"{prefix}{key}/"))
    else:
      flat[f"{prefix}{key}"] = np.asarray(value, np.float32)
  return flat


def export(path, model, params, arrays, **config) -> None:
  """Writes what torch_peer reads: `model`'s sizes, its Flax `params`, and `arrays`.

  Args:
    path: the .npz to write.
    model: a models.PoseCorrector (attention, bidirectional, offline).
    params: its parameter tree.
    arrays: "poses", "confidence" and optionally "ground_truth",
      "ground_truth_valid", as numpy arrays.
    **config: more scalars for the peer (e.g. train_batch, predict_windows).
  """
  if not (model.attention and model.bidirectional and model.residual
          and model.interpolate_missing and model.lookahead < 0):
    raise ValueError("The torch peer implements the default architecture only.")
  sizes = dict(num_joints=model.num_joints, hidden=model.hidden,
               attention_size=model.attention_size, aligned_output=model.aligned_output,
               deadzone=model.deadzone, **config)
  values = {f"config/{k}": np.asarray(v) for k, v in sizes.items()}
  values.update({f"params/{k}": v for k, v in _flatten(params).items()})
  values.update({k: np.asarray(v) for k, v in arrays.items()})
  np.savez(path, **values)


def check_command(python, export_path, output_path) -> list[str]:
  """The command that computes the peer's outputs on an export (torch_peer --check)."""
  return [python, os.path.join(ROOT, "benchmarks", "torch_peer.py"), f"--check={export_path}",
          f"--output={output_path}"]


class Peer:
  """The torch peer's serving process: `setup` once, then `time` requests."""

  def __init__(self, python: str = DEFAULT_PYTHON):
    if not os.path.exists(python):
      raise FileNotFoundError(
          f"{python} not found: make the peer's environment with "
          "./setup.sh requirements-bench.txt .venv-bench (or pass --peer_python).")
    # OpenMP threads that spin while waiting make torch 4-10x slower on a shared machine
    # (measured here: 1024-window eager inference 7-8.5 s spinning, 2 s passive, at load
    # average 2.5 on 2 cores); XLA's pool does not spin that way.
    env = dict(os.environ)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    self.process = subprocess.Popen(
        [python, os.path.join(ROOT, "benchmarks", "torch_peer.py"), "--serve"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

  def request(self, **message) -> dict:
    self.process.stdin.write(json.dumps(message) + "\n")
    self.process.stdin.flush()
    line = self.process.stdout.readline()
    if not line:
      raise RuntimeError(f"The torch peer stopped (exit status {self.process.wait()}).")
    return json.loads(line)

  def close(self) -> None:
    self.process.stdin.close()
    self.process.wait(timeout=60)
