"""Authoring a task: `grade tasks new ID` writes a commented spec skeleton; `grade tasks check ID`
proves a spec grades as intended: its reference solution passes, and models wrong in one way
each (wrong units, wrong activation, wrong loss pairing, untrained; Dense-only where the spec
requires layers such as Conv2D) fail for that reason.

The wrong models are real Keras 2 files built from the spec's own contract, so a check that
does not fire on them (a spec that allows too much, bands too easy to reach untrained) shows.
"""
from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from grader.model.losses import KNOWN_LOSSES, canonical_loss
from grader.results import Grade, Verdict
from grader.tasks.spec import TASKS_DIR, ModelContract, TaskSpec

REFERENCE_DIR = TASKS_DIR.parent / "reference_solutions"
DEFAULT_FILE_NAME = ModelContract.__dataclass_fields__["file_name"].default

SKELETON = '''id = "{id}"
title = "One line a student recognises"
category = 2  # the exam's category: 1 basics, 2 classification, 3 images, 4 text, 5 time series
statement = """
What to build, in the course's words: the data, the model's input and output, the loss, and
the file to save (`{file_name}`). Say what the grader feeds the model and how it is scored.
"""
template = \'\'\'
# task: {id}
import tensorflow as tf


def solution_model():
    # YOUR CODE HERE: load the data, build, compile and fit the model.
    return model


if __name__ == "__main__":
    model = solution_model()
    model.save("{file_name}")
\'\'\'

[dataset]
name = "iris"  # a registered dataset: {datasets}
evaluation_split = "test"
preprocessing = "none"  # what grading does to the hidden inputs: {preprocessing}
class_names = []  # one per output unit for a classifier; empty for regression

[model]
file_name = "{file_name}"
input_shapes = [[4]]  # every shape the model may take, without the batch dimension
required_layers = []  # layer classes the model must contain, e.g. ["Conv2D"] for a CNN task
output_units = 3
max_file_mb = 50

[model.losses]  # allowed output activation -> the losses that pair with it
softmax = ["sparse_categorical_crossentropy", "categorical_crossentropy"]

[metric]
name = "accuracy"  # {metrics}
# Five thresholds for scores 1..5 (increasing for accuracy, decreasing for an error). Say here
# what they are measured against (chance, a naive baseline, the reference solution).
bands = [0.50, 0.70, 0.80, 0.87, 0.93]
pass_points = 4

[limits]
time_seconds = 600
memory_mb = 4096
cpus = 1  # reserved per run on a Ray cluster (grade batch --cluster)
gpus = 0  # 1: only a node with a GPU takes this task's runs on a cluster

[run]
keras = 2  # 2: tf.keras and keras are tf-keras, the course's Keras; 3: Keras 3
seed = 42
'''


def write_skeleton(task_id: str, directory: Path = TASKS_DIR) -> Path:
    """tasks/ID.toml, commented, for an instructor to fill in; an existing spec is never replaced."""
    from grader.datasets.preprocessing import PREPROCESSING
    from grader.datasets.registry import DATASETS
    from grader.judge.metrics import METRICS

    if not task_id.isidentifier() or task_id != task_id.lower():
        raise ValueError(f"{task_id!r} is not a task id: use a lower-case identifier such as 'iris_cnn'")
    path = Path(directory) / f"{task_id}.toml"
    if path.exists():
        raise FileExistsError(f"{path} already exists; edit it, or choose another id")
    path.write_text(SKELETON.format(id=task_id, datasets=", ".join(DATASETS),
                                    preprocessing=", ".join(PREPROCESSING),
                                    metrics=", ".join(METRICS), file_name=DEFAULT_FILE_NAME),
                    encoding="utf-8")
    return path


@dataclasses.dataclass(frozen=True)
class Case:
    """One submission `grade tasks check` grades, and what its grade must show."""

    name: str
    expect: str  # what should happen, for the report
    holds: Callable[[Grade], bool]


@dataclasses.dataclass(frozen=True)
class CaseResult:
    case: str
    expect: str
    ok: bool
    found: str  # the verdict, and the failed checks if any
    grade: Grade | None = None  # None when there was nothing to grade

    def line(self) -> str:
        """The check's line for this case, as `grade tasks check` prints it."""
        return f"{'ok  ' if self.ok else 'FAIL'} {self.case:<17} expected: {self.expect}; got: {self.found}"


def _failed(grade: Grade) -> set[str]:
    return {check.name for check in grade.checks if not check.passed}


def _fails_on(check: str) -> Callable[[Grade], bool]:
    """Not passed, with `check` failed and no other contract check (the predictions' width
    follows from wrong units)."""
    return lambda grade: (not grade.verdict.passed and check in _failed(grade)
                          and _failed(grade) <= {check, "runtime_output"})


def _found(grade: Grade) -> str:
    failed = sorted(_failed(grade))
    points = f", {grade.score.points}/{grade.score.max_points}" if grade.score else ""
    if grade.evaluation is not None:  # the measured value, so a reference's margin shows
        points += f" ({grade.evaluation.metric} {grade.evaluation.value:.4f})"
    return f"{grade.verdict.name.lower()}{points}" + (f"; failed: {', '.join(failed)}" if failed else "")


# --- the wrong models, built from the spec's contract -----------------------------------------

def _wrong_activation(task: TaskSpec) -> str:
    allowed = {"linear" if a == "logits" else a for a in task.model.activations}
    return next(a for a in ("sigmoid", "softmax", "linear") if a not in allowed)


def _wrong_loss(task: TaskSpec, activation: str) -> str:
    allowed = {canonical_loss(loss) for loss in task.model.losses[activation]}
    candidates = ("binary_crossentropy", "mean_squared_error", "sparse_categorical_crossentropy")
    return next(loss for loss in candidates if loss in KNOWN_LOSSES and loss not in allowed)


def _right_head(task: TaskSpec) -> tuple[str, str]:
    """An allowed (activation, loss) pair of the spec."""
    activation = next(a for a in task.model.losses if a != "logits")
    return activation, task.model.losses[activation][0]


def _build(task: TaskSpec, path: Path, units: int, activation: str, loss: str,
           dense_only: bool = False) -> Path:
    """An untrained Keras 2 model taking the spec's first input shape, saved as students save;
    with a small Conv2D body where the spec requires Conv2D, unless `dense_only`."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tf_keras

    tf_keras.utils.set_random_seed(1)
    shape = task.model.input_shapes[0]
    if "Conv2D" in task.model.required_layers and not dense_only:
        body = [tf_keras.layers.Conv2D(4, (3, 3), activation="relu", input_shape=shape),
                tf_keras.layers.MaxPooling2D(2, 2), tf_keras.layers.Flatten()]
    else:
        body = [tf_keras.layers.Flatten(input_shape=shape)]
    model = tf_keras.Sequential([
        *body,
        tf_keras.layers.Dense(16, activation="relu"),
        tf_keras.layers.Dense(units, activation=activation),
    ])
    model.compile(optimizer="adam", loss=loss)
    model.save(path)
    return path


def wrong_models(task: TaskSpec, folder: Path) -> list[tuple[Path, Case]]:
    """One file per way of being wrong, each wrong in that way only (the untrained one in none
    of the contract's ways)."""
    activation, loss = _right_head(task)
    units = task.model.output_units
    wrong_units = units + 1 if units > 1 else 2
    other = _wrong_activation(task)
    made = [
        ("wrong_units", (wrong_units, activation, loss), "output_units",
         f"{wrong_units} output units instead of {units}"),
        ("wrong_activation", (units, other, _fallback_loss(other)), "output_activation",
         f"a '{other}' output"),
        ("wrong_loss", (units, activation, _wrong_loss(task, activation)), "loss_pairing",
         f"'{activation}' compiled with '{_wrong_loss(task, activation)}'"),
    ]
    cases = [(_build(task, folder / f"{name}.h5", *head),
              Case(name, f"fails the {check} check ({what})", _fails_on(check)))
             for name, head, check, what in made]
    untrained = Case("untrained", "meets the contract but scores below the pass mark",
                     lambda grade: grade.verdict is Verdict.BELOW_PASS_MARK and not _failed(grade))
    cases.append((_build(task, folder / "untrained.h5", units, activation, loss), untrained))
    if task.model.required_layers:  # the Dense-only answer to a task that asks for more
        cases.append((_build(task, folder / "dense_only.h5", units, activation, loss, dense_only=True),
                      Case("dense_only", "fails the required_layers check (only Flatten and Dense)",
                           _fails_on("required_layers"))))
    return cases


def _fallback_loss(activation: str) -> str:
    return {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy"}.get(
        activation, "mean_squared_error")


# --- the check --------------------------------------------------------------------------------

def check_task(task: TaskSpec, tasks: dict[str, TaskSpec], options,
               reference: Path | None = None) -> list[CaseResult]:
    """Grade the reference solution and every wrong model; each result says whether it went as
    the spec intends. `options` are the run options of `grade` (backend, limits). One sandbox
    and one warm predictor serve every case, as in a batch."""
    from grader import runs
    from grader.judge.predictors import CommandPredictor
    from grader.sandbox.registry import SharedSandbox

    reference = reference or REFERENCE_DIR / f"{task.id}.py"
    sandbox = SharedSandbox(options.backend, options.gpus)
    results = []
    with CommandPredictor(sandbox) as predictor, \
            tempfile.TemporaryDirectory(prefix="grader-check-") as folder:
        predictor.warm_up()  # its start overlaps the reference's training run
        if not reference.is_file():
            results.append(CaseResult("reference", "passes", False, f"no reference solution at {reference}"))
        else:
            grade, _ = runs.grade_handin(reference, tasks, task.id, options, sandbox, predictor)
            results.append(CaseResult("reference", "passes", grade.verdict.passed, _found(grade), grade))
        for path, case in wrong_models(task, Path(folder)):
            grade, _ = runs.grade_handin(path, tasks, task.id, options, sandbox, predictor)
            results.append(CaseResult(case.name, case.expect, case.holds(grade), _found(grade), grade))
    return results
