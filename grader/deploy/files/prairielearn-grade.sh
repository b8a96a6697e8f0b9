#!/usr/bin/env bash
# PrairieLearn's external grader runs this (info.json's entrypoint) in the grading container: the
# student's files are in /grade/student, the question's tests/ folder (the task's spec) in
# /grade/tests, the submission in /grade/data/data.json; the results go to
# /grade/results/results.json.
set -euo pipefail
exec "$(cat /opt/grader-bundle/python-path)" -m grader.deploy.prairielearn run --root /grade
