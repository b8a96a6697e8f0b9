"""Builders of real model files for the inspector's tests.

Each builder makes a tiny model with Keras 3 (`keras`) or Keras 2 (`tf_keras`), compiles it so the
file records its training settings, saves it into `directory` and returns the path. Nothing is
trained: the inspector only reads what the file records. Keras is imported inside the builders so
that collecting tests that never ask for these files does not pay TensorFlow's ~10 s import.

`write_h5` is the one exception: it writes a file with h5py alone, for records Keras no longer
writes (Keras 2.2's list-shaped Sequential, bytes attributes) and for the fuzzer.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

# Twenty .h5 files saved by learners with Keras 2.2.4 to 2.13.1; README.md there describes them.
REAL_MODELS = Path(os.environ.get("GRADER_REAL_MODELS", "/work/shared/real-models"))


# --- Keras 3 ------------------------------------------------------------------------------------

def keras3_classifier(directory: Path) -> tuple[Path, Path]:
    """Fashion-MNIST shaped: (28, 28) -> Flatten -> Dense(10, softmax), sparse CCE, Adam.

    One model saved twice: as .h5 and as a .keras archive."""
    import keras

    model = keras.Sequential([
        keras.Input((28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return (_save(model, directory / "keras3_classifier.h5"),
            _save(model, directory / "keras3_classifier.keras"))


def keras3_functional(directory: Path, suffix: str) -> Path:
    """Two outputs, the first Dense(3) followed by a Softmax layer; only the first is graded."""
    import keras

    inputs = keras.Input((6,), name="features")
    hidden = keras.layers.Dense(4, activation="relu", name="hidden")(inputs)
    logits = keras.layers.Dense(3, name="logits")(hidden)
    classes = keras.layers.Softmax(name="classes")(logits)
    extra = keras.layers.Dense(1, activation="sigmoid", name="extra")(hidden)
    model = keras.Model(inputs, [classes, extra])
    model.compile(optimizer="rmsprop", loss=["sparse_categorical_crossentropy", "mse"])
    return _save(model, directory / f"keras3_functional{suffix}")


def keras3_nested(directory: Path) -> Path:
    """A Sequential whose second layer is a whole Sequential ending in Dense(3, softmax)."""
    import keras

    inner = keras.Sequential([
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model = keras.Sequential([keras.Input((5,)), inner])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    return _save(model, directory / "keras3_nested.h5")


def keras3_uncompiled(directory: Path) -> Path:
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    return _save(model, directory / "keras3_uncompiled.h5")


def keras3_lambda(directory: Path) -> Path:
    """A Lambda layer hidden inside a nested Sequential."""
    import keras

    inner = keras.Sequential([keras.layers.Lambda(lambda x: x * 2.0, name="doubler"), keras.layers.Dense(2)])
    model = keras.Sequential([keras.Input((3,)), inner])
    model.compile(optimizer="adam", loss="mse")
    return _save(model, directory / "keras3_lambda.h5")


def keras3_custom_layer(directory: Path, suffix: str) -> Path:
    import keras

    class Doubling(keras.layers.Layer):
        def call(self, inputs):
            return inputs * 2.0

    model = keras.Sequential([keras.Input((3,)), Doubling(), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return _save(model, directory / f"keras3_custom_layer{suffix}")


def keras3_custom_activation_and_loss(directory: Path) -> Path:
    import keras

    def squash(x):
        return x / (1.0 + abs(x))

    def halved_mse(y_true, y_pred):
        return keras.ops.mean((y_true - y_pred) ** 2) / 2.0

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation=squash)])
    model.compile(optimizer="adam", loss=halved_mse)
    return _save(model, directory / "keras3_custom_activation.h5")


def keras3_weights_only(directory: Path) -> Path:
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    path = directory / "mymodel.weights.h5"
    model.save_weights(path)
    return path


# --- Keras 2 (tf_keras) ---------------------------------------------------------------------------

def tf_keras_logits_classifier(directory: Path) -> Path:
    """Flatten(input_shape=(28, 28)) -> linear Dense(10), trained on logits:
    SparseCategoricalCrossentropy(from_logits=True)."""
    import tf_keras

    model = tf_keras.Sequential([
        tf_keras.layers.Flatten(input_shape=(28, 28)),
        tf_keras.layers.Dense(10),
    ])
    model.compile(
        optimizer="adam",
        loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return _save(model, directory / "tf_keras_logits.h5")


def tf_keras_separate_softmax(directory: Path) -> Path:
    """Dense(10) followed by a separate Activation('softmax') layer, as remo_mnist.h5 does."""
    import tf_keras

    model = tf_keras.Sequential([
        tf_keras.layers.Flatten(input_shape=(28, 28)),
        tf_keras.layers.Dense(10),
        tf_keras.layers.Activation("softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    return _save(model, directory / "tf_keras_separate_softmax.h5")


def tf_keras_deferred(directory: Path) -> Path:
    """No input shape until model.build((None, 7)) is called."""
    import tf_keras

    model = tf_keras.Sequential([tf_keras.layers.Dense(4, activation="relu"),
                                 tf_keras.layers.Dense(1)])
    model.build((None, 7))
    model.compile(optimizer="rmsprop", loss="mae")
    return _save(model, directory / "tf_keras_deferred.h5")


def tf_keras_nested_lambda(directory: Path) -> Path:
    import tf_keras

    inner = tf_keras.Sequential([tf_keras.layers.Lambda(lambda x: x + 1.0),
                                 tf_keras.layers.Dense(2, activation="softmax")])
    model = tf_keras.Sequential([tf_keras.Input((4,)), inner])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return _save(model, directory / "tf_keras_nested_lambda.h5")


def tf_keras_weights_only(directory: Path) -> Path:
    import tf_keras

    model = tf_keras.Sequential([tf_keras.Input((3,)), tf_keras.layers.Dense(1)])
    path = directory / "tf_keras_weights.h5"
    model.save_weights(path)
    return path


# --- broken files -------------------------------------------------------------------------------

def truncated_copy(source: Path, directory: Path) -> Path:
    data = source.read_bytes()
    path = directory / f"truncated_{source.name}"
    path.write_bytes(data[: len(data) // 2])
    return path


def text_file(directory: Path) -> Path:
    path = directory / "notes.h5"
    path.write_text("model = tf.keras.Sequential(...)\n")
    return path


def empty_file(directory: Path) -> Path:
    path = directory / "empty.h5"
    path.write_bytes(b"")
    return path


def renamed_copy(source: Path, directory: Path, name: str) -> Path:
    path = directory / name
    shutil.copyfile(source, path)
    return path


# --- files written with h5py alone --------------------------------------------------------------

def write_h5(
    path: Path,
    model_config: Any,
    training_config: Any = None,
    *,
    as_bytes: bool = False,
    keras_version: str = "2.4.0",
) -> Path:
    """An HDF5 file holding only the attributes Keras writes, as text or (Keras 2.2) bytes.

    A config may be JSON data, JSON text, or raw bytes written as they are."""
    import h5py

    def encode(value: Any) -> Any:
        if isinstance(value, bytes):
            return np.void(value) if b"\x00" in value else np.bytes_(value)
        text = value if isinstance(value, str) else json.dumps(value)
        return np.bytes_(text.encode("utf-8")) if as_bytes else text

    with h5py.File(path, "w") as file:
        file.attrs["keras_version"] = encode(keras_version)
        file.attrs["backend"] = encode("tensorflow")
        file.attrs["model_config"] = encode(model_config)
        if training_config is not None:
            file.attrs["training_config"] = encode(training_config)
        file.create_group("model_weights")
    return path


def read_configs(path: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The model_config and training_config a real .h5 file records, as JSON data."""
    import h5py

    with h5py.File(path, "r") as file:
        model_config = json.loads(file.attrs["model_config"])
        training = file.attrs.get("training_config")
    return model_config, json.loads(training) if training is not None else None


def _save(model: Any, path: Path) -> Path:
    model.save(path)
    return path
