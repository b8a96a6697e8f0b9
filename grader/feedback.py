"""Seed-style advice from a run's training history (the harness's run record).

The record is written inside the student's workspace, so it is untrusted: it only ever feeds
advice and curves, never the score, and anything malformed in it is ignored.
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

from grader.losses import canonical_loss
from grader.tasks import TaskSpec

MAX_RECORD_BYTES = 5 * 2**20
ACCURACY_KEYS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")


@dataclasses.dataclass(frozen=True)
class Curve:
    fit: int  # 1-based number of the fit call
    name: str  # "loss", "val_loss", "accuracy", ...
    values: tuple[float, ...]


# What TensorFlow's C++ core (absl logging) and Python libraries print on their own: start-up
# notices, CUDA probes, deprecation and HDF5-format warnings. None of it is the student's.
_LIBRARY_LOG_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] \S+\.cc:\d+\]"  # TF's C++ log
    r"|[IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\]"  # absl's
    r"|WARNING: All log messages before absl::InitializeLog"
    r"|To enable the following instructions: .* rebuild TensorFlow"
    r"|(WARNING|INFO):(tensorflow|absl|root):)")
_LIBRARY_WARNING = re.compile(r"^(?P<file>/\S+\.py):\d+: \w*Warning: ")


def script_output(text: str) -> str:
    """The run's output without the libraries' own log lines and warnings: what the student's
    script printed, and its traceback. A warning raised in the student's own file is kept."""
    kept: list[str] = []
    skipping_warning = False
    for line in text.splitlines():
        if skipping_warning and line.startswith("  "):  # the source line a warning quotes
            continue
        skipping_warning = False
        warning = _LIBRARY_WARNING.match(line)
        if warning and ("site-packages" in warning["file"] or "dist-packages" in warning["file"]):
            skipping_warning = True
            continue
        if _LIBRARY_LOG_LINE.match(line):
            continue
        kept.append(line)
    return "\n".join(kept)


def read_record(path: Path) -> dict | None:
    """The run record as a dict, or None when missing, oversized or not a JSON object."""
    try:
        if path.stat().st_size > MAX_RECORD_BYTES:
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def fits(record: dict | None) -> list[dict]:
    """The record's fit entries that have a usable history."""
    return [e for e in fit_entries(record) if history(e)]


def fit_entries(record: dict | None) -> list[dict]:
    """Every fit entry of the record, with or without a history."""
    entries = record.get("fits") if record else None
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def curves(record: dict | None) -> list[Curve]:
    return [Curve(number, name, tuple(values))
            for number, entry in enumerate(fits(record), 1)
            for name, values in history(entry).items()]


def advice(record: dict | None, task: TaskSpec, graded_inputs: tuple[float, float] | None = None) -> list[str]:
    """What the training record shows a student should change, in the course's words. Each
    note rests on what the record shows; `graded_inputs` is the range of the inputs grading
    feeds the model, to compare with the ones it was trained on."""
    notes: list[str] = []
    entries = fits(record)
    if not entries:
        return notes
    last = entries[-1]
    last_history = history(last)
    notes += _over_fitting(last_history)
    notes += _not_best_epoch(last_history, last, record, task.model.file_name)
    range_notes = _input_range_mismatch(last, task, graded_inputs) if task.is_classification else []
    notes += range_notes
    if task.is_classification:
        cause_known = bool(range_notes) or label_encoding(record, task.model.output_units) == "integer" \
            and canonical_loss(str(last.get("loss") or "")) == "categorical_crossentropy"
        notes += _accuracy_never_rose(last_history, task.model.output_units, cause_known)
    return notes


def lower_is_better(metric: str) -> bool:
    """Losses and errors (loss, mse, mae, ...) fall as a model improves; accuracies rise."""
    name = metric.lower().removeprefix("val_")
    return not any(word in name for word in ("acc", "auc", "precision", "recall", "f1", "r2"))


def label_encoding(record: dict | None, classes: int, require_history: bool = True) -> str | None:
    """What the labels of the last recorded fit were: "integer" (one number per example),
    "one-hot" (one column per class), or None when the record cannot tell. A fit that crashed
    in its first step has no history; `require_history=False` reads it all the same."""
    entries = fits(record) if require_history else fit_entries(record)
    y = entries[-1].get("y") if entries else None
    shape = y.get("shape") if isinstance(y, dict) else None
    if not isinstance(shape, list) or not shape or not all(isinstance(d, int) for d in shape):
        return None
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1):
        return "integer"
    if len(shape) == 2 and shape[1] == classes:
        return "one-hot"
    return None


def history(entry: dict) -> dict[str, list[float]]:
    history = entry.get("history")
    if not isinstance(history, dict):
        return {}
    clean = {}
    for name, values in history.items():
        if isinstance(values, list) and values and all(isinstance(v, (int, float)) for v in values):
            clean[str(name)] = [float(v) for v in values]
    return clean


def _best(values: list[float]) -> int:
    finite = [(v, i) for i, v in enumerate(values) if math.isfinite(v)]
    return min(finite)[1] if finite else len(values) - 1


def _over_fitting(history: dict[str, list[float]]) -> list[str]:
    loss, val_loss = history.get("loss", []), history.get("val_loss", [])
    if len(val_loss) < 3 or len(loss) != len(val_loss):
        return []
    best = _best(val_loss)
    rose = val_loss[-1] > val_loss[best] * 1.05 and best < len(val_loss) - 1
    if rose and loss[-1] < loss[best]:
        return [f"Over-fitting: val_loss was lowest at epoch {best + 1} ({val_loss[best]:.4f}) and "
                f"rose to {val_loss[-1]:.4f} by epoch {len(val_loss)} while the training loss kept "
                "falling. Train for fewer epochs, or keep the best epoch with a ModelCheckpoint."]
    return []


def _not_best_epoch(history: dict[str, list[float]], entry: dict, record: dict, model_file: str) -> list[str]:
    val_loss = history.get("val_loss", [])
    if len(val_loss) < 2:
        return []
    best = _best(val_loss)
    if best == len(val_loss) - 1 or val_loss[-1] <= val_loss[best] * 1.01:
        return []
    if _keeps_best_epoch(entry, record):
        return []
    return [f"The saved model is the last epoch's (val_loss {val_loss[-1]:.4f}), not the best "
            f"epoch's ({best + 1}, val_loss {val_loss[best]:.4f}). Add "
            "ModelCheckpoint(filepath, save_best_only=True, monitor='val_loss') to fit's callbacks "
            f"and call model.load_weights(filepath) before model.save('{model_file}')."]


def _keeps_best_epoch(entry: dict, record: dict) -> bool:
    callbacks = [c for c in entry.get("callbacks") or [] if isinstance(c, dict)]
    for callback in callbacks:
        settings = callback.get("settings") if isinstance(callback.get("settings"), dict) else {}
        if callback.get("class") == "EarlyStopping" and settings.get("restore_best_weights"):
            return True
        if callback.get("class") == "ModelCheckpoint" and settings.get("save_best_only"):
            loads = record.get("load_weights") if isinstance(record.get("load_weights"), list) else []
            if any(isinstance(load, dict) and load.get("ok") for load in loads):
                return True
    return False


def _input_range_mismatch(entry: dict, task: TaskSpec, graded: tuple[float, float] | None) -> list[str]:
    """Trained on inputs of another scale than grading feeds (pixels left at 0-255, features
    divided by 255, ...): said with both ranges, from the record, never guessed."""
    x = entry.get("x") if isinstance(entry.get("x"), dict) else {}
    low, high = x.get("min"), x.get("max")
    if graded is None or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (low, high)):
        return []
    graded_low, graded_high = graded
    trained_span, graded_span = high - low, graded_high - graded_low
    if trained_span <= 0 or graded_span <= 0:
        return []
    overlap = max(0.0, min(high, graded_high) - max(low, graded_low))
    if 0.2 <= trained_span / graded_span <= 5 and overlap >= 0.5 * graded_span:
        return []
    fed = f"from {graded_low:.4g} to {graded_high:.4g}"
    if task.dataset.preprocessing == "scale_255":
        fed += " (pixels / 255)"
        fix = "Divide the images by 255 before fit: x_train = x_train / 255.0."
    else:
        fix = "Train on the inputs as the task's data gives them, scaled the way grading feeds them."
    return [f"The model was trained on inputs from {low:.4g} to {high:.4g}, but grading feeds it "
            f"inputs {fed}. {fix}"]


def _accuracy_never_rose(history: dict[str, list[float]], classes: int, cause_known: bool) -> list[str]:
    key = next((k for k in ACCURACY_KEYS if k in history), None)
    if key is None or classes < 2:
        return []
    best = max(history[key])
    if best >= 1.5 / classes:
        return []
    note = f"Training accuracy never rose above {best:.1%} (chance is {1 / classes:.1%}): the model did not learn."
    if not cause_known:  # the record does not say why: what to look at, not a verdict
        note += (" Check that the last Dense layer has one unit per class with softmax and that the "
                 "loss matches the labels: integer labels need sparse_categorical_crossentropy, "
                 "one-hot labels categorical_crossentropy.")
    return [note]
