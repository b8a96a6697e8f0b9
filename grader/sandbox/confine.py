"""The first program inside the local sandbox's namespaces: lock the view, drop power, exec.

    python -m grader.sandbox.confine --workspace DIR --data DIR [--hide PATH ...]
                                     [--see PATH ...] [--tmp-mb N] [--tmp-from DIR]
                                     [--shm-from DIR] [--empty DIR ...] [--run-as UID]
                                     -- COMMAND ...

`unshare` starts this as process 1 of new PID, mount and network namespaces, still root. Before
it runs the student's command it
  1. hides every path holding evaluation data (an empty read-only tmpfs over a folder,
     /dev/null over a file);
  2. empties the home folders (`--empty`), gives the run a private /tmp and /dev/shm (TensorFlow needs a writable /tmp): the folders
     of its bounded space (`--tmp-from`, `--shm-from`), else new tmpfs, and binds back,
     read-only, the folders under them the run needs (`--see`: the grader's own code or Python,
     when they are installed under /tmp or a home folder);
  3. makes every other mount read-only, except the workspace;
  4. drops every capability (so none of this can be undone: no umount, no remount), becomes the
     run's own unprivileged user (`--run-as`, where the grader is root) and sets no_new_privs,
     then execs the command, which becomes process 1.
Only the standard library is imported: this runs before anything of the student's.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys
from pathlib import Path

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC = 0x20, 0x1000, 0x4000
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_MOUNT_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC}

_libc = ctypes.CDLL(None, use_errno=True)


def main(argv: list[str] | None = None) -> None:
    try:
        confine_and_exec(_parser().parse_args(argv))
    except OSError as error:  # said so that the grader reports its own failure, not the student's
        sys.exit(f"confine: the sandbox could not start the run: {error}")


def confine_and_exec(args: argparse.Namespace) -> None:
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if not args.command:
        sys.exit("confine: no command given")
    writable = [args.workspace, Path("/tmp"), Path("/dev/shm"), Path("/proc")]
    # Held open: the workspace may lie under /tmp, which the private /tmp is about to cover.
    kept = {path: os.open(path, os.O_PATH | os.O_DIRECTORY)
            for path in (args.workspace, args.data, *args.see)}
    private = {"/tmp": args.tmp_from, "/dev/shm": args.shm_from}  # the run's bounded space, if any
    sources = {target: os.open(source, os.O_PATH | os.O_DIRECTORY) for target, source in private.items() if source}
    for path in args.hide:
        _hide(path)
    for path in args.empty:
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    for target in private:
        if target in sources:
            _bind(Path(f"/proc/self/fd/{sources[target]}"), Path(target))
            os.close(sources[target])
        else:
            _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={args.tmp_mb}m,mode=1777")
    for path, descriptor in kept.items():  # each its own mount, at its own path again
        path.mkdir(parents=True, exist_ok=True)
        _bind(Path(f"/proc/self/fd/{descriptor}"), path)
        os.close(descriptor)
    for mountpoint, options in _mounts():
        if not any(mountpoint == str(p) for p in writable):
            _remount_read_only(mountpoint, options)
    _drop_capabilities(args.run_as)
    os.chdir(args.workspace)
    os.execvpe(args.command[0], args.command, os.environ)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader.sandbox.confine")
    parser.add_argument("--workspace", type=_absolute, required=True)
    parser.add_argument("--data", type=_absolute, required=True)
    parser.add_argument("--hide", type=_absolute, action="append", default=[])
    parser.add_argument("--see", type=_absolute, action="append", default=[])
    parser.add_argument("--tmp-mb", type=int, default=1024)
    parser.add_argument("--tmp-from", type=_absolute, help="a folder to be /tmp (else a new tmpfs)")
    parser.add_argument("--shm-from", type=_absolute, help="a folder to be /dev/shm (else a new tmpfs)")
    parser.add_argument("--empty", type=_absolute, action="append", default=[],
                        help="a folder the run sees empty (home folders); what it needs comes back with --see")
    parser.add_argument("--run-as", type=int, help="the unprivileged user (uid = gid) to run the command as")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    return parser


def _absolute(text: str) -> Path:
    return Path(text).resolve()


def _mount(source: str | None, target: str | Path, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    encode = lambda s: None if s is None else os.fsencode(str(s))  # noqa: E731
    if _libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target}: {os.strerror(error)}")


def _bind(source: Path, target: Path) -> None:
    _mount(source, target, None, MS_BIND | MS_REC)


def _hide(path: Path) -> None:
    if path.is_dir():
        _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=555")
    elif path.exists():
        _bind(Path("/dev/null"), path)


def _mounts() -> list[tuple[str, set[str]]]:
    """Every mount point with its per-mount options, from /proc/self/mountinfo."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        target = fields[4].encode().decode("unicode_escape")  # "\040" is a space
        found.append((target, set(fields[5].split(","))))
    return found


def _remount_read_only(mountpoint: str, options: set[str]) -> None:
    # A remount must repeat the mount's locking flags, or the kernel refuses it.
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY
    for name, flag in _MOUNT_FLAGS.items():
        if name in options:
            flags |= flag
    try:
        _mount(None, mountpoint, None, flags)
    except OSError:
        pass  # a mount that is gone or refuses (e.g. under /proc); the rest still stand


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _drop_capabilities(run_as: int | None) -> None:
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for capability in range(last + 1):
        _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    if run_as is not None:  # the last use of CAP_SETUID: a user of its own, in no group of ours
        os.setgroups([])
        os.setresgid(run_as, run_as, run_as)
        os.setresuid(run_as, run_as, run_as)
        # A change of user clears the parent-death signal `unshare --kill-child` set: arm it again,
        # or a run whose grader is killed outlives it.
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    if _libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "no_new_privs failed")


if __name__ == "__main__":
    main()
