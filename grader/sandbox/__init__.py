"""Where a student's code runs: the shared vocabulary of the sandbox backends.

A backend (`Sandbox`) runs one command in a prepared workspace under `RunLimits` and reports a
`RunResult`. It never interprets what the command did; turning a result into a verdict is
`grader.runs`'s job. Backends are opened by name through `grader.sandbox.registry`.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Protocol

from grader.sandbox.run_disk import RunDisk

# The runtime image the Docker backend runs and `grade image build` builds. GRADER_IMAGE picks
# another tag, e.g. to try a changed grader in its own image while the usual one stays in use.
RUNTIME_IMAGE = os.environ.get("GRADER_IMAGE", "grader-runtime:latest")


class SandboxUnavailable(RuntimeError):
    """A backend cannot run here (no engine, no image, no namespaces) or failed as a whole; the
    message says why and what to do. Backends raise their own subclass of it."""


class Sandbox(Protocol):
    """What every backend offers: its name, what protects a run, and running one request."""

    name: str

    @property
    def isolation(self) -> tuple[str, ...]: ...

    def run(self, request: "RunRequest", limits: "RunLimits") -> "RunResult": ...


@dataclasses.dataclass(frozen=True)
class RunLimits:
    time_seconds: float
    memory_mb: int
    output_bytes: int = 64 * 1024  # kept per stream: the first quarter and the last three quarters
    tmp_mb: int = 1024  # the private /tmp (it lives in memory)
    # Processes and threads together: TensorFlow starts a few dozen threads; a fork or thread
    # bomb stops here.
    processes: int = 512
    file_mb: int = 1024  # the largest file the run may write (a model is at most a few hundred MB)
    # The space the run may write: workspace, /tmp and /dev/shm together (see sandbox/run_disk.py).
    disk_mb: int = 2048
    files: int = 20_000  # files and folders in that space


# The environment variable through which the harness finds the staged datasets.
STUDENT_DATA_ENV = "GRADER_STUDENT_DATA"


@dataclasses.dataclass(frozen=True)
class RunRequest:
    """One run of `python -m grader.harness.runner ARGS` (or another `module` of the grader's) in
    the workspace (ARGS are relative to it).

    Each backend supplies the Python and maps the workspace and the data folder to its own
    paths, so the same request runs on this machine or in a container."""

    harness_args: list[str]
    workspace: Path  # writable; the working directory
    data_dir: Path  # read-only: the student's view of the datasets
    env: dict[str, str]
    hidden: tuple[Path, ...] = ()  # files and folders holding evaluation data (local backend)
    # The run's bounded space (its `workspace` is the workspace above); None: none could be
    # mounted here, and the backend gives the run a private /tmp of its own.
    disk: RunDisk | None = None
    # The module run as `python -m MODULE ARGS`: the harness, or the prediction worker when a
    # model that holds code is predicted inside the sandbox (grader.judge.sandbox_predict).
    module: str = "grader.harness.runner"


@dataclasses.dataclass(frozen=True)
class RunResult:
    backend: str  # "local" or "docker"
    exit_code: int | None  # None when the process was killed by a signal
    signal: int | None
    timed_out: bool
    out_of_memory: bool
    wall_seconds: float
    peak_memory_mb: float
    stdout: str
    stderr: str
    output_dropped_bytes: int  # bytes left out of stdout + stderr by the output cap
    isolation: tuple[str, ...]  # what this run was protected by, in plain words
    process_limit_hit: bool = False  # the run tried to have more than `processes` at once
    leftover_processes: int = 0  # processes of the run still alive after clean-up (should be 0)
    notes: tuple[str, ...] = ()  # what the backend wants the student to know (e.g. a CPU fallback)
    disk_full: str = ""  # "space" or "files": the run filled its space and was stopped
    disk_written: str = ""  # then: what it had written, in the student's paths
