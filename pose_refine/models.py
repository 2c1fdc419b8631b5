"""Sequence-to-sequence pose correction: LSTM encoder, attention LSTM decoder.

Notation follows Bahdanau et al. (2015): encoder states h_j, decoder states
s_i, e_ij = v^T tanh(W s_{i-1} + U h_j), alpha_i = softmax_j(e_ij),
c_i = sum_j alpha_ij h_j, s_i = f(s_{i-1}, y_{i-1}, c_i),
y_i = g(y_{i-1}, s_i, c_i).
"""

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
    energy = jnp.tanh(keys + projected[:, None, :])
    logits = nn.Dense(1, use_bias=False, name="energy")(energy)[..., 0]
    logits = jnp.where(frame_mask, logits, _MASKED_LOGIT)
    weights = jax.nn.softmax(logits, axis=-1)
    context = jnp.einsum("bt,btf->bf", weights, values)
    return context, weights


class DecoderStep(nn.Module):
  """One decoder step; scanned over output time."""

  num_outputs: int
  hidden: int
  attention_size: int
  attention: bool
  residual: bool

  @nn.compact
  def __call__(self, carry, step_inputs, keys, values, fixed_context, frame_mask):
    lstm_carry, previous_output = carry
    teacher, use_teacher, base = step_inputs
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
    output = nn.Dense(self.num_outputs, name="output")(
        jnp.concatenate([previous, state, context], -1)
    )
    if self.residual:
      output = output + base
    return (lstm_carry, output), (output, weights)


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
    interpolate_missing: missing input joints enter (and serve as the
      residual base) linearly interpolated from the window's valid frames,
      with confidence 0 marking them; else they enter as the window centre.
  """

  num_joints: int
  hidden: int = 128
  attention_size: int = 128
  attention: bool = True
  bidirectional: bool = True
  residual: bool = True
  interpolate_missing: bool = True

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
    features = jnp.concatenate(
        [inputs.reshape(batch, time, -1), confidence], axis=-1
    )

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
      summary = jnp.concatenate([forward_carry[1], backward_carry[1]], -1)
    else:
      forward_carry, encoded = rnn(False, "encoder_forward")(features)
      summary = forward_carry[1]

    if self.attention:
      keys = nn.Dense(self.attention_size, use_bias=False, name="keys")(encoded)
    else:
      keys = encoded  # Unused by the decoder without attention.
    initial_state = jnp.tanh(nn.Dense(self.hidden, name="bridge")(summary))
    lstm_carry = (jnp.zeros_like(initial_state), initial_state)

    flat_inputs = inputs.reshape(batch, time, -1)
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

    decoder = nn.scan(
        DecoderStep,
        variable_broadcast="params",
        split_rngs={"params": False},
        in_axes=(1, nn.broadcast, nn.broadcast, nn.broadcast, nn.broadcast),
        out_axes=1,
    )(
        num_outputs=joints * 2,
        hidden=self.hidden,
        attention_size=self.attention_size,
        attention=self.attention,
        residual=self.residual,
        name="decoder",
    )
    _, (outputs, weights) = decoder(
        (lstm_carry, flat_inputs[:, 0]),
        (teacher, use_teacher, flat_inputs),
        keys,
        encoded,
        summary,
        frame_mask,
    )
    normalized = outputs.reshape(batch, time, joints, 2)
    return _outputs(normalized, centre, scale, weights if return_attention else None)


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
