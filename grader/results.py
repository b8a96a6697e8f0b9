"""The grader's results as plain data: verdicts, check results, evaluations, grades.

Everything here is a frozen dataclass that `to_dict()` turns into JSON-ready data; rendering
happens only in `report.py`. The JSON layout is documented in docs/result-schema.md and carries
`SCHEMA_VERSION`: bump it whenever a field is renamed or removed.
"""
from __future__ import annotations

import dataclasses
import enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.submission.handin import SkippedLine

SCHEMA_VERSION = "1.6"


class Verdict(enum.Enum):
    """Every way a grade can end, each with the sentence a student reads first."""

    PASSED = ("passed", "The model meets the task's contract and scores at or above the pass mark.")
    BELOW_PASS_MARK = ("below_pass_mark", "The model works but scores below the pass mark.")
    CONTRACT_FAILED = (
        "contract_failed",
        "The model does not meet the task's contract (see the failed checks and how to fix them).",
    )
    UNSAFE_MODEL = (
        "unsafe_model",
        "The model contains code (a Lambda layer or a custom object) that the grader refuses to run.",
    )
    INVALID_MODEL = (
        "invalid_model",
        "The file is not a Keras model the grader can read (truncated, not HDF5, or missing its "
        "architecture). Save it again with model.save() under the file name the task asks for.",
    )
    MODEL_NOT_LOADABLE = (
        "model_not_loadable",
        "The file looks like a Keras model but Keras could not load it.",
    )
    EVALUATION_FAILED = (
        "evaluation_failed",
        "The model loaded but failed while predicting on the evaluation data.",
    )
    # A submission's run can end before there is a model to grade.
    SYNTAX_ERROR = ("syntax_error", "The script has a syntax error, so it did not run.")
    CRASHED = ("crashed", "The script stopped with an error before it saved the model.")
    TIMED_OUT = ("timed_out", "The script ran longer than the task's time limit and was stopped.")
    OUT_OF_MEMORY = (
        "out_of_memory",
        "The script used more memory than the task allows and was stopped.",
    )
    TOO_MANY_PROCESSES = (
        "too_many_processes",
        "The script started more processes or threads than the grader allows and was stopped.",
    )
    DISK_LIMIT = (
        "disk_limit",
        "The script filled the space a run may write (its workspace and /tmp) and was stopped.",
    )
    NO_MODEL = ("no_model", "The script ended without leaving the model file where the grader looks for it.")
    WRONG_MODEL_NAME = (
        "wrong_model_name",
        "The script saved its model under another name than the task asks for.",
    )
    # Batch grading records these instead of stopping: one bad entry never stops a class.
    INVALID_SUBMISSION = (
        "invalid_submission",
        "The submission could not be run as handed in (see the message for what to change).",
    )
    GRADER_ERROR = (
        "grader_error",
        "The grader itself failed on this submission; this is not the student's fault. "
        "It is graded again on the next run.",
    )

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message

    @property
    def passed(self) -> bool:
        return self is Verdict.PASSED

    @property
    def exit_code(self) -> int:
        """0 passed; 1 any verdict about the submission; 2 the grader's own failure (as for a
        usage error: nothing was said about the student's work)."""
        if self is Verdict.GRADER_ERROR:
            return 2
        return 0 if self.passed else 1


def _plain(value: Any) -> Any:
    if isinstance(value, RunSummary):
        return value.to_dict()
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Verdict):
        return value.code
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


class Serialisable:
    """A result dataclass that becomes plain JSON-ready data (the grade's parts, the model's facts)."""

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclasses.dataclass(frozen=True)
class CheckResult(Serialisable):
    """One contract check: what was found, what was expected, and how to fix it."""

    name: str
    title: str
    passed: bool
    found: str
    expected: str
    fix: str = ""


@dataclasses.dataclass(frozen=True)
class ClassScore(Serialisable):
    label: int
    name: str
    support: int
    accuracy: float


def most_confused_with(row: list[int], label: int, names: list[str]) -> str:
    """The class a true class is most often predicted as, with the count ("Shirt (139)"), from
    its row of the confusion matrix; empty when it is never mistaken."""
    mistakes = [(count, j) for j, count in enumerate(row) if j != label and count]
    if not mistakes:
        return ""
    count, j = max(mistakes)
    return f"{names[j]} ({count})"


@dataclasses.dataclass(frozen=True)
class RegressionPoint(Serialisable):
    """One hidden example of a regression task: its input (when it is a single number), the
    true value and the model's answer."""

    x: float | None
    target: float
    predicted: float


@dataclasses.dataclass(frozen=True)
class Evaluation(Serialisable):
    """The model's performance on the task's hidden evaluation split."""

    metric: str  # "accuracy" or "mae"
    value: float
    samples: int
    dataset_source: str
    dataset_note: str = ""  # e.g. "a 1,000-digit subset of MNIST"
    per_class: tuple[ClassScore, ...] = ()
    confusion_matrix: tuple[tuple[int, ...], ...] = ()
    raw_pixels_value: float | None = None  # the metric on un-normalised inputs, when relevant
    raw_pixels_samples: int | None = None  # the first hidden examples raw_pixels_value is measured on
    backend: str = ""  # which Keras loaded the model
    predictions: tuple[RegressionPoint, ...] = ()  # regression tasks only, for the plot


@dataclasses.dataclass(frozen=True)
class Score(Serialisable):
    points: int
    max_points: int
    band: str
    pass_points: int
    capped_by_contract: bool = False  # measured higher, held below the pass mark by a failed check

    @property
    def passed(self) -> bool:
        return self.points >= self.pass_points


@dataclasses.dataclass(frozen=True)
class FitSummary(Serialisable):
    epochs_run: int | None
    epochs_requested: int | None
    history: dict[str, list[float]]
    callbacks: tuple[str, ...]
    # Epochs are numbered from 1. The best epoch by `best_by` (a callback's monitor, else
    # val_loss, else loss); the epoch whose weights the model held when training ended, and
    # why, only where the record shows it (grader.judge.epochs).
    best_epoch: int | None = None
    best_by: str = ""
    kept_epoch: int | None = None
    kept_by: str = ""


@dataclasses.dataclass(frozen=True)
class Execution(Serialisable):
    """How the script ran in its sandbox: the backend's result and what the record told."""

    backend: str
    isolation: tuple[str, ...]
    exit_code: int | None
    signal: int | None
    timed_out: bool
    out_of_memory: bool
    process_limit_hit: bool
    wall_seconds: float
    peak_memory_mb: float
    limits: dict[str, float]  # time_seconds, memory_mb, processes, file_mb
    leftover_processes: int
    keras: dict[str, str]
    seeds: dict[str, int]
    devices: dict[str, Any]
    fits: tuple[FitSummary, ...]
    stdout: str
    stderr: str
    output_dropped_bytes: int


@dataclasses.dataclass(frozen=True)
class RunSummary(Serialisable):
    """What was handed in and how it ran; `execution` is None when nothing ran (a model file,
    a syntax error). Serialised flat, as schema 1.x has it."""

    kind: str  # "script", "template", "notebook", "model"
    entry: str
    skipped_lines: tuple["SkippedLine", ...] = ()
    notes: tuple[str, ...] = ()
    model_file: str | None = None  # the file graded, relative to the workspace
    feedback: tuple[str, ...] | None = None  # advice from the training record, once judged
    execution: Execution | None = None

    def with_notes(self, *notes: str) -> "RunSummary":
        return dataclasses.replace(self, notes=(*self.notes, *(n for n in notes if n)))

    def to_dict(self) -> dict[str, Any]:
        data = {"kind": self.kind, "entry": self.entry, "skipped_lines": _plain(self.skipped_lines),
                "notes": list(self.notes)}
        if self.execution is not None:
            data.update(_plain(self.execution))
        if self.model_file is not None:
            data["model_file"] = self.model_file
        if self.feedback is not None:
            data["feedback"] = list(self.feedback)
        return data


@dataclasses.dataclass(frozen=True)
class RepeatRun(Serialisable):
    """One of the runs of `--repeat`: its seed and what it earned."""

    seed: int
    verdict: str
    value: float | None  # the metric, when the run's model was scored
    points: int | None
    band: str | None


@dataclasses.dataclass(frozen=True)
class Repeatability(Serialisable):
    """The same hand-in trained with several seeds (`--repeat N`); the grade is the first run's."""

    metric: str
    runs: tuple[RepeatRun, ...]
    mean: float | None  # over the scored runs
    spread: float | None  # highest minus lowest
    stdev: float | None
    outcomes: tuple[str, ...]  # the bands hit (a verdict for a run that was not scored), first seen first
    borderline: bool  # the runs did not all end the same way
    explanation: str


@dataclasses.dataclass(frozen=True)
class Grade(Serialisable):
    """The whole outcome for one model file against one task."""

    task_id: str
    task_title: str
    model_path: str
    verdict: Verdict
    summary: str
    checks: tuple[CheckResult, ...] = ()
    evaluation: Evaluation | None = None
    score: Score | None = None
    notes: tuple[str, ...] = ()  # advice that does not change the grade
    model: dict[str, Any] = dataclasses.field(default_factory=dict)  # inspector's findings
    run: RunSummary | None = None  # what was handed in and how it ran
    repeats: Repeatability | None = None  # `--repeat N`: every run's figures

    def with_note(self, note: str) -> "Grade":
        return dataclasses.replace(self, notes=(*self.notes, note))

    def to_dict(self) -> dict[str, Any]:
        data = {"schema_version": SCHEMA_VERSION, **_plain(self)}
        data["verdict_message"] = self.verdict.message
        data["passed"] = self.verdict.passed
        return data
