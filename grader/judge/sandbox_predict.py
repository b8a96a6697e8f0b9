"""Predicting with a model inside a sandbox: for a model that holds code (a task's allowed Lambda
layers), never loaded in the grader's process.

One run of `python -m grader.judge.predict_worker --request request.json --allow-code` in the
command's sandbox (the backend's isolation: no network, evaluation files hidden, limits). Its
read-only data folder holds a copy of the model file, the hidden inputs as `.npy` files and the
request; the labels never leave the grader. The worker writes one `.npy` of predictions per
input into its workspace; the grader reads them back as untrusted files (no link followed, size
capped, no pickles, one numeric row per example) and checks them for shape and finiteness as it
checks every model's predictions (`grader.judge.evaluate`).

Whose failure it is: the worker prints {"ready": true} once its imports are done, before it
opens the model. A run that never got there failed in the grader's machinery (`grader_error`);
after it, a load error, a crash, a timeout or running out of memory is the model's verdict.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

import numpy as np

from grader import datasets
from grader.judge.evaluate import Predictions, WorkerError
from grader.sandbox import RunLimits, RunRequest, RunResult, Sandbox, SandboxUnavailable

PREDICT_MODULE = "grader.judge.predict_worker"
REQUEST_NAME = "request.json"
MAX_PREDICTION_BYTES = 512 * 2**20  # far above any task's predictions (10,000 x 10 float32 is 400 KB)


class SandboxedPrediction:
    """Predicts each model in a fresh run of the sandbox (one run per model: code a model holds
    cannot reach the next model's predictions)."""

    def __init__(self, sandbox: Sandbox, limits: RunLimits, allow_code: bool = True) -> None:
        self.sandbox, self.limits, self.allow_code = sandbox, limits, allow_code

    def predict(self, model_path: str | Path, inputs: dict[str, np.ndarray]) -> Predictions:
        folder = Path(tempfile.mkdtemp(prefix="grader-sandboxed-predict-"))
        try:
            data, workspace = folder / "data", folder / "workspace"
            workspace.mkdir()
            request = stage_request(Path(model_path), inputs, data)
            result = self.sandbox.run(request(workspace, self.allow_code), self.limits)
            answer = read_answer(result, self.limits)
            outputs = read_predictions(workspace, {name: len(x) for name, x in inputs.items()})
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        backend = f"{str(answer.get('backend', 'Keras'))[:80]}, inside the {self.sandbox.name} sandbox"
        return Predictions(backend, str(answer.get("fallback_reason", ""))[:500], outputs)


def stage_request(model_path: Path, inputs: dict[str, np.ndarray], data: Path):
    """Write the model's copy, the inputs and the request into `data`; a function that makes the
    RunRequest for a workspace."""
    data.mkdir()
    model_name = "model" + (model_path.suffix if model_path.suffix in (".h5", ".keras") else ".h5")
    shutil.copyfile(model_path, data / model_name)  # a copy: the sandbox sees this file only
    names = {}
    for name, array in inputs.items():
        names[name] = f"in_{name}.npy"
        np.save(data / names[name], array, allow_pickle=False)
    (data / REQUEST_NAME).write_text(json.dumps({"model": model_name, "inputs": names, "out_dir": "."}))
    for path in (data, *data.iterdir()):  # the container's unprivileged user reads them
        path.chmod(0o755 if path.is_dir() else 0o644)

    def request(workspace: Path, allow_code: bool) -> RunRequest:
        return RunRequest(
            harness_args=["--request", REQUEST_NAME, *(["--allow-code"] if allow_code else [])],
            workspace=workspace, data_dir=data, module=PREDICT_MODULE,
            env={"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"},
            hidden=tuple(datasets.evaluation_files()),
        )

    return request


def read_answer(result: RunResult, limits: RunLimits) -> dict:
    """The worker's answer from a finished run, or the failure: SandboxUnavailable when the
    worker never started (the grader's), WorkerError when the model failed (the student's)."""
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if not lines or _json(lines[0]) != {"ready": True}:
        tail = next((line for line in reversed(result.stderr.splitlines()) if line.strip()), "")
        raise SandboxUnavailable(f"the prediction worker did not start in the {result.backend} sandbox "
                                 f"({_ending(result)}) {tail}".strip())
    if result.timed_out:
        raise WorkerError("predict", f"loading and predicting did not finish within {limits.time_seconds:.0f} s")
    if result.out_of_memory:
        raise WorkerError("predict", f"loading and predicting used more than the {limits.memory_mb:,} MB "
                                     "of memory allowed")
    if result.process_limit_hit:
        raise WorkerError("predict", f"the model started more than {limits.processes} processes and threads")
    answer = _json(lines[-1]) if len(lines) > 1 else None
    if not isinstance(answer, dict) or "ok" not in answer:
        tail = next((line for line in reversed(result.stderr.splitlines()) if line.strip()), "")
        raise WorkerError("predict", f"the prediction process died ({_ending(result)}) {tail[-300:]}".strip())
    if not answer["ok"]:
        stage = answer.get("stage") if answer.get("stage") in ("load", "predict") else "predict"
        raise WorkerError(stage, str(answer.get("error", "unknown error"))[:500])
    return answer


def read_predictions(folder: Path, rows: dict[str, int]) -> dict[str, np.ndarray]:
    """`pred_<name>.npy` for each input, read as untrusted: a regular file (a link is never
    followed), at most MAX_PREDICTION_BYTES, no pickles, numbers, one row per example."""
    outputs = {}
    for name, count in rows.items():
        path = folder / f"pred_{name}.npy"
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as error:
            raise WorkerError("predict", f"no predictions came back ({error.strerror})") from None
        with os.fdopen(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_PREDICTION_BYTES:
                raise WorkerError("predict", "the predictions that came back are not a file of a sensible size")
            try:
                array = np.load(handle, allow_pickle=False)
            except (ValueError, OSError, EOFError) as error:
                raise WorkerError("predict", f"the predictions that came back cannot be read: {error}") from None
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "fiub" or array.ndim < 1 \
                or len(array) != count:
            raise WorkerError("predict", f"the predictions that came back have shape {getattr(array, 'shape', '?')} "
                                         f"and type {getattr(array, 'dtype', '?')}; expected {count} rows of numbers")
        outputs[name] = array.astype(np.float32, copy=False)
    return outputs


def _json(line: str):
    try:
        return json.loads(line)
    except ValueError:
        return None


def _ending(result: RunResult) -> str:
    if result.signal is not None:
        return f"killed by signal {result.signal}"
    return f"exit code {result.exit_code}"
