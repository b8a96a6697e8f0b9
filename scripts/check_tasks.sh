#!/usr/bin/env bash
# `grade tasks check` by hand, timed: each task's reference solution must pass and each generated
# wrong model fail for its own reason, on each backend named (tests/test_task_checks.py runs the
# same check in CI). Prints the check's lines and each check's wall time.
#   bash scripts/check_tasks.sh [TASK ...]          (default: every task in tasks/)
#   BACKENDS="local docker" bash scripts/check_tasks.sh fashion_mnist_cnn
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
    TASKS=("$@")
else
    TASKS=($(ls tasks/*.toml | xargs -n1 basename | sed 's/\.toml$//'))
fi
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
