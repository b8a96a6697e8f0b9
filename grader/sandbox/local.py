"""The local sandbox: the student's command as a watched process tree on this machine.

Where the kernel allows (root, or unprivileged user namespaces), the run gets its own PID, mount
and network namespaces through `unshare`, and `grader.sandbox.confine` locks the view inside:
no network, evaluation data hidden, a private /tmp, everything but the workspace read-only, no
capabilities. Where cgroups can be made (`grader.sandbox.cgroups`) the kernel enforces the
memory and process limits; elsewhere the grader sums the resident memory of the whole tree and
counts its threads ten times a second. Everywhere it enforces the wall-clock limit, caps each
file's size and the output, and kills every descendant at the end. This is containment for
honest mistakes, not a security boundary: the Docker backend is the one for untrusted code.
"""
from __future__ import annotations

import functools
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import grader
from grader.sandbox import STUDENT_DATA_ENV, RunLimits, RunRequest, RunResult, SandboxUnavailable
from grader.sandbox.capture import CappedText, drain
from grader.sandbox.cgroups import RunCgroup
from grader.sandbox.processes import descendants, die_with_parent, end_tree, kill_tree
from grader.sandbox.run_disk import (DiskWatch, hand_to_user, kernel_memory_mb, space_bound,
                                     writable_folders)

POLL_SECONDS = 0.1
_UNSHARE = ["unshare", "--fork", "--pid", "--mount-proc", "--net", "--mount", "--kill-child"]
NAMESPACE_ISOLATION = ("own PID namespace (every process ends with the run)", "no network",
                       "evaluation data hidden", "private /tmp", "read-only system files",
                       "no capabilities")
GROUP_ISOLATION = ("own process group (ended with the run)",)
UNPRIVILEGED = "an unprivileged user of its own (home folders and the grader's other files hidden)"
# Where the grader runs as root, student code runs as a user of its own: a uid drawn per run from
# a range no account uses, owning nothing on the machine but the run's workspace.
RUN_UIDS = range(1_500_000_000, 2_000_000_000)
# What a run imports from a checkout of the grader (the harness, and the prediction worker that
# runs a model with Lambda layers in the sandbox); a run sees nothing else of it.
RUN_IMPORTS = frozenset({"__init__.py", "harness", "datasets", "sandbox",
                         "judge/__init__.py", "judge/predict_worker.py"})
HOMES = (Path("/root"), Path("/home"))  # a run sees them empty, but for the Python it runs on


class LocalSandbox:
    name = "local"

    def __init__(self, use_namespaces: bool | None = None) -> None:
        self.unshare = namespace_command() if use_namespaces is not False else None
        if use_namespaces and self.unshare is None:
            raise SandboxUnavailable("Linux namespaces are not available here (unshare failed)")

    @property
    def isolation(self) -> tuple[str, ...]:
        if not self.unshare:
            return GROUP_ISOLATION
        return (*NAMESPACE_ISOLATION, UNPRIVILEGED) if self.switches_user else NAMESPACE_ISOLATION

    @property
    def switches_user(self) -> bool:
        """Root in the machine's own user namespace can hand the run to another user; a grader
        mapped to root in a namespace of its own (--map-root-user) has no other user to give."""
        return bool(self.unshare) and os.geteuid() == 0 and "--map-root-user" not in self.unshare

    def run(self, request: RunRequest, limits: RunLimits) -> RunResult:
        run_as = random.choice(RUN_UIDS) if self.switches_user else None
        if run_as is not None:
            hand_to_user(writable_folders(request.workspace, request.disk), run_as, run_as)
        command, env = self._command(request, limits, run_as)
        stdout, stderr = CappedText(limits.output_bytes), CappedText(limits.output_bytes)
        group = RunCgroup.create(limits.processes, kernel_memory_mb(limits.memory_mb, request.disk) * 2**20)
        started = time.monotonic()
        try:
            process = subprocess.Popen(command, cwd=request.workspace, env=env, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                       preexec_fn=functools.partial(_prepare_child, group, limits.file_mb, os.getpid()))
            readers = [drain(process.stdout, stdout), drain(process.stderr, stderr)]
            disk_watch = DiskWatch(request.disk, stop=functools.partial(kill_tree, process.pid))
            watch = _watch(process, limits, sample_memory=group is None)
            disk_full = disk_watch.close()
            leftover = end_tree(process.pid)
            for reader in readers:
                reader.join(timeout=5)
            if group is not None:
                watch.process_limit_hit |= group.fork_refused()
                watch.out_of_memory |= group.killed_for_memory() and not watch.timed_out
                watch.peak_bytes = max(group.peak_memory_bytes() or 0, watch.peak_bytes)
        finally:
            if group is not None:
                group.close()
        enforced = "enforced by the kernel (cgroup)" if group else "watched by the grader"
        isolation = (*self.isolation, f"memory and at most {limits.processes} processes and threads "
                     f"{enforced}", f"files up to {limits.file_mb:,} MB", space_bound(request.disk))
        return RunResult(
            backend=self.name, exit_code=process.returncode if process.returncode >= 0 else None,
            signal=-process.returncode if process.returncode < 0 else None,
            timed_out=watch.timed_out, out_of_memory=watch.out_of_memory,
            process_limit_hit=watch.process_limit_hit,
            wall_seconds=round(time.monotonic() - started, 2),
            peak_memory_mb=round(watch.peak_bytes / 2**20, 1),
            stdout=stdout.text(), stderr=stderr.text(),
            output_dropped_bytes=stdout.dropped + stderr.dropped,
            isolation=isolation, leftover_processes=leftover, disk_full=disk_full,
            disk_written=request.disk.what_was_written() if disk_full else "",
        )

    def _command(self, request: RunRequest, limits: RunLimits,
                 run_as: int | None) -> tuple[list[str], dict[str, str]]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "HOME": "/tmp" if self.unshare else str(request.workspace), **request.env,
               STUDENT_DATA_ENV: str(request.data_dir), "PYTHONPATH": str(GRADER_ROOT)}
        harness = [sys.executable, "-m", request.module, *request.harness_args]
        if not self.unshare:
            return harness, env
        confine = [sys.executable, "-m", "grader.sandbox.confine",
                   "--workspace", str(request.workspace), "--data", str(request.data_dir),
                   "--tmp-mb", str(limits.tmp_mb)]
        if request.disk is not None:
            confine += ["--tmp-from", str(request.disk.tmp), "--shm-from", str(request.disk.shm)]
        if run_as is not None:
            confine += ["--run-as", str(run_as)]
        homes = [home for home in HOMES if home.is_dir()] if run_as is not None else []
        for path in (*request.hidden, *(grader_private_paths() if run_as is not None else ())):
            confine += ["--hide", str(path)]
        for path in homes:
            confine += ["--empty", str(path)]
        for path in grader_paths_in_private_folders(homes):
            confine += ["--see", str(path)]
        return [*self.unshare, *confine, "--", *harness], env


# The folder holding this grader's package: the run imports the same code, wherever it is installed.
GRADER_ROOT = Path(grader.__file__).resolve().parent.parent


def grader_paths_in_private_folders(homes: list[Path] = ()) -> list[Path]:
    """Folders the run needs that lie where the sandbox mounts a private /tmp or /dev/shm, or
    empties a home folder: the grader's code and the Python it runs on (a clone or a venv under
    /tmp, a pyenv under /root)."""
    needed = {GRADER_ROOT, Path(sys.prefix), Path(sys.executable).resolve().parent,
              *(Path(entry) for entry in sys.path if entry)}
    private = [Path("/tmp"), Path("/dev/shm"), *homes]
    inside = {path.resolve() for path in needed
              if path.is_dir() and any(path.resolve().is_relative_to(p) and path.resolve() != p
                                       for p in private)}
    return sorted(path for path in inside if not any(path != other and path.is_relative_to(other)
                                                     for other in inside))


def grader_private_paths() -> list[Path]:
    """What a run must not read of the grader's beyond the evaluation data: when it runs from a
    checkout, all of it but the packages the harness imports."""
    needed = [path.resolve() for path in (GRADER_ROOT / "grader", Path(sys.prefix), Path(sys.executable).parent)]
    private: list[Path] = []
    if (GRADER_ROOT / "pyproject.toml").is_file():  # a checkout, not site-packages
        private += [path for path in GRADER_ROOT.iterdir() if path.name != "grader"]
        private += _hidden_within(GRADER_ROOT / "grader", "")
    return [path for path in private if path.exists() and not path.is_symlink()
            and not any(n == path.resolve() or n.is_relative_to(path.resolve()) for n in needed)]


def _hidden_within(folder: Path, prefix: str) -> list[Path]:
    """The entries of `folder` a run must not see: all but RUN_IMPORTS (a folder of which only
    some files are imported is opened up and hidden file by file)."""
    hidden = []
    for path in folder.iterdir():
        name = prefix + path.name
        if name in RUN_IMPORTS:
            continue
        if path.is_dir() and any(wanted.startswith(name + "/") for wanted in RUN_IMPORTS):
            hidden += _hidden_within(path, name + "/")
        else:
            hidden.append(path)
    return hidden


def _prepare_child(group: RunCgroup | None, file_mb: int, parent: int) -> None:
    """In the child before exec: die with the grader, cap file sizes, join the run's cgroup."""
    die_with_parent(parent)
    file_bytes = file_mb * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    if group is not None:
        group.join()


@functools.cache
def namespace_command() -> list[str] | None:
    """The `unshare` command line that works here, or None where namespaces are refused."""
    attempts = [_UNSHARE] if os.geteuid() == 0 else []
    attempts.append([*_UNSHARE, "--map-root-user"])
    for attempt in attempts:
        try:
            probe = subprocess.run([*attempt, "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return attempt
    return None


class _Watch:
    def __init__(self) -> None:
        self.timed_out = False
        self.out_of_memory = False
        self.process_limit_hit = False
        self.peak_bytes = 0


def _watch(process: subprocess.Popen, limits: RunLimits, sample_memory: bool) -> _Watch:
    """Wait for the process, enforcing the limits on its whole tree. `sample_memory`: enforce
    the memory limit from the tree's summed RSS (when no cgroup does it in the kernel)."""
    watch = _Watch()
    deadline = time.monotonic() + limits.time_seconds
    memory_limit = limits.memory_mb * 2**20
    while True:
        try:
            process.wait(timeout=POLL_SECONDS)
            return watch
        except subprocess.TimeoutExpired:
            pass
        tree = descendants(process.pid)
        used = sum(p.resident_bytes for p in tree.values())
        watch.peak_bytes = max(watch.peak_bytes, used)
        # Processes first: a fork bomb's copies share their memory, which RSS counts again each time.
        if sum(p.threads for p in tree.values()) >= limits.processes:
            watch.process_limit_hit = True
        elif sample_memory and used > memory_limit:
            watch.out_of_memory = True
        elif time.monotonic() > deadline:
            watch.timed_out = True
        else:
            continue
        kill_tree(process.pid)
        process.wait()
        return watch
