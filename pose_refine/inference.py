"""Trained models at work: loading them, and refining whole videos.

Videos are cut into overlapping windows (pose_refine.windows), refined in
batches of equal size (one compiled program) and merged back per frame.
"""

import copy
import jax
import ml_collections
import numpy as np

from pose_refine import checkpointing
from pose_refine import models
from pose_refine import sharding
from pose_refine import skeletons
from pose_refine import windows


# Config keys that older checkpoints name otherwise, and what the code that
# trained them did where their config lacks a key (or a rule lacks a key).
_RENAMED_KEYS = {"fill_gaps": "fill_missing"}
_ABSENT_KEYS = {"fill_missing": False, "model_kind": "seq2seq", "frame_rate": 30.0,
                "smoothing": {"gain": 0.0, "offset": 0.0, "max_sigma": 2.0, "window": 121,
                              "floor": 0.0, "floor_gain": 0.0, "floor_offset": 0.0,
                              "spikes": 0.0, "motion": 0.0, "motion_limit": 0.0},
                "selection": {"features": [], "mean": [], "std": [], "coef": [],
                              "threshold": 0.5},
                "online_selection": {"features": [], "mean": [], "std": [], "coef": [],
                                     "threshold": 0.5, "min_cutoff": 0.0, "beta": 0.0,
                                     "rate": 30.0, "level": 0.0}}


def load_config(checkpoint) -> ml_collections.ConfigDict:
  """The config saved with a checkpoint, in today's key names.

  Args:
    checkpoint: a training run's workdir, its checkpoints folder, or a folder
      written by launch/export.py.
  """
  config = dict(checkpointing.restore_config(checkpoint))
  for old, new in _RENAMED_KEYS.items():
    if old in config:
      config.setdefault(new, config.pop(old))
  for key, value in _ABSENT_KEYS.items():
    config.setdefault(key, copy.deepcopy(value))
    if isinstance(value, dict):  # Keys added to a rule later.
      config[key] = {**copy.deepcopy(value), **config[key]}
  return ml_collections.ConfigDict(config)


def load_params(model, mesh, window: int, num_joints: int, directory):
  """The latest checkpoint's parameters under `directory`, replicated on `mesh`.

  Only their shapes are derived from the model; no optimiser state is built.
  `directory` is a workdir, its checkpoints folder or a launch/export folder.
  """
  abstract = jax.eval_shape(
      lambda: models.init_params(model, jax.random.key(0), window, num_joints))
  replicated = sharding.replicated(mesh)
  abstract = jax.tree.map(
      lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype, sharding=replicated), abstract)
  return checkpointing.restore_params(directory, abstract)


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
    fill_missing: bool,
    weighting: str = "uniform",
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
      has this size, so the program compiles once. Fewer windows than that
      are padded to the next power of two (at least 8) only: a short track
      neither waits for nor compiles a full batch (results equal to float
      rounding, 1e-4 px).
    mesh: the device mesh.
    fill_missing: interpolate missing joints over the whole video first (at
      low confidence; see windows.fill_missing), as the model was trained
      (config.fill_missing).
    weighting: "uniform" or "triangular" weights by position in the window.
    progress: optional callable(done_windows, total_windows), called after
      every batch.

  Returns:
    One [time, joints, 2] array of pixels per video.
  """
  if fill_missing:
    videos = [windows.fill_missing(v) for v in videos]
  position = windows.position_weights(window, weighting)
  starts = [windows.window_starts(len(v["poses"]), window, stride) for v in videos]
  poses = np.concatenate([
      windows.cut(v["poses"].astype(np.float32), s, window, np.nan)
      for v, s in zip(videos, starts)
  ])
  confidence = np.concatenate([
      windows.cut(v["confidence"].astype(np.float32), s, window, 0.0)
      for v, s in zip(videos, starts)
  ])
  total = len(poses)
  batch_size = min(batch_size, max(8, 1 << (total - 1).bit_length()))
  devices = mesh.devices.size
  batch_size = -(-batch_size // devices) * devices
  # Every call gets a full batch: pad with empty windows, dropped below.
  padded = -(-total // batch_size) * batch_size
  poses = np.concatenate([poses, np.zeros((padded - total,) + poses.shape[1:], np.float32)])
  confidence = np.concatenate(
      [confidence, np.zeros((padded - total,) + confidence.shape[1:], np.float32)]
  )
  # Every batch is dispatched before the first result is read: the device works through
  # them back to back while the host copies results out.
  pending = [predict_fn(params, _global_array(poses[begin : begin + batch_size], mesh),
                        _global_array(confidence[begin : begin + batch_size], mesh))
             for begin in range(0, padded, batch_size)]
  refined = []
  for begin, result in zip(range(0, padded, batch_size), pending):
    refined.append(np.asarray(result))
    if progress is not None:
      progress(min(begin + batch_size, total), total)
  refined = np.concatenate(refined)[:total]
  # Windows that saw more valid joints get more say where they overlap.
  observed = skeletons.observed(poses[:total], confidence[:total])
  reliability = observed.mean(axis=(1, 2)) + 1e-3
  weights = position[None, :] * reliability[:, None]  # [windows, window]

  merged, first = [], 0
  for video, video_starts in zip(videos, starts):
    count = len(video_starts)
    merged.append(windows.merge(refined[first : first + count], weights[first : first + count],
                                video_starts, len(video["poses"])))
    first += count
  return merged
