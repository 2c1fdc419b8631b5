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

Exit status 2 for bad input, with a message naming it. Quiet by default (--verbosity=0
for information lines). Installed, the same is `pose-refine refine IN OUT`.
"""

import sys

from absl import app
from absl import flags

from launch import common

_INPUT = flags.DEFINE_string("input", None, "Keypoints file or OpenPose folder.")
_OUTPUT = flags.DEFINE_string("output", None, "Where to write the refined keypoints.")
_CHECKPOINT = flags.DEFINE_string(
    "checkpoint", "", "A run's workdir or exported model (default: pose_refine/pretrained); "
    "a '#smoothing=off', '#selection=off' or '#deadzone=D' suffix overrides its setting "
    "(refiner.from_spec).")
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
_FPS = flags.DEFINE_float(
    "fps", 0.0, "The keypoints' frame rate (0: --video's, else the model's); much slower "
    "tracks are interpolated up to the model's rate first.")
_FILL = flags.DEFINE_bool("fill_missing", True, "Give missing joints refined positions.")
_FILLED_SCORE = flags.DEFINE_float(
    "filled_score", 0.0, "Score of filled joints (0: they stay marked missing; e.g. 0.01).")
flags.mark_flags_as_required(["input", "output"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  from pose_refine import sharding  # pylint: disable=g-import-not-at-top

  sharding.split_host_cores()  # Before setup starts JAX's backend.
  # Every program of the refine path is cached: a warm start compiles nothing.
  common.setup(quiet=True, cache_min_compile_time_s=0.0)
  from pose_refine import checkpointing  # pylint: disable=g-import-not-at-top
  from pose_refine import cli  # pylint: disable=g-import-not-at-top
  from pose_refine import keypoint_io  # pylint: disable=g-import-not-at-top
  from pose_refine import refiner  # pylint: disable=g-import-not-at-top

  bars = cli.ProgressBars()
  try:
    summary = refiner.refine_file(
        _INPUT.value, _OUTPUT.value, checkpoint=_CHECKPOINT.value or None,
        skeleton=_SKELETON.value or None, input_format=_FORMAT.value,
        output_format=_OUTPUT_FORMAT.value, video_path=_VIDEO.value or None,
        overlay=_OVERLAY.value or None, stride=_STRIDE.value or None, fps=_FPS.value or None,
        fill_missing=_FILL.value, filled_score=_FILLED_SCORE.value, progress=bars)
  except (keypoint_io.KeypointFileError, checkpointing.CheckpointError, FileNotFoundError,
          ValueError, OSError) as error:
    print(f"refine: error: {error}", file=sys.stderr, flush=True)
    sys.exit(2)
  finally:
    bars.close()
  print(summary, flush=True)

if __name__ == "__main__":
  app.run(main)
