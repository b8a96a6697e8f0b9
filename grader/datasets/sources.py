"""Where a dataset's files are looked for, and how they are verified: once per file version.

A source's loader raises `Missing` (not on this machine: the next source is tried) or `Corrupt`
(present but failing its pinned SHA-256: reported, and the next source is tried).
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from grader.datasets.parts import Parts

SYSTEM_DATASETS = Path("/usr/share/datasets")


class Missing(Exception):
    """The source is not on this machine: normal, the next one is tried."""


class Corrupt(Exception):
    """The source is present but fails verification: reported, and the next one is tried."""


@dataclasses.dataclass(frozen=True)
class Source:
    origin: str  # for reports: where the data comes from
    load: Callable[[], Parts]  # raises Missing or Corrupt
    content: str  # the pinned hash(es) of the data: sources with equal content serve equal parts
    note: str = ""  # what a report should say about the data this source serves
    hashed: bool = True  # False for generated data: there is no file to verify


def keras_home() -> Path:
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")


def keras_datasets() -> Path:
    return keras_home() / "datasets"


def system_datasets() -> Path:
    """Where Debian's dataset packages install (GRADER_SYSTEM_DATASETS overrides it)."""
    return Path(os.environ.get("GRADER_SYSTEM_DATASETS") or SYSTEM_DATASETS)


def shown(path: Path) -> str:
    home = Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


def package_file(package: str, *parts: str) -> Path | None:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    return path if path.is_file() else None


def refetch(name: str) -> str:
    return f"delete it and run `grade data fetch {name}`"


class FileVersion(NamedTuple):
    """A file as it is now: a replaced or touched file is read again, an unchanged one is not."""

    path: str
    size: int
    mtime_ns: int


def file_version(path: Path) -> FileVersion:
    stat = path.stat()
    return FileVersion(str(path), stat.st_size, stat.st_mtime_ns)


def cached(loader: Callable[..., Parts], *args: FileVersion | str) -> Parts:
    """`loader(*args)`, remembered, failures included, so a bad file is not re-read per call.

    Pass files as `FileVersion`s: the memory is keyed by their size and modification time.
    """
    outcome = _load_once(loader, args)
    if isinstance(outcome, str):
        raise Corrupt(outcome)
    return outcome


@functools.lru_cache(maxsize=8)
def _load_once(loader: Callable[..., Parts], args: tuple[FileVersion | str, ...]) -> Parts | str:
    try:
        return loader(*args)
    except Corrupt as why:
        return str(why)


def check_sha256(data: bytes, expected: str, what: str, remedy: str) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise Corrupt(f"{what} failed verification (sha256 {actual[:12]}…, expected "
                      f"{expected[:12]}…): it is damaged or not the official file; {remedy}")


def verified_bytes(file: FileVersion, expected: str, remedy: str) -> bytes:
    data = Path(file.path).read_bytes()
    check_sha256(data, expected, Path(file.path).name, remedy)
    return data
