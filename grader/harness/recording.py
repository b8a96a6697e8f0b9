"""Recording what a run's training did, without touching the student's code: `fit`,
`load_weights`, `save` and `save_weights` of both Kerases' Model are wrapped so each call adds
its entry to the run record (see `grader.harness.record` for the fields)."""
from __future__ import annotations

import functools
import importlib
import inspect
import json
import os
import time
import types
import weakref
from pathlib import Path

# Callback attributes worth judging; Keras 2 and 3 both store them under these names.
_CALLBACK_SETTINGS = ("filepath", "monitor", "save_best_only", "save_weights_only", "save_freq",
                      "patience", "min_delta", "restore_best_weights", "factor", "min_lr",
                      "baseline", "verbose")
# Where each Keras defines Model and Callback.


class Recorder:
    """The run record, and the bookkeeping the wrapped Keras methods share."""

    def __init__(self, path: Path, record: dict) -> None:
        self.path = path
        self.record = record
        self.saver = "script"  # who is calling model.save: the script, or the exam's part
        self.inside_fit = 0  # a checkpoint's save inside fit is not the script's own save
        self.inside_call = 0  # nor is a save_weights that Keras's save makes itself
        self._calls = 0
        self._models: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._started = time.perf_counter()
        self._last_flush = 0.0
        # Only the harness's own process writes the record. Processes the script forks carry a
        # copy of the harness; a fork bomb's hundreds of copies, all writing at once, left a
        # torn file (no record at all) on a busy machine.
        self._writer = os.getpid()

    def start_clock(self) -> None:
        self._started = time.perf_counter()

    def next_call(self) -> int:
        self._calls += 1
        return self._calls

    def model_number(self, model) -> int:
        """1 for the first model seen, 2 for the next, so calls on one model can be matched."""
        try:
            if model not in self._models:
                self._models[model] = len(self._models) + 1
            return self._models[model]
        except TypeError:  # not weak-referenceable
            return 0

    def flush(self, *, at_most_every: float = 0.0) -> None:
        """Write the record atomically, so a run killed from outside leaves a readable one."""
        now = time.perf_counter()
        if now - self._last_flush < at_most_every or os.getpid() != self._writer:
            return
        self._last_flush = now
        if self.record["status"] != "starting":
            self.record["elapsed_seconds"] = round(now - self._started, 3)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(self.record, indent=1, default=str), encoding="utf-8")
        os.replace(temporary, self.path)


def instrument_model_class(module: types.ModuleType, *, recorder: Recorder,
                           callback_module: str) -> None:
    """Wrap `fit`, `load_weights` and `save` of the Model class that `module` defines."""
    model_class = module.Model
    _wrap(model_class, "fit", lambda original: _recording_fit(original, recorder, callback_module))
    _wrap(model_class, "load_weights",
          lambda original: _recording_call(original, recorder, "load_weights"))
    _wrap(model_class, "save", lambda original: _recording_call(original, recorder, "saves"))
    _wrap(model_class, "save_weights",
          lambda original: _recording_call(original, recorder, "saves", what="weights"))


def _wrap(cls: type, name: str, make_wrapper) -> None:
    original = getattr(cls, name)
    if getattr(original, "grader_recorded", False):
        return
    wrapper = make_wrapper(original)
    wrapper.grader_recorded = True
    setattr(cls, name, wrapper)


def _recording_fit(original, recorder: Recorder, callback_module: str):
    signature = inspect.signature(original)
    defaults = {name: p.default for name, p in signature.parameters.items()}

    @functools.wraps(original)
    def fit(self, *args, **kwargs):
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError:  # let Keras word the mistake
            return original(self, *args, **kwargs)
        if recorder.inside_fit:
            return original(self, *args, **kwargs)
        arguments = dict(defaults, **bound.arguments)
        if hasattr(arguments.get("callbacks"), "set_model"):  # `callbacks=cb`: Keras takes one alone
            arguments["callbacks"] = bound.arguments["callbacks"] = [arguments["callbacks"]]
        entry = _fit_entry(recorder, self, arguments)
        recorder.record["fits"].append(entry)
        callbacks = arguments["callbacks"]
        if callbacks is None or isinstance(callbacks, (list, tuple)):
            base = importlib.import_module(callback_module).Callback
            bound.arguments["callbacks"] = [*(callbacks or []), _epoch_log(base, entry, recorder)]
        recorder.flush()
        recorder.inside_fit += 1
        try:
            history = original(*bound.args, **bound.kwargs)
        finally:
            recorder.inside_fit -= 1
            recorder.flush()
        entry["completed"] = True
        if not entry["epochs_run"]:  # callbacks were not a list: take what History kept
            _copy_history(getattr(history, "history", None) or {}, entry)
        recorder.flush()
        return history

    return fit


def _fit_entry(recorder: Recorder, model, arguments: dict) -> dict:
    validation_data = arguments.get("validation_data")
    if validation_data is not None:
        validation_x = (validation_data[0] if isinstance(validation_data, (list, tuple))
                        else validation_data)
        validation = {"kind": "data", "x": describe_values(validation_x)}
    elif arguments.get("validation_split"):
        validation = {"kind": "split", "split": float(arguments["validation_split"])}
    else:
        validation = {"kind": None}
    callbacks = arguments.get("callbacks")
    return {
        "call": recorder.next_call(),
        "model": recorder.model_number(model),
        "model_name": str(getattr(model, "name", "")),
        "epochs_requested": arguments.get("epochs"),
        "epochs_run": 0,
        "batch_size": arguments.get("batch_size"),
        "completed": False,
        "history": {},
        "epoch_seconds": [],
        "callbacks": [describe_callback(c) for c in callbacks]
        if isinstance(callbacks, (list, tuple)) else [],
        "x": describe_values(arguments.get("x")),
        "y": describe_values(arguments.get("y")),
        "validation": validation,
        "loss": loss_name(getattr(model, "loss", None)),
    }


def loss_name(loss) -> str | None:
    """The compiled loss as the course writes it: a string, or a loss function's or object's name."""
    if loss is None or isinstance(loss, str):
        return loss
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None)
    return str(name) if name else type(loss).__name__


def _epoch_log(base: type, entry: dict, recorder: Recorder):
    """A callback, added after the student's own, that copies each epoch's logs into `entry`."""

    class GraderEpochLog(base):
        def on_epoch_begin(self, epoch, logs=None):
            self.grader_started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            started = getattr(self, "grader_started", time.perf_counter())
            entry["epoch_seconds"].append(round(time.perf_counter() - started, 3))
            _copy_history({key: [value] for key, value in (logs or {}).items()}, entry)
            recorder.flush(at_most_every=1.0)

    return GraderEpochLog()


def _copy_history(history: dict, entry: dict) -> None:
    epochs = 0
    for key, values in history.items():
        numbers = []
        for value in values:
            try:
                numbers.append(float(value))
            except (TypeError, ValueError):
                break
        else:
            entry["history"].setdefault(str(key), []).extend(numbers)
            epochs = max(epochs, len(numbers))
    entry["epochs_run"] += epochs


def _recording_call(original, recorder: Recorder, kind: str, what: str = "model"):
    """Wrap `load_weights`, `save` or `save_weights` so each call by the script is recorded with
    its path (`what` a save wrote: the whole model, or weights only)."""

    @functools.wraps(original)
    def method(self, *args, **kwargs):
        if recorder.inside_fit or recorder.inside_call:  # a callback's or Keras's own call
            return original(self, *args, **kwargs)
        path = args[0] if args else kwargs.get("filepath")
        entry = {"call": recorder.next_call(), "model": recorder.model_number(self),
                 "path": os.fspath(path) if isinstance(path, (str, os.PathLike)) else repr(path),
                 "ok": False}
        if kind == "saves":
            entry.update(by=recorder.saver, what=what)
        recorder.record[kind].append(entry)
        recorder.inside_call += 1
        try:
            result = original(self, *args, **kwargs)
        finally:
            recorder.inside_call -= 1
        entry["ok"] = True
        recorder.flush(at_most_every=1.0)
        return result

    return method


def describe_callback(callback) -> dict:
    settings = {}
    for name in _CALLBACK_SETTINGS:
        try:
            value = getattr(callback, name)
        except Exception:
            continue
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if hasattr(value, "item") and callable(value.item):  # a NumPy scalar
            value = value.item()
        if isinstance(value, (str, int, float, bool)):
            settings[name] = value
    return {"class": type(callback).__name__, "settings": settings}


def describe_values(value) -> dict | None:
    """Type, shape, dtype and range of what was passed to fit, for "you trained on 0–255"."""
    if value is None:
        return None
    summary: dict = {"type": type(value).__name__}
    try:
        array, sampled = _as_array(value)
    except Exception:
        return summary
    if array is None:
        return summary
    import numpy as np

    summary["shape"] = list(array.shape)
    summary["dtype"] = str(array.dtype)
    if sampled:
        summary["sampled"] = "first element"
    if array.size and (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        summary["min"] = float(np.min(array))
        summary["max"] = float(np.max(array))
    return summary


def _as_array(value):
    import numpy as np

    if isinstance(value, np.ndarray):
        return value, False
    if hasattr(value, "element_spec") and hasattr(value, "take"):  # a tf.data.Dataset
        element = next(iter(value.take(1)))
        if isinstance(element, (tuple, list)):
            element = element[0]
        if isinstance(element, dict):
            return None, True
        return np.asarray(element), True
    if hasattr(value, "numpy") and hasattr(value, "dtype"):  # a tensor
        return np.asarray(value.numpy()), False
    if hasattr(value, "to_numpy"):  # pandas
        return value.to_numpy(), False
    if isinstance(value, (list, tuple)):
        return np.asarray(value), False
    return None, False  # generators and Sequences: reading them would use them up

