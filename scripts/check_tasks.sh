#!/usr/bin/env bash
# `grade tasks check` for the tasks whose check trains too long for the test suite (the reference
# solution is run in full): each task's reference must pass and each generated wrong model fail
# for its own reason, on each backend named. Prints the check's lines and its wall time.
#   bash scripts/check_tasks.sh [TASK ...]          (default: fashion_mnist_cnn)
#   BACKENDS="local docker" bash scripts/check_tasks.sh fashion_mnist_cnn
set -euo pipefail
cd "$(dirname "$0")/.."
TASKS=("${@:-fashion_mnist_cnn}")
status=0
for backend in ${BACKENDS:-local docker}; do
    for task in "${TASKS[@]}"; do
        echo "== grade tasks check $task --backend $backend"
        start=$(date +%s)
        python -m grader.cli tasks check "$task" --backend "$backend" || status=1
        echo "   ($(( $(date +%s) - start )) s)"
    done
done
exit $status
