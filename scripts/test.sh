#!/usr/bin/env bash
# Sets up everything the tests need (Chromium for the browser test, the Python packages), lints, and runs the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
bash scripts/setup.sh requirements-dev.txt
# The lint the README promises, before any test: a lint or format error fails the run.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
