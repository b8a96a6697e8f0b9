"""`grade gradescope` and `grade prairielearn`: their results files, checked against the
platforms' documented fields (tests/platform_schemas.py), and the decisions behind them.

The real test (docker, slow) lays out /autograder and /grade exactly as the platforms do inside
containers of the grader's runtime image and runs their entry points: see
tests/test_platform_containers.py.
"""
from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path

import pytest
from markupsafe import escape

from grader import runs
from grader.deploy import gradescope, prairielearn
from grader.deploy.platform_run import (NO_SANDBOX_REFUSED, UNSANDBOXED_NOTE, BundleConfig, PlatformGrade,
                                        find_handin)
from grader.results import Verdict
from grader.tasks.spec import load_tasks
from platform_schemas import gradescope_problems, prairielearn_problems

TASKS = load_tasks()
IRIS = TASKS["iris"]


def refused(task=IRIS) -> PlatformGrade:
    grade = runs.ungraded(Path("/autograder/submission"), task, Verdict.GRADER_ERROR, NO_SANDBOX_REFUSED)
    return PlatformGrade(grade.to_dict(), task, 0.4, sandboxed=False)


def test_refused_sandbox_is_the_graders_error_on_both_platforms():
    graded = refused()
    on_gradescope = gradescope.results(graded, BundleConfig("iris"))
    assert gradescope_problems(on_gradescope) == []
    assert on_gradescope["score"] == 0
    assert "tell your instructor" in on_gradescope["tests"][0]["output"]
    on_prairielearn = prairielearn.results(graded)
    assert prairielearn_problems(on_prairielearn) == []
    # Not gradable: PrairieLearn does not count the attempt against the student.
    assert on_prairielearn["gradable"] is False
    assert "not a problem with your submission" in on_prairielearn["message"]


def test_unsandboxed_run_is_said_to_the_student_and_only_when_code_ran():
    grade = runs.ungraded(Path("s.py"), IRIS, Verdict.CRASHED, "ZeroDivisionError on line 3").to_dict()
    ran = {**grade, "run": {"isolation": ["own process group (ended with the run)"]}}
    note = str(escape(UNSANDBOXED_NOTE))
    assert note in gradescope.results(PlatformGrade(ran, IRIS, 0.1, False), BundleConfig("iris", "warn"))["output"]
    assert UNSANDBOXED_NOTE in prairielearn.results(PlatformGrade(ran, IRIS, 0.1, False))["message"]
    assert note not in gradescope.results(PlatformGrade(ran, IRIS, 0.1, True), BundleConfig("iris"))["output"]
    assert note not in gradescope.results(PlatformGrade(grade, IRIS, 0.1, False), BundleConfig("iris"))["output"]


def test_schema_checks_reject_what_the_platforms_document_as_wrong():
    assert gradescope_problems({"tests": [{"name": "a", "status": "ok", "max_score": 1}],
                                "leaderboard": [{"name": "acc", "value": 1, "order": "up"}]}) == [
        "score: required at the top unless every test has one", "tests[0].status: 'ok' is not 'passed' or 'failed'",
        "leaderboard[0].order: 'up' is not 'asc' or 'desc'"]
    assert prairielearn_problems({"gradable": True, "score": 5, "images": [{"url": "http://x/y.png"}],
                                  "tests": [{"points": 2, "max_points": 1}]}) == [
        "score: required, a number from 0 to 1 (found 5)", "images[0].url: not a base64 data URI of an image ('http://x/y.png')",
        "tests[0].name: required, a string", "tests[0]: points above max_points"]


def test_the_handin_is_the_one_file_uploaded_else_the_folder(tmp_path):
    (tmp_path / "solution.py").write_text("print(1)\n")
    assert find_handin(tmp_path) == tmp_path / "solution.py"
    (tmp_path / "helpers.py").write_text("X = 1\n")
    assert find_handin(tmp_path) == tmp_path


def test_prairielearn_question_uses_an_external_grader_with_a_file_upload():
    info = prairielearn.info_json(IRIS, "me/grader-pl:1")
    options = info["externalGradingOptions"]
    assert info["gradingMethod"] == "External" and options["enabled"] is True
    assert options["image"] == "me/grader-pl:1" and options["entrypoint"] == prairielearn.ENTRYPOINT
    assert options["timeout"] == IRIS.limits.time_seconds + prairielearn.STARTUP_SECONDS
    assert options["enableNetworking"] is False
    html = prairielearn.question_html(IRIS, "homework.ipynb")
    assert '<pl-file-upload file-names="homework.ipynb"></pl-file-upload>' in html
    assert "<pl-external-grader-results>" in html and "Upload your notebook" in html


def test_submitted_files_come_from_data_json_when_the_student_folder_is_empty(tmp_path):
    (tmp_path / "student").mkdir()
    (tmp_path / "data").mkdir()
    contents = base64.b64encode(b"print('hi')\n").decode()
    (tmp_path / "data" / "data.json").write_text(json.dumps(
        {"submitted_answers": {"_files": [{"name": "../solution.py", "contents": contents}]}}))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert prairielearn.submitted_files(tmp_path, scratch) == scratch
    assert (scratch / "solution.py").read_bytes() == b"print('hi')\n"


@pytest.mark.slow
def test_registry_bundle_has_gradescopes_layout_pins_and_the_tasks_data(tmp_path):
    bundle = gradescope.write_bundle(IRIS, tmp_path / "autograder.zip", BundleConfig("iris", leaderboard=True))
    with zipfile.ZipFile(bundle.path) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        requirements = archive.read("requirements.txt").decode().split()
        index = json.loads(archive.read("data/index.json"))
        config = json.loads(archive.read("task/grader-bundle.json"))
    # Gradescope looks for both at the root of the zip; run_autograder must be executable.
    assert {"setup.sh", "run_autograder", "task/iris.toml"} <= names
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert any(n.startswith("grader-") and n.endswith(".whl") for n in names)
    assert not any(n.startswith("wheels/") for n in names)  # registry mode: small
    assert bundle.bytes < 2 * 2**20
    assert all("==" in line for line in requirements) and any(r.startswith("tensorflow-cpu==") for r in requirements)
    assert {"place": "site", "path": "sklearn/datasets/data/iris.csv"} in index
    assert config == {"task": "iris", "if_no_sandbox": "refuse", "leaderboard": True}


def test_unknown_task_is_a_usage_error(tmp_path, capsys):
    from grader.cli import main

    assert main(["gradescope", "no_such_task", "-o", str(tmp_path / "a.zip")]) == 2
    assert "unknown task 'no_such_task'" in capsys.readouterr().err
    assert not (tmp_path / "a.zip").exists()
