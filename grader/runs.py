"""Grading a hand-in from end to end: open it, choose its task, stage, run in a sandbox, judge.

Two stages that never overlap. The training run sees only the student's part of the dataset
(staged into a read-only folder) and the workspace; evaluation starts after the run's whole
process tree is gone, reads the model file from the workspace, and computes the score in the
grader. Nothing else the submission wrote is believed: its training record only feeds advice.
"""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from grader import datasets
from grader.harness.record import RECORD_NAME, RunRecord, read_run_record
from grader.judge.epochs import epoch_marks
from grader.judge import repeats
from grader.judge.evaluate import PredictionWorker
from grader.judge.grading import grade_model_file
from grader.judge.run_verdicts import judge_run, not_graded, syntax_error
from grader.results import CheckResult, Execution, FitSummary, Grade, RunSummary, Verdict
from grader.sandbox import RunLimits, RunRequest, RunResult, Sandbox, SandboxUnavailable
from grader.sandbox.registry import SharedSandbox
from grader.submission.handin import Submission, SubmissionError, open_submission
from grader.tasks.choice import TaskChoiceError, choose_task
from grader.tasks.spec import TaskSpec


@dataclasses.dataclass(frozen=True)
class RunOptions:
    time_seconds: float | None = None  # overrides the task's limit
    memory_mb: int | None = None
    keep: Path | None = None  # keep the run folder here instead of a temporary one
    backend: str = "auto"  # "auto" or a name in grader.sandbox.registry.BACKENDS
    gpus: str = "auto"  # docker backend: "auto", "all" or "none"
    seed: int | None = None  # overrides the task's seed (`--repeat` trains with several)
    repeat: int = 1  # train the script this many times, with the task's seed and the next ones


def grade_path(path: Path, tasks: dict[str, TaskSpec], task_id: str | None, options: RunOptions,
               sandbox: SharedSandbox | None = None, worker=None,
               on_model: Callable[[Path], None] | None = None) -> tuple[Grade, TaskSpec]:
    """Everything for one handed-in path: open it, choose its task, run it, grade its model.

    `sandbox` is the command's one sandbox, opened on first need (a model file needs none).
    `on_model` is called with the graded model file before the run folder is removed. Raises
    SubmissionError or TaskChoiceError when it cannot be run as handed in, and
    SandboxUnavailable when the backend asked for cannot be had."""
    folder = new_run_folder(options, Path(path).stem or "submission")
    try:
        # A folder of several model files and no script: the model named as the task asks wins.
        wanted = [tasks[task_id]] if task_id in tasks else list(tasks.values())
        model_names = tuple(dict.fromkeys(task.model.file_name for task in wanted))
        submission = open_submission(Path(path), folder / "workspace", model_names)
        task, task_note = choose_task(task_id, submission, tasks)
        opened, backend_note = None, ""
        if submission.kind != "model":
            opened, backend_note = (sandbox or SharedSandbox(options.backend, options.gpus)).get()
        note = " ".join(n for n in (task_note, backend_note) if n)
        grade = grade_submission(submission, task, opened, options, note, worker)
        graded_file = grade.run.model_file if grade.run else None
        # Only a file Keras loaded and scored is read again: a damaged one could hang h5py.
        if on_model and graded_file and grade.evaluation is not None:
            on_model(submission.workspace / graded_file)
        return grade, task
    finally:
        if not options.keep:
            shutil.rmtree(folder, ignore_errors=True)


def grade_handin(path: Path, tasks: dict[str, TaskSpec], task_id: str | None, options: RunOptions,
                 sandbox: SharedSandbox | None = None, worker=None,
                 on_model: Callable[[Path], None] | None = None) -> tuple[Grade, TaskSpec | None]:
    """`grade_path` with every failure turned into a verdict, the same for `grade` and `grade
    batch`: what cannot be run as handed in is invalid_submission (the student's to fix); the
    grader's own failures are grader_error (graded again on the next run).

    With `options.repeat` > 1 a script that ran is trained again with the next seeds; the grade
    stays the first run's and carries every run's figures (`Grade.repeats`)."""
    sandbox = sandbox or SharedSandbox(options.backend, options.gpus)
    if worker is None and options.repeat > 1:
        with PredictionWorker() as shared:  # one warm worker scores every repeat
            return grade_handin(path, tasks, task_id, options, sandbox, shared, on_model)
    grade, task = _grade_handin_once(path, tasks, task_id, options, sandbox, worker, on_model)
    if options.repeat < 2 or task is None or not repeats.can_repeat(grade):
        return grade, task
    seeds = repeats.repeat_seeds(options.seed if options.seed is not None else task.run.seed, options.repeat)
    grades = [grade]
    for seed in seeds[1:]:
        again, _ = _grade_handin_once(path, tasks, task.id, dataclasses.replace(options, seed=seed, keep=None),
                                      sandbox, worker)
        grades.append(again)
    if any(g.verdict is Verdict.GRADER_ERROR for g in grades[1:]):
        # A repeat the grader itself could not finish says nothing about the student's model.
        failed = next(g for g in grades[1:] if g.verdict is Verdict.GRADER_ERROR)
        return dataclasses.replace(grade, verdict=Verdict.GRADER_ERROR,
                                   summary=f"a repeated run failed in the grader: {failed.summary}"), task
    return dataclasses.replace(grade, repeats=repeats.summarise(task, grades, seeds)), task


def _grade_handin_once(path: Path, tasks: dict[str, TaskSpec], task_id: str | None, options: RunOptions,
                       sandbox: SharedSandbox, worker=None,
                       on_model: Callable[[Path], None] | None = None) -> tuple[Grade, TaskSpec | None]:
    task = tasks.get(task_id) if task_id else None
    try:
        return grade_path(path, tasks, task_id, options, sandbox, worker, on_model)
    except (SubmissionError, TaskChoiceError) as error:
        return ungraded(path, task, Verdict.INVALID_SUBMISSION, str(error)), task
    except SandboxUnavailable as error:
        return ungraded(path, task, Verdict.GRADER_ERROR, str(error)), task
    except Exception as error:  # noqa: BLE001 - one hand-in must never take the batch down
        detail = f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=5)}"
        return ungraded(path, task, Verdict.GRADER_ERROR, detail), task


def ungraded(path: Path, task: TaskSpec | None, verdict: Verdict, detail: str) -> Grade:
    """A grade for a hand-in that never reached a run: why, in the student's words."""
    check = CheckResult(name="submission", title="Submission can be graded", passed=False,
                        found=detail, expected="a submission the grader can run", fix=verdict.message)
    return Grade(task_id=task.id if task else "", task_title=task.title if task else "",
                 model_path=str(path), verdict=verdict, summary=detail.splitlines()[0], checks=(check,))


def limits_for(task: TaskSpec, options: RunOptions) -> RunLimits:
    return RunLimits(time_seconds=options.time_seconds or task.limits.time_seconds,
                     memory_mb=options.memory_mb or task.limits.memory_mb)


def grade_submission(submission: Submission, task: TaskSpec, sandbox: Sandbox | None, options: RunOptions,
                     task_note: str = "", worker=None) -> Grade:
    """Run the submission's script in `sandbox` and grade its model (a model file needs none)."""
    base_run = RunSummary(kind=submission.kind, entry=submission.entry, skipped_lines=submission.skipped,
                          notes=tuple(n for n in (*submission.notes, task_note) if n))
    if submission.kind == "model":
        grade = grade_model_file(submission.workspace / submission.entry, task, worker)
        return dataclasses.replace(grade, model_path=str(submission.given),
                                   run=dataclasses.replace(base_run, model_file=submission.entry))

    syntax = syntax_error(submission)
    if syntax is not None:
        return not_graded(task, submission, Verdict.SYNTAX_ERROR, syntax, base_run)

    limits = limits_for(task, options)
    data_dir = submission.workspace.parent / "data"
    data_dir.mkdir(exist_ok=True)
    datasets.stage_student_split(task.dataset.name, data_dir,
                                 official_test=task.dataset.serve_official_test_split)
    record_path = submission.workspace / RECORD_NAME
    seed = options.seed if options.seed is not None else task.run.seed
    request = RunRequest(
        # A script in a folder of its own (a zipped folder) runs there, as it would at home.
        harness_args=[submission.entry, "--workdir", str(submission.run_dir.relative_to(submission.workspace)),
                      "--result", RECORD_NAME,
                      "--keras", str(task.run.keras), "--seed", str(seed),
                      "--model-file", task.model.file_name],
        workspace=submission.workspace, data_dir=data_dir,
        env={"TF_CPP_MIN_LOG_LEVEL": "2",
             "PYTHONHASHSEED": str(seed), "MPLBACKEND": "Agg",
             "PYTHONDONTWRITEBYTECODE": "1"},
        hidden=tuple(datasets.evaluation_files()),
    )
    result = sandbox.run(request, limits)
    record = read_run_record(record_path)
    run = dataclasses.replace(base_run, execution=_execution(result, record, limits, task))
    run = run.with_notes(*result.notes)
    if result.output_dropped_bytes:
        run = run.with_notes(f"The script printed {result.output_dropped_bytes:,} bytes more than the grader "
                             "keeps; the start and the end of its output are shown.")
    return judge_run(submission, task, result, record, run, limits, worker)


def new_run_folder(options: RunOptions, name: str) -> Path:
    """A fresh folder for one run: `workspace/` (the student's files) and `data/` beside it."""
    if options.keep:
        folder = options.keep.resolve() / name  # absolute: Docker mounts only absolute paths
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix=f"grader-{name}-"))
    return folder


def _execution(result: RunResult, record: RunRecord | None, limits: RunLimits, task: TaskSpec) -> Execution:
    record = record or RunRecord()
    return Execution(
        backend=result.backend, isolation=tuple(result.isolation),
        exit_code=result.exit_code, signal=result.signal,
        timed_out=result.timed_out, out_of_memory=result.out_of_memory,
        process_limit_hit=result.process_limit_hit,
        wall_seconds=result.wall_seconds, peak_memory_mb=result.peak_memory_mb,
        limits={"time_seconds": limits.time_seconds, "memory_mb": limits.memory_mb,
                "processes": limits.processes, "file_mb": limits.file_mb},
        leftover_processes=result.leftover_processes,
        keras=record.keras or {"requested": str(task.run.keras)},
        seeds=record.seeds, devices=record.devices,
        fits=tuple(FitSummary(epochs_run=fit.epochs_run, epochs_requested=fit.epochs_requested,
                              history=fit.history, callbacks=tuple(c.name for c in fit.callbacks),
                              **dataclasses.asdict(epoch_marks(fit, record, last_fit=fit is record.trained[-1])))
                   for fit in record.trained),
        stdout=result.stdout, stderr=result.stderr, output_dropped_bytes=result.output_dropped_bytes,
    )
