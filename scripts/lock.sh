#!/usr/bin/env bash
# Regenerates the exact locks requirements.txt and requirements-dev.txt from requirements.in and requirements-dev.in.
# Usage: scripts/lock.sh [pip-compile options, e.g. --upgrade-package NAME]. Versions already locked are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "scripts/lock.sh: the locks are for Python 3.11, and python3 is $(python3 --version)." >&2
  exit 1
fi
# pip-tools lives in a throwaway venv: it is a tool for the locks, not a package of Conversa.
tools="${TMPDIR:-/tmp}/conversa-pip-tools"
if [ ! -x "$tools/bin/pip-compile" ]; then
  python3 -m venv "$tools"
  "$tools/bin/pip" install --quiet pip-tools==7.6.2
fi
# The locks' header names this script and keeps the note on torch.
export CUSTOM_COMPILE_COMMAND="bash scripts/lock.sh  (torch==2.13.0 is installed first by scripts/setup.sh)"
# torch stays out of the locks (an "unsafe" package to pip-tools), and so do this machine's index and wheel folder.
for name in requirements requirements-dev; do
  "$tools/bin/pip-compile" --quiet --unsafe-package torch --strip-extras --no-emit-index-url --no-emit-find-links \
    "$@" --output-file "$name.txt" "$name.in"
done
