"""The sandbox registry: `--backend` choices, `auto`'s order and notes, one sandbox per command,
and a new backend added with one registration."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader import runs
from grader.sandbox import RunLimits, RunRequest, RunResult, SandboxUnavailable, registry
from grader.tasks.spec import load_tasks

SCRIPT = Path(__file__).parent / "hostile" / "김민준_회귀.py"


class PlainProcess:
    """A toy backend, written as a new one would be: the harness as a plain child process."""

    name = "plain"
    isolation = ("none: a plain child process",)

    def run(self, request: RunRequest, limits: RunLimits) -> RunResult:
        started = time.monotonic()
        env = {"PATH": "/usr/bin:/bin", "HOME": str(request.workspace), **request.env,
               "GRADER_STUDENT_DATA": str(request.data_dir)}
        done = subprocess.run([sys.executable, "-m", "grader.harness.runner", *request.harness_args],
                              cwd=request.workspace, env=env, capture_output=True, text=True,
                              timeout=limits.time_seconds)
        return RunResult(backend=self.name, exit_code=done.returncode, signal=None, timed_out=False,
                         out_of_memory=False, wall_seconds=round(time.monotonic() - started, 2),
                         peak_memory_mb=0.0, stdout=done.stdout, stderr=done.stderr,
                         output_dropped_bytes=0, isolation=self.isolation)


@pytest.fixture
def toy_backends(monkeypatch):
    opened = []

    def open_plain(gpus: str):
        opened.append(gpus)
        return PlainProcess()

    def refuse(gpus: str):
        raise SandboxUnavailable("no engine here")

    monkeypatch.setitem(registry.BACKENDS, "plain", open_plain)
    return opened, refuse


def test_backend_choices_come_from_the_registry(toy_backends):
    assert registry.backend_choices()[0] == "auto"
    assert {"docker", "local", "plain"} <= set(registry.backend_choices())


def test_auto_takes_the_first_backend_that_opens_and_says_why_others_did_not(toy_backends, monkeypatch):
    opened, refuse = toy_backends
    monkeypatch.setattr(registry, "BACKENDS", {"refusing": refuse, "plain": registry.BACKENDS["plain"]})
    sandbox, note = registry.open_sandbox("auto")
    assert sandbox.name == "plain" and note == "Ran in the plain sandbox (refusing: no engine here)."
    monkeypatch.setattr(registry, "BACKENDS", {"refusing": refuse})
    with pytest.raises(SandboxUnavailable, match="no sandbox backend can run here: refusing: no engine here"):
        registry.open_sandbox("auto")
    with pytest.raises(SandboxUnavailable, match="unknown backend 'cloud'"):
        registry.open_sandbox("cloud")


def test_a_command_opens_its_sandbox_once_however_many_threads_ask(toy_backends):
    opened, _ = toy_backends
    shared = registry.SharedSandbox("plain", gpus="none")
    got = []
    threads = [threading.Thread(target=lambda: got.append(shared.get()[0])) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert opened == ["none"] and len({id(sandbox) for sandbox in got}) == 1


@pytest.mark.slow
def test_a_registered_backend_grades_a_real_script(toy_backends, tmp_path):
    grade, task = runs.grade_path(SCRIPT, load_tasks(), None, runs.RunOptions(backend="plain"))
    assert grade.verdict.code == "passed", grade.summary
    assert grade.run.execution.backend == "plain"
    assert grade.run.execution.isolation == ("none: a plain child process",)
