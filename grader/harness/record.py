"""The harness's run record, read once and carefully into typed data.

The record is a JSON file the harness writes inside the student's workspace, so the student's
code can overwrite it with anything. `read_run_record` accepts only what has the right shape:
a field of the wrong type is dropped (an empty value in its place), never trusted, and an
oversized or unreadable file is no record at all. Everything downstream (verdicts, advice,
curves, the report) reads these fields, never the raw JSON. What the harness writes is
documented in `grader.harness.runner`.
"""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

# The file the harness writes in the workspace (the sandbox maps it to its own path).
RECORD_NAME = ".grader_run.json"
MAX_RECORD_BYTES = 5 * 2**20


@dataclasses.dataclass(frozen=True)
class Values:
    """What was passed to fit as x or y: its shape and range."""

    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    low: float | None = None
    high: float | None = None


@dataclasses.dataclass(frozen=True)
class CallbackUse:
    name: str  # the class, e.g. "ModelCheckpoint"
    settings: dict[str, str | int | float | bool]


@dataclasses.dataclass(frozen=True)
class Fit:
    history: dict[str, list[float]]  # metric -> one finite-or-NaN number per epoch
    epochs_run: int | None = None
    epochs_requested: int | None = None
    callbacks: tuple[CallbackUse, ...] = ()
    x: Values | None = None
    y: Values | None = None
    loss: str | None = None


@dataclasses.dataclass(frozen=True)
class Save:
    """One `save` or `save_weights` call of the script, and whether it worked."""

    path: str
    ok: bool
    what: str = "model"  # or "weights"


@dataclasses.dataclass(frozen=True)
class ScriptError:
    stage: str  # "setup" (the harness, before the script), "script" or "solution_model"
    type: str
    message: str
    line: int | None = None


@dataclasses.dataclass(frozen=True)
class RunRecord:
    status: str = ""
    workdir: str | None = None
    cwd_at_exit: str | None = None
    keras: dict[str, str] = dataclasses.field(default_factory=dict)
    seeds: dict[str, int] = dataclasses.field(default_factory=dict)
    devices: dict[str, Any] = dataclasses.field(default_factory=dict)
    fits: tuple[Fit, ...] = ()  # every fit call, with or without epochs recorded
    loaded_weights: tuple[str, ...] = ()  # paths of load_weights calls that worked
    saves: tuple[Save, ...] = ()
    error: ScriptError | None = None

    @property
    def trained(self) -> tuple[Fit, ...]:
        """The fits that recorded at least one epoch."""
        return tuple(fit for fit in self.fits if fit.history)


def read_run_record(path: Path) -> RunRecord | None:
    """The record at `path`, or None when it is missing, oversized or not a JSON object."""
    try:
        if path.stat().st_size > MAX_RECORD_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return parse_run_record(data)


def parse_run_record(data: object) -> RunRecord | None:
    """Typed fields from what the JSON held; anything malformed is left out."""
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    return RunRecord(
        status=_text(data.get("status")) or "",
        workdir=_text(data.get("workdir")),
        cwd_at_exit=_text(data.get("cwd_at_exit")),
        keras={str(k): str(v) for k, v in _mapping(data.get("keras")).items() if isinstance(v, (str, int))},
        seeds={str(k): v for k, v in _mapping(data.get("seeds")).items() if _is_int(v)},
        devices=_mapping(data.get("devices")),
        fits=tuple(_fit(entry) for entry in _dicts(data.get("fits"))),
        loaded_weights=tuple(str(e["path"]) for e in _dicts(data.get("load_weights"))
                             if e.get("ok") is True and isinstance(e.get("path"), str)),
        saves=tuple(Save(path=e["path"], ok=e.get("ok") is True,
                         what="weights" if e.get("what") == "weights" else "model")
                    for e in _dicts(data.get("saves")) if isinstance(e.get("path"), str)),
        error=_error(error) if isinstance(error, dict) else None,
    )


def _fit(entry: dict) -> Fit:
    return Fit(history=_history(entry.get("history")),
               epochs_run=entry.get("epochs_run") if _is_int(entry.get("epochs_run")) else None,
               epochs_requested=entry.get("epochs_requested") if _is_int(entry.get("epochs_requested")) else None,
               callbacks=tuple(CallbackUse(name=str(c.get("class", "")),
                                           settings={str(k): v for k, v in _mapping(c.get("settings")).items()
                                                     if isinstance(v, (str, int, float, bool))})
                               for c in _dicts(entry.get("callbacks"))),
               x=_values(entry.get("x")), y=_values(entry.get("y")), loss=_text(entry.get("loss")))


def _history(value: object) -> dict[str, list[float]]:
    clean = {}
    for name, values in _mapping(value).items():
        if isinstance(values, list) and values and all(_is_number(v) for v in values):
            clean[str(name)] = [float(v) for v in values]
    return clean


def _values(value: object) -> Values | None:
    if not isinstance(value, dict):
        return None
    shape = value.get("shape")
    low, high = value.get("min"), value.get("max")
    return Values(shape=tuple(shape) if isinstance(shape, list) and all(_is_int(d) for d in shape) else None,
                  dtype=_text(value.get("dtype")),
                  low=float(low) if _is_number(low) and math.isfinite(low) else None,
                  high=float(high) if _is_number(high) and math.isfinite(high) else None)


def _error(error: dict) -> ScriptError:
    return ScriptError(stage=_text(error.get("stage")) or "", type=_text(error.get("type")) or "",
                       message=str(error.get("message", "")) if error.get("message") is not None else "",
                       line=error.get("line") if _is_int(error.get("line")) else None)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _mapping(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict]:
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
