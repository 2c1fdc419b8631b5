"""The data-parallel train step on several devices equals one device."""

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
