"""The platform bundles, run for real: /autograder and /grade laid out as Gradescope and
PrairieLearn lay them out, inside containers of the grader's runtime image, with no network.

Gradescope: the offline bundle is extracted to /autograder/source, setup.sh runs as root, the
container is committed (Gradescope builds one image per autograder), then each submission runs
in a fresh container from it: /autograder/run_autograder with the hand-in in
/autograder/submission. PrairieLearn: the question's image/Dockerfile is built (on the
Gradescope image, so its setup.sh finds every pinned requirement installed and needs no
registry), then grade.sh runs with /grade/student, /grade/data/data.json and /grade/tests.
Both results files are checked against the platforms' documented fields and against `grade`'s
own verdict and score for the same script on this machine.

The sandbox's namespaces need the container to allow user namespaces (NAMESPACES_ALLOWED below)
or CAP_SYS_ADMIN; neither platform documents what it allows, so a run with Docker's defaults
checks the refusal too.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from docker_ready import docker_not_ready
from grader import runs
from grader.deploy import gradescope, prairielearn
from grader.deploy.platform_run import NO_SANDBOX_REFUSED, BundleConfig
from grader.sandbox.docker_image import DEFAULT_TAG
from grader.tasks.spec import load_tasks
from platform_schemas import gradescope_problems, prairielearn_problems

pytestmark = [pytest.mark.slow, pytest.mark.docker,
              pytest.mark.skipif(bool(docker_not_ready()), reason=docker_not_ready() or "docker ready")]

SUBMISSIONS = Path(__file__).parent / "submissions" / "platform"
# Docker's default seccomp profile refuses unshare(CLONE_NEWUSER), and its masked /proc paths
# stop a user namespace from mounting its own /proc: these two lift exactly that.
NAMESPACES_ALLOWED = ["--security-opt", "seccomp=unconfined", "--security-opt", "systempaths=unconfined"]
TASKS = load_tasks()


def docker(*args: str, timeout: float = 900) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"docker {' '.join(args[:3])} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def host_grades() -> dict[str, dict]:
    """`grade` on this machine (local backend, as inside the platforms' containers)."""
    return {name: runs.grade_handin(SUBMISSIONS / f"iris_{name}.py", TASKS, "iris",
                                    runs.RunOptions(backend="local"))[0].to_dict() for name in ("good", "bad")}


@pytest.fixture(scope="module")
def gradescope_image(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gradescope")
    bundle = gradescope.write_bundle(TASKS["iris"], folder / "autograder.zip",
                                     BundleConfig("iris", leaderboard=True), offline=True)
    print(f"offline bundle: {bundle.bytes / 2**20:.1f} MB, {bundle.files} files")
    name, tag = f"grader-bundles-setup-{os.getpid()}", f"grader-bundles-gradescope:{os.getpid()}"
    docker("run", "-d", "--name", name, "--user", "root", "--network", "none", "-v", f"{folder}:/upload:ro",
           DEFAULT_TAG, "sleep", "infinity")
    try:
        docker("exec", name, "mkdir", "-p", "/autograder/source", "/autograder/submission", "/autograder/results")
        # As Gradescope does, as root: the zip extracted into /autograder/source, setup.sh run
        # there, run_autograder copied to /autograder. The wheels are removed afterwards only to
        # keep the committed test image small (nothing reads them once installed).
        docker("exec", "-w", "/autograder/source", name, "sh", "-c",
               "python3 -m zipfile -e /upload/autograder.zip ."
               " && chmod 755 setup.sh run_autograder && ./setup.sh"
               " && cp run_autograder /autograder/run_autograder && rm -rf wheels")
        docker("commit", name, tag)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
    yield tag
    subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def run_gradescope(image: str, script: Path, folder: Path, options: list[str]) -> dict:
    (folder / "submission").mkdir(parents=True)
    (folder / "results").mkdir()
    shutil.copy(script, folder / "submission" / "solution.py")
    docker("run", "--rm", "--user", "root", "--network", "none", *options, "-w", "/autograder",
           "-v", f"{folder / 'submission'}:/autograder/submission", "-v", f"{folder / 'results'}:/autograder/results",
           image, "/autograder/run_autograder")
    return json.loads((folder / "results" / "results.json").read_text(encoding="utf-8"))


def points(host: dict) -> tuple[int, int]:
    score = host.get("score") or {}  # a crash has no score: 0 of 5
    return score.get("points", 0), score.get("max_points", 5)


def same_grade(results_score: float, verdict_text: str, host: dict) -> None:
    assert host["verdict"].replace("_", " ") in verdict_text, (verdict_text[:300], host["verdict"])
    assert results_score == points(host)[0], (results_score, host.get("score"))


@pytest.mark.parametrize("name", ["good", "bad"])
def test_gradescope_bundle_grades_as_grade_does(name, gradescope_image, host_grades, tmp_path):
    results = run_gradescope(gradescope_image, SUBMISSIONS / f"iris_{name}.py", tmp_path, NAMESPACES_ALLOWED)
    assert gradescope_problems(results) == []
    host = host_grades[name]
    same_grade(results["score"], results["output"], host)
    assert results["tests"][0]["status"] == ("passed" if host["passed"] else "failed")
    assert "evaluation data hidden" in results["output"]  # the sandbox's namespaces were there
    printed = results["output"].split("What your script printed")[1]
    if name == "good":
        assert host["passed"]
        assert results["leaderboard"] == [{"name": "accuracy", "value": pytest.approx(host["evaluation"]["value"], abs=0.07),
                                           "order": "desc"}]
        # The hidden flowers are in the container (setup.sh put them there) but not in the run.
        assert printed.count("bytes of the hidden data read: 0") == 2, printed
    else:
        assert host["verdict"] == "crashed" and "leaderboard" not in results
        assert "You must compile your model before" in printed, printed


def test_gradescope_bundle_refuses_to_run_code_where_the_container_refuses_the_sandbox(gradescope_image, tmp_path):
    results = run_gradescope(gradescope_image, SUBMISSIONS / "iris_good.py", tmp_path, [])
    assert gradescope_problems(results) == []
    assert results["score"] == 0 and "grader error" in results["output"]
    assert "tell your instructor" in results["tests"][0]["output"]
    assert NO_SANDBOX_REFUSED.split(" (")[0] in results["output"].replace("&#39;", "'")


@pytest.fixture(scope="module")
def prairielearn_question(gradescope_image, tmp_path_factory):
    folder = tmp_path_factory.mktemp("prairielearn") / "irisQuestion"
    tag = f"grader-bundles-prairielearn:{os.getpid()}"
    prairielearn.write_question(TASKS["iris"], folder, BundleConfig("iris"), image=tag)
    docker("build", "-q", "--network", "none", "--build-arg", f"BASE={gradescope_image}", "-t", tag,
           str(folder / "image"))
    yield folder, tag
    subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


@pytest.mark.parametrize("name", ["good", "bad"])
def test_prairielearn_external_grader_grades_as_grade_does(name, prairielearn_question, host_grades, tmp_path):
    question, image = prairielearn_question
    info = json.loads((question / "info.json").read_text())["externalGradingOptions"]
    grade_dir = tmp_path / "grade"
    for part in ("student", "data", "results"):
        (grade_dir / part).mkdir(parents=True)
    shutil.copytree(question / "tests", grade_dir / "tests")
    script = (SUBMISSIONS / f"iris_{name}.py").read_bytes()
    (grade_dir / "student" / "solution.py").write_bytes(script)
    (grade_dir / "data" / "data.json").write_text(json.dumps(
        {"params": {}, "correct_answers": {}, "submitted_answers": {}, "gradable": True}))
    docker("run", "--rm", "--network", "none", *NAMESPACES_ALLOWED, "-v", f"{grade_dir}:/grade",
           "--entrypoint", info["entrypoint"], image)
    results = json.loads((grade_dir / "results" / "results.json").read_text(encoding="utf-8"))
    assert prairielearn_problems(results) == []
    host = host_grades[name]
    assert results["gradable"] is True
    assert results["score"] == pytest.approx(points(host)[0] / points(host)[1])
    assert results["tests"][0]["points"] == points(host)[0]
    assert results["tests"][0]["output"].startswith(host["verdict_message"])  # the same verdict's sentence
    printed = results["tests"][0]["output"].split("What your script printed")[1]
    if name == "good":
        # The HTML report's figures: the score bands, the per-class accuracy and the training curves.
        assert len(results["images"]) >= 2 and all(i["label"] for i in results["images"])
        assert printed.count("bytes of the hidden data read: 0") == 2, printed
    else:
        assert "You must compile your model before" in printed, printed
