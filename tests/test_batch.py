"""A whole class graded by `grade batch`: real runs, a real SIGKILL, real exports."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
import xmlschema

from tests import wrong_models

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
SUBMISSIONS = Path(__file__).parent / "submissions"
REFERENCE = (ROOT / "reference_solutions" / "basic_regression.py").read_text()
JUNIT_XSD = Path(__file__).parent / "data" / "junit.xsd"

# student -> the verdict the class below must get
EXPECTED = {
    "good_1": "passed", "good_2": "passed", "good_3": "passed", "good_4": "passed",
    "poor_1": "below_pass_mark", "poor_2": "below_pass_mark",
    "crash_1": "crashed", "crash_2": "crashed", "hang_1": "timed_out",
    "nomodel_1": "no_model", "nomodel_2": "no_model", "syntax_1": "syntax_error",
    "wrongname_1": "wrong_model_name", "model_good_1": "passed", "model_good_2": "passed",
    "model_truncated": "invalid_model", "model_not_hdf5": "invalid_model",
    "notebook_1": "passed", "zipped_1": "passed", "zip_escape": "invalid_submission",
    "한글_학생": "passed",
}


def build_class(folder: Path) -> Path:
    folder.mkdir()
    for name in ("good_1", "good_2", "good_3", "good_4"):
        (folder / f"{name}.py").write_text(REFERENCE)
    for name in ("poor_1", "poor_2"):
        (folder / f"{name}.py").write_text(REFERENCE.replace("epochs=500", "epochs=3"))
    for name, script in [("crash_1", "crashes.py"), ("crash_2", "crashes.py"), ("hang_1", "infinite_loop.py"),
                         ("nomodel_1", "never_saves.py"), ("nomodel_2", "never_saves.py"),
                         ("syntax_1", "syntax_error.py"), ("wrongname_1", "saves_model_h5.py")]:
        shutil.copy(SUBMISSIONS / script, folder / f"{name}.py")
    good = wrong_models.regression_line(folder / "model_good_1.h5")
    shutil.copy(good, folder / "model_good_2.h5")
    wrong_models.truncated_copy(good, folder / "model_truncated.h5")
    wrong_models.not_hdf5(folder / "model_not_hdf5.h5")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("!pip install numpy"),
                                               nbformat.v4.new_code_cell(REFERENCE)])
    nbformat.write(notebook, folder / "notebook_1.ipynb")
    with zipfile.ZipFile(folder / "zipped_1.zip", "w") as archive:
        archive.writestr("zipped_1/solution.py", REFERENCE)
    with zipfile.ZipFile(folder / "zip_escape.zip", "w") as archive:
        archive.writestr("../escape.py", REFERENCE)
    (folder / "한글_학생.py").write_text("# 한국어 주석: 기본 회귀\r\n" + REFERENCE.replace("\n", "\r\n"),
                                      encoding="utf-8")
    return folder


def batch_command(folder: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "grader.cli", "batch", str(folder), "--task", "basic_regression",
            "--jobs", "2", "--backend", "local", "--time-limit", "20", *extra]


def results(folder: Path) -> dict[str, dict]:
    store = folder / "_grades" / "results"
    return {p.stem: json.loads(p.read_text()) for p in store.glob("*.json")}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """The class, graded by a grader that is killed with SIGKILL halfway and then run again."""
    folder = build_class(tmp_path_factory.mktemp("batch") / "class")
    window_start = _uptime_ticks()
    first = subprocess.Popen(batch_command(folder), cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 600
    while len(results(folder)) < 6 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    killed_window = (window_start, _uptime_ticks())
    time.sleep(1)  # the kernel delivers the death signals
    leftovers = _grader_processes_started_in(killed_window)
    before_kill = {student: (folder / "_grades" / "results" / f"{student}.json").stat().st_mtime_ns
                   for student in results(folder)}
    second = subprocess.run(batch_command(folder), cwd=ROOT, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr[-3000:]
    return folder, before_kill, leftovers


def _uptime_ticks() -> int:
    return int(float(Path("/proc/uptime").read_text().split()[0]) * os.sysconf("SC_CLK_TCK"))


def _grader_processes_started_in(window: tuple[int, int]) -> list[bytes]:
    """Harness and prediction processes alive now that were started while the killed batch ran
    (a time window, so other graders on the machine do not count)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = Path(entry.path, "cmdline").read_bytes()
            started = int(Path(entry.path, "stat").read_bytes().rsplit(b")", 1)[1].split()[19])
        except (OSError, IndexError, ValueError):
            continue
        if (b"grader.harness.runner" in cmdline or b"grader.judge.predict_worker" in cmdline) and \
                window[0] <= started <= window[1]:
            found.append(cmdline.replace(b"\0", b" ")[:200])
    return found


def test_every_submission_gets_its_verdict_after_a_killed_run_is_resumed(graded_class):
    folder, before_kill, _ = graded_class
    got = {student: record["grade"]["verdict"] for student, record in results(folder).items()}
    assert got == EXPECTED


def test_results_finished_before_the_kill_are_kept_not_regraded(graded_class):
    folder, before_kill, _ = graded_class
    assert 6 <= len(before_kill) < len(EXPECTED)
    for student, mtime in before_kill.items():
        assert (folder / "_grades" / "results" / f"{student}.json").stat().st_mtime_ns == mtime
    assert not list((folder / "_grades" / "results").glob("*.tmp"))  # no half-written leftovers


def test_no_process_of_the_killed_batch_is_left_running(graded_class):
    _, _, leftovers = graded_class
    assert leftovers == []


def test_exports_validate_and_agree(graded_class):
    folder, _, _ = graded_class
    out = folder / "_grades"
    records = results(folder)
    with open(out / "gradebook.csv", encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    exported = json.loads((out / "results.json").read_text())
    assert set(rows) == set(records) == {row["student"] for row in exported["students"]}
    xmlschema.XMLSchema(JUNIT_XSD).validate(out / "junit.xml")
    junit = xmlschema.XMLSchema(JUNIT_XSD).to_dict(out / "junit.xml")
    cases = {case["@name"]: case for suite in junit["testsuite"] for case in suite["testcase"]}
    for student, record in records.items():
        grade = record["grade"]
        points = (grade["score"] or {}).get("points", 0)
        assert rows[student]["verdict"] == grade["verdict"] and int(rows[student]["points"]) == points
        gradescope = json.loads((out / "gradescope" / student / "results.json").read_text())
        assert gradescope["score"] == points
        for test in gradescope["tests"]:
            assert set(test) == {"name", "score", "max_score", "status", "output", "output_format", "visibility"}
            assert test["output_format"] == "html"
            assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"
        assert ("failure" in cases[student]) == (not grade["passed"])
    assert exported["summary"]["passed"] == sum(r["grade"]["passed"] for r in records.values())


def test_rerunning_an_unchanged_class_grades_nothing(graded_class):
    folder, _, _ = graded_class
    before = {s: r["finished_at"] for s, r in results(folder).items()}
    again = subprocess.run(batch_command(folder), cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0
    assert f"({len(EXPECTED)} unchanged)" in again.stdout
    assert {s: r["finished_at"] for s, r in results(folder).items()} == before


def test_an_unchanged_batch_of_100_re_runs_in_under_2_seconds(tmp_path):
    import keras

    folder = tmp_path / "hundred"
    folder.mkdir()
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    for student in range(100):  # different weights each, all good enough to pass
        model.set_weights([np.array([[2.0 + student * 1e-4]]), np.array([-1.0])])
        model.save(folder / f"student_{student:03d}.h5")
    graded = subprocess.run(batch_command(folder), cwd=ROOT, capture_output=True, text=True)
    assert graded.returncode == 0, graded.stderr[-3000:]
    assert len(results(folder)) == 100
    started = time.monotonic()
    again = subprocess.run(batch_command(folder), cwd=ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    assert "(100 unchanged)" in again.stdout
    assert elapsed < 2.0, f"took {elapsed:.2f} s"


def test_a_mixed_class_grades_each_submission_against_its_own_task(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    wrong_models.regression_line(folder / "line.h5")
    wrong_models.iris_classifier(folder / "flowers.h5")
    graded = subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(folder), "--backend", "local"],
                            cwd=ROOT, capture_output=True, text=True)
    assert graded.returncode == 0, graded.stderr[-3000:]
    tasks = {student: record["task_id"] for student, record in results(folder).items()}
    assert tasks == {"line": "basic_regression", "flowers": "iris"}
    assert all(record["grade"]["verdict"] == "passed" for record in results(folder).values())
