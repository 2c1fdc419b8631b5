"""Refine whole videos: overlapping windows, batched, merged per frame."""

import jax
import numpy as np

from pose_refine import input_pipeline
from pose_refine import sharding
from pose_refine import skeletons


def make_predict_fn(model, mesh):
  """Jitted (params, poses, confidence) -> refined pixel poses.

  Windows are split over the mesh's "data" axis; the result is replicated so
  every process can read all of it.
  """

  def predict(params, poses, confidence):
    return model.apply({"params": params}, poses, confidence)["poses"]

  return jax.jit(
      predict,
      in_shardings=(
          sharding.replicated(mesh),
          sharding.data_sharding(mesh),
          sharding.data_sharding(mesh),
      ),
      out_shardings=sharding.replicated(mesh),
  )


def _position_weights(window: int, weighting: str) -> np.ndarray:
  if weighting == "uniform":
    return np.ones(window, np.float64)
  if weighting == "triangular":
    # Frames near a window's edges see less context on one side.
    return np.minimum(np.arange(1, window + 1), np.arange(window, 0, -1)).astype(np.float64)
  raise ValueError(f"Unknown weighting {weighting!r}; use 'uniform' or 'triangular'.")


def _global_array(values: np.ndarray, mesh):
  """The same host array on every process -> an array split along "data"."""
  return jax.make_array_from_callback(
      values.shape, sharding.data_sharding(mesh), lambda index: values[index]
  )


def _cut_windows(values: np.ndarray, starts: np.ndarray, window: int, fill) -> np.ndarray:
  """[windows, window, ...] frames from `starts`, padded past the end with `fill`."""
  pad = max(0, int(starts.max()) + window - len(values))
  if pad:
    values = np.concatenate([values, np.full((pad,) + values.shape[1:], fill, values.dtype)])
  return values[starts[:, None] + np.arange(window)]


def refine_videos(
    predict_fn,
    params,
    videos,
    *,
    window: int,
    stride: int,
    batch_size: int,
    mesh,
    weighting: str = "uniform",
    fill_gaps: bool = True,
    progress=None,
) -> list[np.ndarray]:
  """Refines every video; each frame averages the windows that cover it.

  A window's weight is its position weight times the fraction of its input
  joints that are valid, so well-observed windows dominate the merge.

  Args:
    predict_fn: from `make_predict_fn`.
    params: model parameters.
    videos: dicts with "poses" [time, joints, 2] and "confidence" [time, joints].
    window: frames per window, as trained.
    stride: frames between window starts (window // 2 gives 2 estimates per
      frame); videos shorter than a window are padded.
    batch_size: windows per call; rounded up to the device count. Every call
      has this size, so the program compiles once.
    mesh: the device mesh.
    weighting: "uniform" or "triangular" weights by position in the window.
    fill_gaps: interpolate missing joints over the whole video first (at low
      confidence; see input_pipeline.fill_gaps), as in training.
    progress: optional callable(done_windows, total_windows), called after
      every batch.

  Returns:
    One [time, joints, 2] array of pixels per video.
  """
  if fill_gaps:
    videos = [input_pipeline.fill_gaps(v) for v in videos]
  devices = mesh.devices.size
  batch_size = -(-batch_size // devices) * devices
  position = _position_weights(window, weighting)
  starts = [
      np.asarray(input_pipeline.window_starts(len(v["poses"]), window, stride)) for v in videos
  ]
  poses = np.concatenate([
      _cut_windows(v["poses"].astype(np.float32), s, window, np.nan)
      for v, s in zip(videos, starts)
  ])
  confidence = np.concatenate([
      _cut_windows(v["confidence"].astype(np.float32), s, window, 0.0)
      for v, s in zip(videos, starts)
  ])
  total = len(poses)
  # Every call gets a full batch: pad with empty windows, dropped below.
  padded = -(-total // batch_size) * batch_size
  poses = np.concatenate([poses, np.zeros((padded - total,) + poses.shape[1:], np.float32)])
  confidence = np.concatenate(
      [confidence, np.zeros((padded - total,) + confidence.shape[1:], np.float32)]
  )
  refined = []
  for begin in range(0, padded, batch_size):
    chunk = slice(begin, begin + batch_size)
    refined.append(np.asarray(predict_fn(
        params, _global_array(poses[chunk], mesh), _global_array(confidence[chunk], mesh)
    )))
    if progress is not None:
      progress(min(begin + batch_size, total), total)
  refined = np.concatenate(refined)[:total]
  # Windows that saw more valid joints get more say where they overlap.
  observed = skeletons.observed(poses[:total], confidence[:total])
  reliability = observed.mean(axis=(1, 2)) + 1e-3
  weights = position[None, :] * reliability[:, None]  # [windows, window]

  merged, first = [], 0
  for video, video_starts in zip(videos, starts):
    length, count = len(video["poses"]), len(video_starts)
    out = refined[first : first + count].astype(np.float64)
    weight = weights[first : first + count]
    first += count
    sums = np.zeros(video["poses"].shape, np.float64)
    totals = np.zeros(length, np.float64)
    # Starts are distinct, so frames start + k are too: no scatter conflicts.
    for k in range(window):
      frames = video_starts + k
      keep = frames < length
      sums[frames[keep]] += out[keep, k] * weight[keep, k, None, None]
      totals[frames[keep]] += weight[keep, k]
    merged.append((sums / totals[:, None, None]).astype(np.float32))
  return merged
