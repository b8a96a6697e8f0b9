"""tensorflow_datasets, offline: `tfds.load(name)` serves a registered dataset that declares
`tfds` (today 'iris'), answering like TFDS with one 'train' split of (features, label); any other
name is refused at once with the dataset named, before TFDS would spend minutes trying to
download it. Without TFDS installed, a stand-in module answers the same way."""
from __future__ import annotations

import functools
import re
import types

import numpy as np

from grader.datasets.dataset import TfdsServing
from grader.datasets.registry import DATASETS
from grader.datasets.serving import DatasetNotAvailable, patch, student_split


def patch_tfds(module: types.ModuleType) -> None:
    patch("load", tfds_load, module)
    patch("builder", tfds_builder, module)


def stand_in_tfds() -> types.ModuleType:
    module = types.ModuleType("tensorflow_datasets")
    module.__doc__ = ("The grader's offline stand-in for tensorflow_datasets: only "
                      f"{_names()} exist.")
    module.load = tfds_load
    module.builder = tfds_builder
    module.Split = types.SimpleNamespace(TRAIN="train", TEST="test", VALIDATION="validation")
    module.grader_stand_in = True
    return module


def tfds_load(name: str, split=None, as_supervised: bool = False, with_info: bool = False,
              batch_size: int | None = None, shuffle_files: bool = False, **_ignored):
    served, dataset_name = _served().get(_dataset_name(name), (None, ""))
    if served is None:
        raise DatasetNotAvailable(
            f"tfds.load({name!r}): the dataset {name!r} is not available offline; the grader "
            f"serves only {_names()} through tensorflow_datasets."
        )
    import tensorflow as tf

    x, y = served.rows(functools.partial(student_split, dataset_name))

    def make(split_name: str):
        rows = _tfds_rows(served.name, split_name, len(y))
        features, labels = x[rows].astype(np.float32), y[rows].astype(np.int64)
        element = (features, labels) if as_supervised else {"features": features, "label": labels}
        if batch_size == -1:
            return tuple(map(tf.constant, element)) if as_supervised else {
                k: tf.constant(v) for k, v in element.items()}
        dataset = tf.data.Dataset.from_tensor_slices(element)
        return dataset.batch(batch_size) if batch_size else dataset

    if split is None:
        result = {"train": make("train")}
    elif isinstance(split, (list, tuple)):
        result = [make(s) for s in split]
    else:
        result = make(split)
    if with_info:
        return result, _info(served, len(y))
    return result


def tfds_builder(name: str, *args, **kwargs):
    """`tfds.builder`: a builder downloads its data, and a run has no network."""
    dataset = _dataset_name(name)
    served = (f"use tfds.load({dataset!r}), which the grader serves offline" if dataset in _served()
              else f"the grader serves only {_names()}, through "
              + " and ".join(f"tfds.load({name!r})" for name in sorted(_served())))
    raise DatasetNotAvailable(
        f"tfds.builder({name!r}): the dataset {dataset!r} is not available offline; {served}.")


def _dataset_name(name: str) -> str:
    return str(name).split(":", 1)[0].split("/", 1)[0].strip().lower()


_SLICE = re.compile(r"^\s*train\s*(?:\[\s*(-?\d+%?)?\s*:\s*(-?\d+%?)?\s*\])?\s*$")


def _tfds_rows(name: str, split: str, count: int) -> slice:
    """Rows for 'train', 'train[:80%]', 'train[30:]' and the like."""
    match = _SLICE.match(str(split))
    if not match:
        raise DatasetNotAvailable(
            f"tfds.load({name!r}, split={split!r}): {name} has only the 'train' split; "
            "use 'train', or a slice of it such as 'train[:80%]' and 'train[80%:]'."
        )

    def bound(text: str | None) -> int | None:
        if text is None:
            return None
        if text.endswith("%"):
            return round(count * int(text[:-1]) / 100)
        return int(text)

    return slice(bound(match.group(1)), bound(match.group(2)))


def _served() -> dict[str, tuple[TfdsServing, str]]:
    """TFDS name -> (how it is served, the registered dataset serving it)."""
    return {entry.tfds.name: (entry.tfds, entry.name) for entry in DATASETS.values() if entry.tfds}


def _names() -> str:
    return " and ".join(repr(name) for name in sorted(_served())) or "no dataset"


def _info(served: TfdsServing, count: int) -> types.SimpleNamespace:
    names = list(served.class_names)
    label = types.SimpleNamespace(num_classes=len(names), names=names)
    return types.SimpleNamespace(
        name=served.name,
        features={"features": types.SimpleNamespace(shape=served.feature_shape, dtype="float32"),
                  "label": label},
        splits={"train": types.SimpleNamespace(name="train", num_examples=count)},
        supervised_keys=("features", "label"),
    )
