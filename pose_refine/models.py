"""Sequence-to-sequence pose correction: LSTM encoder, attention LSTM decoder.

Notation follows Bahdanau et al. (2015): encoder states h_j, decoder states
s_i, e_ij = v^T tanh(W s_{i-1} + U h_j), alpha_i = softmax_j(e_ij),
c_i = sum_j alpha_ij h_j, s_i = f(s_{i-1}, y_{i-1}, c_i),
y_i = g(y_{i-1}, s_i, c_i).

Two implementations share one parameter tree (so checkpoints load in
either): "reference" (the default), built from Flax's LSTM cells and
`nn.scan`, and "fused", which computes the same functions with fewer, larger
matmuls: each LSTM's four gates are one product and the decoder's attention
query and recurrent products on s_{i-1} are one. "fused" can also hoist the
encoder's input projections for all frames into one matmul before its scan
(`hoist_inputs`) and use bfloat16 matmul operands (float32 parameters,
states and loss): options for accelerators. On CPU the reference measured
faster (BENCHMARKS.md). In both, the keys U h_j and the aligned-output term
are computed for all frames before the decoder's scan.
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from pose_refine import normalization

# Large negative logit for frames attention must not look at; -inf would
# turn an all-masked row into NaN.
_MASKED_LOGIT = -1e9


def _outputs(normalized, centre, scale, attention=None):
  """The refiners' common result dict (see PoseCorrector.__call__)."""
  result = {
      "poses": normalization.to_pixels(normalized, centre, scale),
      "normalized": normalized,
      "centre": centre,
      "scale": scale,
  }
  if attention is not None:
    result["attention"] = attention
  return result


class AdditiveAttention(nn.Module):
  """Bahdanau attention over precomputed keys U h_j."""

  size: int

  @nn.compact
  def __call__(self, query, keys, values, frame_mask):
    """Returns the context [batch, features] and weights [batch, time].

    Args:
      query: [batch, hidden] the previous decoder state s_{i-1}.
      keys: [batch, time, size] U h_j, computed once per sequence.
      values: [batch, time, features] the encoder states h_j.
      frame_mask: [batch, time] False for padding frames.
    """
    projected = nn.Dense(self.size, use_bias=False, name="query")(query)
    return attend(projected, keys, nn.Dense(1, use_bias=False, name="energy"), values,
                  frame_mask)


def attend(projected_query, keys, energy_fn, values, frame_mask):
  """Bahdanau attention from the projected query W s_{i-1} and keys U h_j.

  energy_fn maps tanh(U h_j + W s_{i-1}) [batch, time, size] to [..., 1]
  (the v^T product). Returns the context [batch, features] and weights
  [batch, time]; frames where frame_mask is False get no weight.
  """
  energy = jnp.tanh(keys + projected_query[:, None, :])
  logits = jnp.where(frame_mask, energy_fn(energy)[..., 0], _MASKED_LOGIT)
  weights = jax.nn.softmax(logits, axis=-1)
  return jnp.einsum("bt,btf->bf", weights, values), weights


class DecoderStep(nn.Module):
  """One decoder step; scanned over output time."""

  num_outputs: int
  hidden: int
  attention_size: int
  attention: bool
  zero_init_output: bool = False

  @nn.compact
  def __call__(self, carry, step_inputs, keys, values, fixed_context, frame_mask):
    lstm_carry, previous_output = carry
    teacher, use_teacher, base, visible = step_inputs
    frame_mask = frame_mask & visible
    # y_{i-1}: ground truth where teacher forcing picks it, else our own
    # previous output. No gradient flows back through fed-back outputs.
    previous = jnp.where(
        use_teacher[:, None], teacher, jax.lax.stop_gradient(previous_output)
    )
    if self.attention:
      context, weights = AdditiveAttention(self.attention_size, name="attention")(
          lstm_carry[1], keys, values, frame_mask
      )
    else:
      context, weights = fixed_context, jnp.zeros(frame_mask.shape, jnp.float32)
    lstm_carry, state = nn.OptimizedLSTMCell(self.hidden, name="lstm")(
        lstm_carry, jnp.concatenate([previous, context], -1)
    )
    output = nn.Dense(self.num_outputs, kernel_init=_output_init(self.zero_init_output),
                      name="output")(jnp.concatenate([previous, state, context], -1))
    output = output + base  # The input frame (residual) and/or the aligned term.
    return (lstm_carry, output), (output, weights)


_GATES = ("i", "f", "g", "o")


def _output_init(zero: bool):
  """Output kernels start at zero (the refiner starts as the identity) or LeCun normal."""
  return nn.initializers.zeros_init() if zero else nn.initializers.lecun_normal()


class _DenseParams(nn.Module):
  """A kernel (and bias) named like Flax's LSTM cells' own, returned unapplied."""

  features: int
  use_bias: bool
  kernel_init: Any

  @nn.compact
  def __call__(self, in_features: int):
    kernel = self.param("kernel", self.kernel_init, (in_features, self.features))
    bias = self.param("bias", nn.initializers.zeros_init(), (self.features,)) if self.use_bias else None
    return kernel, bias


class LSTMWeights(nn.Module):
  """The parameters of `nn.OptimizedLSTMCell`, concatenated over gates.

  Same names, shapes and initialisers as the cell, so a tree trained with
  one implementation loads in the other.

  Returns:
    input kernel [in_features, 4 * features], recurrent kernel
    [features, 4 * features] and bias [4 * features], gates in i, f, g, o order.
  """

  features: int

  @nn.compact
  def __call__(self, in_features: int):
    inputs, recurrent, biases = [], [], []
    for gate in _GATES:
      kernel, _ = _DenseParams(self.features, False, nn.initializers.lecun_normal(),
                               name=f"i{gate}")(in_features)
      inputs.append(kernel)
      kernel, bias = _DenseParams(self.features, True, nn.initializers.orthogonal(),
                                  name=f"h{gate}")(self.features)
      recurrent.append(kernel), biases.append(bias)
    return (jnp.concatenate(inputs, -1), jnp.concatenate(recurrent, -1),
            jnp.concatenate(biases, -1))


def _matmul(x, kernel, dtype):
  """x @ kernel with operands in `dtype`, accumulated and returned in float32."""
  if jnp.dtype(dtype) == jnp.float32:
    return jnp.dot(x, kernel)
  return jnp.matmul(x.astype(dtype), kernel.astype(dtype), preferred_element_type=jnp.float32)


def _lstm_update(gates, cell):
  """One LSTM update from pre-activations [..., 4 * hidden] (i, f, g, o)."""
  i, f, g, o = jnp.split(gates, 4, axis=-1)
  cell = jax.nn.sigmoid(f) * cell + jax.nn.sigmoid(i) * jnp.tanh(g)
  return cell, jax.nn.sigmoid(o) * jnp.tanh(cell)


def _stacked_matmul(x, kernel, dtype):
  """[directions, ..., in] @ [directions, in, out] per direction, as `_matmul`."""
  if jnp.dtype(dtype) == jnp.float32:
    return jnp.einsum("d...i,dio->d...o", x, kernel)
  return jnp.einsum("d...i,dio->d...o", x.astype(dtype), kernel.astype(dtype),
                    preferred_element_type=jnp.float32)


def fused_encoder(features, weights, dtype, hoist_inputs=False):
  """Runs one or two LSTM directions over [batch, time, in] features.

  Both directions advance in one scan (step t reads frame t forward and
  frame time - 1 - t backward): half as many dependent steps, each with two
  independent products the CPU runs side by side; the same function.

  Args:
    features: [batch, time, in].
    weights: (input kernel, recurrent kernel, bias) per direction, forward
      first (see LSTMWeights); a second entry runs backward in time.
    dtype: matmul operand dtype.
    hoist_inputs: compute every frame's input projection as one matmul
      before the scan (else one per step, with the recurrent one). On CPU the
      per-step form measured faster (BENCHMARKS.md).

  Returns:
    Per-frame states [batch, time, directions * hidden] in time order, and
    each direction's final hidden state [batch, hidden] (the backward one's
    after reading frame 0), as `nn.RNN(..., return_carry=True)` gives.
  """
  batch = features.shape[0]
  x_kernel, h_kernel, bias = (jnp.stack(w) for w in zip(*weights))
  directions, hidden = len(weights), h_kernel.shape[1]
  # [time, directions, batch, in]: the backward direction reads time reversed.
  inputs = jnp.swapaxes(features, 0, 1)
  inputs = jnp.stack([inputs, inputs[::-1]][:directions], 1)
  if hoist_inputs:
    inputs = jnp.swapaxes(
        _stacked_matmul(jnp.swapaxes(inputs, 0, 1), x_kernel, dtype) + bias[:, None, None], 0, 1)
    gates_of = lambda x, h: x + _stacked_matmul(h, h_kernel, dtype)
  else:
    gates_of = lambda x, h: (_stacked_matmul(x, x_kernel, dtype)
                             + _stacked_matmul(h, h_kernel, dtype) + bias[:, None])

  def step(carry, x):
    cell, state = carry
    cell, state = _lstm_update(gates_of(x, state), cell)
    return (cell, state), state

  zeros = jnp.zeros((directions, batch, hidden), jnp.float32)
  (_, final), states = jax.lax.scan(step, (zeros, zeros), inputs)
  outputs = [jnp.swapaxes(states[:, 0], 0, 1)]
  if directions == 2:
    outputs.append(jnp.swapaxes(states[::-1, 1], 0, 1))
  return jnp.concatenate(outputs, -1), list(final)


class FusedDecoder(nn.Module):
  """The attention decoder of `DecoderStep`, scanned with fused matmuls.

  Same parameters (names, shapes) as `nn.scan(DecoderStep)` named "decoder".
  """

  num_outputs: int
  hidden: int
  attention_size: int
  attention: bool
  zero_init_output: bool = False
  dtype: Any = jnp.float32

  @nn.compact
  def __call__(self, initial_state, step_inputs, keys, values, fixed_context, frame_mask):
    """Same arguments as `DecoderStep` with time on axis 1; same (carry, outputs)."""
    (cell, state), first_output = initial_state
    teacher, use_teacher, base, visible = step_inputs
    context_size = values.shape[-1]
    x_kernel, h_kernel, bias = LSTMWeights(self.hidden, name="lstm")(
        self.num_outputs + context_size
    )
    if self.attention:
      query_kernel = _AttentionParams(self.attention_size, name="attention")(self.hidden)
      # s_{i-1} feeds the attention query and the LSTM's recurrence: one matmul.
      state_kernel = jnp.concatenate([query_kernel[0], h_kernel], -1)
    else:
      state_kernel = h_kernel
    output_kernel, output_bias = _DenseParams(
        self.num_outputs, True, _output_init(self.zero_init_output), name="output"
    )(self.num_outputs + self.hidden + context_size)
    dtype = self.dtype

    def step(carry, inputs):
      (cell, state), previous_output = carry
      teacher_t, use_teacher_t, base_t, visible_t = inputs
      mask = frame_mask & visible_t
      previous = jnp.where(
          use_teacher_t[:, None], teacher_t, jax.lax.stop_gradient(previous_output)
      )
      from_state = _matmul(state, state_kernel, dtype)
      if self.attention:
        query, recurrent = jnp.split(from_state, [self.attention_size], -1)
        context, weights = attend(
            query, keys, lambda energy: _matmul(energy, query_kernel[1], dtype), values,
            mask)
      else:
        recurrent = from_state
        context = fixed_context
        weights = jnp.zeros(frame_mask.shape, jnp.float32)
      gates = _matmul(jnp.concatenate([previous, context], -1), x_kernel, dtype) + recurrent + bias
      cell, state = _lstm_update(gates, cell)
      output = _matmul(jnp.concatenate([previous, state, context], -1), output_kernel, dtype)
      output = output + output_bias + base_t
      return ((cell, state), output), (output, weights)

    time_major = jax.tree.map(lambda x: jnp.swapaxes(x, 0, 1),
                              (teacher, use_teacher, base, visible))
    carry, (outputs, weights) = jax.lax.scan(step, ((cell, state), first_output), time_major)
    return carry, (jnp.swapaxes(outputs, 0, 1), jnp.swapaxes(weights, 0, 1))


class _AttentionParams(nn.Module):
  """AdditiveAttention's parameters: query kernel [hidden, size], energy [size, 1]."""

  size: int

  @nn.compact
  def __call__(self, hidden: int):
    query, _ = _DenseParams(self.size, False, nn.initializers.lecun_normal(), name="query")(hidden)
    energy, _ = _DenseParams(1, False, nn.initializers.lecun_normal(), name="energy")(self.size)
    return query, energy


def shrink_corrections(outputs, inputs, observed, threshold: float):
  """Soft-thresholds each observed joint's correction by `threshold` (window units).

  A correction c = output - input becomes c * max(0, 1 - threshold / |c|):
  corrections smaller than the threshold vanish (the joint keeps its input
  position exactly), larger ones shrink by it. Joints missing from the input
  keep the model's output.

  Args:
    outputs, inputs: [batch, time, joints, 2] window units.
    observed: [batch, time, joints] bool, joints present in the input.
    threshold: >= 0.
  """
  correction = outputs - inputs
  length = jnp.sqrt(jnp.sum(jnp.square(correction), -1, keepdims=True) + 1e-12)
  kept = jnp.maximum(0.0, 1.0 - threshold / length)
  return jnp.where(observed[..., None], inputs + correction * kept, outputs)


class PoseCorrector(nn.Module):
  """Refines a window of noisy 2D poses.

  Attributes:
    num_joints: joints per frame.
    hidden: LSTM size (per direction in the encoder).
    attention_size: size of the additive attention's hidden layer.
    attention: Bahdanau attention; if False, one fixed context vector (the
      encoder's final states), as in Cho et al. / Sutskever et al.
    bidirectional: bidirectional encoder; if False, forward only.
    residual: the decoder predicts a correction added to the input frame.
    zero_init_output: the output layers (and the aligned term's) start at
      zero, so with `residual` the untrained refiner is the identity on
      observed joints and learns corrections from there.
    aligned_output: the output y_i also gets a linear term of the aligned
      encoder state h_i (y_i = g(y_{i-1}, s_i, c_i) + W h_i): attention need
      not learn to find frame i before it can correct it. Off in the paper.
    interpolate_missing: missing input joints enter (and serve as the
      residual base) linearly interpolated from the window's valid frames,
      with confidence 0 marking them; else they enter as the window centre.
    implementation: "reference" (default; Flax cells and nn.scan) or
      "fused"; same parameters, same function up to float rounding.
    hoist_inputs: in the fused implementation, the encoder's input
      projections for all frames are one matmul before its scan (slower on
      CPU, see BENCHMARKS.md; for accelerators).
    dtype: matmul operand dtype of the fused implementation ("float32" or
      "bfloat16"); parameters, LSTM states and outputs stay float32.
    lookahead: -1 (offline): every output frame sees the whole window. k >= 0:
      output frame i sees input frames up to i + k only (a forward encoder,
      attention masked beyond i + k, the aligned term from h_i and h_{i+k},
      the decoder started from h_k), so the model serves streams with k frames
      of lookahead. Needs bidirectional=False and attention. The window's
      normalisation and in-window gap filling still use the whole window,
      which at streaming time ends at the newest frame (pose_refine.streaming).
    deadzone: soft threshold on each observed joint's correction, in window
      units (`shrink_corrections`): small corrections vanish, so input that
      needs none passes through exactly. 0: off. An inference setting too:
      `refiner.Refiner(..., deadzone=)` overrides the checkpoint's.
  """

  num_joints: int
  hidden: int = 128
  attention_size: int = 128
  attention: bool = True
  bidirectional: bool = True
  residual: bool = True
  zero_init_output: bool = False
  aligned_output: bool = False
  interpolate_missing: bool = True
  implementation: str = "reference"
  hoist_inputs: bool = False
  dtype: Any = "float32"
  lookahead: int = -1
  deadzone: float = 0.0

  @nn.compact
  def __call__(
      self,
      poses,
      confidence,
      targets=None,
      targets_valid=None,
      teacher_forcing=0.0,
      return_attention=False,
  ):
    """Refines pixel poses.

    Args:
      poses: [batch, time, joints, 2] estimates in pixels; NaN where missing.
      confidence: [batch, time, joints] in [0, 1]; 0 where missing.
      targets: optional [batch, time, joints, 2] ground truth in pixels, fed
        back to the decoder (teacher forcing) where `teacher_forcing` picks
        it. Never given at inference.
      targets_valid: [batch, time, joints] bool, needed with `targets`.
      teacher_forcing: probability of feeding back the ground truth instead
        of the model's own previous output; needs the "feedback" rng when
        strictly between 0 and 1.
      return_attention: also return attention weights [batch, out, in].

    Returns:
      A dict with "poses" [batch, time, joints, 2] pixels, "normalized" (the
      same in window units), "centre" [batch, 2], "scale" [batch], and
      "attention" when asked for.
    """
    batch, time, joints, _ = poses.shape
    valid = normalization.joint_validity(poses, confidence)
    centre, scale = normalization.window_frame(poses, valid)
    inputs = normalization.to_normalized(poses, valid, centre, scale)
    if self.interpolate_missing:
      inputs = normalization.fill_missing(inputs, valid)
    confidence = jnp.where(valid, confidence, 0.0)
    frame_mask = jnp.any(valid, axis=-1)
    flat_inputs = inputs.reshape(batch, time, -1)
    features = jnp.concatenate([flat_inputs, confidence], axis=-1)

    if self.lookahead >= 0 and (self.bidirectional or not self.attention):
      raise ValueError(
          f"lookahead={self.lookahead} needs bidirectional=False and attention=True (a "
          "backward encoder or a whole-window context would see past the lookahead).")
    if self.implementation not in ("fused", "reference"):
      raise ValueError(
          f"implementation={self.implementation!r}; use 'fused' or 'reference'."
      )
    dtype = jnp.dtype(self.dtype)
    if self.implementation == "reference" and dtype != jnp.float32:
      raise ValueError("The reference implementation computes in float32 only.")
    if self.implementation == "fused":
      names = ["encoder_forward"] + (["encoder_backward"] if self.bidirectional else [])
      weights = [
          LSTMWeights(self.hidden, name=f"{name}_lstm")(features.shape[-1]) for name in names
      ]
      encoded, finals = fused_encoder(features, weights, dtype, self.hoist_inputs)
      summary = jnp.concatenate(finals, -1)
    else:
      encoded, summary = self._reference_encoder(features)

    if self.attention:
      keys = nn.Dense(self.attention_size, use_bias=False, dtype=dtype, name="keys")(encoded)
      keys = keys.astype(jnp.float32)
    else:
      keys = encoded  # Unused by the decoder without attention.
    if self.lookahead >= 0:
      # Output frame i may see input frames up to i + k: h_{i+k} for the aligned
      # term, h_k to start the decoder, attention masked beyond i + k.
      ahead = jnp.minimum(jnp.arange(time) + self.lookahead, time - 1)
      # h_i as well as h_{i+k}: a forward state k frames on has to remember
      # frame i, which the refiner learns slowly if at all (k = 1..8 stayed at
      # the identity in 3,500 steps with h_{i+k} alone).
      aligned_states = encoded if self.lookahead == 0 else jnp.concatenate(
          [encoded, encoded[:, ahead]], -1)
      summary = encoded[:, min(self.lookahead, time - 1)]
      visible = jnp.arange(time)[None, :] <= ahead[:, None]
    else:
      aligned_states = encoded
      visible = jnp.ones((time, time), bool)
    visible = jnp.broadcast_to(visible, (batch, time, time))
    initial_state = jnp.tanh(nn.Dense(self.hidden, name="bridge")(summary))
    lstm_carry = (jnp.zeros_like(initial_state), initial_state)

    if targets is None:
      teacher = jnp.zeros_like(flat_inputs)
      use_teacher = jnp.zeros((batch, time), bool)
    else:
      target_norm = normalization.to_normalized(targets, targets_valid, centre, scale)
      # The decoder's y_{i-1} for i = 0 is the first input frame, never
      # ground truth; for i > 0 it is the target of frame i - 1.
      teacher = jnp.concatenate(
          [flat_inputs[:, :1], target_norm.reshape(batch, time, -1)[:, :-1]], 1
      )
      if isinstance(teacher_forcing, float) and teacher_forcing in (0.0, 1.0):
        use_teacher = jnp.full((batch, time), teacher_forcing == 1.0)
      else:
        use_teacher = jax.random.bernoulli(
            self.make_rng("feedback"), teacher_forcing, (batch, time)
        )
      use_teacher = use_teacher.at[:, 0].set(False)

    decoder_args = dict(
        num_outputs=joints * 2,
        hidden=self.hidden,
        attention_size=self.attention_size,
        attention=self.attention,
        zero_init_output=self.zero_init_output,
        name="decoder",
    )
    if self.implementation == "fused":
      decoder = FusedDecoder(dtype=dtype, **decoder_args)
    else:
      decoder = nn.scan(
          DecoderStep,
          variable_broadcast="params",
          split_rngs={"params": False},
          in_axes=(1, nn.broadcast, nn.broadcast, nn.broadcast, nn.broadcast),
          out_axes=1,
      )(**decoder_args)
    base = flat_inputs if self.residual else jnp.zeros_like(flat_inputs)
    if self.aligned_output:
      # Hoisted out of the decoder loop: one matmul for every frame.
      base = base + nn.Dense(joints * 2, dtype=dtype, kernel_init=_output_init(
          self.zero_init_output), name="aligned_output")(aligned_states).astype(jnp.float32)
    _, (outputs, weights) = decoder(
        (lstm_carry, flat_inputs[:, 0]),
        (teacher, use_teacher, base, visible),
        keys,
        encoded,
        summary,
        frame_mask,
    )
    normalized = outputs.reshape(batch, time, joints, 2)
    if self.deadzone > 0:
      normalized = shrink_corrections(normalized, inputs, valid, self.deadzone)
    return _outputs(normalized, centre, scale, weights if return_attention else None)

  def _reference_encoder(self, features):
    """Flax's LSTM cells under nn.RNN / nn.Bidirectional."""

    def rnn(reverse, name):
      return nn.RNN(
          nn.OptimizedLSTMCell(self.hidden, name=f"{name}_lstm"), return_carry=True,
          reverse=reverse, keep_order=True, name=name,
      )

    if self.bidirectional:
      (forward_carry, backward_carry), encoded = nn.Bidirectional(
          rnn(False, "encoder_forward"), rnn(True, "encoder_backward"),
          return_carry=True,
      )(features)
      return encoded, jnp.concatenate([forward_carry[1], backward_carry[1]], -1)
    forward_carry, encoded = rnn(False, "encoder_forward")(features)
    return encoded, forward_carry[1]


class TemporalMLP(nn.Module):
  """A SmoothNet-style refiner (Zeng et al., ECCV 2022): an MLP over time.

  Every joint coordinate's trajectory through the window is refined on its
  own by the same MLP (window -> hidden -> residual blocks -> window), and
  the result is added to the input. Same call signature and outputs as
  `PoseCorrector`, so it trains and runs in the same harness.

  Attributes:
    num_joints: joints per frame.
    window: frames per window (the MLP's input and output size).
    hidden: MLP width.
    blocks: residual blocks.
  """

  num_joints: int
  window: int
  hidden: int = 256
  blocks: int = 3

  @nn.compact
  def __call__(self, poses, confidence, targets=None, targets_valid=None,
               teacher_forcing=0.0, return_attention=False):
    del targets, targets_valid, teacher_forcing
    batch, time, joints, _ = poses.shape
    if time != self.window:
      raise ValueError(f"TemporalMLP was built for windows of {self.window}, got {time}.")
    valid = normalization.joint_validity(poses, confidence)
    centre, scale = normalization.window_frame(poses, valid)
    inputs = normalization.to_normalized(poses, valid, centre, scale)
    # [batch, joints, 2, time]: one trajectory per joint coordinate.
    trajectories = inputs.transpose(0, 2, 3, 1)
    x = nn.leaky_relu(nn.Dense(self.hidden, name="embed")(trajectories), 0.2)
    for i in range(self.blocks):
      y = nn.leaky_relu(nn.Dense(self.hidden, name=f"block{i}_a")(x), 0.2)
      y = nn.leaky_relu(nn.Dense(self.hidden, name=f"block{i}_b")(y), 0.2)
      x = x + y
    refined = trajectories + nn.Dense(self.window, name="decode")(x)
    normalized = refined.transpose(0, 3, 1, 2)
    attention = jnp.zeros((batch, time, time), jnp.float32) if return_attention else None
    return _outputs(normalized, centre, scale, attention)


def create_model(config, skeleton) -> nn.Module:
  """The refiner config.model_kind names: "seq2seq" (ours) or "temporal_mlp".

  Args:
    config: gives model_kind, model (the module's fields) and window.
    skeleton: the joints it refines (skeletons.Skeleton).
  """
  if config.model_kind == "seq2seq":
    return PoseCorrector(num_joints=skeleton.num_joints, **config.model)
  if config.model_kind == "temporal_mlp":
    return TemporalMLP(num_joints=skeleton.num_joints, window=config.window, **config.model)
  raise ValueError(
      f"config.model_kind={config.model_kind!r}; use 'seq2seq' or 'temporal_mlp'.")


def init_params(model: nn.Module, rng, window: int, num_joints: int):
  """Fresh parameters of `model` for windows of `window` frames."""
  poses = jnp.zeros((1, window, num_joints, 2), jnp.float32)
  confidence = jnp.ones((1, window, num_joints), jnp.float32)
  return model.init(rng, poses, confidence)["params"]
