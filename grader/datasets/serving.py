"""Serve the course's datasets offline, through the calls students already write.

`install()` makes `tf.keras.datasets.mnist.load_data()`, `...fashion_mnist.load_data()` (Keras 2
and Keras 3), `sklearn.datasets.load_iris()` and `tfds.load('iris')` return the student's part of
each dataset from `grader.datasets.student_split`, in the shapes and types the real calls give
(Keras: uint8 images (60,000, 28, 28) and (10,000, 28, 28), uint8 labels; load_iris(): 150 rows,
float64 data, int64 target), so a script runs unchanged with no network. The hidden evaluation
rows are never served: `student_split` leaves them out. Any other TFDS dataset (`tfds.load`,
`tfds.builder`) fails at once with `DatasetNotAvailable` naming it.

Keras 3 alone takes seconds to import, so nothing is imported here: each library is patched the
moment its defining module is loaded (`when_imported`), or at once when it already is.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.abc
import importlib.util
import os
import re
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from grader.sandbox import STUDENT_DATA_ENV  # set by the sandbox: the staged student data

IRIS_FEATURE_NAMES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                      "petal width (cm)"]
IRIS_TARGET_NAMES = ["setosa", "versicolor", "virginica"]

# Modules that define the loaders students call; the public aliases import from them.
_KERAS_LOADERS = {
    "tf_keras.src.datasets.mnist": "mnist",
    "tf_keras.src.datasets.fashion_mnist": "fashion_mnist",
    "keras.src.datasets.mnist": "mnist",
    "keras.src.datasets.fashion_mnist": "fashion_mnist",
}

_serving = False  # True while grader.datasets runs, so a loader it calls itself is the real one


class DatasetNotAvailable(RuntimeError):
    """A script asked for a dataset the grader cannot serve without a network."""


def install() -> None:
    """Patch every loader the course uses; safe to call more than once."""
    for module_name, dataset in _KERAS_LOADERS.items():
        when_imported(module_name, functools.partial(_patch, "load_data", _keras_loader(dataset)))
    when_imported("sklearn.datasets._base", functools.partial(_patch, "load_iris", _load_iris))
    if "tensorflow_datasets" in sys.modules or importlib.util.find_spec("tensorflow_datasets"):
        when_imported("tensorflow_datasets", _patch_tfds)
    else:
        sys.modules["tensorflow_datasets"] = _stand_in_tfds()


# --- patching when a module is loaded ---------------------------------------------------------

def when_imported(module_name: str, hook: Callable[[types.ModuleType], None]) -> None:
    """Run `hook(module)` now if the module is loaded, otherwise right after it is."""
    if module_name in sys.modules:
        hook(sys.modules[module_name])
        return
    finder = next((f for f in sys.meta_path if isinstance(f, _AfterImportFinder)), None)
    if finder is None:
        finder = _AfterImportFinder()
        sys.meta_path.insert(0, finder)
    finder.hooks.setdefault(module_name, []).append(hook)


class _AfterImportFinder(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self.hooks: dict[str, list[Callable[[types.ModuleType], None]]] = {}

    def find_spec(self, fullname, path, target=None):
        if fullname not in self.hooks:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _HookedLoader(spec.loader, self.hooks.pop(fullname))
                return spec
        return None


class _HookedLoader(importlib.abc.Loader):
    def __init__(self, loader, hooks) -> None:
        self.loader = loader
        self.hooks = hooks

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        for hook in self.hooks:
            hook(module)

    def __getattr__(self, name: str):  # get_source, get_resource_reader, ... of the real loader
        return getattr(self.loader, name)


def _patch(attribute: str, replacement: Callable, module: types.ModuleType) -> None:
    """Replace `module.attribute`, and every alias of it in modules already loaded."""
    original = module.__dict__.get(attribute)
    if original is None or getattr(original, "grader_offline", False):
        return
    patched = _with_fallback(replacement, original)
    for loaded in list(sys.modules.values()):
        namespace = getattr(loaded, "__dict__", None)
        if isinstance(namespace, dict) and namespace.get(attribute) is original:
            namespace[attribute] = patched


def _with_fallback(replacement: Callable, original: Callable) -> Callable:
    @functools.wraps(original)
    def loader(*args, **kwargs):
        if _serving:  # grader.datasets itself reading the library's copy
            return original(*args, **kwargs)
        return replacement(*args, **kwargs)

    loader.grader_offline = True
    return loader


@contextlib.contextmanager
def _serving_data() -> Iterator[None]:
    global _serving
    previous, _serving = _serving, True
    try:
        yield
    finally:
        _serving = previous


def _student_split(name: str):
    with _serving_data():
        from grader import datasets

        staged = os.environ.get(STUDENT_DATA_ENV)
        try:
            if staged:  # inside a sandbox: only the copy the grader prepared is visible
                return datasets.load_staged(name, Path(staged))
            return datasets.student_split(name)
        except datasets.DatasetUnavailable as error:
            raise DatasetNotAvailable(str(error)) from None


# --- the loaders students call ----------------------------------------------------------------

def _keras_loader(dataset: str) -> Callable:
    def load_data(path: str | None = None):
        train, test = _student_split(dataset)
        # Fresh arrays (the store's are shared and read-only), typed as Keras types them.
        return ((train.x.astype(np.uint8), train.y.astype(np.uint8)),
                (test.x.astype(np.uint8), test.y.astype(np.uint8)))

    return load_data


def _iris_rows() -> tuple[np.ndarray, np.ndarray]:
    train, test = _student_split("iris")
    # Measured to a tenth of a centimetre: rounding undoes float32's 5.099999904632568.
    x = np.round(np.concatenate([train.x, test.x]).astype(np.float64), 1)
    y = np.concatenate([train.y, test.y]).astype(np.int64)
    return x, y


def _load_iris(*, return_X_y: bool = False, as_frame: bool = False):
    from sklearn.utils import Bunch

    x, y = _iris_rows()
    frame = None
    if as_frame:
        import pandas as pd

        frame = pd.DataFrame(x, columns=IRIS_FEATURE_NAMES)
        frame["target"] = y
        x, y = frame[IRIS_FEATURE_NAMES], frame["target"]
    if return_X_y:
        return x, y
    return Bunch(data=x, target=y, frame=frame, target_names=np.array(IRIS_TARGET_NAMES),
                 feature_names=list(IRIS_FEATURE_NAMES), filename="iris.csv",
                 data_module="sklearn.datasets.data",
                 DESCR="Iris plants dataset: the student's rows, served offline by the grader.")


# --- tensorflow_datasets ----------------------------------------------------------------------

def _patch_tfds(module: types.ModuleType) -> None:
    """The real TFDS answers offline too: 'iris' is served, any other name is refused at once
    with the dataset named, before TFDS would spend minutes trying to download it."""
    _patch("load", tfds_load, module)
    _patch("builder", tfds_builder, module)


def _stand_in_tfds() -> types.ModuleType:
    module = types.ModuleType("tensorflow_datasets")
    module.__doc__ = "The grader's offline stand-in for tensorflow_datasets: only 'iris' exists."
    module.load = tfds_load
    module.builder = tfds_builder
    module.Split = types.SimpleNamespace(TRAIN="train", TEST="test", VALIDATION="validation")
    module.grader_stand_in = True
    return module


def tfds_load(name: str, split=None, as_supervised: bool = False, with_info: bool = False,
              batch_size: int | None = None, shuffle_files: bool = False, **_ignored):
    """`tfds.load` for 'iris', answering like TFDS: one 'train' split of (features, label)."""
    if _dataset_name(name) != "iris":
        raise DatasetNotAvailable(
            f"tfds.load({name!r}): the dataset {name!r} is not available offline; the grader "
            "serves only 'iris' through tensorflow_datasets."
        )
    import tensorflow as tf

    x, y = _iris_rows()

    def make(split_name: str):
        rows = _tfds_rows(split_name, len(y))
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
        return result, _iris_info(len(y))
    return result


def tfds_builder(name: str, *args, **kwargs):
    """`tfds.builder`: a builder downloads its data, and a run has no network."""
    dataset = _dataset_name(name)
    served = ("use tfds.load('iris'), which the grader serves offline" if dataset == "iris"
              else "the grader serves only 'iris', through tfds.load('iris')")
    raise DatasetNotAvailable(
        f"tfds.builder({name!r}): the dataset {dataset!r} is not available offline; {served}.")


def _dataset_name(name: str) -> str:
    return str(name).split(":", 1)[0].split("/", 1)[0].strip().lower()


_SLICE = re.compile(r"^\s*train\s*(?:\[\s*(-?\d+%?)?\s*:\s*(-?\d+%?)?\s*\])?\s*$")


def _tfds_rows(split: str, count: int) -> slice:
    """Rows for 'train', 'train[:80%]', 'train[30:]' and the like."""
    match = _SLICE.match(str(split))
    if not match:
        raise DatasetNotAvailable(
            f"tfds.load('iris', split={split!r}): iris has only the 'train' split; "
            "use 'train', or a slice of it such as 'train[:80%]' and 'train[80%:]'."
        )

    def bound(text: str | None) -> int | None:
        if text is None:
            return None
        if text.endswith("%"):
            return round(count * int(text[:-1]) / 100)
        return int(text)

    return slice(bound(match.group(1)), bound(match.group(2)))


def _iris_info(count: int) -> types.SimpleNamespace:
    label = types.SimpleNamespace(num_classes=len(IRIS_TARGET_NAMES), names=IRIS_TARGET_NAMES)
    return types.SimpleNamespace(
        name="iris",
        features={"features": types.SimpleNamespace(shape=(4,), dtype="float32"), "label": label},
        splits={"train": types.SimpleNamespace(name="train", num_examples=count)},
        supervised_keys=("features", "label"),
    )
