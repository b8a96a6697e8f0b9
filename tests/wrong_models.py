"""Real Keras models, trained briefly by TensorFlow on real data, most of them wrong in one way.

Each builder writes one file and returns its path. They train on a few thousand examples for one
or two epochs: enough for a model to be what it claims, small enough for a test suite.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from grader import datasets  # noqa: E402

TRAIN_EXAMPLES = 6000


def fashion(n: int = TRAIN_EXAMPLES, scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    train, _ = datasets.student_split("fashion_mnist")
    x = train.x[:n].astype("float32")
    return (x / 255.0 if scale else x), train.y[:n]


def _keras3_classifier(head, loss, *, hidden: int = 64):
    import keras

    keras.utils.set_random_seed(1)
    layers = [keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(hidden, activation="relu"), *head]
    model = keras.Sequential(layers)
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def _fit_save(model, x, y, path: Path, epochs: int = 2) -> Path:
    model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
    model.save(path)
    return path


def good_softmax(path: Path) -> Path:
    import keras

    x, y = fashion()
    model = _keras3_classifier([keras.layers.Dense(10, activation="softmax")], "sparse_categorical_crossentropy")
    return _fit_save(model, x, y, path)


def sigmoid_on_ten_classes(path: Path) -> Path:
    import keras

    x, y = fashion()
    model = _keras3_classifier([keras.layers.Dense(10, activation="sigmoid")], "binary_crossentropy")
    return _fit_save(model, x, keras.utils.to_categorical(y, 10), path)


def one_output_unit(path: Path) -> Path:
    import keras

    x, y = fashion()
    model = _keras3_classifier([keras.layers.Dense(1)], "mse")
    return _fit_save(model, x, y.astype("float32"), path)


def wrong_input_shape(path: Path) -> Path:
    import keras

    model = keras.Sequential([keras.Input((32, 32)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.save(path)
    return path


def softmax_with_binary_crossentropy(path: Path) -> Path:
    import keras

    x, y = fashion()
    model = _keras3_classifier([keras.layers.Dense(10, activation="softmax")], "binary_crossentropy")
    return _fit_save(model, x, keras.utils.to_categorical(y, 10), path)


def one_hot_loss_on_integer_labels(path: Path) -> Path:
    """categorical_crossentropy fed integer labels, as older tf.keras allowed.

    Older tf.keras broadcast an integer label y over all 10 outputs, so the loss became
    -y * sum(log p): the model learns nothing about the classes and accuracy stays at chance,
    the failure the course notes warn about. Current Keras refuses the shapes outright, so the
    broadcast is written out here.
    """
    import keras

    x, y = fashion()
    model = _keras3_classifier([keras.layers.Dense(10, activation="softmax")], "categorical_crossentropy")
    broadcast = np.repeat(y[:, None].astype("float32"), 10, axis=1)
    return _fit_save(model, x, broadcast, path)


def linear_without_from_logits(path: Path) -> Path:
    import keras

    x, y = fashion()
    model = _keras3_classifier([keras.layers.Dense(10)], "sparse_categorical_crossentropy")
    return _fit_save(model, x, y, path, epochs=1)


def trained_on_raw_pixels(path: Path) -> Path:
    """What training on 0-255 pixels learns, made exact: a model trained on pixels / 255 whose
    first layer then takes the / 255 into its weights. It reads raw pixels as well as the good
    model reads scaled ones, and scaled ones hardly at all (a model fitted on raw pixels directly
    lands anywhere between, run to run)."""
    import keras

    x, y = fashion()
    model = _keras3_classifier([keras.layers.Dense(10, activation="softmax")], "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=64, verbose=0)
    first = next(layer for layer in model.layers if isinstance(layer, keras.layers.Dense))
    kernel, bias = first.get_weights()
    first.set_weights([kernel / 255.0, bias])
    model.save(path)
    return path


def lambda_layer(path: Path) -> Path:
    import keras

    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Lambda(lambda t: t / 255.0),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.save(path)
    return path


def custom_layer_class(path: Path) -> Path:
    import keras

    @keras.saving.register_keras_serializable(package="student")
    class Doubler(keras.layers.Layer):
        def call(self, inputs):
            return inputs * 2

    model = keras.Sequential([keras.Input((28, 28)), Doubler(), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.save(path)
    return path


def nan_weights(path: Path) -> Path:
    import keras

    model = _keras3_classifier([keras.layers.Dense(10, activation="softmax")], "sparse_categorical_crossentropy")
    model.set_weights([np.full(w.shape, np.nan, dtype="float32") for w in model.get_weights()])
    model.save(path)
    return path


def keras2_seed_style(path: Path) -> Path:
    """The course's own code, run by Keras 2 (tf-keras): Flatten(input_shape=(28, 28)), /255, softmax."""
    import tf_keras

    tf_keras.utils.set_random_seed(1)
    x, y = fashion()
    model = tf_keras.models.Sequential([
        tf_keras.layers.Flatten(input_shape=(28, 28)),
        tf_keras.layers.Dense(64, activation="relu"),
        tf_keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    return _fit_save(model, x, y, path)


def keras2_logits_loss_object(path: Path) -> Path:
    """A Keras 2 file whose loss is a serialized Loss object with from_logits=True."""
    import tf_keras

    tf_keras.utils.set_random_seed(1)
    x, y = fashion()
    model = tf_keras.models.Sequential([
        tf_keras.layers.Flatten(input_shape=(28, 28)),
        tf_keras.layers.Dense(64, activation="relu"),
        tf_keras.layers.Dense(10),
    ])
    model.compile(optimizer="adam", loss=tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return _fit_save(model, x, y, path)


def regression_line(path: Path) -> Path:
    import keras

    keras.utils.set_random_seed(1)
    xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype="float32").reshape(-1, 1)
    ys = 2 * xs - 1
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mean_squared_error")
    model.fit(xs, ys, epochs=400, verbose=0)
    model.save(path)
    return path


def iris_classifier(path: Path) -> Path:
    import keras

    keras.utils.set_random_seed(1)
    train, _ = datasets.student_split("iris")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy")
    model.fit(train.x, train.y, epochs=150, batch_size=16, verbose=0)
    model.save(path)
    return path


def truncated_copy(good: Path, path: Path) -> Path:
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def not_hdf5(path: Path) -> Path:
    path.write_text("this is my model, I promise\n", encoding="utf-8")
    return path
