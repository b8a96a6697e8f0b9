"""Real runs of course-style scripts whose reports used to say something untrue or too little.

Each script is a short learner's answer written here; each test runs it in the local sandbox
through the `grade` command and checks the verdict and the words the student reads.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from hostile_corpus import student_text

from grader import cli

pytestmark = pytest.mark.slow

REGRESSION = """\
# task: basic_regression
import numpy as np
import tensorflow as tf

xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
ys = 2 * xs - 1
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(xs, ys, epochs=300, verbose=0)
"""


def grade(tmp_path: Path, name: str, source: str, *options: str) -> tuple[int, dict]:
    script = tmp_path / name
    script.write_text(textwrap.dedent(source), encoding="utf-8")
    out = tmp_path / "result.json"
    code = cli.main([str(script), "--backend", "local", "--json-out", str(out), *options])
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_a_crash_after_saving_grades_the_model_and_shows_the_crash(tmp_path):
    code, result = grade(tmp_path, "plots_after_saving.py", REGRESSION + """\
model.save("mymodel.h5")
model.save("backup.h5")
import urllib.request
urllib.request.urlretrieve("https://example.com/curve.png", "curve.png")
""")
    assert (code, result["verdict"]) == (0, "passed")
    text = student_text(result)
    assert "raised an error after saving the model; mymodel.h5 was graded" in text
    assert "backup.h5" in text and "mymodel.h5" in text  # every model file the run left
    assert "There is no network during grading" in text


def test_a_save_into_a_folder_outside_the_submission_is_named_exactly(tmp_path):
    code, result = grade(tmp_path, "category2.py", REGRESSION + """\
model.save("../tf_certificate/Category2/mymodel.h5")
""")
    # Locally the folder above is the run's private /tmp, so the save works; in a container it fails:
    # the verdict is the same.
    assert (code, result["verdict"]) == (1, "no_model")
    text = student_text(result)
    assert "its model to '../tf_certificate/Category2/mymodel.h5' (outside its own folder" in text
    assert "model.save('mymodel.h5')" in text
    assert "without saving" not in text and "no mymodel.h5 in the workspace" not in text


def test_a_save_to_an_absolute_path_that_worked_is_still_told_where_to_save(tmp_path):
    code, result = grade(tmp_path, "absolute.py", REGRESSION + """\
import os
os.makedirs("/tmp/exam", exist_ok=True)
model.save("/tmp/exam/mymodel.h5")
""")
    assert (code, result["verdict"]) == (1, "no_model")
    assert "'/tmp/exam/mymodel.h5' (outside its own folder)" in result["summary"]


def test_a_windows_path_is_explained_as_one(tmp_path):
    code, result = grade(tmp_path, "windows.py", REGRESSION + r"""
model.save("C:\\Users\\minjun\\exam\\mymodel.h5")
""")
    assert result["verdict"] == "passed"  # as the same path written with forward slashes
    assert "saved mymodel.h5 with a Windows path" in student_text(result)


def test_save_weights_and_checkpoint_paths_are_recorded_with_the_save(tmp_path):
    code, result = grade(tmp_path, "weights_only.py", REGRESSION + """\
model.save_weights("../weights/w.h5")
""")
    assert result["verdict"] == "no_model"
    assert "its weights to '../weights/w.h5'" in student_text(result)


def test_iris_features_divided_by_255_are_told_their_range_not_a_label_problem(tmp_path):
    code, result = grade(tmp_path, "iris_scaled.py", """\
        # task: iris
        import tensorflow as tf
        from sklearn.datasets import load_iris

        iris = load_iris()
        x, y = iris.data / 255.0, tf.keras.utils.to_categorical(iris.target, 3)
        model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="softmax", input_shape=(4,))])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.001), loss="categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(x, y, epochs=3, verbose=0)
        model.save("mymodel.h5")
    """)
    text = student_text(result)
    assert "The model was trained on inputs from 0.0003" in text and "but grading feeds it inputs from" in text
    assert "labels are integers" not in text


def test_integer_labels_into_categorical_crossentropy_are_named_from_the_record(tmp_path):
    code, result = grade(tmp_path, "iris_integer_labels.py", """\
        # task: iris
        import tensorflow as tf
        from sklearn.datasets import load_iris

        x, y = load_iris(return_X_y=True)
        model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="softmax", input_shape=(4,))])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=3, verbose=0)
        model.save("mymodel.h5")
    """)
    assert result["verdict"] == "crashed"
    assert "The labels are integers 0–2 (one per example), but categorical_crossentropy expects one-hot" \
        in result["summary"]


def test_colab_drive_gets_its_own_message(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from google.colab import drive\ndrive.mount('/content/drive')"),
        nbformat.v4.new_code_cell(textwrap.dedent(REGRESSION)),
    ])
    path = tmp_path / "colab.ipynb"
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    out = tmp_path / "result.json"
    code = cli.main([str(path), "--backend", "local", "--json-out", str(out)])
    result = json.loads(out.read_text(encoding="utf-8"))
    assert (code, result["verdict"]) == (1, "crashed")
    assert "Colab's Drive (google.colab) does not exist in grading" in result["summary"]
    assert "load_data()" in result["summary"]


def test_a_notebook_with_automagic_lines_runs_and_lists_them(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("pip install seaborn\nls\nimport seaborn as sns\nimport pandas as pd"),
        nbformat.v4.new_code_cell(textwrap.dedent(REGRESSION) + 'model.save("mymodel.h5")'),
    ])
    path = tmp_path / "automagic.ipynb"
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    out = tmp_path / "result.json"
    code = cli.main([str(path), "--backend", "local", "--json-out", str(out)])
    result = json.loads(out.read_text(encoding="utf-8"))
    assert (code, result["verdict"]) == (0, "passed"), result["summary"]
    skipped = [(s["cell"], s["text"], s["reason"]) for s in result["run"]["skipped_lines"]]
    assert skipped == [(1, "pip install seaborn", "IPython magic without %"), (1, "ls", "IPython magic without %")]


def test_the_report_shows_the_crash_without_library_log_lines(tmp_path):
    script = tmp_path / "crash_after_save.py"
    script.write_text(REGRESSION + 'model.save("mymodel.h5")\nprint("saved")\nraise SystemExit("plot failed")\n',
                      encoding="utf-8")
    shown = subprocess.run([sys.executable, "-m", "grader.cli", str(script), "--backend", "local"],
                           capture_output=True, text=True, timeout=300, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert shown.returncode == 0, shown.stderr
    panel = shown.stdout[shown.stdout.index("last lines the script printed"):]
    assert "plot failed" in panel
    assert "UserWarning" not in panel and "saving_api.save_model(" not in panel


def test_a_write_outside_the_folder_is_explained_with_where_the_model_goes(tmp_path):
    code, result = grade(tmp_path, "writes_data.py", REGRESSION + """\
import numpy as np
np.savetxt("../data/predictions.csv", model.predict(xs, verbose=0))
model.save("mymodel.h5")
""")
    assert (code, result["verdict"]) == (1, "crashed")
    # The run's folder sits alone in its bounded space: '../data' is not there at all.
    assert "the script has only its own folder: '../data/predictions.csv' lies outside it" in result["summary"]
    assert "model.save('mymodel.h5'), next to the script" in result["summary"]
