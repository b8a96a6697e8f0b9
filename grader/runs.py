"""Grading a submission that has to run: stage, run in a sandbox, then grade what it saved.

Two stages that never overlap. The training run sees only the student's part of the dataset
(staged into a read-only folder) and the workspace; evaluation starts after the run's whole
process tree is gone, reads the model file from the workspace, and computes the score in the
grader. Nothing else the submission wrote is believed: its training record only feeds advice.
"""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

from grader import datasets, feedback
from grader.grading import grade_model_file
from grader.results import CheckResult, Grade, Verdict
from grader.sandbox import RunLimits, RunRequest, RunResult
from grader import scoring
from grader.submission import Submission
from grader.tasks import TaskSpec

RECORD_NAME = ".grader_run.json"
MODEL_SUFFIXES = (".h5", ".keras")


@dataclasses.dataclass(frozen=True)
class RunOptions:
    time_seconds: float | None = None  # overrides the task's limit
    memory_mb: int | None = None
    keep: Path | None = None  # keep the run folder here instead of a temporary one


def limits_for(task: TaskSpec, options: RunOptions) -> RunLimits:
    return RunLimits(time_seconds=options.time_seconds or task.limits.time_seconds,
                     memory_mb=options.memory_mb or task.limits.memory_mb)


def grade_submission(submission: Submission, task: TaskSpec, sandbox, options: RunOptions,
                     task_note: str = "") -> Grade:
    """Run the submission's script in `sandbox` (a backend with .run) and grade its model."""
    base_run = {"kind": submission.kind, "entry": submission.entry,
                "skipped_lines": [dataclasses.asdict(s) for s in submission.skipped],
                "notes": [n for n in (*submission.notes, task_note) if n]}
    if submission.kind == "model":
        grade = grade_model_file(submission.workspace / submission.entry, task)
        return dataclasses.replace(grade, model_path=str(submission.given), run=base_run)

    syntax = _syntax_error(submission)
    if syntax is not None:
        return _not_graded(task, submission, Verdict.SYNTAX_ERROR, syntax, base_run)

    limits = limits_for(task, options)
    data_dir = submission.workspace.parent / "data"
    data_dir.mkdir(exist_ok=True)
    datasets.stage_student_split(task.dataset.name, data_dir,
                                 official_test=task.dataset.serve_official_test_split)
    record_path = submission.workspace / RECORD_NAME
    request = RunRequest(
        # A script in a folder of its own (a zipped folder) runs there, as it would at home.
        harness_args=[submission.entry, "--workdir", str(submission.run_dir.relative_to(submission.workspace)),
                      "--result", RECORD_NAME,
                      "--keras", str(task.run.keras), "--seed", str(task.run.seed),
                      "--model-file", task.model.file_name],
        workspace=submission.workspace, data_dir=data_dir,
        env={"TF_CPP_MIN_LOG_LEVEL": "2",
             "PYTHONHASHSEED": str(task.run.seed), "MPLBACKEND": "Agg",
             "PYTHONDONTWRITEBYTECODE": "1"},
        hidden=tuple(datasets.evaluation_files()),
    )
    result = sandbox.run(request, limits)
    record = feedback.read_record(record_path)
    run = {**base_run, **_run_facts(result, record, limits, task)}
    return _judge(submission, task, result, record, run, limits)


def new_run_folder(options: RunOptions, name: str) -> Path:
    """A fresh folder for one run: `workspace/` (the student's files) and `data/` beside it."""
    if options.keep:
        folder = options.keep / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix=f"grader-{name}-"))
    return folder


def _judge(submission: Submission, task: TaskSpec, result: RunResult, record: dict | None,
           run: dict, limits: RunLimits) -> Grade:
    epochs = _epochs_so_far(record)
    if result.timed_out:
        detail = (f"stopped after {limits.time_seconds:g} s{epochs}. Train for fewer epochs or a "
                  "smaller model, and make sure the script ends (no input(), no endless loop).")
        return _not_graded(task, submission, Verdict.TIMED_OUT, detail, run)
    if result.out_of_memory or _error_type(record) == "MemoryError":
        detail = (f"used more than {limits.memory_mb:,} MB{epochs}. Use a smaller batch_size or "
                  "model, and do not keep copies of the dataset (e.g. as float64 lists).")
        return _not_graded(task, submission, Verdict.OUT_OF_MEMORY, detail, run)

    model_path = submission.run_dir / task.model.file_name
    crashed = result.exit_code != 0
    if crashed and not model_path.is_file():
        return _not_graded(task, submission, Verdict.CRASHED, _crash_detail(submission, result, record), run)
    if model_path.is_file():
        grade = grade_model_file(model_path, task)
        if crashed:
            run["notes"].append("The script raised an error after saving the model; the saved "
                                "model was graded. " + _crash_detail(submission, result, record))
        return _with_run(grade, submission, run, task)

    others, weights = _saved_files(submission.workspace)
    if others:
        return _with_run(_grade_misnamed(others[0], task), submission, run, task)

    detail = f"no {task.model.file_name} in the workspace after the run. End the script with model.save('{task.model.file_name}')"
    if weights:
        detail += f"; only weights were saved ({', '.join(weights[:3])}), which hold no architecture"
    return _not_graded(task, submission, Verdict.NO_MODEL, detail + ".", run)


def _grade_misnamed(found: Path, task: TaskSpec) -> Grade:
    """Grade a model saved under another name as it would be, held below the pass mark."""
    grade = grade_model_file(found, task)
    check = CheckResult(
        name="model_file_name", title="Model saved under the task's file name", passed=False,
        found=found.name, expected=task.model.file_name,
        fix=f"Save the model with model.save('{task.model.file_name}').")
    held = grade.evaluation and scoring.score(task.metric, grade.evaluation.value, contract_met=False)
    return dataclasses.replace(
        grade, verdict=Verdict.WRONG_MODEL_NAME, checks=(check, *grade.checks), score=held or grade.score,
        summary=f"Saved as {found.name}, not {task.model.file_name}. Graded as it would be: {grade.summary}")


def _with_run(grade: Grade, submission: Submission, run: dict, task: TaskSpec) -> Grade:
    run["feedback"] = feedback.advice(run.pop("_record", None), task)
    return dataclasses.replace(grade, model_path=str(submission.given), run=run)


def _not_graded(task: TaskSpec, submission: Submission, verdict: Verdict, detail: str,
                run: dict) -> Grade:
    run.pop("_record", None)
    check = CheckResult(name="run", title="Script runs and saves the model", passed=False,
                        found=detail, expected=f"the script runs to its end and saves {task.model.file_name}",
                        fix=verdict.message)
    return Grade(task_id=task.id, task_title=task.title, model_path=str(submission.given),
                 verdict=verdict, summary=detail, checks=(check,), run=run)


def _run_facts(result: RunResult, record: dict | None, limits: RunLimits, task: TaskSpec) -> dict:
    facts = {
        "backend": result.backend, "isolation": list(result.isolation),
        "exit_code": result.exit_code, "signal": result.signal,
        "timed_out": result.timed_out, "out_of_memory": result.out_of_memory,
        "wall_seconds": result.wall_seconds, "peak_memory_mb": result.peak_memory_mb,
        "limits": {"time_seconds": limits.time_seconds, "memory_mb": limits.memory_mb},
        "leftover_processes": result.leftover_processes,
        "keras": (record or {}).get("keras") if isinstance((record or {}).get("keras"), dict)
        else {"requested": str(task.run.keras)},
        "seeds": (record or {}).get("seeds") if isinstance((record or {}).get("seeds"), dict) else {},
        "fits": [_fit_summary(entry) for entry in feedback.fits(record)],
        "stdout": result.stdout, "stderr": result.stderr,
        "output_dropped_bytes": result.output_dropped_bytes,
        "_record": record,
    }
    return facts


def _fit_summary(entry: dict) -> dict:
    return {"epochs_run": entry.get("epochs_run"), "epochs_requested": entry.get("epochs_requested"),
            "history": feedback.history(entry),
            "callbacks": [c.get("class") for c in entry.get("callbacks") or [] if isinstance(c, dict)]}


def _syntax_error(submission: Submission) -> str | None:
    try:
        compile(submission.source, submission.entry, "exec")
    except SyntaxError as error:
        where = submission.where(error.lineno or 0)
        text = (error.text or "").rstrip()
        return f"{error.msg} at {where}" + (f": {text.strip()}" if text else "")
    return None


def _error_type(record: dict | None) -> str:
    error = (record or {}).get("error")
    return str(error.get("type", "")) if isinstance(error, dict) else ""


def _epochs_so_far(record: dict | None) -> str:
    entries = feedback.fits(record)
    if not entries:
        return ""
    epochs = sum(len(next(iter(feedback.history(e).values()), [])) for e in entries)
    return f" ({epochs} epoch{'s' if epochs != 1 else ''} finished)"


def _crash_detail(submission: Submission, result: RunResult, record: dict | None) -> str:
    error = (record or {}).get("error")
    if isinstance(error, dict) and error.get("type"):
        line = error.get("line")
        where = f" at {submission.where(int(line))}" if isinstance(line, int) else ""
        message = str(error.get("message", ""))[:500]
        return f"{error['type']}{where}: {message}"
    tail = [line for line in result.stderr.strip().splitlines() if line.strip()]
    if tail:
        return tail[-1][:500]
    if result.signal:
        return f"the process was killed by signal {result.signal}"
    return f"the script exited with code {result.exit_code}"


def _saved_files(workspace: Path) -> tuple[list[Path], list[str]]:
    """Whole-model files the run saved, and the names of weights-only files (no architecture)."""
    from grader.inspect import InvalidModelFile, inspect_model

    models, weights = [], []
    for path in sorted(p for p in workspace.rglob("*") if p.is_file()):
        if ".ckpt" in path.name or path.name.endswith(".weights.h5"):
            weights.append(path.name)
        elif path.suffix in MODEL_SUFFIXES:
            try:
                inspect_model(path)
            except InvalidModelFile:
                weights.append(path.name)
                continue
            models.append(path)
    return models, weights


def choose_sandbox(backend: str):
    """(sandbox, note): `docker`, `local`, or `auto` = Docker when the engine answers and the
    image exists, else local, with the reason in the note."""
    from grader.sandbox.local import LocalSandbox

    if backend in ("docker", "auto"):
        from grader.sandbox.docker_backend import DockerSandbox, DockerUnavailable

        try:
            return DockerSandbox(), ""
        except DockerUnavailable as error:
            if backend == "docker":
                raise
            return LocalSandbox(), f"Ran in the local sandbox: {error}."
    return LocalSandbox(), ""
