"""The course's datasets, offline: one module per dataset, registered in `registry.py`.

Each dataset module declares its sources in order of preference (with pinned SHA-256 hashes),
how to get it, how it is cut into the hidden evaluation split and the student's part, every
copy on the machine that holds evaluation rows, the library calls it is served through, and
how a script that loads it looks. `store.py` picks the first source that verifies, `serving.py`
answers a run's calls, `downloads.py` fetches the official files, `preprocessing.py` says what
grading does to the hidden inputs.

Nothing here imports TensorFlow, and nothing downloads except `fetch()`. Files are looked for
under `KERAS_HOME` (default ~/.keras, as Keras itself) and `GRADER_SYSTEM_DATASETS` (default
/usr/share/datasets, where Debian's dataset packages install).
"""
from grader.datasets.parts import Split
from grader.datasets.registry import DATASETS, dataset, register
from grader.datasets.store import (
    DatasetUnavailable,
    DataSource,
    all_sources,
    data_source,
    evaluation_files,
    evaluation_split,
    load_staged,
    stage_student_split,
    student_split,
)

__all__ = ["DATASETS", "DataSource", "DatasetUnavailable", "Split", "all_sources", "data_source",
           "dataset", "evaluation_files", "evaluation_split", "fetch", "load_staged", "register",
           "stage_student_split", "student_split"]


def fetch(names: list[str] | None = None, *, timeout: float = 30) -> list[DataSource]:
    """`grade data fetch` (see downloads.py), imported only when called: urllib would add 0.1 s
    to the start of every sandboxed run, which imports this package."""
    from grader.datasets.downloads import fetch as download

    return download(names, timeout=timeout)
