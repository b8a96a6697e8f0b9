"""Judging a finished run into a verdict, with the words the student reads.

Everything here reads what the run left (the sandbox's RunResult, the workspace, the untrusted
run record) and decides: the grader's own failure, a limit hit, a crash and why, no model or one
in the wrong place, or a model to grade. Orchestration (staging, running) is `grader.runs`'s.
"""
from __future__ import annotations

import dataclasses
import functools
import os
import re
import signal
import stat
from pathlib import Path

import numpy as np

from grader import datasets
from grader.datasets.preprocessing import PREPROCESSING
from grader.harness.record import RECORD_NAME, RunRecord, Save
from grader.judge import feedback, scoring
from grader.judge.grading import grade_model_file
from grader.model.inspector import InvalidModelFile, inspect_model
from grader.results import CheckResult, Grade, RunSummary, Verdict
from grader.sandbox import RunLimits, RunResult
from grader.submission.handin import MODEL_SUFFIXES, Submission
from grader.tasks.spec import TaskSpec

# How a refused connection or DNS lookup reads in an error message, whatever library raised it.
NETWORK_ERROR = re.compile(r"Network is unreachable|Name or service not known|Temporary failure in name "
                           r"resolution|URL fetch failure|URLError|gaierror|ConnectionError|"
                           r"Connection refused|No route to host|nodename nor servname", re.IGNORECASE)
READ_ONLY_WRITE = re.compile(r"Read-only file system|Errno 30\b|EROFS", re.IGNORECASE)
# A path outside the run's folder that does not exist there: "../data/out.csv", "/content/x".
MISSING_OUTSIDE = re.compile(r"No such file or directory: '((?:\.\./|/(?!tmp/))[^']*)'")
FILE_TOO_LARGE = re.compile(r"File too large|Errno 27\b|EFBIG", re.IGNORECASE)
# What Python raises when the kernel refuses a thread or a fork at the process limit. Read from
# the run's own output, it could be faked, but only to trade one failing verdict for another.
PROCESS_REFUSED = re.compile(r"can't start new thread|BlockingIOError: \[Errno 11\]")
# How Python or the local sandbox says that the harness itself never started: nothing of the
# student's had run yet, so this is the grader's failure.
HARNESS_DID_NOT_START = re.compile(r"No module named '?grader(\.\w+)*'?\)?$|Error while finding module specification "
                                   r"for 'grader|^confine: |can't open file|OSError: \[Errno \d+\] mount "
                                   rf"|^\w*Error: .*{re.escape(RECORD_NAME)}", re.MULTILINE)
HARNESS_SETUP_FAILED = 2  # the harness's exit code when it failed before the script started
# A frame of a traceback, and one in the grader's own package (installed or a checkout).
TRACEBACK_FRAME = re.compile(r'^\s*File "([^"]+)", line \d+', re.MULTILINE)
GRADER_PACKAGE_FILE = re.compile(r"/grader/(?:\w+/)*\w+\.py$")


def judge_run(submission: Submission, task: TaskSpec, result: RunResult, record: RunRecord | None,
              run: RunSummary, limits: RunLimits, worker=None) -> Grade:
    harness_failure = _harness_failure(result, record, submission.entry)
    if harness_failure:
        return not_graded(task, submission, Verdict.GRADER_ERROR, harness_failure, run)
    epochs = _epochs_so_far(record)
    model_path = submission.run_dir / task.model.file_name
    saved = os.path.lexists(model_path)
    refused = result.process_limit_hit or bool(PROCESS_REFUSED.search(result.stderr[-4096:]))
    if refused and result.exit_code != 0:
        detail = (f"it tried to run more than {limits.processes} processes and threads at once{epochs}, "
                  "and its next ones were refused. Do not start processes or threads in a loop "
                  "(os.fork, multiprocessing, threading.Thread); training needs none of its own.")
        return not_graded(task, submission, Verdict.TOO_MANY_PROCESSES, detail, run)
    if result.timed_out:
        detail = (f"stopped after {limits.time_seconds:g} s{epochs}. Train for fewer epochs or a "
                  "smaller model, and make sure the script ends (no input(), no endless loop).")
        if saved:
            detail += (f" {task.model.file_name} had been saved, but the script went on; a run that "
                       "does not end is not graded, so remove what runs after model.save().")
        return not_graded(task, submission, Verdict.TIMED_OUT, detail, run)
    if result.out_of_memory or (record and record.error and record.error.type == "MemoryError"):
        detail = (f"used more than {limits.memory_mb:,} MB{epochs}. Use a smaller batch_size or "
                  "model, and do not keep copies of the dataset (e.g. as float64 lists).")
        return not_graded(task, submission, Verdict.OUT_OF_MEMORY, detail, run)
    if result.disk_full:
        return not_graded(task, submission, Verdict.DISK_LIMIT, _disk_limit_detail(result, limits, task, saved), run)

    crashed = result.exit_code != 0
    labels = feedback.label_encoding(record, task.model.output_units)
    misplaced = _saves_out_of_reach(record, submission)
    misplaced_note = _misplaced_saves_note(misplaced, task) if misplaced else ""
    if saved:
        refusal = _model_file_problem(model_path, submission.workspace)
        if refusal:
            return _refused_model_file(task, submission, refusal, run)
        graded = str(model_path.relative_to(submission.workspace))
        run = dataclasses.replace(run, model_file=graded).with_notes(misplaced_note)
        grade = grade_model_file(model_path, task, worker, labels)
        if crashed:
            left = ", ".join(str(p.relative_to(submission.workspace)) for p in _saved_files(submission.workspace)[0])
            run = run.with_notes(f"The script raised an error after saving the model; {graded} was graded "
                                 f"(model files the run left: {left or graded}). The error: "
                                 + _crash_detail(submission, result, record, limits, task))
        return _with_run(grade, submission, run, _advice(record, task))
    others, weights = _saved_files(submission.workspace)
    if crashed and misplaced and not others:  # the same mistake, whether the outside write failed or not
        detail = f"{misplaced_note} Then the script stopped: {_crash_detail(submission, result, record, limits, task)}"
        return not_graded(task, submission, Verdict.NO_MODEL, detail, run)
    if crashed:
        return not_graded(task, submission, Verdict.CRASHED,
                           _crash_detail(submission, result, record, limits, task), run)

    if others:
        found = others[0]
        graded = str(found.relative_to(submission.workspace))
        run = dataclasses.replace(run, model_file=graded).with_notes(misplaced_note)
        windows_name = found.name.replace("\\", "/").rsplit("/", 1)[-1]
        if WINDOWS_PATH.search(graded) and windows_name == task.model.file_name:
            run = run.with_notes(f"The script saved {task.model.file_name} with a Windows path, which on the "
                                 f"grader (Linux) is the file '{graded}' in the script's folder; it was graded. "
                                 f"Save it with model.save('{task.model.file_name}'): a plain file name, no "
                                 "folder and no drive letter.")
            grade = grade_model_file(found, task, worker, labels)
        elif found.name == task.model.file_name:  # the right file, in another folder of the workspace
            run = run.with_notes(f"{task.model.file_name} was found in {graded}, not next to the script; it "
                                 f"was graded. Save it with model.save('{task.model.file_name}') in the "
                                 "script's own folder.")
            grade = grade_model_file(found, task, worker, labels)
        else:
            grade = _grade_misnamed(found, task, worker, labels)
        return _with_run(grade, submission, run, _advice(record, task))

    if misplaced:
        return not_graded(task, submission, Verdict.NO_MODEL, misplaced_note, run)
    detail = f"no {task.model.file_name} in the workspace after the run. End the script with model.save('{task.model.file_name}')"
    saved_models = _savedmodel_folders(submission.workspace)
    if saved_models:
        detail += (f"; the script saved a TensorFlow SavedModel folder ({', '.join(saved_models[:3])}: "
                   "model.save without .h5), not the single HDF5 file the task asks for")
    if weights:
        detail += f"; only weights were saved ({', '.join(weights[:3])}), which hold no architecture"
    moved = _moved_away(record)
    if moved:
        detail += (f". The script changed its working directory to {moved} (os.chdir), so its files went "
                   "there, where the grader cannot see them; save the model where the script started")
    return not_graded(task, submission, Verdict.NO_MODEL, detail + ".", run)


def _advice(record: RunRecord | None, task: TaskSpec) -> list[str]:
    # Only classification advice compares input ranges; regression is meant to extrapolate.
    graded = graded_input_range(task.dataset.name, task.dataset.preprocessing) if task.is_classification else None
    return feedback.advice(record, task, graded)


@functools.cache
def graded_input_range(dataset: str, preprocessing: str) -> tuple[float, float]:
    """The lowest and highest input value grading feeds a model (one scan per dataset)."""
    x = PREPROCESSING[preprocessing].apply(datasets.evaluation_split(dataset).x.astype(np.float32))
    return float(x.min()), float(x.max())


# `C:\\Users\\me\\mymodel.h5`, `D:/exam/mymodel.h5`: written on Windows, a plain file name here.


# `C:\\Users\\me\\mymodel.h5`, `D:/exam/mymodel.h5`: written on Windows, a plain file name here.
WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]|\\")
def _saves_out_of_reach(record: RunRecord | None, submission: Submission) -> list[Save]:
    """The script's saves the grader cannot see: outside its folder (`../x/mymodel.h5`, an
    absolute path). A Windows path is a file name here, inside the folder: found and named."""
    start = record.workdir if record else None
    inside = submission.run_dir.relative_to(submission.workspace)
    out = []
    for entry in record.saves if record else ():
        path = entry.path
        if WINDOWS_PATH.search(path):
            continue
        if os.path.isabs(path):
            if not (isinstance(start, str) and os.path.normpath(path).startswith(os.path.normpath(start) + os.sep)):
                out.append(entry)
        elif os.path.normpath(os.path.join(inside, path)).startswith(".."):
            out.append(entry)
    return out


def _misplaced_saves_note(saves: list[Save], task: TaskSpec) -> str:
    described = []
    for entry in saves[:3]:
        outcome = "" if entry.ok else ", which failed"
        described.append(f"its {entry.what} to {entry.path!r} (outside its own folder{outcome})")
    return (f"The script saved {'; '.join(described)}. During grading only the script's own folder "
            f"is kept and writable, and the grader looks for {task.model.file_name} there: save with "
            f"model.save('{task.model.file_name}'), a plain file name, no folder and no drive letter.")


def _disk_limit_detail(result: RunResult, limits: RunLimits, task: TaskSpec, saved: bool) -> str:
    limit = (f"{limits.files:,} files and folders" if result.disk_full == "files"
             else f"{limits.disk_mb:,} MB")
    detail = (f"a run may write {limit} in its workspace, /tmp and /dev/shm together, and "
              f"{result.disk_written or 'it had reached that'}. A model for this task needs a few MB: "
              "do not write copies of the dataset, many checkpoints or files in a loop, and delete "
              "what you no longer need.")
    if saved:
        detail += f" {task.model.file_name} had been saved, but the script went on writing; it was not graded."
    return detail


def _harness_failure(result: RunResult, record: RunRecord | None, script: str = "") -> str | None:
    """Why the grader's own harness failed before the student's code started, if it did."""
    # A run at its process limit made hundreds of processes: the script was running.
    if result.timed_out or result.out_of_memory or result.process_limit_hit or result.exit_code == 0:
        return None
    error = record.error if record else None
    if record and record.status == "error" and error and error.stage == "setup" \
            and result.exit_code == HARNESS_SETUP_FAILED:
        return (f"the grader's run harness failed while setting up, before the script started: "
                f"{error.type}: {error.message[:300]}")
    if record is None:
        did_not_start = HARNESS_DID_NOT_START.search(result.stderr)
        if did_not_start or _only_grader_frames(result.stderr, script):
            last = [line for line in result.stderr.strip().splitlines() if line.strip()][-1]
            what = ("failed to load" if not did_not_start else
                    "could not write its run record" if RECORD_NAME in last else "could not start")
            return f"the grader's run harness {what} in the {result.backend} sandbox: {last[:300]}"
    return None


def _only_grader_frames(stderr: str, script: str) -> bool:
    """A traceback through the grader's package and never through the student's script: the
    harness broke while importing itself (no run record was written yet), not the script."""
    frames = TRACEBACK_FRAME.findall(stderr)
    return any(GRADER_PACKAGE_FILE.search(frame) for frame in frames) and \
        not any(Path(frame).name == Path(script).name for frame in frames)


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


def _refused_model_file(task: TaskSpec, submission: Submission, detail: str, run: RunSummary) -> Grade:
    check = CheckResult(name="model_file", title="Readable Keras model file", passed=False, found=detail,
                        expected=f"a whole Keras model saved with model.save('{task.model.file_name}')",
                        fix=Verdict.INVALID_MODEL.message)
    return not_graded(task, submission, Verdict.INVALID_MODEL, detail, run, check)


def _moved_away(record: RunRecord | None) -> str | None:
    """Where the script ended up, when it changed directory away from where it started."""
    start, end = (record.workdir, record.cwd_at_exit) if record else (None, None)
    if start and end and os.path.normpath(start) != os.path.normpath(end):
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


def _with_run(grade: Grade, submission: Submission, run: RunSummary, advice: list[str]) -> Grade:
    return dataclasses.replace(grade, model_path=str(submission.given),
                               run=dataclasses.replace(run, feedback=tuple(advice)))


def not_graded(task: TaskSpec, submission: Submission, verdict: Verdict, detail: str,
                run: RunSummary, check: CheckResult | None = None) -> Grade:
    """A grade without a score; `check` (by default: the run ended without a model) says why."""
    check = check or CheckResult(
        name="run", title="Script runs and saves the model", passed=False, found=detail,
        expected=f"the script runs to its end and saves {task.model.file_name}", fix=verdict.message)
    return Grade(task_id=task.id, task_title=task.title, model_path=str(submission.given),
                 verdict=verdict, summary=detail, checks=(check,), run=run)


def syntax_error(submission: Submission) -> str | None:
    try:
        compile(submission.source, submission.entry, "exec")
    except SyntaxError as error:
        where = submission.where(error.lineno or 0)
        text = (error.text or "").rstrip()
        return f"{error.msg} at {where}" + (f": {text.strip()}" if text else "")
    return None


def _epochs_so_far(record: RunRecord | None) -> str:
    epochs = feedback.epochs_trained(record)
    return f" ({epochs} epoch{'s' if epochs != 1 else ''} finished)" if record and record.trained else ""


def _crash_detail(submission: Submission, result: RunResult, record: RunRecord | None, limits: RunLimits,
                  task: TaskSpec) -> str:
    error = record.error if record else None
    if error and error.type:
        where = f" at {submission.where(error.line)}" if error.line is not None else ""
        # TensorFlow's errors open with pages of its own frames ("in user code: ..."); the cause
        # is the last line.
        lines = [line.strip() for line in error.message.splitlines() if line.strip()]
        detail = f"{error.type}{where}: {(lines[-1] if lines else '')[:500]}"
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
    elif (outside := MISSING_OUTSIDE.search(detail)) is not None:
        detail += (f". During grading the script has only its own folder: '{outside.group(1)}' lies "
                   "outside it (a '../' path or an absolute one). Keep the files it reads and writes, "
                   f"and the model with model.save('{task.model.file_name}'), next to the script")
    elif "are incompatible" in detail and feedback.integer_labels_into_one_hot_loss(record, task.model.output_units):
        classes = task.model.output_units
        detail += (f". The labels are integers 0–{classes - 1} (one per example), but "
                   "categorical_crossentropy expects one-hot labels: compile with "
                   "loss='sparse_categorical_crossentropy', or one-hot encode the labels first: "
                   f"y = tf.keras.utils.to_categorical(y, {classes})")
    if NETWORK_ERROR.search(detail):
        detail += (". There is no network during grading: the script tried to reach the internet. "
                   "Load the data as the task's template does (tf.keras.datasets, or its download "
                   "URL: the grader serves both offline) and download nothing else.")
    return detail


def _savedmodel_folders(workspace: Path) -> list[str]:
    """Folders holding a TensorFlow SavedModel (what `model.save('name')` writes without .h5)."""
    return sorted(str(pb.parent.relative_to(workspace)) + "/" for pb in workspace.rglob("saved_model.pb")
                  if not pb.is_symlink())


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
