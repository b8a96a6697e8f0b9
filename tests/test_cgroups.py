"""The local sandbox's cgroups: the kernel caps a run's processes and memory, and says so.

Skipped where cgroups cannot be made (not root, no controllers); the local sandbox then counts
and samples instead, which tests/test_hostile.py covers through the same verdicts.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from grader.sandbox.cgroups import RunCgroup

PROBE = RunCgroup.create(processes=64, memory_bytes=2**30)
if PROBE is not None:
    PROBE.close()
pytestmark = pytest.mark.skipif(PROBE is None, reason="cgroups cannot be made here")


def run_in(group: RunCgroup, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], preexec_fn=group.join, capture_output=True,
                          text=True, timeout=60)


def test_forks_past_the_limit_are_refused_and_counted():
    group = RunCgroup.create(processes=8, memory_bytes=2**30)
    try:
        result = run_in(group, "import os, time\n"
                               "for _ in range(20):\n"
                               "    if os.fork() == 0:\n"
                               "        time.sleep(2); os._exit(0)\n")
        assert "BlockingIOError" in result.stderr
        assert group.fork_refused()
    finally:
        group.close()
    assert not any(folder.exists() for folder in group.folders.values())


def test_memory_past_the_limit_is_killed_by_the_kernel_and_counted():
    group = RunCgroup.create(processes=64, memory_bytes=200 * 2**20)
    try:
        result = run_in(group, "hoard = [bytearray(16 * 2**20) for _ in range(40)]")
        assert result.returncode == -9
        assert group.killed_for_memory()
        assert group.peak_memory_bytes() >= 190 * 2**20
    finally:
        group.close()


def test_a_run_within_its_limits_leaves_no_trace():
    group = RunCgroup.create(processes=64, memory_bytes=2**30)
    try:
        assert run_in(group, "print(sum(range(10)))").stdout.strip() == "45"
        assert not group.fork_refused() and not group.killed_for_memory()
    finally:
        group.close()
