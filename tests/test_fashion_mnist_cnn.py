"""The image CNN task (exam category 3): a (28, 28, 1) contract with a Conv2D required.

Fast tests decide the contract on hand-built model descriptions; the slow ones run a real small
CNN script in the sandbox (local, then Docker) and grade real saved models, so the hidden images
are fed as (N, 28, 28, 1) and the MLP-for-CNN mistake gets its true verdict.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from docker_ready import docker_not_ready

from grader import cli
from grader.judge.checks import static_checks
from grader.judge.evaluate import PredictionWorker
from grader.judge.grading import grade_model_file
from grader.model.architecture import LayerInfo, ModelInfo
from grader.results import Verdict
from grader.tasks.choice import task_from_source
from grader.tasks.spec import load_tasks

# A student's CNN for the task, trained on 2,000 images for one epoch: enough to prove the
# contract path (run, save, inspect, feed (28, 28, 1), score), not to pass.
SMALL_CNN_SCRIPT = """# task: fashion_mnist_cnn
import tensorflow as tf

(x_train, y_train), (x_valid, y_valid) = tf.keras.datasets.fashion_mnist.load_data()
x_train = (x_train[:2000] / 255.0).reshape(-1, 28, 28, 1)
y_train = y_train[:2000]
model = tf.keras.models.Sequential([
    tf.keras.layers.Conv2D(8, (3, 3), activation='relu', input_shape=(28, 28, 1)),
    tf.keras.layers.MaxPooling2D(2, 2),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(10, activation='softmax'),
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['acc'])
model.fit(x_train, y_train, epochs=1, batch_size=64)
model.save('mymodel.h5')
"""


@pytest.fixture(scope="module")
def tasks():
    return load_tasks()


def _info(input_shape, classes) -> ModelInfo:
    layers = tuple(LayerInfo(class_name=name, name=name.lower(), units=None, activation=None)
                   for name in classes[:-1])
    head = LayerInfo(class_name="Dense", name="dense_out", units=10, activation="softmax")
    return ModelInfo(path="mymodel.h5", file_format="h5", keras_version="2.15.0", backend="tensorflow",
                     model_class="Sequential", input_shape=input_shape, layers=(*layers, head),
                     output_units=10, output_activation="softmax",
                     loss="sparse_categorical_crossentropy", loss_from_logits=False, optimizer="Adam",
                     metrics=("acc",), unsafe_objects=(), has_weights=True, file_size=2**20)


def _failed(checks) -> dict:
    return {check.name: check for check in checks if not check.passed}


def test_the_cnn_task_asks_for_28_28_1_a_conv2d_and_a_higher_bar(tasks):
    cnn, mlp = tasks["fashion_mnist_cnn"], tasks["fashion_mnist"]
    assert cnn.category == 3 and cnn.dataset.name == "fashion_mnist"
    assert cnn.model.input_shapes == [[28, 28, 1]] and cnn.model.required_layers == ["Conv2D"]
    pass_bar = cnn.metric.bands[cnn.metric.pass_points - 1]
    assert pass_bar > mlp.metric.bands[mlp.metric.pass_points - 1]
    assert "reshape(-1, 28, 28, 1)" in cnn.statement and "# task: fashion_mnist_cnn" in cnn.template


def test_a_cnn_on_28_28_1_meets_the_cnn_contract(tasks):
    info = _info((28, 28, 1), ["Conv2D", "MaxPooling2D", "Flatten", "Dense"])
    checks = static_checks(info, tasks["fashion_mnist_cnn"])
    assert _failed(checks) == {}
    assert next(c for c in checks if c.name == "required_layers").found == "layers: Conv2D, MaxPooling2D, Flatten, Dense"


def test_the_mlp_tasks_model_on_the_cnn_task_is_told_to_reshape_and_add_conv2d(tasks):
    failed = _failed(static_checks(_info((28, 28), ["InputLayer", "Flatten", "Dense", "Dense"]),
                                    tasks["fashion_mnist_cnn"]))
    assert set(failed) == {"input_shape", "required_layers"}
    shape = failed["input_shape"]
    assert (shape.found, shape.expected) == ("(28, 28)", "(28, 28, 1)")
    assert "x_train.reshape(-1, 28, 28, 1)" in shape.fix and "belongs to the fashion_mnist task" in shape.fix
    layers = failed["required_layers"]
    assert layers.found == "layers: Flatten, Dense" and layers.expected == "a Conv2D layer"
    assert "Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1))" in layers.fix


def test_a_dense_only_model_taking_28_28_1_fails_only_for_its_missing_conv2d(tasks):
    failed = _failed(static_checks(_info((28, 28, 1), ["Flatten", "Dense", "Dense"]), tasks["fashion_mnist_cnn"]))
    assert set(failed) == {"required_layers"}


def test_a_cnn_taking_28_28_1_still_fits_the_mlp_task_which_asks_no_layers(tasks):
    checks = static_checks(_info((28, 28, 1), ["Conv2D", "Flatten", "Dense"]), tasks["fashion_mnist"])
    assert _failed(checks) == {} and "required_layers" not in {c.name for c in checks}


def test_a_script_loading_fashion_mnist_stays_the_mlp_task_unless_it_names_the_cnn_task(tasks):
    code = "import tensorflow as tf\n(x, y), _ = tf.keras.datasets.fashion_mnist.load_data()\n"
    assert task_from_source(code, tasks)[0].id == "fashion_mnist"
    assert task_from_source("# task: fashion_mnist_cnn\n" + code, tasks)[0].id == "fashion_mnist_cnn"


# --- real runs ----------------------------------------------------------------------------------

def _grade(path: Path, out: Path, *options: str) -> tuple[int, dict]:
    code = cli.main([str(path), "--json-out", str(out), *options])
    return code, json.loads(out.read_text())


@pytest.mark.slow
def test_a_real_cnn_is_fed_28_28_1_and_an_mlp_gets_the_cnn_tasks_verdict(tmp_path):
    import tf_keras

    script = tmp_path / "cnn" / "solution.py"
    script.parent.mkdir()
    script.write_text(SMALL_CNN_SCRIPT)
    code, result = _grade(script, tmp_path / "cnn.json", "--backend", "local", "--keep", str(tmp_path / "runs"))
    assert result["task_id"] == "fashion_mnist_cnn" and result["run"]["backend"] == "local"
    assert result["verdict"] == "below_pass_mark" and code == 1, result["summary"]
    assert {c["name"]: c["passed"] for c in result["checks"]}["required_layers"] is True
    assert all(c["passed"] for c in result["checks"]), result["checks"]
    assert result["model"]["input_shape"] == [28, 28, 1]
    assert result["evaluation"]["samples"] == 10_000 and 0.5 < result["evaluation"]["value"] < 0.9

    # The MLP task's answer (Flatten(input_shape=(28, 28))) handed in for the CNN task.
    tf_keras.utils.set_random_seed(1)
    mlp = tf_keras.Sequential([tf_keras.layers.Flatten(input_shape=(28, 28)),
                               tf_keras.layers.Dense(32, activation="relu"),
                               tf_keras.layers.Dense(10, activation="softmax")])
    mlp.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    mlp.save(tmp_path / "mlp.h5")

    tasks = load_tasks()
    model_file = next((tmp_path / "runs").rglob("mymodel.h5"))
    with PredictionWorker(timeout_seconds=300) as worker:
        # The CNN's file graded as an answer to the MLP task, which accepts (28, 28, 1): same accuracy.
        as_mlp_task = grade_model_file(model_file, tasks["fashion_mnist"], worker)
        mlp_grade = grade_model_file(tmp_path / "mlp.h5", tasks["fashion_mnist_cnn"], worker)
    assert as_mlp_task.evaluation.value == pytest.approx(result["evaluation"]["value"], abs=1e-9)
    assert all(c.passed for c in as_mlp_task.checks)
    assert mlp_grade.verdict is Verdict.CONTRACT_FAILED
    assert set(_failed(mlp_grade.checks)) == {"input_shape", "required_layers"}
    assert mlp_grade.evaluation.samples == 10_000 and not mlp_grade.score.passed  # scored all the same


_DOCKER = docker_not_ready()


@pytest.mark.slow
@pytest.mark.docker
@pytest.mark.skipif(bool(_DOCKER), reason=f"Docker not ready: {_DOCKER}")
def test_a_real_cnn_meets_the_cnn_contract_in_a_container(tmp_path):
    script = tmp_path / "solution.py"
    script.write_text(SMALL_CNN_SCRIPT)
    code, result = _grade(script, tmp_path / "result.json", "--backend", "docker")
    assert result["run"]["backend"] == "docker" and result["task_id"] == "fashion_mnist_cnn"
    assert (code, result["verdict"]) == (1, "below_pass_mark"), result["summary"]
    assert all(c["passed"] for c in result["checks"]), result["checks"]
    assert result["model"]["input_shape"] == [28, 28, 1] and result["evaluation"]["samples"] == 10_000
