"""Where the input was already right: per joint, the input or the model's output.

A refiner that corrects large errors well also moves some joints the
estimator had right, fast-moving ones most. The selector is a logistic
regression over a few per-joint, per-frame cues (how far the model moved the
joint, how smoothly the input itself moves there, the joint's confidence,
how much the model corrected nearby) that estimates the probability that
the input lies closer to the truth than the model's output. Where it does
above `threshold`, the input is kept.

It is fitted on the training error family (`launch/tune_selection.py`), never
on the held-out one, and stored in a checkpoint's config (`config.selection`;
empty `coef`: off). `Refiner.refine_track` applies it before the whole-track
smoother.

A stream at lookahead 0 cannot read frame t + 1, so it has a selector of its
own (`config.online_selection`, `launch/tune_online_selection.py`): the same
regression over ONLINE_FEATURES, cues that frame t and the frames before it
give, on the stream's output; then, where the model has been correcting
much (the recent correction above `level`), a One-Euro filter over the
selected output takes the jitter out of the input joints it kept
(`online_select`; a stream runs it frame by frame, its choice in JAX:
pose_refine.stream_finish).
"""

import functools
from typing import Any

import numpy as np

from pose_refine import baselines
from pose_refine import skeletons

# The cues, in units of the track's size (per frame for speeds); each enters
# the model as log(cue + 1e-3) and its square, except the confidence (as is).
# A neighbour that is not observed gives the cue 1.0 (a full track size).
FEATURES = (
    "correction",            # |output - input| at the joint and frame
    "input_curvature",       # |x[t-1] + x[t+1] - 2 x[t]| / 2
    "input_step_before",     # |x[t] - x[t-1]|
    "input_step_after",      # |x[t+1] - x[t]|
    "output_speed",          # |y[t+1] - y[t-1]| / 2
    "correction_before",     # the joint's correction at t - 1
    "correction_after",      # the joint's correction at t + 1
    "confidence",            # the input's confidence
    "nearby_correction",     # baselines.correction_size over 121 frames
    "frame_correction",      # median correction over the frame's observed joints
)
_LOG_OFFSET = 1e-3
_ABSENT = 1.0
NEARBY_WINDOW = 121

# The lookahead-0 selector's cues: at frame t, from frames t - ONLINE_WINDOW + 1
# to t only. Sizes in units of the person's size there (the median longer side
# of the output's pose box over those frames); a neighbour not observed gives 1.0.
ONLINE_FEATURES = (
    "correction",              # |output - input| at the joint and frame
    "input_curvature_before",  # |x[t] - 2 x[t-1] + x[t-2]|
    "input_step_before",       # |x[t] - x[t-1]|
    "output_step_before",      # |y[t] - y[t-1]|
    "correction_before",       # the joint's correction at t - 1
    "correction_before_2",     # the joint's correction at t - 2
    "confidence",              # the input's confidence
    "recent_correction",       # median correction over the window's observed joints
    "frame_correction",        # median correction over the frame's observed joints
)
ONLINE_WINDOW = 121


def is_on(rule) -> bool:
  """Whether a config.selection rule selects anything (it has coefficients)."""
  return rule is not None and len(rule["coef"]) > 0


def _shifted(values, step: int, fill, xp=np):
  """values[t - step] at t (step 1: the previous frame), `fill` past the ends; `xp`: the array
  module (NumPy, or jax.numpy as pose_refine.stream_finish runs the cues)."""
  pad = min(abs(step), len(values))
  fills = xp.full((pad,) + values.shape[1:], fill, values.dtype)
  return (xp.concatenate([fills, values[:len(values) - pad]]) if step > 0
          else xp.concatenate([values[pad:], fills]))


def choosable(refined, poses, confidence) -> np.ndarray:
  """[time, joints] where the selector may choose: observed in the input and placed by the model."""
  return skeletons.observed(poses, confidence) & np.all(np.isfinite(refined), -1)


def features(refined, poses, confidence, nearby=None) -> tuple[np.ndarray, np.ndarray]:
  """The selector's cues for every joint and frame.

  Args:
    refined: [time, joints, 2] the model's output for `poses`; NaN where it
      placed nothing.
    poses, confidence: the model's input ([time, joints, 2], [time, joints]).
    nearby: optional [time] baselines.correction_size(refined, poses,
      confidence, 121), if the caller has it already.

  Returns:
    cues [time, joints, len(FEATURES)] float64 (raw, before the log) and the
    joints the selector may choose between (`choosable`).
  """
  refined = np.asarray(refined, np.float64)
  present = np.isfinite(refined).all(-1)
  observed = choosable(refined, poses, confidence)
  shape = observed.shape + (len(FEATURES),)
  if not observed.any():
    return np.zeros(shape), observed
  size = baselines.track_size(np.where(present[..., None], refined, np.nan))
  x = np.where(observed[..., None], np.asarray(poses, np.float64), 0.0) / size
  values = motion_cues(x, np.nan_to_num(refined) / size, observed)
  # NaN: none observed.
  frame = baselines.row_nanmedian(np.where(observed, values["correction"], np.nan))
  if nearby is None:
    nearby = baselines.correction_size(refined, poses, confidence, NEARBY_WINDOW)
  values.update({
      "confidence": np.nan_to_num(np.asarray(confidence, np.float64)),
      "nearby_correction": np.asarray(nearby)[:, None],
      "frame_correction": np.nan_to_num(frame, nan=_ABSENT)[:, None],
  })
  cues = np.empty(shape)
  for i, name in enumerate(FEATURES):
    cues[..., i] = values[name]
  return cues, observed


def motion_cues(x, y, observed, xp=np) -> dict:
  """The cues of `features` that come from positions: correction to output_speed, by name.

  Args:
    x: [time, joints, 2] the input over the track's size, 0 where not `observed`.
    y: the model's output over the track's size (0 where it placed nothing).
    observed: [time, joints] where the selector may choose (`choosable`).
    xp: the array module (NumPy, or jax.numpy: pose_refine.stream_finish).
  """
  correction = xp.where(observed, _norm(y - x, xp), 0.0)
  before, after = _shifted(observed, 1, False, xp), _shifted(observed, -1, False, xp)
  x_before, x_after = _shifted(x, 1, 0.0, xp), _shifted(x, -1, 0.0, xp)
  # Past the ends the output's speed is one-sided (the edge frame repeated).
  y_before = xp.concatenate([y[:1], y[:-1]])
  y_after = xp.concatenate([y[1:], y[-1:]])
  return {
      "correction": correction,
      "input_curvature": xp.where(before & after, _norm(x_before + x_after - 2 * x, xp) / 2,
                                  _ABSENT),
      "input_step_before": xp.where(before, _norm(x - x_before, xp), _ABSENT),
      "input_step_after": xp.where(after, _norm(x_after - x, xp), _ABSENT),
      "output_speed": _norm(y_after - y_before, xp) / 2,
      "correction_before": xp.where(before, _shifted(correction, 1, 0.0, xp), _ABSENT),
      "correction_after": xp.where(after, _shifted(correction, -1, 0.0, xp), _ABSENT),
  }


def _norm(vectors, xp=np):
  """np.linalg.norm(vectors, axis=-1) for [..., 2], without its overhead (the same bits)."""
  return xp.sqrt(xp.sum(vectors * vectors, -1))


def _design(cues, names=FEATURES) -> np.ndarray:
  """[n, 2 * len(names)]: each cue (log, confidence as is) and its square / 10."""
  cues = np.array(cues, np.float64)
  logged = [i for i, name in enumerate(names) if name != "confidence"]
  cues[:, logged] = np.log(cues[:, logged] + _LOG_OFFSET)
  return np.concatenate([cues, cues**2 / 10], 1)


def fit(cues, input_closer, stake, *, l2: float = 1e-3, iterations: int = 30,
        threshold: float = 0.5, names=FEATURES) -> dict[str, Any]:
  """A selector rule (config.selection) by weighted logistic regression.

  Args:
    cues: [n, len(names)] `features` (or `online_features`) of the joints to learn from.
    input_closer: [n] bool, whether the input was closer to the truth than
      the model's output.
    stake: [n] >= 0, how much the choice matters (e.g. the difference of the
      two errors, capped); each joint counts this much.
    l2: ridge penalty on the standardised coefficients.
    iterations: Newton steps.
    threshold: stored with the rule: the probability above which the input is kept.
    names: the cues' names (FEATURES or ONLINE_FEATURES).

  Returns:
    {"features", "mean", "std", "coef" (intercept last), "threshold"}, lists of floats.
  """
  design = _design(cues, names)
  target = np.asarray(input_closer, np.float64)
  weight = np.asarray(stake, np.float64)
  weight = weight / weight.sum()
  mean = weight @ design  # Standardised as the fit weighs the examples.
  std = np.sqrt(weight @ (design - mean) ** 2) + 1e-6
  design = np.concatenate([(design - mean) / std, np.ones((len(design), 1))], 1)
  coef = np.zeros(design.shape[1])
  penalty = l2 * np.eye(len(coef))
  penalty[-1, -1] = 0.0
  for _ in range(iterations):
    prob = 1 / (1 + np.exp(-design @ coef))
    gradient = design.T @ (weight * (prob - target)) + penalty @ coef
    hessian = (design * (weight * prob * (1 - prob))[:, None]).T @ design + penalty
    coef -= np.linalg.solve(hessian, gradient)
  return {"features": list(names), "mean": mean.tolist(), "std": std.tolist(),
          "coef": coef.tolist(), "threshold": float(threshold)}


def examples(cues, choosable_, clip, output, stake_cap: float):
  """A fit's examples from one clip and a model's output for it (launch.tune_selection and
  launch.tune_online_selection).

  Args:
    cues, choosable_: `features` (or `online_features`) of `output`.
    clip: a robustness.make_clips clip (poses, ground_truth, ground_truth_valid).
    output: [time, joints, 2] the model's output for it.
    stake_cap: the largest weight of one example.

  Returns:
    The cues of the labelled joints the selector may choose at, whether the
    input was closer to the truth than the output there, and the stake (the
    difference of the two errors over the person's size, capped).
  """
  labelled = choosable_ & clip["ground_truth_valid"].astype(bool)
  truth = clip["ground_truth"]
  size = np.nanmedian(np.nanmax(np.nanmax(truth, 1) - np.nanmin(truth, 1), -1))
  input_error = np.linalg.norm(np.nan_to_num(clip["poses"]) - truth, axis=-1)
  output_error = np.linalg.norm(np.nan_to_num(output) - truth, axis=-1)
  stake = np.minimum(np.abs(input_error - output_error) / max(size, 1e-6), stake_cap)
  return cues[labelled], (input_error < output_error)[labelled], stake[labelled]


def check(rule, names=FEATURES) -> None:
  """Raises ValueError if a stored rule does not fit this code's cues (`names`)."""
  if tuple(rule["features"]) != tuple(names):
    tool = "tune_selection" if tuple(names) == FEATURES else "tune_online_selection"
    raise ValueError(f"This selector was fitted on the cues {list(rule['features'])}; this "
                     f"version computes {list(names)}: refit it (launch/{tool}.py), or load "
                     "the checkpoint with selection=False (CHECKPOINT#selection=off).")
  width = 2 * len(names)
  if len(rule["mean"]) != width or len(rule["std"]) != width or len(rule["coef"]) != width + 1:
    raise ValueError(f"A selector rule needs {width} means and stds and {width + 1} "
                     "coefficients; this one is damaged: refit it.")


def probability(rule, cues) -> np.ndarray:
  """P(input closer than the model's output) for cues [..., len(rule["features"])]."""
  names = tuple(rule["features"])
  flat = np.reshape(cues, (-1, len(names)))
  design = (_design(flat, names) - np.asarray(rule["mean"])) / np.asarray(rule["std"])
  coef = np.asarray(rule["coef"])
  logit = design @ coef[:-1] + coef[-1]
  return (1 / (1 + np.exp(-logit))).reshape(np.shape(cues)[:-1])


def select(refined, poses, confidence, rule, nearby=None) -> np.ndarray:
  """`refined` with the input kept where the rule finds it closer to the truth.

  Args:
    refined: [time, joints, 2] the model's output for `poses`.
    poses, confidence: the model's input.
    rule: a config.selection (from `fit`); off (no coefficients): `refined`
      is returned as it is.
    nearby: optional, the cue `features` takes.

  Returns:
    [time, joints, 2] float32.
  """
  refined = np.asarray(refined, np.float32)
  if not is_on(rule) or not len(refined):
    return refined
  check(rule)
  cues, choosable = features(refined, poses, confidence, nearby)
  keep = choosable & (probability(rule, cues) > rule["threshold"])
  return np.where(keep[..., None], np.asarray(poses, np.float32), refined)


def online_features(refined, poses, confidence):
  """The lookahead-0 selector's cues (ONLINE_FEATURES): each frame's from it and the ones before.

  Args:
    refined: [time, joints, 2] a lookahead-0 stream's output for `poses`
      (frame t: the model's output at the end of the window ending at t).
    poses, confidence: the model's input ([time, joints, 2], [time, joints]).

  Returns:
    cues [time, joints, len(ONLINE_FEATURES)] float64, the joints the
    selector may choose between (`choosable`) and each frame's
    recent_correction [time]. A stream computes frame t's as it comes
    (stream_finish.online_cues, in float32).
  """
  refined = np.asarray(refined, np.float32)
  poses = np.asarray(poses, np.float32)
  confidence = np.asarray(confidence, np.float32)  # As a stream holds it.
  observed, sides, moved = frame_measures(refined, poses, confidence)
  size, recent = _trailing_medians(sides, moved)
  size = np.maximum(_unnan(np.asarray(size, np.float64), 1e-6), 1e-6)  # [time]
  shape = observed.shape + (len(ONLINE_FEATURES),)
  scale = size[:, None]
  x = np.where(observed[..., None], poses, 0.0).astype(np.float64)
  y = _unnan(refined).astype(np.float64)
  o1, o2 = _shifted(observed, 1, False), _shifted(observed, 2, False)
  x1, x2 = _shifted(x, 1, 0.0), _shifted(x, 2, 0.0)
  y_before = np.concatenate([y[:1], y[:-1]])  # At the first frame: itself.
  correction = _unnan(moved)
  values = {
      "correction": np.where(observed, correction, 0.0) / scale,
      "input_curvature_before": np.where(o1 & o2, _norm(x - 2 * x1 + x2) / scale, _ABSENT),
      "input_step_before": np.where(o1, _norm(x - x1) / scale, _ABSENT),
      "output_step_before": _norm(y - y_before) / scale,
      "correction_before": np.where(o1, _shifted(correction, 1, 0.0) / scale, _ABSENT),
      "correction_before_2": np.where(o2, _shifted(correction, 2, 0.0) / scale, _ABSENT),
      "confidence": _unnan(np.asarray(confidence, np.float64)),
      "recent_correction": (_unnan(recent) / size)[:, None],
      "frame_correction": _unnan(baselines.row_nanmedian(moved) / size, _ABSENT)[:, None],
  }
  cues = np.empty(shape)
  for i, name in enumerate(ONLINE_FEATURES):
    cues[..., i] = values[name]
  return cues, observed, cues[:, 0, ONLINE_FEATURES.index("recent_correction")]


def frame_measures(refined, poses, confidence):
  """Per frame, what the cues' medians read: where the selector may choose
  ([time, joints]), the longer side of the output pose's box ([time]; NaN with
  no joint placed) and each choosable joint's correction in pixels ([time,
  joints]; NaN elsewhere)."""
  refined = np.asarray(refined, np.float32)
  poses = np.asarray(poses, np.float32)
  confidence = np.asarray(confidence, np.float32)
  present = np.isfinite(refined).all(-1)
  observed = choosable(refined, poses, confidence)
  placed = np.where(present[..., None], refined, np.nan)
  sides = np.fmax.reduce(np.fmax.reduce(placed, 1) - np.fmin.reduce(placed, 1), -1)
  step = np.where(observed[..., None], refined - poses, 0.0)
  return observed, sides, np.where(observed, _norm(step.astype(np.float64)), np.nan)


def _unnan(values, fill=0.0):
  """`values` with NaN replaced by `fill` (np.nan_to_num for values that are never infinite)."""
  return np.where(np.isnan(values), fill, values)


def _trailing_medians(sides, moved):
  """Per frame t, the medians of sides[t - W + 1 : t + 1] and of moved's joints there (W:
  ONLINE_WINDOW), as row_nanmedian takes them (the same bits as one window alone)."""
  sides = np.pad(sides, (ONLINE_WINDOW - 1, 0), constant_values=np.nan)
  moved = np.pad(moved, ((ONLINE_WINDOW - 1, 0), (0, 0)), constant_values=np.nan)
  side_views = np.lib.stride_tricks.sliding_window_view(sides, ONLINE_WINDOW)
  moved_views = np.lib.stride_tricks.sliding_window_view(moved, ONLINE_WINDOW, axis=0)
  size, recent = np.empty(len(side_views)), np.empty(len(side_views))
  for start in range(0, len(side_views), 512):  # Bounded memory on long tracks.
    end = start + 512
    size[start:end] = baselines.row_nanmedian(side_views[start:end])
    block = np.swapaxes(moved_views[start:end], 1, 2)  # [rows, window, joints]
    recent[start:end] = baselines.row_nanmedian(block.reshape(len(block), -1))
  return size, recent


def online_keep(rule, cues, choosable) -> np.ndarray:
  """Where the lookahead-0 rule keeps the input: [rows, joints] bool."""
  return choosable & (probability(rule, cues) > rule["threshold"])


def online_smoother(rule):
  """The rule's One-Euro step (baselines.one_euro_step at its cut-off) for the selected output,
  or None when it has none (min_cutoff 0)."""
  if not rule["min_cutoff"] > 0:
    return None
  return functools.partial(baselines.one_euro_step, min_cutoff=rule["min_cutoff"],
                           beta=rule["beta"], rate=rule["rate"])


def online_filter(rule, step, state, selected, recent):
  """One frame of the rule's filter over the selected output (`online_select`; a stream's is
  stream_finish.finish_online's).

  Args:
    rule: a config.online_selection.
    step: its `online_smoother`.
    state: the filter's (value, speed) before this frame ([joints, 2] each).
    selected: [joints, 2] this frame's selected output.
    recent: this frame's recent_correction.

  Returns:
    The state after this frame, and the frame's output: the filter's value
    where the recent correction exceeds the rule's level, else `selected`.
  """
  state = step(*state, selected, np.isfinite(selected).all(-1))
  if recent > rule["level"]:
    return state, np.where(np.isfinite(state[0]), state[0], selected).astype(np.float32)
  return state, selected


def online_select(refined, poses, confidence, rule, cues=None) -> np.ndarray:
  """A whole track's lookahead-0 selection: what a stream with the rule returns, frame by frame.

  Args:
    refined: [time, joints, 2] the lookahead-0 stream's output without the
      selector, in the model's joints, as a stream with fill_missing and
      without a gate returns it (the stream selects before the gate, and
      before fill_missing=False blanks the joints missing from the input).
    poses, confidence: the model's input.
    rule: a config.online_selection; off (no coefficients): `refined` as it is.
    cues: optional, `online_features(refined, poses, confidence)` if the
      caller has them (tuning tries many rules on the same output).

  Returns:
    [time, joints, 2] float32: the input kept where the rule keeps it, then,
    at frames whose recent_correction exceeds the rule's level, the One-Euro
    filter's output over the selected track.
  """
  refined = np.asarray(refined, np.float32)
  if not is_on(rule) or not len(refined):
    return refined
  check(rule, ONLINE_FEATURES)
  cues, choosable_, recent = cues or online_features(refined, poses, confidence)
  keep = online_keep(rule, cues, choosable_)
  selected = np.where(keep[..., None], np.asarray(poses, np.float32), refined)
  step = online_smoother(rule)
  if step is None:
    return selected
  state = np.full(refined.shape[1:], np.nan), np.zeros(refined.shape[1:])
  out = selected.copy()
  for t in range(len(selected)):
    state, out[t] = online_filter(rule, step, state, selected[t], recent[t])
  return out
