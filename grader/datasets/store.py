"""The offline data store: which source serves each dataset now, its hidden split, the
student's part, and the copy staged for a sandboxed run."""
from __future__ import annotations

import atexit
import dataclasses
import functools
import hashlib
import os
import shutil
import tempfile
import threading
from pathlib import Path

import numpy as np

from grader.datasets import parts, sources
from grader.datasets.parts import Split
from grader.datasets.registry import DATASETS, dataset


@dataclasses.dataclass(frozen=True)
class DataSource:
    """Where a dataset comes from right now, for reports and `grade data`.

    `verified` means the data matched its pinned SHA-256; generated data has none to match.
    `problem` is empty when all is well. It explains why the dataset is unavailable, or, when it
    is available, which preferred source was skipped because it failed verification (a damaged
    file the operator should delete or fetch again).
    """

    dataset: str
    available: bool
    origin: str
    note: str
    verified: bool
    problem: str


class DatasetUnavailable(RuntimeError):
    """No source of a dataset is on this machine; the message says how to get one."""


def data_source(name: str) -> DataSource:
    """The source that would be used now: the first available one in order of preference."""
    return _resolve(name)[0]


def all_sources() -> list[DataSource]:
    """One entry per registered dataset."""
    return [data_source(name) for name in DATASETS]


def evaluation_split(name: str) -> Split:
    """The hidden split a model is graded on."""
    return _chosen(name)[1].evaluation


def student_split(name: str, official_test: bool = False) -> tuple[Split, Split]:
    """What a student's load_data() gets: (train, test), made without any evaluation row.

    By default both have the official shapes and test holds rows of the training data, so a
    student never sees the labels that grade them. `official_test=True` (practice mode) serves
    every non-evaluation row once and the evaluation split instead.
    """
    return _chosen(name)[1].served(official_test)


def stage_student_split(name: str, directory: Path, official_test: bool = False) -> Path:
    """Put what a student's load_data() gets into `directory`, for a run that cannot see the
    store: the sandbox hides the store's files and serves this copy (see `load_staged`).

    The file is written once per process and then hard-linked into each run's folder (copied
    where the folder is on another file system): Fashion-MNIST's is 55 MB, 0.1-0.3 s to write.
    It is read-only, and both sandboxes mount the data folder read-only, so no confined run can
    change what the next one is served (a local run without namespaces is not confined at all).
    """
    path = Path(directory) / f"{name}.npz"
    shared = _staged_file(name, official_test)
    # Never written through: an old file of that name could be a link to the shared copy.
    path.unlink(missing_ok=True)
    try:
        os.link(shared, path)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(shared, path)
    return path


def load_staged(name: str, directory: Path) -> tuple[Split, Split]:
    """The (train, test) that `stage_student_split` wrote."""
    title = dataset(name).title
    path = Path(directory) / f"{name}.npz"
    if not path.is_file():
        staged = sorted(p.stem for p in Path(directory).glob("*.npz"))
        raise DatasetUnavailable(f"{title} is not served in this run; it serves only "
                                 f"the task's dataset ({', '.join(staged) or 'none'})")
    with np.load(path) as arrays:
        return (parts.split(arrays["x_train"], arrays["y_train"]),
                parts.split(arrays["x_test"], arrays["y_test"]))


def evaluation_files() -> list[Path]:
    """Every file or folder on this machine that could hold evaluation data; a sandboxed run
    must not see any of them (the grader stages the student's part separately)."""
    return [path for entry in DATASETS.values() for path in entry.hidden_copies() if path.exists()]


# --- choosing a source ------------------------------------------------------------------------

def _chosen(name: str) -> tuple[sources.Source, parts.Parts]:
    source, chosen, found = _resolve(name)
    if chosen is None or found is None:
        raise DatasetUnavailable(f"{dataset(name).title} is not available on this machine: "
                                 f"{source.problem}")
    return chosen, found


def _resolve(name: str) -> tuple[DataSource, sources.Source | None, parts.Parts | None]:
    """The first source that loads, as reported, as chosen, and its parts."""
    entry = dataset(name)
    missing, rejected = [], []
    for source in entry.sources():
        try:
            found = source.load()
        except sources.Missing as why:
            missing.append(f"{source.origin}: {why}")
        except sources.Corrupt as why:
            rejected.append(f"{source.origin}: {why}")
        else:
            problem = "; ".join(f"skipped {reason}" for reason in rejected)
            return (DataSource(name, True, source.origin, source.note, source.hashed, problem),
                    source, found)
    looked = "; ".join(rejected + missing)
    problem = f"looked in {looked}. To get it, {entry.how_to_get}."
    return DataSource(name, False, "not found", "", False, problem), None, None


# --- staging ----------------------------------------------------------------------------------

_staging_lock = threading.Lock()  # batches stage from several threads


def _staged_file(name: str, official_test: bool) -> Path:
    """This process's read-only .npz of the student's part, written on first use.

    Keyed by the source's pinned content, not its path: a Keras cache and the Debian package
    with the same files serve the same parts.
    """
    source, found = _chosen(name)
    content = hashlib.sha256(source.content.encode()).hexdigest()[:16]
    with _staging_lock:
        folder = _staging_folder()
        path = folder / f"{name}-{'official' if official_test else 'student'}-{content}.npz"
        if not path.is_file():
            folder.mkdir(exist_ok=True)  # a cleaner may have emptied /tmp during a long batch
            train, test = found.served(official_test)
            partial = path.with_name(f".{path.name}")
            np.savez(partial, x_train=train.x, y_train=train.y, x_test=test.x, y_test=test.y)
            partial.chmod(0o444)
            os.replace(partial, path)
        return path


@functools.cache
def _staging_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="grader-staged-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder
