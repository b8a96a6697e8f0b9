"""Process helpers the local sandbox and the evaluator's worker share: dying with the grader,
and finding, measuring and killing a whole process tree from /proc."""
from __future__ import annotations

import ctypes
import os
import signal
import time
from typing import NamedTuple

_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def die_with_parent(parent: int) -> None:
    """In the child before exec: be killed if the grader (`parent`, its pid taken before the
    fork) dies (SIGKILL, a crash), so no run outlives it; with namespaces, the whole run goes
    with this first process."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the grader died between the fork and the line above
        os.kill(os.getpid(), signal.SIGKILL)


class ProcessStat(NamedTuple):
    parent: int
    group: int
    resident_bytes: int
    threads: int
    state: str


def alive(pid: int) -> bool:
    """Whether process `pid` exists (one of another user's counts: it is alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def processes_by_pid() -> dict[int, ProcessStat]:
    """Every process we can see, by pid, from /proc/PID/stat."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue  # it ended while we looked
        found[int(entry.name)] = ProcessStat(parent=int(fields[1]), group=int(fields[2]),
                                          resident_bytes=int(fields[21]) * _PAGE_BYTES,
                                          threads=int(fields[17]), state=fields[0].decode())
    return found


def descendants(root: int, processes: dict[int, ProcessStat] | None = None) -> dict[int, ProcessStat]:
    """The process and all its descendants, by pid."""
    processes = processes_by_pid() if processes is None else processes
    children: dict[int, list[int]] = {}
    for pid, process in processes.items():
        children.setdefault(process.parent, []).append(pid)
    tree, pending = {}, [root]
    while pending:
        pid = pending.pop()
        if pid in processes and pid not in tree:
            tree[pid] = processes[pid]
            pending.extend(children.get(pid, ()))
    return tree


def run_members(root: int) -> set[int]:
    """The run's live processes: the tree under its first process, and its process group
    (which keeps children whose parent died). Pids seen earlier are never reused as targets."""
    processes = processes_by_pid()
    members = {pid for pid, process in processes.items() if process.group == root}
    members |= set(descendants(root, processes))
    return {pid for pid in members if pid in processes and processes[pid].state not in ("Z", "X")}


def kill_tree(root: int) -> None:
    for pid in run_members(root):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        os.killpg(root, signal.SIGKILL)  # the group: children that left the tree's parentage
    except (ProcessLookupError, PermissionError):
        pass


def end_tree(root: int) -> int:
    """Kill whatever the run left behind; return how many of its processes still live after
    30 s (the kernel can take seconds to tear down hundreds of killed TensorFlow processes)."""
    deadline = time.monotonic() + 30
    while True:
        kill_tree(root)
        alive = run_members(root) - {root}  # the first process is reaped by Popen, never a leftover
        if not alive or time.monotonic() > deadline:
            return len(alive)
        time.sleep(0.05)
