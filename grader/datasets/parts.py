"""Cutting a dataset into its parts: what grades a model, and what a student's calls return.

Rows are chosen by a fixed rule (evenly spaced within each class), not a seeded shuffle, so they
cannot move when NumPy changes its random generators.
"""
from __future__ import annotations

import dataclasses

import numpy as np

# The official shapes of what Keras's load_data() returns.
KERAS_TRAIN_ROWS = 60_000
KERAS_TEST_ROWS = 10_000


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


@dataclasses.dataclass(frozen=True, eq=False)
class Parts:
    train: Split  # what the student's calls return as training data
    test: Split  # ... and as test data
    full_train: Split  # every non-evaluation row once, served only with official_test=True
    evaluation: Split  # the hidden split that grades; never served to a student

    def served(self, official_test: bool) -> tuple[Split, Split]:
        return (self.full_train, self.evaluation) if official_test else (self.train, self.test)


def split(x: np.ndarray, y: np.ndarray) -> Split:
    for array in (x, y):
        array.flags.writeable = False
    return Split(x, y)


def labelled(x: np.ndarray, labels: np.ndarray) -> Split:
    return split(x, labels.astype(np.int64))


def take(data: Split, rows: np.ndarray) -> Split:
    return split(data.x[rows], data.y[rows])


def official_parts(train: Split, evaluation: Split) -> Parts:
    """A dataset with an official test set: that grades; the official training set is served,
    with 10,000 of its rows as test data."""
    test = take(train, stratified_rows(train.y, KERAS_TEST_ROWS))
    return Parts(train=train, test=test, full_train=train, evaluation=evaluation)


def carve(data: Split, evaluation: int) -> tuple[Split, Split]:
    """(kept, evaluation): `evaluation` rows, stratified, cut out of a dataset without an
    official test set."""
    chosen = stratified_rows(data.y, evaluation)
    return take(data, ~chosen), take(data, chosen)


def repeated(data: Split, rows: int) -> Split:
    """`data`'s rows in their order, again and again, to `rows` rows."""
    return take(data, np.arange(rows) % len(data))


def stratified_rows(labels: np.ndarray, count: int) -> np.ndarray:
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
