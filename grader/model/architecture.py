"""What a model's recorded description says about its architecture: the layers in order,
models nested inside expanded, the input shape, the output units and the activation the output
actually goes through, and anything that would run the student's code when loaded."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from grader.model.compile_settings import loss_setting, metric_names, optimizer_setting
from grader.model.keras_names import (
    ACTIVATION_LAYERS,
    BUILTIN_ACTIVATIONS,
    BUILTIN_LAYER_CLASSES,
    CODE_CARRYING_LAYERS,
    MODEL_CLASSES,
    WRAPPER_LAYERS,
)
from grader.model.records import (
    MAX_NESTING,
    Malformed,
    SavedRecords,
    as_dict,
    as_text,
    foreign_module,
    is_int,
    layer_name,
)
from grader.results import Serialisable


@dataclasses.dataclass(frozen=True)
class LayerInfo(Serialisable):
    class_name: str  # e.g. "Dense", "Conv1D", "Activation", "Lambda"
    name: str
    units: int | None  # Dense units or convolution filters, when the layer has them
    # Canonical lower-case name ('softmax', 'linear', ...); None when the layer applies none.
    # Wrappers (TimeDistributed, Bidirectional) report the units and activation they wrap.
    activation: str | None


@dataclasses.dataclass(frozen=True)
class ModelInfo(Serialisable):
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


# --- the architecture -------------------------------------------------------------------------

def describe(path: Path, file_size: int, saved: SavedRecords) -> ModelInfo:
    model = saved.model_config
    if model["class_name"] in MODEL_CLASSES:
        _layers_of(model)  # a Sequential or Functional without a layer list is malformed
    output_path = [_layer_info(layer) for layer in _output_path(model, depth=0)]
    loss, from_logits, custom_loss = loss_setting(saved.training_config)
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
        optimizer=optimizer_setting(saved.training_config),
        metrics=tuple(metric_names(saved.training_config)),
        unsafe_objects=tuple(dict.fromkeys(unsafe)),
        has_weights=saved.has_weights,
        file_size=file_size,
    )


def _layers_of(model: dict[str, Any]) -> list[dict[str, Any]]:
    """The layer descriptions of a built-in model class, each checked to name its class."""
    config = model.get("config")
    # Keras 2.2.2 and older stored a Sequential's config as the bare list of layers.
    layers = config if isinstance(config, list) else as_dict(config).get("layers")
    if not isinstance(layers, list):
        raise Malformed(f"the {model['class_name']} model '{layer_name(model)}' lists no layers")
    for number, layer in enumerate(layers, start=1):
        if not isinstance(layer, dict) or not isinstance(layer.get("class_name"), str):
            raise Malformed(f"layer {number} of model '{layer_name(model)}' names no class")
    return layers


def _is_model(layer: dict[str, Any]) -> bool:
    return layer["class_name"] in MODEL_CLASSES


def _check_depth(depth: int) -> None:
    if depth > MAX_NESTING:
        raise Malformed(f"models or layers are nested more than {MAX_NESTING} deep")


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
    config = as_dict(model.get("config"))
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
    by_name = {layer_name(layer): layer for layer in layers}
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
    config = as_dict(model.get("config"))
    if "input_layers" in config:
        name = _first_node_name(config["input_layers"])
        first = next((layer for layer in layers if layer_name(layer) == name), None)
    else:
        first = layers[0] if layers else None
    if first is not None:
        # An InputLayer records batch_input_shape (Keras 2) or batch_shape (Keras 3); Keras 2.2
        # files without an InputLayer record batch_input_shape on the first layer.
        layer_config = as_dict(first.get("config"))
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
    if not all(dim is None or is_int(dim) for dim in value):
        return None
    return tuple(value)


def _layer_info(layer: dict[str, Any]) -> LayerInfo:
    class_name = layer["class_name"]
    config = as_dict(layer.get("config"))
    inner = config.get("layer")
    if class_name in WRAPPER_LAYERS and isinstance(inner, dict):
        measured_class, measured = as_text(inner.get("class_name")) or "", as_dict(inner.get("config"))
    else:
        measured_class, measured = class_name, config
    units = measured.get("units") if is_int(measured.get("units")) else measured.get("filters")
    return LayerInfo(
        class_name=class_name,
        name=layer_name(layer),
        units=units if is_int(units) else None,
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
    foreign = foreign_module(value) is not None
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


# --- what would run the student's code -------------------------------------------------------

def _unsafe_objects(model: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if not _is_model(model):
        found.append(f"custom model class '{model['class_name']}'")
    for layer in _all_layers(_layers_of(model) if _is_model(model) else [], depth=0):
        class_name, name = layer["class_name"], layer_name(layer)
        module = foreign_module(layer)
        if class_name in CODE_CARRYING_LAYERS:
            found.append(f"{class_name} layer '{name}'")
        elif class_name not in BUILTIN_LAYER_CLASSES and class_name not in MODEL_CLASSES:
            found.append(f"custom layer class '{class_name}'")
        elif module is not None:  # a built-in name, but Keras 3 would import it from elsewhere
            found.append(f"custom layer class '{class_name}' from module '{module}'")
        config = as_dict(layer.get("config"))
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
        config = as_dict(layer.get("config"))
        inner = [config.get(key) for key in ("layer", "forward_layer", "backward_layer", "cell")]
        for key in ("layers", "cells"):  # Pipeline, StackedRNNCells
            if isinstance(config.get(key), list):
                inner.extend(config[key])
        yield from _all_layers(
            [item for item in inner
             if isinstance(item, dict) and isinstance(item.get("class_name"), str)],
            depth + 1,
        )

