"""The PyTorch peer computes pose_refine's function: same weights in, same outputs out."""

import subprocess

import jax
import numpy as np

from benchmarks import peer
from pose_refine import models
from pose_refine import normalization
from pose_refine import train
from tests import conftest


def test_torch_peer_equals_pose_refine(tmp_path, bench_python):
  batch, time, joints = 4, 10, 13
  model = models.PoseCorrector(num_joints=joints, hidden=16, attention_size=8,
                               aligned_output=True, deadzone=0.05)  # As the shipped model.
  rng = np.random.default_rng(0)
  truth = rng.normal(200.0, 40.0, (batch, time, joints, 2)).astype(np.float32)
  poses = truth + rng.normal(0.0, 5.0, truth.shape).astype(np.float32)
  confidence = rng.uniform(0.2, 1.0, (batch, time, joints)).astype(np.float32)
  missing = rng.random((batch, time, joints)) < 0.2
  missing[1, :, 3] = True  # A joint missing from the whole window.
  missing[2, 4:7] = True  # Whole frames missing: masked from attention.
  poses[missing & (rng.random(missing.shape) < 0.5)] = np.nan
  confidence[missing] = 0.0
  arrays = {"poses": poses, "confidence": confidence, "ground_truth": truth,
            "ground_truth_valid": rng.random((batch, time, joints)) > 0.1}
  params = models.init_params(model, jax.random.key(3), time, joints)

  def loss_fn(p):
    out = model.apply({"params": p}, poses, confidence, targets=truth,
                      targets_valid=arrays["ground_truth_valid"], teacher_forcing=1.0)
    targets = normalization.to_normalized(truth, arrays["ground_truth_valid"], out["centre"],
                                          out["scale"])
    return train.pose_loss(out["normalized"], targets, arrays["ground_truth_valid"], "epe"), out

  (loss, teacher_forced), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
  refined = model.apply({"params": params}, poses, confidence)["poses"]
  peer.export(tmp_path / "in.npz", model, params, arrays)
  out = subprocess.run(peer.check_command(str(bench_python), tmp_path / "in.npz",
                                          tmp_path / "out.npz"),
                       cwd=conftest.ROOT, capture_output=True, text=True, check=False)
  assert out.returncode == 0, out.stderr[-3000:]
  torch_out = np.load(tmp_path / "out.npz")
  # Pixels around 200: float32 rounding differences of the two libraries' kernels.
  np.testing.assert_allclose(torch_out["eager/poses"], refined, rtol=0, atol=2e-3)
  np.testing.assert_allclose(torch_out["eager/teacher_forced"], teacher_forced["poses"],
                             rtol=0, atol=2e-3)
  np.testing.assert_allclose(torch_out["loss"], loss, rtol=1e-5)
  grad_norm = np.sqrt(sum(np.sum(np.square(g)) for g in jax.tree.leaves(grads)))
  np.testing.assert_allclose(torch_out["grad_norm"], grad_norm, rtol=1e-4)
