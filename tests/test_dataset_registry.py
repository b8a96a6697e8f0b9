"""Adding a dataset is one module and one registration line (docs/architecture.md): a toy one,
registered here, is known to task specs, served to a script's call offline, staged for a
sandbox without its evaluation rows, guessed from code, and grades a real trained model."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

import toy_dataset
from grader import datasets
from grader.datasets import offline
from grader.datasets.registry import DATASETS
from grader.tasks.choice import task_from_source
from grader.tasks.spec import TASKS_DIR, TaskSpecError, load_task

TOY_SPEC = (TASKS_DIR / "iris.toml").read_text(encoding="utf-8").replace(
    'id = "iris"', 'id = "halves"').replace('name = "iris"', 'name = "halves"').replace(
    'class_names = ["setosa", "versicolor", "virginica"]', 'class_names = ["below", "above"]').replace(
    "input_shapes = [[4]]", "input_shapes = [[2]]").replace("output_units = 3", "output_units = 2")


@pytest.fixture
def halves(monkeypatch):
    monkeypatch.setitem(DATASETS, toy_dataset.DATASET.name, toy_dataset.DATASET)  # the one line
    return toy_dataset.DATASET


@pytest.fixture
def halves_task(halves, tmp_path):
    spec = tmp_path / "halves.toml"
    spec.write_text(TOY_SPEC, encoding="utf-8")
    return load_task(spec)


def test_a_spec_may_name_a_dataset_only_once_it_is_registered(tmp_path):
    spec = tmp_path / "halves.toml"
    spec.write_text(TOY_SPEC, encoding="utf-8")
    with pytest.raises(TaskSpecError, match="dataset.name.*one of fashion_mnist, mnist, iris"):
        load_task(spec)


def test_a_registered_dataset_is_split_staged_and_guessed(halves_task, tmp_path):
    evaluation = datasets.evaluation_split("halves")
    train, test = datasets.student_split("halves")
    assert (len(evaluation), len(train), len(test)) == (80, 300, 60)
    served = {tuple(row) for row in np.concatenate([train.x, test.x])}
    assert not served & {tuple(row) for row in evaluation.x}  # no graded point is served
    staged = datasets.stage_student_split("halves", tmp_path)
    (staged_train, staged_test) = datasets.load_staged("halves", tmp_path)
    assert staged.name == "halves.npz" and np.array_equal(staged_train.x, train.x)
    assert datasets.data_source("halves").origin == "generated: the unit square's halves"
    task, note = task_from_source("from toy_course_library import load_halves\n",
                                  {"halves": halves_task})
    assert task is halves_task and "it loads the halves" in note


def test_a_registered_dataset_is_served_through_its_declared_call(halves, monkeypatch):
    library = types.ModuleType(toy_dataset.LIBRARY)
    library.load_halves = lambda: pytest.fail("the real loader would download")
    monkeypatch.setitem(sys.modules, toy_dataset.LIBRARY, library)
    offline.install()
    (x_train, y_train), (x_test, _) = sys.modules[toy_dataset.LIBRARY].load_halves()
    assert x_train.shape == (300, 2) and set(y_train) == {0, 1} and len(x_test) == 60


@pytest.mark.slow
def test_a_model_trained_on_a_registered_dataset_is_graded(halves_task, tmp_path):
    """Real Keras training in a fresh interpreter, then the grader's own inspection and
    evaluation on the toy's hidden split."""
    from grader.judge.grading import grade_model_file
    from grader.results import Verdict

    train, _ = datasets.student_split("halves")
    np.savez(tmp_path / "train.npz", x=train.x, y=train.y)
    script = textwrap.dedent("""
        import os, sys
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        import numpy as np, tensorflow as tf
        tf.keras.utils.set_random_seed(1)
        data = np.load(sys.argv[1])
        model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu", input_shape=(2,)),
                                     tf.keras.layers.Dense(2, activation="softmax")])
        model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(data["x"], data["y"], epochs=60, verbose=0)
        model.save(sys.argv[2])
    """)
    model = tmp_path / "mymodel.h5"
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "train.npz"), str(model)],
                   check=True, capture_output=True, timeout=300)
    grade = grade_model_file(model, halves_task)
    assert grade.verdict is Verdict.PASSED, grade.summary
    assert grade.evaluation.samples == 80 and grade.evaluation.value >= 0.9
    assert [c.name for c in grade.evaluation.per_class] == ["below", "above"]
