"""Seed-style advice from a run's training history (the harness's run record).

The record is written inside the student's workspace, so it is untrusted: it only ever feeds
advice and curves, never the score, and anything malformed in it is ignored.
"""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from grader.tasks import TaskSpec

MAX_RECORD_BYTES = 5 * 2**20
ACCURACY_KEYS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")


@dataclasses.dataclass(frozen=True)
class Curve:
    fit: int  # 1-based number of the fit call
    name: str  # "loss", "val_loss", "accuracy", ...
    values: tuple[float, ...]


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
    entries = record.get("fits") if record else None
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and history(e)]


def curves(record: dict | None) -> list[Curve]:
    return [Curve(number, name, tuple(values))
            for number, entry in enumerate(fits(record), 1)
            for name, values in history(entry).items()]


def advice(record: dict | None, task: TaskSpec) -> list[str]:
    """What the training history says a student should change, in the course's words."""
    notes: list[str] = []
    entries = fits(record)
    if not entries:
        return notes
    last = entries[-1]
    last_history = history(last)
    notes += _over_fitting(last_history)
    notes += _not_best_epoch(last_history, last, record)
    if task.dataset.preprocessing == "scale_255":
        notes += _unscaled_pixels(entries)
    if task.is_classification:
        notes += _accuracy_never_rose(last_history, task.model.output_units)
    return notes


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


def _not_best_epoch(history: dict[str, list[float]], entry: dict, record: dict) -> list[str]:
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
            "and call model.load_weights(filepath) before model.save('mymodel.h5')."]


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


def _unscaled_pixels(entries: list[dict]) -> list[str]:
    for entry in entries:
        x = entry.get("x") if isinstance(entry.get("x"), dict) else {}
        high = x.get("max")
        if isinstance(high, (int, float)) and high > 1.5:
            return [f"The model was trained on pixel values up to {high:g}, but the grader feeds "
                    "pixels / 255 (0 to 1). Divide the images by 255 before fit: "
                    "x_train = x_train / 255.0."]
    return []


def _accuracy_never_rose(history: dict[str, list[float]], classes: int) -> list[str]:
    key = next((k for k in ACCURACY_KEYS if k in history), None)
    if key is None or classes < 2:
        return []
    best = max(history[key])
    if best < 1.5 / classes:
        return [f"Training accuracy never rose above {best:.1%} (chance is {1 / classes:.1%}): the "
                "loss does not match the labels. Integer labels need "
                "sparse_categorical_crossentropy; one-hot labels need categorical_crossentropy; "
                "the last Dense layer needs one unit per class with softmax."]
    return []
