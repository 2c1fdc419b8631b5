"""2 processes x 2 CPU devices train like 1 process x 1 device at the same global batch.

One process over several devices is checked step by step in test_sharding.
"""

import json
import socket
import subprocess
import sys

import jax
import numpy as np

from configs import synthetic
from pose_refine import checkpointing
from pose_refine import models
from pose_refine import sharding
from pose_refine import skeletons
from pose_refine import train
from tests import conftest

STEPS = 20


def _command(workdir, data_dir):
  return [
      sys.executable, "-m", "launch.train", "--config=configs/synthetic.py:runlocal=True",
      f"--workdir={workdir}", f"--config.data_dir={data_dir}",
      f"--config.num_train_steps={STEPS}", "--config.log_every_steps=10",
      "--config.eval_every_steps=20", "--config.checkpoint_every_steps=20",
  ]


def _free_port():
  with socket.socket() as s:
    s.bind(("localhost", 0))
    return s.getsockname()[1]


def _train(workdir, data_dir, cache, devices_per_process, processes=1):
  port = _free_port()
  children = []
  for process_id in range(processes):
    env = conftest.subprocess_env(
        XLA_FLAGS=f"--xla_force_host_platform_device_count={devices_per_process}",
        POSE_REFINE_COMPILATION_CACHE=str(cache),
    )
    if processes > 1:
      env.update(
          POSE_REFINE_COORDINATOR=f"localhost:{port}",
          POSE_REFINE_NUM_PROCESSES=str(processes),
          POSE_REFINE_PROCESS_ID=str(process_id),
      )
    children.append(subprocess.Popen(
        _command(workdir, data_dir), cwd=conftest.ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ))
  outputs = [child.communicate(timeout=600)[0] for child in children]
  for child, output in zip(children, outputs):
    assert child.returncode == 0, output[-5000:]
  return outputs


def _final_params(workdir):
  config = synthetic.get_config("runlocal=True")
  skeleton = skeletons.get_skeleton(config.skeleton)
  model = models.create_model(config, skeleton)
  optimizer = train.create_optimizer(config, STEPS)
  mesh = sharding.make_mesh(jax.devices()[:1])
  state, _ = train.init_state(
      model, optimizer, mesh, jax.random.key(0), config.window, skeleton.num_joints
  )
  abstract = checkpointing.abstract_like(state.params)
  return checkpointing.restore_params(workdir / "checkpoints", abstract)


def test_two_processes_match_one(data_dir, tmp_path_factory):
  cache = tmp_path_factory.getbasetemp() / "jax_cache"
  runs = {}
  for name, devices, processes in (("1x1", 1, 1), ("2x2", 2, 2)):
    workdir = tmp_path_factory.mktemp(name)
    outputs = _train(workdir, data_dir, cache, devices, processes)
    runs[name] = workdir
    if processes > 1:
      assert "Process 1 of 2, 2 local of 4 devices" in outputs[1]
  params = {name: _final_params(workdir) for name, workdir in runs.items()}
  for a, b in zip(jax.tree.leaves(params["2x2"]), jax.tree.leaves(params["1x1"])):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=2e-4, rtol=2e-3)
  losses = {
      name: [json.loads(x).get("loss") for x in (w / "metrics.jsonl").read_text().splitlines()]
      for name, w in runs.items()
  }
  assert len([x for x in losses["2x2"] if x is not None]) == STEPS
  np.testing.assert_allclose(
      [x for x in losses["2x2"] if x], [x for x in losses["1x1"] if x], rtol=1e-3
  )
