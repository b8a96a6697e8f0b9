"""The runtime image and the engine behind it: status in plain words without an engine, and, with
one, the image's promises: TensorFlow 2.21 with tf-keras and the grader, every module the reference
solutions import, no network, a read-only root, a private /tmp, user grader.

The engine tests build the image first (Docker's cache makes a rebuild of unchanged code take
seconds; a cold build takes minutes) and are skipped, with the reason, when no engine answers,
unless GRADER_REQUIRE_DOCKER=1 (CI), where a missing engine is a failure.
"""
from __future__ import annotations

import ast
import json
import os
import socket
from pathlib import Path

import docker
import pytest

from grader.sandbox import docker_image

REFERENCE_SOLUTIONS = Path(__file__).resolve().parent.parent / "reference_solutions"
COURSE_LIBRARIES = Path(__file__).resolve().parent / "submissions" / "course_libraries.py"
# How the Docker backend will start student code.
SANDBOX = dict(network_mode="none", read_only=True, tmpfs={"/tmp": ""}, user="grader", remove=True)


# --- without an engine ------------------------------------------------------------------------

def test_dead_socket_says_engine_not_reachable_and_how_to_start_it(tmp_path, monkeypatch):
    socket_path = tmp_path / "docker.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{socket_path}")

    status = docker_image.engine_status()

    assert not status.reachable and status.server_version is None
    assert status.error.startswith(f"Docker engine not reachable at unix://{socket_path}")
    assert f"no engine socket at {socket_path}" in status.error
    assert "dockerd" in status.error and "DOCKER_HOST is set" in status.error


def test_socket_nobody_listens_on_says_nothing_is_listening(tmp_path, monkeypatch):
    socket_path = tmp_path / "docker.sock"
    with socket.socket(socket.AF_UNIX) as bound_only:
        bound_only.bind(str(socket_path))  # never listen(): a connection is refused
        monkeypatch.setenv("DOCKER_HOST", f"unix://{socket_path}")
        status = docker_image.engine_status()

    assert not status.reachable
    assert f"nothing is listening at {socket_path}" in status.error


def test_image_status_without_engine_explains_instead_of_raising(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'docker.sock'}")

    status = docker_image.image_status()

    assert not status.exists and status.id is None and status.tensorflow is None
    assert not status.gpu
    assert "Docker engine not reachable" in status.error


def test_build_without_engine_fails_with_the_same_advice(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'docker.sock'}")

    result = docker_image.build_image()

    assert not result.built and result.image_id is None
    assert "Docker engine not reachable" in result.error and "dockerd" in result.error


def test_engine_without_nvidia_runtime_says_no_gpu_runtime():
    gpu, note = docker_image.gpu_support({"Runtimes": {"runc": {}, "io.containerd.runc.v2": {}}})

    assert gpu is False
    assert note.startswith("no GPU runtime") and "runc" in note


def test_engine_with_nvidia_runtime_offers_gpus():
    assert docker_image.gpu_support({"Runtimes": {"runc": {}, "nvidia": {}}}) == (True, "GPU runtime: nvidia")


# --- with an engine ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client() -> docker.DockerClient:
    try:
        engine = docker_image.connect()
    except docker_image.EngineUnreachable as error:
        if os.environ.get("GRADER_REQUIRE_DOCKER") == "1":
            pytest.fail(f"GRADER_REQUIRE_DOCKER=1 but {error}")
        pytest.skip(str(error))
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def built_image(client) -> docker_image.BuildResult:
    result = docker_image.build_image()
    assert result.built, f"{result.error}\n" + "\n".join(result.log_tail)
    return result


def run_in_image(client: docker.DockerClient, tag: str, code: str, **options) -> str:
    return client.containers.run(tag, ["python", "-c", code], **SANDBOX, **options).decode().strip()


@pytest.mark.docker
@pytest.mark.slow
def test_built_image_reports_its_tensorflow_size_and_gpu_state(built_image):
    status = docker_image.image_status(built_image.tag)

    assert status.exists and status.error is None
    assert status.id == built_image.image_id
    assert status.tensorflow == "2.21.0"
    assert status.base == built_image.base
    assert status.size_bytes > 500_000_000 and status.created
    assert status.gpu or status.gpu_note.startswith("no GPU runtime")


@pytest.mark.docker
@pytest.mark.slow
def test_sandboxed_container_imports_grader_tf_keras_and_tensorflow_2_21(client, built_image):
    output = run_in_image(client, built_image.tag,
                          "import grader, tf_keras, tensorflow as tf; print(tf.__version__)")

    assert output.splitlines()[-1] == "2.21.0"


@pytest.mark.docker
@pytest.mark.slow
def test_sandboxed_container_cannot_reach_the_network(client, built_image):
    output = run_in_image(client, built_image.tag, "\n".join([
        "import urllib.request",
        "try:",
        "    urllib.request.urlopen('http://1.1.1.1', timeout=3)",
        "except OSError as error:",
        "    print('blocked:', error)",
        "else:",
        "    print('reached the internet')",
    ]))

    assert output.startswith("blocked:"), output


@pytest.mark.docker
@pytest.mark.slow
def test_sandboxed_container_runs_as_grader_with_read_only_root_and_private_tmp(client, built_image):
    output = run_in_image(client, built_image.tag, "\n".join([
        "import json, os, pathlib",
        "def writable(path):",
        "    try:",
        "        pathlib.Path(path).write_text('x')",
        "        return True",
        "    except OSError:",
        "        return False",
        "print(json.dumps({'uid': os.getuid(), 'home': os.environ['HOME'], 'cwd': os.getcwd(),",
        "                  'tmp': writable('/tmp/x'), 'root': writable('/x'),",
        "                  'venv': writable('/opt/grader/x'), 'work': writable('/work/x')}))",
    ]))

    assert json.loads(output) == {"uid": 1000, "home": "/tmp", "cwd": "/work", "tmp": True,
                                  "root": False, "venv": False, "work": False}


@pytest.mark.docker
@pytest.mark.slow
def test_every_module_the_reference_solutions_import_is_in_the_image(client, built_image):
    modules = sorted(reference_solution_imports())
    assert {"tensorflow", "sklearn.model_selection"} <= set(modules)

    # tf.keras as the harness makes it: Keras 2 (tf-keras)
    output = run_in_image(client, built_image.tag,
                          f"import importlib\nfor name in {modules!r}: importlib.import_module(name)\n"
                          f"print('imported', {len(modules)})",
                          environment={"TF_USE_LEGACY_KERAS": "1"})

    assert output.splitlines()[-1] == f"imported {len(modules)}"


@pytest.mark.docker
@pytest.mark.slow
def test_reference_solution_trains_and_saves_its_model_in_the_sandbox(client, built_image, tmp_path):
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    workspace.chmod(0o777)  # the container's user grader (uid 1000) writes the model here
    (workspace / "basic_regression.py").write_text((REFERENCE_SOLUTIONS / "basic_regression.py").read_text())

    client.containers.run(built_image.tag, ["python", "-m", "grader.harness.runner", "basic_regression.py"],
                          volumes={str(workspace): {"bind": "/work", "mode": "rw"}}, **SANDBOX)

    record = json.loads((workspace / ".grader_run.json").read_text())
    assert record["status"] == "completed"
    assert record["tensorflow"] == "2.21.0" and record["keras"]["package"] == "tf_keras"
    assert (workspace / "mymodel.h5").stat().st_size > 0


@pytest.mark.docker
@pytest.mark.slow
def test_course_libraries_and_the_keras_2_names_work_in_the_sandbox(client, built_image, tmp_path):
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    workspace.chmod(0o777)
    (workspace / "course.py").write_text(COURSE_LIBRARIES.read_text() + "\n".join([
        "import keras, tf_keras",
        "from keras.callbacks import ModelCheckpoint",
        "from keras_preprocessing.image import ImageDataGenerator",
        "from tensorflow.python.keras.layers import Dense",
        "print('keras', keras.__version__, keras is tf_keras, Dense is tf.keras.layers.Dense)",
    ]))

    output = client.containers.run(built_image.tag, ["python", "-m", "grader.harness.runner", "course.py"],
                                   volumes={str(workspace): {"bind": "/work", "mode": "rw"}},
                                   **SANDBOX).decode()

    record = json.loads((workspace / ".grader_run.json").read_text())
    assert record["status"] == "completed", record["error"]
    assert "pearson 1.0" in output and "plt.show returned in 0.0 s" in output
    assert "tfds: DatasetNotAvailable: tfds.load('mnist'): the dataset 'mnist' is not available offline" in output
    assert "keras 2.21.0 True True" in output


def reference_solution_imports() -> set[str]:
    names = set()
    for script in REFERENCE_SOLUTIONS.glob("*.py"):
        for node in ast.walk(ast.parse(script.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
    return names
