"""Every way a run can end without a model to score, decided on canned run results.

A fake sandbox stands in for a real run here, and only here: it returns a `RunResult` and lays
down what a run would leave (its record, files) so that the decision logic of
`grader.judge.run_verdicts` is tested in milliseconds. The same verdicts on real runs are in
test_runs.py, test_fair_runs.py and the hostile and idiom corpora.
"""
from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from grader import runs
from grader.results import Verdict
from grader.sandbox import RunLimits, RunRequest, RunResult
from grader.submission.handin import open_submission
from grader.tasks.spec import load_tasks

TASK = load_tasks()["basic_regression"]
SCRIPT = "import tensorflow as tf\nprint('training')\n"


class CannedSandbox:
    """Answers every run with the same result, after `leave(workspace)` wrote what the run left."""

    name = "canned"
    isolation = ("none: canned results",)

    def __init__(self, leave: Callable[[Path], None] = lambda workspace: None, **result) -> None:
        self.leave = leave
        self.result = dict(backend="canned", exit_code=0, signal=None, timed_out=False, out_of_memory=False,
                           wall_seconds=1.0, peak_memory_mb=100.0, stdout="", stderr="",
                           output_dropped_bytes=0, isolation=self.isolation) | result

    def run(self, request: RunRequest, limits: RunLimits) -> RunResult:
        self.leave(request.workspace)
        return RunResult(**self.result)


def record(**fields) -> Callable[[Path], None]:
    def leave(workspace: Path) -> None:
        (workspace / runs.RECORD_NAME).write_text(json.dumps({"status": "completed", "workdir": str(workspace),
                                                              **fields}))
    return leave


def decide(tmp_path: Path, sandbox: CannedSandbox, source: str = SCRIPT, name: str = "solution.py"):
    given = tmp_path / name
    given.parent.mkdir(parents=True, exist_ok=True)
    given.write_text(source, encoding="utf-8")
    submission = open_submission(given, tmp_path / "run" / "workspace")
    return runs.grade_submission(submission, TASK, sandbox, runs.RunOptions(time_seconds=30, memory_mb=500))


def text(grade) -> str:
    return " ".join([grade.summary, *grade.run.notes, *(c.found + " " + c.fix for c in grade.checks)])


def test_a_syntax_error_is_found_before_anything_runs(tmp_path):
    grade = decide(tmp_path, CannedSandbox(), "x = (1,\n")
    assert grade.verdict is Verdict.SYNTAX_ERROR and "line 1" in grade.summary


def test_a_harness_that_cannot_start_is_the_graders_error(tmp_path):
    grade = decide(tmp_path, CannedSandbox(exit_code=1, stderr="confine: the sandbox could not start the run: "
                                                                 "[Errno 2] No such file or directory"))
    assert grade.verdict is Verdict.GRADER_ERROR and grade.verdict.exit_code == 2
    assert "could not start" in grade.summary


BROKEN_GRADER = """Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
  File "/opt/grader/lib/python3.11/site-packages/grader/harness/runner.py", line 66, in <module>
    from grader.datasets.offline import install as install_offline_datasets
  File "/opt/grader/lib/python3.11/site-packages/grader/datasets/serving.py", line 97
    answers = getattr(replacement, "answers", None
              ^
SyntaxError: '(' was never closed
"""


def test_a_harness_that_breaks_while_importing_itself_is_the_graders_error(tmp_path):
    grade = decide(tmp_path, CannedSandbox(exit_code=1, stderr=BROKEN_GRADER))
    assert grade.verdict is Verdict.GRADER_ERROR and "failed to load" in grade.summary
    # The same traceback through the student's own script is the student's crash.
    through_script = BROKEN_GRADER.replace('  File "<frozen runpy>"', '  File "/work/solution.py", line 3, in <module>\n  File "<frozen runpy>"')
    assert decide(tmp_path / "b", CannedSandbox(exit_code=1, stderr=through_script)).verdict is Verdict.CRASHED


FORKED_HARNESS = """Traceback (most recent call last):
  File "/opt/grader/lib/python3.11/site-packages/grader/harness/runner.py", line 190, in main
BlockingIOError: [Errno 11] Resource temporarily unavailable
"""


def test_a_fork_bomb_is_too_many_processes(tmp_path):
    grade = decide(tmp_path, CannedSandbox(exit_code=1, process_limit_hit=True))
    assert grade.verdict is Verdict.TOO_MANY_PROCESSES and "512 processes and threads" in grade.summary
    # Killed at the limit with no record and only the harness's frames in its output's tail: it
    # ran hundreds of processes, so the script was running; not the grader's failure.
    killed = decide(tmp_path / "b", CannedSandbox(exit_code=None, signal=9, process_limit_hit=True,
                                                  stderr=FORKED_HARNESS))
    assert killed.verdict is Verdict.TOO_MANY_PROCESSES


def test_a_run_that_fills_its_space_is_disk_limit_naming_the_limit_and_the_files(tmp_path):
    written = "it had written 2,048 MB in 5 files and folders; the largest: cache_0.bin (1,024 MB)"
    grade = decide(tmp_path, CannedSandbox(exit_code=None, signal=9, disk_full="space", disk_written=written))
    assert grade.verdict is Verdict.DISK_LIMIT
    assert "2,048 MB in its workspace, /tmp and /dev/shm" in grade.summary and "cache_0.bin" in grade.summary


def test_a_run_that_makes_too_many_files_is_disk_limit_naming_the_file_limit(tmp_path):
    saved = lambda workspace: (workspace / "mymodel.h5").write_bytes(b"x")  # noqa: E731
    grade = decide(tmp_path, CannedSandbox(saved, exit_code=1, disk_full="files",
                                           disk_written="it had written 0 MB in 20,000 files and folders"))
    assert grade.verdict is Verdict.DISK_LIMIT and "20,000 files and folders" in grade.summary
    assert "mymodel.h5 had been saved" in grade.summary


def test_a_run_over_time_is_timed_out_and_told_if_it_had_saved(tmp_path):
    saved = lambda workspace: (workspace / "mymodel.h5").write_bytes(b"x")  # noqa: E731
    grade = decide(tmp_path, CannedSandbox(saved, exit_code=None, signal=signal.SIGKILL, timed_out=True))
    assert grade.verdict is Verdict.TIMED_OUT
    assert "stopped after 30 s" in grade.summary and "mymodel.h5 had been saved" in grade.summary


@pytest.mark.parametrize("canned", [dict(exit_code=None, signal=9, out_of_memory=True),
                                    dict(exit_code=1, leave=record(status="error", error={"type": "MemoryError"}))])
def test_memory_is_out_of_memory_whether_killed_or_raised(tmp_path, canned):
    grade = decide(tmp_path, CannedSandbox(**canned))
    assert grade.verdict is Verdict.OUT_OF_MEMORY and "more than 500 MB" in grade.summary


@pytest.mark.parametrize("error, words", [
    ({"type": "URLError", "message": "<urlopen error [Errno -3] Temporary failure in name resolution>"},
     "There is no network during grading"),
    ({"type": "OSError", "message": "[Errno 27] File too large"}, "files of at most 1,024 MB"),
    ({"type": "ModuleNotFoundError", "message": "No module named 'google.colab'"}, "Colab's Drive"),
    ({"type": "OSError", "message": "[Errno 30] Read-only file system: '../data/out.csv'"},
     "only the script's own folder is writable"),
    ({"type": "ValueError", "message": "in user code:\n  File training.py\nValueError: Shapes (None, 1) and "
                                       "(None, 10) are incompatible", "line": 2}, "ValueError at line 2: ValueError: Shapes"),
])
def test_a_crash_names_its_cause(tmp_path, error, words):
    grade = decide(tmp_path, CannedSandbox(record(status="error", error=error), exit_code=1))
    assert grade.verdict is Verdict.CRASHED
    assert words in grade.summary


def test_integer_labels_into_a_one_hot_loss_are_named_only_from_the_record(tmp_path):
    error = {"type": "ValueError", "message": "Shapes (None, 1) and (None, 1) are incompatible"}
    fit = {"history": {}, "y": {"shape": [6]}, "loss": "categorical_crossentropy"}
    with_labels = decide(tmp_path / "a", CannedSandbox(record(status="error", error=error, fits=[fit]), exit_code=1))
    assert "The labels are integers" in with_labels.summary
    unknown = decide(tmp_path / "b", CannedSandbox(record(status="error", error=error), exit_code=1))
    assert "labels" not in unknown.summary


def test_no_model_names_weights_only_files(tmp_path):
    weights = lambda workspace: (workspace / "my_checkpoint.ckpt.index").write_bytes(b"x")  # noqa: E731
    grade = decide(tmp_path, CannedSandbox(weights))
    assert grade.verdict is Verdict.NO_MODEL
    assert "no mymodel.h5" in grade.summary and "my_checkpoint.ckpt.index" in grade.summary


def test_no_model_after_changing_directory_says_so(tmp_path):
    grade = decide(tmp_path, CannedSandbox(record(cwd_at_exit="/somewhere/else")))
    assert grade.verdict is Verdict.NO_MODEL and "os.chdir" in grade.summary


@pytest.mark.parametrize("path", ["../tf_certificate/Category2/mymodel.h5", "/content/drive/MyDrive/mymodel.h5"])
@pytest.mark.parametrize("worked", [True, False])
def test_a_save_the_grader_cannot_see_is_named_whether_or_not_it_worked(tmp_path, path, worked):
    """Locally `../` lands in the run's private /tmp and works; in a container it fails and the
    script stops: the same mistake gets the same verdict."""
    saves = [{"call": 1, "model": 1, "path": path, "ok": worked, "by": "script", "what": "model"}]
    error = None if worked else {"stage": "script", "type": "FileNotFoundError", "message": "Unable to create file"}
    grade = decide(tmp_path, CannedSandbox(record(saves=saves, error=error), exit_code=0 if worked else 1))
    assert grade.verdict is Verdict.NO_MODEL
    assert f"its model to {path!r} (outside its own folder" in grade.summary
    assert ("Then the script stopped: FileNotFoundError" in grade.summary) is not worked
    assert "without saving" not in text(grade)


def test_a_savedmodel_folder_is_named_as_one(tmp_path):
    def savedmodel(workspace: Path) -> None:
        (workspace / "mymodel" / "variables").mkdir(parents=True)
        (workspace / "mymodel" / "saved_model.pb").write_bytes(b"x")
    grade = decide(tmp_path, CannedSandbox(savedmodel))
    assert grade.verdict is Verdict.NO_MODEL
    assert "SavedModel folder (mymodel/: model.save without .h5)" in grade.summary


def test_a_save_inside_the_folder_is_not_flagged(tmp_path):
    saves = [{"path": "mymodel.h5", "ok": True}, {"path": "models/../mymodel.h5", "ok": True}]
    grade = decide(tmp_path, CannedSandbox(record(saves=saves)))
    assert grade.verdict is Verdict.NO_MODEL and "outside" not in text(grade)


def test_a_model_file_linked_elsewhere_is_refused_unopened(tmp_path):
    linked = lambda workspace: (workspace / "mymodel.h5").symlink_to("/etc/passwd")  # noqa: E731
    grade = decide(tmp_path, CannedSandbox(linked))
    assert grade.verdict is Verdict.INVALID_MODEL and "symbolic link (to /etc/passwd)" in grade.summary


def test_a_forged_record_is_read_as_untrusted_data(tmp_path):
    forged = lambda workspace: (workspace / runs.RECORD_NAME).write_text('{"fits": 7, "saves": "all", "error": []}')  # noqa: E731
    grade = decide(tmp_path, CannedSandbox(forged))
    assert grade.verdict is Verdict.NO_MODEL and grade.run.execution.fits == ()


@pytest.mark.parametrize("name, content, words", [
    ("broken.ipynb", "{not json", "not a valid Jupyter notebook"),
    ("model.pkl", "x", ".py script, an .ipynb notebook"),
])
def test_a_hand_in_that_cannot_be_run_is_invalid_submission_for_grade_and_batch_alike(tmp_path, name, content, words):
    given = tmp_path / name
    given.write_text(content)
    grade, task = runs.grade_handin(given, load_tasks(), "basic_regression", runs.RunOptions())
    assert grade.verdict is Verdict.INVALID_SUBMISSION and grade.verdict.exit_code == 1
    assert words in grade.summary
