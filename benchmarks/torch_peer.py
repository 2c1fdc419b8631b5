r"""The seq2seq corrector in PyTorch: the peer pose_refine's speed is measured against.

The same function as models.PoseCorrector (offline, attention, bidirectional;
its reference equations), written the way the field's refiners are: a
bidirectional `nn.LSTM` encoder, an `nn.LSTMCell` decoder with Bahdanau
attention in a Python loop over output frames, the window normalisation of
pose_refine/normalization.py in torch ops. `load_flax_params` copies a Flax
parameter tree in, so both compute the same outputs from the same weights
(tests/test_torch_peer.py). It runs in its own environment (torch is never a
dependency of pose_refine):

./setup.sh requirements-bench.txt .venv-bench
.venv-bench/bin/python benchmarks/torch_peer.py --check=IN.npz --output=OUT.npz
.venv-bench/bin/python benchmarks/torch_peer.py --serve    # driven by benchmarks.run

IN.npz (written by benchmarks.peer.export): the Flax parameters under
"params/<path>", the model's sizes under "config/<name>", a batch
"poses", "confidence", "ground_truth", "ground_truth_valid" (the train step's
and --check's), and for --serve the windows to predict, "predict_poses",
"predict_confidence", with pose_refine's predictions "expected". This file
imports torch and numpy only.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

_MASKED_LOGIT = -1e9


def joint_validity(poses, confidence):
  """[..., joints] True where a joint is usable: finite and confidence > 0."""
  return torch.isfinite(poses).all(-1) & (confidence > 0)


def nanmedian(values):
  """The median of the last axis ignoring NaNs, as jnp.nanmedian (mean of the two middle values)."""
  count = (~torch.isnan(values)).sum(-1)
  ordered = torch.sort(values, dim=-1).values  # NaNs sort last.
  low = ((count - 1) // 2).clamp(min=0)
  high = (count // 2).clamp(max=values.shape[-1] - 1)
  middle = (torch.gather(ordered, -1, low[..., None]) + torch.gather(ordered, -1, high[..., None]))
  return torch.where(count > 0, middle[..., 0] * 0.5, torch.nan)


def window_frame(poses, valid, eps=1e-3):
  """Centre [batch, 2] and scale [batch] of each window (normalization.window_frame)."""
  batch = poses.shape[0]
  points = torch.where(valid[..., None], poses, torch.nan).reshape(batch, -1, 2)
  any_valid = valid.reshape(batch, -1).any(1)
  centre = nanmedian(points.transpose(1, 2))
  centre = torch.where(any_valid[:, None], centre, 0.0)
  distance = torch.linalg.vector_norm(points - centre[:, None], dim=-1)
  scale = nanmedian(distance)
  scale = torch.where(any_valid, torch.clamp(scale, min=eps), 1.0)
  return centre, scale


def to_normalized(poses, valid, centre, scale):
  normalized = (poses - centre[:, None, None]) / scale[:, None, None, None]
  return torch.where(valid[..., None], normalized, 0.0)


def fill_missing(points, valid):
  """Linear interpolation of invalid joints over the window (normalization.fill_missing)."""
  time = points.shape[1]
  t = torch.arange(time, device=points.device)[None, :, None]
  previous = torch.cummax(torch.where(valid, t, -1), dim=1).values
  following = torch.cummin(torch.where(valid, t, time).flip(1), dim=1).values.flip(1)
  has_previous, has_following = previous >= 0, following < time

  def gather(index):
    index = index.clamp(0, time - 1)[..., None].expand(points.shape)
    return torch.gather(points, 1, index)

  before, after = gather(previous), gather(following)
  weight = ((t - previous) / torch.clamp(following - previous, min=1))[..., None]
  filled = torch.where(
      (has_previous & has_following)[..., None], before + weight * (after - before),
      torch.where(has_previous[..., None], before,
                  torch.where(has_following[..., None], after, 0.0)))
  return torch.where(valid[..., None], points, filled)


class Corrector(nn.Module):
  """models.PoseCorrector(attention=True, bidirectional=True, residual=True, lookahead=-1)."""

  def __init__(self, num_joints: int, hidden: int = 128, attention_size: int = 128,
               aligned_output: bool = False, deadzone: float = 0.0):
    super().__init__()
    self.num_joints, self.hidden, self.deadzone = num_joints, hidden, deadzone
    outputs, context = 2 * num_joints, 2 * hidden
    self.encoder = nn.LSTM(3 * num_joints, hidden, batch_first=True, bidirectional=True)
    self.keys = nn.Linear(context, attention_size, bias=False)
    self.bridge = nn.Linear(context, hidden)
    self.query = nn.Linear(hidden, attention_size, bias=False)
    self.energy = nn.Linear(attention_size, 1, bias=False)
    self.cell = nn.LSTMCell(outputs + context, hidden)
    self.output = nn.Linear(outputs + hidden + context, outputs)
    self.aligned_output = nn.Linear(context, outputs) if aligned_output else None
    # Flax's LSTM cells have one bias per gate; torch's second bias stays zero, untrained.
    for name, value in list(self.encoder.named_parameters()) + list(self.cell.named_parameters()):
      if name.startswith("bias_hh"):
        value.requires_grad_(False)
        with torch.no_grad():
          value.zero_()

  def forward(self, poses, confidence, targets=None, targets_valid=None):
    """Refined poses [batch, time, joints, 2] pixels, and the normalised ones and frame.

    With targets, the decoder is fed the ground truth (teacher forcing),
    as PoseCorrector(..., teacher_forcing=1.0).
    """
    batch, time, joints, _ = poses.shape
    valid = joint_validity(poses, confidence)
    centre, scale = window_frame(poses, valid)
    inputs = fill_missing(to_normalized(poses, valid, centre, scale), valid)
    confidence = torch.where(valid, confidence, 0.0)
    frame_mask = valid.any(-1)
    flat_inputs = inputs.reshape(batch, time, -1)
    encoded, (final_states, _) = self.encoder(torch.cat([flat_inputs, confidence], -1))
    summary = torch.cat([final_states[0], final_states[1]], -1)
    keys = self.keys(encoded)
    state = torch.tanh(self.bridge(summary))
    cell = torch.zeros_like(state)
    base = flat_inputs
    if self.aligned_output is not None:
      base = base + self.aligned_output(encoded)
    if targets is not None:
      target_norm = to_normalized(targets, targets_valid, centre, scale).reshape(batch, time, -1)
    previous = flat_inputs[:, 0]
    outputs = []
    for i in range(time):
      if targets is not None and i > 0:
        previous = target_norm[:, i - 1]
      else:
        previous = previous.detach()
      energy = torch.tanh(keys + self.query(state)[:, None])
      logits = torch.where(frame_mask, self.energy(energy)[..., 0], _MASKED_LOGIT)
      weights = torch.softmax(logits, -1)
      context = torch.einsum("bt,btf->bf", weights, encoded)
      state, cell = self.cell(torch.cat([previous, context], -1), (state, cell))
      previous = self.output(torch.cat([previous, state, context], -1)) + base[:, i]
      outputs.append(previous)
    normalized = torch.stack(outputs, 1).reshape(batch, time, joints, 2)
    if self.deadzone > 0:  # models.shrink_corrections.
      correction = normalized - inputs
      length = torch.sqrt(torch.sum(torch.square(correction), -1, keepdim=True) + 1e-12)
      kept = torch.clamp(1.0 - self.deadzone / length, min=0.0)
      normalized = torch.where(valid[..., None], inputs + correction * kept, normalized)
    poses = normalized * scale[:, None, None, None] + centre[:, None, None]
    return poses, normalized, centre, scale


def load_flax_params(module: Corrector, params: dict) -> None:
  """Copies a Flax PoseCorrector parameter tree (nested dicts or "a/b/c" keys) into `module`."""
  flat = {}

  def walk(tree, prefix):
    for key, value in tree.items():
      if isinstance(value, dict):
        walk(value, f"{prefix}{key}/")
      else:
        flat[f"{prefix}{key}"] = np.asarray(value, np.float32)

  walk(params, "")

  def lstm(name):
    """Flax gate kernels -> torch's [4 * hidden, in] weights (gate order i, f, g, o in both)."""
    gates = "ifgo"
    w_ih = np.concatenate([flat[f"{name}/i{g}/kernel"] for g in gates], 1).T
    w_hh = np.concatenate([flat[f"{name}/h{g}/kernel"] for g in gates], 1).T
    bias = np.concatenate([flat[f"{name}/h{g}/bias"] for g in gates])
    return w_ih, w_hh, bias

  copies = {}
  for suffix, name in (("", "encoder_forward_lstm"), ("_reverse", "encoder_backward_lstm")):
    w_ih, w_hh, bias = lstm(name)
    copies.update({f"encoder.weight_ih_l0{suffix}": w_ih, f"encoder.weight_hh_l0{suffix}": w_hh,
                   f"encoder.bias_ih_l0{suffix}": bias})
  w_ih, w_hh, bias = lstm("decoder/lstm")
  copies.update({"cell.weight_ih": w_ih, "cell.weight_hh": w_hh, "cell.bias_ih": bias})
  for torch_name, flax_name in (("keys", "keys"), ("bridge", "bridge"),
                                ("query", "decoder/attention/query"),
                                ("energy", "decoder/attention/energy"),
                                ("output", "decoder/output"), ("aligned_output", "aligned_output")):
    if getattr(module, torch_name) is None:
      continue
    copies[f"{torch_name}.weight"] = flat[f"{flax_name}/kernel"].T
    if f"{flax_name}/bias" in flat:
      copies[f"{torch_name}.bias"] = flat[f"{flax_name}/bias"]
  state = module.state_dict()
  with torch.no_grad():
    for name, value in copies.items():
      if state[name].shape != value.shape:
        raise ValueError(f"{name}: Flax gives {value.shape}, torch has {tuple(state[name].shape)}.")
      state[name].copy_(torch.from_numpy(np.ascontiguousarray(value)))


def loss_fn(module, batch, min_window_valid_fraction=0.1):
  """train.py's EPE loss in window units, over valid joints of usable windows."""
  _, normalized, centre, scale = module(batch["poses"], batch["confidence"],
                                        batch["ground_truth"], batch["ground_truth_valid"])
  targets = to_normalized(batch["ground_truth"], batch["ground_truth_valid"], centre, scale)
  observed = joint_validity(batch["poses"], batch["confidence"]).float()
  usable = observed.mean((1, 2)) >= min_window_valid_fraction
  valid = batch["ground_truth_valid"] & usable[:, None, None]
  per_joint = torch.sqrt(torch.sum(torch.square(normalized - targets), -1) + 1e-8)
  return torch.where(valid, per_joint, 0.0).sum() / torch.clamp(valid.sum(), min=1)


def make_train_step(module, compiled: bool):
  """One RMSProp step (the configs' arguments: lr 0.01, decay 0.9, eps 1e-7 outside the
  square root, no momentum) after clipping the global gradient norm at 1."""
  trainable = [p for p in module.parameters() if p.requires_grad]
  optimizer = torch.optim.RMSprop(trainable, lr=0.01, alpha=0.9, eps=1e-7)
  loss_of = torch.compile(loss_fn) if compiled else loss_fn

  def step(batch):
    optimizer.zero_grad(set_to_none=True)
    loss = loss_of(module, batch)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(trainable, 1.0)
    optimizer.step()
    return loss.item()

  return step


def make_predict(module, compiled: bool):
  forward = torch.compile(module) if compiled else module

  def predict(poses, confidence):
    with torch.inference_mode():
      return forward(poses, confidence)[0]

  return predict


def read_inputs(path):
  """(config dict, params dict, tensors dict) from a benchmarks.peer export."""
  data = np.load(path)
  config = {k.split("/", 1)[1]: data[k].item() for k in data.files if k.startswith("config/")}
  params = {k.split("/", 1)[1]: data[k] for k in data.files if k.startswith("params/")}
  tensors = {k: torch.from_numpy(data[k]) for k in data.files if "/" not in k}
  return config, params, tensors


def build(config, params):
  module = Corrector(num_joints=int(config["num_joints"]), hidden=int(config["hidden"]),
                     attention_size=int(config["attention_size"]),
                     aligned_output=bool(config["aligned_output"]),
                     deadzone=float(config.get("deadzone", 0.0)))
  load_flax_params(module, params)
  return module


def check(path, output):
  """Outputs of the peer (eager and compiled) on an export, for the equality test."""
  config, params, tensors = read_inputs(path)
  module = build(config, params)
  results = {}
  for compiled in (False, True) if config.get("compiled") else (False,):
    name = "compiled" if compiled else "eager"
    results[f"{name}/poses"] = make_predict(module, compiled)(
        tensors["poses"], tensors["confidence"]).numpy()
    with torch.no_grad():
      results[f"{name}/teacher_forced"] = module(
          tensors["poses"], tensors["confidence"], tensors["ground_truth"],
          tensors["ground_truth_valid"])[0].numpy()
  loss = loss_fn(module, tensors)
  loss.backward()
  grads = [p.grad for p in module.parameters() if p.requires_grad]
  results["loss"] = np.float32(loss.item())
  results["grad_norm"] = np.float32(torch.sqrt(sum((g ** 2).sum() for g in grads)).item())
  np.savez(output, **results)


def serve():
  """Answers timing requests, one JSON line in and one out, for benchmarks.run's peer suite.

  {"setup": IN.npz, "threads": n, "device": "cpu" | "cuda"} builds the four
  programs (train and predict, eager and compiled), warms them up and
  answers their compile times and how far their predictions are from the
  export's "expected" (pose_refine's); {"time": "train_eager" |
  "train_compiled" | "predict_eager" | "predict_compiled", "calls": n} runs
  one program n times and answers the mean seconds per call. The driver
  alternates these with its own JAX timings (ABAB), so both sides see the
  same machine load.
  """
  programs = {}
  for line in sys.stdin:
    request = json.loads(line)
    if "setup" in request:
      torch.set_num_threads(request["threads"])
      # XLA's CPU code flushes denormals to zero; without it, training steps that drive
      # activations towards saturation slow torch down by 10-50x on this CPU.
      torch.set_flush_denormal(True)
      device = torch.device(request.get("device", "cpu"))
      sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
      config, params, tensors = read_inputs(request["setup"])
      tensors = {k: v.to(device) for k, v in tensors.items()}
      train_batch = {k: tensors[k] for k in
                     ("poses", "confidence", "ground_truth", "ground_truth_valid")}
      answer = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                "device": str(device), "compile_s": {}, "max_abs_difference": {}}
      for compiled in (False, True):
        kind = "compiled" if compiled else "eager"
        # Each program has its own weights: training steps never change the predicting copy.
        train = make_train_step(build(config, params).to(device), compiled)
        predict = make_predict(build(config, params).to(device), compiled)
        programs[f"train_{kind}"] = lambda t=train: (t(train_batch), sync())
        programs[f"predict_{kind}"] = lambda p=predict: (
            p(tensors["predict_poses"], tensors["predict_confidence"]), sync())[0]
        for name in (f"train_{kind}", f"predict_{kind}"):
          start = time.perf_counter()
          result = programs[name]()  # Compiles (torch.compile) or warms up.
          answer["compile_s"][name] = time.perf_counter() - start
        answer["max_abs_difference"][kind] = float(
            (result - tensors["expected"]).abs().max())
    else:
      run = programs[request["time"]]
      start = time.perf_counter()
      for _ in range(request["calls"]):
        run()
      answer = {"seconds": (time.perf_counter() - start) / request["calls"]}
    print(json.dumps(answer), flush=True)


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
  parser.add_argument("--check", help="An export to compute the peer's outputs on.")
  parser.add_argument("--output", help="Where --check writes them (.npz).")
  parser.add_argument("--serve", action="store_true", help="Answer timing requests on stdin.")
  args = parser.parse_args()
  if args.serve:
    serve()
  elif args.check and args.output:
    check(args.check, args.output)
  else:
    parser.error("use --check=IN.npz --output=OUT.npz, or --serve")


if __name__ == "__main__":
  os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", os.path.join(
      os.path.expanduser("~"), ".cache", "pose_refine", "torchinductor"))
  main()
