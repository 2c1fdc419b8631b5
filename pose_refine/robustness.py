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

from collections.abc import Callable, Sequence

import numpy as np

from pose_refine import corruption
from pose_refine import evaluation
from pose_refine import heldout_errors
from pose_refine import metrics
from pose_refine import skeletons
from pose_refine import windows

FAMILIES = ("heldout", "train")
METRICS = ("pck@0.05", "pck@0.1", "mean_error", "accel_error")


def make_clips(videos, skeleton: skeletons.Skeleton, family: str, level: float,
               rate_factor: float = 1.0, seed: int = 0) -> list[dict[str, np.ndarray]]:
  """Ground-truth clips resampled by `rate_factor` and corrupted by `family` at `level`.

  Each clip's errors depend only on (family, level, rate, seed, clip index).
  """
  if family not in FAMILIES:
    raise ValueError(f"family={family!r}; use one of {FAMILIES}.")
  clips = []
  for index, video in enumerate(videos):
    truth, valid = video["ground_truth"], video["ground_truth_valid"].astype(bool)
    if rate_factor != 1.0:
      truth, valid = windows.resample(truth, valid, rate_factor)
    rng = np.random.default_rng(
        [FAMILIES.index(family), int(level * 100), int(rate_factor * 100), seed, index])
    if family == "heldout":
      poses, confidence = heldout_errors.corrupt(truth, valid, skeleton, level, rng)
    else:
      poses, confidence = corruption.corrupt_at_level(truth, valid, skeleton, level, rng)
    clips.append({"poses": poses, "confidence": confidence, "ground_truth": truth,
                  "ground_truth_valid": valid})
  return clips


def halves(clips: Sequence) -> tuple[list, list]:
  """(tune, report): even- and odd-indexed clips."""
  return list(clips[0::2]), list(clips[1::2])


def scores(predictions: Sequence[np.ndarray], clips) -> dict[str, float]:
  """METRICS of one method's [time, joints, 2] predictions on `clips`.

  A missing prediction (NaN) misses every PCK threshold and is left out of
  the pixel error and acceleration error.
  """
  pck = {"pck@0.05": [], "pck@0.1": []}
  errors, accel_sum, accel_count = [], 0.0, 0
  for predicted, clip in zip(predictions, clips):
    truth, valid = clip["ground_truth"], clip["ground_truth_valid"]
    if not valid.any():
      continue
    per_clip = metrics.pck_normalized(np.nan_to_num(predicted, nan=1e9), truth, valid,
                                      fractions=(0.05, 0.1))
    for key in pck:
      pck[key].append(per_clip[key])
    error = metrics.joint_errors(predicted, truth)
    errors.append(error[valid & np.isfinite(error)])
    if len(truth) >= 3:
      triples = valid[2:] & valid[1:-1] & valid[:-2]
      finite = np.all(np.isfinite(predicted), -1)
      triples &= finite[2:] & finite[1:-1] & finite[:-2]
      if triples.any():
        value = metrics.acceleration_error(predicted, truth, valid)
        accel_sum += value * triples.sum()
        accel_count += triples.sum()
  return {
      "pck@0.05": float(np.mean(pck["pck@0.05"])),
      "pck@0.1": float(np.mean(pck["pck@0.1"])),
      "mean_error": float(np.concatenate(errors).mean()),
      "accel_error": accel_sum / max(accel_count, 1),
  }


def tune_filters(clips, objective: str = "pck@0.05") -> dict[str, tuple[dict, float]]:
  """Each filter's best grid setting on `clips` by `objective`: {name: (params, value)}."""
  return evaluation.tune_baselines(
      clips, None, objective=lambda predictions, clips: scores(predictions, clips)[objective])


def compare(clips, models: dict[str, Callable], tuned: dict | None = None):
  """Scores raw input, every filter and every model on the report half of `clips`.

  Args:
    clips: from `make_clips`.
    models: name -> callable(poses, confidence) -> [time, joints, 2] refined.
    tuned: filter settings as `tune_filters` gives them; default: tuned on
      the tune half of `clips`.

  Returns:
    ({method: METRICS}, tuned filter settings). "best_filter" repeats the
    filter with the highest PCK@0.05 on the tune half, with its "name".
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


def stuck_joint_effect(refine: Callable, clips, joint: int, offset: float = 100.0,
                       frames: int = 30, confidence: float = 0.9) -> dict[str, float]:
  """How far one wrong, confident joint moves the refiner's other joints.

  Each clip's `joint` is held `offset` px right of its true place, at
  `confidence`, for `frames` frames from the clip's middle; the other joints'
  mean error (px, over those frames) is compared with the same clip without
  the fault.

  Returns:
    "mean" and "max" over clips of the other joints' added mean error, px.
  """
  added = []
  for clip in clips:
    poses = clip["poses"].copy()
    scores = clip["confidence"].copy()
    start = max(len(poses) // 2 - frames // 2, 0)
    span = slice(start, start + frames)
    if not np.isfinite(clip["ground_truth"][span, joint]).all():
      continue
    poses[span, joint] = clip["ground_truth"][span, joint] + np.array([offset, 0.0])
    scores[span, joint] = confidence
    others = np.ones(poses.shape[1], bool)
    others[joint] = False
    truth = clip["ground_truth"][span][:, others]
    valid = clip["ground_truth_valid"][span][:, others].astype(bool)
    error = lambda refined: metrics.joint_errors(refined[span][:, others], truth)[valid].mean()
    added.append(error(refine(poses, scores)) - error(refine(clip["poses"], clip["confidence"])))
  return {"mean": float(np.mean(added)), "max": float(np.max(added))}
