"""Real learners' idioms: how people actually write these exam answers, each with the verdict a
correct and fair grader gives it and the words its report must contain.

Every script and notebook in tests/idioms/ was written for this corpus; SOURCES.md says where
each idiom was seen (public study notes, exam simulations, course notebooks). Nothing there is
copied. Each file's first line is `# task: ID`, so the corpus is one mixed class for
`grade batch`. What cannot be kept as a single file (a zipped PyCharm project, a folder with the
student's own CSV) is built by a function here.

Training is kept short so CI can grade the whole class: regression and Iris answers train for a
few hundred epochs of six or 150 rows; (Fashion-)MNIST answers run the idiom on the full data
(hard-coded reshapes, /255, one-hot) and then train one epoch on a 3,000-image slice, so their
honest verdict is below_pass_mark.

The expectations are what a fair grader must say, not what today's grader says: a correct answer
passes whichever way it imports Keras, plots or names its checkpoints.
"""
from __future__ import annotations

import dataclasses
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import hostile_corpus

IDIOMS = Path(__file__).parent / "idioms"
NO_NETWORK = "There is no network during grading"
NO_DRIVE = ("Colab's Drive", "does not exist in grading")
# Advice is given only on evidence from the run's record: a model trained on the inputs as grading
# feeds them is never told about input ranges, nor one trained on one-hot labels about integer
# labels.
RANGE_ADVICE = "trained on inputs from"
INTEGER_LABEL_ADVICE = "expects one-hot labels"
# Words every scored report contains, by task kind (the summary names the metric).
MAE = "mean absolute error"
ACCURACY = "accuracy"


@dataclasses.dataclass(frozen=True)
class Case:
    name: str  # file or folder name in the class folder; its stem is the student id
    task: str  # the `# task:` line the submission carries
    verdict: str
    says: tuple[str, ...]  # words the student's report must contain
    source: str  # key of the entry in tests/idioms/SOURCES.md
    build: Callable[[Path], None] | None = None  # writes the submission at the given path
    avoids: tuple[str, ...] = ()  # advice the evidence does not support: must not be said

    @property
    def student(self) -> str:
        return self.name.rsplit(".", 1)[0] if "." in self.name else self.name


# --- builders -------------------------------------------------------------------------------------

def pycharm_project_zip(path: Path) -> None:
    """The exam's PyCharm project zipped whole: .idea settings beside one category's answer."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tf_certificate/.idea/modules.xml",
                         '<?xml version="1.0" encoding="UTF-8"?>\n<project version="4" />\n')
        archive.writestr("tf_certificate/Category1/starter1_answer.py",
                         (IDIOMS / "br_exam_template.py").read_text(encoding="utf-8"))


def folder_with_own_csv(path: Path) -> None:
    """A folder holding the script and the iris.csv it reads (no header, names in column 5)."""
    from sklearn.datasets import load_iris

    path.mkdir()
    iris = load_iris()
    rows = [",".join(f"{v:.1f}" for v in features) + f",Iris-{iris.target_names[label]}"
            for features, label in zip(iris.data, iris.target)]
    (path / "iris.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (path / "main.py").write_text('''# task: iris
import pandas
from sklearn.preprocessing import LabelEncoder
from tensorflow.keras.layers import Dense
from tensorflow.keras.models import Sequential
from tensorflow.keras.utils import to_categorical

dataframe = pandas.read_csv("iris.csv", header=None)
dataset = dataframe.values
X = dataset[:, 0:4].astype(float)
encoded = LabelEncoder().fit_transform(dataset[:, 4])
dummy_y = to_categorical(encoded)

model = Sequential()
model.add(Dense(16, activation="relu", input_shape=(4,)))
model.add(Dense(3, activation="softmax"))
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(X, dummy_y, epochs=150, batch_size=10, shuffle=True, verbose=0)
model.save("mymodel.h5")
''', encoding="utf-8")


def _copy(source: str) -> Callable[[Path], None]:
    return lambda path: shutil.copyfile(IDIOMS / source, path)


# --- the corpus -----------------------------------------------------------------------------------

R, I, M, F = "basic_regression", "iris", "mnist", "fashion_mnist"

CASES: tuple[Case, ...] = (
    # Category 1: y = 2x - 1.
    Case("br_import_keras.py", R, "passed", (MAE,), "hello-world-import-keras"),
    Case("br_from_keras_layers.py", R, "passed", (MAE,), "standalone-keras-layers"),
    Case("br_template_windows_forward_slash.py", R, "passed",
         (MAE, "C:/Study/tf_certificate/Category1/mymodel.h5"), "windows-absolute-save"),
    # The same intent written with backslashes must be graded as the forward-slash path is.
    Case("br_windows_backslash_path.py", R, "passed",
         (MAE, r"C:\Users\minji\PycharmProjects\tf_cert\Category1\mymodel.h5"), "windows-absolute-save"),
    Case("br_saves_to_parent_folder.py", R, "no_model",
         ("../tf_certificate/Category1/mymodel.h5", "outside"), "parent-folder-save"),
    Case("br_colab_content_path.py", R, "no_model", ("/content/mymodel.h5", "outside"), "colab-drive"),
    Case("br_metrics_string.py", R, "passed", (MAE,), "metrics-string"),
    Case("br_callback_not_in_list.py", R, "passed", (MAE,), "callbacks-not-a-list"),
    Case("br_early_stopping.py", R, "passed", (MAE,), "early-stopping"),
    Case("br_saves_weights_and_model.py", R, "passed", (MAE,), "save-weights-h5"),
    Case("br_saves_only_weights.py", R, "no_model", ("w.h5",), "save-weights-h5"),
    # No .h5 file exists, so no model; the report must say why the save did not count.
    Case("br_savedmodel_folder.py", R, "no_model", ("SavedModel",), "savedmodel-folder"),
    Case("br_plots_history.py", R, "passed", (MAE,), "plots"),
    Case("br_crashes_after_saving.py", R, "passed", (MAE, "KeyError"), "plots"),
    Case("br_exam_template.py", R, "passed", (MAE,), "exam-template"),
    Case("br_bare_template.py", R, "passed", (MAE,), "exam-template"),
    Case("br_tensorflow_python_keras.py", R, "passed", (MAE,), "tensorflow-python-keras"),
    Case("br_downloads_points.py", R, "crashed", (NO_NETWORK,), "network-reads"),
    Case("br_pandas_frame.py", R, "passed", (MAE,), "pandas"),
    Case("br_other_line_from_exam.py", R, "below_pass_mark", (MAE,), "exam-template"),
    Case("br_old_lr_argument.py", R, "passed", (MAE,), "old-lr-argument"),
    Case("br_python_lists.py", R, "passed", (MAE,), "hello-world-import-keras"),
    Case("br_notebook_automagics.ipynb", R, "passed", (MAE, "pip install tensorflow==2.15", "cd sample_data"),
         "automagics"),
    Case("br_colab_drive.ipynb", R, "crashed", NO_DRIVE, "colab-drive"),
    Case("br_colab_magics.ipynb", R, "passed", (MAE, "%tensorflow_version 2.x", "!nvidia-smi"), "colab-magics"),
    # One script in the whole archive, two folders down: it is the entry point.
    Case("pycharm_project.zip", R, "passed", (MAE,), "pycharm-project", pycharm_project_zip),
    # Category 2: Iris.
    Case("iris_keras_to_categorical.py", I, "passed", (ACCURACY,), "iris-load-iris-one-hot",
         avoids=(RANGE_ADVICE, INTEGER_LABEL_ADVICE)),
    Case("iris_tfds_template.py", I, "passed", (ACCURACY,), "iris-tfds-template",
         avoids=(RANGE_ADVICE, INTEGER_LABEL_ADVICE)),
    Case("iris_tfds_own_file_name.py", I, "wrong_model_name", ("TF2-iris.h5",), "iris-tfds-template"),
    Case("iris_csv_from_url.py", I, "crashed", (NO_NETWORK,), "network-reads"),
    Case("iris_seaborn_load_dataset.py", I, "crashed", (NO_NETWORK,), "seaborn-iris"),
    Case("iris_seaborn_pairplot.py", I, "passed", (ACCURACY,), "plots",
         avoids=(RANGE_ADVICE,)),
    Case("iris_stratified_split_sparse.py", I, "passed", (ACCURACY,), "iris-train-test-split",
         avoids=(RANGE_ADVICE,)),
    Case("iris_return_x_y_onehot_encoder.py", I, "passed", (ACCURACY,), "iris-onehot-encoder",
         avoids=(RANGE_ADVICE, INTEGER_LABEL_ADVICE)),
    Case("iris_get_dummies.py", I, "passed", (ACCURACY,), "iris-load-iris-one-hot",
         avoids=(RANGE_ADVICE, INTEGER_LABEL_ADVICE)),
    Case("iris_integer_labels_categorical.py", I, "crashed", ("sparse_categorical_crossentropy",),
         "iris-load-iris-one-hot"),
    Case("iris_metrics_acc_string.py", I, "passed", (ACCURACY,), "metrics-string",
         avoids=(RANGE_ADVICE,)),
    Case("iris_checkpoint_ckpt.py", I, "passed", (ACCURACY,), "checkpoint-ckpt",
         avoids=(RANGE_ADVICE,)),
    Case("iris_checkpoint_odd_extension.py", I, "passed", (ACCURACY,), "checkpoint-ckpt"),
    Case("iris_keras_callbacks_mixed_imports.py", I, "passed", (ACCURACY,), "keras-callbacks-import"),
    Case("iris_keras_format.py", I, "wrong_model_name", ("mymodel.keras",), "keras-format"),
    Case("iris_savedmodel_version_folder.py", I, "no_model", ("SavedModel",), "savedmodel-folder"),
    Case("iris_exam_template.py", I, "passed", (ACCURACY,), "iris-train-test-split",
         avoids=(RANGE_ADVICE,)),
    Case("iris_notebook_automagics.ipynb", I, "passed", (ACCURACY, "pip install tensorflow-datasets"),
         "automagics"),
    Case("iris_colab_drive_csv.ipynb", I, "crashed", NO_DRIVE, "colab-drive"),
    Case("iris_with_own_csv", I, "passed", (ACCURACY,), "iris-local-csv", folder_with_own_csv,
         avoids=(RANGE_ADVICE, INTEGER_LABEL_ADVICE)),
    # Category 2: MNIST and Fashion-MNIST, one short epoch each after the idiom ran on full data.
    Case("fm_reshape_hardcoded_cnn.py", F, "below_pass_mark", (ACCURACY,), "hard-coded-reshape",
         avoids=(RANGE_ADVICE, INTEGER_LABEL_ADVICE)),
    Case("mnist_reshape_784_standalone_keras.py", M, "below_pass_mark", (ACCURACY,), "hard-coded-reshape",
         avoids=(RANGE_ADVICE,)),
    Case("fm_template_saves_to_category_folder.py", F, "no_model",
         ("../tf_certificate/Category2/mymodel.h5", "outside"), "parent-folder-save"),
    Case("fm_checkpoint_val_loss.py", F, "below_pass_mark", (ACCURACY,), "checkpoint-ckpt",
         avoids=(RANGE_ADVICE,)),
    Case("mnist_keras_preprocessing_generator.py", M, "below_pass_mark", (ACCURACY,), "keras-preprocessing"),
    Case("mnist_tfds_load.py", M, "crashed", ("mnist", "not available offline"), "tfds-other-dataset"),
    Case("fm_plots_confusion_matrix.py", F, "below_pass_mark", (ACCURACY,), "plots",
         avoids=(RANGE_ADVICE,)),
    Case("fm_logits_tutorial.py", F, "below_pass_mark", (ACCURACY,), "logits-tutorial",
         avoids=(RANGE_ADVICE,)),
    Case("fm_labels_divided_too.py", F, "below_pass_mark", (ACCURACY,), "coursera-callbacks"),
    Case("fm_coursera_callback_notebook.ipynb", F, "below_pass_mark", (ACCURACY,), "coursera-callbacks",
         avoids=(RANGE_ADVICE,)),
)


def build_class(folder: Path, students: tuple[str, ...] | None = None) -> list[Case]:
    """Every case (or only those of `students`) as one student's entry in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    chosen = [case for case in CASES if students is None or case.student in students]
    for case in chosen:
        (case.build or _copy(case.name))(folder / case.name)
    return chosen


REPORTED_STDERR_VERDICTS = ("crashed", "timed_out", "out_of_memory")


def student_text(grade: dict) -> str:
    """Everything the student reads: what the hostile corpus collects, plus the lines a notebook
    had skipped and, for a run that stopped, the last lines it printed (the report shows both)."""
    run = grade.get("run") or {}
    parts = [hostile_corpus.student_text(grade)]
    parts += [f"{s.get('reason', '')}: {s.get('text', '')}" for s in run.get("skipped_lines", [])
              if isinstance(s, dict)]
    if grade.get("verdict") in REPORTED_STDERR_VERDICTS:
        parts += str(run.get("stderr", "")).rstrip().splitlines()[-20:]
    return "\n".join(parts)
