#!/usr/bin/env bash
# Video -> estimator stage (MediaPipe, its own environment) -> refine -> overlay.
# Usage: bash launch/refine_video.sh VIDEO OUTDIR [launch.refine flags ...]
#   VIDEO: a video file or a folder of frames. Writes OUTDIR/keypoints.npz (the
#   estimator's), OUTDIR/refined.npz and OUTDIR/overlay.mp4 (red: estimate, yellow: refined).
# Needs both environments: ./setup.sh && ./setup.sh requirements-estimator.txt .venv-estimator
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: bash launch/refine_video.sh VIDEO OUTDIR [launch.refine flags ...]" >&2
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
cd "$root"
.venv-estimator/bin/python -m launch.estimate --input="$video" --output="$out/keypoints.npz"
.venv/bin/python -m launch.refine --input="$out/keypoints.npz" --output="$out/refined.npz" \
    --video="$video" --overlay="$out/overlay.mp4" "$@"
