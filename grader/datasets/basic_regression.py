"""The exam's category 1: learn y = 2x - 1 from six points. Generated, so nothing to verify.

Train: the six points of the task statement; test: three more on the same line; graded on 20
half-integers spread over [-10, 10], none of them a point a student saw.
"""
from __future__ import annotations

import functools
import re

import numpy as np

from grader.datasets import parts, sources
from grader.datasets.dataset import Dataset

TRAIN_XS = (-1.0, 0.0, 1.0, 2.0, 3.0, 4.0)  # the points in the task statement
HELD_BACK_XS = (5.0, 6.0, 7.0)
EVALUATION_XS = tuple(np.arange(-9.5, 10.0, 1.0).tolist())

_ONE_NUMBER_IN = re.compile(r"shape\s*=\s*[\[(]\s*1\s*,?\s*[\])]|Input\(\s*[\[(]\s*1\s*,?\s*[\])]")
_DENSE = re.compile(r"\bDense\s*\(")
_DENSE_ONE_UNIT = re.compile(r"\bDense\s*\(\s*(?:units\s*=\s*)?1\s*[,)]")


@functools.cache
def _generated() -> parts.Parts:
    def points(xs: tuple[float, ...]) -> parts.Split:
        x = np.array(xs, dtype=np.float32)
        return parts.split(x.reshape(-1, 1), 2 * x - 1)

    train = points(TRAIN_XS)
    return parts.Parts(train=train, test=points(HELD_BACK_XS), full_train=train,
                       evaluation=points(EVALUATION_XS))


def _builds_one_number_model(code: str) -> bool:
    """The script loads no dataset but builds a model that takes one number."""
    if _ONE_NUMBER_IN.search(code):
        return True
    return len(_DENSE.findall(code)) == 1 and bool(_DENSE_ONE_UNIT.search(code))


DATASET = Dataset(
    name="basic_regression",
    title="The y = 2x - 1 data",
    how_to_get="nothing to install: it is generated",
    sources=lambda: [sources.Source("generated: y = 2x - 1", _generated, "generated", hashed=False)],
    used_in=_builds_one_number_model,
    found_because="it builds a model that takes one number",
    guess_last=True,
)
