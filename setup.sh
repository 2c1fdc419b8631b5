#!/usr/bin/env bash
# Creates a virtual environment with pinned requirements; a no-op once installed.
# Usage: ./setup.sh [REQUIREMENTS [VENV]]
#   ./setup.sh                                            main environment, CPU (.venv)
#   ./setup.sh requirements-gpu.txt                       main environment, NVIDIA GPUs (.venv)
#   ./setup.sh requirements-estimator.txt .venv-estimator the MediaPipe estimator stage
set -euo pipefail
cd "$(dirname "$0")"
requirements="${1:-requirements.txt}"
venv="${2:-.venv}"
python="${PYTHON:-python3}"
# The stamp covers the requirements file and the files it includes (-r), nothing else, so
# editing one environment's pins does not reinstall the other.
stamp="$venv/.installed-$(cat "$requirements" $(sed -n 's/^-r //p' "$requirements") | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Setting up $venv from $requirements ..." >&2
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet -r "$requirements"
  rm -f "$venv"/.installed-*
  touch "$stamp"
fi
