"""What declares a dataset: one `Dataset` per module (fashion_mnist.py, mnist.py, iris.py,
basic_regression.py), registered in `registry.py`. Everything else reads these fields."""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from grader.datasets.parts import Split
from grader.datasets.sources import Source

# What a student's call is served: a function returning (train, test) of the student's part.
StudentSplit = Callable[[], tuple[Split, Split]]


@dataclasses.dataclass(frozen=True)
class ServedCall:
    """A library call a script makes for this dataset, answered offline with the student's part.

    `replacement(student_split)` returns the function that stands in for
    `module.attribute`; it must answer in the real call's shapes and types.
    """

    module: str  # the module that defines the call (its public aliases are patched too)
    attribute: str
    replacement: Callable[[StudentSplit], Callable]


@dataclasses.dataclass(frozen=True)
class TfdsServing:
    """`tfds.load(name)` served offline: one 'train' split of (features, label) rows."""

    name: str
    rows: Callable[[StudentSplit], tuple]  # (features, labels) as NumPy arrays
    class_names: tuple[str, ...]
    feature_shape: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class OfficialFile:
    """A file `grade data fetch` downloads into the Keras cache's datasets/ folder."""

    relative_path: str  # as Keras stores it
    verify: Callable[[Path], None]  # raises sources.Corrupt


@dataclasses.dataclass(frozen=True)
class Dataset:
    name: str  # as task specs name it: [dataset] name
    title: str  # as reports name it
    how_to_get: str  # the advice when no source is on this machine
    sources: Callable[[], list[Source]]  # in order of preference; the first that loads is used
    # Every copy on this machine that holds evaluation rows: hidden from runs, deleted from the image.
    hidden_copies: Callable[[], list[Path]] = lambda: []
    official_files: tuple[OfficialFile, ...] = ()
    served_calls: tuple[ServedCall, ...] = ()
    tfds: TfdsServing | None = None
    # Guessing the task from a script (comments stripped): does this code load the dataset?
    used_in: Callable[[str], bool] = lambda code: False
    found_because: str = ""  # "it loads Fashion-MNIST": the report's reason for the guess
    guess_last: bool = False  # only guessed when no other dataset is found (a loose pattern)
    input_shape_advice: str = ""  # the fix for a wrong input shape, in this data's terms
    # (inputs, targets) a model taking `input_shape` is graded on, cut from the hidden split (a
    # series' windows); None: the split as it is.
    graded_examples: Callable[[Split, tuple[int, ...]], Split] | None = None
    # (what it is, its predictions from the graded examples): scored beside the model in the report.
    baseline: tuple[str, Callable[[Split], np.ndarray]] | None = None
    # A model's raw predictions -> what is scored (a sequence model's last step); None: as they are.
    scored_outputs: Callable[[np.ndarray], np.ndarray] | None = None


def pattern(regex: str) -> Callable[[str], bool]:
    """`used_in` for a dataset recognised by a case-insensitive pattern."""
    compiled = re.compile(regex, re.IGNORECASE)
    return lambda code: bool(compiled.search(code))
