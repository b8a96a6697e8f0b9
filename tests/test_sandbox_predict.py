"""Models predicted inside a sandbox: Lambda layers where a task allows them (both backends), and
on the Docker backend every model, through a warm container.

Fast: whose failure a sandboxed prediction is (canned run results), untrusted prediction files,
the Lambda decision. Slow: real tf-keras models with Lambda layers predicted in the local
sandbox (load errors, wrong widths, NaN, memory, code that never touches the host), and the
course-style Lambda solution graded end to end. Docker: the same in containers, bit-identical
predictions, and the grader's own failure (no image) as grader_error.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from docker_ready import docker_not_ready

from grader import cli
from grader.judge.evaluate import WorkerError
from grader.judge.grading import grade_model_file
from grader.judge.predictors import CommandPredictor
from grader.judge.sandbox_predict import read_answer, read_predictions
from grader.model.architecture import LayerInfo, ModelInfo
from grader.judge.checks import runs_code_in_sandbox
from grader.results import Verdict
from grader.sandbox import RunLimits, RunResult, SandboxUnavailable
from grader.sandbox.registry import SharedSandbox
from grader.tasks.spec import get_task

SUBMISSIONS = Path(__file__).parent / "submissions"
SUNSPOTS = get_task("sunspots")
LIMITS = RunLimits(time_seconds=420, memory_mb=4096)
READY = json.dumps({"ready": True})


# --- whose failure it is: decisions on canned run results -------------------------------------

def run_result(stdout: str = "", **changes) -> RunResult:
    base = dict(backend="local", exit_code=0, signal=None, timed_out=False, out_of_memory=False,
                wall_seconds=1.0, peak_memory_mb=100.0, stdout=stdout, stderr="", output_dropped_bytes=0,
                isolation=())
    return RunResult(**{**base, **changes})


def test_a_worker_that_never_started_is_the_graders_failure():
    for result in (run_result("", exit_code=1, stderr="ModuleNotFoundError: No module named 'grader'"),
                   run_result("", timed_out=True, exit_code=None, signal=9),
                   run_result("", out_of_memory=True, exit_code=None, signal=9)):
        with pytest.raises(SandboxUnavailable, match="did not start"):
            read_answer(result, LIMITS)


@pytest.mark.parametrize("result, stage, words", [
    (run_result(READY, timed_out=True, exit_code=None, signal=9), "predict", "did not finish within 420 s"),
    (run_result(READY, out_of_memory=True, exit_code=None, signal=9), "predict", "more than the 4,096 MB"),
    (run_result(READY, process_limit_hit=True, exit_code=None, signal=9), "predict", "512 processes"),
    (run_result(READY + "\n" + json.dumps({"ok": False, "stage": "load", "error": "NameError: tf"})),
     "load", "NameError: tf"),
    (run_result(READY + "\n" + json.dumps({"ok": False, "stage": "elsewhere", "error": "boom"})), "predict", "boom"),
    (run_result(READY, exit_code=None, signal=11, stderr="Segmentation fault"), "predict", "killed by signal 11"),
])
def test_after_the_worker_started_a_failure_is_the_models(result, stage, words):
    with pytest.raises(WorkerError, match=words) as caught:
        read_answer(result, LIMITS)
    assert caught.value.stage == stage


def test_a_finished_prediction_gives_its_answer():
    answer = {"ok": True, "backend": "Keras 2.21.0 (tf-keras)", "outputs": {"task": "/work/pred_task.npy"}}
    assert read_answer(run_result(READY + "\nnoise\n" + json.dumps(answer)), LIMITS) == answer


def test_predictions_that_come_back_are_read_as_untrusted_files(tmp_path):
    np.save(tmp_path / "pred_task.npy", np.ones((90, 1), np.float32))
    assert read_predictions(tmp_path, {"task": 90})["task"].shape == (90, 1)
    with pytest.raises(WorkerError, match="expected 80 rows"):
        read_predictions(tmp_path, {"task": 80})
    with pytest.raises(WorkerError, match="no predictions came back"):
        read_predictions(tmp_path, {"raw": 90})
    np.save(tmp_path / "pred_task.npy", np.array([{"a": 1}] * 90, dtype=object), allow_pickle=True)
    with pytest.raises(WorkerError, match="cannot be read"):
        read_predictions(tmp_path, {"task": 90})
    (tmp_path / "pred_task.npy").unlink()
    secret = tmp_path / "labels.npy"
    np.save(secret, np.ones((90, 1), np.float32))
    (tmp_path / "pred_task.npy").symlink_to(secret)
    with pytest.raises(WorkerError, match="no predictions came back"):
        read_predictions(tmp_path, {"task": 90})


def model_info(*layers: str, unsafe: tuple[str, ...]) -> ModelInfo:
    return ModelInfo(
        path="m.h5", file_format="h5", keras_version="2.21.0", backend="tensorflow", model_class="Sequential",
        input_shape=(30,), layers=tuple(LayerInfo(c, f"{c.lower()}_{i}", None, None) for i, c in enumerate(layers)),
        output_units=1, output_activation="linear", loss="mean_absolute_error", loss_from_logits=False,
        optimizer="Adam", metrics=(), unsafe_objects=unsafe, has_weights=True, file_size=1000)


def test_only_lambda_layers_and_only_where_the_task_allows_them_run_in_the_sandbox():
    lambdas = model_info("Lambda", "Dense", "Lambda", unsafe=("Lambda layer 'a'", "Lambda layer 'b'"))
    assert SUNSPOTS.model.allow_lambda and runs_code_in_sandbox(lambdas, SUNSPOTS)
    assert not runs_code_in_sandbox(lambdas, get_task("fashion_mnist"))  # no allow_lambda there
    with_custom_loss = model_info("Lambda", "Dense", unsafe=("Lambda layer 'a'", "custom loss 'mine'"))
    assert not runs_code_in_sandbox(with_custom_loss, SUNSPOTS)
    assert not runs_code_in_sandbox(model_info("Dense", unsafe=()), SUNSPOTS)


# --- real models with Lambda layers ---------------------------------------------------------------

def lambda_model(path: Path, last: str | None = None) -> Path:
    """A small untrained tf-keras forecaster for the sunspots task: the course's expand_dims
    Lambda first, then `last` (a lambda's source) at the end. `helper` exists only here, when the
    model is built and saved: a lambda that calls it cannot be loaded anywhere else."""
    import tensorflow as tf
    import tf_keras

    tf.random.set_seed(3)
    names = {"tf": tf, "helper": lambda x: x, "__name__": "student"}
    # Lambdas made from text, as a student's module would hold them (no closure over this function).
    layers = [tf_keras.layers.Lambda(eval("lambda x: tf.expand_dims(x, axis=-1)", names), input_shape=[30]),  # noqa: S307
              tf_keras.layers.Conv1D(4, 5, padding="causal", activation="relu"),
              tf_keras.layers.Flatten(), tf_keras.layers.Dense(1)]
    if last is not None:
        layers.append(tf_keras.layers.Lambda(eval(last, names)))  # noqa: S307 - the test's own text
    model = tf_keras.models.Sequential(layers)
    model.compile(loss="mae", optimizer="adam")
    model.save(path)
    return path


def grade_in(backend: str, path: Path, task=SUNSPOTS):
    with CommandPredictor(SharedSandbox(backend)) as predictor:
        return grade_model_file(path, task, predictor)


@pytest.fixture(scope="module")
def course_lambdas(tmp_path_factory) -> Path:
    return lambda_model(tmp_path_factory.mktemp("lambda") / "mymodel.h5", last="lambda x: x * 400")


@pytest.mark.slow
def test_lambda_layers_are_predicted_in_the_local_sandbox_and_refused_where_not_allowed(course_lambdas):
    grade = grade_in("local", course_lambdas)
    assert grade.evaluation is not None and grade.verdict is Verdict.BELOW_PASS_MARK, grade.summary
    assert grade.evaluation.backend.endswith("inside the local sandbox")
    assert next(c for c in grade.checks if c.name == "safe_to_load").passed
    refusing = dataclasses.replace(SUNSPOTS, model=dataclasses.replace(SUNSPOTS.model, allow_lambda=False))
    refused = grade_in("local", course_lambdas, refusing)
    assert refused.verdict is Verdict.UNSAFE_MODEL and refused.evaluation is None


@pytest.mark.slow
def test_a_lambdas_code_runs_only_inside_the_sandbox(tmp_path):
    marker = tmp_path / "ran_on_the_host"
    # The lambda tries to leave a file behind; in the sandbox the host's folder is not there.
    path = lambda_model(tmp_path / "mymodel.h5",
                        last=f"lambda x: x if __import__('os').system('touch {marker}') is not None else x")
    marker.unlink()  # building the model here ran the lambda once
    grade = grade_in("local", path)
    assert grade.evaluation is not None, grade.summary
    assert not marker.exists()


@pytest.mark.slow
@pytest.mark.parametrize("last, verdict, words", [
    ("lambda x: x * float('nan')", Verdict.CONTRACT_FAILED, "contain NaN"),
    ("lambda x: helper(x)", Verdict.MODEL_NOT_LOADABLE, "could not load"),
])
def test_a_lambda_models_failures_in_the_sandbox_are_the_students_verdicts(tmp_path, last, verdict, words):
    grade = grade_in("local", lambda_model(tmp_path / "mymodel.h5", last=last))
    assert grade.verdict is verdict, grade.summary
    assert words in grade.summary + " ".join(f"{c.found} {c.fix}" for c in grade.checks)


@pytest.mark.slow
def test_a_lambda_that_exhausts_memory_is_the_models_verdict(tmp_path):
    path = lambda_model(tmp_path / "mymodel.h5",
                        last="lambda x: x + 0 * float(__import__('numpy').ones(2**30).sum() "
                             "if __import__('os').environ.get('GRADER_STUDENT_DATA') else 0)")
    task = dataclasses.replace(SUNSPOTS, limits=dataclasses.replace(SUNSPOTS.limits, memory_mb=1500))
    grade = grade_in("local", path, task)
    assert grade.verdict is Verdict.EVALUATION_FAILED and "1,500 MB" in grade.summary, grade.summary


@pytest.mark.slow
def test_the_course_style_lambda_solution_passes_on_the_local_backend(tmp_path):
    result = grade_script(SUBMISSIONS / "sunspots_lambda.py", tmp_path, "local")
    assert result["verdict"] == "passed", result["summary"]
    assert "inside the local sandbox" in result["evaluation"]["backend"]


def grade_script(path: Path, tmp_path: Path, backend: str) -> dict:
    out = tmp_path / "result.json"
    cli.main([str(path), "--task", "sunspots", "--backend", backend, "--json-out", str(out)])
    return json.loads(out.read_text())


# --- Docker: the same in containers ----------------------------------------------------------------

_DOCKER = docker_not_ready()


def docker_only(test):
    for mark in (pytest.mark.slow, pytest.mark.docker,
                 pytest.mark.skipif(bool(_DOCKER), reason=f"Docker not ready: {_DOCKER}")):
        test = mark(test)
    return test


REAL_MODELS = Path(__file__).resolve().parents[1].parent / "shared" / "real-models"


def no_prediction_container_left() -> None:
    import docker

    from grader.sandbox.docker_backend import RUN_LABEL

    assert docker.from_env().containers.list(all=True, filters={"label": RUN_LABEL}) == []


@docker_only
def test_a_warm_container_predicts_bit_identically_to_the_host_worker(keras3_h5):
    from grader.judge.container_worker import ContainerPredictionWorker
    from grader.judge.evaluate import PredictionWorker, graded_split, model_inputs
    from grader.model.inspector import inspect_model

    task = get_task("fashion_mnist")
    split = graded_split(task)
    models = [keras3_h5, REAL_MODELS / "sunghoon_c2.h5"]  # Keras 3, and a real Keras 2.4 file
    with PredictionWorker() as host, ContainerPredictionWorker() as container:
        for path in models:
            inputs, _ = model_inputs(task, inspect_model(path), split.x)
            on_host, in_container = host.predict(path, inputs), container.predict(path, inputs)
            assert in_container.backend.endswith("inside a container")
            for name in inputs:
                assert np.array_equal(on_host.outputs[name], in_container.outputs[name]), (path, name)
    no_prediction_container_left()


@docker_only
def test_a_lambda_model_predicts_the_same_in_both_sandboxes(course_lambdas):
    local, docker = grade_in("local", course_lambdas), grade_in("docker", course_lambdas)
    assert docker.evaluation.backend.endswith("inside the docker sandbox"), docker.summary
    assert local.evaluation.value == docker.evaluation.value
    assert [p.predicted for p in local.evaluation.predictions] == [p.predicted for p in docker.evaluation.predictions]
    no_prediction_container_left()


@docker_only
def test_a_missing_image_is_the_graders_error_not_the_students(keras3_h5):
    from grader import runs
    from grader.judge.container_worker import ContainerPredictionWorker

    with ContainerPredictionWorker(image="grader-runtime:no-such-tag") as worker:
        grade, _task = runs.grade_handin(keras3_h5, {"fashion_mnist": get_task("fashion_mnist")}, "fashion_mnist",
                                         runs.RunOptions(backend="docker"), worker=worker)
    assert grade.verdict is Verdict.GRADER_ERROR, grade.summary
    assert "evaluation container did not start" in grade.summary
    no_prediction_container_left()


@docker_only
def test_the_course_style_lambda_solution_passes_on_the_docker_backend(tmp_path):
    result = grade_script(SUBMISSIONS / "sunspots_lambda.py", tmp_path, "docker")
    assert result["verdict"] == "passed", result["summary"]
    assert "inside the docker sandbox" in result["evaluation"]["backend"]
    no_prediction_container_left()



@docker_only
def test_a_batch_on_the_docker_backend_predicts_every_model_in_warm_containers(keras3_h5, tmp_path):
    import shutil

    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copyfile(keras3_h5, folder / "ana.h5")
    shutil.copyfile(REAL_MODELS / "sunghoon_c2.h5", folder / "ben.h5")
    out = tmp_path / "out"
    cli.main(["batch", str(folder), "--task", "fashion_mnist", "--backend", "docker", "--jobs", "2",
              "--out", str(out)])
    records = [json.loads(path.read_text()) for path in sorted((out / "results").glob("*.json"))]
    assert [r["student"] for r in records] == ["ana", "ben"]
    for record in records:
        assert record["grade"]["evaluation"]["backend"].endswith("inside a container"), record["grade"]["summary"]
    no_prediction_container_left()
