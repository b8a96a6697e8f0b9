"""One hand-in graded inside a platform's container, exactly as `grade` grades it.

The platform's container has no Docker engine, so the student's code runs in the local sandbox.
Its namespaces need what the container may not allow (user namespaces, or CAP_SYS_ADMIN: see the
README). Where they are refused, the bundle's policy decides: `refuse` (the default) grades
nothing and says why, as the grader's error, never the student's; `warn` runs the code with
only a process group around it and says so to the student and the instructor.
"""
from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import time
from pathlib import Path

from grader import runs
from grader.judge.feedback import script_output
from grader.results import Verdict
from grader.sandbox.local import namespace_command
from grader.tasks.spec import TaskSpec, load_tasks

POLICIES = ("refuse", "warn")
OUTPUT_LINES = 40  # of the script's output, shown with the result
CONFIG = "grader-bundle.json"  # beside the task spec: task id, sandbox policy, leaderboard
NO_SANDBOX_REFUSED = (
    "The autograder's container does not allow the grader's sandbox (Linux namespaces were "
    "refused), and this assignment is set to grade only sandboxed runs, so your code was not run. "
    "This is not a problem with your submission: tell your instructor.")
UNSANDBOXED_NOTE = (
    "Your code ran without the grader's sandbox: this platform's container refused Linux "
    "namespaces, so only a process group and the time and memory limits surrounded it.")


@dataclasses.dataclass(frozen=True)
class BundleConfig:
    task: str
    if_no_sandbox: str = "refuse"
    leaderboard: bool = False

    def write(self, folder: Path) -> None:
        (folder / CONFIG).write_text(json.dumps(dataclasses.asdict(self), indent=1), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> BundleConfig:
        return cls(**json.loads((folder / CONFIG).read_text(encoding="utf-8")))


@dataclasses.dataclass(frozen=True)
class PlatformGrade:
    grade: dict  # Grade.to_dict()
    task: TaskSpec
    seconds: float
    sandboxed: bool  # the run (if any) had the sandbox's namespaces

    @property
    def record(self) -> dict:
        """As `grade batch` stores a grade: what the existing exporters read."""
        return {"student": "submission", "grade": self.grade, "seconds": self.seconds}

    @property
    def isolation_note(self) -> str:
        # Only where student code ran: a refused or empty hand-in ran nothing.
        if self.sandboxed or not self.grade.get("run"):
            return ""
        return UNSANDBOXED_NOTE


    @property
    def script_printed(self) -> str:
        """The last lines the student's script printed and its traceback (libraries' log lines
        left out)."""
        run = self.grade.get("run") or {}
        # stderr too: a crash's traceback is there.
        text = "\n".join(script_output(run.get(stream) or "").strip() for stream in ("stdout", "stderr")).strip()
        return "\n".join(text.splitlines()[-OUTPUT_LINES:])


def find_handin(folder: Path) -> Path:
    """What the student handed in: the one file (script, notebook, .zip, model) or folder the
    platform put there, else the whole folder (the grader finds its entry point)."""
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    return entries[0] if len(entries) == 1 else folder


def grade_on_platform(submission: Path, task_folder: Path) -> PlatformGrade:
    config = BundleConfig.read(task_folder)
    tasks = load_tasks(task_folder)
    task = tasks[config.task]
    started = time.monotonic()
    sandboxed = namespace_command() is not None
    if not submission.is_dir() or not any(submission.iterdir()):
        grade = runs.ungraded(submission, task, Verdict.INVALID_SUBMISSION,
                              "Nothing was handed in: upload your script or notebook.")
    elif not sandboxed and config.if_no_sandbox != "warn":
        grade = runs.ungraded(submission, task, Verdict.GRADER_ERROR, NO_SANDBOX_REFUSED)
    else:
        grade, _ = runs.grade_handin(find_handin(submission), tasks, task.id, runs.RunOptions(backend="local"))
    return PlatformGrade(grade.to_dict(), task, time.monotonic() - started, sandboxed)


def write_json_atomically(path: Path, data: dict) -> None:
    """The platform reads the file once the entry point ends: never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(handle.name, path)

