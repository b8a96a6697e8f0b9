"""The bounded writable space of one run: one tmpfs holding its workspace, /tmp and /dev/shm.

Before a run the grader mounts a tmpfs of the run's size (`disk_mb`) and number of files and
folders (`files`) in the run folder, copies the hand-in into it, and both backends give the run
that space and no other: the workspace, /tmp and /dev/shm are its three folders (bound into the
local sandbox's namespace, mounted into the container). The kernel refuses any write beyond
either limit ("No space left on device"); `DiskWatch` ends the run when it sees the space full,
so the student gets `disk_limit`, not a crash somewhere later. After the run the grader reads
the model and the run record from it, and unmounts it: nothing is left on the host.

A tmpfs lives in memory, and the kernel charges its pages to the memory cgroup of the process
that wrote them: the run's. So the run's memory limit, as the kernel enforces it, is its memory
limit plus its disk limit (`kernel_memory_mb`), and a batch reserves both per job. The host's
disk is not used at all. Mounting needs root; elsewhere `bounded_disk` yields None and the run
writes to the run folder on disk, bounded only per file (the sandbox says so).
"""
from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from grader.sandbox.processes import alive

MS_NOSUID, MS_NODEV, MNT_DETACH = 0x2, 0x4, 0x2
# The tmpfs's source name: its grader's pid, so a grader killed mid-run has its mounts swept.
SOURCE_PREFIX = "grader-run-disk-"
# Folders of the space itself (its root, the workspace, /tmp, /dev/shm) count as files too.
OWN_FOLDERS = 4
POLL_SECONDS = 0.05
# Less than this free counts as full: tmpfs refuses a write that does not fit whole pages.
FULL_MARGIN_BYTES = 2**20

_libc = ctypes.CDLL(None, use_errno=True)


class DiskTooSmall(OSError):
    """The hand-in itself does not fit in the space a run may write."""


@dataclasses.dataclass(frozen=True)
class RunDisk:
    root: Path  # the tmpfs mount point
    size_mb: int
    files: int

    @property
    def workspace(self) -> Path:
        return self.root / "workspace"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def shm(self) -> Path:
        return self.root / "shm"

    def full(self) -> str:
        """"space" or "files" when that limit is reached, else ""."""
        try:
            stats = os.statvfs(self.root)
        except OSError:
            return ""
        if stats.f_ffree == 0:
            return "files"
        if stats.f_bavail * stats.f_frsize < FULL_MARGIN_BYTES:
            return "space"
        return ""

    def what_was_written(self) -> str:
        """What fills the space, in the student's paths (the workspace's relative to it): totals,
        the largest files, the folder holding most files."""
        sizes: list[tuple[int, str]] = []
        per_folder: dict[str, int] = {}
        places = ((self.workspace, "."), (self.tmp, "/tmp"), (self.shm, "/dev/shm"))
        for base, shown in places:
            for folder, folders, files in os.walk(base):
                where = os.path.normpath(os.path.join(shown, os.path.relpath(folder, base)))
                per_folder[where] = len(files) + len(folders)
                for name in files:
                    try:
                        size = os.lstat(os.path.join(folder, name)).st_blocks * 512
                    except OSError:
                        continue
                    sizes.append((size, os.path.normpath(os.path.join(where, name))))
        total = sum(size for size, _ in sizes)
        count = sum(per_folder.values())
        sizes.sort(reverse=True)
        largest = ", ".join(f"{path} ({size / 2**20:,.0f} MB)" for size, path in sizes[:3] if size >= 2**20)
        text = f"it had written {total / 2**20:,.0f} MB in {count:,} files and folders"
        if largest:
            text += f"; the largest: {largest}"
        crowded = max(per_folder.items(), key=lambda item: item[1], default=("", 0))
        if crowded[1] >= 50 and crowded[1] * 2 > count:  # a flood: say where
            text += f"; {crowded[1]:,} of them in {'the workspace' if crowded[0] == '.' else crowded[0] + '/'}"
        return text


def kernel_memory_mb(memory_mb: int, disk: RunDisk | None) -> int:
    """The memory the kernel lets the run have: its files live in memory when the space is a tmpfs."""
    return memory_mb + (disk.size_mb if disk else 0)


def writable_folders(workspace: Path, disk: RunDisk | None) -> list[Path]:
    """What a run writes: its workspace, and its /tmp and /dev/shm when they are in its space."""
    return [workspace, *((disk.tmp, disk.shm) if disk else ())]


def hand_to_user(folders: list[Path], uid: int, gid: int) -> None:
    """Give the run's user the folders it writes (and nothing else of the grader's): it owns
    every file in them, and no other user may enter them (another run, where its paths are
    visible). A grader that is not root opens them to everyone instead."""
    try:
        for top in folders:
            for root, subfolders, files in os.walk(top):
                for name in (*subfolders, *files):
                    os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)
            os.chown(top, uid, gid)
            os.chmod(top, 0o700)
    except PermissionError:
        for top in folders:
            for root, subfolders, _files in os.walk(top):
                for name in subfolders:
                    os.chmod(os.path.join(root, name), 0o777)
            os.chmod(top, 0o777)


def space_bound(disk: RunDisk | None) -> str:
    """What bounds the space a run writes, in the words of a run's isolation."""
    if disk is None:
        return "no bound on the total written (no tmpfs could be mounted here)"
    return (f"workspace, /tmp and /dev/shm: {disk.size_mb:,} MB and {disk.files:,} files together "
            "(a tmpfs counted in the run's memory)")


@contextlib.contextmanager
def bounded_disk(folder: Path, workspace: Path, size_mb: int, files: int,
                 keep: bool = False) -> Iterator[RunDisk | None]:
    """Mount the run's space in `folder`, move `workspace` into it, and unmount it on the way out
    (copying the workspace back first when `keep`). Yields None where no tmpfs can be mounted.
    Raises DiskTooSmall when the hand-in does not fit."""
    sweep_leftover_disks()
    disk = RunDisk(folder / "disk", size_mb, files)
    disk.root.mkdir()
    try:
        mount_tmpfs(disk.root, f"size={size_mb}m,nr_inodes={files + OWN_FOLDERS},mode=0711")
    except OSError:
        disk.root.rmdir()
        yield None
        return
    try:
        for private in (disk.tmp, disk.shm):
            private.mkdir()
            private.chmod(0o1777)
        try:
            shutil.copytree(workspace, disk.workspace, symlinks=True)
        except (OSError, shutil.Error) as error:
            raise DiskTooSmall(f"the hand-in does not fit in the {size_mb:,} MB and {files:,} "
                               f"files a run may write ({error})") from None
        shutil.rmtree(workspace)
        yield disk
    finally:
        try:
            if keep and disk.workspace.is_dir():
                shutil.rmtree(workspace, ignore_errors=True)
                shutil.copytree(disk.workspace, workspace, symlinks=True)
        finally:  # whatever the copy met, nothing stays mounted
            unmount(disk.root)
            disk.root.rmdir()


def mount_tmpfs(target: Path, options: str) -> None:
    source = f"{SOURCE_PREFIX}{os.getpid()}".encode()
    if _libc.mount(source, os.fsencode(target), b"tmpfs", MS_NOSUID | MS_NODEV, options.encode()) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target}: {os.strerror(error)}")


def unmount(target: Path) -> None:
    """Detach at once, even while something still holds a file open in it; the memory is freed
    when the last one lets go."""
    if _libc.umount2(os.fsencode(target), MNT_DETACH) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"umount {target}: {os.strerror(error)}")


def sweep_leftover_disks() -> int:
    """Unmount the spaces of graders that are gone (killed mid-run, a power cut)."""
    swept = 0
    for source, target in _tmpfs_mounts():
        owner = source[len(SOURCE_PREFIX):]
        if owner.isdigit() and not alive(int(owner)):
            with contextlib.suppress(OSError):
                unmount(Path(target))
                swept += 1
    return swept


def mounted_disks(owner: int | None = None) -> list[str]:
    """Mount points of run spaces mounted now: of the grader whose pid is `owner`, or of any."""
    return [target for source, target in _tmpfs_mounts()
            if owner is None or source == f"{SOURCE_PREFIX}{owner}"]


def _tmpfs_mounts() -> list[tuple[str, str]]:
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        before, _dash, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(tail) >= 2 and tail[0] == "tmpfs" and tail[1].startswith(SOURCE_PREFIX):
            found.append((tail[1], fields[4].encode().decode("unicode_escape")))
    return found


class DiskWatch:
    """Ends a run as soon as its space is full: polls the free space and files every 50 ms.
    A run that fills its space and frees it again within that time is only refused the write."""

    def __init__(self, disk: RunDisk | None, stop: Callable[[], None]) -> None:
        self.disk, self.stop = disk, stop
        self.hit = ""  # "space" or "files"
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)
        if disk is not None:
            self._thread.start()

    def _follow(self) -> None:
        while not self._done.wait(POLL_SECONDS):
            self.hit = self.disk.full()
            if self.hit:
                with contextlib.suppress(Exception):  # the run may be ending already
                    self.stop()
                return

    def close(self) -> str:
        """Stop watching; what was full, counting a run that ended with its space full."""
        if self.disk is None:
            return ""
        self._done.set()
        self._thread.join()
        return self.hit or self.disk.full()
