r"""Refines any estimator's keypoints with a trained corrector (default: the shipped one).

python -m launch.refine --input=keypoints.json --output=refined.json
python -m launch.refine --input=openpose_json/ --output=refined_json/ --video=clip.mp4
python -m launch.refine --input=poses.npy --output=refined.npy --skeleton=coco \
    --checkpoint=workdirs/my_run

Inputs (see pose_refine/keypoint_io.py): COCO keypoint results JSON, a folder
of OpenPose JSON files, the estimator stage's keypoints file (.npz), or a
plain .npy/.npz array [frames, joints, 2 or 3]. The output is written in the
input's format (or --output_format), atomically: a failed run leaves none.
Each track (COCO track_id, OpenPose person_id) is refined on its own; frames
where a track is absent stay absent. With --video (a video file or a folder
of frames), an overlay is drawn: initial estimate red, refined yellow.

Exit status 2 for bad input, with a message naming it.
"""

import os
import sys

from absl import app
from absl import flags

from launch import common

_INPUT = flags.DEFINE_string("input", None, "Keypoints file or OpenPose folder.")
_OUTPUT = flags.DEFINE_string("output", None, "Where to write the refined keypoints.")
_CHECKPOINT = flags.DEFINE_string(
    "checkpoint", "", "A run's workdir or exported model (default: pose_refine/pretrained).")
_SKELETON = flags.DEFINE_string(
    "skeleton", "", "The input's joint set (default: known from the format or joint count).")
_FORMAT = flags.DEFINE_enum(
    "format", None, ["coco", "openpose", "estimator", "npy", "npz"],
    "Input format (default: from the name).")
_OUTPUT_FORMAT = flags.DEFINE_enum(
    "output_format", None, ["coco", "openpose", "npy", "npz", "estimator"],
    "Output format (default: the input's).")
_VIDEO = flags.DEFINE_string("video", "", "Video file or frame folder to draw an overlay on.")
_OVERLAY = flags.DEFINE_string(
    "overlay", "", "Overlay video (.mp4) or frame folder (default: <output>_overlay.mp4).")
_STRIDE = flags.DEFINE_integer("stride", 0, "Frames between windows (0: the model's).")
_FILL = flags.DEFINE_bool("fill_missing", True, "Give missing joints refined positions.")
flags.mark_flags_as_required(["input", "output"])


def _check_writable(path: str) -> None:
  parent = os.path.dirname(os.path.abspath(path))
  if not os.path.isdir(parent):
    raise OSError(f"Cannot write {path}: folder {parent} does not exist.")
  if not os.access(parent, os.W_OK):
    raise OSError(f"Cannot write {path}: folder {parent} is not writable.")


def run() -> str:
  """Does the work; returns the summary line. Raises on bad input."""
  import numpy as np  # pylint: disable=g-import-not-at-top

  from pose_refine import checkpointing  # pylint: disable=g-import-not-at-top
  from pose_refine import frames  # pylint: disable=g-import-not-at-top
  from pose_refine import keypoint_io  # pylint: disable=g-import-not-at-top
  from pose_refine import refiner  # pylint: disable=g-import-not-at-top
  from pose_refine import skeletons  # pylint: disable=g-import-not-at-top
  from pose_refine import video  # pylint: disable=g-import-not-at-top

  overlay = _OVERLAY.value or (os.path.splitext(_OUTPUT.value.rstrip("/"))[0] + "_overlay.mp4")
  _check_writable(_OUTPUT.value)
  if _VIDEO.value:
    _check_writable(overlay)
  source = keypoint_io.read(_INPUT.value, _FORMAT.value)
  name = _SKELETON.value or source.skeleton
  skeleton = skeletons.get_skeleton(name) if name else skeletons.infer_skeleton(source.num_joints)
  if skeleton.num_joints != source.num_joints:
    raise ValueError(f"{_INPUT.value}: {source.num_joints} joints per person, but skeleton "
                     f"{skeleton.name!r} has {skeleton.num_joints}; pass the right --skeleton.")
  if _VIDEO.value:
    count, fps = frames.frame_count(_VIDEO.value)
    dense = source.format in ("npy", "npz", "estimator")
    if (dense and count != source.num_frames) or (not dense and count < source.num_frames):
      raise ValueError(
          f"Video {_VIDEO.value} has {count} frames but {_INPUT.value} has keypoints for "
          f"{'' if dense else 'frame indices up to '}{source.num_frames}"
          f"{'' if dense else ' - 1'} frames; pass the video the keypoints were estimated on.")

  model = refiner.load(_CHECKPOINT.value or None)
  stride = _STRIDE.value or None
  spans = [(t, int(t.frames.min()), int(t.frames.max()) + 1) for t in source.tracks]
  windows = [model.windows(end - start, stride) for _, start, end in spans]
  bar = common.ProgressBar("refining", sum(windows), unit="windows",
                           enabled=sum(windows) >= 200)
  refined_tracks, done = [], 0
  for (track, start, end), count in zip(spans, windows):
    # The track's whole span, with frames where it is absent as missing joints.
    points = np.full((end - start,) + track.keypoints.shape[1:], np.nan, np.float32)
    scores = np.zeros(points.shape[:2], np.float32)
    points[track.frames - start], scores[track.frames - start] = track.keypoints, track.confidence
    out = model.refine_track(
        points, scores, skeleton, fill_missing=_FILL.value, stride=stride,
        progress=lambda d, _, base=done: bar.update(base + d),
    )
    done += count
    refined_tracks.append(keypoint_io.Track(track.track_id, track.frames,
                                            out[track.frames - start], track.confidence))
  bar.close()
  keypoint_io.write(source, refined_tracks, _OUTPUT.value, _OUTPUT_FORMAT.value)
  summary = (f"Refined {len(refined_tracks)} track(s), {sum(len(t.frames) for t in source.tracks)} "
             f"poses of {skeleton.num_joints} joints ({skeleton.name}) with "
             f"{checkpointing.checkpoint_directory(model.checkpoint)} -> {_OUTPUT.value}")
  if _VIDEO.value:
    stack = lambda tracks: keypoint_io.dense(tracks, source.num_frames)[..., :2]
    frames_bar = common.ProgressBar("overlay", source.num_frames, unit="frames",
                                    enabled=source.num_frames >= 200)
    video.render_overlay(
        _VIDEO.value, overlay, skeleton,
        [(stack(source.tracks), video.INITIAL), (stack(refined_tracks), video.REFINED)],
        fps, progress=frames_bar.update)
    frames_bar.close()
    summary += f"; overlay -> {overlay}"
  return summary


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  common.setup()
  from pose_refine import checkpointing  # pylint: disable=g-import-not-at-top
  from pose_refine import keypoint_io  # pylint: disable=g-import-not-at-top

  try:
    print(run(), flush=True)
  except (keypoint_io.KeypointFileError, checkpointing.CheckpointError, FileNotFoundError,
          ValueError, OSError) as error:
    print(f"refine: error: {error}", file=sys.stderr, flush=True)
    sys.exit(2)


if __name__ == "__main__":
  app.run(main)
