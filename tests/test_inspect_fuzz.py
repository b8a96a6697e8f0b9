"""Fuzzing the inspector: whatever a file holds, it answers with a ModelInfo or InvalidModelFile.

Each property runs GRADER_FUZZ_EXAMPLES examples (200 by default, a few seconds); a nightly job can
raise it to 100,000. On CI (CI set) the examples are derandomised: the same ones every run, so a
failure there reproduces; elsewhere each run explores new ones.
"""
from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import model_files
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_files import REAL_MODELS

from grader.model.inspector import InvalidModelFile, inspect_model

EXAMPLES = int(os.environ.get("GRADER_FUZZ_EXAMPLES", "200"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# The smallest real file (17 KB): its HDF5 headers and JSON attributes make up much of it.
SEED = REAL_MODELS / "annisa_A1.h5"
pytestmark = pytest.mark.skipif(not SEED.is_file(), reason=f"{SEED} is not available")


def read_or_refuse(path: Path) -> None:
    """The property: a description that serialises, or InvalidModelFile with a message."""
    try:
        info = inspect_model(path)
    except InvalidModelFile as refusal:
        assert str(refusal)
    else:
        json.dumps(info.to_dict())


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def seed_archive(workdir: Path) -> bytes:
    """A .keras archive laid out as Keras 3 writes one, around the seed's records."""
    model_config, training = model_files.read_configs(SEED)
    model_config["compile_config"] = training
    path = workdir / "seed.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        archive.writestr("config.json", json.dumps(model_config))
        archive.writestr("model.weights.h5", SEED.read_bytes())
    return path.read_bytes()


# --- byte-level mutations -----------------------------------------------------------------------

def mutations(size: int) -> st.SearchStrategy:
    # Half the positions fall in the first 4 KB, where the HDF5 superblock and object headers are.
    position = st.one_of(st.integers(0, min(size, 4096) - 1), st.integers(0, size - 1))
    return st.lists(
        st.one_of(
            st.tuples(st.just("flip"), position, st.integers(1, 255)),
            st.tuples(st.just("truncate"), position),
            st.tuples(st.just("insert"), position, st.binary(min_size=1, max_size=64)),
            st.tuples(st.just("overwrite"), position, st.binary(min_size=1, max_size=16)),
        ),
        min_size=1,
        max_size=6,
    )


def mutate(data: bytes, steps: list[tuple]) -> bytes:
    buffer = bytearray(data)
    for step in steps:
        kind, position = step[0], min(step[1], len(buffer))
        if kind == "flip" and position < len(buffer):
            buffer[position] ^= step[2]
        elif kind == "truncate":
            del buffer[position:]
        elif kind == "insert":
            buffer[position:position] = step[2]
        elif kind == "overwrite":
            buffer[position:position + len(step[2])] = step[2]
    return bytes(buffer)


SEED_BYTES = SEED.read_bytes() if SEED.is_file() else b"\0"


@fuzz
@given(steps=mutations(len(SEED_BYTES)))
def test_mutated_real_h5_file_is_read_or_refused(workdir: Path, steps: list[tuple]):
    path = workdir / "mutated.h5"
    path.write_bytes(mutate(SEED_BYTES, steps))
    read_or_refuse(path)


@fuzz
@given(data=st.data())
def test_mutated_keras_archive_is_read_or_refused(workdir: Path, seed_archive: bytes, data):
    path = workdir / "mutated.keras"
    path.write_bytes(mutate(seed_archive, data.draw(mutations(len(seed_archive)))))
    read_or_refuse(path)


# --- JSON-level: any model_config and training_config ------------------------------------------

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-3, 30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
)
any_json = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=20,
)
names = st.sampled_from(["input_1", "dense", "dense_1", "lambda", "", "x"])
shapes = st.one_of(any_json, st.lists(st.one_of(st.none(), st.integers(-2, 64)), max_size=4))
activations = st.one_of(
    any_json,
    st.sampled_from(["softmax", "linear", "relu", "softmax_v2", "my_act"]),
    st.fixed_dictionaries(
        {"class_name": st.one_of(st.sampled_from(["function", "__lambda__", "LeakyReLU"]),
                                 st.text(max_size=6)),
         "config": st.one_of(any_json, st.sampled_from(["softmax", "my_act"]))},
        optional={"module": st.sampled_from(["keras.activations", "builtins", "os", None])},
    ),
)
node_specs = st.one_of(
    any_json,
    st.lists(st.one_of(names, st.integers(0, 2)), max_size=3),
    st.lists(st.lists(st.one_of(names, st.integers(0, 2)), max_size=3), max_size=2),
)
inbound_nodes = st.one_of(
    any_json,
    st.lists(st.lists(st.lists(st.one_of(names, st.integers(0, 1), st.just({})), max_size=4),
                      max_size=2), max_size=2),
    st.lists(st.fixed_dictionaries({"args": st.lists(st.fixed_dictionaries({
        "class_name": st.just("__keras_tensor__"),
        "config": st.fixed_dictionaries({"keras_history": node_specs})}), max_size=2)}),
        max_size=2),
)
layer_classes = st.one_of(
    st.sampled_from(["Dense", "InputLayer", "Activation", "Softmax", "Lambda", "Conv1D",
                     "Flatten", "TimeDistributed", "Bidirectional", "LSTM", "Pipeline",
                     "TFOpLambda", "MyLayer"]),
    st.text(max_size=8),
)


def layer_with(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {"class_name": layer_classes,
         "config": st.fixed_dictionaries({}, optional={
             "name": names, "units": st.one_of(st.integers(-1, 20), any_json),
             "filters": any_json, "activation": activations, "batch_input_shape": shapes,
             "batch_shape": shapes, "layer": inner, "cell": inner,
             "layers": st.lists(inner, max_size=3)})},
        optional={"name": names, "inbound_nodes": inbound_nodes,
                  "module": st.sampled_from(["keras.layers", "__main__", "os", None])},
    )


def model_with(layers: st.SearchStrategy) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {"class_name": st.sampled_from(["Sequential", "Functional", "Model", "MyModel"]),
         "config": st.one_of(
             st.lists(layers, max_size=4),
             st.fixed_dictionaries({"layers": st.lists(layers, max_size=5)}, optional={
                 "name": names, "input_layers": node_specs, "output_layers": node_specs,
                 "build_input_shape": shapes}),
         )},
    )


keras_shaped_models = st.recursive(
    layer_with(any_json), lambda children: st.one_of(model_with(children), layer_with(children)),
    max_leaves=12,
).map(lambda value: value if value["class_name"] in ("Sequential", "Functional") else
      {"class_name": "Sequential", "config": {"layers": [value]}})

losses = st.one_of(
    any_json,
    st.sampled_from(["mse", "sparse_categorical_crossentropy", "my_loss"]),
    st.fixed_dictionaries(
        {"class_name": st.one_of(st.sampled_from(["function", "LossFunctionWrapper",
                                                  "SparseCategoricalCrossentropy"]),
                                 st.text(max_size=6)),
         "config": st.one_of(any_json, st.fixed_dictionaries(
             {}, optional={"from_logits": any_json, "fn": any_json}))},
        optional={"module": st.sampled_from(["keras.losses", "builtins", "os"])},
    ),
)
training_configs = st.one_of(
    st.none(),
    any_json,
    st.fixed_dictionaries({}, optional={
        "loss": st.one_of(losses, st.lists(losses, max_size=2),
                          st.dictionaries(names, losses, max_size=2)),
        "metrics": any_json,
        "optimizer_config": st.one_of(any_json, st.fixed_dictionaries(
            {"class_name": st.one_of(st.text(max_size=12), any_json)})),
    }),
)
safe_text = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\0"),
                    max_size=200)
model_configs = st.one_of(keras_shaped_models, any_json, safe_text, st.binary(max_size=200))


@fuzz
@given(model_config=model_configs, training_config=training_configs, as_bytes=st.booleans())
def test_any_json_model_config_is_read_or_refused(workdir: Path, model_config, training_config,
                                                  as_bytes: bool):
    path = model_files.write_h5(workdir / "random.h5", model_config, training_config,
                                as_bytes=as_bytes)
    read_or_refuse(path)
