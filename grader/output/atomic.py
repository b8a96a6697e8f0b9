"""Writing the grader's own files (results, exports, reports) whole or not at all.

Each file is written to a temporary file beside it, flushed to disk, then renamed over the old
one: a crash or a full disk at any moment leaves the old file or the new one, never half of one.
A grader killed between the write and the rename leaves its temporary file, named with its pid:
the next batch removes it (`remove_abandoned`). A write the disk refuses (full, a quota,
read-only, an I/O error) raises `OutputUnwritable`, which stops a batch with one message: nothing
the grader cannot keep is worth grading on, and a re-run after space is freed resumes where it
stopped.
"""
from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path

from grader.sandbox.processes import alive

# The errors that mean "this disk will not take the grader's output", as opposed to a bug.
DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG}


# A temporary file's name: .NAME.PID.RANDOM.tmp, the pid of the grader that writes it.
TEMPORARY = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")

# The mode a new file gets (mkstemp's is 0600): read once, while the grader has one thread.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class OutputUnwritable(OSError):
    """The grader cannot write its own output; the message names the file, the reason and what to do."""


def write_atomically(path: Path, data: str | bytes) -> Path:
    """Replace `path` with `data` (text is UTF-8) in one step; see the module's docstring."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.",
                                             suffix=".tmp")
    except OSError as error:
        raise unwritable(path, error) from None
    try:
        os.fchmod(handle, 0o666 & ~_UMASK)
        with os.fdopen(handle, "wb") as out:
            out.write(raw)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except OSError as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise unwritable(path, error) from None
    return path


def remove_abandoned(folder: Path) -> None:
    """Remove the temporary files a killed grader left in `folder` (between its write and its
    rename), those whose writer is gone; a grader still writing there keeps its own."""
    for path in Path(folder).glob(".*.tmp"):
        found = TEMPORARY.match(path.name)
        if found and not alive(int(found.group(1))):
            try:
                path.unlink()
            except OSError:
                pass


def unwritable(path: Path, error: OSError) -> OSError:
    """`OutputUnwritable` for a disk's refusal; any other error as it was (the grader's bug)."""
    if error.errno not in DISK_ERRORS:
        return error
    return OutputUnwritable(error.errno, f"the grader cannot write {path}: {os.strerror(error.errno)}. "
                            "Free space there (or choose another folder with --out) and run the same "
                            "command again: every result already written is kept, and grading resumes "
                            "where it stopped")
