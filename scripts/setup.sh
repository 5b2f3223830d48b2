#!/usr/bin/env bash
# Creates .venv and installs Conversa's Python packages. Usage: scripts/setup.sh [requirements file]
set -euo pipefail
cd "$(dirname "$0")/.."
requirements="${1:-requirements.txt}"
python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
# torch first, pinned: anything that pulls torch unpinned would fetch a multi-GB CUDA build.
python -m pip install --quiet torch==2.13.0
python -m pip install --quiet -r "$requirements"
