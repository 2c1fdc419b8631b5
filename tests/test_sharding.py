"""The data-parallel train step on several devices equals one device."""

import os
import subprocess
import sys

from tests import conftest


def test_train_step_on_4_fake_devices_matches_1_device():
  result = subprocess.run(
      [sys.executable, "-m", "tests.multidevice_steps"],
      cwd=conftest.ROOT,
      env=conftest.subprocess_env(),
      capture_output=True,
      text=True,
      timeout=600,
  )
  assert result.returncode == 0, result.stdout + result.stderr
  assert "param_gap=" in result.stdout
  assert "not divisible by the 4 devices" in result.stdout


_SPLIT_AND_REFINE = """
import os, sys
import jax
import numpy as np
from pose_refine import inference, refiner, sharding
from tests import conftest

set_to = sharding.split_host_cores(max_devices=2)
print("set", set_to, "devices", jax.device_count())
print("again", sharding.split_host_cores(max_devices=2))  # The backend has started.
shipped = refiner.Refiner()
video = conftest.random_video(700, seed=3)
outputs = []
for devices in (jax.devices()[:1], jax.devices()):
  mesh = sharding.make_mesh(devices)
  predict = inference.make_predict_fn(shipped.model, mesh)
  outputs.append(inference.refine_videos(
      predict, shipped.params, [video], window=shipped.config.window, stride=16,
      batch_size=64, mesh=mesh, fill_missing=True)[0])
print("gap", float(np.nanmax(np.abs(outputs[0] - outputs[1]))))
"""


def _split_and_refine(**env):
  result = subprocess.run([sys.executable, "-c", _SPLIT_AND_REFINE], cwd=conftest.ROOT,
                          env=conftest.subprocess_env(**env), capture_output=True, text=True,
                          timeout=600)
  assert result.returncode == 0, result.stdout + result.stderr
  return dict(zip(*[iter(result.stdout.split())] * 2))


def test_split_host_cores_refines_as_one_device_does():
  cores = min(2, len(os.sched_getaffinity(0)))
  out = _split_and_refine()
  assert (out["set"], out["devices"], out["again"]) == (str(cores), str(cores), "0")
  assert float(out["gap"]) < 1e-3  # px; the same windows, float rounding only.


def test_split_host_cores_keeps_a_device_count_the_user_set():
  out = _split_and_refine(JAX_NUM_CPU_DEVICES="1")
  assert (out["set"], out["devices"]) == ("0", "1")


def test_restrict_cores_before_jax_starts_and_never_after():
  usable = sorted(os.sched_getaffinity(0))
  script = f"""
import os
from pose_refine import sharding
for bad in ([], [{max(usable) + 1000}]):
  try:
    sharding.restrict_cores(bad)
  except ValueError as error:
    print("refused", str(error).replace(" ", "_"))
sharding.restrict_cores([{usable[-1]}])
import jax
jax.devices()
print("cores", sorted(os.sched_getaffinity(0)))
try:
  sharding.restrict_cores([{usable[-1]}])
except RuntimeError as error:
  print("late", "JAX_has_started" in str(error).replace(" ", "_"))
print("after", sorted(os.sched_getaffinity(0)))
"""
  result = subprocess.run([sys.executable, "-c", script], cwd=conftest.ROOT,
                          env=conftest.subprocess_env(), capture_output=True, text=True,
                          timeout=300)
  assert result.returncode == 0, result.stdout + result.stderr
  lines = result.stdout.splitlines()
  assert lines[0].startswith("refused CPU_cores_(none_given)")
  assert lines[1].startswith(f"refused CPU_cores_[{max(usable) + 1000}]:_this_process_may_use")
  assert lines[2] == f"cores [{usable[-1]}]"
  assert lines[3:] == ["late True", f"after [{usable[-1]}]"]
