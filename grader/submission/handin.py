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
import stat
import tokenize
import warnings
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import nbformat

SCRIPT_SUFFIXES = (".py", ".ipynb")
MODEL_SUFFIXES = (".h5", ".keras")
ACCEPTED = "a .py script, an .ipynb notebook, a .h5 or .keras model, a folder or a .zip of a folder"

# Files that are never the entry point even when they are the only other script in the folder.
NOT_ENTRY_POINTS = ("__init__.py", "setup.py", "conftest.py")
# Folders that hold tooling, not the student's work (__MACOSX: resource forks from macOS zips).
SKIPPED_DIRS = ("__pycache__", ".ipynb_checkpoints", ".git", "__MACOSX")
# Among several scripts, the first of these names wins.
PREFERRED_NAMES = ("main.py", "solution.py", "train.py", "starter.py")
PREFERRED_MODEL = "mymodel.h5"

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

def open_submission(path: Path, workspace: Path) -> Submission:
    """Copy what was handed in into `workspace` (empty or not yet existing) and describe it."""
    path, workspace = Path(path), Path(workspace)
    if path.is_dir():
        workspace.mkdir(parents=True, exist_ok=True)
        notes = copy_folder(path, workspace)
        return _open_folder(path, workspace, notes)
    if not path.is_file():
        raise SubmissionError(f"{path} is not a file or folder the grader can read. "
                              f"Hand in {ACCEPTED}.")
    suffix = path.suffix.lower()
    if suffix == ".zip":
        workspace.mkdir(parents=True, exist_ok=True)
        unpack_zip(path, workspace)
        return _open_folder(path, workspace, [])
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
                              "MB: hand in your code and mymodel.h5 only, with no datasets or checkpoints.")


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


# --- notebooks ----------------------------------------------------------------------------------

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


def _open_folder(given: Path, workspace: Path, notes: list[str]) -> Submission:
    root = content_root(workspace)
    try:
        entry, why = choose_entry(root)
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


def choose_entry(folder: Path) -> tuple[str, str]:
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
    if PREFERRED_MODEL in models:
        return PREFERRED_MODEL, f"the exam's model file name, among {', '.join(models)}"
    if models:
        raise SubmissionError(f"The folder holds several model files and no script: "
                              f"{', '.join(models)}. Hand in one model, named {PREFERRED_MODEL}.")
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


# --- zip archives -------------------------------------------------------------------------------

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
