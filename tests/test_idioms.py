"""Real learners' idioms (tests/idioms_corpus.py), graded as one mixed class.

The local backend grades the whole corpus in one `grade batch` run (two at a time); the Docker
backend grades a sample of it, one case per kind of idiom, so CI proves both backends agree
without training the corpus twice. Each case must get its verdict and its report must carry the
words that explain it; every student must end with a final result and none with grader_error.
"""
from __future__ import annotations

import idioms_corpus
import pytest
from docker_ready import docker_not_ready
from idioms_corpus import CASES, student_text

from grader.batch.run import discover, run_batch
from grader.runs import RunOptions
from grader.tasks.spec import load_tasks

# Generous for a busy 2-core machine: the slowest case trains for about 15 s.
TIME_LIMIT = 180
JOBS = 2
DOCKER_SAMPLE = ("br_import_keras", "br_notebook_automagics", "br_crashes_after_saving",
                 "br_saves_to_parent_folder", "iris_tfds_template", "iris_checkpoint_odd_extension",
                 "iris_colab_drive_csv", "fm_reshape_hardcoded_cnn")
BY_STUDENT = {case.student: case for case in CASES}


def _backend(name: str):
    if name == "docker":
        return pytest.param(name, marks=[pytest.mark.docker, pytest.mark.skipif(
            bool(docker_not_ready()), reason=f"Docker not ready: {docker_not_ready()}")])
    return pytest.param(name)


def _grade_class(folder, backend: str, students: tuple[str, ...] | None = None) -> dict:
    idioms_corpus.build_class(folder / "class", students)
    out = folder / "class" / "_grades"
    # No task is given: each submission's `# task:` line chooses it, as in a mixed class.
    records = run_batch(discover(folder / "class", out), load_tasks(), None, out,
                        RunOptions(time_seconds=TIME_LIMIT, backend=backend), jobs=JOBS)
    return {record["student"]: record for record in records}


@pytest.fixture(scope="module", params=[_backend("local"), _backend("docker")])
def graded(request, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp(f"idioms-{request.param}")
    students = None if request.param == "local" else DOCKER_SAMPLE
    return _grade_class(folder, request.param, students)


def test_the_corpus_has_at_least_forty_cases_each_with_its_source():
    assert len(CASES) >= 40
    assert len({case.student for case in CASES}) == len(CASES)
    sources = (idioms_corpus.IDIOMS / "SOURCES.md").read_text(encoding="utf-8")
    assert not [case.name for case in CASES if f"`{case.source}`" not in sources]


def test_every_case_names_its_task_on_its_first_line():
    for case in CASES:
        if case.build is None and case.name.endswith(".py"):
            first = (idioms_corpus.IDIOMS / case.name).read_text(encoding="utf-8").splitlines()[0]
            assert first == f"# task: {case.task}", case.name


def test_the_docker_sample_is_in_the_corpus():
    assert set(DOCKER_SAMPLE) <= set(BY_STUDENT)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case.student for case in CASES])
def test_each_idiom_gets_its_verdict_and_its_explanation(graded, case):
    if case.student not in graded:
        pytest.skip("not in this backend's sample")
    grade = graded[case.student]["grade"]
    text = student_text(grade)
    assert grade["task_id"] == case.task, text
    assert grade["verdict"] == case.verdict, text
    for words in case.says:
        assert words in text, f"{words!r} not in:\n{text}"
    for words in case.avoids:
        assert words not in text, f"{words!r} said without evidence:\n{text}"


@pytest.mark.slow
def test_every_student_gets_a_final_result_and_no_grader_error(graded):
    assert set(graded) <= set(BY_STUDENT)
    assert all(record["final"] for record in graded.values())
    assert not [s for s, r in graded.items() if r["grade"]["verdict"] == "grader_error"]
