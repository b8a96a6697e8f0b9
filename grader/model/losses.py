"""Canonical names for Keras losses, so 'mse', 'MeanSquaredError' and 'mean_squared_error' compare equal."""
from __future__ import annotations

import re

# Canonical name -> every spelling Keras 2 and Keras 3 files use for it (lower-cased, no underscores).
_ALIASES: dict[str, tuple[str, ...]] = {
    "sparse_categorical_crossentropy": ("sparsecategoricalcrossentropy",),
    "categorical_crossentropy": ("categoricalcrossentropy",),
    "binary_crossentropy": ("binarycrossentropy",),
    "mean_squared_error": ("meansquarederror", "mse"),
    "mean_absolute_error": ("meanabsoluteerror", "mae"),
    "huber": ("huber", "huberloss"),
    "mean_squared_logarithmic_error": ("meansquaredlogarithmicerror", "msle"),
    "mean_absolute_percentage_error": ("meanabsolutepercentageerror", "mape"),
    "log_cosh": ("logcosh",),
    "hinge": ("hinge",),
    "kl_divergence": ("kldivergence", "kld", "kullbackleiblerdivergence"),
    "poisson": ("poisson",),
}
_LOOKUP = {alias: name for name, aliases in _ALIASES.items() for alias in aliases + (name.replace("_", ""),)}

KNOWN_LOSSES = frozenset(_ALIASES)


def canonical_loss(name: str) -> str:
    """The canonical snake_case name of a loss, or the name itself (lower-cased) when unknown."""
    key = re.sub(r"[^a-z]", "", name.rsplit(".", 1)[-1].lower())
    return _LOOKUP.get(key, name)
