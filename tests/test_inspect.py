"""The inspector reads what a model file says about itself, without running it."""
from __future__ import annotations

import dataclasses
import inspect as pyinspect
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import model_files
import pytest
from model_files import REAL_MODELS

from grader.model import keras_names
from grader.model.inspector import InvalidModelFile, ModelInfo, inspect_model

# --- the twenty real student files ----------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Facts:
    """What REAL_MODELS/README.md says about one file (regressions take one feature: (1,))."""

    keras_version: str
    input_shape: tuple[int, ...]
    output_units: int
    output_activation: str
    loss: str
    dense_units: tuple[int, ...] | None = None  # every Dense layer's units, when README lists them
    layer_classes: frozenset[str] = frozenset()  # classes README says the model contains
    metrics: tuple[str, ...] | None = None
    model_class: str = "Sequential"


MSE, SCCE, CCE = "mean_squared_error", "sparse_categorical_crossentropy", "categorical_crossentropy"
FASHION = (28, 28)

REAL_FACTS = {
    "splinter9_c1.h5": Facts("2.7.0", (1,), 1, "linear", MSE, dense_units=(100, 111, 1)),
    "splinter9_c2.h5": Facts("2.7.0", FASHION, 10, "softmax", SCCE,
                             layer_classes=frozenset({"Conv1D"})),
    "hyunmin_c1.h5": Facts("2.4.0", (1,), 1, "linear", MSE, dense_units=(32, 32, 16, 16, 1)),
    "hyunmin_c2.h5": Facts("2.4.0", FASHION, 10, "softmax", CCE, dense_units=(64, 32, 10),
                           layer_classes=frozenset({"Conv1D"})),
    "youngri_c1.h5": Facts("2.4.0", (1,), 1, "linear", MSE,
                           dense_units=(256, 256, 128, 128, 64, 64, 32, 32, 1)),
    "youngri_c2.h5": Facts("2.4.0", FASHION, 10, "softmax", CCE,
                           layer_classes=frozenset({"Conv1D", "MaxPooling1D"})),
    "bughunt_c1.h5": Facts("2.4.0", (1,), 1, "linear", MSE,
                           dense_units=(128, 64, 32, 16, 8, 4, 1)),
    "dongjae_c1.h5": Facts("2.4.0", (1,), 1, "linear", MSE, dense_units=(128, 64, 32, 16, 8, 1)),
    "dongjae_c2.h5": Facts("2.4.0", FASHION, 10, "softmax", SCCE, metrics=("acc",),
                           layer_classes=frozenset({"Conv1D"})),
    "jeongkyu_c1.h5": Facts("2.4.0", (1,), 1, "linear", MSE, dense_units=(24, 12, 6, 1)),
    # The "classifier" with one linear output trained with mse.
    "jeongkyu_c2.h5": Facts("2.4.0", FASHION, 1, "linear", MSE),
    "sunghoon_c1.h5": Facts("2.4.0", (1,), 1, "linear", MSE, dense_units=(32, 16, 4, 1)),
    # Deferred build: only the InputLayer records (None, 28, 28).
    "sunghoon_c2.h5": Facts("2.4.0", FASHION, 10, "softmax", SCCE,
                            layer_classes=frozenset({"InputLayer", "Conv1D",
                                                     "BatchNormalization"})),
    "sswwd_c1.h5": Facts("2.4.0", (1,), 1, "linear", MSE, dense_units=(128, 64, 32, 1)),
    # metrics recorded as the bare string "acc", not a list.
    "sswwd_c2.h5": Facts("2.4.0", FASHION, 10, "softmax", CCE, metrics=("acc",),
                         layer_classes=frozenset({"Conv1D"})),
    "annisa_A1.h5": Facts("2.13.1", (1,), 1, "linear", MSE, dense_units=(1,)),
    "annisa_B1.h5": Facts("2.13.1", (1,), 1, "linear", MSE, dense_units=(64, 1),
                          layer_classes=frozenset({"Normalization"})),
    "annisa_C1.h5": Facts("2.13.1", (1,), 1, "linear", MSE, dense_units=(128, 1),
                          layer_classes=frozenset({"Normalization"})),
    "kaenova_C1.h5": Facts("2.9.0", (1,), 1, "linear", MSE, dense_units=(1, 1),
                           model_class="Functional"),
    # Keras 2.2.4: no InputLayer, batch_input_shape on the first Conv2D, Dense(10) then a
    # separate Activation('softmax').
    "remo_mnist.h5": Facts("2.2.4", (28, 28, 1), 10, "softmax", SCCE, dense_units=(10,),
                           layer_classes=frozenset({"Conv2D", "Activation"})),
}

needs_real_models = pytest.mark.skipif(
    not REAL_MODELS.is_dir(), reason=f"the real student models are not at {REAL_MODELS}"
)


@needs_real_models
def test_every_real_model_has_its_facts_listed():
    assert sorted(path.name for path in REAL_MODELS.glob("*.h5")) == sorted(REAL_FACTS)


@needs_real_models
@pytest.mark.parametrize("name", sorted(REAL_FACTS))
def test_real_student_model_is_read_as_its_readme_describes(name: str):
    facts = REAL_FACTS[name]
    info = inspect_model(REAL_MODELS / name)

    assert info.file_format == "h5"
    assert info.keras_version == facts.keras_version
    assert info.backend == "tensorflow"
    assert info.model_class == facts.model_class
    assert info.input_shape == facts.input_shape
    assert info.output_units == facts.output_units
    assert info.output_activation == facts.output_activation
    assert info.loss == facts.loss
    assert info.loss_from_logits is False
    assert info.optimizer in ("Adam", "SGD")
    assert info.unsafe_objects == ()
    assert info.has_weights
    assert info.file_size == (REAL_MODELS / name).stat().st_size
    if facts.dense_units is not None:
        assert tuple(layer.units for layer in info.layers
                     if layer.class_name == "Dense") == facts.dense_units
    assert facts.layer_classes <= {layer.class_name for layer in info.layers}
    if facts.metrics is not None:
        assert info.metrics == facts.metrics


@needs_real_models
def test_keras_224_model_without_input_layer_starts_with_its_conv2d():
    info = inspect_model(REAL_MODELS / "remo_mnist.h5")
    assert [layer.class_name for layer in info.layers[-2:]] == ["Dense", "Activation"]
    assert info.layers[0].class_name == "Conv2D"
    assert info.layers[-2].activation == "linear"
    assert info.layers[-1].activation == "softmax"


@needs_real_models
def test_keras_213_optimizer_drops_the_custom_prefix():
    # Keras 2.11+ records its own optimizers as "Custom>SGD".
    assert inspect_model(REAL_MODELS / "annisa_B1.h5").optimizer == "SGD"


@needs_real_models
def test_metric_objects_are_named_as_recorded():
    assert inspect_model(REAL_MODELS / "jeongkyu_c2.h5").metrics == ("mae",)
    assert inspect_model(REAL_MODELS / "splinter9_c2.h5").metrics == ("accuracy",)
    assert inspect_model(REAL_MODELS / "annisa_A1.h5").metrics == ()


# --- files saved by today's Keras 3 and tf_keras ------------------------------------------------

def test_keras3_h5_classifier_is_read_with_its_compile_settings(keras3_h5: Path):
    info = inspect_model(keras3_h5)
    assert info.file_format == "h5"
    assert info.keras_version.startswith("3.")
    assert info.model_class == "Sequential"
    assert info.input_shape == (28, 28)
    assert info.output_units == 10
    assert info.output_activation == "softmax"
    assert info.loss == "sparse_categorical_crossentropy"
    assert info.loss_from_logits is False
    assert info.optimizer == "Adam"
    assert info.metrics == ("accuracy",)
    assert info.unsafe_objects == ()
    assert info.has_weights


def test_keras3_archive_is_read_like_the_h5_of_the_same_model(keras3_archive: Path,
                                                              keras3_h5: Path):
    archive, h5 = inspect_model(keras3_archive), inspect_model(keras3_h5)
    assert archive.file_format == "keras"
    assert archive.keras_version == h5.keras_version
    assert archive.has_weights
    for field in ("model_class", "input_shape", "layers", "output_units", "output_activation",
                  "loss", "loss_from_logits", "metrics", "unsafe_objects"):
        assert getattr(archive, field) == getattr(h5, field), field


def test_tf_keras_logits_model_reports_from_logits_and_a_linear_output(tf_keras_logits_h5: Path):
    info = inspect_model(tf_keras_logits_h5)
    assert info.keras_version.startswith("2.")
    assert info.input_shape == (28, 28)
    assert info.output_units == 10
    assert info.output_activation == "linear"
    assert info.loss == "sparse_categorical_crossentropy"
    assert info.loss_from_logits is True
    assert info.optimizer == "Adam"


def test_separate_softmax_layer_is_the_effective_output_activation(separate_softmax_h5: Path):
    info = inspect_model(separate_softmax_h5)
    assert info.layers[-2].activation == "linear"
    assert info.output_units == 10
    assert info.output_activation == "softmax"
    assert info.metrics == ("acc",)


@pytest.mark.parametrize("fixture", ["functional_h5", "functional_archive"])
def test_functional_model_output_is_the_first_named_output(fixture: str, request):
    info = inspect_model(request.getfixturevalue(fixture))
    assert info.model_class == "Functional"
    assert info.input_shape == (6,)
    # The layer list ends with the second output, Dense(1, sigmoid); the graded output is the
    # first: Dense(3) then a Softmax layer.
    assert info.output_units == 3
    assert info.output_activation == "softmax"
    assert info.loss == "sparse_categorical_crossentropy"


def test_nested_sequential_takes_outer_input_and_inner_output(nested_h5: Path):
    info = inspect_model(nested_h5)
    assert info.input_shape == (5,)
    assert info.output_units == 3
    assert info.output_activation == "softmax"
    assert [layer.units for layer in info.layers if layer.class_name == "Dense"] == [8, 3]


def test_deferred_build_model_records_its_built_input_shape(deferred_h5: Path):
    info = inspect_model(deferred_h5)
    assert info.input_shape == (7,)
    assert info.output_units == 1
    assert info.loss == "mean_absolute_error"
    assert info.optimizer == "RMSprop"


def test_model_saved_without_compile_has_no_loss(uncompiled_h5: Path):
    info = inspect_model(uncompiled_h5)
    assert info.loss is None
    assert info.optimizer is None
    assert info.metrics == ()
    assert info.output_activation == "linear"


def test_model_info_is_json_ready(functional_h5: Path):
    data = inspect_model(functional_h5).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["layers"][0]["class_name"] == "InputLayer"
    assert data["input_shape"] == [6]


# --- what would run the student's code ------------------------------------------------------

def test_lambda_layer_inside_a_nested_model_is_unsafe(lambda_h5: Path):
    info = inspect_model(lambda_h5)
    assert info.unsafe_objects == ("Lambda layer 'doubler'",)


def test_tf_keras_lambda_layer_is_unsafe(nested_lambda_h5: Path):
    (found,) = inspect_model(nested_lambda_h5).unsafe_objects
    assert found.startswith("Lambda layer '")


@pytest.mark.parametrize("fixture", ["custom_layer_h5", "custom_layer_archive"])
def test_custom_layer_class_is_unsafe(fixture: str, request):
    info = inspect_model(request.getfixturevalue(fixture))
    assert info.unsafe_objects == ("custom layer class 'Doubling'",)


def test_custom_activation_and_custom_loss_are_unsafe(custom_activation_h5: Path):
    info = inspect_model(custom_activation_h5)
    assert info.unsafe_objects == ("custom activation 'squash'", "custom loss 'halved_mse'")
    assert info.output_activation == "squash"
    assert info.loss == "halved_mse"


def test_every_layer_class_in_installed_keras_is_known():
    import keras
    import tf_keras

    modules = [(keras.layers, keras.layers.Layer), (tf_keras.layers, tf_keras.layers.Layer),
               (tf_keras.layers.experimental, tf_keras.layers.Layer),
               (tf_keras.layers.experimental.preprocessing, tf_keras.layers.Layer)]
    missing = {
        name
        for module, base in modules
        for export in dir(module)
        if isinstance(cls := getattr(module, export), type) and issubclass(cls, base)
        for name in (export, cls.__name__)
        if name not in keras_names.BUILTIN_LAYER_CLASSES
    }
    assert not missing, f"add these to grader/keras_names.py: {sorted(missing)}"


def test_every_activation_and_loss_in_installed_keras_is_known():
    import keras
    import tf_keras

    helpers = {"get", "serialize", "deserialize"}

    def public_names(module, base=None):
        for export in dir(module):
            value = getattr(module, export)
            if export.startswith("_") or export in helpers:
                continue
            if pyinspect.isfunction(value) or (base and isinstance(value, type)
                                               and issubclass(value, base) and value is not base):
                yield export
                yield value.__name__

    activations = set(public_names(keras.activations)) | set(public_names(tf_keras.activations))
    losses = (set(public_names(keras.losses, keras.losses.Loss))
              | set(public_names(tf_keras.losses, tf_keras.losses.Loss)))
    assert activations - keras_names.BUILTIN_ACTIVATIONS == set()
    assert losses - keras_names.BUILTIN_LOSSES == set()


# --- records only older or unusual writers produce (written with h5py) ------------------------

@needs_real_models
def test_bytes_attributes_read_like_text(tmp_path: Path):
    model_config, training = model_files.read_configs(REAL_MODELS / "remo_mnist.h5")
    path = model_files.write_h5(tmp_path / "bytes.h5", model_config, training, as_bytes=True,
                                keras_version="2.2.4")
    info = inspect_model(path)
    assert info.keras_version == "2.2.4"
    assert info.input_shape == (28, 28, 1)
    assert info.output_activation == "softmax"


@needs_real_models
def test_keras_222_sequential_config_as_a_bare_list_of_layers(tmp_path: Path):
    model_config, training = model_files.read_configs(REAL_MODELS / "remo_mnist.h5")
    old_style = {"class_name": "Sequential", "config": model_config["config"]["layers"]}
    info = inspect_model(model_files.write_h5(tmp_path / "old.h5", old_style, training))
    assert info.input_shape == (28, 28, 1)
    assert info.output_units == 10
    assert info.output_activation == "softmax"


def _dense_model(activation) -> dict:
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4], "name": "in"}},
        {"class_name": "Dense", "config": {"name": "out", "units": 3, "activation": activation}},
    ]}}


@pytest.mark.parametrize("activation, expected, unsafe", [
    ("softmax", "softmax", ()),
    (None, "linear", ()),
    ("softmax_v2", "softmax", ()),  # tf.nn.softmax passed as the activation
    ({"module": "keras.activations", "class_name": "function", "config": "softmax",
      "registered_name": "function"}, "softmax", ()),
    ({"module": "builtins", "class_name": "function", "config": "my_act",
      "registered_name": "function"}, "my_act", ("custom activation 'my_act'",)),
    ({"module": "keras.layers", "class_name": "LeakyReLU", "config": {}}, "leaky_relu", ()),
    ({"class_name": "__lambda__", "config": {"code": "..."}}, "<lambda>",
     ("custom activation '<lambda>'",)),
])
def test_activation_records_of_every_keras_version(tmp_path: Path, activation, expected, unsafe):
    path = model_files.write_h5(tmp_path / "act.h5", _dense_model(activation), {"loss": "mse"})
    info = inspect_model(path)
    assert info.output_activation == expected
    assert info.unsafe_objects == unsafe


@pytest.mark.parametrize("loss, expected, from_logits, unsafe", [
    ("mse", "mean_squared_error", False, ()),
    ("sparse_categorical_crossentropy", "sparse_categorical_crossentropy", False, ()),
    ({"class_name": "SparseCategoricalCrossentropy",
      "config": {"from_logits": True, "fn": "sparse_categorical_crossentropy"}},
     "sparse_categorical_crossentropy", True, ()),
    ({"module": "keras.losses", "class_name": "CategoricalCrossentropy",
      "config": {"from_logits": False}, "registered_name": None},
     "categorical_crossentropy", False, ()),
    ({"class_name": "LossFunctionWrapper", "config": {"fn": "mean_absolute_error"}},
     "mean_absolute_error", False, ()),
    (["binary_crossentropy", "mse"], "binary_crossentropy", False, ()),
    ({"out": "squared_hinge"}, "squared_hinge", False, ()),
    ("my_loss", "my_loss", False, ("custom loss 'my_loss'",)),
    ({"class_name": "FocalLoss", "config": {}}, "FocalLoss", False, ("custom loss 'FocalLoss'",)),
    (None, None, False, ()),
])
def test_loss_records_of_every_keras_version(tmp_path: Path, loss, expected, from_logits, unsafe):
    path = model_files.write_h5(tmp_path / "loss.h5", _dense_model("softmax"), {"loss": loss})
    info = inspect_model(path)
    assert (info.loss, info.loss_from_logits, info.unsafe_objects) == (expected, from_logits, unsafe)


def test_layer_class_from_a_foreign_module_is_unsafe(tmp_path: Path):
    config = _dense_model("softmax")
    config["config"]["layers"][1]["module"] = "os"
    info = inspect_model(model_files.write_h5(tmp_path / "foreign.h5", config))
    assert info.unsafe_objects == ("custom layer class 'Dense' from module 'os'",)


def test_custom_layer_wrapped_in_time_distributed_is_unsafe(tmp_path: Path):
    config = _dense_model("softmax")
    config["config"]["layers"].append({"class_name": "TimeDistributed", "config": {
        "name": "td", "layer": {"class_name": "Sneaky", "config": {"name": "sneaky"}}}})
    info = inspect_model(model_files.write_h5(tmp_path / "wrapped.h5", config))
    assert info.unsafe_objects == ("custom layer class 'Sneaky'",)


def test_tf_op_layers_are_safe(tmp_path: Path):
    config = _dense_model("softmax")
    config["config"]["layers"].append(
        {"class_name": "TFOpLambda", "config": {"name": "tf.reshape", "function": "reshape"}})
    assert inspect_model(model_files.write_h5(tmp_path / "op.h5", config)).unsafe_objects == ()


# --- files that are not readable models -------------------------------------------------------

def _refusal(path: Path) -> str:
    with pytest.raises(InvalidModelFile) as raised:
        inspect_model(path)
    return str(raised.value)


@pytest.mark.parametrize("fixture", ["keras3_weights_h5", "tf_keras_weights_h5"])
def test_weights_only_file_is_refused_with_the_save_advice(fixture: str, request):
    message = _refusal(request.getfixturevalue(fixture))
    assert "holds no model_config" in message
    assert "save_weights()" in message
    assert "model.save(" in message


def test_truncated_file_is_refused_as_corrupt(truncated_h5: Path):
    assert "truncated or corrupt" in _refusal(truncated_h5)


def test_text_file_named_h5_is_not_an_hdf5_file(text_h5: Path):
    assert _refusal(text_h5).startswith("notes.h5 is not an HDF5 file (it starts with b'mode')")


def test_empty_file_is_refused(empty_h5: Path):
    assert _refusal(empty_h5).startswith("empty.h5 is empty (0 bytes)")


def test_keras_archive_named_h5_is_refused(keras3_archive: Path, tmp_path: Path):
    message = _refusal(model_files.renamed_copy(keras3_archive, tmp_path, "mymodel.h5"))
    assert message.startswith("mymodel.h5 is not an HDF5 file (it starts with b'PK\\x03\\x04'")
    assert 'model.save("mymodel.h5")' in message


def test_hdf5_file_named_keras_is_refused(keras3_h5: Path, tmp_path: Path):
    message = _refusal(model_files.renamed_copy(keras3_h5, tmp_path, "mymodel.keras"))
    assert "is not a .keras zip archive (it is an HDF5 file)" in message
    assert "rename it mymodel.h5" in message


def test_missing_file_and_directory_are_refused(tmp_path: Path):
    assert "does not exist" in _refusal(tmp_path / "absent.h5")
    saved_model = tmp_path / "saved_model"
    saved_model.mkdir()
    assert "is a directory" in _refusal(saved_model)


def test_hdf5_file_that_is_not_a_model_is_refused(tmp_path: Path):
    import h5py

    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as file:
        file["x"] = [1, 2, 3]
    assert "not a saved Keras model" in _refusal(path)


@pytest.mark.parametrize("model_config, cause", [
    ("{not json", "not valid JSON"),
    ('"a string"', "does not name a model class"),
    ('{"class_name": "Sequential", "config": {"layers": 3}}', "lists no layers"),
    ('{"class_name": "Sequential", "config": {"layers": [1]}}', "layer 1 of model"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
def test_malformed_model_config_is_refused(tmp_path: Path, model_config: str, cause: str):
    message = _refusal(model_files.write_h5(tmp_path / "bad.h5", model_config))
    assert message.startswith("bad.h5 records a malformed model description (model_config)")
    assert cause in message


def test_models_nested_beyond_the_limit_are_refused(tmp_path: Path):
    config = _dense_model("softmax")
    for _ in range(40):
        config = {"class_name": "Sequential", "config": {"layers": [config]}}
    assert "nested more than" in _refusal(model_files.write_h5(tmp_path / "deep.h5", config))


def test_archive_without_config_json_is_refused(tmp_path: Path):
    path = tmp_path / "mymodel.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", "{}")
    assert "without config.json" in _refusal(path)


def test_zip_bomb_config_is_refused_without_inflating_it(tmp_path: Path):
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", b" " * (51 * 1024 * 1024))
    assert path.stat().st_size < 1024 * 1024
    assert "larger than 50 MB" in _refusal(path)


def test_inspecting_never_imports_tensorflow_or_keras():
    code = ("import sys, grader.model.inspector; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'tf_keras') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parent.parent)
    assert result.stdout.strip() == "[]"


def test_model_info_fields_match_the_published_api():
    assert [field.name for field in dataclasses.fields(ModelInfo)] == [
        "path", "file_format", "keras_version", "backend", "model_class", "input_shape",
        "layers", "output_units", "output_activation", "loss", "loss_from_logits", "optimizer",
        "metrics", "unsafe_objects", "has_weights", "file_size",
    ]


def test_a_file_that_sends_hdf5_into_an_endless_loop_is_called_damaged_in_time():
    # Found by the long fuzz run: reading any attribute of this file never returns.
    hanging = Path(__file__).parent / "data" / "hdf5_endless_loop.h5"
    with pytest.raises(InvalidModelFile, match=r"reading its records did not end within 3 s"):
        inspect_model(hanging, timeout_seconds=3)
    assert inspect_model(REAL_MODELS / "annisa_A1.h5").file_size > 0  # the reader started again
