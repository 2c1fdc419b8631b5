r"""Stage 1: runs a per-frame pose estimator and writes a keypoints file.

Runs in the estimator's own environment (MediaPipe pins protobuf<5):

./setup.sh requirements-estimator.txt .venv-estimator
.venv-estimator/bin/python -m launch.estimate --input=video.mp4 --output=keypoints.npz
.venv-estimator/bin/python -m launch.estimate --input=frames_dir/ --output=keypoints.npz

The keypoints file (.npz) holds `keypoints` [frames, 33, 3] (x, y in pixels
of the input frames, visibility in [0, 1]; NaN where no person was found),
`frame_ids` [frames], `landmark_names` [33], `image_size` [frames, 2]
(width, height) and `estimator` (a description of the settings). A folder's
frames are read in name order; a frame id is the last number in the file
name (frame_000755.jpg -> 755), else the position.

`--degrade` makes a weaker estimator from the same one by degrading each
frame first (as in low-quality videos), e.g. --degrade=scale=0.25,blur=1.5,noise=8:
downscale by `scale`, Gaussian blur of sigma `blur` pixels, Gaussian noise of
`noise` grey levels (seeded per frame by --seed). Coordinates are always in
pixels of the original frames.

It imports only pose_refine.estimator, frames and files (numpy, OpenCV, MediaPipe), never
JAX.
"""

import sys

import numpy as np
from absl import app
from absl import flags

from pose_refine import estimator
from pose_refine import frames

_INPUT = flags.DEFINE_string("input", None, "A video file or a folder of frames.")
_OUTPUT = flags.DEFINE_string("output", None, "The keypoints file to write (.npz).")
_FRAMES = flags.DEFINE_list(
    "frames", [], "Only these frame files of a folder (names), e.g. for quick checks."
)
_DEGRADE = flags.DEFINE_string("degrade", "", "scale=..,blur=..,noise=.. (see above).")
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the --degrade noise.")
_STATIC = flags.DEFINE_bool(
    "static_image_mode", True,
    "Detect in every frame independently (True), or track between frames (False).",
)
_JSONL = flags.DEFINE_string(
    "jsonl", "", "Also write every frame as a JSON line as soon as it is estimated, to this "
    "file or '-' (stdout), for `pose-refine stream` (launch/refine_video.sh --online).")
flags.mark_flags_as_required(["input", "output"])

def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  lines = None
  if _JSONL.value:
    # Closed below; a with-block would not cover stdout.
    lines = sys.stdout if _JSONL.value == "-" else open(_JSONL.value, "w", encoding="utf-8")

  def on_frame(index, points):
    lines.write(estimator.frame_json(index, points) + "\n")
    lines.flush()  # The reader refines it now, not when a buffer fills.

  try:
    settings = estimator.parse_degrade(_DEGRADE.value)
    ids, keypoints, sizes, names = estimator.estimate(
        frames.read_frames(_INPUT.value, _FRAMES.value), settings, _SEED.value,
        _STATIC.value, on_frame=on_frame if lines else None,
    )
  except (FileNotFoundError, ValueError) as error:
    sys.exit(f"error: {error}")
  finally:
    if lines is not None and lines is not sys.stdout:
      lines.close()
  description = (
      f"mediapipe_pose model_complexity=1 static_image_mode={_STATIC.value} "
      f"degrade={_DEGRADE.value or 'none'} seed={_SEED.value}"
  )
  estimator.write_keypoints(
      _OUTPUT.value, keypoints=keypoints, frame_ids=ids, image_size=sizes,
      landmark_names=np.array(names), estimator=np.array(description),
  )
  found = np.isfinite(keypoints[:, 0, 0]).mean() * 100
  print(f"{len(ids)} frames, a person in {found:.1f}% of them -> {_OUTPUT.value}",
        file=sys.stderr if _JSONL.value == "-" else sys.stdout)


if __name__ == "__main__":
  app.run(main)
