"""Shared fixtures: a small synthetic data set prepared once per session."""

import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> str:
  """A TFDS data_dir holding synthetic_pose/small."""
  from pose_refine import input_pipeline

  path = str(tmp_path_factory.mktemp("tfds"))
  input_pipeline.load_split("synthetic_pose/small", "train", path)
  return path


def subprocess_env(**extra) -> dict[str, str]:
  """Environment for child Python processes run from the repository root."""
  env = dict(os.environ)
  env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
  env.update(extra)
  return env
