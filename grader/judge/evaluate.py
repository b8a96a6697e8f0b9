"""Scoring a model on the task's hidden evaluation split.

The model runs in a separate prediction worker process (`grader.judge.predict_worker`): a model file
that crashes Keras, or HDF5 itself, ends as a verdict instead of taking the grader down. The
worker gets inputs only; labels stay here and every metric is computed here.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

from grader import datasets, timings
from grader.datasets.preprocessing import PREPROCESSING
from grader.judge.metrics import METRICS, MetricValue
from grader.judge.predict_worker import PREDICT_CHUNK
from grader.model.inspector import ModelInfo
from grader.results import CheckResult, Evaluation, RegressionPoint, Verdict
from grader.sandbox.processes import die_with_parent
from grader.tasks.spec import TaskSpec

WORKER_START_SECONDS = 120
RAW_PIXELS_MARGIN = 0.2  # accuracy gained on 0-255 inputs that says "you forgot / 255"
# The raw-pixel comparison is predicted on the split's first rows only: a margin this wide shows
# on a thousand images, and predicting all of them twice was the largest part of a grade's own
# time. One prediction chunk's worth, so the worker calls the model with the shape it knows.
RAW_PIXELS_SAMPLE = PREDICT_CHUNK


class WorkerError(RuntimeError):
    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage


@dataclasses.dataclass(frozen=True)
class Predictions:
    backend: str
    fallback_reason: str
    outputs: dict[str, np.ndarray]


class PredictionWorker:
    """A `python -m grader.judge.predict_worker` process, started on first use and reused after."""

    def __init__(self, timeout_seconds: float = 300) -> None:
        self.timeout_seconds = timeout_seconds
        self._process: subprocess.Popen | None = None
        self._answers: queue.Queue[str | None] = queue.Queue()
        self._stderr_tail: list[str] = []
        self._starting = False  # spawned, its "ready" line not read yet

    def __enter__(self) -> "PredictionWorker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def warm_up(self) -> None:
        """Start the process now and return at once: its framework import (seconds) then overlaps
        whatever the grader does next, e.g. the student's training run."""
        if self._process is None:
            self._spawn()

    def _command(self) -> list[str]:
        """The worker's command line: a Python process on this machine (a container in
        `grader.judge.container_worker`)."""
        return [sys.executable, "-m", "grader.judge.predict_worker"]

    def _start(self) -> None:
        if self._process is None:
            self._spawn()
        if self._starting:
            self._starting = False
            with timings.phase("wait for the evaluator to start"):
                self._receive(WORKER_START_SECONDS, stage="start")

    def _spawn(self) -> None:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1"}
        env.pop("TF_USE_LEGACY_KERAS", None)
        self._process = subprocess.Popen(
            self._command(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env, start_new_session=True,
            preexec_fn=functools.partial(die_with_parent, os.getpid()),
        )
        self._answers = queue.Queue()
        self._stderr_tail = []
        threading.Thread(target=self._pump, args=(self._process.stdout, self._answers), daemon=True).start()
        threading.Thread(target=self._drain, args=(self._process.stderr,), daemon=True).start()
        self._starting = True

    @staticmethod
    def _pump(stream, answers: queue.Queue) -> None:
        for line in stream:
            answers.put(line)
        answers.put(None)

    def _drain(self, stream) -> None:
        for line in stream:
            self._stderr_tail = (self._stderr_tail + [line.rstrip()])[-20:]

    def _receive(self, timeout: float, stage: str) -> dict:
        try:
            line = self._answers.get(timeout=timeout)
        except queue.Empty:
            self.close()
            raise WorkerError(stage, f"no answer within {timeout:.0f} s") from None
        if line is None:
            code = self._process.wait() if self._process else None
            self._process = None
            cause = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            detail = next((l for l in reversed(self._stderr_tail) if l.strip()), "")
            raise WorkerError(stage, f"the prediction process died ({cause}) {detail}".strip())
        return json.loads(line)

    def predict(self, model_path: str | Path, inputs: dict[str, np.ndarray]) -> Predictions:
        with tempfile.TemporaryDirectory(prefix="grader-predict-") as scratch:
            paths = {}
            for name, array in inputs.items():
                paths[name] = os.path.join(scratch, f"in_{name}.npy")
                np.save(paths[name], array, allow_pickle=False)
            answer = self.ask({"model": str(model_path), "inputs": paths, "out_dir": scratch})
            outputs = {name: np.load(path, allow_pickle=False) for name, path in answer["outputs"].items()}
        return Predictions(answer["backend"], answer.get("fallback_reason", ""), outputs)

    def ask(self, request: dict) -> dict:
        """Send one request (starting the worker if needed); its answer, or WorkerError."""
        if self._process is None or self._starting:
            self._start()
        try:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            self.close()
            raise WorkerError("start", "the prediction process is not running") from None
        with timings.phase("predict (in the evaluator)"):
            answer = self._receive(self.timeout_seconds, stage="predict")
        if not answer.get("ok"):
            raise WorkerError(answer.get("stage", "predict"), answer.get("error", "unknown error"))
        return answer

    def close(self) -> None:
        if self._process is not None:
            try:
                os.killpg(self._process.pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
            self._process.wait()
            self._process = None
            self._starting = False


@dataclasses.dataclass(frozen=True)
class EvaluationOutcome:
    evaluation: Evaluation | None = None
    failure: Verdict | None = None  # set when the model could not be evaluated
    detail: str = ""
    checks: tuple[CheckResult, ...] = ()
    notes: tuple[str, ...] = ()


def model_inputs(task: TaskSpec, info: ModelInfo, x: np.ndarray) -> tuple[dict[str, np.ndarray], str]:
    """The evaluation inputs shaped for this model, or ({}, why not) when it cannot take them."""
    per_example = tuple(x.shape[1:])
    shape = _input_shape_for(task, info, per_example)
    if shape is None:
        found = "unknown" if info.input_shape is None else str(tuple(info.input_shape))
        return {}, (f"the model's input shape {found} cannot take this task's examples of shape "
                    f"{per_example}, so it was not evaluated")
    n = len(x)
    x = x.astype(np.float32)
    preprocessing = PREPROCESSING[task.dataset.preprocessing]
    inputs = {"task": preprocessing.apply(x).reshape((n, *shape))}
    if preprocessing.compare_raw:
        inputs["raw"] = x[:RAW_PIXELS_SAMPLE].reshape((-1, *shape))
    return inputs, ""


def _input_shape_for(task: TaskSpec, info: ModelInfo, per_example: tuple) -> tuple | None:
    if info.input_shape is None:
        return None
    shape = tuple(info.input_shape)
    for accepted in task.model.input_shapes:
        if len(accepted) == len(shape) and all(d is None or d == a for d, a in zip(shape, accepted)):
            return tuple(accepted)
    if None not in shape and int(np.prod(shape)) == int(np.prod(per_example)):
        return shape  # a shape the contract refuses but the data fits: score it all the same
    return None


def graded_split(task: TaskSpec) -> datasets.Split:
    """The hidden (inputs, targets) of the task, cut to its model's input where the dataset says
    how (a series' windows)."""
    split = datasets.evaluation_split(task.dataset.name)
    examples = datasets.dataset(task.dataset.name).graded_examples
    return examples(split, tuple(task.model.input_shapes[0])) if examples else split


def evaluate_model(info: ModelInfo, task: TaskSpec, worker: PredictionWorker) -> EvaluationOutcome:
    with timings.phase("read the hidden split"):
        split = graded_split(task)
    source = datasets.data_source(task.dataset.name)
    inputs, refusal = model_inputs(task, info, split.x)
    if not inputs:
        return EvaluationOutcome(notes=(f"Not evaluated: {refusal}.",))
    try:
        predictions = worker.predict(info.path, inputs)
    except WorkerError as error:
        verdict = Verdict.MODEL_NOT_LOADABLE if error.stage in ("load", "start") else Verdict.EVALUATION_FAILED
        return EvaluationOutcome(failure=verdict, detail=str(error))

    notes = []
    if predictions.fallback_reason:
        notes.append(f"Loaded with {predictions.backend}: Keras 3 could not read this older file "
                     f"({predictions.fallback_reason}).")
    outputs = predictions.outputs["task"]
    scored = datasets.dataset(task.dataset.name).scored_outputs
    output_check, task_outputs = _check_runtime_output(scored(outputs) if scored else outputs, task, info)
    if task_outputs is None:
        return EvaluationOutcome(failure=Verdict.CONTRACT_FAILED, checks=(output_check,), notes=tuple(notes))

    value, per_class, confusion = _metric(task, task_outputs, split.y)
    raw_value, raw_samples = None, None
    if "raw" in predictions.outputs:
        raw_samples = len(predictions.outputs["raw"])
        raw_value = _metric(task, _as_rows(predictions.outputs["raw"]), split.y[:raw_samples])[0]
        fed_value = _metric(task, task_outputs[:raw_samples], split.y[:raw_samples])[0]
        if raw_value >= fed_value + RAW_PIXELS_MARGIN:
            notes.append(
                f"On the first {raw_samples:,} hidden images your model scores {raw_value:.1%} on raw "
                f"0–255 pixels but {fed_value:.1%} on pixels / 255, which is what the task feeds it: it "
                "was trained on unnormalised images. Divide x_train and x_valid by 255 before fit "
                "(x_train = x_train / 255.0).")
    notes.extend(_baseline_notes(task, split, value))
    evaluation = Evaluation(
        metric=task.metric.name, value=value, samples=len(split.y),
        dataset_source=source.origin, dataset_note=source.note,
        per_class=per_class, confusion_matrix=confusion, raw_pixels_value=raw_value,
        raw_pixels_samples=raw_samples,
        backend=predictions.backend,
        predictions=() if task.is_classification else regression_points(split.x, task_outputs, split.y),
    )
    return EvaluationOutcome(evaluation=evaluation, checks=(output_check,), notes=tuple(notes))


MAX_REGRESSION_POINTS = 500  # enough for a plot; the Grade stays small


def regression_points(x: np.ndarray, rows: np.ndarray, y: np.ndarray) -> tuple[RegressionPoint, ...]:
    """The first hidden examples with the model's answers; the input only when it is one number."""
    n = min(len(y), MAX_REGRESSION_POINTS)
    single = x[0].size == 1 if len(x) else False
    return tuple(RegressionPoint(x=float(np.ravel(x[i])[0]) if single else None, target=float(y[i]),
                                 predicted=float(rows[i, 0])) for i in range(n))


def _baseline_notes(task: TaskSpec, split: datasets.Split, value: float) -> list[str]:
    """The dataset's baseline scored on the same examples, so the value has a yardstick."""
    baseline = datasets.dataset(task.dataset.name).baseline
    if baseline is None:
        return []
    what, predict = baseline
    reference = _metric(task, _as_rows(predict(split)), split.y)[0]
    return [f"For comparison, {what} has a {task.metric.label} of {task.metric.format(reference)} "
            f"on the same {len(split.y)} hidden examples; your model's is {task.metric.format(value)}."]


def _as_rows(outputs: np.ndarray) -> np.ndarray:
    return outputs.reshape((len(outputs), -1)) if outputs.ndim > 1 else outputs.reshape((-1, 1))


def _check_runtime_output(outputs: np.ndarray, task: TaskSpec, info: ModelInfo) -> tuple[CheckResult, np.ndarray | None]:
    """Predictions must have the width the file declares and be finite.

    Returns the predictions as rows when they can be scored: one column per class, or a single
    column (a sigmoid or a regression-style class number); anything else cannot be scored.
    """
    declared = info.output_units or task.model.output_units
    rows = _as_rows(outputs)
    width = rows.shape[1]
    finite = bool(np.isfinite(rows).all())
    if width != declared:
        found = f"{width} number(s) per example (predictions of shape {tuple(outputs.shape)})"
        fix = (f"The file declares {declared} output unit(s) but the model produced {width} at run "
               "time; rebuild the model with the standard layers and save it again.")
    elif not finite:
        found = f"{int((~np.isfinite(rows)).any(axis=1).sum())} predictions contain NaN or infinity"
        fix = ("Training diverged or the weights are broken: lower the learning rate, normalise "
               "the inputs (x / 255) and train again.")
    else:
        found, fix = f"{width} finite number(s) per example", ""
    check = CheckResult(name="runtime_output", title="Predictions at run time", passed=not fix,
                        found=found, expected=f"{declared} finite number(s) per example", fix=fix)
    scorable = width in (1, task.model.output_units)
    # Non-finite rows are still scored (as wrong), so the report shows what the model earns.
    return check, (rows if scorable else None)


def _metric(task: TaskSpec, rows: np.ndarray, y: np.ndarray) -> MetricValue:
    return METRICS[task.metric.name].compute(rows, y, task.model.output_units, task.dataset.class_names)
