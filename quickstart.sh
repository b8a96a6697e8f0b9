#!/usr/bin/env bash
# One command on a fresh machine: install, then grade the Fashion-MNIST reference solution: the
# grader runs it in its sandbox (offline, Keras 2), then scores the model it saved.
# TASK=mnist|iris|basic_regression|sunspots picks another task.
set -euo pipefail
cd "$(dirname "$0")"
TASK="${TASK:-fashion_mnist}"
bash scripts/install.sh
echo "== grading reference_solutions/$TASK.py (run folder kept in out/$TASK)"
exec grade "reference_solutions/$TASK.py" --keep "out/$TASK" --json-out "out/$TASK/result.json"
