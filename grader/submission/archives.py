"""A .zip of a folder, unpacked safely: member count and unpacked size are capped, and no
member may escape the workspace (absolute paths, `..`, links)."""
from __future__ import annotations

import re
import shutil
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from grader.submission.common import (
    MAX_MEMBERS,
    MAX_UNPACKED_BYTES,
    SKIPPED_DIRS,
    SubmissionError,
)


def unpack_zip(archive_path: Path, workspace: Path) -> None:
    """Extract a zip into `workspace`, refusing the whole archive if any member is unsafe."""
    try:
        with zipfile.ZipFile(archive_path) as archive:
            members = [m for m in archive.infolist() if not _is_tooling(m.filename)]
            _check_archive(archive_path, archive.infolist(), workspace)
            for member in members:
                _extract(archive, member, workspace)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error) as error:
        raise SubmissionError(f"{archive_path.name} is not a readable zip archive ({error}). "
                              f"Zip the folder again and hand in the new file.") from None
    except RuntimeError as error:  # zipfile's word for an encrypted member
        raise SubmissionError(f"{archive_path.name} cannot be unpacked ({error}). Hand in a zip "
                              f"without a password.") from None


def _is_tooling(name: str) -> bool:
    return any(part in SKIPPED_DIRS for part in PurePosixPath(name).parts)


def _check_archive(archive_path: Path, members: list[zipfile.ZipInfo], workspace: Path) -> None:
    # Totals first: the declared sizes are all we can trust before decompressing anything.
    if len(members) > MAX_MEMBERS:
        raise SubmissionError(f"{archive_path.name} holds {len(members)} files; the grader accepts "
                              f"at most {MAX_MEMBERS}. Hand in only your code and model.")
    total = sum(member.file_size for member in members)
    if total > MAX_UNPACKED_BYTES:
        raise SubmissionError(f"{archive_path.name} unpacks to {total / 2**20:,.0f} MiB; the grader "
                              f"accepts at most {MAX_UNPACKED_BYTES / 2**20:.0f} MiB. Leave the "
                              f"datasets out: the grader provides them.")
    root = workspace.resolve()
    for member in members:
        problem = _unsafe_member(member, root)
        if problem:
            raise SubmissionError(f"{archive_path.name} was refused: the member {member.filename!r} "
                                  f"{problem}. Zip the folder again with your file manager's "
                                  f"'compress' command.")


def _unsafe_member(member: zipfile.ZipInfo, root: Path) -> str | None:
    name = member.filename
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "has an absolute path"
    if ".." in re.split(r"[/\\]", name):
        return "climbs out of the folder with '..'"
    if stat.S_ISLNK(member.external_attr >> 16):
        return "is a symbolic link"
    target = (root / name).resolve()
    if target != root and root not in target.parents:
        return "would be written outside the folder"
    return None


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, workspace: Path) -> None:
    target = workspace / member.filename
    if member.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    # zipfile stops at the declared size and checks the CRC, so the totals checked above hold.
    with archive.open(member) as source, open(target, "wb") as destination:
        shutil.copyfileobj(source, destination)


