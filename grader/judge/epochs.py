"""Which epoch was best, and which epoch's weights the model held when training ended.

Both are read from the run record (advice and curves only, never the score). The kept epoch is
said only where the record shows it: a script that ran to its end, and either a keep-best
callback (EarlyStopping(restore_best_weights=True), or ModelCheckpoint(save_best_only=True)
followed by a load_weights call) or none, in which case fit leaves the last epoch's weights.
"""
from __future__ import annotations

import dataclasses

from grader.harness.record import CallbackUse, Fit, RunRecord
from grader.judge.feedback import best_epoch


@dataclasses.dataclass(frozen=True)
class EpochMarks:
    best_epoch: int | None = None  # numbered from 1
    best_by: str = ""
    kept_epoch: int | None = None
    kept_by: str = ""


def epoch_marks(fit: Fit, record: RunRecord, last_fit: bool) -> EpochMarks:
    """`last_fit`: this is the run's last fit that trained, the one whose weights were saved."""
    keeper, unknown = _keep_best_callback(fit, record)
    monitor = _monitor(keeper) if keeper else None
    best_by = monitor if monitor in fit.history else next(
        (name for name in ("val_loss", "loss") if name in fit.history), "")
    best = best_epoch(fit.history[best_by], best_by) if best_by else None
    marks = EpochMarks(best_epoch=best, best_by=best_by)
    if not last_fit or record.status != "completed" or unknown:
        return marks  # fit may not have finished, or something else chose the weights
    if keeper is None:
        epochs = len(next(iter(fit.history.values())))
        return dataclasses.replace(marks, kept_epoch=epochs,
                                   kept_by="the last epoch (no callback kept another)")
    if monitor != best_by:
        return marks  # the callback watched a metric the record does not hold
    settings = ", ".join(f"{k}={v!r}" for k, v in keeper.settings.items()
                         if k in ("monitor", "save_best_only", "restore_best_weights"))
    how = f"{keeper.name}({settings})" + (" then load_weights" if keeper.name == "ModelCheckpoint" else "")
    return dataclasses.replace(marks, kept_epoch=best, kept_by=f"the best {best_by} epoch: {how}")


def _keep_best_callback(fit: Fit, record: RunRecord) -> tuple[CallbackUse | None, bool]:
    """The callback that put the best epoch's weights back, and whether something else may have
    changed the weights in a way the record cannot follow (then no epoch is claimed)."""
    for callback in fit.callbacks:
        settings = callback.settings
        if callback.name == "EarlyStopping" and settings.get("restore_best_weights"):
            # A min_delta or a warm-up changes which epoch counts as best.
            plain = not settings.get("min_delta") and not settings.get("start_from_epoch")
            return (callback, False) if plain else (None, True)
        if callback.name == "ModelCheckpoint" and settings.get("save_best_only") and record.loaded_weights:
            per_epoch = settings.get("save_freq", "epoch") == "epoch"
            return (callback, False) if per_epoch else (None, True)
    # Weights loaded with no keep-best callback: from which file, and when, the record cannot say.
    return None, bool(record.loaded_weights)


def _monitor(callback: CallbackUse) -> str:
    monitor = callback.settings.get("monitor", "val_loss")  # both callbacks' default
    return monitor if isinstance(monitor, str) else ""
