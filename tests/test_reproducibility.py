"""Bit-identical reruns, resume after SIGKILL/SIGTERM, damaged checkpoints."""

import json
import signal
import subprocess
import sys
import time

import jax.numpy as jnp
import numpy as np
import pytest

from configs import synthetic
from pose_refine import checkpointing
from pose_refine import input_pipeline
from pose_refine import train
from tests import conftest

STEPS = 120
OVERRIDES = (
    f"--config.num_train_steps={STEPS}",
    "--config.checkpoint_every_steps=40",
    "--config.log_every_steps=10",
    "--config.eval_every_steps=60",
)


def _command(workdir, data_dir):
  return [
      sys.executable, "-m", "launch.train", "--config=configs/synthetic.py:runlocal=True",
      f"--workdir={workdir}", f"--config.data_dir={data_dir}", *OVERRIDES,
  ]


def _env(tmp_path_factory):
  cache = tmp_path_factory.getbasetemp() / "jax_cache"
  return conftest.subprocess_env(POSE_REFINE_COMPILATION_CACHE=str(cache))


def _run(workdir, data_dir, env):
  result = subprocess.run(
      _command(workdir, data_dir), cwd=conftest.ROOT, env=env,
      capture_output=True, text=True, timeout=600,
  )
  assert result.returncode == 0, result.stderr[-5000:]
  return result


def _last_logged_step(workdir):
  path = workdir / "metrics.jsonl"
  if not path.exists():
    return 0
  steps = [json.loads(line)["step"] for line in path.read_text().splitlines() if line]
  return max(steps, default=0)


def _interrupt(workdir, data_dir, env, sig, after_step):
  """Starts a run and sends `sig` once it has logged `after_step`."""
  process = subprocess.Popen(
      _command(workdir, data_dir), cwd=conftest.ROOT, env=env,
      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
  )
  deadline = time.monotonic() + 600
  while _last_logged_step(workdir) < after_step:
    assert process.poll() is None, process.stdout.read()[-5000:]
    assert time.monotonic() < deadline
    time.sleep(0.05)
  process.send_signal(sig)
  output = process.communicate(timeout=600)[0]
  return process.returncode, output


@pytest.fixture(scope="module")
def straight_run(data_dir, tmp_path_factory):
  workdir = tmp_path_factory.mktemp("straight")
  _run(workdir, data_dir, _env(tmp_path_factory))
  return workdir


def _results(workdir):
  return json.loads((workdir / "results.json").read_text())


def test_identical_runs_are_bit_identical(straight_run, data_dir, tmp_path_factory):
  again = tmp_path_factory.mktemp("again")
  _run(again, data_dir, _env(tmp_path_factory))
  assert _results(again) == _results(straight_run)
  assert (again / "metrics.jsonl").read_text() == (straight_run / "metrics.jsonl").read_text()
  losses = [json.loads(x) for x in (again / "metrics.jsonl").read_text().splitlines()]
  assert [x["step"] for x in losses if "loss" in x] == list(range(1, STEPS + 1))


def test_a_different_seed_changes_the_run(straight_run, data_dir, tmp_path_factory):
  config = synthetic.get_config("runlocal=True,seed=1")
  config.data_dir = data_dir
  config.num_train_steps = 10
  other = train.train_and_evaluate(config, str(tmp_path_factory.mktemp("seed1")))
  assert other["params_sha256"] != _results(straight_run)["params_sha256"]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_interrupted_run_resumes_to_the_same_result(
    sig, straight_run, data_dir, tmp_path_factory
):
  workdir = tmp_path_factory.mktemp(f"interrupted_{sig.name}")
  env = _env(tmp_path_factory)
  code, output = _interrupt(workdir, data_dir, env, sig, after_step=53)
  if sig == signal.SIGKILL:
    assert code == -signal.SIGKILL
  else:
    assert code == 143, output[-3000:]
    saved = sorted(int(p.name) for p in (workdir / "checkpoints").iterdir() if p.name.isdigit())
    assert saved[-1] > 53 and saved[-1] % 40, saved  # A final save at the stop step.
  assert _last_logged_step(workdir) < STEPS
  resumed = _run(workdir, data_dir, env)
  assert "Resumed from" in resumed.stderr
  assert _results(workdir) == _results(straight_run)
  assert (workdir / "metrics.jsonl").read_text() == (straight_run / "metrics.jsonl").read_text()


def _tiny_state():
  return train.TrainState(
      step=jnp.array(3, jnp.int32),
      params={"w": jnp.arange(6.0).reshape(2, 3)},
      opt_state={"nu": jnp.ones(3)},
  )


def _iterator():
  videos = [
      {k: np.zeros((20, 13, 2) if k in ("poses", "ground_truth") else (20, 13), np.float32)
       for k in input_pipeline.FIELDS}
  ]
  ds = input_pipeline.train_loader(
      videos, skeleton=None, window=4, stride=2, global_batch_size=2, num_epochs=1,
      data_seed=0, augment_seed=0, augment={}, process_index=0, process_count=1,
  )
  return iter(ds.to_iter_dataset())


def test_relative_checkpoint_directory(tmp_path, monkeypatch):
  monkeypatch.chdir(tmp_path)
  config = synthetic.get_config("runlocal=True")
  manager = checkpointing.Checkpointer("relative/checkpoints")
  manager.save(1, _tiny_state(), config, _iterator(), force=True)
  manager.close()
  assert (tmp_path / "relative" / "checkpoints" / "1" / "state").is_dir()
  params = checkpointing.restore_params(
      "relative/checkpoints", checkpointing.abstract_like(_tiny_state().params)
  )
  np.testing.assert_array_equal(params["w"], _tiny_state().params["w"])


def test_half_written_checkpoint_is_never_loaded(tmp_path):
  config = synthetic.get_config("runlocal=True")
  manager = checkpointing.Checkpointer(tmp_path / "ckpt")
  manager.save(1, _tiny_state(), config, _iterator(), force=True)
  manager.close()
  # A save cut off mid-write leaves only a temporary directory behind.
  partial = tmp_path / "ckpt" / "2.orbax-checkpoint-tmp-1234"
  (partial / "state").mkdir(parents=True)
  (partial / "state" / "half_a_file").write_bytes(b"\0" * 10)
  manager = checkpointing.Checkpointer(tmp_path / "ckpt")
  assert manager.latest_step() == 1
  restored = manager.restore(1, checkpointing.abstract_like(_tiny_state()), _iterator())
  np.testing.assert_array_equal(restored.params["w"], _tiny_state().params["w"])
  manager.close()


def test_damaged_complete_checkpoint_names_its_directory(tmp_path):
  config = synthetic.get_config("runlocal=True")
  manager = checkpointing.Checkpointer(tmp_path / "ckpt")
  manager.save(1, _tiny_state(), config, _iterator(), force=True)
  manager.close()
  for path in (tmp_path / "ckpt" / "1" / "state").rglob("*"):
    if path.is_file():
      path.write_bytes(b"garbage")
  manager = checkpointing.Checkpointer(tmp_path / "ckpt")
  with pytest.raises(checkpointing.CheckpointError, match=f"{tmp_path}/ckpt/1 is damaged"):
    manager.restore(1, checkpointing.abstract_like(_tiny_state()), _iterator())
  manager.close()


def test_init_from_loads_parameters_of_another_run(straight_run, data_dir, tmp_path):
  config = synthetic.get_config("runlocal=True")
  config.data_dir = data_dir
  config.init_from = str(straight_run / "checkpoints")
  config.num_train_steps = 1
  config.optim.learning_rate = 0.0
  config.optim.schedule = "constant"
  results = train.train_and_evaluate(config, str(tmp_path))
  assert results["params_sha256"] == _results(straight_run)["params_sha256"]
  config.init_from = str(tmp_path / "nowhere")
  with pytest.raises(checkpointing.CheckpointError, match="nowhere does not exist"):
    train.train_and_evaluate(config, str(tmp_path / "other"))


