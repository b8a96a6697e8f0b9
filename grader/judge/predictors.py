"""Where a command's models are loaded and predicted, chosen from the command's sandbox.

- A model that passed the safe-mode checks goes to one warm worker (per command, or per batch
  thread): a container of the runtime image when the command runs on the Docker backend
  (`grader.judge.container_worker`), else a process on this machine that loads it in Keras 3's
  safe mode (`grader.judge.evaluate.PredictionWorker`).
- A model whose only code is Lambda layers, for a task that allows them, is never loaded in the
  grader's process nor in a warm worker: each gets a run of its own in the command's sandbox, on
  either backend (`grader.judge.sandbox_predict`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.judge.container_worker import ContainerPredictionWorker
from grader.judge.evaluate import WORKER_START_SECONDS, Predictions, PredictionWorker
from grader.judge.sandbox_predict import SandboxedPrediction
from grader.sandbox import RunLimits, SandboxUnavailable
from grader.sandbox.registry import SharedSandbox
from grader.tasks.spec import TaskSpec

PREDICT_SECONDS = 300  # a warm worker's limit per model, and a sandboxed run's after its start-up


class CommandPredictor:
    """The prediction side of one command (or one batch thread). `sandbox` is the command's
    shared sandbox; without one, safe models are predicted on this machine and a model with
    code in the sandbox `auto` picks."""

    def __init__(self, sandbox: SharedSandbox | None = None, timeout_seconds: float = PREDICT_SECONDS) -> None:
        self.sandbox, self.timeout_seconds = sandbox, timeout_seconds
        self._worker: PredictionWorker | None = None

    def __enter__(self) -> "CommandPredictor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def predict(self, model_path: str | Path, inputs: dict[str, np.ndarray]) -> Predictions:
        """A model that passed the safe-mode checks, in the warm worker."""
        if self._worker is None:
            self._worker = self._open_worker()
        return self._worker.predict(model_path, inputs)

    def warm_up(self) -> None:
        """Start the warm worker now (its framework import, or its container, then overlaps the
        student's run). A failure here is left for `predict` to meet, where it becomes a verdict."""
        try:
            if self._worker is None:
                self._worker = self._open_worker()
            self._worker.warm_up()
        except (SandboxUnavailable, OSError):
            self.close()

    def _open_worker(self) -> PredictionWorker:
        opened = self.sandbox.get()[0] if self.sandbox is not None else None
        if opened is not None and opened.name == "docker":
            return ContainerPredictionWorker(opened.image, timeout_seconds=self.timeout_seconds)
        return PredictionWorker(timeout_seconds=self.timeout_seconds)

    def with_code(self, task: TaskSpec) -> SandboxedPrediction:
        """A model whose Lambda layers the task allows: a fresh sandbox run per model."""
        self.sandbox = self.sandbox or SharedSandbox("auto")
        opened, _note = self.sandbox.get()
        limits = RunLimits(time_seconds=WORKER_START_SECONDS + self.timeout_seconds,
                           memory_mb=task.limits.memory_mb)
        return SandboxedPrediction(opened, limits, allow_code=True)

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None
