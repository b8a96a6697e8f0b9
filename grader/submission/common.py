"""What every way of handing in shares: the refusal, the limits, reading a script's text."""
from __future__ import annotations

import dataclasses
from pathlib import Path

# Folders that hold tooling, not the student's work (__MACOSX: resource forks from macOS zips).
SKIPPED_DIRS = ("__pycache__", ".ipynb_checkpoints", ".git", "__MACOSX")

# Zip bomb limits, checked on the archive's directory before anything is written; the size limit
# holds for whatever is handed in (a file, a folder), checked before it is copied.
MAX_MEMBERS = 10_000
MAX_UNPACKED_BYTES = 1 << 30  # 1 GiB

SKIP_PREFIX = "skipped by the grader: "


class SubmissionError(ValueError):
    """The submission cannot be run as handed in; the message tells the student what to change."""


@dataclasses.dataclass(frozen=True)
class SkippedLine:
    cell: int  # 1-based notebook code-cell number (counting code cells only)
    line: int  # 1-based line within that cell
    text: str  # the line as written, stripped
    reason: str  # "IPython magic" | "IPython magic without %" | "shell escape" | "cell magic"


def read_script(file: Path) -> str:
    """A script's text; a script that is not UTF-8 is refused (the sandbox reads UTF-8)."""
    data = file.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SubmissionError(
            f"{file.name} is not UTF-8 text (byte {data[error.start]:#04x} at position "
            f"{error.start}). Save it with UTF-8 encoding and hand it in again."
        ) from None
