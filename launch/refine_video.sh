#!/usr/bin/env bash
# Video -> estimator stage (MediaPipe, its own environment) -> refine -> overlay.
# Usage: bash launch/refine_video.sh VIDEO OUTDIR [launch.refine flags ...]
#        bash launch/refine_video.sh --online[=K] VIDEO OUTDIR
#   VIDEO: a video file or a folder of frames. Writes OUTDIR/keypoints.npz (the
#   estimator's), OUTDIR/refined.npz and OUTDIR/overlay.mp4 (red: estimate, yellow: refined).
#   --online: frame by frame, as live: the estimator writes each frame as a JSON line
#   into a pipe as soon as it has it, `pose-refine stream --lookahead=K` (default 4)
#   refines it and writes OUTDIR/refined.jsonl as it goes; then OUTDIR/overlay_online.mp4
#   shows each frame's estimate with the newest refined frame at that moment (K frames
#   behind) and the lag is printed.
# Needs both environments: ./setup.sh && ./setup.sh requirements-estimator.txt .venv-estimator
set -euo pipefail
online=""
if [[ $# -gt 0 && "$1" == --online* ]]; then
  online="${1#--online}"; online="${online#=}"; online="${online:-4}"; shift
fi
if [ $# -lt 2 ]; then
  echo "usage: bash launch/refine_video.sh [--online[=K]] VIDEO OUTDIR [launch.refine flags ...]" >&2
  exit 2
fi
video="$1"; out="$2"; shift 2
root="$(cd "$(dirname "$0")/.." && pwd)"
for venv in .venv .venv-estimator; do
  if [ ! -x "$root/$venv/bin/python" ]; then
    echo "error: $root/$venv is missing; run ./setup.sh && ./setup.sh requirements-estimator.txt .venv-estimator" >&2
    exit 2
  fi
done
mkdir -p "$out"
video="$(cd "$(dirname "$video")" && pwd)/$(basename "$video")"
out="$(cd "$out" && pwd)"
cd "$root"
if [ -n "$online" ]; then
  # The estimator's own environment (MediaPipe) and the refiner's run side by side,
  # joined by a pipe of JSON lines, one per frame.
  PYTHONPATH="$root" .venv-estimator/bin/python -m launch.estimate --input="$video" \
      --output="$out/keypoints.npz" --jsonl=- \
    | PYTHONPATH="$root" .venv/bin/python -m pose_refine.cli stream --lookahead="$online" \
      --skeleton=mediapipe --timing > "$out/refined.jsonl"
  .venv/bin/python -m launch.online_overlay --video="$video" --estimates="$out/keypoints.npz" \
      --refined="$out/refined.jsonl" --overlay="$out/overlay_online.mp4" --lookahead="$online"
  exit 0
fi
.venv-estimator/bin/python -m launch.estimate --input="$video" --output="$out/keypoints.npz"
.venv/bin/python -m launch.refine --input="$out/keypoints.npz" --output="$out/refined.npz" \
    --video="$video" --overlay="$out/overlay.mp4" "$@"
