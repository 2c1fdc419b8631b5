"""The accuracy protocol: every method on errors at a level, frame rate and family.

Clips of ground truth are corrupted by an error family ("heldout": never
trained on, `heldout_errors`; "train": the wide family the recipe trains on,
`corruption`) at a level from clean (0) to very hard (4), optionally after
resampling to another frame rate. The clips are split in two halves by
index: every filter is tuned on the first ("tune") and every method is scored
on the second ("report"), so no reported number was tuned on its own data.

Metrics follow the refiners' literature: PCK at 5% and 10% of the longer side
of the person's box (per sequence, then averaged over sequences), the mean
joint error in pixels and the acceleration error in px/frame^2.
"""

import re
from collections.abc import Callable, Sequence

import numpy as np

from pose_refine import corruption
from pose_refine import evaluation
from pose_refine import heldout_errors
from pose_refine import metrics
from pose_refine import skeletons
from pose_refine import windows

FAMILIES = ("heldout", "train")
OFFLINE = "offline"  # The lookahead of whole-track refinement.
METRICS = ("pck@0.05", "pck@0.1", "mean_error", "accel_error", "missing")


def make_clips(videos, skeleton: skeletons.Skeleton, family: str, level: float,
               rate_factor: float = 1.0, seed: int = 0,
               absent: Sequence[str] = ()) -> list[dict[str, np.ndarray]]:
  """Ground-truth clips resampled by `rate_factor` and corrupted by `family` at `level`.

  Each clip's errors depend only on (family, level, rate, seed, clip index).
  The joints named in `absent` are then taken out of the estimates and the
  labels of every frame (a camera that frames the upper body, say), so
  scores cover the other joints.
  """
  if family not in FAMILIES:
    raise ValueError(f"family={family!r}; use one of {FAMILIES}.")
  unknown = [name for name in absent if name not in skeleton.joints]
  if unknown:
    raise ValueError(f"absent={unknown}: not joints of {skeleton.name} {skeleton.joints}.")
  clips = []
  for index, video in enumerate(videos):
    truth, valid = video["ground_truth"], video["ground_truth_valid"].astype(bool)
    if rate_factor != 1.0:
      truth, valid = windows.resample(truth, valid, rate_factor)
    rng = np.random.default_rng(
        [FAMILIES.index(family), round(level * 100), round(rate_factor * 100), seed, index])
    if family == "heldout":
      poses, confidence = heldout_errors.corrupt(truth, valid, skeleton, level, rng)
    else:
      poses, confidence = corruption.corrupt_at_level(truth, valid, skeleton, level, rng)
    if absent:
      gone = [skeleton.index(name) for name in absent]
      poses[:, gone], confidence[:, gone] = np.nan, 0.0
      valid = valid.copy()
      valid[:, gone] = False
    clips.append({"poses": poses, "confidence": confidence, "ground_truth": truth,
                  "ground_truth_valid": valid})
  return clips


def halves(clips: Sequence) -> tuple[list, list]:
  """(tune, report): even- and odd-indexed clips."""
  return list(clips[0::2]), list(clips[1::2])


# Share of the person's box a joint moves per frame from which its motion counts as fast.
FAST = 0.05


def scores(predictions: Sequence[np.ndarray], clips) -> dict[str, float]:
  """METRICS of one method's [time, joints, 2] predictions on `clips`.

  PCK is over every labelled joint (a missing prediction misses), per clip,
  then averaged over clips. The mean error and the acceleration error are
  over the joints every method has: labelled and present in the input
  (frame triples of them for acceleration), pooled over clips, so raw input
  and methods that fill gaps are compared on the same joints. "missing" is
  the share of labelled joints without a prediction (%).
  """
  pck = {"pck@0.05": [], "pck@0.1": []}
  errors, accel, missing, labelled = [], [], 0, 0
  # PCK@0.05 pooled by the input's joints, by the true motion's speed, and over the
  # joints the input had right ("kept", also of the fast ones) or wrong ("fixed").
  hits = {key: [0, 0] for key in ("present", "missing", "fast", "slow", "kept", "kept/fast",
                                  "fixed")}
  for predicted, clip in zip(predictions, clips):
    truth, valid = clip["ground_truth"], clip["ground_truth_valid"].astype(bool)
    if not valid.any():
      continue
    per_clip = metrics.pck_normalized(predicted, truth, valid, fractions=(0.05, 0.1))
    for key in pck:
      pck[key].append(per_clip[key])
    box = np.where(valid[..., None], truth, np.nan)
    longer = np.nanmax(np.nanmax(box, 1) - np.nanmin(box, 1), -1)  # As pck_normalized's.
    joint_errors = metrics.joint_errors(predicted, truth)
    tolerance = 0.05 * longer[:, None]  # PCK@0.05's, per frame.
    within = joint_errors <= tolerance
    given = valid & skeletons.observed(clip["poses"], clip["confidence"])
    fast = true_speed(truth, valid) >= FAST * longer[:, None]
    raw_errors = metrics.joint_errors(np.where(given[..., None], clip["poses"], 0.0), truth)
    right = given & (raw_errors <= tolerance)
    for key, joints in (("present", given), ("missing", valid & ~given),
                        ("fast", valid & fast), ("slow", valid & ~fast), ("kept", right),
                        ("kept/fast", right & fast), ("fixed", valid & ~right)):
      hits[key][0] += int((within & joints).sum())
      hits[key][1] += int(joints.sum())
    present = np.all(np.isfinite(predicted), -1)
    missing += (valid & ~present).sum()
    labelled += valid.sum()
    common = valid & np.all(np.isfinite(clip["poses"]), -1) & present
    errors.append(joint_errors[common])
    accel.append(metrics.acceleration_errors(predicted, truth, common))
  errors, accel = np.concatenate(errors), np.concatenate(accel)
  return {
      "pck@0.05": float(np.mean(pck["pck@0.05"])),
      "pck@0.1": float(np.mean(pck["pck@0.1"])),
      "mean_error": float(errors.mean()) if errors.size else float("nan"),
      "accel_error": float(accel.mean()) if accel.size else float("nan"),
      "missing": float(100.0 * missing / max(labelled, 1)),
      # Not in METRICS' tables: PCK@0.05 pooled over the joints present in the input, and
      # over those missing from it (what gap filling earns).
      "pck@0.05/present": float(100.0 * hits["present"][0] / max(hits["present"][1], 1)),
      "pck@0.05/missing": float(100.0 * hits["missing"][0] / max(hits["missing"][1], 1)),
      # The same over labelled joints moving at least FAST of the box a frame, and the rest.
      "pck@0.05/fast": float(100.0 * hits["fast"][0] / max(hits["fast"][1], 1)),
      "pck@0.05/slow": float(100.0 * hits["slow"][0] / max(hits["slow"][1], 1)),
      "fast_share": float(100.0 * hits["fast"][1] / max(labelled, 1)),  # Of labelled joints, %.
      # Of the joints the input had within 5% of the box, the share still there (of all
      # of them, and of the fast ones); of those it had farther or missing, the share
      # brought within it.
      "pck@0.05/kept": float(100.0 * hits["kept"][0] / max(hits["kept"][1], 1)),
      "pck@0.05/kept_fast": float(100.0 * hits["kept/fast"][0] / max(hits["kept/fast"][1], 1)),
      "pck@0.05/fixed": float(100.0 * hits["fixed"][0] / max(hits["fixed"][1], 1)),
  }


def true_speed(truth: np.ndarray, valid: np.ndarray) -> np.ndarray:
  """[time, joints] pixels per frame of the ground truth: the larger of the steps from the
  previous frame and to the next one, each counted where both of its frames are labelled
  (0 with neither)."""
  step = np.linalg.norm(np.diff(truth, axis=0), axis=-1)
  step = np.where(valid[1:] & valid[:-1], step, 0.0)
  zero = np.zeros_like(step[:1])
  return np.maximum(np.concatenate([zero, step]), np.concatenate([step, zero]))


def tune_filters(clips, objective: str = "pck@0.05",
                 registry=None) -> dict[str, tuple[dict, float]]:
  """Each filter's grid setting with the highest `objective` (a PCK) on `clips`.

  Args:
    clips: from `make_clips`.
    objective: a PCK of METRICS.
    registry: the filters, name -> (function, grid) (default:
      baselines.BASELINES; baselines.causal_baselines(k) for lookahead k).

  Returns:
    {name: (params, objective value)}.
  """
  if not objective.startswith("pck@"):
    raise ValueError(f"objective={objective!r}: filters are tuned for a PCK (higher is better).")
  return evaluation.tune_baselines(
      clips, None, objective=lambda predictions, clips: scores(predictions, clips)[objective],
      registry=registry)


def compare(clips, models: dict[str, Callable], tuned: dict | None = None):
  """Scores raw input, every filter and every model on the report half of `clips`.

  Args:
    clips: from `make_clips`.
    models: name -> callable(poses, confidence) -> [time, joints, 2] refined.
    tuned: filter settings as `tune_filters` gives them; default: tuned on
      the tune half of `clips`.

  Returns:
    ({method: METRICS}, tuned filter settings). "best_filter" repeats the
    filter with the highest tuning objective (PCK@0.05) on the tune half,
    with its "name".
  """
  tune, report = halves(clips)
  tuned = tuned or tune_filters(tune)
  results = {"raw": scores([c["poses"] for c in report], report)}
  for name, (params, _) in tuned.items():
    results[name] = scores(evaluation.run_baseline(name, params, report), report)
  best = max(tuned, key=lambda name: tuned[name][1])
  results["best_filter"] = dict(results[best], name=best)
  for name, refine in models.items():
    results[name] = scores([refine(c["poses"], c["confidence"]) for c in report], report)
  return results, tuned


def offset_joint_effect(refine: Callable, clips, joint: int, offset: float = 100.0,
                        frames: int = 30, confidence: float = 0.9) -> dict[str, float]:
  """How far one wrong, confident joint moves the refiner's other joints.

  In each clip, for `frames` frames from its middle, `joint` is reported
  `offset` px right of its true place at `confidence` (it follows the true
  motion, shifted). The reference is the same clip with that joint at its
  true place, same frames and confidence, so only the offset differs.

  Returns:
    "mean" and "max" over clips of the other joints' added mean error in
    those frames (px), and "clips" counted (clips where the joint is
    labelled throughout the span and every other joint is refined).
  """
  added = []
  for clip in clips:
    start = max(len(clip["poses"]) // 2 - frames // 2, 0)
    span = slice(start, start + frames)
    if not clip["ground_truth_valid"][span, joint].all():
      continue
    others = np.arange(clip["poses"].shape[1]) != joint
    truth = clip["ground_truth"][span][:, others]
    valid = clip["ground_truth_valid"][span][:, others].astype(bool)

    def others_error(shift):
      poses, scores_ = clip["poses"].copy(), clip["confidence"].copy()
      poses[span, joint] = clip["ground_truth"][span, joint] + np.array([shift, 0.0])
      scores_[span, joint] = confidence
      errors = metrics.joint_errors(refine(poses, scores_)[span][:, others], truth)
      return errors[valid & np.isfinite(errors)]

    faulty, reference = others_error(offset), others_error(0.0)
    if faulty.size and faulty.size == reference.size:
      added.append(faulty.mean() - reference.mean())
  if not added:
    return {"mean": float("nan"), "max": float("nan"), "clips": 0}
  return {"mean": float(np.mean(added)), "max": float(np.max(added)), "clips": len(added)}


_SPEC = re.compile(r"^(?P<name>[^@=]+)(@(?P<k>\d+))?=(?P<path>.*)$")


def parse_lookahead_models(items) -> dict[str, dict]:
  """name -> {trained lookahead (None: any) -> checkpoint} from name[@k]=checkpoint items.

  Raises:
    ValueError: for an item of another form.
  """
  models = {}
  for item in items:
    match = _SPEC.match(item)
    if not match:
      raise ValueError(f"Model {item!r}: expected name=checkpoint or name@k=checkpoint.")
    k = None if match["k"] is None else int(match["k"])
    models.setdefault(match["name"], {})[k] = match["path"]
  return models


def serving(checkpoints: dict, lookahead) -> tuple[int | None, str] | None:
  """(trained lookahead, checkpoint) that serves `lookahead` (an int or OFFLINE), or None."""
  trained = sorted(k for k in checkpoints if k is not None)
  if lookahead == OFFLINE:
    if None in checkpoints:
      return None, checkpoints[None]
    return (trained[-1], checkpoints[trained[-1]]) if trained else None
  fitting = [k for k in trained if k <= lookahead]
  if fitting:
    return fitting[-1], checkpoints[fitting[-1]]
  return (None, checkpoints[None]) if None in checkpoints else None
