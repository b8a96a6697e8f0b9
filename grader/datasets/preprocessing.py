"""What the grader does to the hidden inputs before a model sees them: a spec's
`[dataset] preprocessing`, one entry per kind. Evaluation, checks and advice read the entry."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np


@dataclasses.dataclass(frozen=True)
class Preprocessing:
    name: str
    apply: Callable[[np.ndarray], np.ndarray]  # float32 inputs as stored -> as the model is fed
    fed: str  # how advice describes what grading feeds, after the range: " (pixels / 255)"
    fix: str  # the advice when a model was trained on another scale
    # Also evaluate on the raw inputs: a large gain there means "you forgot to scale".
    compare_raw: bool = False


PREPROCESSING: dict[str, Preprocessing] = {
    "none": Preprocessing(
        "none", apply=lambda x: x, fed="",
        fix="Train on the inputs as the task's data gives them, scaled the way grading feeds them."),
    "scale_255": Preprocessing(
        "scale_255", apply=lambda x: x / 255.0, fed=" (pixels / 255)",
        fix="Divide the images by 255 before fit: x_train = x_train / 255.0.", compare_raw=True),
}
