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
"""

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


def is_on(rule) -> bool:
  """Whether a config.selection rule selects anything (it has coefficients)."""
  return rule is not None and len(rule["coef"]) > 0


def _shifted(values, step: int, fill):
  """values[t - step] at t (step 1: the previous frame), `fill` past the ends."""
  out = np.full_like(values, fill)
  if step > 0:
    out[step:] = values[:-step]
  else:
    out[:step] = values[-step:]
  return out


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
  y = np.nan_to_num(refined) / size
  correction = np.where(observed, _norm(y - x), 0.0)
  before, after = _shifted(observed, 1, False), _shifted(observed, -1, False)
  x_before, x_after = _shifted(x, 1, 0.0), _shifted(x, -1, 0.0)
  # Past the ends the output's speed is one-sided (the edge frame repeated).
  y_before = np.concatenate([y[:1], y[:-1]])
  y_after = np.concatenate([y[1:], y[-1:]])
  frame = baselines.row_nanmedian(np.where(observed, correction, np.nan))  # NaN: none observed.
  if nearby is None:
    nearby = baselines.correction_size(refined, poses, confidence, NEARBY_WINDOW)
  values = {
      "correction": correction,
      "input_curvature": np.where(before & after, _norm(x_before + x_after - 2 * x) / 2, _ABSENT),
      "input_step_before": np.where(before, _norm(x - x_before), _ABSENT),
      "input_step_after": np.where(after, _norm(x_after - x), _ABSENT),
      "output_speed": _norm(y_after - y_before) / 2,
      "correction_before": np.where(before, _shifted(correction, 1, 0.0), _ABSENT),
      "correction_after": np.where(after, _shifted(correction, -1, 0.0), _ABSENT),
      "confidence": np.nan_to_num(np.asarray(confidence, np.float64)),
      "nearby_correction": np.asarray(nearby)[:, None],
      "frame_correction": np.nan_to_num(frame, nan=_ABSENT)[:, None],
  }
  cues = np.empty(shape)
  for i, name in enumerate(FEATURES):
    cues[..., i] = values[name]
  return cues, observed


def _norm(vectors) -> np.ndarray:
  """np.linalg.norm(vectors, axis=-1) for [..., 2], without its overhead (the same bits)."""
  return np.sqrt(np.add.reduce(vectors * vectors, -1))


def _design(cues) -> np.ndarray:
  """[n, 2 * len(FEATURES)]: each cue (log, confidence as is) and its square / 10."""
  cues = np.array(cues, np.float64)
  logged = [i for i, name in enumerate(FEATURES) if name != "confidence"]
  cues[:, logged] = np.log(cues[:, logged] + _LOG_OFFSET)
  return np.concatenate([cues, cues**2 / 10], 1)


def fit(cues, input_closer, stake, *, l2: float = 1e-3, iterations: int = 30,
        threshold: float = 0.5) -> dict[str, Any]:
  """A selector rule (config.selection) by weighted logistic regression.

  Args:
    cues: [n, len(FEATURES)] `features` of the joints to learn from.
    input_closer: [n] bool, whether the input was closer to the truth than
      the model's output.
    stake: [n] >= 0, how much the choice matters (e.g. the difference of the
      two errors, capped); each joint counts this much.
    l2: ridge penalty on the standardised coefficients.
    iterations: Newton steps.
    threshold: stored with the rule: the probability above which the input is kept.

  Returns:
    {"features", "mean", "std", "coef" (intercept last), "threshold"}, lists of floats.
  """
  design = _design(cues)
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
  return {"features": list(FEATURES), "mean": mean.tolist(), "std": std.tolist(),
          "coef": coef.tolist(), "threshold": float(threshold)}


def check(rule) -> None:
  """Raises ValueError if a stored rule does not fit this code's cues."""
  if tuple(rule["features"]) != FEATURES:
    raise ValueError(f"This selector was fitted on the cues {list(rule['features'])}; this "
                     f"version computes {list(FEATURES)}: refit it (launch/tune_selection.py).")
  width = 2 * len(FEATURES)
  if len(rule["mean"]) != width or len(rule["std"]) != width or len(rule["coef"]) != width + 1:
    raise ValueError(f"A selector rule needs {width} means and stds and {width + 1} "
                     "coefficients; this one is damaged: refit it.")


def probability(rule, cues) -> np.ndarray:
  """P(input closer than the model's output) for cues [..., len(FEATURES)]."""
  flat = np.reshape(cues, (-1, len(FEATURES)))
  design = (_design(flat) - np.asarray(rule["mean"])) / np.asarray(rule["std"])
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
