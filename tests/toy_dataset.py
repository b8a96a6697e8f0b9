"""A toy dataset written the way a new course dataset would be: one module declaring a
`Dataset`, registered with one line (`grader.datasets.register(toy_dataset.DATASET)`).

"halves": points in the unit square, labelled 1 above the diagonal and 0 below it. Generated,
so it needs no file; a fixed grid (not a random draw) keeps it the same on every machine.
"""
from __future__ import annotations

import functools

import numpy as np

from grader.datasets import parts, sources
from grader.datasets.dataset import Dataset, ServedCall, pattern

LIBRARY = "toy_course_library"  # the module a course script would import the data from


@functools.cache
def _generated() -> parts.Parts:
    grid = np.linspace(0.025, 0.975, 20, dtype=np.float32)
    x = np.array([(a, b) for a in grid for b in grid if a != b], dtype=np.float32)
    points = parts.labelled(x, (x[:, 1] > x[:, 0]).astype(np.int64))
    kept, evaluation = parts.carve(points, 80)
    test = parts.take(kept, parts.stratified_rows(kept.y, 60))
    return parts.Parts(train=kept, test=test, full_train=kept, evaluation=evaluation)


def _load_halves(student_split):
    def load_halves():
        (train, test) = student_split()
        return (train.x.copy(), train.y.copy()), (test.x.copy(), test.y.copy())

    return load_halves


DATASET = Dataset(
    name="halves",
    title="The halves toy data",
    how_to_get="nothing to install: it is generated",
    sources=lambda: [sources.Source("generated: the unit square's halves", _generated,
                                    "generated", hashed=False)],
    served_calls=(ServedCall(LIBRARY, "load_halves", _load_halves),),
    used_in=pattern(r"load_halves"),
    found_because="it loads the halves",
)
