"""Reading a saved Keras model without running it.

Students hand in files the grader must not trust: a Lambda layer carries marshalled Python
bytecode and a custom class needs the student's code, so the grader looks before Keras loads
anything. This module imports neither TensorFlow nor Keras and executes nothing from the file: it
reads the JSON a model file records about itself (HDF5 attributes in `.h5` files, `config.json`
in `.keras` zip archives) with h5py, json and zipfile.

Every way a file can be unreadable ends as `InvalidModelFile`, whose message tells the student
what is wrong with the file and how to save it again; a fuzzer holds the module to that.
"""
from __future__ import annotations

import dataclasses
import json
import lzma
import multiprocessing
import stat
import struct
import threading
import traceback
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py

from grader.model.keras_names import (
    ACTIVATION_LAYERS,
    BUILTIN_ACTIVATIONS,
    BUILTIN_LAYER_CLASSES,
    BUILTIN_LOSSES,
    CODE_CARRYING_LAYERS,
    MODEL_CLASSES,
    WRAPPER_LAYERS,
)
from grader.model.losses import KNOWN_LOSSES, canonical_loss
from grader.results import _Serialisable

# Real configs are far smaller (a ResNet-152 describes itself in about 1 MB); the cap keeps a zip
# bomb or a forged attribute from filling memory.
MAX_CONFIG_BYTES = 50 * 1024 * 1024
# Reading a real model's records takes well under a second; a file still being read after this
# is looping inside HDF5.
INSPECT_SECONDS = 20.0
MAX_METADATA_BYTES = 1024 * 1024
# Models inside models, wrappers inside wrappers. Real files go 2 or 3 deep; the cap keeps a
# forged config from exhausting Python's stack.
MAX_NESTING = 32

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members / an empty zip
# What h5py and zipfile raise on damaged input (their own error types derive from these).
_HDF5_ERRORS = (OSError, KeyError, ValueError, RuntimeError, TypeError)
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
               NotImplementedError, RuntimeError, zlib.error, lzma.LZMAError, struct.error)


class InvalidModelFile(Exception):
    """The file is not a Keras model the grader can read.

    str() is a sentence for the student naming the file, the cause and the fix.
    """


@dataclasses.dataclass(frozen=True)
class LayerInfo(_Serialisable):
    class_name: str  # e.g. "Dense", "Conv1D", "Activation", "Lambda"
    name: str
    units: int | None  # Dense units or convolution filters, when the layer has them
    # Canonical lower-case name ('softmax', 'linear', ...); None when the layer applies none.
    # Wrappers (TimeDistributed, Bidirectional) report the units and activation they wrap.
    activation: str | None


@dataclasses.dataclass(frozen=True)
class ModelInfo(_Serialisable):
    """What a model file says about itself, read without running it."""

    path: str
    file_format: str  # "h5" or "keras" (the Keras 3 zip format)
    keras_version: str | None
    backend: str | None
    model_class: str | None  # "Sequential", "Functional", "Model" (Keras 2.2's functional)
    input_shape: tuple[int | None, ...] | None  # without the batch dimension, e.g. (28, 28)
    layers: tuple[LayerInfo, ...]  # every layer in order, models nested inside expanded
    output_units: int | None  # units of the last layer on the output path that has units
    # The activation the output actually goes through: the last Dense's, unless a later layer
    # such as Activation('softmax') applies another; 'linear' when nothing does.
    output_activation: str | None
    loss: str | None  # canonical name; None when the model was saved without compile()
    loss_from_logits: bool
    optimizer: str | None  # e.g. "Adam"; None when the file does not record it
    metrics: tuple[str, ...]  # as recorded, e.g. ("accuracy",) or ("acc",)
    unsafe_objects: tuple[str, ...]  # e.g. "Lambda layer 'lambda_1'"; empty when safe to load
    has_weights: bool
    file_size: int


def inspect_model(path: str | Path, timeout_seconds: float = INSPECT_SECONDS) -> ModelInfo:
    """Describe the model saved at `path`; raise `InvalidModelFile` when it cannot be read.

    The reading happens in a child process: a crafted file can send HDF5's C library into an
    endless loop (the fuzzer found one in a damaged heap), which no Python code can interrupt.
    After `timeout_seconds` the child is killed and the file is called damaged."""
    return _READER.inspect(Path(path), timeout_seconds)


class _Reader:
    """One child process that reads model files for this process, one file at a time, started
    again when a file hangs or crashes it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._child = None
        self._pipe = None

    def inspect(self, path: Path, timeout_seconds: float) -> ModelInfo:
        with self._lock:
            if self._child is None or not self._child.is_alive():
                self._start()
            self._pipe.send(path)
            if not self._pipe.poll(timeout_seconds):
                self._stop()
                raise InvalidModelFile(_corrupt(path, f"reading its records did not end within {timeout_seconds:g} s"))
            try:
                outcome, value = self._pipe.recv()
            except EOFError:  # the child died on this file
                exit_code = self._stop()
                if exit_code is not None and exit_code < 0:  # a signal: libhdf5 crashed
                    raise InvalidModelFile(_corrupt(path, "HDF5 crashed while reading it")) from None
                raise RuntimeError(f"the inspector's process ended with code {exit_code} on {path.name}") from None
        if outcome == "bug":
            raise RuntimeError(f"the inspector failed on {path.name}: {value}")
        if outcome == "invalid":
            raise InvalidModelFile(value)
        return value

    def _start(self) -> None:
        # forkserver: children come from a clean process, never from one of the batch's threads.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["grader.model.inspector"])
        self._pipe, child_end = context.Pipe()
        self._child = context.Process(target=_serve, args=(child_end,), daemon=True, name="grader-inspector")
        self._child.start()
        child_end.close()

    def _stop(self) -> int | None:
        self._child.kill()
        self._child.join()
        self._pipe.close()
        exit_code, self._child = self._child.exitcode, None
        return exit_code


def _serve(pipe) -> None:
    """The child's loop: a path in; ("info", ModelInfo), ("invalid", message) or ("bug", traceback) out."""
    while True:
        try:
            path = pipe.recv()
        except EOFError:  # the grader is done
            return
        try:
            pipe.send(("info", _inspect_here(path)))
        except InvalidModelFile as refusal:
            pipe.send(("invalid", str(refusal)))
        except Exception:
            pipe.send(("bug", traceback.format_exc(limit=5)))


_READER = _Reader()


def _inspect_here(path: Path) -> ModelInfo:
    file_size, head = _read_head(path)
    try:
        if head.startswith(_ZIP_SIGNATURES):
            saved = _read_keras_archive(path)
        else:
            saved = _read_hdf5(path, head)
        return _describe(path, file_size, saved)
    except _Malformed as problem:
        where = "config.json" if head.startswith(_ZIP_SIGNATURES) else "model_config"
        raise InvalidModelFile(
            f"{path.name} records a malformed model description ({where}): {problem}; "
            f"save the model again with {_save_advice(path)}"
        ) from None


class _Malformed(Exception):
    """The recorded JSON is not a model description; inspect_model names the file."""


@dataclasses.dataclass(frozen=True)
class _SavedModel:
    """The raw records of a model file, whatever its container."""

    file_format: str
    model_config: dict[str, Any]
    training_config: dict[str, Any] | None  # compile settings; None when saved uncompiled
    keras_version: str | None
    backend: str | None
    has_weights: bool


# --- the container: HDF5 file or .keras zip archive --------------------------------------------

def _read_head(path: Path) -> tuple[int, bytes]:
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise InvalidModelFile(
                f"{path.name} is a directory (perhaps a TensorFlow SavedModel), not a model "
                f"file; save the model with {_save_advice(path)}"
            )
        if not stat.S_ISREG(status.st_mode):
            raise InvalidModelFile(f"{path.name} is not a regular file")
        with path.open("rb") as stream:
            head = stream.read(len(_HDF5_SIGNATURE))
    except FileNotFoundError:
        raise InvalidModelFile(f"{path.name} does not exist") from None
    except OSError as error:
        raise InvalidModelFile(f"{path.name} cannot be read ({error.strerror})") from None
    if status.st_size == 0:
        raise InvalidModelFile(
            f"{path.name} is empty (0 bytes): the model was never written; save it with "
            f"{_save_advice(path)}"
        )
    return status.st_size, head


def _read_hdf5(path: Path, head: bytes) -> _SavedModel:
    if path.suffix.lower() == ".keras":
        # Keras 3 opens every .keras file as a zip archive, so this one would never load.
        is_hdf5 = head.startswith(_HDF5_SIGNATURE)
        found = "an HDF5 file" if is_hdf5 else f"a file starting with {head!r}"
        rename = f", or rename it {path.stem}.h5" if is_hdf5 else ""
        raise InvalidModelFile(
            f"{path.name} is not a .keras zip archive (it is {found}); save the model with "
            f'model.save("{path.stem}.keras"){rename}'
        )
    try:
        file = h5py.File(path, "r", locking=False)
    except _HDF5_ERRORS:
        if head.startswith(_HDF5_SIGNATURE):
            raise InvalidModelFile(_corrupt(path, "HDF5 could not open it")) from None
        raise InvalidModelFile(
            f"{path.name} is not an HDF5 file (it starts with {head[:4]!r}); save the model "
            f"with {_save_advice(path)}"
        ) from None
    try:
        with file:
            return _read_hdf5_records(path, file)
    except _HDF5_ERRORS:
        raise InvalidModelFile(_corrupt(path, "HDF5 could not read its records")) from None


def _read_hdf5_records(path: Path, file: h5py.File) -> _SavedModel:
    config_text = _attribute_text(file, "model_config")
    if config_text is None:
        raise InvalidModelFile(_no_model_config(path, file))
    training_text = _attribute_text(file, "training_config")
    return _SavedModel(
        file_format="h5",
        model_config=_parse_model_config(config_text),
        training_config=_parse_training_config(training_text),
        keras_version=_optional_attribute_text(file, "keras_version"),
        backend=_optional_attribute_text(file, "backend"),
        has_weights=_holds_weights(file),
    )


def _attribute_text(file: h5py.File, key: str) -> str | None:
    """A text attribute of the root group; None when absent."""
    if key not in file.attrs:
        return None
    # Look at the attribute's size before reading it: a forged dataspace can claim terabytes.
    attribute = file.attrs.get_id(key)
    if attribute.shape not in ((), (1,)) or attribute.get_storage_size() > MAX_CONFIG_BYTES:
        raise _Malformed(f"the '{key}' attribute is not a single text value")
    value = file.attrs[key]
    if hasattr(value, "shape") and value.shape == (1,):  # some writers store a 1-element array
        value = value[0]
    if isinstance(value, bytes):  # numpy.bytes_ included; Keras 2.2 wrote bytes
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise _Malformed(f"the '{key}' attribute is not UTF-8 text") from None
    if isinstance(value, str):
        return value
    raise _Malformed(f"the '{key}' attribute is not text")


def _optional_attribute_text(file: h5py.File, key: str) -> str | None:
    """Provenance the grader only reports; a damaged one is as good as none."""
    try:
        return _attribute_text(file, key)
    except _Malformed:
        return None


def _no_model_config(path: Path, file: h5py.File) -> str:
    # Keras 2's save_weights() writes "layer_names"; Keras 3's .weights.h5 has layers/ and vars/.
    weights_only = "layer_names" in file.attrs or "layers" in file or "vars" in file
    cause = ("it was saved with save_weights()" if weights_only
             else "it is an HDF5 file but not a saved Keras model")
    return (f"{path.name} holds no model_config: {cause}; save the whole model with "
            f"{_save_advice(path)}")


def _holds_weights(file: h5py.File) -> bool:
    # Only a hard link is followed: an external link would make h5py open another file.
    if not isinstance(file.get("model_weights", getlink=True), h5py.HardLink):
        return False
    group = file["model_weights"]
    if not isinstance(group, h5py.Group):
        return False
    found = group.visititems(lambda _name, item: True if isinstance(item, h5py.Dataset) else None)
    return found is True


def _read_keras_archive(path: Path) -> _SavedModel:
    if path.suffix.lower() != ".keras":
        # Keras picks the reader from the extension, so this file would never load as named.
        raise InvalidModelFile(
            f"{path.name} is not an HDF5 file (it starts with {_ZIP_SIGNATURES[0]!r}, a zip "
            f"archive such as a Keras 3 .keras file); save the model with "
            f'model.save("{path.stem}.h5"), or name the archive {path.stem}.keras'
        )
    try:
        with zipfile.ZipFile(path) as archive:
            config_text = _member_text(path, archive, "config.json", MAX_CONFIG_BYTES)
            metadata_text = _member_text(path, archive, "metadata.json", MAX_METADATA_BYTES)
            weights = _member(archive, "model.weights.h5")
    except _ZIP_ERRORS:
        raise InvalidModelFile(_corrupt(path, "its zip archive could not be read")) from None
    if config_text is None:
        raise InvalidModelFile(
            f"{path.name} is a zip archive without config.json, so not a saved Keras model; "
            f"save the model with {_save_advice(path)}"
        )
    model_config = _parse_model_config(config_text)
    metadata = _parse_metadata(metadata_text)
    compile_config = model_config.get("compile_config")
    return _SavedModel(
        file_format="keras",
        model_config=model_config,
        # An uncompiled model records {} or null.
        training_config=compile_config if isinstance(compile_config, dict) and compile_config
        else None,
        keras_version=_text(metadata.get("keras_version")),
        backend=_text(metadata.get("backend")),
        has_weights=weights is not None and weights.file_size > 0,
    )


def _member(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    try:
        return archive.getinfo(name)
    except KeyError:
        return None


def _member_text(path: Path, archive: zipfile.ZipFile, name: str, limit: int) -> str | None:
    info = _member(archive, name)
    if info is None:
        return None
    too_big = InvalidModelFile(
        f"{path.name}: its {name} is larger than {limit // (1024 * 1024)} MB, far beyond any "
        f"real model; the grader refuses to read it"
    )
    if info.file_size > limit:
        raise too_big
    # The header's size can lie: read at most one byte past the limit, whatever it says.
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise too_big
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _Malformed(f"{name} is not UTF-8 text") from None


def _corrupt(path: Path, detail: str) -> str:
    return (f"{path.name} is truncated or corrupt ({detail}); save the model again with "
            f"{_save_advice(path)} and check the copy is complete")


def _save_advice(path: Path) -> str:
    suffix = ".keras" if path.suffix.lower() == ".keras" else ".h5"
    stem = path.stem.removesuffix(".weights")  # from "mymodel.weights.h5", Keras 3's weights name
    return f'model.save("{stem}{suffix}")'


# --- the JSON records -------------------------------------------------------------------------

def _parse_json(text: str, what: str) -> Any:
    if len(text) > MAX_CONFIG_BYTES:
        raise _Malformed(f"{what} is larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MB")
    try:
        return json.loads(text)
    except RecursionError:
        raise _Malformed(f"{what} is nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, and integers too long to convert
        raise _Malformed(f"{what} is not valid JSON ({error})") from None


def _parse_model_config(text: str) -> dict[str, Any]:
    config = _parse_json(text, "the model description")
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise _Malformed("it does not name a model class")
    return config


def _parse_training_config(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    config = _parse_json(text, "training_config")
    return config if isinstance(config, dict) else None


def _parse_metadata(text: str | None) -> dict[str, Any]:
    """metadata.json only records provenance, so a damaged one is treated as missing."""
    if text is None:
        return {}
    try:
        metadata = _parse_json(text, "metadata.json")
    except _Malformed:
        return {}
    return metadata if isinstance(metadata, dict) else {}


# --- the architecture -------------------------------------------------------------------------

def _describe(path: Path, file_size: int, saved: _SavedModel) -> ModelInfo:
    model = saved.model_config
    if model["class_name"] in MODEL_CLASSES:
        _layers_of(model)  # a Sequential or Functional without a layer list is malformed
    output_path = [_layer_info(layer) for layer in _output_path(model, depth=0)]
    loss, from_logits, custom_loss = _loss(saved.training_config)
    unsafe = _unsafe_objects(model)
    if custom_loss is not None:
        unsafe.append(f"custom loss '{custom_loss}'")
    return ModelInfo(
        path=str(path),
        file_format=saved.file_format,
        keras_version=saved.keras_version,
        backend=saved.backend,
        model_class=model["class_name"],
        input_shape=_input_shape(model, depth=0),
        layers=tuple(_layer_info(layer) for layer in _expanded_layers(model, depth=0)),
        output_units=next((layer.units for layer in reversed(output_path)
                           if layer.units is not None), None),
        output_activation=_effective_activation(output_path),
        loss=loss,
        loss_from_logits=from_logits,
        optimizer=_optimizer(saved.training_config),
        metrics=tuple(_metric_names(saved.training_config)),
        unsafe_objects=tuple(dict.fromkeys(unsafe)),
        has_weights=saved.has_weights,
        file_size=file_size,
    )


def _layers_of(model: dict[str, Any]) -> list[dict[str, Any]]:
    """The layer descriptions of a built-in model class, each checked to name its class."""
    config = model.get("config")
    # Keras 2.2.2 and older stored a Sequential's config as the bare list of layers.
    layers = config if isinstance(config, list) else _dict(config).get("layers")
    if not isinstance(layers, list):
        raise _Malformed(f"the {model['class_name']} model '{_layer_name(model)}' lists no layers")
    for number, layer in enumerate(layers, start=1):
        if not isinstance(layer, dict) or not isinstance(layer.get("class_name"), str):
            raise _Malformed(f"layer {number} of model '{_layer_name(model)}' names no class")
    return layers


def _is_model(layer: dict[str, Any]) -> bool:
    return layer["class_name"] in MODEL_CLASSES


def _check_depth(depth: int) -> None:
    if depth > MAX_NESTING:
        raise _Malformed(f"models or layers are nested more than {MAX_NESTING} deep")


def _expanded_layers(model: dict[str, Any], depth: int) -> Iterator[dict[str, Any]]:
    _check_depth(depth)
    if not _is_model(model):
        return
    for layer in _layers_of(model):
        if _is_model(layer):
            yield from _expanded_layers(layer, depth + 1)
        else:
            yield layer


def _output_path(model: dict[str, Any], depth: int) -> list[dict[str, Any]]:
    """The layers from the input to the (first) output, models nested inside expanded."""
    _check_depth(depth)
    if not _is_model(model):
        return []
    layers = _layers_of(model)
    config = _dict(model.get("config"))
    if "output_layers" in config:
        path = _functional_path(layers, _first_node_name(config["output_layers"]))
    else:
        path = layers
    expanded: list[dict[str, Any]] = []
    for layer in path:
        expanded.extend(_output_path(layer, depth + 1) if _is_model(layer) else [layer])
    return expanded


def _functional_path(layers: list[dict[str, Any]], output: str | None) -> list[dict[str, Any]]:
    """Walk back from the output layer along each layer's first input."""
    by_name = {_layer_name(layer): layer for layer in layers}
    path: list[dict[str, Any]] = []
    name = output
    while name in by_name and len(path) < len(layers):  # the bound stops a forged cycle
        layer = by_name[name]
        path.append(layer)
        name = _first_history_name(layer.get("inbound_nodes"))
    return path[::-1]


def _first_node_name(spec: Any) -> str | None:
    """The layer named by input_layers / output_layers: [["dense", 0, 0]] (Keras 2),
    ["dense", 0, 0] (Keras 3, one tensor) or a dict of them."""
    for _ in range(MAX_NESTING):
        if isinstance(spec, dict):
            spec = next(iter(spec.values()), None)
        elif isinstance(spec, list) and spec:
            if isinstance(spec[0], str):
                return spec[0]
            spec = spec[0]
        else:
            return None
    return None


def _first_history_name(nodes: Any) -> str | None:
    """The layer feeding a layer's first inbound node: Keras 2 records [[["dense", 0, 0, {}]]],
    Keras 3 [{"args": [{"config": {"keras_history": ["dense", 0, 0]}}]}]."""
    if not isinstance(nodes, list) or not nodes:
        return None
    pending = [nodes[0]]
    for _ in range(10_000):  # a depth-first search with a budget instead of recursion
        if not pending:
            return None
        item = pending.pop()
        if isinstance(item, dict):
            history = item.get("keras_history")
            if isinstance(history, list) and history and isinstance(history[0], str):
                return history[0]
            pending.extend(reversed(list(item.values())))
        elif isinstance(item, list) and item:
            if isinstance(item[0], str):
                return item[0]
            pending.extend(reversed(item))
    return None


def _input_shape(model: dict[str, Any], depth: int) -> tuple[int | None, ...] | None:
    _check_depth(depth)
    if not _is_model(model):
        return None
    layers = _layers_of(model)
    config = _dict(model.get("config"))
    if "input_layers" in config:
        name = _first_node_name(config["input_layers"])
        first = next((layer for layer in layers if _layer_name(layer) == name), None)
    else:
        first = layers[0] if layers else None
    if first is not None:
        # An InputLayer records batch_input_shape (Keras 2) or batch_shape (Keras 3); Keras 2.2
        # files without an InputLayer record batch_input_shape on the first layer.
        layer_config = _dict(first.get("config"))
        for key in ("batch_shape", "batch_input_shape"):
            shape = _shape(layer_config.get(key))
            if shape is not None:
                return shape[1:]
        if _is_model(first):
            inner = _input_shape(first, depth + 1)
            if inner is not None:
                return inner
    # A Sequential built later with model.build(shape) or by its first call records only this.
    built = _shape(config.get("build_input_shape"))
    return built[1:] if built is not None else None


def _shape(value: Any) -> tuple[int | None, ...] | None:
    """A batch shape such as [null, 28, 28]; None for anything else (unknown or several inputs)."""
    if not isinstance(value, list) or not value:
        return None
    if not all(dim is None or _is_int(dim) for dim in value):
        return None
    return tuple(value)


def _layer_info(layer: dict[str, Any]) -> LayerInfo:
    class_name = layer["class_name"]
    config = _dict(layer.get("config"))
    inner = config.get("layer")
    if class_name in WRAPPER_LAYERS and isinstance(inner, dict):
        measured_class, measured = _text(inner.get("class_name")) or "", _dict(inner.get("config"))
    else:
        measured_class, measured = class_name, config
    units = measured.get("units") if _is_int(measured.get("units")) else measured.get("filters")
    return LayerInfo(
        class_name=class_name,
        name=_layer_name(layer),
        units=units if _is_int(units) else None,
        activation=_layer_activation(measured_class, measured),
    )


def _layer_activation(class_name: str, config: dict[str, Any]) -> str | None:
    if class_name in ACTIVATION_LAYERS:
        return ACTIVATION_LAYERS[class_name]
    if "activation" in config:
        return _activation(config["activation"])[0]
    return None


def _effective_activation(output_path: list[LayerInfo]) -> str:
    # Walking back from the output: a layer with units ends the search with its own activation;
    # before that, any layer applying a non-linear activation (Activation, Softmax, ...) is the
    # last thing the output goes through.
    for layer in reversed(output_path):
        if layer.units is not None:
            return layer.activation or "linear"
        if layer.activation not in (None, "linear"):
            return layer.activation
    return "linear"


def _activation(value: Any) -> tuple[str | None, bool]:
    """(canonical name, whether it is custom code) for an activation as a config records it:
    "relu", null, or a Keras 3 dict such as {"class_name": "function", "config": "softmax"}."""
    if value is None:
        return "linear", False
    if isinstance(value, str):
        return _builtin_activation(value)
    if not isinstance(value, dict):
        return None, False
    class_name, config = value.get("class_name"), value.get("config")
    foreign = _foreign_module(value) is not None
    if class_name == "function" and isinstance(config, str):
        name, custom = _builtin_activation(config)
        return name, custom or foreign
    if class_name == "__lambda__":  # Keras 3's record of a Python lambda: marshalled bytecode
        return "<lambda>", True
    if class_name in ACTIVATION_LAYERS:  # Keras 2 accepts a layer such as LeakyReLU() here
        return ACTIVATION_LAYERS[class_name], foreign
    if isinstance(class_name, str):
        return class_name, True
    return None, False


def _builtin_activation(name: str) -> tuple[str, bool]:
    # tf.nn functions are recorded by their Python names, e.g. "softmax_v2".
    canonical = name.rsplit(".", 1)[-1].lower().removesuffix("_v2")
    return canonical, canonical not in BUILTIN_ACTIVATIONS


def _foreign_module(value: dict[str, Any]) -> str | None:
    """The module a Keras 3 record points at when it is not Keras's own; loading imports it."""
    module = value.get("module")
    if not isinstance(module, str) or module in ("keras", "tf_keras", "builtins"):
        return None
    if module.startswith(("keras.", "tf_keras.")):
        return None
    return module


# --- what would run the student's code -------------------------------------------------------

def _unsafe_objects(model: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if not _is_model(model):
        found.append(f"custom model class '{model['class_name']}'")
    for layer in _all_layers(_layers_of(model) if _is_model(model) else [], depth=0):
        class_name, name = layer["class_name"], _layer_name(layer)
        module = _foreign_module(layer)
        if class_name in CODE_CARRYING_LAYERS:
            found.append(f"{class_name} layer '{name}'")
        elif class_name not in BUILTIN_LAYER_CLASSES and class_name not in MODEL_CLASSES:
            found.append(f"custom layer class '{class_name}'")
        elif module is not None:  # a built-in name, but Keras 3 would import it from elsewhere
            found.append(f"custom layer class '{class_name}' from module '{module}'")
        config = _dict(layer.get("config"))
        for key in ("activation", "recurrent_activation"):
            if key in config:
                activation, custom = _activation(config[key])
                if custom:
                    found.append(f"custom activation '{activation}'")
    return found


def _all_layers(layers: list[dict[str, Any]], depth: int) -> Iterator[dict[str, Any]]:
    """Every layer, including those inside nested models, wrappers and RNN cells."""
    _check_depth(depth)
    for layer in layers:
        yield layer
        if _is_model(layer):
            yield from _all_layers(_layers_of(layer), depth + 1)
            continue
        config = _dict(layer.get("config"))
        inner = [config.get(key) for key in ("layer", "forward_layer", "backward_layer", "cell")]
        for key in ("layers", "cells"):  # Pipeline, StackedRNNCells
            if isinstance(config.get(key), list):
                inner.extend(config[key])
        yield from _all_layers(
            [item for item in inner
             if isinstance(item, dict) and isinstance(item.get("class_name"), str)],
            depth + 1,
        )


# --- the compile settings ---------------------------------------------------------------------

def _loss(training: dict[str, Any] | None) -> tuple[str | None, bool, str | None]:
    """(canonical name, from_logits, the name again when it is a custom loss)."""
    if training is None:
        return None, False, None
    value = _first_of(training.get("loss"))
    from_logits, foreign = False, False
    if isinstance(value, dict) and isinstance(value.get("class_name"), str):
        # A serialized Loss object (Keras 2: class_name + config with "fn"; Keras 3 adds module).
        class_name, config = value["class_name"], value.get("config")
        from_logits = _dict(config).get("from_logits") is True
        foreign = _foreign_module(value) is not None
        if class_name == "function":
            name = config
        elif class_name == "LossFunctionWrapper":
            name = _dict(config).get("fn")
        else:
            name = class_name
    else:
        name = value
    if not isinstance(name, str) or not name:
        return None, from_logits, None
    builtin = (canonical_loss(name) in KNOWN_LOSSES or name in BUILTIN_LOSSES) and not foreign
    return canonical_loss(name), from_logits, None if builtin else name


def _first_of(value: Any) -> Any:
    """The first of several losses: a list per output, or a dict keyed by output name."""
    for _ in range(MAX_NESTING):
        if isinstance(value, list):
            value = value[0] if value else None
        elif isinstance(value, dict) and "class_name" not in value:
            value = next(iter(value.values()), None)
        else:
            return value
    return None


def _metric_names(training: dict[str, Any] | None) -> list[str]:
    if training is None:
        return []
    names: list[str] = []
    pending = [training.get("metrics")]
    for _ in range(10_000):  # Keras 2 nests them per output: [[{"class_name": ...}]]
        if not pending:
            break
        item = pending.pop()
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, list):
            pending.extend(reversed(item))
        elif isinstance(item, dict) and isinstance(item.get("class_name"), str):
            config = item.get("config")
            if isinstance(config, str):  # Keras 3's record of a metric function
                names.append(config)
            elif isinstance(_dict(config).get("name"), str):
                names.append(config["name"])
            else:
                names.append(item["class_name"])
        elif isinstance(item, dict):  # metrics per output name
            pending.extend(reversed(list(item.values())))
    return names


def _optimizer(training: dict[str, Any] | None) -> str | None:
    if training is None:
        return None
    # .h5 files record "optimizer_config"; a .keras compile_config may record "optimizer".
    value = training.get("optimizer_config", training.get("optimizer"))
    if isinstance(value, dict):
        value = value.get("class_name")
    # Keras 2.11+ registers its own optimizers as "Custom>Adam".
    return value.rsplit(">", 1)[-1] if isinstance(value, str) and value else None


# --- typed access to untrusted JSON -----------------------------------------------------------

def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _layer_name(layer: dict[str, Any]) -> str:
    # Functional models record the name beside the config as well as inside it.
    return _text(layer.get("name")) or _text(_dict(layer.get("config")).get("name")) or ""
