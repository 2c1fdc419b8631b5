r"""Writes a synthetic clip to refine: frames of a moving figure and its noisy keypoints.

python -m launch.render_synthetic --frames=/tmp/demo/frames --keypoints=/tmp/demo/noisy.npy
python -m launch.refine --input=/tmp/demo/noisy.npy --output=/tmp/demo/refined.npy \
    --video=/tmp/demo/frames --overlay=/tmp/demo/overlay.mp4

No download (see pose_refine/demo.py); `pose-refine demo` does both steps.
"""

from absl import app
from absl import flags

_FRAMES = flags.DEFINE_string("frames", None, "Folder to write the PNG frames to (created).")
_KEYPOINTS = flags.DEFINE_string("keypoints", None, "The noisy keypoints file (.npy).")
_LENGTH = flags.DEFINE_integer("length", 120, "Frames.")
_SEED = flags.DEFINE_integer("seed", 3, "Which clip.")
flags.mark_flags_as_required(["frames", "keypoints"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  from pose_refine import demo  # pylint: disable=g-import-not-at-top

  print(demo.write_clip(_FRAMES.value, _KEYPOINTS.value, _LENGTH.value, _SEED.value))


if __name__ == "__main__":
  app.run(main)
