"""What a student handed in, turned into a workspace the sandbox can run.

`open_submission(path, workspace)` accepts a script (.py), a notebook (.ipynb), a saved model
(.h5 / .keras), a folder or a .zip of a folder. It copies the student's files into `workspace`,
converts a notebook's code cells into one script, picks the entry point of a folder and returns a
`Submission` saying what will run and why. Anything that cannot run as handed in is refused with
a `SubmissionError` whose message tells the student what to change.
"""
from __future__ import annotations

import dataclasses
import io
import re
import shutil
import tokenize
from pathlib import Path, PurePosixPath

from grader.submission.archives import unpack_zip
from grader.submission.common import (
    MAX_UNPACKED_BYTES,
    SKIPPED_DIRS,
    SkippedLine,
    SubmissionError,
    read_script,
)
from grader.submission.notebooks import convert_notebook

__all__ = ["MODEL_SUFFIXES", "SCRIPT_SUFFIXES", "SkippedLine", "Submission", "SubmissionError",
           "open_submission", "strip_comments"]

SCRIPT_SUFFIXES = (".py", ".ipynb")
MODEL_SUFFIXES = (".h5", ".keras")
ACCEPTED = "a .py script, an .ipynb notebook, a .h5 or .keras model, a folder or a .zip of a folder"

# Files that are never the entry point even when they are the only other script in the folder.
NOT_ENTRY_POINTS = ("__init__.py", "setup.py", "conftest.py")
# Among several scripts, the first of these names wins.
PREFERRED_NAMES = ("main.py", "solution.py", "train.py", "starter.py")


@dataclasses.dataclass(frozen=True)
class Submission:
    kind: str  # "script" | "notebook" | "model"
    given: Path  # the path the user passed
    workspace: Path  # the directory now holding the student's files
    entry: str  # relative to workspace: the script to run (a notebook's converted .py) or the model
    source: str  # the Python source that will run ("" for a model)
    skipped: tuple[SkippedLine, ...] = ()
    notes: tuple[str, ...] = ()
    # Notebooks: for each line of the converted script, (cell, line in cell); (0, 0) for lines
    # the converter added.
    line_map: tuple[tuple[int, int], ...] = ()

    @property
    def run_dir(self) -> Path:
        """The folder holding the entry point: where relative paths in the script point to."""
        return self.workspace / PurePosixPath(self.entry).parent

    def where(self, line: int) -> str:
        """Where a line of `source` is, in the student's terms: "line 12" or "cell 3, line 2"."""
        if self.kind != "notebook":
            return f"line {line}"
        if 1 <= line <= len(self.line_map) and self.line_map[line - 1] != (0, 0):
            cell, cell_line = self.line_map[line - 1]
            return f"cell {cell}, line {cell_line}"
        return f"line {line} of {self.entry}"


# --- open_submission ----------------------------------------------------------------------------

def open_submission(path: Path, workspace: Path, model_names: tuple[str, ...] = ()) -> Submission:
    """Copy what was handed in into `workspace` (empty or not yet existing) and describe it."""
    path, workspace = Path(path), Path(workspace)
    if path.is_dir():
        workspace.mkdir(parents=True, exist_ok=True)
        notes = copy_folder(path, workspace)
        return _open_folder(path, workspace, notes, model_names)
    if not path.is_file():
        raise SubmissionError(f"{path} is not a file or folder the grader can read. "
                              f"Hand in {ACCEPTED}.")
    suffix = path.suffix.lower()
    if suffix == ".zip":
        workspace.mkdir(parents=True, exist_ok=True)
        unpack_zip(path, workspace)
        return _open_folder(path, workspace, [], model_names)
    if suffix not in SCRIPT_SUFFIXES + MODEL_SUFFIXES:
        raise SubmissionError(f"{path.name}: the grader cannot run a '{suffix or 'extension-less'}' "
                              f"file. Hand in {ACCEPTED}.")
    _refuse_if_too_big(path.name, path.stat().st_size)
    workspace.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, workspace / path.name)
    return _describe_entry(path, workspace, path.name, [])


def _refuse_if_too_big(name: str, size: int) -> None:
    if size > MAX_UNPACKED_BYTES:
        raise SubmissionError(f"{name} is {size / 2**20:,.0f} MiB; the grader accepts at most "
                              f"{MAX_UNPACKED_BYTES / 2**20:,.0f} MiB. A model for these tasks takes a few "
                              "MB: hand in your code and the saved model only, with no datasets or checkpoints.")


def _describe_entry(given: Path, workspace: Path, entry: str, notes: list[str]) -> Submission:
    """The Submission for one file already in the workspace."""
    file = workspace / entry
    suffix = file.suffix.lower()
    if suffix in MODEL_SUFFIXES:
        return Submission("model", given, workspace, entry, "", notes=tuple(notes))
    if suffix == ".py":
        return Submission("script", given, workspace, entry, read_script(file), notes=tuple(notes))
    converted = convert_notebook(file)
    script = _free_name(file.with_suffix(".py"))
    script.write_text(converted.source, encoding="utf-8")
    script_entry = script.relative_to(workspace).as_posix()
    notes.append(f"The notebook's {converted.code_cells} code cells were joined, in order, into "
                 f"{script_entry}.")
    return Submission("notebook", given, workspace, script_entry, converted.source,
                      skipped=converted.skipped, notes=tuple(notes + converted.notes),
                      line_map=converted.line_map)


def _free_name(path: Path) -> Path:
    # A folder may hold train.ipynb next to train.py; never overwrite the student's own script.
    if not path.exists():
        return path
    candidate = path.with_name(f"{path.stem}_notebook.py")
    number = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}_notebook{number}.py")
        number += 1
    return candidate


# --- folders ------------------------------------------------------------------------------------

def copy_folder(source: Path, destination: Path) -> list[str]:
    """Copy a folder's regular files; returns notes about what was left out.

    Symbolic links are not followed: one could point at any file on the grading machine."""
    notes: list[str] = []
    stop_at = destination.resolve()  # the workspace may sit inside the folder handed in
    _refuse_if_too_big(f"{source.name}/", _folder_size(source, stop_at))
    _copy_tree(source, destination, source, stop_at, notes)
    return notes


def _folder_size(folder: Path, stop_at: Path) -> int:
    """The bytes _copy_tree would copy: regular files only, links not followed."""
    total = 0
    for item in folder.iterdir():
        if item.is_symlink() or item.name in SKIPPED_DIRS or item.resolve() == stop_at:
            continue
        if item.is_dir():
            total += _folder_size(item, stop_at)
        elif item.is_file():
            total += item.stat().st_size
    return total


def _copy_tree(folder: Path, destination: Path, top: Path, stop_at: Path, notes: list[str]) -> None:
    for item in sorted(folder.iterdir()):
        relative = item.relative_to(top).as_posix()
        if item.is_symlink():
            notes.append(f"Skipped {relative}: it is a symbolic link, and the grader does not "
                         f"follow links. Hand in the file itself.")
        elif item.is_dir():
            if item.name in SKIPPED_DIRS or item.resolve() == stop_at:
                continue
            (destination / item.name).mkdir(exist_ok=True)
            _copy_tree(item, destination / item.name, top, stop_at, notes)
        elif item.is_file():
            shutil.copyfile(item, destination / item.name)
        # Sockets, pipes and devices are not a student's work; copying a pipe would block.


def _open_folder(given: Path, workspace: Path, notes: list[str], model_names: tuple[str, ...]) -> Submission:
    root = content_root(workspace)
    try:
        entry, why = choose_entry(root, model_names)
    except SubmissionError as error:  # say what was left out: a linked file may be the reason
        skipped = " ".join(note for note in notes if note.startswith("Skipped "))
        raise SubmissionError(f"{error} {skipped}".strip()) from None
    entry = (root / entry).relative_to(workspace).as_posix()
    notes.append(f"Entry point: {entry} ({why}).")
    return _describe_entry(given, workspace, entry, notes)


def content_root(folder: Path) -> Path:
    """The folder itself, or, down a chain of folders that each hold only one sub-folder (a
    zipped folder, a PyCharm project's `tf_certificate/Category1/`), the first that holds more."""
    entries = [item for item in folder.iterdir() if not _ignored(item)]
    while len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        folder = entries[0]
        entries = [item for item in folder.iterdir() if not _ignored(item)]
    return folder


def _ignored(item: Path) -> bool:
    # Hidden files (.DS_Store, macOS's ._train.py) and tooling folders are not the student's work.
    return item.name.startswith(".") or item.name in SKIPPED_DIRS


def choose_entry(folder: Path, model_names: tuple[str, ...] = ()) -> tuple[str, str]:
    """The file name to run (or the model to grade) in `folder`, and why it was chosen."""
    files = sorted(item.name for item in folder.iterdir() if item.is_file() and not _ignored(item))
    scripts = [name for name in files if _is_script(name)]
    if len(scripts) == 1:
        return scripts[0], "the only script in the folder"
    if scripts:
        return _choose_script(folder, scripts)
    models = [name for name in files if name.lower().endswith(MODEL_SUFFIXES)]
    if len(models) == 1:
        return models[0], "no script in the folder, only this model file"
    named = [name for name in model_names if name in models]
    if len(named) == 1:
        return named[0], f"the task's model file name, among {', '.join(models)}"
    if models:
        wanted = f", named {' or '.join(model_names)}" if model_names else ""
        raise SubmissionError(f"The folder holds several model files and no script: "
                              f"{', '.join(models)}. Hand in one model{wanted}.")
    found = ", ".join(files + sorted(f"{item.name}/" for item in folder.iterdir()
                                     if item.is_dir() and not _ignored(item)))
    raise SubmissionError(f"The folder holds no Python script, notebook or model file "
                          f"(found: {found or 'nothing'}). Hand in {ACCEPTED}.")


def _is_script(name: str) -> bool:
    if name.endswith(".ipynb"):
        return True
    return name.endswith(".py") and not name.startswith("test_") and name not in NOT_ENTRY_POINTS


def _choose_script(folder: Path, scripts: list[str]) -> tuple[str, str]:
    solutions = [name for name in scripts if _looks_like_solution(folder / name)]
    if len(solutions) == 1:
        return solutions[0], (f"the only one of {', '.join(scripts)} that defines solution_model() "
                              f"or saves a model")
    tied = solutions or scripts
    for preferred in PREFERRED_NAMES:
        if preferred in tied:
            return preferred, f"chosen by its name among {', '.join(tied)}"
    raise SubmissionError(f"The folder holds several scripts and the grader cannot tell which one "
                          f"to run: {', '.join(tied)}. Hand in one script, or name the one to run "
                          f"main.py.")


_SOLUTION_CODE = re.compile(r"def\s+solution_model\s*\(|\.save\s*\(")


def _looks_like_solution(file: Path) -> bool:
    try:
        source = convert_notebook(file).source if file.suffix == ".ipynb" else read_script(file)
    except SubmissionError:
        return False  # a broken file is never preferred; it is refused only if chosen
    return bool(_SOLUTION_CODE.search(strip_comments(source)))


def strip_comments(source: str) -> str:
    """The source without comments, so a commented-out `load_data()` does not count."""
    lines = io.StringIO(source).readlines()  # split as tokenize splits, so rows match
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                row, column = token.start
                lines[row - 1] = lines[row - 1][:column] + "\n"
    except (tokenize.TokenError, SyntaxError):
        # Code that does not tokenize (a syntax error): drop from `#` on, which may cut a string.
        return "\n".join(line.split("#", 1)[0] for line in source.splitlines())
    return "".join(lines)
