"""Grading a submission that has to run: stage, run in a sandbox, then grade what it saved.

Two stages that never overlap. The training run sees only the student's part of the dataset
(staged into a read-only folder) and the workspace; evaluation starts after the run's whole
process tree is gone, reads the model file from the workspace, and computes the score in the
grader. Nothing else the submission wrote is believed: its training record only feeds advice.
"""
from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import stat
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from grader import datasets, feedback, scoring
from grader.grading import grade_model_file
from grader.inspect import InvalidModelFile, inspect_model
from grader.losses import canonical_loss
from grader.results import CheckResult, Grade, Verdict
from grader.sandbox import RunLimits, RunRequest, RunResult, Sandbox, SandboxUnavailable
from grader.sandbox.registry import SharedSandbox
from grader.submission import (MODEL_SUFFIXES, Submission, SubmissionError, open_submission,
                               task_from_source)
from grader.tasks import TaskSpec

RECORD_NAME = ".grader_run.json"
# How a refused connection or DNS lookup reads in an error message, whatever library raised it.
NETWORK_ERROR = re.compile(r"Network is unreachable|Name or service not known|Temporary failure in name "
                           r"resolution|URL fetch failure|URLError|gaierror|ConnectionError|"
                           r"Connection refused|No route to host|nodename nor servname", re.IGNORECASE)

READ_ONLY_WRITE = re.compile(r"Read-only file system|Errno 30\b|EROFS", re.IGNORECASE)
FILE_TOO_LARGE = re.compile(r"File too large|Errno 27\b|EFBIG", re.IGNORECASE)
# What Python raises when the kernel refuses a thread or a fork at the process limit. Read from
# the run's own output, it could be faked, but only to trade one failing verdict for another.
PROCESS_REFUSED = re.compile(r"can't start new thread|BlockingIOError: \[Errno 11\]")
# How Python or the local sandbox says that the harness itself never started: nothing of the
# student's had run yet, so this is the grader's failure.
HARNESS_DID_NOT_START = re.compile(r"No module named '?grader(\.\w+)*'?\)?$|Error while finding module specification "
                                   r"for 'grader|^confine: |can't open file|OSError: \[Errno \d+\] mount ",
                                   re.MULTILINE)
HARNESS_SETUP_FAILED = 2  # the harness's exit code when it failed before the script started


@dataclasses.dataclass(frozen=True)
class RunOptions:
    time_seconds: float | None = None  # overrides the task's limit
    memory_mb: int | None = None
    keep: Path | None = None  # keep the run folder here instead of a temporary one
    backend: str = "auto"  # "auto" or a name in grader.sandbox.registry.BACKENDS
    gpus: str = "auto"  # docker backend: "auto", "all" or "none"


class TaskChoiceError(ValueError):
    """Which task a submission is for cannot be told; the message lists the tasks."""


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
        submission = open_submission(Path(path), folder / "workspace")
        task, task_note = choose_task(task_id, submission, tasks)
        opened, backend_note = None, ""
        if submission.kind != "model":
            opened, backend_note = (sandbox or SharedSandbox(options.backend, options.gpus)).get()
        note = " ".join(n for n in (task_note, backend_note) if n)
        grade = grade_submission(submission, task, opened, options, note, worker)
        graded_file = (grade.run or {}).get("model_file")
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
    grader's own failures are grader_error (graded again on the next run)."""
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


def choose_task(task_id: str | None, submission: Submission, tasks: dict[str, TaskSpec]) -> tuple[TaskSpec, str]:
    """The task asked for; else a script's `# task:` line or the dataset it loads; else the one
    task a model file's shape fits."""
    listing = ", ".join(sorted(tasks))
    if task_id:
        if task_id not in tasks:
            raise TaskChoiceError(f"unknown task {task_id!r}; known tasks: {listing}")
        return tasks[task_id], ""
    if submission.kind != "model":
        try:
            return task_from_source(submission.source, tasks)
        except SubmissionError as error:
            raise TaskChoiceError(str(error)) from None
    try:
        info = inspect_model(submission.workspace / submission.entry)
    except InvalidModelFile:
        info = None
    candidates = [t for t in tasks.values() if info is not None and _fits(info, t)]
    if len(candidates) == 1:
        return candidates[0], f"Task guessed from the model's shape: {candidates[0].id} (pass --task to choose)."
    if candidates:
        raise TaskChoiceError(f"the model fits several tasks ({', '.join(t.id for t in candidates)}); "
                              f"choose one with --task (known tasks: {listing})")
    raise TaskChoiceError(f"cannot tell which task {submission.entry} is for; choose one with --task ({listing})")


def _fits(info, task: TaskSpec) -> bool:
    shape = tuple(info.input_shape or ())
    return info.output_units == task.model.output_units and shape in {tuple(s) for s in task.model.input_shapes}


def limits_for(task: TaskSpec, options: RunOptions) -> RunLimits:
    return RunLimits(time_seconds=options.time_seconds or task.limits.time_seconds,
                     memory_mb=options.memory_mb or task.limits.memory_mb)


def grade_submission(submission: Submission, task: TaskSpec, sandbox: Sandbox | None, options: RunOptions,
                     task_note: str = "", worker=None) -> Grade:
    """Run the submission's script in `sandbox` and grade its model (a model file needs none)."""
    base_run = {"kind": submission.kind, "entry": submission.entry,
                "skipped_lines": [dataclasses.asdict(s) for s in submission.skipped],
                "notes": [n for n in (*submission.notes, task_note) if n]}
    if submission.kind == "model":
        grade = grade_model_file(submission.workspace / submission.entry, task, worker)
        return dataclasses.replace(grade, model_path=str(submission.given),
                                   run={**base_run, "model_file": submission.entry})

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
    run["notes"] = [*run["notes"], *result.notes]
    if result.output_dropped_bytes:
        run["notes"].append(f"The script printed {result.output_dropped_bytes:,} bytes more than the grader "
                            "keeps; the start and the end of its output are shown.")
    return _judge(submission, task, result, record, run, limits, worker)


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


def _judge(submission: Submission, task: TaskSpec, result: RunResult, record: dict | None,
           run: dict, limits: RunLimits, worker=None) -> Grade:
    harness_failure = _harness_failure(result, record)
    if harness_failure:
        return _not_graded(task, submission, Verdict.GRADER_ERROR, harness_failure, run)
    epochs = _epochs_so_far(record)
    model_path = submission.run_dir / task.model.file_name
    saved = os.path.lexists(model_path)
    refused = result.process_limit_hit or bool(PROCESS_REFUSED.search(result.stderr[-4096:]))
    if refused and result.exit_code != 0:
        detail = (f"it tried to run more than {limits.processes} processes and threads at once{epochs}, "
                  "and its next ones were refused. Do not start processes or threads in a loop "
                  "(os.fork, multiprocessing, threading.Thread); training needs none of its own.")
        return _not_graded(task, submission, Verdict.TOO_MANY_PROCESSES, detail, run)
    if result.timed_out:
        detail = (f"stopped after {limits.time_seconds:g} s{epochs}. Train for fewer epochs or a "
                  "smaller model, and make sure the script ends (no input(), no endless loop).")
        if saved:
            detail += (f" {task.model.file_name} had been saved, but the script went on; a run that "
                       "does not end is not graded, so remove what runs after model.save().")
        return _not_graded(task, submission, Verdict.TIMED_OUT, detail, run)
    if result.out_of_memory or _error_type(record) == "MemoryError":
        detail = (f"used more than {limits.memory_mb:,} MB{epochs}. Use a smaller batch_size or "
                  "model, and do not keep copies of the dataset (e.g. as float64 lists).")
        return _not_graded(task, submission, Verdict.OUT_OF_MEMORY, detail, run)

    crashed = result.exit_code != 0
    labels = feedback.label_encoding(record, task.model.output_units)
    misplaced = _saves_out_of_reach(record, submission)
    if misplaced:
        run["notes"].append(_misplaced_saves_note(misplaced, task))
    if saved:
        refusal = _model_file_problem(model_path, submission.workspace)
        if refusal:
            return _refused_model_file(task, submission, refusal, run)
        run["model_file"] = str(model_path.relative_to(submission.workspace))
        grade = grade_model_file(model_path, task, worker, labels)
        if crashed:
            left = ", ".join(str(p.relative_to(submission.workspace)) for p in _saved_files(submission.workspace)[0])
            run["notes"].append(f"The script raised an error after saving the model; {run['model_file']} was "
                                f"graded (model files the run left: {left or run['model_file']}). The error: "
                                + _crash_detail(submission, result, record, limits, task))
        return _with_run(grade, submission, run, feedback.advice(record, task, graded_input_range(task)))
    if crashed:
        return _not_graded(task, submission, Verdict.CRASHED,
                           _crash_detail(submission, result, record, limits, task), run)

    others, weights = _saved_files(submission.workspace)
    if others:
        found = others[0]
        run["model_file"] = str(found.relative_to(submission.workspace))
        if found.name == task.model.file_name:  # the right file, in another folder of the workspace
            run["notes"].append(f"{task.model.file_name} was found in {run['model_file']}, not next to "
                                "the script; it was graded. Save it with model.save('"
                                f"{task.model.file_name}') in the script's own folder.")
            grade = grade_model_file(found, task, worker, labels)
        else:
            grade = _grade_misnamed(found, task, worker, labels)
        return _with_run(grade, submission, run, feedback.advice(record, task, graded_input_range(task)))

    if misplaced:
        return _not_graded(task, submission, Verdict.NO_MODEL, _misplaced_saves_note(misplaced, task), run)
    detail = f"no {task.model.file_name} in the workspace after the run. End the script with model.save('{task.model.file_name}')"
    if weights:
        detail += f"; only weights were saved ({', '.join(weights[:3])}), which hold no architecture"
    moved = _moved_away(record)
    if moved:
        detail += (f". The script changed its working directory to {moved} (os.chdir), so its files went "
                   "there, where the grader cannot see them; save the model where the script started")
    return _not_graded(task, submission, Verdict.NO_MODEL, detail + ".", run)


def graded_input_range(task: TaskSpec) -> tuple[float, float]:
    """The lowest and highest input value grading feeds a model for this task."""
    x = datasets.evaluation_split(task.dataset.name).x
    low, high = float(x.min()), float(x.max())
    return (low / 255, high / 255) if task.dataset.preprocessing == "scale_255" else (low, high)


def recorded_saves(record: dict | None) -> list[dict]:
    """The record's save and save_weights calls (untrusted: only well-formed entries pass)."""
    saves = (record or {}).get("saves")
    return [entry for entry in saves if isinstance(entry, dict) and isinstance(entry.get("path"), str)] \
        if isinstance(saves, list) else []


# `C:\\Users\\me\\mymodel.h5`, `D:/exam/mymodel.h5`: written on Windows, a plain file name here.
WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]|\\")


def _saves_out_of_reach(record: dict | None, submission: Submission) -> list[dict]:
    """The script's saves the grader cannot see: outside its folder (`../x/mymodel.h5`, an
    absolute path) or written as a Windows path."""
    start = (record or {}).get("workdir")
    inside = submission.run_dir.relative_to(submission.workspace)
    out = []
    for entry in recorded_saves(record):
        path = entry["path"]
        if WINDOWS_PATH.search(path):
            out.append(entry)
        elif os.path.isabs(path):
            if not (isinstance(start, str) and os.path.normpath(path).startswith(os.path.normpath(start) + os.sep)):
                out.append(entry)
        elif os.path.normpath(os.path.join(inside, path)).startswith(".."):
            out.append(entry)
    return out


def _misplaced_saves_note(saves: list[dict], task: TaskSpec) -> str:
    described = []
    for entry in saves[:3]:
        what = "weights" if entry.get("what") == "weights" else "model"
        outcome = "" if entry.get("ok") else ", which failed"
        where = "a Windows path" if WINDOWS_PATH.search(entry["path"]) else "outside its own folder"
        described.append(f"its {what} to {entry['path']!r} ({where}{outcome})")
    return (f"The script saved {'; '.join(described)}. During grading only the script's own folder "
            f"is kept and writable, and the grader looks for {task.model.file_name} there: save with "
            f"model.save('{task.model.file_name}'), a plain file name, no folder and no drive letter.")


def _harness_failure(result: RunResult, record: dict | None) -> str | None:
    """Why the grader's own harness failed before the student's code started, if it did."""
    if result.timed_out or result.out_of_memory or result.exit_code == 0:
        return None
    error = (record or {}).get("error")
    if (record or {}).get("status") == "error" and isinstance(error, dict) \
            and error.get("stage") == "setup" and result.exit_code == HARNESS_SETUP_FAILED:
        return (f"the grader's run harness failed while setting up, before the script started: "
                f"{error.get('type')}: {str(error.get('message', ''))[:300]}")
    if record is None and HARNESS_DID_NOT_START.search(result.stderr):
        last = [line for line in result.stderr.strip().splitlines() if line.strip()][-1]
        return f"the grader's run harness could not start in the {result.backend} sandbox: {last[:300]}"
    return None


def _model_file_problem(path: Path, workspace: Path) -> str | None:
    """Why the file the run left must not be opened by the grader: a link out of the workspace
    (to /etc/passwd, to the evaluation data) or something that is not a file."""
    if path.is_symlink():
        return (f"{path.name} is a symbolic link (to {os.readlink(path)}), not a saved model; the grader "
                f"reads only files the script wrote itself. Save the model with model.save('{path.name}').")
    if not os.path.realpath(path).startswith(os.path.realpath(workspace) + os.sep):
        return (f"{path.name} lies outside the workspace (a folder on its path is a symbolic link); "
                f"save the model with model.save('{path.name}') in the script's folder.")
    if not stat.S_ISREG(path.lstat().st_mode):
        return f"{path.name} is not a regular file; save the model with model.save('{path.name}')."
    return None


def _refused_model_file(task: TaskSpec, submission: Submission, detail: str, run: dict) -> Grade:
    check = CheckResult(name="model_file", title="Readable Keras model file", passed=False, found=detail,
                        expected=f"a whole Keras model saved with model.save('{task.model.file_name}')",
                        fix=Verdict.INVALID_MODEL.message)
    return _not_graded(task, submission, Verdict.INVALID_MODEL, detail, run, check)


def _moved_away(record: dict | None) -> str | None:
    """Where the script ended up, when it changed directory away from where it started."""
    record = record or {}
    start, end = record.get("workdir"), record.get("cwd_at_exit")
    if isinstance(start, str) and isinstance(end, str) and os.path.normpath(start) != os.path.normpath(end):
        return end
    return None


def _grade_misnamed(found: Path, task: TaskSpec, worker=None, labels: str | None = None) -> Grade:
    """Grade a model saved under another name as it would be, held below the pass mark."""
    grade = grade_model_file(found, task, worker, labels)
    check = CheckResult(
        name="model_file_name", title="Model saved under the task's file name", passed=False,
        found=found.name, expected=task.model.file_name,
        fix=f"Save the model with model.save('{task.model.file_name}').")
    held = grade.evaluation and scoring.score(task.metric, grade.evaluation.value, contract_met=False)
    return dataclasses.replace(
        grade, verdict=Verdict.WRONG_MODEL_NAME, checks=(check, *grade.checks), score=held or grade.score,
        summary=f"Saved as {found.name}, not {task.model.file_name}. Graded as it would be: {grade.summary}")


def _with_run(grade: Grade, submission: Submission, run: dict, advice: list[str]) -> Grade:
    run["feedback"] = advice
    return dataclasses.replace(grade, model_path=str(submission.given), run=run)


def _not_graded(task: TaskSpec, submission: Submission, verdict: Verdict, detail: str,
                run: dict, check: CheckResult | None = None) -> Grade:
    """A grade without a score; `check` (by default: the run ended without a model) says why."""
    check = check or CheckResult(
        name="run", title="Script runs and saves the model", passed=False, found=detail,
        expected=f"the script runs to its end and saves {task.model.file_name}", fix=verdict.message)
    return Grade(task_id=task.id, task_title=task.title, model_path=str(submission.given),
                 verdict=verdict, summary=detail, checks=(check,), run=run)


def _run_facts(result: RunResult, record: dict | None, limits: RunLimits, task: TaskSpec) -> dict:
    def recorded(key: str, default: dict) -> dict:  # the record is untrusted: only dicts pass
        value = (record or {}).get(key)
        return value if isinstance(value, dict) else default

    return {
        "backend": result.backend, "isolation": list(result.isolation),
        "exit_code": result.exit_code, "signal": result.signal,
        "timed_out": result.timed_out, "out_of_memory": result.out_of_memory,
        "process_limit_hit": result.process_limit_hit,
        "wall_seconds": result.wall_seconds, "peak_memory_mb": result.peak_memory_mb,
        "limits": {"time_seconds": limits.time_seconds, "memory_mb": limits.memory_mb,
                   "processes": limits.processes, "file_mb": limits.file_mb},
        "leftover_processes": result.leftover_processes,
        "keras": recorded("keras", {"requested": str(task.run.keras)}),
        "seeds": recorded("seeds", {}),
        "devices": recorded("devices", {}),
        "fits": [_fit_summary(entry) for entry in feedback.fits(record)],
        "stdout": result.stdout, "stderr": result.stderr,
        "output_dropped_bytes": result.output_dropped_bytes,
    }


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


def _crash_detail(submission: Submission, result: RunResult, record: dict | None, limits: RunLimits,
                  task: TaskSpec) -> str:
    error = (record or {}).get("error")
    if isinstance(error, dict) and error.get("type"):
        line = error.get("line")
        where = f" at {submission.where(int(line))}" if isinstance(line, int) else ""
        # TensorFlow's errors open with pages of its own frames ("in user code: ..."); the cause
        # is the last line.
        lines = [line.strip() for line in str(error.get("message", "")).splitlines() if line.strip()]
        detail = f"{error['type']}{where}: {(lines[-1] if lines else '')[:500]}"
    else:
        tail = [line for line in feedback.script_output(result.stderr).splitlines() if line.strip()]
        if tail:
            detail = tail[-1][:500]
        elif result.signal:
            detail = f"the process was killed by signal {result.signal}"
        else:
            detail = f"the script exited with code {result.exit_code}"
    if FILE_TOO_LARGE.search(detail) or result.signal == signal.SIGXFSZ:
        detail += (f". The grader lets a run write files of at most {limits.file_mb:,} MB; a model for "
                   "this task is far smaller, so write no big files of your own.")
    if "google.colab" in detail:
        detail += (". Colab's Drive (google.colab) does not exist in grading: do not mount a drive "
                   "or upload files; load the data with tf.keras.datasets' load_data() (the grader "
                   "serves the course's datasets offline)")
    elif READ_ONLY_WRITE.search(detail):
        detail += (". During grading only the script's own folder is writable: the script wrote "
                   "outside it (a '../' path or an absolute one). Write files, and the model with "
                   f"model.save('{task.model.file_name}'), next to the script")
    elif "are incompatible" in detail and _integer_labels_into_one_hot_loss(record, task):
        classes = task.model.output_units
        detail += (f". The labels are integers 0–{classes - 1} (one per example), but "
                   "categorical_crossentropy expects one-hot labels: compile with "
                   "loss='sparse_categorical_crossentropy', or one-hot encode the labels first: "
                   f"y = tf.keras.utils.to_categorical(y, {classes})")
    if NETWORK_ERROR.search(detail):
        detail += (". There is no network during grading: the script tried to reach the internet. "
                   "Load the data with tf.keras.datasets (the grader serves it offline) and "
                   "download nothing.")
    return detail


def _integer_labels_into_one_hot_loss(record: dict | None, task: TaskSpec) -> bool:
    """The training record shows integer labels going into categorical_crossentropy."""
    entries = feedback.fit_entries(record)
    loss = str(entries[-1].get("loss") or "") if entries else ""
    return (feedback.label_encoding(record, task.model.output_units, require_history=False) == "integer"
            and canonical_loss(loss) == "categorical_crossentropy")


def _saved_files(workspace: Path) -> tuple[list[Path], list[str]]:
    """Whole-model files the run saved, and the names of weights-only files (no architecture)."""
    models, weights = [], []
    # Links are never followed: one could point the grader at any file on this machine.
    for path in sorted(p for p in workspace.rglob("*") if not p.is_symlink() and p.is_file()):
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
