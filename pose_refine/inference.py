"""Refine whole videos: overlapping windows, batched, merged per frame."""

import jax
import numpy as np

from pose_refine import input_pipeline
from pose_refine import sharding


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

  Returns:
    One [time, joints, 2] array of pixels per video.
  """
  if fill_gaps:
    videos = [input_pipeline.fill_gaps(v) for v in videos]
  devices = mesh.devices.size
  batch_size = -(-batch_size // devices) * devices
  weights = _position_weights(window, weighting)
  jobs = [
      (v, start)
      for v, video in enumerate(videos)
      for start in input_pipeline.window_starts(len(video["poses"]), window, stride)
  ]
  sums = [np.zeros(video["poses"].shape, np.float64) for video in videos]
  totals = [np.zeros(len(video["poses"]), np.float64) for video in videos]
  for begin in range(0, len(jobs), batch_size):
    chunk = jobs[begin : begin + batch_size]
    windows = [
        input_pipeline.cut_window(videos[v], s, window) for v, s in chunk
    ]
    poses = np.stack([w["poses"] for w in windows])
    confidence = np.stack([w["confidence"] for w in windows])
    pad = batch_size - len(chunk)
    if pad:
      poses = np.concatenate([poses, np.zeros((pad,) + poses.shape[1:], poses.dtype)])
      confidence = np.concatenate(
          [confidence, np.zeros((pad,) + confidence.shape[1:], confidence.dtype)]
      )
    refined = np.asarray(
        predict_fn(params, _global_array(poses, mesh), _global_array(confidence, mesh))
    )
    # Windows that saw more valid joints get more say where they overlap.
    observed = np.all(np.isfinite(poses), -1) & (confidence > 0)
    reliability = observed.mean(axis=(1, 2)) + 1e-3
    for (v, start), out, trust in zip(chunk, refined, reliability):
      length = min(window, len(sums[v]) - start)
      weight = weights[:length] * trust
      sums[v][start : start + length] += out[:length] * weight[:, None, None]
      totals[v][start : start + length] += weight
  return [(s / t[:, None, None]).astype(np.float32) for s, t in zip(sums, totals)]

