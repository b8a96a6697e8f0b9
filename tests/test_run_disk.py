"""The bounded space of a run and the grader's own writes, on real tmpfs mounts (root only).

Whole runs that fill their space are in the hostile corpus (tests/test_hostile.py, both
backends); these check the pieces in a second: the space refuses what is over its size or file
count and says what filled it, the hand-in must fit, nothing stays mounted, and the grader's own
files are written whole or not at all.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from grader.output.atomic import OutputUnwritable, write_atomically
from grader.sandbox.run_disk import DiskTooSmall, DiskWatch, bounded_disk, mount_tmpfs, mounted_disks, unmount

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


def hand_in(folder: Path) -> Path:
    workspace = folder / "workspace"
    workspace.mkdir(parents=True)
    (workspace / "solution.py").write_text("print('hi')\n")
    return workspace


def test_the_space_refuses_writes_over_its_size_and_says_what_filled_it(tmp_path):
    with bounded_disk(tmp_path, hand_in(tmp_path), size_mb=8, files=100) as disk:
        assert (disk.workspace / "solution.py").read_text() == "print('hi')\n"
        assert not (tmp_path / "workspace").exists()  # moved in, not copied beside
        assert disk.full() == ""
        with pytest.raises(OSError, match="No space left on device"), open(disk.tmp / "big.bin", "wb") as big:
            big.write(bytes(16 * 2**20))
        assert disk.full() == "space"
        assert "/tmp/big.bin (8 MB)" in disk.what_was_written()
    assert mounted_disks(owner=os.getpid()) == []
    assert not (tmp_path / "disk").exists()


def test_the_space_refuses_files_over_its_count(tmp_path):
    with bounded_disk(tmp_path, hand_in(tmp_path), size_mb=8, files=100) as disk:
        (disk.workspace / "flood").mkdir()
        with pytest.raises(OSError, match="No space left on device"):
            for number in range(1000):
                (disk.workspace / "flood" / str(number)).touch()
        assert disk.full() == "files"
        assert "in flood/" in disk.what_was_written()


def test_the_watch_stops_a_run_when_the_space_fills(tmp_path):
    stopped = []
    with bounded_disk(tmp_path, hand_in(tmp_path), size_mb=8, files=100) as disk:
        watch = DiskWatch(disk, stop=lambda: stopped.append(True))
        with pytest.raises(OSError), open(disk.shm / "fill", "wb") as fill:
            fill.write(bytes(9 * 2**20))
        for _ in range(100):
            if stopped:
                break
            time.sleep(0.02)
        assert watch.close() == "space" and stopped == [True]


def test_a_hand_in_larger_than_the_space_is_refused_and_nothing_stays_mounted(tmp_path):
    workspace = hand_in(tmp_path)
    (workspace / "data.bin").write_bytes(bytes(3 * 2**20))
    with pytest.raises(DiskTooSmall, match="does not fit in the 2 MB"):
        with bounded_disk(tmp_path, workspace, size_mb=2, files=100):
            pass
    assert mounted_disks(owner=os.getpid()) == []


def test_a_kept_run_folder_keeps_the_workspace_after_unmounting(tmp_path):
    with bounded_disk(tmp_path, hand_in(tmp_path), size_mb=8, files=100, keep=True) as disk:
        (disk.workspace / "mymodel.h5").write_bytes(b"model")
    assert (tmp_path / "workspace" / "mymodel.h5").read_bytes() == b"model"


def test_the_graders_own_file_is_whole_or_absent_on_a_full_disk(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    mount_tmpfs(out, "size=64k")
    try:
        write_atomically(out / "anna.json", "{}")
        with pytest.raises(OutputUnwritable, match="No space left on device.*run the same command again"):
            write_atomically(out / "ben.json", "x" * 2**20)
        assert sorted(os.listdir(out)) == ["anna.json"]  # no half of ben.json, no temporary file
    finally:
        unmount(out)
