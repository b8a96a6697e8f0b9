"""The compile settings a model file records: loss (and from_logits), metrics, optimizer."""
from __future__ import annotations

from typing import Any

from grader.model.keras_names import (
    BUILTIN_LOSSES,
)
from grader.model.losses import KNOWN_LOSSES, canonical_loss
from grader.model.records import MAX_NESTING, as_dict, foreign_module


def loss_setting(training: dict[str, Any] | None) -> tuple[str | None, bool, str | None]:
    """(canonical name, from_logits, the name again when it is a custom loss)."""
    if training is None:
        return None, False, None
    value = _first_of(training.get("loss"))
    from_logits, foreign = False, False
    if isinstance(value, dict) and isinstance(value.get("class_name"), str):
        # A serialized Loss object (Keras 2: class_name + config with "fn"; Keras 3 adds module).
        class_name, config = value["class_name"], value.get("config")
        from_logits = as_dict(config).get("from_logits") is True
        foreign = foreign_module(value) is not None
        if class_name == "function":
            name = config
        elif class_name == "LossFunctionWrapper":
            name = as_dict(config).get("fn")
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


def metric_names(training: dict[str, Any] | None) -> list[str]:
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
            elif isinstance(as_dict(config).get("name"), str):
                names.append(config["name"])
            else:
                names.append(item["class_name"])
        elif isinstance(item, dict):  # metrics per output name
            pending.extend(reversed(list(item.values())))
    return names


def optimizer_setting(training: dict[str, Any] | None) -> str | None:
    if training is None:
        return None
    # .h5 files record "optimizer_config"; a .keras compile_config may record "optimizer".
    value = training.get("optimizer_config", training.get("optimizer"))
    if isinstance(value, dict):
        value = value.get("class_name")
    # Keras 2.11+ registers its own optimizers as "Custom>Adam".
    return value.rsplit(">", 1)[-1] if isinstance(value, str) and value else None

