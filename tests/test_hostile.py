"""The hostile and faulty corpus (tests/hostile_corpus.py), graded as one class on each backend.

Each backend grades the whole corpus in one `grade batch` run (two at a time, as an instructor
would), then every case is checked for its verdict and for words that name its cause. Around
that: the batch must finish with every student graded, no run may leave a process, a container
or a file outside its workspace behind, and a second run must keep every result as it was.
"""
from __future__ import annotations

import contextlib
import json
import os
import sysconfig
from pathlib import Path

import hostile_corpus
import pytest
from docker_ready import docker_not_ready
from hostile_corpus import CASES, MARKER, TASK, student_text

import grader
from grader.batch.run import discover, run_batch
from grader.runs import RunOptions
from grader.output.atomic import OutputUnwritable
from grader.sandbox.local import namespace_command
from grader.sandbox.run_disk import mounted_disks, mount_tmpfs, unmount
from grader.tasks.spec import load_tasks

pytestmark = pytest.mark.slow

# Long enough for every good script to train on a busy machine, short for the ones that hang.
TIME_LIMIT = 60
JOBS = 2


def _backend(name: str):
    if name == "docker":
        return pytest.param(name, marks=[pytest.mark.docker, pytest.mark.skipif(
            bool(docker_not_ready()), reason=f"Docker not ready: {docker_not_ready()}")])
    # Without namespaces the local backend is a plain process group: `kill -1` from a student
    # would reach the grader itself. It is documented as no boundary there; nothing to prove.
    return pytest.param(name, marks=pytest.mark.skipif(
        namespace_command() is None, reason="the local sandbox has no namespaces here"))


@pytest.fixture(scope="module", params=[_backend("local"), _backend("docker")])
def graded_class(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"hostile-{request.param}")
    hostile_corpus.build_class(folder / "class")
    out = folder / "class" / "_grades"
    options = RunOptions(time_seconds=TIME_LIMIT, backend=request.param)
    entries = discover(folder / "class", out)
    records = run_batch(entries, load_tasks(), TASK, out, options, jobs=JOBS)
    return {"backend": request.param, "entries": entries, "out": out, "options": options,
            "records": {r["student"]: r for r in records}}


def test_the_corpus_covers_at_least_thirty_cases():
    assert len(CASES) >= 30
    assert len({case.student for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.student for case in CASES])
def test_each_case_gets_its_verdict_and_names_its_cause(graded_class, case):
    grade = graded_class["records"][case.student]["grade"]
    text = student_text(grade)
    assert grade["verdict"] == case.verdict, text
    for words in case.says:
        assert words in text, f"{words!r} not in:\n{text}"


def test_the_batch_grades_every_student_with_a_final_result(graded_class):
    records = graded_class["records"]
    assert set(records) == {case.student for case in CASES}
    # The grader's own failures, with what it said: on CI only the output's tail is kept.
    failed = {s: r["grade"]["summary"] for s, r in records.items() if r["grade"]["verdict"] == "grader_error"}
    assert failed == {}
    assert all(record["final"] for record in records.values())


def test_no_run_leaves_a_process_behind(graded_class):
    runs = {s: r["grade"]["run"] for s, r in graded_class["records"].items() if r["grade"].get("run")}
    assert runs and {s: run.get("leftover_processes", 0) for s, run in runs.items() if run.get("leftover_processes")} == {}
    if graded_class["backend"] == "docker":
        import docker

        from grader.sandbox.docker_backend import RUN_LABEL

        client = docker.from_env()
        assert client.containers.list(all=True, filters={"label": RUN_LABEL}) == []


def test_no_run_leaves_its_space_mounted(graded_class):
    assert mounted_disks(owner=os.getpid()) == []


def test_no_run_writes_outside_its_workspace(graded_class):
    folders = ["/", "/etc", "/root", "/usr/share/datasets", "/usr/local/bin",
               sysconfig.get_paths()["purelib"], os.path.dirname(grader.__file__)]
    left = [folder for folder in folders if (Path(folder) / MARKER).exists()]
    assert left == []


def test_the_runs_were_limited_as_stated(graded_class):
    records = graded_class["records"]
    limits = records["infinite_loop"]["grade"]["run"]["limits"]
    assert limits["time_seconds"] == TIME_LIMIT and limits["processes"] == 512
    assert limits["disk_mb"] == 2048 and limits["files"] == 20_000
    writer = records["writes_three_gigabytes"]["grade"]["run"]
    assert "workspace, /tmp and /dev/shm: 2,048 MB and 20,000 files together" in " ".join(writer["isolation"])
    assert records["fork_bomb"]["grade"]["run"]["process_limit_hit"]
    assert records["huge_output"]["grade"]["run"]["output_dropped_bytes"] > 90 * 2**20


def test_a_second_run_keeps_every_result(graded_class):
    before = graded_class["records"]
    again = run_batch(graded_class["entries"], load_tasks(), TASK, graded_class["out"],
                      graded_class["options"], jobs=JOBS)
    again = {r["student"]: r for r in again}
    assert set(again) == set(before)
    # Named by student and verdict first: a whole record's diff is too long to read on CI.
    changed = {s: (before[s]["grade"]["verdict"], again[s]["grade"]["verdict"], again[s]["grade"]["summary"])
               for s in before if again[s] != before[s]}
    assert changed == {}


# The results store on a disk that fills up during the batch: three students, graded one at a time.
FULL_DISK_CLASS = {"a_never_saves.py": "never_saves.py", "b_truncated.h5": None, "c_not_hdf5.h5": None}


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting the small results disk needs root")
def test_a_full_results_disk_stops_the_batch_and_a_rerun_resumes(graded_class, tmp_path):
    """The results folder is a small tmpfs, filled by someone else once the first result is in:
    the batch stops with one clear error, leaves no half-written file, and once space is freed
    the same command keeps the first result and grades the other two."""
    folder = tmp_path / "class"
    folder.mkdir()
    for name, source in FULL_DISK_CLASS.items():
        case = next(c for c in CASES if c.name == (source or name.split("_", 1)[1]))
        (case.build or hostile_corpus._copy(case.name))(folder / name)
    out = tmp_path / "results-disk"
    out.mkdir()
    mount_tmpfs(out, "size=4m")
    try:
        filler = out / "someone-elses-file"

        def fill_after_first(progress) -> None:
            if progress.done == 1 and not filler.exists():
                with contextlib.suppress(OSError), open(filler, "wb", buffering=0) as handle:
                    while True:
                        handle.write(bytes(2**16))

        entries = discover(folder, out)
        with pytest.raises(OutputUnwritable, match="No space left on device.*run the same command again"):
            run_batch(entries, load_tasks(), TASK, out, graded_class["options"], jobs=1, on_change=fill_after_first)
        left = sorted(p.name for p in (out / "results").iterdir())
        assert left == ["a_never_saves.json"]  # whole, and no temporary file beside it
        assert json.loads((out / "results" / left[0]).read_text())["grade"]["verdict"] == "no_model"

        filler.unlink()
        progress_seen = []
        records = run_batch(entries, load_tasks(), TASK, out, graded_class["options"], jobs=1,
                            on_change=progress_seen.append)
        assert progress_seen[-1].cached == 1 and progress_seen[-1].done == 2
        assert {r["student"]: r["grade"]["verdict"] for r in records} == {
            "a_never_saves": "no_model", "b_truncated": "invalid_model", "c_not_hdf5": "invalid_model"}
    finally:
        unmount(out)
