"""Runs a few train steps on 4 fake CPU devices and on 1; prints the gap.

Run as a child process: the device count must be set before JAX starts.
"""

import os
import sys

os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
)

import jax  # noqa: E402
import numpy as np  # noqa: E402

from configs import synthetic  # noqa: E402
from pose_refine import models  # noqa: E402
from pose_refine import sharding  # noqa: E402
from pose_refine import skeletons  # noqa: E402
from pose_refine import train  # noqa: E402


def batches(config, num_joints, steps):
  rng = np.random.default_rng(0)
  shape = (config.batch_size, config.window, num_joints)
  for _ in range(steps):
    truth = rng.normal(200, 40, shape + (2,)).astype(np.float32)
    poses = truth + rng.normal(0, 5, truth.shape).astype(np.float32)
    poses[rng.random(shape) < 0.05] = np.nan
    yield {
        "poses": poses,
        "confidence": rng.uniform(0.2, 1, shape).astype(np.float32),
        "ground_truth": truth,
        "ground_truth_valid": rng.random(shape) > 0.05,
    }


def run(config, devices, steps=3):
  mesh = sharding.make_mesh(devices)
  sharding.check_batch_size(config.batch_size, mesh)
  skeleton = skeletons.get_skeleton(config.skeleton)
  model = models.create_model(config, skeleton)
  optimizer = train.create_optimizer(config, steps)
  state, state_sharding = train.init_state(
      model, optimizer, mesh, jax.random.key(0), config.window, skeleton.num_joints
  )
  step_fn = jax.jit(
      train.make_train_step(model, optimizer, config),
      in_shardings=(state_sharding, sharding.data_sharding(mesh), None),
      out_shardings=(state_sharding, None),
  )
  losses = []
  for batch in batches(config, skeleton.num_joints, steps):
    batch = jax.device_put(batch, sharding.data_sharding(mesh))
    state, metrics = step_fn(state, batch, jax.random.key(1))
    losses.append(float(metrics["loss"]))
  return state.params, losses


def main():
  assert jax.device_count() == 4, jax.devices()
  config = synthetic.get_config("runlocal=True")
  config.batch_size = 8
  params4, losses4 = run(config, jax.devices())
  params1, losses1 = run(config, jax.devices()[:1])
  gap = max(
      float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
      for a, b in zip(jax.tree.leaves(params4), jax.tree.leaves(params1))
  )
  moved = max(
      float(np.max(np.abs(np.asarray(a))))
      for a in jax.tree.leaves(params4)
  )
  print(f"losses4={losses4} losses1={losses1} param_gap={gap} max_param={moved}")
  np.testing.assert_allclose(losses4, losses1, rtol=1e-5)
  if gap > 1e-5:
    sys.exit(f"parameters differ by {gap}")
  try:
    sharding.check_batch_size(6, sharding.make_mesh())
  except ValueError as error:
    print("error:", error)
  else:
    sys.exit("batch 6 on 4 devices was accepted")


if __name__ == "__main__":
  main()
