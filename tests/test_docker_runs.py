"""Real runs in real Docker containers (the grader's runtime image, built by `grade image build`).

Skipped where no engine or image is present, unless GRADER_REQUIRE_DOCKER=1 (CI sets it, so a
missing engine fails there instead of passing quietly).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from docker_ready import docker_not_ready

from grader import cli, datasets
from grader.sandbox import RUNTIME_IMAGE
from grader.sandbox.docker_backend import GRADER_PID_LABEL, RUN_LABEL, DockerSandbox

SUBMISSIONS = Path(__file__).parent / "submissions"
REFERENCE = Path(__file__).parent.parent / "reference_solutions"
_REASON = docker_not_ready()
pytestmark = [pytest.mark.slow, pytest.mark.docker,
              pytest.mark.skipif(bool(_REASON), reason=f"Docker not ready: {_REASON}")]


@pytest.fixture(autouse=True)
def no_container_left_behind():
    yield
    import docker

    client = docker.from_env()
    assert client.containers.list(all=True, filters={"label": RUN_LABEL}) == []


def grade(path: Path, tmp_path: Path, *options: str) -> tuple[int, dict]:
    out = tmp_path / "result.json"
    code = cli.main([str(path), "--backend", "docker", "--json-out", str(out), *options])
    return code, json.loads(out.read_text())


def test_reference_solution_passes_in_a_container(tmp_path):
    code, result = grade(REFERENCE / "basic_regression.py", tmp_path)
    assert (code, result["verdict"], result["score"]["points"]) == (0, "passed", 5), result["summary"]
    run = result["run"]
    assert run["backend"] == "docker"
    assert {"no network", "read-only root file system", "no capabilities"} <= set(run["isolation"])
    assert run["keras"]["package"] == "tf_keras"
    assert run["peak_memory_mb"] > 50


def test_infinite_loop_is_timed_out_in_a_container(tmp_path):
    code, result = grade(SUBMISSIONS / "infinite_loop.py", tmp_path, "--time-limit", "5")
    assert (code, result["verdict"]) == (1, "timed_out")
    assert result["run"]["wall_seconds"] < 5 + 5


def test_memory_hog_is_killed_for_memory_in_a_container(tmp_path):
    code, result = grade(SUBMISSIONS / "memory_hog.py", tmp_path, "--memory-limit", "400")
    assert (code, result["verdict"]) == (1, "out_of_memory")


PROBE = '''
# task: iris
import json, os, socket
import tensorflow as tf

found = {{}}
try:
    socket.create_connection(("1.1.1.1", 80), timeout=3)
    found["network"] = "open"
except OSError as error:
    found["network"] = type(error).__name__
for path in ("/usr/lib/evil.txt", "/etc/evil.txt", os.path.expanduser("~/evil.txt")):
    try:
        open(path, "w").write("x")
        found[path] = "written"
    except OSError as error:
        found[path] = type(error).__name__
found["uid"] = os.getuid()
found["hidden"] = {{p: os.path.exists(p) for p in {hidden!r}}}
print("FOUND", json.dumps(found))
'''


def test_container_has_no_network_no_writable_system_and_no_evaluation_data(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(PROBE.format(hidden=[str(p) for p in datasets.evaluation_files()]))
    code, result = grade(script, tmp_path)
    assert result["verdict"] == "no_model"
    line = next(l for l in result["run"]["stdout"].splitlines() if l.startswith("FOUND"))
    found = json.loads(line.removeprefix("FOUND "))
    assert found["network"] != "open"
    assert all(found[p] != "written" for p in ("/usr/lib/evil.txt", "/etc/evil.txt"))
    assert found["uid"] != 0
    assert not any(found["hidden"].values())


def test_submission_that_downloads_gets_no_network_and_is_told_so(tmp_path):
    code, result = grade(SUBMISSIONS / "downloads_data.py", tmp_path)
    assert (code, result["verdict"]) == (1, "crashed")
    assert "There is no network during grading" in result["summary"]


def test_containers_left_by_a_dead_grader_are_swept_by_the_next_one():
    import docker

    client = docker.from_env()
    dead_pid = 2**22 + 1  # above the kernel's pid_max: never a live process
    orphan = client.containers.create(RUNTIME_IMAGE, command=["sleep", "600"],
                                      labels={RUN_LABEL: "1", GRADER_PID_LABEL: str(dead_pid)},
                                      network_mode="none")
    orphan.start()
    DockerSandbox()
    with pytest.raises(docker.errors.NotFound):
        client.containers.get(orphan.id)


def test_training_device_is_recorded(tmp_path):
    code, result = grade(REFERENCE / "basic_regression.py", tmp_path)
    assert result["run"]["devices"] == {"gpus": [], "used": "CPU"}


def test_a_relative_keep_folder_is_mounted_and_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, result = grade(REFERENCE / "basic_regression.py", tmp_path, "--keep", "runs")
    assert result["verdict"] == "passed", result["summary"]
    assert (tmp_path / "runs" / "basic_regression" / "workspace" / "mymodel.h5").is_file()
