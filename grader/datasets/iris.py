"""Iris: 150 flowers, four measurements, three species.

Source: the iris.csv that scikit-learn's load_iris() reads, pinned by its values. 30 flowers
(10 per species, evenly spaced) grade. `load_iris()` and `tfds.load('iris')` return 150 rows in
the official order and classes, each evaluation flower's row holding instead one of 30 other
flowers of its class (so those 30 appear twice; the source's note says so).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.datasets import parts, sources
from grader.datasets.dataset import Dataset, ServedCall, StudentSplit, TfdsServing, pattern

# load_iris().data as little-endian float64 followed by load_iris().target as int64: the values
# are pinned rather than the CSV's bytes, so a reformatted file with the same flowers passes.
IRIS_SHA256 = "aa06b8008ceba42efc654be0f83fdafc786239c9e8f13146044d078f5aab8f23"
EVALUATION = 30
FEATURE_NAMES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
TARGET_NAMES = ["setosa", "versicolor", "virginica"]
_NOTE = (f"load_iris() and tfds.load('iris') return 150 rows in the official classes, but not the "
         f"{EVALUATION} flowers that grade the model: {EVALUATION} of the other "
         f"{150 - EVALUATION} stand in for them, so those appear twice")


def _sources() -> list[sources.Source]:
    return [sources.Source("scikit-learn load_iris() data", _load, IRIS_SHA256, note=_NOTE)]


def _load() -> parts.Parts:
    # The CSV load_iris() reads, read directly: importing sklearn.datasets takes seconds, and the
    # served load_iris() replaces the real one with the student's rows.
    path = sources.package_file("sklearn", "datasets", "data", "iris.csv")
    if path is None:
        raise sources.Missing("scikit-learn is not installed (pip install scikit-learn)")
    return sources.cached(_parts, sources.file_version(path))


def _parts(file: sources.FileVersion) -> parts.Parts:
    # First line: "150,4,setosa,versicolor,virginica"; then four measurements and the class.
    table = np.loadtxt(file.path, delimiter=",", skiprows=1)
    measurements = np.ascontiguousarray(table[:, :4], dtype="<f8")
    species = table[:, 4].astype("<i8")
    sources.check_sha256(measurements.tobytes() + species.tobytes(), IRIS_SHA256,
                         f"{Path(file.path).name}'s flowers",
                         "reinstall it: pip install --force-reinstall scikit-learn")
    flowers = parts.labelled(measurements.astype(np.float32), species)
    hidden = parts.stratified_rows(flowers.y, EVALUATION)
    kept = parts.take(flowers, ~hidden)
    # Each evaluation flower's row instead holds a kept flower of the same class, so the targets
    # are the official ones, row for row.
    stand_ins = parts.stratified_rows(kept.y, EVALUATION)
    x = flowers.x.copy()
    for label in np.unique(flowers.y):
        x[hidden & (flowers.y == label)] = kept.x[stand_ins & (kept.y == label)]
    served = parts.split(x, flowers.y)
    no_test = parts.take(served, np.zeros(len(served), dtype=bool))  # load_iris() returns one table
    return parts.Parts(train=served, test=no_test, full_train=kept,
                       evaluation=parts.take(flowers, hidden))


def _hidden_copies() -> list[Path]:
    copies = [sources.package_file("sklearn", "datasets", "data", "iris.csv"),
              # The same 150 flowers ship with mlxtend and, as test data, with SciPy.
              sources.package_file("mlxtend", "data", "data", "iris.csv.gz"),
              sources.package_file("scipy", "io", "arff", "tests", "data", "iris.arff"),
              sources.package_file("scipy", "spatial", "tests", "data", "iris.txt")]
    return [path for path in copies if path is not None]


def rows(student_split: StudentSplit) -> tuple[np.ndarray, np.ndarray]:
    """The student's flowers as load_iris() gives them: float64 data, int64 target."""
    train, test = student_split()
    # Measured to a tenth of a centimetre: rounding undoes float32's 5.099999904632568.
    x = np.round(np.concatenate([train.x, test.x]).astype(np.float64), 1)
    y = np.concatenate([train.y, test.y]).astype(np.int64)
    return x, y


def _load_iris(student_split: StudentSplit):
    def load_iris(*, return_X_y: bool = False, as_frame: bool = False):
        from sklearn.utils import Bunch

        x, y = rows(student_split)
        frame = None
        if as_frame:
            import pandas as pd

            frame = pd.DataFrame(x, columns=FEATURE_NAMES)
            frame["target"] = y
            x, y = frame[FEATURE_NAMES], frame["target"]
        if return_X_y:
            return x, y
        return Bunch(data=x, target=y, frame=frame, target_names=np.array(TARGET_NAMES),
                     feature_names=list(FEATURE_NAMES), filename="iris.csv",
                     data_module="sklearn.datasets.data",
                     DESCR="Iris plants dataset: the student's rows, served offline by the grader.")

    return load_iris


DATASET = Dataset(
    name="iris",
    title="Iris",
    how_to_get="pip install scikit-learn",
    sources=_sources,
    hidden_copies=_hidden_copies,
    served_calls=(ServedCall("sklearn.datasets._base", "load_iris", _load_iris),),
    tfds=TfdsServing("iris", rows, tuple(TARGET_NAMES), (4,)),
    used_in=pattern(r"iris"),
    found_because="it loads Iris",
)
