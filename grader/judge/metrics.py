"""The metrics a task can be scored by, one entry each in `METRICS`.

A metric says how it is named in a spec and in a report, which direction is better, how its
values print, what range band thresholds must lie in, and how it is computed from a model's
output rows and the hidden labels. Band logic (value -> points) is `grader.judge.scoring`'s and reads
only `higher_is_better`.

Adding a metric: write its `compute` function here (or in a module of its own) and add one
`Metric(...)` line to `METRICS`; a task spec then names it under `[metric] name`.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from grader.results import ClassScore

# (value, per-class scores, confusion matrix); the last two are empty for regression metrics.
MetricValue = tuple[float, tuple[ClassScore, ...], tuple[tuple[int, ...], ...]]


@dataclasses.dataclass(frozen=True)
class Metric:
    name: str  # as a task spec writes it
    label: str  # as a report says it
    higher_is_better: bool
    classification: bool  # scored on class labels (the task's outputs are one per class)
    format: Callable[[float], str]
    band_range: tuple[float, float]  # where band thresholds may lie
    compute: Callable[[np.ndarray, np.ndarray, int, list[str]], MetricValue]


def accuracy(rows: np.ndarray, y: np.ndarray, classes: int, class_names: list[str]) -> MetricValue:
    """The share of examples whose predicted class is the label, per class, and the confusion."""
    predicted = predicted_classes(rows, classes)
    value = float(np.mean(predicted == y))
    confusion = np.zeros((classes, classes), dtype=np.int64)
    valid = (predicted >= 0) & (predicted < classes)
    np.add.at(confusion, (y[valid], predicted[valid]), 1)
    names = class_names or [str(c) for c in range(classes)]
    per_class = tuple(
        ClassScore(label=c, name=names[c], support=int((y == c).sum()),
                   accuracy=float(confusion[c, c] / max(1, (y == c).sum())))
        for c in range(classes)
    )
    return value, per_class, tuple(tuple(int(v) for v in row) for row in confusion)


def mean_absolute_error(rows: np.ndarray, y: np.ndarray, classes: int, class_names: list[str]) -> MetricValue:
    error = np.abs(rows[:, 0].astype(np.float64) - y.astype(np.float64))
    return float(np.mean(error)), (), ()


def predicted_classes(rows: np.ndarray, classes: int) -> np.ndarray:
    """Each row's class: the arg-max of several outputs, or one output read as a sigmoid (two
    classes) or a class number; -1 where the outputs are not finite."""
    rows = np.where(np.isfinite(rows), rows, -np.inf)
    if rows.shape[1] > 1:
        predicted = rows.argmax(axis=1)
        predicted[np.isneginf(rows).all(axis=1)] = -1
        return predicted
    value = rows[:, 0]
    if classes == 2:
        return (value > 0.5).astype(np.int64)
    return np.where(np.isfinite(value), np.clip(np.rint(value), -1, classes), -1).astype(np.int64)


METRICS: dict[str, Metric] = {
    "accuracy": Metric("accuracy", "accuracy", higher_is_better=True, classification=True,
                       format=lambda value: f"{value:.2%}", band_range=(0.0, 1.0), compute=accuracy),
    "mae": Metric("mae", "mean absolute error", higher_is_better=False, classification=False,
                  format=lambda value: f"{value:.4f}", band_range=(0.0, float("inf")),
                  compute=mean_absolute_error),
}
