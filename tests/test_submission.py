"""What a student hands in, turned into a workspace: scripts, notebooks, models, folders, zips,
and the task the code is for. Fast: no TensorFlow, only files in tmp_path."""
from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.submission import archives, handin
from grader.submission import common as submission
from grader.submission.handin import SkippedLine, SubmissionError, open_submission
from grader.tasks.choice import task_from_source
from grader.tasks.spec import load_tasks

TRAIN_AND_SAVE = """\
import tensorflow as tf

def solution_model():
    (x, y), _ = tf.keras.datasets.fashion_mnist.load_data()
    model = tf.keras.Sequential([tf.keras.layers.Flatten(input_shape=(28, 28)),
                                 tf.keras.layers.Dense(10, activation="softmax")])
    return model

if __name__ == "__main__":
    solution_model().save("mymodel.h5")
"""


@pytest.fixture(scope="module")
def tasks():
    return load_tasks()


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_notebook(path: Path, *cells) -> Path:
    """cells: ("code", source) or ("markdown", source)."""
    notebook = nbformat.v4.new_notebook()
    builders = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}
    notebook.cells = [builders[kind](source) for kind, source in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path


def make_zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


# --- single files -------------------------------------------------------------------------------

def test_script_is_copied_under_its_own_name(tmp_path):
    script = write(tmp_path / "in" / "train.py", TRAIN_AND_SAVE)
    sub = open_submission(script, tmp_path / "ws")
    assert (sub.kind, sub.entry, sub.given) == ("script", "train.py", script)
    assert (tmp_path / "ws" / "train.py").read_text(encoding="utf-8") == TRAIN_AND_SAVE
    assert sub.source == TRAIN_AND_SAVE
    assert sub.where(12) == "line 12"


def test_model_file_is_copied_and_is_the_entry(tmp_path):
    model = tmp_path / "in" / "mymodel.h5"
    model.parent.mkdir()
    model.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(64))
    sub = open_submission(model, tmp_path / "ws")
    assert (sub.kind, sub.entry, sub.source) == ("model", "mymodel.h5", "")
    assert (tmp_path / "ws" / "mymodel.h5").read_bytes() == model.read_bytes()


def test_keras_archive_counts_as_a_model(tmp_path):
    model = tmp_path / "best.keras"
    model.write_bytes(b"PK\x03\x04")
    assert open_submission(model, tmp_path / "ws").kind == "model"


def test_script_that_is_not_utf8_is_refused(tmp_path):
    script = tmp_path / "train.py"
    script.write_bytes("# Modèle\nprint('é')\n".encode("latin-1"))
    with pytest.raises(SubmissionError, match=r"train\.py is not UTF-8.*0xe8"):
        open_submission(script, tmp_path / "ws")


def test_utf8_bom_is_dropped_so_the_source_compiles(tmp_path):
    script = tmp_path / "train.py"
    script.write_bytes(b"\xef\xbb\xbfx = 1\n")
    sub = open_submission(script, tmp_path / "ws")
    compile(sub.source, "train.py", "exec")
    assert sub.source == "x = 1\n"


@pytest.mark.parametrize("name", ["model.pkl", "notes.txt", "README"])
def test_other_file_types_are_refused_with_what_is_accepted(tmp_path, name):
    given = write(tmp_path / name, "x")
    with pytest.raises(SubmissionError, match=r"\.py script, an \.ipynb notebook, a \.h5 or \.keras"):
        open_submission(given, tmp_path / "ws")


def test_missing_path_is_refused(tmp_path):
    with pytest.raises(SubmissionError, match=r"missing\.py is not a file or folder.*a \.zip"):
        open_submission(tmp_path / "missing.py", tmp_path / "ws")


# --- notebooks ----------------------------------------------------------------------------------

IPYTHON_NOTEBOOK = (
    ("markdown", "# Fashion-MNIST\nRun `!pip install x` first."),
    ("code", "!pip install x\n%matplotlib inline\nimport os"),                      # cell 1
    ("code", "if os.path.exists('data'):\n    !ls data\nelse:\n    print('no data')"),  # cell 2
    ("code", "%%time\nfor i in range(3):\n    print(i)"),                           # cell 3
    ("markdown", "Some notes."),
    ("code", "files = !ls\nx = %timeit -o sum(range(10))\ny = 1 +\\\n    2"),       # cell 4
    ("code", "ratio = (10\n         % 3)\ntext = '''\n!not a shell escape\n'''\nz = 1 / 0"),  # cell 5
)


def test_notebook_becomes_a_script_that_compiles(tmp_path):
    notebook = make_notebook(tmp_path / "in" / "exam.ipynb", *IPYTHON_NOTEBOOK)
    sub = open_submission(notebook, tmp_path / "ws")
    assert (sub.kind, sub.entry) == ("notebook", "exam.py")
    assert (tmp_path / "ws" / "exam.ipynb").is_file()
    assert (tmp_path / "ws" / "exam.py").read_text(encoding="utf-8") == sub.source
    compile(sub.source, "exam.py", "exec")
    assert "Fashion-MNIST" not in sub.source  # markdown is left out
    assert "    pass  # skipped by the grader: !ls data" in sub.source.splitlines()


def test_notebook_lists_every_skipped_line_with_cell_and_line(tmp_path):
    notebook = make_notebook(tmp_path / "exam.ipynb", *IPYTHON_NOTEBOOK)
    sub = open_submission(notebook, tmp_path / "ws")
    assert sub.skipped == (
        SkippedLine(1, 1, "!pip install x", "shell escape"),
        SkippedLine(1, 2, "%matplotlib inline", "IPython magic"),
        SkippedLine(2, 2, "!ls data", "shell escape"),
        SkippedLine(3, 1, "%%time", "cell magic"),
        SkippedLine(3, 2, "for i in range(3):", "cell magic"),
        SkippedLine(3, 3, "print(i)", "cell magic"),
        SkippedLine(4, 1, "files = !ls", "shell escape"),
        SkippedLine(4, 2, "x = %timeit -o sum(range(10))", "IPython magic"),
    )
    assert any("Cell 3" in note and "%%time" in note for note in sub.notes)


def test_automagic_lines_ipython_accepts_are_skipped_and_listed_not_a_syntax_error(tmp_path):
    notebook = make_notebook(
        tmp_path / "colab.ipynb",
        ("code", "pip install seaborn\nls -la\ncd data\nls\nmatplotlib inline\nimport os"),
        ("code", "history = 3\nhistory\nls = [1, 2]\nx = ls - 1\ntime = 2\ncd"))
    sub = open_submission(notebook, tmp_path / "ws")
    compile(sub.source, sub.entry, "exec")
    skipped = [(line.cell, line.line, line.text) for line in sub.skipped]
    assert skipped == [(1, 1, "pip install seaborn"), (1, 2, "ls -la"), (1, 3, "cd data"), (1, 4, "ls"),
                       (1, 5, "matplotlib inline"), (2, 6, "cd")]
    assert {line.reason for line in sub.skipped} == {"IPython magic without %"}
    assert "x = ls - 1" in sub.source.splitlines()  # Python that only looks like a magic is kept


def test_modulo_and_string_lines_that_look_like_magics_are_kept(tmp_path):
    notebook = make_notebook(tmp_path / "exam.ipynb", *IPYTHON_NOTEBOOK)
    lines = open_submission(notebook, tmp_path / "ws").source.splitlines()
    assert "         % 3)" in lines
    assert "!not a shell escape" in lines


def test_where_maps_a_script_line_back_to_its_cell(tmp_path):
    notebook = make_notebook(tmp_path / "exam.ipynb", *IPYTHON_NOTEBOOK)
    sub = open_submission(notebook, tmp_path / "ws")
    lines = sub.source.splitlines()
    assert len(sub.line_map) == len(lines)
    crash = lines.index("z = 1 / 0") + 1
    assert sub.where(crash) == "cell 5, line 6"
    with pytest.raises(ZeroDivisionError) as error:
        exec(compile(sub.source, sub.entry, "exec"), {})
    assert sub.where(error.traceback[-1].lineno + 1) == "cell 5, line 6"  # pytest counts from 0
    assert sub.where(1) == "line 1 of exam.py"  # the converter's header
    assert sub.where(10_000) == "line 10000 of exam.py"


def test_syntax_error_in_a_cell_is_located_by_cell(tmp_path):
    notebook = make_notebook(tmp_path / "exam.ipynb", ("code", "import os"),
                             ("code", "x = 1\ndef broken(:\n    pass"))
    sub = open_submission(notebook, tmp_path / "ws")
    with pytest.raises(SyntaxError) as error:
        compile(sub.source, sub.entry, "exec")
    assert sub.where(error.value.lineno) == "cell 2, line 2"


def test_old_nbformat_version_is_read(tmp_path):
    v3 = nbformat.v3.new_notebook(worksheets=[nbformat.v3.new_worksheet(
        cells=[nbformat.v3.new_code_cell(input="x = 41\ny = x + 1")])])
    path = tmp_path / "old.ipynb"
    path.write_text(nbformat.v3.writes_json(v3), encoding="utf-8")
    sub = open_submission(path, tmp_path / "ws")
    assert "y = x + 1" in sub.source.splitlines()
    assert sub.where(sub.source.splitlines().index("y = x + 1") + 1) == "cell 1, line 2"


@pytest.mark.parametrize("text", ["this is not json", "[1, 2, 3]", '{"nbformat": 4}'])
def test_file_that_is_not_a_notebook_is_refused(tmp_path, text):
    path = write(tmp_path / "exam.ipynb", text)
    with pytest.raises(SubmissionError, match=r"exam\.ipynb is not a valid Jupyter notebook"):
        open_submission(path, tmp_path / "ws")


# --- folders ------------------------------------------------------------------------------------

def test_folder_with_one_script_runs_it(tmp_path):
    folder = tmp_path / "hw"
    write(folder / "train.py", TRAIN_AND_SAVE)
    write(folder / "helpers" / "util.py", "X = 1\n")
    write(folder / "test_train.py", "def test(): pass\n")
    write(folder / "__pycache__" / "train.cpython-311.pyc", "junk")
    write(folder / ".git" / "HEAD", "ref")
    sub = open_submission(folder, tmp_path / "ws")
    assert (sub.kind, sub.entry) == ("script", "train.py")
    assert "Entry point: train.py (the only script in the folder)." in sub.notes
    assert (tmp_path / "ws" / "helpers" / "util.py").is_file()
    assert not (tmp_path / "ws" / "__pycache__").exists()
    assert not (tmp_path / "ws" / ".git").exists()


def test_script_that_trains_and_saves_beats_helper_scripts(tmp_path):
    folder = tmp_path / "hw"
    write(folder / "plots.py", "import matplotlib\n")
    write(folder / "exam.py", TRAIN_AND_SAVE)
    write(folder / "utils.py", "# remember: model.save('x')\nX = 1\n")  # a comment does not count
    sub = open_submission(folder, tmp_path / "ws")
    assert sub.entry == "exam.py"
    assert "defines solution_model()" in sub.notes[-1]


def test_name_breaks_a_tie_between_solutions(tmp_path):
    folder = tmp_path / "hw"
    write(folder / "experiment.py", TRAIN_AND_SAVE)
    write(folder / "train.py", TRAIN_AND_SAVE)
    write(folder / "starter.py", TRAIN_AND_SAVE)
    sub = open_submission(folder, tmp_path / "ws")
    assert sub.entry == "train.py"
    assert "by its name" in sub.notes[-1]


def test_several_scripts_with_nothing_to_choose_by_are_refused(tmp_path):
    folder = tmp_path / "hw"
    write(folder / "a.py", TRAIN_AND_SAVE)
    write(folder / "b.py", TRAIN_AND_SAVE)
    make_notebook(folder / "c.ipynb", ("code", TRAIN_AND_SAVE))
    with pytest.raises(SubmissionError, match=r"a\.py, b\.py, c\.ipynb\. .*name the one to run main\.py"):
        open_submission(folder, tmp_path / "ws")


def test_notebook_in_a_folder_is_converted_without_overwriting_a_script(tmp_path):
    folder = tmp_path / "hw"
    make_notebook(folder / "main.ipynb", ("code", TRAIN_AND_SAVE))
    write(folder / "main.py", "print('an older attempt')\n")
    write(folder / "solution.py", "print('notes')\n")
    # main.ipynb is the only one that trains and saves, so it wins over main.py.
    sub = open_submission(folder, tmp_path / "ws")
    assert (sub.kind, sub.entry) == ("notebook", "main_notebook.py")
    assert (tmp_path / "ws" / "main.py").read_text(encoding="utf-8") == "print('an older attempt')\n"
    assert "def solution_model():" in (tmp_path / "ws" / "main_notebook.py").read_text(encoding="utf-8")


def test_folder_with_only_model_files_prefers_the_tasks_model_file_name(tmp_path):
    folder = tmp_path / "hw"
    for name in ("mymodel.h5", "backup.h5", "exam_model.h5", "README.md"):
        write(folder / name, "x")
    sub = open_submission(folder, tmp_path / "ws", model_names=("mymodel.h5",))
    assert (sub.kind, sub.entry, sub.source) == ("model", "mymodel.h5", "")
    sub = open_submission(folder, tmp_path / "ws2", model_names=("exam_model.h5",))
    assert sub.entry == "exam_model.h5"
    with pytest.raises(SubmissionError, match=r"several model files"):  # no task to say which
        open_submission(folder, tmp_path / "ws3")


def test_folder_with_several_other_models_is_refused(tmp_path):
    folder = tmp_path / "hw"
    write(folder / "a.h5", "x")
    write(folder / "b.keras", "x")
    with pytest.raises(SubmissionError, match=r"a\.h5, b\.keras.*named mymodel\.h5"):
        open_submission(folder, tmp_path / "ws", model_names=("mymodel.h5",))


def test_folder_with_nothing_usable_says_what_it_found(tmp_path):
    folder = tmp_path / "hw"
    write(folder / "notes.txt", "x")
    write(folder / "test_model.py", "x")
    write(folder / "data" / "a.csv", "x")
    with pytest.raises(SubmissionError, match=r"found: notes\.txt, test_model\.py, data/"):
        open_submission(folder, tmp_path / "ws")


def test_single_nested_folder_is_looked_into(tmp_path):
    folder = tmp_path / "hw"
    write(folder / "project" / "train.py", TRAIN_AND_SAVE)
    write(folder / "project" / "data.csv", "1,2\n")
    write(folder / ".DS_Store", "mac")
    sub = open_submission(folder, tmp_path / "ws")
    assert sub.entry == "project/train.py"
    assert sub.run_dir == tmp_path / "ws" / "project"
    assert (sub.run_dir / "data.csv").is_file()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_symbolic_links_in_a_folder_are_not_followed(tmp_path):
    secret = write(tmp_path / "secret.txt", "do not copy")
    folder = tmp_path / "hw"
    write(folder / "train.py", TRAIN_AND_SAVE)
    (folder / "data.txt").symlink_to(secret)
    (folder / "linked_dir").symlink_to(tmp_path, target_is_directory=True)
    sub = open_submission(folder, tmp_path / "ws")
    assert not (tmp_path / "ws" / "data.txt").exists()
    assert not (tmp_path / "ws" / "linked_dir").exists()
    assert sum("symbolic link" in note for note in sub.notes) == 2
    assert any(note.startswith("Skipped data.txt") for note in sub.notes)


def test_workspace_inside_the_folder_is_not_copied_into_itself(tmp_path):
    folder = tmp_path / "hw"
    write(folder / "train.py", TRAIN_AND_SAVE)
    sub = open_submission(folder, folder / "ws")
    assert sub.entry == "train.py"
    assert not (folder / "ws" / "ws").exists()


# --- zip archives -------------------------------------------------------------------------------

def test_a_pycharm_project_zip_is_followed_down_to_its_script(tmp_path):
    archive = make_zip(tmp_path / "project.zip", {
        "tf_certificate/Category1/starter1_answer.py": TRAIN_AND_SAVE, "tf_certificate/.idea/misc.xml": "<x/>",
    })
    sub = open_submission(archive, tmp_path / "ws")
    assert sub.entry == "tf_certificate/Category1/starter1_answer.py"
    assert sub.run_dir == tmp_path / "ws" / "tf_certificate" / "Category1"


def test_zip_of_a_folder_is_unpacked_and_its_script_chosen(tmp_path):
    archive = make_zip(tmp_path / "hw.zip", {
        "hw/": "", "hw/train.py": TRAIN_AND_SAVE, "hw/data/x.csv": "1\n",
        "__MACOSX/hw/._train.py": "resource fork",
    })
    sub = open_submission(archive, tmp_path / "ws")
    assert (sub.kind, sub.entry, sub.given) == ("script", "hw/train.py", archive)
    assert (tmp_path / "ws" / "hw" / "data" / "x.csv").read_text() == "1\n"
    assert not (tmp_path / "ws" / "__MACOSX").exists()


def test_zip_member_climbing_out_is_refused_and_nothing_is_written(tmp_path):
    archive = make_zip(tmp_path / "hw.zip", {"train.py": TRAIN_AND_SAVE, "../evil.py": "boom"})
    workspace = tmp_path / "sub" / "ws"
    with pytest.raises(SubmissionError, match=r"'\.\./evil\.py' climbs out"):
        open_submission(archive, workspace)
    assert not (tmp_path / "sub" / "evil.py").exists()
    assert not (tmp_path / "evil.py").exists()
    assert list(workspace.iterdir()) == []  # refused before anything was extracted


def test_zip_member_with_absolute_path_is_refused(tmp_path):
    archive = tmp_path / "hw.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("train.py", TRAIN_AND_SAVE)
        info = zipfile.ZipInfo("x")
        info.filename = "/tmp/evil.py"  # ZipInfo's constructor would strip the leading slash
        zf.writestr(info, "boom")
    with pytest.raises(SubmissionError, match="absolute path"):
        open_submission(archive, tmp_path / "ws")
    assert list((tmp_path / "ws").iterdir()) == []


def test_zip_symlink_member_is_refused(tmp_path):
    archive = tmp_path / "hw.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("train.py", TRAIN_AND_SAVE)
        link = zipfile.ZipInfo("data.csv")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(SubmissionError, match="symbolic link"):
        open_submission(archive, tmp_path / "ws")
    assert list((tmp_path / "ws").iterdir()) == []


def test_zip_with_too_many_members_is_refused(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(submission.MAX_MEMBERS + 1):
            zf.writestr(f"f{i}.txt", "")
    with pytest.raises(SubmissionError, match=r"holds 10001 files; .* at most 10000"):
        open_submission(archive, tmp_path / "ws")
    assert list((tmp_path / "ws").iterdir()) == []


def test_zip_that_unpacks_too_large_is_refused_before_extracting(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_UNPACKED_BYTES", 1000)
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("train.py", TRAIN_AND_SAVE)
        zf.writestr("zeros.bin", bytes(5000))
    with pytest.raises(SubmissionError, match=r"unpacks to .* MiB.*Leave the datasets out"):
        open_submission(archive, tmp_path / "ws")
    assert list((tmp_path / "ws").iterdir()) == []


def test_model_file_over_a_gigabyte_is_refused_before_copying(tmp_path):
    huge = tmp_path / "mymodel.h5"
    with open(huge, "wb") as handle:  # sparse: 2 GiB that cost no disk
        handle.truncate(2 * 2**30)
    with pytest.raises(SubmissionError, match=r"mymodel.h5 is 2,048 MiB; the grader accepts at most 1,024 MiB"):
        open_submission(huge, tmp_path / "ws")
    assert not (tmp_path / "ws").exists()


def test_folder_over_a_gigabyte_is_refused_before_copying(tmp_path, monkeypatch):
    monkeypatch.setattr(handin, "MAX_UNPACKED_BYTES", 1000)
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "train.py").write_text(TRAIN_AND_SAVE)
    (folder / "data.npy").write_bytes(bytes(5000))
    with pytest.raises(SubmissionError, match=r"student/ is 0 MiB; the grader accepts at most 0 MiB"):
        open_submission(folder, tmp_path / "ws")


def test_folder_whose_model_is_a_link_says_the_link_was_left_out(tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "mymodel.h5").symlink_to("/etc/passwd")
    with pytest.raises(SubmissionError, match=r"Skipped mymodel.h5: it is a symbolic link"):
        open_submission(folder, tmp_path / "ws")


def test_corrupt_zip_is_refused(tmp_path):
    archive = tmp_path / "hw.zip"
    archive.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(SubmissionError, match=r"hw\.zip is not a readable zip archive"):
        open_submission(archive, tmp_path / "ws")


def test_zip_with_damaged_data_is_refused(tmp_path):
    archive = make_zip(tmp_path / "hw.zip", {"train.py": TRAIN_AND_SAVE})
    data = bytearray(archive.read_bytes())
    start = data.index(b"import tensorflow")
    data[start:start + 6] = b"XXXXXX"  # stored member: its CRC no longer matches
    archive.write_bytes(bytes(data))
    with pytest.raises(SubmissionError, match="not a readable zip archive"):
        open_submission(archive, tmp_path / "ws")


# --- choosing the task --------------------------------------------------------------------------

def without_marker(template: str) -> str:
    return "\n".join(line for line in template.splitlines() if not line.startswith("# task:"))


@pytest.mark.parametrize("task_id", ["fashion_mnist", "fashion_mnist_cnn", "mnist", "iris", "basic_regression"])
def test_task_marker_in_the_templates_names_the_task(tasks, task_id):
    task, note = task_from_source(tasks[task_id].template, tasks)
    assert task.id == task_id
    assert note == f"Task from the `# task: {task_id}` line."


def test_task_marker_is_case_and_space_insensitive(tasks):
    task, _ = task_from_source("import tensorflow as tf\n  #TASK :   iris\n", tasks)
    assert task.id == "iris"


def test_unknown_task_in_marker_lists_known_tasks(tasks):
    with pytest.raises(SubmissionError, match=r"`# task: cifar10`.*basic_regression, fashion_mnist, fashion_mnist_cnn, iris, mnist"):
        task_from_source("# task: cifar10\n", tasks)


@pytest.mark.parametrize("task_id", ["fashion_mnist", "mnist", "iris"])
def test_task_is_guessed_from_the_dataset_in_the_template(tasks, task_id):
    task, note = task_from_source(without_marker(tasks[task_id].template), tasks)
    assert task.id == task_id
    assert note.startswith("Task guessed from the code (it loads ") and "Pass --task" in note


def test_course_idiom_naming_fashion_mnist_mnist_is_fashion(tasks):
    code = ("import tensorflow as tf\n"
            "mnist = tf.keras.datasets.fashion_mnist\n"
            "(training_images, training_labels), (test_images, test_labels) = mnist.load_data()\n")
    task, note = task_from_source(code, tasks)
    assert task.id == "fashion_mnist"
    assert note == ("Task guessed from the code (it loads Fashion-MNIST): fashion_mnist. "
                    "Pass --task to choose.")


@pytest.mark.parametrize("code", [
    "from tensorflow.keras.datasets import mnist\n(x, y), _ = mnist.load_data()\n",
    "import tensorflow_datasets as tfds\nds = tfds.load('mnist', split='train')\n",
    "from sklearn.datasets import fetch_openml\nX, y = fetch_openml('mnist_784', return_X_y=True)\n",
])
def test_mnist_is_guessed_from_the_ways_to_load_it(tasks, code):
    assert task_from_source(code, tasks)[0].id == "mnist"


def test_iris_from_tensorflow_datasets(tasks):
    code = "import tensorflow_datasets as tfds\ndata = tfds.load('iris', split='train[:80%]')\n"
    assert task_from_source(code, tasks)[0].id == "iris"


@pytest.mark.parametrize("model_code", [
    "model = tf.keras.Sequential([tf.keras.layers.Dense(units=1, input_shape=[1])])",
    "model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(4), keras.layers.Dense(1)])",
    "model = Sequential([Dense(1)])",
])
def test_one_number_model_without_dataset_is_basic_regression(tasks, model_code):
    template = without_marker(tasks["basic_regression"].template)
    code = template.replace("# YOUR CODE HERE: build, compile and fit the model.",
                            f"{model_code}\n    model.compile(optimizer='sgd', loss='mse')\n"
                            f"    model.fit(xs, ys, epochs=500)")
    task, note = task_from_source(code, tasks)
    assert task.id == "basic_regression"
    assert "it builds a model that takes one number" in note


def test_commented_out_dataset_does_not_count(tasks):
    code = ("import tensorflow as tf\n"
            "# (x, y), _ = tf.keras.datasets.mnist.load_data()\n"
            "(x, y), _ = tf.keras.datasets.fashion_mnist.load_data()  # not mnist\n")
    assert task_from_source(code, tasks)[0].id == "fashion_mnist"


def test_two_datasets_are_ambiguous(tasks):
    code = ("from sklearn.datasets import load_iris\n"
            "(x, y), _ = tf.keras.datasets.mnist.load_data()\n")
    with pytest.raises(SubmissionError, match=r"it uses iris and mnist.*Pass --task ID, or add a line `# task: ID`"):
        task_from_source(code, tasks)


def test_code_without_a_known_dataset_cannot_be_placed(tasks):
    code = "import pandas as pd\ndf = pd.read_csv('houses.csv')\nmodel = make_model(df)\n"
    with pytest.raises(SubmissionError, match=r"none of the known datasets\. Known tasks: basic_regression, fashion_mnist, fashion_mnist_cnn, iris, mnist"):
        task_from_source(code, tasks)


def test_task_is_found_in_a_converted_notebook(tmp_path, tasks):
    notebook = make_notebook(tmp_path / "exam.ipynb", ("markdown", "# task: mnist"),
                             ("code", "%matplotlib inline\n" + without_marker(tasks["iris"].template)))
    sub = open_submission(notebook, tmp_path / "ws")
    assert task_from_source(sub.source, tasks)[0].id == "iris"  # markdown cells are not code
