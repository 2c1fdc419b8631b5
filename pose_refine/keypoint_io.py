"""Keypoint files of any estimator: read into tracks, write back in kind.

Formats:
  coco       COCO-style keypoint results JSON: a list of {"image_id",
             "keypoints": [x, y, score] * K, optional "track_id", "frame_index"
             (else image_id, or the last number in a string image_id), ...}.
  openpose   a folder of OpenPose per-frame JSON files
             ({"people": [{"pose_keypoints_2d": [x, y, c] * K, "person_id"}]}).
  estimator  the estimator stage's keypoints file (launch/estimate.py).
  npy, npz   an array [frames, joints, 2 or 3] (x, y[, confidence]); .npz holds
             it as "keypoints" (optionally "confidence"). Rows are consecutive
             frames; other arrays of an .npz are written back unchanged.

Missing joints are NaN, or a score of 0 (COCO and OpenPose write (0, 0, 0)),
or absent; all become NaN with confidence 0 here, never (0, 0). Several
people per frame need track ids (COCO "track_id", OpenPose "person_id").
"""

import dataclasses
import json
import os
import zipfile
from typing import Any

import numpy as np

from pose_refine import files
from pose_refine import frames
from pose_refine import skeletons

FORMATS = ("coco", "openpose", "estimator", "npy", "npz")


class KeypointFileError(ValueError):
  """A keypoint file that cannot be read as its format; the message names it."""


@dataclasses.dataclass
class Track:
  """One person through time.

  Attributes:
    track_id: the file's id for the person (None when it has no ids).
    frames: [n] increasing frame indices where the person is present.
    keypoints: [n, joints, 2] pixels, NaN where a joint is missing.
    confidence: [n, joints] in [0, 1] (scores as given), 0 where missing.
  """

  track_id: Any
  frames: np.ndarray
  keypoints: np.ndarray
  confidence: np.ndarray


@dataclasses.dataclass
class KeypointFile:
  """What was read, and what writing the same format back needs."""

  path: str
  format: str
  num_joints: int
  tracks: list[Track]
  skeleton: str | None = None  # Known from the format itself (estimator: mediapipe).
  extra: dict = dataclasses.field(default_factory=dict)

  @property
  def num_frames(self) -> int:
    return int(max((t.frames.max() + 1 for t in self.tracks if len(t.frames)), default=0))


def detect_format(path: str) -> str:
  if os.path.isdir(path):
    return "openpose"
  suffix = os.path.splitext(path)[1].lower()
  if suffix == ".json":
    return "coco"
  if suffix == ".npy":
    return "npy"
  if suffix == ".npz":
    if os.path.exists(path):
      names = _load_arrays(path, "npz").keys()
      if "landmark_names" in names and "estimator" in names:
        return "estimator"
    return "npz"
  raise KeypointFileError(
      f"{path}: cannot tell the format from the name; expected a .json (COCO results), "
      f"a folder (OpenPose JSON), .npy or .npz, or pass --format ({', '.join(FORMATS)})."
  )


def missing_as_nan(array, confidence=None) -> tuple[np.ndarray, np.ndarray]:
  """[..., 2 or 3] (x, y[, score]) -> points [..., 2] and scores [...].

  `confidence` ([...]) replaces a third column; without either, every
  finite point has score 1. Missing joints (not finite, or score <= 0 or
  NaN) become NaN points with score 0.
  """
  array = np.asarray(array, np.float64)
  points = array[..., :2].astype(np.float32)
  if confidence is None:
    confidence = array[..., 2] if array.shape[-1] == 3 else np.ones(points.shape[:-1])
  confidence = np.nan_to_num(np.asarray(confidence, np.float32), nan=0.0)
  missing = ~skeletons.observed(points, confidence)
  points[missing] = np.nan
  return points, np.where(missing, 0.0, confidence).astype(np.float32)


def _points(values, path, what) -> tuple[np.ndarray, np.ndarray]:
  """[..., K, 2|3] -> keypoints [..., K, 2] (NaN missing), confidence; checks the shape."""
  array = np.asarray(values, np.float64)
  if array.shape[-1] not in (2, 3):
    raise KeypointFileError(
        f"{path}: {what} has shape {array.shape}; expected [..., joints, 2 or 3] "
        "(x, y[, confidence])."
    )
  return missing_as_nan(array)


def _group_tracks(path, records, num_joints, what_id) -> list[Track]:
  """records: (frame, track_id, flat [K*3]) -> tracks, checking one person per frame."""
  by_track: dict[Any, dict[int, Any]] = {}
  for frame, track_id, flat in records:
    track = by_track.setdefault(track_id, {})
    if frame in track:
      raise KeypointFileError(
          f"{path}: frame {frame} has several people " + (
              f"with {what_id} {track_id!r}" if track_id is not None else f"and no {what_id}")
          + f"; give each person its own {what_id} to refine them as separate tracks."
      )
    track[frame] = flat
  tracks = []
  for track_id in sorted(by_track, key=lambda t: (t is None, str(t))):
    present = sorted(by_track[track_id])
    flat = np.array([by_track[track_id][f] for f in present], np.float64)
    points, confidence = _points(flat.reshape(len(present), num_joints, 3), path, "keypoints")
    tracks.append(Track(track_id, np.array(present, np.int64), points, confidence))
  return tracks


def _read_coco(path) -> KeypointFile:
  try:
    with open(path) as f:
      records = json.load(f)
  except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
    raise KeypointFileError(f"{path}: not a readable JSON file ({error}).") from error
  if isinstance(records, dict) and "annotations" in records:
    records = records["annotations"]  # A COCO annotation file: use its annotations.
  if not isinstance(records, list) or not records:
    raise KeypointFileError(
        f"{path}: expected a non-empty JSON list of COCO keypoint results "
        '[{"image_id": ..., "keypoints": [x, y, score, ...]}, ...].'
    )
  rows, sizes, image_ids = [], set(), {}
  for position, record in enumerate(records):
    if not isinstance(record, dict) or "keypoints" not in record or (
        "image_id" not in record and "frame_index" not in record):
      raise KeypointFileError(
          f"{path}: entry {position} has no 'keypoints' and 'image_id' (or 'frame_index').")
    flat = record["keypoints"]
    if not isinstance(flat, list) or len(flat) % 3 or not flat:
      raise KeypointFileError(
          f"{path}: entry {position}'s keypoints has {len(flat) if isinstance(flat, list) else type(flat).__name__} "
          "values; expected [x, y, score] per joint (a multiple of 3).")
    frame = record.get("frame_index")
    if frame is None:
      frame = frames.frame_number(record["image_id"], position)
    image_ids[int(frame)] = record.get("image_id", frame)
    sizes.add(len(flat) // 3)
    rows.append((int(frame), record.get("track_id"), [np.nan if v is None else v for v in flat]))
  if len(sizes) != 1:
    raise KeypointFileError(f"{path}: entries have different joint counts {sorted(sizes)}.")
  num_joints = sizes.pop()
  return KeypointFile(path, "coco", num_joints, _group_tracks(path, rows, num_joints, "track_id"),
                      extra={"records": records, "image_ids": image_ids})


def _read_openpose(path) -> KeypointFile:
  names = sorted(f for f in os.listdir(path) if f.endswith(".json"))
  if not names:
    raise KeypointFileError(f"{path}: no .json files; expected OpenPose's per-frame JSON output.")
  rows, sizes, documents = [], set(), {}
  for position, name in enumerate(names):
    try:
      with open(os.path.join(path, name)) as f:
        document = json.load(f)
      people = document["people"]
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as error:
      raise KeypointFileError(
          f"{os.path.join(path, name)}: not an OpenPose JSON file with a 'people' list "
          f"({type(error).__name__}: {error}).") from error
    frame = frames.frame_number(name, position)
    documents[frame] = (name, document)
    for person in people:
      flat = person.get("pose_keypoints_2d") or []
      if not flat:
        continue
      if len(flat) % 3:
        raise KeypointFileError(f"{os.path.join(path, name)}: pose_keypoints_2d has "
                                f"{len(flat)} values; expected a multiple of 3.")
      person_id = person.get("person_id")
      if isinstance(person_id, list):
        person_id = person_id[0] if person_id else None
      if person_id == -1:
        person_id = None
      sizes.add(len(flat) // 3)
      rows.append((frame, person_id, flat))
  if not rows:
    raise KeypointFileError(f"{path}: no person in any frame's JSON file.")
  if len(sizes) != 1:
    raise KeypointFileError(f"{path}: people have different joint counts {sorted(sizes)}.")
  num_joints = sizes.pop()
  return KeypointFile(path, "openpose", num_joints,
                      _group_tracks(path, rows, num_joints, "person_id"),
                      extra={"documents": documents})


def _dense_track(path, array, confidence=None) -> Track:
  """An array's rows are consecutive frames; rows with every joint missing are
  frames where the estimator found no one, refined (filled) like any gap."""
  array = np.asarray(array)
  if array.ndim != 3:
    raise KeypointFileError(
        f"{path}: keypoints have shape {array.shape}; expected [frames, joints, 2 or 3].")
  points, scores = _points(array, path, "keypoints")
  if confidence is not None:
    confidence = np.asarray(confidence, np.float32)
    if confidence.shape != points.shape[:2]:
      raise KeypointFileError(f"{path}: confidence has shape {confidence.shape}; expected "
                              f"{points.shape[:2]} to match the keypoints.")
    points, scores = missing_as_nan(points, confidence)
  return Track(None, np.arange(len(points)), points, scores)


# What each array format is, for messages; the first bytes every such file starts with.
_ARRAY_FILES = {
    "npy": ("a numpy .npy array (numpy.save)", b"\x93NUMPY"),
    "npz": ("a numpy .npz archive (numpy.savez: a zip of .npy arrays)", b"PK\x03\x04"),
}


def _load_arrays(path, kind) -> dict[str, np.ndarray]:
  """Every array of an .npy ("keypoints") or .npz file, read without unpickling.

  Raises:
    KeypointFileError: naming the file and what it should have been. numpy's
      own messages are not passed on: for bytes that are not an array file
      they suggest loading with allow_pickle, which would run code from the file.
  """
  kind = "npz" if kind == "estimator" else kind
  expected, magic = _ARRAY_FILES[kind]
  try:
    with open(path, "rb") as f:
      start = f.read(len(magic))
    if start != magic:
      raise KeypointFileError(f"{path}: not {expected}; its first bytes are {start!r}.")
    if kind == "npy":
      return {"keypoints": np.load(path, allow_pickle=False)}
    with np.load(path, allow_pickle=False) as data:
      return {name: data[name] for name in data.files}
  except KeypointFileError:
    raise
  except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
    reason = ("it holds Python objects, not numbers" if "pickle" in str(error)
              else f"{type(error).__name__}: {error}")
    raise KeypointFileError(
        f"{path}: not a readable {expected}, truncated or damaged ({reason}).") from error


def _read_arrays(path, kind) -> KeypointFile:
  arrays = _load_arrays(path, kind)
  if kind == "npy":
    data = arrays["keypoints"]
    return KeypointFile(path, "npy", np.shape(data)[-2] if np.ndim(data) == 3 else 0,
                        [_dense_track(path, data)], extra={"width": np.shape(data)[-1]})
  if "keypoints" in arrays:
    keypoints = arrays["keypoints"]
  elif len(arrays) == 1:
    keypoints = next(iter(arrays.values()))
  else:
    raise KeypointFileError(
        f"{path}: holds {sorted(arrays)}; expected a 'keypoints' array [frames, joints, 2 or 3].")
  track = _dense_track(path, keypoints, arrays.get("confidence"))
  skeleton = "mediapipe" if kind == "estimator" else None
  return KeypointFile(path, kind, track.keypoints.shape[1], [track], skeleton,
                      extra={"arrays": arrays, "width": np.shape(keypoints)[-1]})


def read(path: str, format: str | None = None) -> KeypointFile:  # pylint: disable=redefined-builtin
  """Reads a keypoint file or folder.

  Raises:
    FileNotFoundError: if `path` does not exist.
    KeypointFileError: naming the file and what was expected.
  """
  if not os.path.exists(path):
    raise FileNotFoundError(f"{path} does not exist.")
  format = format or detect_format(path)
  if format not in FORMATS:
    raise KeypointFileError(f"Unknown format {format!r}; use one of {', '.join(FORMATS)}.")
  if format == "coco":
    result = _read_coco(path)
  elif format == "openpose":
    if not os.path.isdir(path):
      raise KeypointFileError(f"{path}: the openpose format is a folder of per-frame JSON files.")
    result = _read_openpose(path)
  else:
    result = _read_arrays(path, format)
  if not any(np.isfinite(t.keypoints).any() for t in result.tracks):
    raise KeypointFileError(
        f"{path}: every joint is missing (NaN or zero score); nothing to refine.")
  return result


# Writing ------------------------------------------------------------------


def _flat(points, confidence) -> list[float]:
  """[K, 2] + [K] -> [x, y, score] * K, missing joints as COCO's (0, 0, 0)."""
  values = np.concatenate([np.round(points, 3), confidence[:, None]], -1).astype(np.float64)
  values[~np.isfinite(points).all(-1)] = 0.0
  return [float(v) for v in values.reshape(-1)]  # Scores unrounded: 3e-5 is not 0.


def _write_coco(source: KeypointFile, tracks, handle) -> None:
  if source.format == "coco" and "records" in source.extra:
    lookup = {(t.track_id, int(f)): (p, c)
              for t in tracks for f, p, c in zip(t.frames, t.keypoints, t.confidence)}
    out = []
    for position, record in enumerate(source.extra["records"]):
      frame = record.get("frame_index")
      if frame is None:
        frame = frames.frame_number(record["image_id"], position)
      points, confidence = lookup[(record.get("track_id"), int(frame))]
      out.append(dict(record, keypoints=_flat(points, confidence)))
  else:
    out = []
    for track in tracks:
      for frame, points, confidence in zip(track.frames, track.keypoints, track.confidence):
        record = {"image_id": int(frame), "category_id": 1,
                  "keypoints": _flat(points, confidence),
                  "score": round(float(confidence.mean()), 4)}
        if track.track_id is not None:
          record["track_id"] = track.track_id
        out.append(record)
  json.dump(out, handle)


def _write_openpose_folder(source: KeypointFile, tracks, folder) -> None:
  people: dict[int, list] = {}
  for track in tracks:
    for frame, points, confidence in zip(track.frames, track.keypoints, track.confidence):
      person = {"person_id": [-1 if track.track_id is None else track.track_id],
                "pose_keypoints_2d": _flat(points, confidence)}
      people.setdefault(int(frame), []).append(person)
  documents = source.extra.get("documents") or {}
  for frame in sorted(set(documents) | set(people)):
    name, document = documents.get(frame, (f"frame_{frame:012d}_keypoints.json", {"version": 1.3}))
    by_id = {(p["person_id"][0] if p["person_id"] else -1): p for p in people.get(frame, [])}
    if frame in documents:
      # Keep every other field (face, hands, ...) of each person.
      out_people = []
      for person in document.get("people", []):
        person_id = person.get("person_id")
        key = person_id[0] if isinstance(person_id, list) and person_id else (
            -1 if person_id is None else person_id)
        if person.get("pose_keypoints_2d") and key in by_id:
          person = dict(person, pose_keypoints_2d=by_id[key]["pose_keypoints_2d"])
        out_people.append(person)
    else:
      out_people = list(by_id.values())
    with open(os.path.join(folder, name), "w") as f:
      json.dump(dict(document, people=out_people), f)


def dense(tracks, num_frames):
  """Tracks -> [tracks, frames, K, 3] with NaN where a track is absent."""
  num_joints = tracks[0].keypoints.shape[1]
  out = np.full((len(tracks), num_frames, num_joints, 3), np.nan, np.float32)
  for i, track in enumerate(tracks):
    out[i, track.frames, :, :2] = track.keypoints
    out[i, track.frames, :, 2] = track.confidence
  return out


def write(source: KeypointFile, tracks: list[Track], path: str,
          format: str | None = None) -> None:  # pylint: disable=redefined-builtin
  """Writes refined tracks in `format` (default: the source's), atomically.

  A file is written under a temporary name and renamed; a folder is filled
  under a temporary name and renamed. An existing non-empty output folder
  is an error rather than overwritten.

  Raises:
    OSError: naming the output path if it cannot be written.
  """
  format = format or source.format
  if format not in FORMATS:
    raise KeypointFileError(f"Unknown output format {format!r}; use one of {', '.join(FORMATS)}.")
  if format == "openpose":
    with files.atomic_folder(path) as folder:
      _write_openpose_folder(source, tracks, folder)
    return
  with files.atomic_file(path, "w" if format == "coco" else "wb") as f:
    if format == "coco":
      _write_coco(source, tracks, f)
    else:
      _write_arrays(source, tracks, format, f)


def _write_arrays(source: KeypointFile, tracks, format, handle) -> None:  # pylint: disable=redefined-builtin
  single = len(tracks) == 1
  stacked = dense(tracks, source.num_frames)
  if source.format == format and source.extra.get("width") == 2:
    stacked = stacked[..., :2]  # Same layout as the input: x, y only.
  if format == "npy":
    np.save(handle, stacked[0] if single else stacked)
    return
  arrays = dict(source.extra.get("arrays", {})) if source.format == format else {}
  arrays["keypoints"] = stacked[0] if single else stacked
  if "confidence" in arrays:
    arrays["confidence"] = dense(tracks, source.num_frames)[..., 2][0 if single else ...]
  if not single:
    arrays["track_ids"] = np.array([str(t.track_id) for t in tracks])
  if source.format == "estimator" and format == "estimator":
    # x, y refined; MediaPipe's visibility column kept as it was.
    arrays["keypoints"] = np.concatenate(
        [stacked[0, ..., :2], source.extra["arrays"]["keypoints"][..., 2:3]], -1
    ).astype(np.float32)
  np.savez(handle, **arrays)
