"""Serve the course's datasets offline, through the calls students already write.

`grader.datasets.offline.install()` makes `tf.keras.datasets.mnist.load_data()`, `...fashion_mnist.load_data()` (Keras 2
and Keras 3), `sklearn.datasets.load_iris()` and `tfds.load('iris')` return the student's part of
each dataset from `grader.datasets.student_split`, in the shapes and types the real calls give
(Keras: uint8 images (60,000, 28, 28) and (10,000, 28, 28), uint8 labels; load_iris(): 150 rows,
float64 data, int64 target), so a script runs unchanged with no network. The hidden evaluation
rows are never served: `student_split` leaves them out. Which call serves which dataset is
declared by the dataset (`served_calls`, `tfds`); `tfds_offline.py` answers tensorflow_datasets.

Keras 3 alone takes seconds to import, so nothing is imported here: each library is patched the
moment its defining module is loaded (`when_imported`), or at once when it already is.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.abc
import importlib.util
import os
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

from grader.sandbox import STUDENT_DATA_ENV  # set by the sandbox: the staged student data

_serving = False  # True while grader.datasets runs, so a loader it calls itself is the real one


class DatasetNotAvailable(RuntimeError):
    """A script asked for a dataset the grader cannot serve without a network."""


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


def patch(attribute: str, replacement: Callable, module: types.ModuleType) -> None:
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
    # A replacement with `answers(*args, **kwargs)` serves only the calls it recognises (a
    # dataset's URLs); the rest reach the real call.
    answers = getattr(replacement, "answers", None)

    @functools.wraps(original)
    def loader(*args, **kwargs):
        if _serving or (answers is not None and not answers(*args, **kwargs)):
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


def student_split(name: str):
    """The student's (train, test) of a dataset: the staged copy inside a sandbox."""
    with _serving_data():
        from grader import datasets

        staged = os.environ.get(STUDENT_DATA_ENV)
        try:
            if staged:  # inside a sandbox: only the copy the grader prepared is visible
                return datasets.load_staged(name, Path(staged))
            return datasets.student_split(name)
        except datasets.DatasetUnavailable as error:
            raise DatasetNotAvailable(str(error)) from None
