"""The grader's own failures are never the student's.

A grader installed in a venv under /tmp (a clone tried out there, as a new user would) must run
submissions: the local sandbox gives each run a private /tmp, so it binds the grader's code and
Python back in. And a harness that cannot start is `grader_error` (exit 2), never `crashed`.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.harness.record import parse_run_record
from grader.judge import run_verdicts
from grader.results import Verdict
from grader.sandbox import RunResult
from grader.sandbox.local import namespace_command

ROOT = Path(__file__).parent.parent
SAVES_A_MODEL = Path(__file__).parent / "hostile" / "김민준_회귀.py"


@pytest.mark.slow
@pytest.mark.skipif(namespace_command() is None, reason="no private /tmp without namespaces")
def test_a_grader_installed_in_a_venv_under_tmp_grades_a_script(tmp_path):
    assert str(tmp_path).startswith("/tmp/")
    clone = tmp_path / "clone"
    shutil.copytree(ROOT, clone, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", "build"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    subprocess.run([venv / "bin" / "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e", str(clone)],
                   check=True, capture_output=True)
    where = subprocess.run([venv / "bin" / "python", "-c", "import grader; print(grader.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    assert where.startswith(str(clone)), where  # the venv's grader is the clone under /tmp

    result = subprocess.run([venv / "bin" / "grade", str(SAVES_A_MODEL), "--backend", "local",
                             "--task", "basic_regression", "--json"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    data = json.loads(result.stdout)
    assert data["verdict"] == "passed", data["summary"] + data["run"]["stderr"][-2000:]
    assert result.returncode == 0


def _result(exit_code: int, stderr: str) -> RunResult:
    return RunResult(backend="local", exit_code=exit_code, signal=None, timed_out=False,
                     out_of_memory=False, wall_seconds=0.5, peak_memory_mb=10.0, stdout="",
                     stderr=stderr, output_dropped_bytes=0, isolation=())


def test_a_harness_that_cannot_be_imported_is_the_graders_failure():
    failure = run_verdicts._harness_failure(_result(1, "/usr/bin/python3: Error while finding module "
                                               "specification for 'grader.harness.runner' (ModuleNotFoundError: "
                                               "No module named 'grader')\n"), record=None)
    assert failure and "could not start" in failure and "No module named 'grader'" in failure


def test_a_harness_that_cannot_write_its_record_is_the_graders_failure():
    stderr = ("Traceback (most recent call last):\n  File \"/grader/harness.py\", line 390, in flush\n"
              "PermissionError: [Errno 13] Permission denied: '/work/.grader_run.json'\n")
    failure = run_verdicts._harness_failure(_result(2, stderr), record=None)
    assert failure and "could not write its run record" in failure and ".grader_run.json" in failure


def test_a_harness_that_failed_while_setting_up_is_the_graders_failure():
    record = parse_run_record({"status": "error", "error": {"stage": "setup", "type": "ImportError",
                                                            "message": "libcudart.so: cannot open shared object file"}})
    failure = run_verdicts._harness_failure(_result(run_verdicts.HARNESS_SETUP_FAILED, "Traceback ...\n"), record)
    assert failure and "before the script started" in failure and "libcudart" in failure


def test_a_student_crash_is_not_the_graders_failure():
    record = parse_run_record({"status": "error", "error": {"stage": "script", "type": "ModuleNotFoundError",
                                                            "message": "No module named 'grader_helpers'"}})
    stderr = "Traceback ...\nModuleNotFoundError: No module named 'grader_helpers'\n"
    assert run_verdicts._harness_failure(_result(1, stderr), record) is None
    assert run_verdicts._harness_failure(_result(0, ""), None) is None


def test_grader_error_exits_2_and_every_verdict_about_the_submission_exits_1():
    assert Verdict.GRADER_ERROR.exit_code == 2
    assert Verdict.PASSED.exit_code == 0
    assert {v.exit_code for v in Verdict if v not in (Verdict.GRADER_ERROR, Verdict.PASSED)} == {1}


@pytest.mark.skipif(namespace_command() is None, reason="the local sandbox has no namespaces here")
def test_a_run_the_sandbox_cannot_start_is_reported_as_the_graders_failure(tmp_path):
    """What the venv under /tmp used to hit: the run's Python hidden by the private /tmp."""
    workspace, data = tmp_path / "workspace", tmp_path / "data"
    workspace.mkdir(), data.mkdir()
    missing = tmp_path / "venv" / "bin" / "python"
    started = subprocess.run([*namespace_command(), sys.executable, "-m", "grader.sandbox.confine",
                              "--workspace", str(workspace), "--data", str(data), "--", str(missing)],
                             capture_output=True, text=True, timeout=60)
    assert started.returncode != 0
    failure = run_verdicts._harness_failure(_result(started.returncode, started.stderr), record=None)
    assert failure and "could not start" in failure and str(missing) in failure
