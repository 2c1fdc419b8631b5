"""The wheel: builds, installs into a fresh venv, and runs from outside the clone."""

import os
import shutil
import subprocess
import sys
import sysconfig

import numpy as np

from tests import conftest


def _run(args, cwd, **kwargs):
  env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
  out = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False,
                       **kwargs)
  return out


def test_wheel_installs_and_runs_outside_the_clone(tmp_path):
  # Build from a copy, so the clone gets no build/ or egg-info.
  source = tmp_path / "source"
  source.mkdir()
  shutil.copytree(conftest.ROOT / "pose_refine", source / "pose_refine",
                  ignore=shutil.ignore_patterns("__pycache__"))
  for name in ("pyproject.toml", "README.md"):
    shutil.copy(conftest.ROOT / name, source / name)
  wheels = tmp_path / "wheels"
  build = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                "--no-index", "-q", "-w", str(wheels), str(source)], cwd=tmp_path)
  assert build.returncode == 0, build.stderr[-3000:]
  (wheel,) = wheels.glob("pose_refine-*.whl")

  # A fresh venv that reuses this environment's packages (no network), plus the wheel alone.
  venv = tmp_path / "venv"
  made = _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], cwd=tmp_path)
  assert made.returncode == 0, made.stderr[-3000:]
  python = venv / "bin" / "python"
  purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                 cwd=tmp_path).stdout.strip()
  with open(os.path.join(purelib, "main_environment.pth"), "w") as f:
    f.write(sysconfig.get_path("purelib") + "\n")
  install = _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                  str(wheel)], cwd=tmp_path)
  assert install.returncode == 0, install.stderr[-3000:]

  work = tmp_path / "elsewhere"
  work.mkdir()
  rng = np.random.default_rng(0)
  keypoints = np.concatenate([rng.normal(200, 30, (40, 17, 2)), rng.uniform(0.5, 1, (40, 17, 1))],
                             -1).astype(np.float32)
  np.savez(work / "in.npz", keypoints=keypoints)

  cli = _run([str(venv / "bin" / "pose-refine"), "refine", "in.npz", "out.npz"], cwd=work)
  assert cli.returncode == 0, cli.stderr[-3000:]
  assert "Refined 1 track(s)" in cli.stdout
  assert "site-packages" in cli.stdout  # The shipped checkpoint, installed as package data.
  assert not cli.stderr.strip(), cli.stderr  # Quiet: no backend probes, no library warnings.
  with np.load(work / "out.npz") as data:
    assert data["keypoints"].shape == keypoints.shape

  api = _run([str(python), "-c", "import pose_refine; "
              "print(pose_refine.__file__); pose_refine.refine_file('in.npz', 'api.npz')"],
             cwd=work)
  assert api.returncode == 0, api.stderr[-3000:]
  assert str(conftest.ROOT) not in api.stdout
  assert (work / "api.npz").exists()

  # No top-level `datasets` from this project: the TFDS builders stay in the clone.
  found = _run([str(python), "-c", "import importlib.util as u; s = u.find_spec('datasets'); "
                "print(s.origin if s else None)"], cwd=work)
  assert found.returncode == 0, found.stderr[-3000:]
  assert str(conftest.ROOT) not in found.stdout and "pose_refine" not in found.stdout, found.stdout
  bad = _run([str(venv / "bin" / "pose-refine"), "refine", "missing.npz", "out2.npz"], cwd=work)
  assert bad.returncode == 2 and "missing.npz" in bad.stderr, bad.stderr[-3000:]
