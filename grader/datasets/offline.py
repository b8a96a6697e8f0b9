"""`install()`: answer every call a registered dataset is served through with the student's
part, offline (`serving.py` patches, `tfds_offline.py` answers tensorflow_datasets). The harness
calls it before the student's script starts."""
from __future__ import annotations

import functools
import importlib.util
import sys

from grader.datasets import serving, tfds_offline
from grader.datasets.registry import DATASETS


def install() -> None:
    """Patch every call a registered dataset is served through; safe to call more than once."""
    for dataset in DATASETS.values():
        served = functools.partial(serving.student_split, dataset.name)
        for call in dataset.served_calls:
            serving.when_imported(call.module, functools.partial(
                serving.patch, call.attribute, call.replacement(served)))
    if "tensorflow_datasets" in sys.modules or importlib.util.find_spec("tensorflow_datasets"):
        serving.when_imported("tensorflow_datasets", tfds_offline.patch_tfds)
    else:
        sys.modules["tensorflow_datasets"] = tfds_offline.stand_in_tfds()
