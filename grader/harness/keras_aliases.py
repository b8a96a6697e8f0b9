"""Keras 2 everywhere: `keras`, `tensorflow.python.keras` and `keras_preprocessing` are tf-keras.

The course's code was written for TensorFlow 2.4–2.15, when every one of these names meant the same
Keras 2. Today `keras` is Keras 3, which refuses that code (`save_weights('w.h5')`,
`ModelCheckpoint('asdf.ckpg', save_weights_only=True)`); `TF_USE_LEGACY_KERAS=1` switches only
`tf.keras`. `install()` adds an import finder that hands out tf-keras's own module objects under
the old names, so `keras.layers.Dense is tf.keras.layers.Dense` and the harness's wrapping of
`tf_keras`'s Model records calls made through `keras.Model` too:

    keras, keras.X                      -> tf_keras, tf_keras.X (else tf_keras.src.X)
    tensorflow.python.keras[.X]         -> the same (TensorFlow 2.4's own copy of Keras)
    keras_preprocessing[.X]             -> tf_keras.preprocessing[.X] (image, sequence, text)

`tf_keras.X` is the public API (`keras.layers`, `keras.utils.to_categorical`); the `src` fallback
serves the internal paths old code also imported (`keras.engine.sequential`, `keras.layers.core`,
`keras.utils.np_utils`).

Only the harness installs this, in the student's process and after TensorFlow is imported:
TensorFlow's own import loads its copy of Keras under `tensorflow.python.keras`, which must stay
itself while TensorFlow starts. The grader's evaluator never sees the aliases.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

# Old name -> where tf-keras keeps it: the public API first, then the internal package.
ALIASES: dict[str, tuple[str, ...]] = {
    "keras": ("tf_keras", "tf_keras.src"),
    "tensorflow.python.keras": ("tf_keras", "tf_keras.src"),
    "keras_preprocessing": ("tf_keras.preprocessing", "tf_keras.src.preprocessing"),
}


def install() -> None:
    """Serve the old Keras names from tf-keras from now on; safe to call more than once."""
    if any(isinstance(finder, KerasAliasFinder) for finder in sys.meta_path):
        return
    _forget_loaded(ALIASES)
    # First in line: a later finder (the dataset hooks' among them) would otherwise load the
    # real Keras 3 under these names.
    sys.meta_path.insert(0, KerasAliasFinder())


def target_of(name: str) -> str | None:
    """The tf-keras module `name` stands for, or None when `name` is not an alias (or tf-keras
    has no such module)."""
    for alias, targets in ALIASES.items():
        if name == alias:
            return targets[0]
        if name.startswith(alias + "."):
            rest = name[len(alias):]
            for target in targets:
                if _exists(target + rest):
                    return target + rest
            return None
    return None


def _exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a parent that is not a package, or not importable
        return False


def _forget_loaded(aliases: dict[str, tuple[str, ...]]) -> None:
    """Drop modules already loaded under an alias, so the next import of the name asks the finder.

    `import tensorflow` loads its copy of Keras as `tensorflow.python.keras.*`; TensorFlow keeps the
    references it bound, only new imports by name get tf-keras. The attribute on the parent goes
    too: `from tensorflow.python import keras` would otherwise read it instead of importing.
    """
    for name in [n for n in sys.modules if any(n == a or n.startswith(a + ".") for a in aliases)]:
        del sys.modules[name]
    for alias in aliases:
        parent, _, child = alias.rpartition(".")
        if parent and parent in sys.modules and child in vars(sys.modules[parent]):
            delattr(sys.modules[parent], child)


class KerasAliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if not any(fullname == a or fullname.startswith(a + ".") for a in ALIASES):
            return None
        real = target_of(fullname)
        if real is None:
            return None  # nothing in tf-keras: the import fails as it would have
        is_package = _is_package(real)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(real), is_package=is_package)


def _is_package(name: str) -> bool:
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.submodule_search_locations is not None


class _AliasLoader(importlib.abc.Loader):
    """Puts the tf-keras module itself in sys.modules under the alias: the import system then
    returns that module, not the empty one it made for the spec."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):
        return None  # the default empty module, replaced in exec_module

    def exec_module(self, module: types.ModuleType) -> None:
        sys.modules[module.__name__] = importlib.import_module(self.target)
