"""A notebook handed in, turned into one script: its code cells in order, with the IPython lines
plain Python cannot run (magics, shell escapes, automagics without %) commented out and listed
for the report as `SkippedLine`s."""
from __future__ import annotations

import dataclasses
import io
import re
import tokenize
import warnings
from pathlib import Path

import nbformat

from grader.submission.common import (
    SKIP_PREFIX,
    SkippedLine,
    SubmissionError,
    read_script,
)


@dataclasses.dataclass(frozen=True)
class ConvertedNotebook:
    source: str
    line_map: tuple[tuple[int, int], ...]
    skipped: tuple[SkippedLine, ...]
    notes: list[str]
    code_cells: int


# `x = !ls`, `a, b = %sx ls`: IPython assigns a shell escape's or magic's output.
_MAGIC_ASSIGNMENT = re.compile(r"^[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*([!%])")

# What nbformat raises on JSON that is not a notebook (a list, missing keys, unknown version).
_NOTEBOOK_ERRORS = (ValueError, KeyError, TypeError, AttributeError, nbformat.ValidationError)


def convert_notebook(file: Path) -> ConvertedNotebook:
    """Join a notebook's code cells into one script, with IPython-only lines made harmless."""
    code_cells = [cell.source for cell in read_notebook(file).cells if cell.cell_type == "code"]
    lines: list[str] = [f"# Converted from {file.name} by the grader: its code cells in order."]
    line_map: list[tuple[int, int]] = [(0, 0)]
    skipped: list[SkippedLine] = []
    notes: list[str] = []
    for number, cell_source in enumerate(code_cells, start=1):
        cell_lines = re.split(r"\r\n|\r|\n", cell_source)
        if cell_lines[-1] == "":
            cell_lines.pop()
        if not any(line.strip() for line in cell_lines):
            continue
        first = next(line.strip() for line in cell_lines if line.strip())
        if first.startswith("%%"):
            converted, cell_skipped = _comment_out_cell(number, cell_lines)
            notes.append(f"Cell {number} starts with the cell magic `{first}`, which only Jupyter "
                         f"understands, so the grader skipped the whole cell.")
        else:
            converted, cell_skipped = _neutralise_magics(number, cell_lines)
        lines += ["", f"# --- cell {number} ---"]
        line_map += [(0, 0), (0, 0)]
        lines += converted
        line_map += [(number, i) for i in range(1, len(converted) + 1)]
        skipped += cell_skipped
    return ConvertedNotebook("\n".join(lines) + "\n", tuple(line_map), tuple(skipped), notes,
                             len(code_cells))


def read_notebook(file: Path) -> nbformat.NotebookNode:
    """A notebook of any nbformat version, upgraded to version 4."""
    text = read_script(file)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns about missing cell ids; harmless here
            return nbformat.reads(text, as_version=4)
    except _NOTEBOOK_ERRORS as error:
        detail = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise SubmissionError(
            f"{file.name} is not a valid Jupyter notebook ({detail}). Download it again "
            f"from Jupyter or Colab (File > Download > .ipynb) and hand that file in."
        ) from None


def _neutralise_magics(cell: int, cell_lines: list[str]) -> tuple[list[str], list[SkippedLine]]:
    # `pass` keeps the original indentation, so a magic inside an `if` block leaves it valid.
    converted, skipped = [], []
    continuations = _continuation_rows(cell_lines)
    for number, line in enumerate(cell_lines, start=1):
        stripped = line.strip()
        reason = None if number in continuations else _magic_reason(stripped)
        if reason is None:
            converted.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        converted.append(f"{indent}pass  # {SKIP_PREFIX}{stripped}")
        skipped.append(SkippedLine(cell, number, stripped, reason))
    return converted, skipped


def _continuation_rows(cell_lines: list[str]) -> set[int]:
    """Lines that continue a statement begun above, inside brackets or a multi-line string.

    IPython recognises magics only where a statement starts: on these lines a leading `%` is
    Python's modulo and a leading `!` belongs to `!=` or to the string's text."""
    rows: set[int] = set()
    depth = 0
    readline = io.StringIO("\n".join(cell_lines) + "\n").readline
    try:
        for token in tokenize.generate_tokens(readline):
            (start, _), (end, _) = token.start, token.end
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth = max(depth - 1, 0)
            elif token.type == tokenize.NL and depth:
                rows.add(end + 1)
            rows.update(range(start + 1, end + 1))  # a token spanning lines: a multi-line string
    except (tokenize.TokenError, SyntaxError):
        pass  # a cell Python cannot tokenize: the lines seen so far are still right
    return rows


def _magic_reason(stripped: str) -> str | None:
    marker = stripped[:1]
    assignment = _MAGIC_ASSIGNMENT.match(stripped)
    if assignment:
        marker = assignment.group(1)
    reason = {"!": "shell escape", "%": "IPython magic"}.get(marker)
    if reason is None and _is_automagic(stripped):
        reason = "IPython magic without %"
    return reason


# Line magics and shell aliases IPython runs without their `%` (automagic, on by default), as in
# `pip install seaborn`, `cd data`, `ls`, `matplotlib inline`.
AUTOMAGICS = frozenset("""
    alias autocall automagic autosave bookmark cat cd clear colors conda config cp debug dhist
    dirs env gui hist history less load load_ext ldir lf lk ll ls lsmagic lx macro magic man
    matplotlib mkdir more mv notebook page pdb pip popd pprint precision prun pushd pwd pycat
    pylab rehashx reload_ext rerun reset rm rmdir run save sc set_env store sx system tb time
    timeit unalias unload_ext who who_ls whos xdel xmode tensorflow_version
""".split())
# A lone word IPython would run as a magic rather than show as a variable (`history` and
# `time` are too often the student's own names to guess).
_LONE_AUTOMAGICS = frozenset({"ls", "ll", "pwd", "cd", "clear", "lsmagic", "who", "whos", "dhist", "dirs"})


def _is_automagic(stripped: str) -> bool:
    """A line IPython reads as a magic without `%`: its first word names one and the line is
    not Python (a lone word counts only for the unambiguous ones)."""
    words = stripped.split(None, 1)
    if not words or words[0] not in AUTOMAGICS:
        return False
    if len(words) == 1:
        return words[0] in _LONE_AUTOMAGICS
    if words[1].startswith("-") and not words[1][1:2].isspace():  # `ls -la`: options, not a minus
        return True
    try:
        compile(stripped, "<line>", "exec")
    except SyntaxError:
        return True
    return False


def _comment_out_cell(cell: int, cell_lines: list[str]) -> tuple[list[str], list[SkippedLine]]:
    converted, skipped = [], []
    for number, line in enumerate(cell_lines, start=1):
        stripped = line.strip()
        if not stripped:
            converted.append("")
            continue
        indent = line[: len(line) - len(line.lstrip())]
        converted.append(f"{indent}# {SKIP_PREFIX}{stripped}")
        skipped.append(SkippedLine(cell, number, stripped, "cell magic"))
    return converted, skipped


