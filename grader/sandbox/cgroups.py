"""Kernel-enforced limits for a local run: a cgroup for its processes and one for its memory.

Where the grader may create cgroups (root, with cgroup v1's `pids` and `memory` controllers or
cgroup v2), each run gets a `grader-…` group under the grader's own, capped at the run's process
count and memory, and the run's first process joins it before exec, so everything the run starts
is counted. The kernel then refuses a fork bomb's forks at the limit and counts each page once
(a forked copy's shared pages are not counted again, as summing RSS would). Afterwards the
group's event counters say whether a fork was refused or a process was killed for memory.
Where cgroups are out of reach the local sandbox's watchdog counts and samples instead.
"""
from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


class RunCgroup:
    def __init__(self, folders: dict[str, Path], version: int) -> None:
        self.folders = folders  # controller ("pids", "memory") → the run's group folder
        self.version = version

    @classmethod
    def create(cls, processes: int, memory_bytes: int) -> "RunCgroup | None":
        """A new group with both limits, or None where they cannot both be set here."""
        name = f"grader-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        if (CGROUP_ROOT / "pids").is_dir() and (CGROUP_ROOT / "memory").is_dir():  # v1
            group = cls({c: _own_group(c) / name for c in ("pids", "memory")}, version=1)
            settings = {"pids": {"pids.max": processes},
                        "memory": {"memory.limit_in_bytes": memory_bytes,
                                   "memory.memsw.limit_in_bytes": memory_bytes}}
        elif (CGROUP_ROOT / "cgroup.controllers").is_file():  # v2
            folder = _own_group("") / name
            group = cls({"pids": folder, "memory": folder}, version=2)
            settings = {"pids": {"pids.max": processes, "memory.max": memory_bytes, "memory.swap.max": 0}}
        else:
            return None
        try:
            for controller, values in settings.items():
                folder = group.folders[controller]
                folder.mkdir()
                for file, value in values.items():
                    if file == "memory.memsw.limit_in_bytes" and not (folder / file).exists():
                        continue  # no swap accounting in this kernel: there is no swap to limit
                    (folder / file).write_text(str(value))
        except OSError:
            group.close()
            return None
        return group

    def join(self) -> None:
        """Move the calling process into the group (called in the child, before exec)."""
        for folder in set(self.folders.values()):
            with open(folder / "cgroup.procs", "w") as procs:
                procs.write("0")  # 0: the writer itself

    def fork_refused(self) -> bool:
        return bool(fork_refused(self.folders["pids"] / "pids.events"))

    def killed_for_memory(self) -> bool:
        events = "memory.oom_control" if self.version == 1 else "memory.events"
        return (_counter(self.folders["memory"] / events, "oom_kill") or 0) > 0

    def peak_memory_bytes(self) -> int:
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.folders["memory"] / name).read_text())
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        """Remove the group; it must be empty, so wait briefly for the last exits."""
        for folder in set(self.folders.values()):
            _remove(folder)


def fork_refused(events: Path) -> bool | None:
    """Whether a pids group refused a fork or thread at its limit, from its `pids.events`;
    None when the file cannot be read."""
    refused = _counter(events, "max")
    return None if refused is None else refused > 0


def _counter(path: Path, key: str) -> int | None:
    """A counter from a cgroup file of "key value" lines: 0 when the key is missing, None when
    the file cannot be read."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) == 2 and fields[0] == key and fields[1].isdigit():
            return int(fields[1])
    return 0


def _own_group(controller: str) -> Path:
    """This process's group for `controller` ("" for cgroup v2), from /proc/self/cgroup."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _number, controllers, path = line.split(":", 2)
        if controller in controllers.split(",") or (not controller and not controllers):
            return CGROUP_ROOT / controller / path.lstrip("/")
    return CGROUP_ROOT / controller


def _remove(folder: Path) -> None:
    for _attempt in range(50):
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:  # still busy: a process of the run is being reaped
            time.sleep(0.02)
