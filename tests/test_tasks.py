"""Task specs: the shipped ones load, and every kind of mistake in a spec is named precisely."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from grader.tasks.spec import TASKS_DIR, TaskSpecError, get_task, load_task, load_tasks

GOOD = TASKS_DIR / "fashion_mnist.toml"


def test_the_shipped_tasks_load():
    tasks = load_tasks()
    assert set(tasks) == {"basic_regression", "mnist", "fashion_mnist", "fashion_mnist_cnn", "iris", "sunspots"}
    assert tasks["basic_regression"].category == 1
    assert {tasks[t].category for t in ("mnist", "fashion_mnist", "iris")} == {2}
    fashion = tasks["fashion_mnist"]
    assert fashion.model.file_name == "mymodel.h5"
    assert [28, 28] in fashion.model.input_shapes
    assert fashion.model.output_units == 10
    assert fashion.dataset.preprocessing == "scale_255"
    assert "sparse_categorical_crossentropy" in fashion.model.losses["softmax"]
    assert "# task: fashion_mnist" in fashion.template and "def solution_model" in fashion.template


def _write_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = GOOD.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in the spec"
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "old, new, key, expected",
    [
        ('output_units = 10', 'output_units = 10\nouput_units = 3', "model.ouput_units", "expected one of"),
        ('output_units = 10', 'output_units = "ten"', "model.output_units", "must be an integer"),
        ('bands = [0.60, 0.75, 0.82, 0.86, 0.88]', 'bands = [0.60, 0.86, 0.82, 0.75, 0.88]',
         "metric.bands", "strictly increasing"),
        ('bands = [0.60, 0.75, 0.82, 0.86, 0.88]', 'bands = [0.6, 0.9]', "metric.bands", "5 thresholds"),
        ('pass_points = 4', 'pass_points = 7', "metric.pass_points", "from 1 to 5"),
        ('name = "accuracy"', 'name = "f1"', "metric.name", "one of accuracy, mae"),
        ('preprocessing = "scale_255"', 'preprocessing = "divide"', "dataset.preprocessing", "one of none, scale_255"),
        ('softmax = [', 'softmaxx = [', "model.losses.softmaxx", "an output activation"),
        ('"sparse_categorical_crossentropy", "categorical_crossentropy"]\nlogits',
         '"sparse_categorical_crosentropy"]\nlogits', "model.losses.softmax[0]", "a Keras loss"),
        ('input_shapes = [[28, 28], [28, 28, 1], [784]]', 'input_shapes = [[28, "28"]]',
         "model.input_shapes[0][1]", "must be an integer"),
        ('time_seconds = 1200', 'time_seconds = true', "limits.time_seconds", "must be an integer"),
        ('category = 2', '', "category", "missing key"),
        ('output_units = 10', 'output_units = 10\nrequired_layers = ["Conv9D"]', "model.required_layers[0]",
         "a built-in Keras layer class"),
        ('output_units = 10', 'output_units = 10\nrequired_layers = ["Lambda"]', "model.required_layers[0]",
         "a built-in Keras layer class"),
        ('category = 2', 'category = 2\nguessed = "no"', "guessed", "must be true or false"),
    ],
)
def test_a_bad_spec_names_the_file_the_key_and_what_was_expected(tmp_path, old, new, key, expected):
    path = _write_variant(tmp_path, old, new)
    with pytest.raises(TaskSpecError) as raised:
        load_task(path)
    message = str(raised.value)
    assert str(path) in message
    assert f"'{key}'" in message or key in message
    assert expected in message


def test_mae_bands_must_decrease(tmp_path):
    text = (TASKS_DIR / "basic_regression.toml").read_text(encoding="utf-8")
    path = tmp_path / "reg.toml"
    path.write_text(text.replace("bands = [5.0, 2.0, 1.0, 0.5, 0.1]", "bands = [0.1, 0.5, 1.0, 2.0, 5.0]"))
    with pytest.raises(TaskSpecError, match=re.escape("'metric.bands' must be strictly decreasing")):
        load_task(path)


def test_invalid_toml_is_reported_with_the_file(tmp_path):
    path = tmp_path / "syntax.toml"
    path.write_text("id = \n", encoding="utf-8")
    with pytest.raises(TaskSpecError, match=re.escape(str(path))):
        load_task(path)


def test_an_instructor_adds_a_task_by_adding_one_file(tmp_path):
    for spec in TASKS_DIR.glob("*.toml"):
        shutil.copy(spec, tmp_path)
    text = GOOD.read_text(encoding="utf-8").replace('id = "fashion_mnist"', 'id = "fashion_quiz"')
    (tmp_path / "fashion_quiz.toml").write_text(text, encoding="utf-8")
    assert "fashion_quiz" in load_tasks(tmp_path)


def test_two_specs_with_one_id_are_refused(tmp_path):
    shutil.copy(GOOD, tmp_path / "a.toml")
    shutil.copy(GOOD, tmp_path / "b.toml")
    with pytest.raises(TaskSpecError, match="already used"):
        load_tasks(tmp_path)


def test_unknown_task_lists_the_known_ones():
    with pytest.raises(TaskSpecError, match="known tasks: basic_regression, fashion_mnist, fashion_mnist_cnn, iris, mnist"):
        get_task("cifar10")
