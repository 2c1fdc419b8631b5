"""Shared fixtures: a small synthetic data set prepared once per session."""

import os
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> str:
  """A TFDS data_dir holding synthetic_pose/small."""
  from pose_refine import input_pipeline

  path = str(tmp_path_factory.mktemp("tfds"))
  input_pipeline.load_split("synthetic_pose/small", "train", path)
  return path


@pytest.fixture(scope="session")
def bench_python() -> pathlib.Path:
  """The PyTorch peer's Python (benchmarks/torch_peer.py), its environment made on first use."""
  import subprocess  # noqa: PLC0415

  setup = subprocess.run(["./setup.sh", "requirements-bench.txt", ".venv-bench"],
                         cwd=ROOT, capture_output=True, text=True, check=False)
  assert setup.returncode == 0, setup.stderr[-3000:]
  return ROOT / ".venv-bench" / "bin" / "python"


def random_video(time: int, joints: int = 13, seed: int = 0) -> dict[str, np.ndarray]:
  """A video's fields: noisy estimates around random ground truth, some of it invalid."""
  rng = np.random.default_rng(seed)
  truth = rng.normal(200, 50, (time, joints, 2)).astype(np.float32)
  return {
      "poses": truth + rng.normal(0, 3, truth.shape).astype(np.float32),
      "confidence": rng.uniform(0, 1, truth.shape[:2]).astype(np.float32),
      "ground_truth": truth,
      "ground_truth_valid": rng.random(truth.shape[:2]) > 0.1,
  }


def subprocess_env(**extra) -> dict[str, str]:
  """Environment for child Python processes run from the repository root."""
  env = dict(os.environ)
  env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
  env.update(extra)
  return env


SHARED_DATA = pathlib.Path(os.environ.get("POSE_REFINE_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> pathlib.Path:
  """../shared/data; its absence fails the test when POSE_REFINE_REQUIRE_DATA=1 (CI)."""
  if not (SHARED_DATA / "youtube_pose" / "YouTube_Pose_dataset.mat").exists():
    message = f"real data not found at {SHARED_DATA} (set POSE_REFINE_DATA)"
    if os.environ.get("POSE_REFINE_REQUIRE_DATA") == "1":
      pytest.fail(message)
    pytest.skip(message)
  return SHARED_DATA


@pytest.fixture(scope="session")
def real_data_dir(tmp_path_factory) -> str:
  """A TFDS data_dir for the real data sets, filled on first use."""
  return str(tmp_path_factory.mktemp("tfds_real"))


@pytest.fixture(scope="session")
def estimator_python() -> pathlib.Path:
  """The MediaPipe stage's Python, its environment made on first use (a no-op once made).

  The README's test command sets up .venv only; the tests that run the estimator
  stage make its own environment, so a fresh clone passes with no other step.
  """
  import subprocess  # noqa: PLC0415

  setup = subprocess.run(["./setup.sh", "requirements-estimator.txt", ".venv-estimator"],
                         cwd=ROOT, capture_output=True, text=True, check=False)
  assert setup.returncode == 0, setup.stderr[-3000:]
  return ROOT / ".venv-estimator" / "bin" / "python"
