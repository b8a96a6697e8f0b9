"""Seed-style advice from a run's training record, and the script's own output.

The record (`grader.harness.record`) is written inside the student's workspace, so it only ever
feeds advice and curves, never the score. Each piece of advice rests on what the record shows;
where it cannot tell, it says less.
"""
from __future__ import annotations

import math
import re

from grader.datasets.preprocessing import PREPROCESSING
from grader.harness.record import Fit, RunRecord
from grader.model.losses import canonical_loss
from grader.tasks.spec import TaskSpec

ACCURACY_KEYS = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")


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


def advice(record: RunRecord | None, task: TaskSpec, graded_inputs: tuple[float, float] | None = None) -> list[str]:
    """What the training record shows a student should change, in the course's words.
    `graded_inputs` is the range of the inputs grading feeds the model, to compare with the
    ones it was trained on."""
    if record is None or not record.trained:
        return []
    last = record.trained[-1]
    notes = _over_fitting(last.history)
    notes += _not_best_epoch(last, record, task.model.file_name)
    if task.is_classification:
        range_notes = _input_range_mismatch(last, task, graded_inputs)
        cause_known = bool(range_notes) or integer_labels_into_one_hot_loss(record, task.model.output_units)
        notes += range_notes
        notes += _accuracy_never_rose(last.history, task.model.output_units, cause_known)
    return notes


def lower_is_better(metric: str) -> bool:
    """Losses and errors (loss, mse, mae, ...) fall as a model improves; accuracies rise."""
    name = metric.lower().removeprefix("val_")
    return not any(word in name for word in ("acc", "auc", "precision", "recall", "f1", "r2"))


def label_encoding(record: RunRecord | None, classes: int) -> str | None:
    """What the labels of the last fit call were: "integer" (one number per example), "one-hot"
    (one column per class), or None when the record cannot tell. A fit that crashed in its
    first step counts: its labels were recorded before it started."""
    shape = record.fits[-1].y.shape if record and record.fits and record.fits[-1].y else None
    if not shape:
        return None
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1):
        return "integer"
    if len(shape) == 2 and shape[1] == classes:
        return "one-hot"
    return None


def integer_labels_into_one_hot_loss(record: RunRecord | None, classes: int) -> bool:
    """The record shows integer labels going into categorical_crossentropy (the seed's warning)."""
    loss = record.fits[-1].loss if record and record.fits else None
    return (label_encoding(record, classes) == "integer"
            and canonical_loss(loss or "") == "categorical_crossentropy")


def epochs_trained(record: RunRecord | None) -> int:
    return sum(len(next(iter(fit.history.values()))) for fit in record.trained) if record else 0


def best_epoch(values: list[float], metric: str) -> int | None:
    """The first epoch (from 1) with the best finite value, as Keras's callbacks pick it."""
    finite = [(v if lower_is_better(metric) else -v, i) for i, v in enumerate(values) if math.isfinite(v)]
    return min(finite)[1] + 1 if finite else None


def _over_fitting(history: dict[str, list[float]]) -> list[str]:
    loss, val_loss = history.get("loss", []), history.get("val_loss", [])
    if len(val_loss) < 3 or len(loss) != len(val_loss):
        return []
    epoch = best_epoch(val_loss, "val_loss")
    if epoch is None:
        return []
    best = epoch - 1
    rose = val_loss[-1] > val_loss[best] * 1.05 and best < len(val_loss) - 1
    if rose and loss[-1] < loss[best]:
        return [f"Over-fitting: val_loss was lowest at epoch {best + 1} ({val_loss[best]:.4f}) and "
                f"rose to {val_loss[-1]:.4f} by epoch {len(val_loss)} while the training loss kept "
                "falling. Train for fewer epochs, or keep the best epoch with a ModelCheckpoint."]
    return []


def _not_best_epoch(fit: Fit, record: RunRecord, model_file: str) -> list[str]:
    val_loss = fit.history.get("val_loss", [])
    if len(val_loss) < 2:
        return []
    epoch = best_epoch(val_loss, "val_loss")
    if epoch is None:
        return []
    best = epoch - 1
    if best == len(val_loss) - 1 or val_loss[-1] <= val_loss[best] * 1.01:
        return []
    if _keeps_best_epoch(fit, record):
        return []
    return [f"The saved model is the last epoch's (val_loss {val_loss[-1]:.4f}), not the best "
            f"epoch's ({best + 1}, val_loss {val_loss[best]:.4f}). Add "
            "ModelCheckpoint(filepath, save_best_only=True, monitor='val_loss') to fit's callbacks "
            f"and call model.load_weights(filepath) before model.save('{model_file}')."]


def _keeps_best_epoch(fit: Fit, record: RunRecord) -> bool:
    for callback in fit.callbacks:
        if callback.name == "EarlyStopping" and callback.settings.get("restore_best_weights"):
            return True
        if callback.name == "ModelCheckpoint" and callback.settings.get("save_best_only") and record.loaded_weights:
            return True
    return False


def _input_range_mismatch(fit: Fit, task: TaskSpec, graded: tuple[float, float] | None) -> list[str]:
    """Trained on inputs of another scale than grading feeds (pixels left at 0-255, features
    divided by 255, ...): said with both ranges, from the record, never guessed."""
    low, high = (fit.x.low, fit.x.high) if fit.x else (None, None)
    if graded is None or low is None or high is None:
        return []
    graded_low, graded_high = graded
    trained_span, graded_span = high - low, graded_high - graded_low
    if trained_span <= 0 or graded_span <= 0:
        return []
    overlap = max(0.0, min(high, graded_high) - max(low, graded_low))
    if 0.2 <= trained_span / graded_span <= 5 and overlap >= 0.5 * graded_span:
        return []
    preprocessing = PREPROCESSING[task.dataset.preprocessing]
    fed = f"from {graded_low:.4g} to {graded_high:.4g}{preprocessing.fed}"
    fix = preprocessing.fix
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
