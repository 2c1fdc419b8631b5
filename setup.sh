#!/usr/bin/env bash
# Creates .venv with the pinned requirements; a no-op when they are already installed.
# Usage: ./setup.sh [requirements file]   (default requirements.txt; requirements-gpu.txt for CUDA)
set -euo pipefail
cd "$(dirname "$0")"
requirements="${1:-requirements.txt}"
python="${PYTHON:-python3}"
stamp=.venv/.installed-$(cat "$requirements" requirements.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "Setting up .venv from $requirements ..." >&2
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "$requirements"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
