"""FLOP counts of the seq2seq corrector, and the CPU's peak.

Counted: every matrix product and contraction, a multiply-add being 2 FLOPs
(LSTM input and recurrent projections, attention keys, query, energy and
context, the bridge, the decoder output). Not counted: elementwise work
(gate nonlinearities, tanh of the attention energies, softmax,
normalisation), which is O(batch * time * hidden) against the matmuls'
O(batch * time * hidden^2). A train step is counted as 3x the forward pass
(the backward pass does two products for every forward one).
"""

import os


def forward_flops(*, batch: int, time: int, joints: int, hidden: int,
                  attention_size: int, attention: bool = True,
                  bidirectional: bool = True) -> int:
  """Matmul FLOPs of one PoseCorrector forward pass on [batch, time] windows."""
  features = 3 * joints  # x, y and confidence per joint.
  outputs = 2 * joints
  directions = 2 if bidirectional else 1
  context = directions * hidden
  gates = 4 * hidden
  encoder = directions * 2 * batch * time * (features + hidden) * gates
  keys = 2 * batch * time * context * attention_size if attention else 0
  bridge = 2 * batch * context * hidden
  step = 2 * batch * (
      hidden * gates  # Recurrent projection of s_{i-1}.
      + (outputs + context) * gates  # Input projection of [y_{i-1}, c_i].
      + (outputs + hidden + context) * outputs  # Output layer.
  )
  if attention:
    step += 2 * batch * (
        hidden * attention_size  # Query projection.
        + time * attention_size  # Energies v^T tanh(...).
        + time * context  # Context: weights x encoder states.
    )
  return encoder + keys + bridge + time * step


def train_step_flops(**kwargs) -> int:
  return 3 * forward_flops(**kwargs)


def cpu_peak_flops() -> tuple[float, str]:
  """fp32 peak of this machine's CPU cores, and how it was worked out.

  Assumes two 256-bit FMA pipes per core (AVX2 + FMA: 2 x 8 lanes x 2 FLOPs
  = 32 FLOPs per cycle), true of AMD Zen 2-4 and Intel since Haswell, at the
  clock /proc/cpuinfo reports.
  """
  cores = os.cpu_count() or 1
  mhz = None
  try:
    with open("/proc/cpuinfo") as f:
      for line in f:
        if line.startswith("cpu MHz"):
          mhz = float(line.split(":")[1])
          break
  except OSError:
    pass
  if mhz is None:
    return float("nan"), "unknown (no /proc/cpuinfo clock)"
  peak = cores * mhz * 1e6 * 32
  return peak, f"{cores} cores x {mhz / 1e3:.2f} GHz x 32 fp32 FLOPs/cycle (2 FMA x 8 lanes x 2)"


def jaxpr_matmul_flops(fn, *args) -> int:
  """2 x multiply-adds of every dot_general that `fn(*args)` runs, from its jaxpr.

  Loops count once per iteration (scan lengths; while loops are refused),
  so this checks `forward_flops` independently of how the model is written.
  """
  import jax  # pylint: disable=g-import-not-at-top

  def count(jaxpr) -> int:
    total = 0
    for equation in jaxpr.eqns:
      name = equation.primitive.name
      if name == "dot_general":
        (lhs_contract, _), (lhs_batch, _) = equation.params["dimension_numbers"]
        lhs = equation.invars[0].aval.shape
        out = equation.outvars[0].aval.shape
        contracted = 1
        for axis in lhs_contract:
          contracted *= lhs[axis]
        size = 1
        for d in out:
          size *= d
        total += 2 * size * contracted
        del lhs_batch
      elif name == "scan":
        total += equation.params["length"] * count(equation.params["jaxpr"].jaxpr)
      elif name == "while":
        raise ValueError("jaxpr_matmul_flops cannot count while loops (unknown trip count).")
      else:
        for param in equation.params.values():
          inner = getattr(param, "jaxpr", None)
          if inner is not None:
            total += count(inner if hasattr(inner, "eqns") else inner.jaxpr)
    return total

  return count(jax.make_jaxpr(fn)(*args).jaxpr)
