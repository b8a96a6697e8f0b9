"""The harness runs real student scripts offline in a fresh process and records their training.

Every run here is `python -m grader.harness.runner` on a small script written into tmp_path; nothing
stands in for TensorFlow. Each run imports TensorFlow (about ten seconds), so the runs several
stories share are module-scoped fixtures.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader import datasets
from grader.datasets.tfds_offline import _tfds_rows
from grader.harness import keras_aliases
from grader.harness.recording import describe_values
from grader.harness.runner import RESULT_NAME, SolutionModelWatch, compile_script

REPO = Path(__file__).resolve().parents[1]

# The course's own ModelCheckpoint and load_weights, as the seed notes write them.
SEED_STYLE_SCRIPT = '''
import tensorflow as tf
from tensorflow.keras.callbacks import ModelCheckpoint

(x_train, y_train), (x_valid, y_valid) = tf.keras.datasets.mnist.load_data()
x_train = x_train[:256] / 255.0
x_valid = x_valid[:128] / 255.0
y_train, y_valid = y_train[:256], y_valid[:128]

model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(16, activation='relu'),
    tf.keras.layers.Dense(10, activation='softmax'),
])
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])

checkpoint_path = "my_checkpoint.ckpt"
checkpoint = ModelCheckpoint(filepath=checkpoint_path,
                             save_weights_only=True,
                             save_best_only=True,
                             monitor='val_loss',
                             verbose=1)
history = model.fit(x_train, y_train,
                    validation_data=(x_valid, y_valid),
                    epochs=2,
                    callbacks=[checkpoint],
                    )
model.load_weights(checkpoint_path)
model.save('mymodel.h5')
'''


def run_harness(workdir: Path, script: str, *options: str, env: dict | None = None):
    """Write `script` into `workdir`, run it under the harness; the process and its record."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "student.py"
    path.write_text(textwrap.dedent(script), encoding="utf-8")
    environment = {key: value for key, value in os.environ.items()
                   if key != "TF_USE_LEGACY_KERAS"}
    environment.update(env or {})
    process = subprocess.run(
        [sys.executable, "-m", "grader.harness.runner", str(path), "--workdir", str(workdir), *options],
        cwd=REPO, env=environment, capture_output=True, text=True, timeout=600,
    )
    record_path = workdir / RESULT_NAME
    record = json.loads(record_path.read_text()) if record_path.exists() else None
    return process, record


def sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


# --- the course's Keras 2 code --------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_style_run(tmp_path_factory):
    return run_harness(tmp_path_factory.mktemp("seed_style"), SEED_STYLE_SCRIPT)


@pytest.mark.slow
def test_seed_style_checkpoint_runs_under_the_default_keras_2(seed_style_run):
    process, record = seed_style_run
    assert process.returncode == 0, process.stderr
    assert record["status"] == "completed"
    assert record["keras"] == {"requested": "2", "package": "tf_keras", "version": "2.21.0"}
    assert record["seeds"] == {"python": 42, "numpy": 42, "tensorflow": 42}
    assert Path(record["workdir"], "mymodel.h5").is_file()
    assert record["harness_saved_model"] is False
    assert record["error"] is None


@pytest.mark.slow
def test_history_capture_records_epochs_val_loss_callbacks_and_pixel_range(seed_style_run):
    _, record = seed_style_run
    (fit,) = record["fits"]
    assert fit["epochs_requested"] == 2 and fit["epochs_run"] == 2 and fit["completed"]
    assert set(fit["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 2 for values in fit["history"].values())
    assert len(fit["epoch_seconds"]) == 2
    assert fit["callbacks"] == [{"class": "ModelCheckpoint", "settings": {
        "filepath": "my_checkpoint.ckpt", "monitor": "val_loss", "save_best_only": True,
        "save_weights_only": True, "save_freq": "epoch", "verbose": 1}}]
    assert fit["x"] == {"type": "ndarray", "shape": [256, 28, 28], "dtype": "float64",
                        "min": 0.0, "max": 1.0}
    assert fit["validation"]["kind"] == "data"
    assert fit["validation"]["x"]["max"] == 1.0


@pytest.mark.slow
def test_load_weights_after_fit_on_the_same_model_is_recorded(seed_style_run):
    _, record = seed_style_run
    (fit,) = record["fits"]
    (loaded,) = record["load_weights"]
    (saved,) = record["saves"]
    assert loaded["path"] == "my_checkpoint.ckpt" and loaded["ok"]
    assert fit["call"] < loaded["call"] < saved["call"]
    assert fit["model"] == loaded["model"] == saved["model"]
    assert saved == {"call": 3, "model": 1, "path": "mymodel.h5", "ok": True, "by": "script",
                     "what": "model"}


# Course code that says `keras`, not `tf.keras`: Keras 3 refuses `ModelCheckpoint('asdf.ckpg',
# save_weights_only=True)` and `save_weights('w.h5')`; Keras 2 mode makes `keras` tf-keras.
KERAS_NAMES_SCRIPT = '''
import json
import tensorflow as tf
import tf_keras
import keras
from keras.callbacks import ModelCheckpoint
from keras.layers import Dense, Flatten
from keras.models import Sequential, load_model
from keras.utils import to_categorical
from keras.utils.np_utils import to_categorical as old_to_categorical
from tensorflow.python.keras.layers import Dense as OldTensorFlowDense
from keras_preprocessing.image import ImageDataGenerator
from keras_preprocessing.sequence import pad_sequences
from keras_preprocessing.text import Tokenizer

same = {
    "keras is tf_keras": keras is tf_keras,
    "Dense": Dense is tf.keras.layers.Dense,
    "keras.Model": keras.Model is tf.keras.Model,
    "keras.utils.np_utils": old_to_categorical is to_categorical,
    "tensorflow.python.keras": OldTensorFlowDense is tf.keras.layers.Dense,
    "ImageDataGenerator": ImageDataGenerator is tf.keras.preprocessing.image.ImageDataGenerator,
    "pad_sequences": pad_sequences is tf.keras.preprocessing.sequence.pad_sequences,
    "Tokenizer": Tokenizer is tf.keras.preprocessing.text.Tokenizer,
}
(x, y), _ = keras.datasets.mnist.load_data()
x, y = x[:256] / 255.0, to_categorical(y[:256], 10)
model = Sequential([Flatten(input_shape=(28, 28)), Dense(16, activation="relu"),
                    Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=2, validation_split=0.25, verbose=0,
          callbacks=[ModelCheckpoint("asdf.ckpg", save_weights_only=True)])
model.save_weights("w.h5")
model.load_weights("w.h5")
model.load_weights("asdf.ckpg")
model.save("mymodel.h5")
reloaded = load_model("mymodel.h5")
with open("found.json", "w") as out:
    json.dump({"same": same, "version": keras.__version__,
               "reloaded": type(reloaded).__module__}, out)
'''


@pytest.fixture(scope="module")
def keras_names_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("keras_names")
    process, record = run_harness(workdir, KERAS_NAMES_SCRIPT)
    found = workdir / "found.json"
    return process, record, json.loads(found.read_text()) if found.exists() else None, workdir


@pytest.mark.slow
def test_keras_2_mode_runs_course_code_written_with_import_keras(keras_names_run):
    process, record, found, workdir = keras_names_run
    assert process.returncode == 0, process.stderr
    assert found["version"] == "2.21.0"
    assert found["reloaded"] == "tf_keras.src.engine.sequential"
    assert (workdir / "w.h5").is_file() and (workdir / "asdf.ckpg.index").is_file()
    assert (workdir / "mymodel.h5").is_file()


@pytest.mark.slow
def test_keras_2_mode_every_old_keras_name_is_tf_keras_itself(keras_names_run):
    _, _, found, _ = keras_names_run
    assert found["same"] == {name: True for name in found["same"]} and len(found["same"]) == 8


@pytest.mark.slow
def test_fit_save_and_load_weights_through_keras_model_are_recorded(keras_names_run):
    _, record, _, _ = keras_names_run
    (fit,) = record["fits"]
    assert fit["epochs_run"] == 2 and fit["completed"]
    assert fit["callbacks"][0]["class"] == "ModelCheckpoint"
    assert fit["callbacks"][0]["settings"]["filepath"] == "asdf.ckpg"
    assert fit["callbacks"][0]["settings"]["save_weights_only"] is True
    assert [(entry["path"], entry["ok"]) for entry in record["load_weights"]] == [
        ("w.h5", True), ("asdf.ckpg", True)]
    assert [(entry["path"], entry["what"]) for entry in record["saves"]] == [
        ("w.h5", "weights"), ("mymodel.h5", "model")]
    assert {fit["model"], *(entry["model"] for entry in record["load_weights"] + record["saves"])} == {1}


def test_old_keras_names_map_to_tf_keras_public_api_then_its_internals():
    assert keras_aliases.target_of("keras") == "tf_keras"
    assert keras_aliases.target_of("keras.layers") == "tf_keras.layers"
    assert keras_aliases.target_of("keras.preprocessing.image") == "tf_keras.preprocessing.image"
    assert keras_aliases.target_of("keras.layers.core") == "tf_keras.src.layers.core"
    assert keras_aliases.target_of("keras.engine.sequential") == "tf_keras.src.engine.sequential"
    assert keras_aliases.target_of("tensorflow.python.keras") == "tf_keras"
    assert keras_aliases.target_of("tensorflow.python.keras.layers") == "tf_keras.layers"
    assert keras_aliases.target_of("keras_preprocessing") == "tf_keras.preprocessing"
    assert keras_aliases.target_of("keras_preprocessing.text") == "tf_keras.preprocessing.text"
    assert keras_aliases.target_of("keras.no_such_module") is None
    assert keras_aliases.target_of("kerastuner") is None and keras_aliases.target_of("numpy") is None


def test_the_grader_itself_never_installs_the_aliases_only_the_harness_does():
    import grader.judge.evaluate  # noqa: E401, F401 (imported to check)
    import grader.judge.predict_worker
    import grader.runs

    assert not any(isinstance(finder, keras_aliases.KerasAliasFinder) for finder in sys.meta_path)


def test_keras_3_refuses_the_seed_checkpoint_so_keras_2_must_be_the_default(tmp_path):
    process, record = run_harness(tmp_path, SEED_STYLE_SCRIPT, "--keras", "3")
    assert process.returncode == 1
    assert "must end in `.weights.h5`" in process.stderr
    assert record["keras"]["package"] == "keras"
    assert record["error"]["type"] == "ValueError"
    assert record["error"]["line"] == 18  # the ModelCheckpoint(...) line
    assert record["fits"] == []


@pytest.mark.slow
def test_keras_3_fit_is_recorded_too(tmp_path):
    process, record = run_harness(tmp_path, '''
        import keras
        import numpy as np
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        checkpoint = keras.callbacks.ModelCheckpoint("best.weights.h5", save_weights_only=True,
                                                     save_best_only=True, monitor="loss")
        model.fit(np.arange(8.0), 2 * np.arange(8.0) - 1, epochs=3, verbose=0,
                  callbacks=[checkpoint])
        model.load_weights("best.weights.h5")
    ''', "--keras", "3")
    assert process.returncode == 0, process.stderr
    (fit,) = record["fits"]
    assert fit["epochs_run"] == 3 and len(fit["history"]["loss"]) == 3
    assert fit["callbacks"][0]["settings"]["filepath"] == "best.weights.h5"
    assert record["load_weights"][0]["path"] == "best.weights.h5"


# --- datasets, offline ----------------------------------------------------------------------

DESCRIBE_LOADED = '''
import hashlib, json
import numpy as np

def digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()

def describe(loaded):
    (x_train, y_train), (x_test, y_test) = loaded
    return {name: [digest(array), str(array.dtype), list(array.shape)] for name, array in
            [("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)]}
'''

LOADERS_SCRIPT = DESCRIBE_LOADED + '''
import tensorflow as tf
import tensorflow_datasets as tfds
import tf_keras
import keras  # Keras 2 mode: tf-keras
from keras.datasets import mnist
from sklearn.datasets import load_iris

found = {
    "tf.keras mnist": describe(tf.keras.datasets.mnist.load_data()),
    "tf.keras fashion_mnist": describe(tf.keras.datasets.fashion_mnist.load_data()),
    "tf_keras mnist": describe(tf_keras.datasets.mnist.load_data()),
    "keras mnist": describe(keras.datasets.mnist.load_data()),
    "from keras.datasets import": describe(mnist.load_data()),
    "keras fashion_mnist": describe(keras.datasets.fashion_mnist.load_data()),
}
from tensorflow.keras.datasets import fashion_mnist
found["from tensorflow.keras.datasets import"] = describe(fashion_mnist.load_data())

iris = load_iris()
x, y = load_iris(return_X_y=True)
found["sklearn"] = {"data": iris.data.tolist(), "target": iris.target.tolist(),
                    "dtypes": [iris.data.dtype.name, iris.target.dtype.name, x.dtype.name],
                    "target_names": iris.target_names.tolist(),
                    "feature_names": iris.feature_names, "return_X_y": len(x)}

dataset = tfds.load("iris", split="train", as_supervised=True)
features, label = next(iter(dataset))
train, test = tfds.load("iris", split=["train[:80%]", "train[80%:]"], as_supervised=True)
batch, info = tfds.load("iris", split="train", batch_size=-1, with_info=True)
found["tfds"] = {"rows": sum(1 for _ in dataset), "dtypes": [features.dtype.name, label.dtype.name],
                 "shape": features.shape.as_list(),
                 "sliced": [sum(1 for _ in train), sum(1 for _ in test)],
                 "batched": batch["features"].shape.as_list(),
                 "num_classes": info.features["label"].num_classes,
                 "first": features.numpy().tolist()}
for call in (lambda: tfds.load("cifar10"), lambda: tfds.load("mnist", split="train"),
             lambda: tfds.builder("mnist")):
    try:
        call()
    except Exception as error:
        found.setdefault("tfds refusals", []).append(f"{type(error).__name__}: {error}")
with open("found.json", "w") as out:
    json.dump(found, out)
'''

# Keras 3 (`--keras 3`): `keras` is Keras 3 and its loaders are served too; the Keras 2 names
# are left as they are.
KERAS_3_LOADERS_SCRIPT = DESCRIBE_LOADED + '''
import keras
found = {
    "keras version": keras.__version__,
    "keras 3 mnist": describe(keras.datasets.mnist.load_data()),
    "keras 3 fashion_mnist": describe(keras.datasets.fashion_mnist.load_data()),
}
from tensorflow.python import keras as old_tensorflow_keras
found["tensorflow.python.keras"] = old_tensorflow_keras.__name__
try:
    import keras_preprocessing
    found["keras_preprocessing"] = keras_preprocessing.__name__
except ImportError as error:
    found["keras_preprocessing"] = type(error).__name__
with open("found.json", "w") as out:
    json.dump(found, out)
'''


@pytest.fixture(scope="module")
def loaders_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("loaders")
    # An empty Keras cache: Keras's own loaders would have to download, and cannot.
    process, record = run_harness(workdir, LOADERS_SCRIPT,
                                  env={"KERAS_HOME": str(workdir / "empty_keras_home")})
    assert process.returncode == 0, process.stderr
    return json.loads((workdir / "found.json").read_text())


@pytest.fixture(scope="module")
def keras_3_loaders_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("keras_3_loaders")
    process, record = run_harness(workdir, KERAS_3_LOADERS_SCRIPT, "--keras", "3",
                                  env={"KERAS_HOME": str(workdir / "empty_keras_home")})
    assert process.returncode == 0, process.stderr
    return json.loads((workdir / "found.json").read_text())


@pytest.mark.parametrize("run, loader, dataset", [
    ("loaders_run", "tf.keras mnist", "mnist"),
    ("loaders_run", "tf.keras fashion_mnist", "fashion_mnist"),
    ("loaders_run", "tf_keras mnist", "mnist"),
    ("loaders_run", "keras mnist", "mnist"),
    ("loaders_run", "from keras.datasets import", "mnist"),
    ("loaders_run", "keras fashion_mnist", "fashion_mnist"),
    ("loaders_run", "from tensorflow.keras.datasets import", "fashion_mnist"),
    ("keras_3_loaders_run", "keras 3 mnist", "mnist"),
    ("keras_3_loaders_run", "keras 3 fashion_mnist", "fashion_mnist"),
])
def test_load_data_serves_the_student_view_offline_in_keras_shapes_and_types(
        request, run, loader, dataset):
    train, test = datasets.student_split(dataset)
    evaluation = datasets.evaluation_split(dataset)
    found = request.getfixturevalue(run)[loader]
    # As tf.keras.datasets gives them: uint8 images and uint8 labels, 60,000 and 10,000.
    assert found["x_train"] == [sha256(train.x), "uint8", [60_000, 28, 28]]
    assert found["y_train"] == [sha256(train.y.astype(np.uint8)), "uint8", [60_000]]
    assert found["x_test"] == [sha256(test.x), "uint8", [10_000, 28, 28]]
    assert found["y_test"] == [sha256(test.y.astype(np.uint8)), "uint8", [10_000]]
    assert found["x_test"][0] != sha256(evaluation.x)


def test_sklearn_load_iris_returns_150_rows_as_scikit_learn_types_them_in_a_bunch(loaders_run):
    train, _ = datasets.student_split("iris")
    iris = loaders_run["sklearn"]
    assert np.allclose(iris["data"], train.x, atol=1e-6)
    assert iris["target"] == [0] * 50 + [1] * 50 + [2] * 50  # the official target, row for row
    assert len(iris["data"]) == iris["return_X_y"] == 150
    assert iris["dtypes"] == ["float64", "int64", "float64"]
    assert iris["target_names"] == ["setosa", "versicolor", "virginica"]
    assert iris["feature_names"][0] == "sepal length (cm)"


def test_tfds_iris_is_served_offline_like_tfds(loaders_run):
    train, _ = datasets.student_split("iris")
    rows = 150
    tfds = loaders_run["tfds"]
    assert tfds["rows"] == rows
    assert tfds["dtypes"] == ["float32", "int64"] and tfds["shape"] == [4]
    assert tfds["sliced"] == [round(rows * 0.8), rows - round(rows * 0.8)]
    assert tfds["batched"] == [rows, 4]
    assert tfds["num_classes"] == 3
    assert np.allclose(tfds["first"], train.x[0])


def test_tfds_datasets_other_than_iris_say_they_are_not_available_offline(loaders_run):
    cifar10, mnist, mnist_builder = loaders_run["tfds refusals"]
    assert cifar10 == ("DatasetNotAvailable: tfds.load('cifar10'): the dataset 'cifar10' is not "
                       "available offline; the grader serves only 'iris' through tensorflow_datasets.")
    assert mnist.startswith("DatasetNotAvailable: tfds.load('mnist'): the dataset 'mnist' is not "
                            "available offline")
    assert mnist_builder == ("DatasetNotAvailable: tfds.builder('mnist'): the dataset 'mnist' is not "
                             "available offline; the grader serves only 'iris', through "
                             "tfds.load('iris').")


def test_keras_3_mode_leaves_keras_as_keras_3_and_the_keras_2_names_alone(keras_3_loaders_run):
    assert keras_3_loaders_run["keras version"].startswith("3.")
    assert keras_3_loaders_run["tensorflow.python.keras"] == "tensorflow.python.keras"
    assert keras_3_loaders_run["keras_preprocessing"] == "ModuleNotFoundError"


def test_tfds_split_slices_follow_tfds_syntax():
    assert _tfds_rows("iris", "train", 120) == slice(None, None)
    assert _tfds_rows("iris", "train[:80%]", 120) == slice(None, 96)
    assert _tfds_rows("iris", "train[80%:]", 120) == slice(96, None)
    assert _tfds_rows("iris", "train[10:20]", 120) == slice(10, 20)


# --- the exam template ----------------------------------------------------------------------

TEMPLATE = '''
# task: basic_regression
import numpy as np
import tensorflow as tf


def solution_model():
    xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=float)
    ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0], dtype=float)
    model = tf.keras.models.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
    model.compile(optimizer='sgd', loss='mean_squared_error')
    model.fit(xs, ys, epochs=2, verbose=0)
    return model
'''


@pytest.mark.slow
def test_template_without_main_block_gets_its_model_saved_by_the_harness(tmp_path):
    process, record = run_harness(tmp_path, TEMPLATE)
    assert process.returncode == 0, process.stderr
    assert (tmp_path / "mymodel.h5").is_file()
    assert record["harness_saved_model"] is True
    assert record["solution_model"] == {"defined": True, "called_by_script": False,
                                        "called_by_harness": True}
    assert record["saves"][-1]["by"] == "harness"
    assert len(record["fits"]) == 1


@pytest.mark.slow
def test_solution_model_the_script_called_is_not_called_again(tmp_path):
    process, record = run_harness(tmp_path, TEMPLATE + '''
if __name__ == "__main__":
    model = solution_model()  # ...and forgot model.save("mymodel.h5")
''')
    assert process.returncode == 0, process.stderr
    assert record["solution_model"]["called_by_script"] is True
    assert record["harness_saved_model"] is False
    assert len(record["fits"]) == 1
    assert not (tmp_path / "mymodel.h5").exists()


def test_solution_model_is_watched_from_the_moment_it_is_defined(tmp_path):
    script = tmp_path / "template.py"
    script.write_text("def solution_model():\n    return 'model'\n\nfirst = solution_model()\n")
    watch = SolutionModelWatch()
    namespace = {"__grader_watch_solution_model__": watch}
    exec(compile_script(script), namespace)
    assert watch.defined and watch.calls == 1
    assert namespace["first"] == "model"
    assert namespace["solution_model"].__name__ == "solution_model"


# --- failures -------------------------------------------------------------------------------

def test_crashing_script_exits_non_zero_with_its_traceback_and_an_error_record(tmp_path):
    process, record = run_harness(tmp_path, '''
        import tensorflow as tf

        def build():
            return 1 / 0

        print("training starts")
        build()
    ''')
    assert process.returncode == 1
    assert "training starts" in process.stdout
    assert "Traceback (most recent call last)" in process.stderr
    assert "ZeroDivisionError: division by zero" in process.stderr
    assert "student.py\", line 5, in build" in process.stderr
    assert "grader/harness.py" not in process.stderr  # only the student's own frames
    assert record["status"] == "error"
    assert record["error"]["stage"] == "script"
    assert record["error"]["type"] == "ZeroDivisionError"
    assert record["error"]["message"] == "division by zero"
    assert record["error"]["line"] == 5


def test_syntax_error_is_reported_with_its_line(tmp_path):
    process, record = run_harness(tmp_path, "import tensorflow as tf\nmodel = (\n")
    assert process.returncode == 1
    assert "SyntaxError" in process.stderr
    assert record["error"]["type"] == "SyntaxError" and record["error"]["line"] == 2


def test_only_the_harness_writes_the_record_not_a_process_the_script_forked(tmp_path):
    # A fork carries a copy of the harness. Here it ends after the script's own process, with an
    # error of its own; a fork bomb's hundreds of copies used to tear the record apart.
    process, record = run_harness(tmp_path, '''
        import os, time
        if os.fork() == 0:
            time.sleep(1)
            raise RuntimeError("raised in a forked child")
        print("the script's own process ends")
    ''')
    assert process.returncode == 0
    assert "raised in a forked child" in process.stderr  # the child did end after the parent
    assert record["status"] == "completed" and record["error"] is None


@pytest.mark.slow
def test_a_run_killed_during_fit_leaves_a_running_record_with_the_epochs_so_far(tmp_path):
    process, record = run_harness(tmp_path, '''
        import os, time
        import numpy as np
        import tensorflow as tf

        class Killed(tf.keras.callbacks.Callback):  # stands in for the sandbox's time limit
            def on_epoch_end(self, epoch, logs=None):
                if epoch == 1:
                    time.sleep(1.1)
                if epoch == 2:
                    os._exit(9)

        model = tf.keras.models.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])
        model.compile(optimizer='sgd', loss='mse')
        model.fit(np.arange(4.0), np.arange(4.0), epochs=10, verbose=0, callbacks=[Killed()])
    ''')
    assert process.returncode == 9
    assert record["status"] == "running"
    (fit,) = record["fits"]
    assert fit["epochs_run"] == 2 and not fit["completed"]
    assert fit["callbacks"][0]["class"] == "Killed"


def test_describe_values_gives_shape_dtype_and_range():
    pixels = np.array([[0, 255], [3, 7]], dtype=np.uint8)
    assert describe_values(pixels) == {"type": "ndarray", "shape": [2, 2], "dtype": "uint8",
                                       "min": 0.0, "max": 255.0}
    assert describe_values([1.5, -2.0])["min"] == -2.0
    assert describe_values(iter([1, 2])) == {"type": "list_iterator"}
