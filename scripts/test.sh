#!/usr/bin/env bash
# Installs what is missing, then runs the whole test suite (slow tests included).
# Pass pytest options through, e.g. `bash scripts/test.sh -m "not slow"` for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec python3 -m pytest -q "$@"
