"""`grade` leaves nothing behind: when it exits, every process it started has ended and been
waited for (the model reader, the prediction worker, the sandbox's run), so none is handed to
init to reap. The command runs under a child subreaper that adopts any orphan and reports it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_MODEL = ROOT.parent / "shared" / "real-models" / "youngri_c1.h5"

# Becomes the subreaper, runs the command, then lists its own children: only orphans of the
# command can be there, alive or as zombies.
WATCH = r"""
import ctypes, json, os, subprocess, sys
assert ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
me, left = os.getpid(), []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        continue
    name, rest = stat.split(" ", 1)[1], stat.rsplit(")", 1)[1].split()
    if int(rest[1]) == me:
        left.append(f"{pid} {name} state {rest[0]}")
print(json.dumps({"exit": code, "left": left}))
"""


def _leftovers(*command: str) -> dict:
    out = subprocess.run([sys.executable, "-c", WATCH, sys.executable, "-m", "grader.cli", *command],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    return json.loads(out.stdout)


@pytest.mark.slow
def test_grading_a_model_file_leaves_no_process_behind():
    if not REAL_MODEL.exists():
        pytest.skip(f"{REAL_MODEL} is not here (../shared/real-models)")
    watched = _leftovers(str(REAL_MODEL), "--task", "basic_regression")
    assert watched["exit"] in (0, 1) and watched["left"] == []


@pytest.mark.slow
def test_grading_a_script_leaves_no_process_behind():
    watched = _leftovers(str(ROOT / "reference_solutions" / "basic_regression.py"), "--backend", "local")
    assert watched["exit"] == 0 and watched["left"] == []
