"""Data sets in memory, augmentation and the grain loader over TFDS ArrayRecord data.

A data set holds one example per video with "poses" [time, joints, 2]
(estimates, NaN where missing), "confidence" [time, joints], "ground_truth"
[time, joints, 2] and "ground_truth_valid" [time, joints]. Training cuts the
videos into fixed-length windows with a stride (pose_refine.windows),
shuffles them with grain (a new permutation every epoch, all from one seed),
augments each window with one random rotation and flip for all its frames,
and batches them.
"""

import dataclasses
import math

import grain
import jax
import numpy as np
import tensorflow_datasets as tfds
from jax.experimental import multihost_utils

from pose_refine import corruption
from pose_refine import skeletons
from pose_refine import windows

FIELDS = tuple(windows.PADDING)


def load_split(
    name: str, split: str, data_dir: str | None, manual_dir: str | None = None
) -> list[dict[str, np.ndarray]]:
  """Reads a whole split into memory, preparing the data set if needed.

  Pose data is small (100k frames of 13 joints is ~15 MB), so windows are cut
  from in-memory arrays rather than decoded again for every window.

  Args:
    name: TFDS name, optionally with a config ("synthetic_pose/small").
    split: TFDS split name.
    data_dir: where TFDS keeps prepared data sets.
    manual_dir: the raw files of data sets that need them (YouTube Pose ...).

  Returns:
    One dict of numpy arrays per video, in the data set's stored order.
  """
  from pose_refine import datasets  # pylint: disable=g-import-not-at-top

  datasets.register()

  builder = tfds.builder(name, data_dir=data_dir or None, file_format="array_record")
  download_config = tfds.download.DownloadConfig(manual_dir=manual_dir or None)
  if jax.process_count() > 1:
    # One process writes the data set; the others wait, then read it.
    if jax.process_index() == 0:
      builder.download_and_prepare(download_config=download_config)
    multihost_utils.sync_global_devices(f"prepare {name}")
  builder.download_and_prepare(download_config=download_config)
  source = builder.as_data_source(split=split)
  videos = []
  for i in range(len(source)):
    example = source[i]
    videos.append({
        key: value.decode() if isinstance(value, bytes) else np.asarray(value)
        for key, value in example.items()
    })
  return videos


def convert_videos(videos, source: skeletons.Skeleton, target: skeletons.Skeleton):
  """Maps every video's estimates and ground truth to another skeleton."""
  out = []
  for video in videos:
    poses, confidence = skeletons.convert(video["poses"], video["confidence"], source, target)
    truth, valid = skeletons.convert(
        video["ground_truth"], video["ground_truth_valid"].astype(np.float32), source, target
    )
    out.append(video | {"poses": poses, "confidence": confidence, "ground_truth": truth,
                        "ground_truth_valid": valid > 0})
  return out


def load_videos(config, split: str, skeleton: skeletons.Skeleton, source=None):
  """A split of a data set, in `skeleton`'s joints.

  Args:
    config: gives data_dir, and the data set (dataset, manual_dir,
      source_skeleton: the data set's joints, if not `skeleton`'s).
    split: TFDS split.
    skeleton: the model's joints.
    source: optional dict overriding the config's dataset, manual_dir and
      source_skeleton (an entry of config.train_data).
  """
  source = dict(source or {})
  dataset = source.get("dataset", config.dataset)
  manual_dir = source.get("manual_dir", config.manual_dir)
  source_skeleton = source.get("source_skeleton", config.source_skeleton)
  videos = load_split(dataset, split, config.data_dir, manual_dir)
  if source_skeleton:
    videos = convert_videos(videos, skeletons.get_skeleton(source_skeleton), skeleton)
  return videos


def load_train_videos(config, skeleton: skeletons.Skeleton):
  """config.train_split of config.dataset, or the union of config.train_data.

  config.train_data, when set, lists dicts (dataset, split, source_skeleton,
  manual_dir): a mixture of data sets mapped to the model's skeleton.
  """
  if not config.train_data:
    return load_videos(config, config.train_split, skeleton)
  videos = []
  for source in config.train_data:
    videos += load_videos(config, source["split"], skeleton, source)
  return videos


class WindowSource(grain.sources.RandomAccessDataSource):
  """Random access to every window of a list of videos."""

  def __init__(self, videos, window: int, stride: int):
    self._videos = videos
    self._window = window
    self._index = [
        (v, s)
        for v, video in enumerate(videos)
        for s in windows.window_starts(len(video["poses"]), window, stride)
    ]

  def __len__(self):
    return len(self._index)

  def __getitem__(self, index):
    video, start = self._index[index]
    return windows.cut_window(self._videos[video], start, self._window)


def rotate_about(points: np.ndarray, centre: np.ndarray, angle: float) -> np.ndarray:
  """Rotates [..., 2] points by `angle` radians about `centre` [2]."""
  cos, sin = np.cos(angle), np.sin(angle)
  rotation = np.array([[cos, -sin], [sin, cos]], points.dtype)
  return (points - centre) @ rotation.T + centre


def flip_left_right(window: dict[str, np.ndarray], centre_x: float, skeleton) -> dict:
  """Mirrors a window about x = centre_x and swaps left and right joints."""
  perm = skeleton.flip_permutation
  out = dict(window)
  for key in ("poses", "ground_truth"):
    flipped = window[key][:, perm].copy()
    flipped[..., 0] = 2 * centre_x - flipped[..., 0]
    out[key] = flipped
  for key in ("confidence", "ground_truth_valid"):
    out[key] = window[key][:, perm]
  return out


def person_centre(window: dict[str, np.ndarray]) -> np.ndarray:
  """Mean of the window's valid ground-truth joints (else of its estimates)."""
  points = window["ground_truth"][window["ground_truth_valid"]]
  if not len(points):
    points = window["poses"][window["confidence"] > 0]
  points = points[np.all(np.isfinite(points), -1)]
  return points.mean(0) if len(points) else np.zeros(2, np.float32)


@dataclasses.dataclass(frozen=True)
class Augment(grain.transforms.RandomMap):
  """One random rotation and flip, the same for every frame of a window."""

  skeleton: skeletons.Skeleton
  max_rotation_degrees: float = 30.0
  flip_probability: float = 0.5

  def random_map(self, window, rng: np.random.Generator):
    centre = person_centre(window)
    angle = math.radians(rng.uniform(-self.max_rotation_degrees, self.max_rotation_degrees))
    flip = rng.random() < self.flip_probability
    out = dict(window)
    for key in ("poses", "ground_truth"):
      out[key] = rotate_about(window[key], centre, angle).astype(np.float32)
    if flip:
      out = flip_left_right(out, float(centre[0]), self.skeleton)
    return out


@dataclasses.dataclass(frozen=True)
class Corrupt(grain.transforms.RandomMap):
  """New estimates for a window, drawn from its ground truth (`corruption`).

  The window's stored estimates are replaced; with `fill_missing`, missing
  joints are then interpolated over the window at low confidence, as
  `windows.fill_missing` does over a whole video at inference. With
  `family.absent_part_fraction`, some windows lose a body part
  (corruption.absent_part) in the estimates and in the labels the loss sees.
  """

  skeleton: skeletons.Skeleton
  family: corruption.Family
  fill_missing: bool = True

  def random_map(self, window, rng: np.random.Generator):
    poses, confidence = corruption.corrupt_random(
        window["ground_truth"], window["ground_truth_valid"], self.skeleton, rng, self.family)
    out = dict(window, poses=poses, confidence=confidence)
    if self.family.absent_part_fraction and rng.random() < self.family.absent_part_fraction:
      absent = corruption.absent_part(self.skeleton, rng)
      poses[:, absent], confidence[:, absent] = np.nan, 0.0
      out["ground_truth_valid"] = window["ground_truth_valid"].copy()
      out["ground_truth_valid"][:, absent] = False
    return windows.fill_missing(out) if self.fill_missing else out


def resample_videos(videos, rate_factors) -> list[dict[str, np.ndarray]]:
  """The videos' ground truth at each frame-rate factor (2: twice the frames).

  Only "ground_truth" and "ground_truth_valid" are resampled; the estimates
  of the copies are the resampled ground truth, to be replaced by `Corrupt`.
  """
  out = []
  for factor in rate_factors:
    for video in videos:
      truth, valid = video["ground_truth"], video["ground_truth_valid"].astype(bool)
      if factor != 1.0:
        truth, valid = windows.resample(truth, valid, factor)
      out.append({"ground_truth": truth, "ground_truth_valid": valid, "poses": truth,
                  "confidence": valid.astype(np.float32)})
  return out


def train_loader(
    videos,
    *,
    skeleton: skeletons.Skeleton,
    window: int,
    stride: int,
    global_batch_size: int,
    num_epochs: int,
    data_seed: int,
    augment_seed: int,
    augment: dict,
    process_index: int,
    process_count: int,
    corrupt: Corrupt | None = None,
    corrupt_seed: int = 0,
) -> grain.MapDataset:
  """The training stream of this process: its slice of every global batch.

  The stream is one global sequence of windows (shuffled anew each epoch,
  augmented by index), cut into global batches; process p reads the p-th
  contiguous slice of each. So the global batches, and their order, are the
  same whatever the process count, and no window is read twice or skipped.

  Returns:
    A MapDataset of batches of [global_batch_size / process_count] windows;
    `iter(ds.to_iter_dataset())` gives a checkpointable iterator.
  """
  if global_batch_size % process_count:
    raise ValueError(
        f"Batch size {global_batch_size} is not divisible by the {process_count} "
        "processes; choose a multiple of the process count."
    )
  ds = grain.MapDataset.source(WindowSource(videos, window, stride))
  ds = ds.shuffle(seed=data_seed).repeat(num_epochs)
  if corrupt is not None:
    ds = ds.random_map(corrupt, seed=corrupt_seed)
  if augment:
    # Before slicing, so a window's augmentation depends on its global index only.
    ds = ds.random_map(Augment(skeleton, **augment), seed=augment_seed)
  ds = ds.batch(global_batch_size // process_count, drop_remainder=True)
  ds = ds[: len(ds) // process_count * process_count]
  return ds[process_index::process_count]


def steps_per_epoch(videos, window: int, stride: int, global_batch_size: int) -> int:
  return len(WindowSource(videos, window, stride)) // global_batch_size
