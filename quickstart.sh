#!/usr/bin/env bash
# One command on a fresh machine: install, train the Fashion-MNIST reference solution offline,
# then grade the model it saved. TASK=mnist|iris|basic_regression picks another task.
set -euo pipefail
cd "$(dirname "$0")"
TASK="${TASK:-fashion_mnist}"
bash scripts/install.sh
workdir="out/$TASK"
mkdir -p "$workdir"
echo "== training reference_solutions/$TASK.py (Keras 2 code, datasets served offline)"
python3 -m grader.harness "reference_solutions/$TASK.py" --workdir "$workdir"
echo "== grading $workdir/mymodel.h5"
exec grade "$workdir/mymodel.h5" --task "$TASK" --json-out "$workdir/result.json"
