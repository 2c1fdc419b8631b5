r"""Draws a streamed refinement as it was seen live: estimate of frame t, refined frame t - lag.

python -m launch.online_overlay --video=clip.mp4 --estimates=out/keypoints.npz \
    --refined=out/refined.jsonl --overlay=out/overlay_online.mp4

The second half of `launch/refine_video.sh --online`: `--estimates` is the
estimator's .npz (MediaPipe, 33 landmarks), `--refined` the JSON lines
`pose-refine stream --timing` wrote. At every video frame the overlay shows
that frame's estimate (red) and the newest refined frame the stream had
returned by then (yellow), so the refinement trails by its lookahead; the
lag is printed (frames, and milliseconds from reading a frame to writing it
refined, lookahead wait included).
"""

import json

import numpy as np
from absl import app
from absl import flags

from launch import common

_VIDEO = flags.DEFINE_string("video", None, "The video file or frame folder.")
_ESTIMATES = flags.DEFINE_string("estimates", None, "The estimator's keypoints (.npz).")
_REFINED = flags.DEFINE_string("refined", None, "pose-refine stream's output (JSON lines).")
_OVERLAY = flags.DEFINE_string("overlay", None, "The overlay video (.mp4) or frame folder.")
_LOOKAHEAD = flags.DEFINE_integer("lookahead", None, "The stream's --lookahead.")
flags.mark_flags_as_required(["video", "estimates", "refined", "overlay", "lookahead"])


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
  common.setup(quiet=True)
  from pose_refine import frames  # pylint: disable=g-import-not-at-top
  from pose_refine import skeletons  # pylint: disable=g-import-not-at-top
  from pose_refine import video  # pylint: disable=g-import-not-at-top

  with np.load(_ESTIMATES.value) as data:
    estimates, frame_ids = data["keypoints"][..., :2], data["frame_ids"]
  position = {int(f): i for i, f in enumerate(frame_ids)}
  lookahead = _LOOKAHEAD.value
  live = np.full(estimates.shape, np.nan, np.float32)
  lag_ms = []
  with open(_REFINED.value, encoding="utf-8") as lines:
    for line in filter(str.strip, lines):
      record = json.loads(line)
      # Refined frame f leaves the stream when frame f + lookahead is read.
      shown = position[int(record["t"])] + lookahead
      if shown < len(live):
        live[shown] = [[np.nan if v is None else v for v in joint]
                       for joint in record["keypoints"]]
      if "lag_ms" in record and shown < len(live):  # Flushed frames waited for no input.
        lag_ms.append(record["lag_ms"])
  _, fps = frames.frame_count(_VIDEO.value)
  video.render_overlay(_VIDEO.value, _OVERLAY.value, skeletons.MEDIAPIPE,
                       [(estimates[None], video.INITIAL), (live[None], video.REFINED)], fps)
  summary = f"lag {lookahead} frames ({1e3 * lookahead / fps:.0f} ms at {fps:g} fps)"
  if lag_ms:
    summary += (f"; from reading a frame to writing it refined: {np.median(lag_ms):.1f} ms "
                f"median, {np.percentile(lag_ms, 99):.1f} ms p99 (estimator time included)")
  print(f"{summary} -> {_OVERLAY.value}")


if __name__ == "__main__":
  app.run(main)
