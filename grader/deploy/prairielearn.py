"""A PrairieLearn question graded by the grader as an external grader, and its entry point.

Layout and fields follow PrairieLearn's external grading documentation
(https://prairielearn.readthedocs.io/en/latest/externalGrading/, question files:
https://prairielearn.readthedocs.io/en/latest/question/): `info.json` with
`externalGradingOptions`, `question.html` with a `pl-file-upload`, the question's `tests/` folder
at /grade/tests in the grading container, the student's files in /grade/student, the submission
in /grade/data/data.json, the results in /grade/results/results.json.

    grade prairielearn TASK -o DIR                    (grader.cli)
    python -m grader.deploy.prairielearn run          (the grading image's entry point)
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
import uuid
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from markupsafe import escape

from grader.deploy.gradescope import EXECUTABLE, stage_bundle_files
from grader.deploy.platform_run import BundleConfig, PlatformGrade, grade_on_platform, write_json_atomically
from grader.output.html_report import student_context
from grader.tasks.spec import TaskSpec

ROOT = Path("/grade")
DEFAULT_IMAGE = "your-docker-hub-account/grader-prairielearn:latest"
ENTRYPOINT = "/opt/grader-bundle/grade.sh"
STARTUP_SECONDS = 120  # the container's start, TensorFlow's import and the evaluation, beyond the run's own limit


def write_question(task: TaskSpec, out: Path, config: BundleConfig, *, image: str = DEFAULT_IMAGE,
                   file_name: str = "solution.py", offline: bool = False) -> Path:
    """DIR/info.json, DIR/question.html, DIR/tests/ (the task's spec) and DIR/image/ (the grading
    image's Dockerfile and what it installs: the Gradescope bundle's setup.sh and files)."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty: choose a new question folder")
    if Path(file_name).suffix not in (".py", ".ipynb"):
        raise ValueError(f"--file-name {file_name}: students upload a .py script or a .ipynb notebook")
    (out / "tests").mkdir(parents=True)
    (out / "tests" / f"{task.id}.toml").write_bytes(Path(task.path).read_bytes())
    config.write(out / "tests")
    (out / "info.json").write_text(json.dumps(info_json(task, image), indent=2) + "\n", encoding="utf-8")
    (out / "question.html").write_text(question_html(task, file_name), encoding="utf-8")
    bundle = out / "image" / "bundle"
    bundle.mkdir(parents=True)
    stage_bundle_files(task, bundle, config, offline)
    for name in ("Dockerfile", "grade.sh"):
        text = resources.files("grader.deploy").joinpath("files", f"prairielearn-{name}").read_text(encoding="utf-8")
        target = out / "image" / name if name == "Dockerfile" else bundle / name
        target.write_text(text, encoding="utf-8")
    (bundle / "grade.sh").chmod(EXECUTABLE)
    return out


def info_json(task: TaskSpec, image: str) -> dict:
    return {
        "uuid": str(uuid.uuid4()), "title": task.title, "topic": "Keras models", "tags": ["grader", task.id],
        "type": "v3", "singleVariant": True, "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True, "image": image, "entrypoint": ENTRYPOINT,
            "timeout": int(task.limits.time_seconds) + STARTUP_SECONDS, "enableNetworking": False,
        },
    }


def question_html(task: TaskSpec, file_name: str) -> str:
    return (f"<pl-question-panel>\n<h4>{escape(task.title)}</h4>\n"
            # The statement is Markdown; PrairieLearn renders a <markdown> block in question.html.
            f"<markdown>\n{escape(task.statement.strip())}\n</markdown>\n"
            f"<p>Starter template; save your model as <code>{escape(task.model.file_name)}</code>:</p>\n"
            f"<pl-code language=\"python\">{escape(task.template.strip())}</pl-code>\n"
            f"<p>Upload your {'notebook' if file_name.endswith('.ipynb') else 'script'} "
            f"as <code>{escape(file_name)}</code>.</p>\n</pl-question-panel>\n\n"
            f"<pl-file-upload file-names=\"{escape(file_name)}\"></pl-file-upload>\n\n"
            "<pl-submission-panel>\n  <pl-external-grader-results></pl-external-grader-results>\n"
            "  <pl-file-preview></pl-file-preview>\n</pl-submission-panel>\n")


def results(graded: PlatformGrade) -> dict:
    """PrairieLearn's results.json from the grade: score 0-1, a message, one test for the score
    and one per contract check, and the HTML report's plots as images. A grader_error is not
    gradable: PrairieLearn then does not count the attempt against the student."""
    grade = graded.grade
    score = grade.get("score") or {}
    points, maximum = score.get("points", 0), score.get("max_points", 5)
    advice = (grade.get("run") or {}).get("feedback") or []
    printed = f"What your script printed (last lines):\n{graded.script_printed}" if graded.script_printed else ""
    output = "\n".join([grade["verdict_message"], *advice, *grade.get("notes", []), graded.isolation_note,
                         printed]).strip()
    tests = [{"name": "Score on the hidden test set", "description": f"{graded.task.metric.label}, 0-{maximum} points",
              "points": points, "max_points": maximum, "message": grade["summary"], "output": output}]
    for check in grade["checks"]:
        message = "passed" if check["passed"] else f"found: {check['found']}\nexpected: {check['expected']}"
        if check.get("fix") and not check["passed"]:
            message += f"\nhow to fix: {check['fix']}"
        tests.append({"name": check["title"], "points": 0, "max_points": 0, "message": message})
    return {"gradable": grade["verdict"] != "grader_error", "score": round(points / maximum, 4) if maximum else 0.0,
            "message": " ".join(filter(None, [grade["summary"], graded.isolation_note])), "output": output,
            "tests": tests, "images": list(_images(student_context(grade, graded.task)))}


def _images(context: object) -> Iterator[dict]:
    """Every figure of the HTML report (inline SVG) as an image PrairieLearn shows."""
    if isinstance(context, dict):
        if "svg" in context and "alt" in context:
            encoded = base64.b64encode(str(context["svg"]).encode("utf-8")).decode("ascii")
            yield {"label": context["alt"], "url": f"data:image/svg+xml;base64,{encoded}"}
            return
        for value in context.values():
            yield from _images(value)
    elif isinstance(context, list):
        for value in context:
            yield from _images(value)


def submitted_files(root: Path, scratch: Path) -> Path:
    """/grade/student, or, where it is empty, the files data.json carries (base64 `_files`)."""
    student = root / "student"
    if student.is_dir() and any(student.iterdir()):
        return student
    data = json.loads((root / "data" / "data.json").read_text(encoding="utf-8"))
    for entry in (data.get("submitted_answers") or {}).get("_files") or []:
        name = Path(entry["name"]).name
        (scratch / name).write_bytes(base64.b64decode(entry["contents"]))
    return scratch


def grade_submission(root: Path = ROOT) -> dict:
    target = root / "results" / "results.json"
    try:
        with tempfile.TemporaryDirectory(prefix="grader-pl-") as scratch:
            graded = grade_on_platform(submitted_files(root, Path(scratch)), root / "tests")
            data = results(graded)
    except Exception as error:  # noqa: BLE001 - PrairieLearn must get a results file that says why
        write_json_atomically(target, {"gradable": False, "score": 0.0, "tests": [],
                                       "message": f"The grader itself failed ({type(error).__name__}: {error}); "
                                                  "this attempt does not count. Tell your instructor."})
        raise
    write_json_atomically(target, data)
    print(f"{graded.grade['verdict']}: score {data['score']}; {graded.grade['summary']}")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.deploy.prairielearn")
    parser.add_argument("action", choices=["run"])
    parser.add_argument("--root", type=Path, default=ROOT, help="PrairieLearn's /grade")
    args = parser.parse_args(argv)
    grade_submission(args.root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
