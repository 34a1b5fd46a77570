"""keras.losses: Keras 3's loss functions and classes, `get`, `serialize`, `deserialize`."""

from __future__ import annotations

import inspect

from . import classes, functions
from .classes import *
from .classes import __all__ as _classes
from .functions import *
from .functions import __all__ as _functions
from .loss import Loss, reduce_weighted_values, squeeze_or_expand_to_same_rank  # noqa: F401

ALL_OBJECTS = {name: globals()[name] for name in ["Loss", *_classes, *_functions]}
ALL_OBJECTS_DICT = dict(ALL_OBJECTS)
# Keras's short aliases
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
})


def serialize(loss):
    """keras.losses.serialize: {"module", "class_name", "config", ...} for a Loss instance, the
    function name for a loss function."""
    if isinstance(loss, Loss):
        return {"module": "keras.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    if callable(loss) and getattr(loss, "__name__", None) in ALL_OBJECTS_DICT:
        return loss.__name__
    raise ValueError(f"Cannot serialize loss {loss!r}")


def deserialize(name, custom_objects=None):
    """keras.losses.deserialize: the inverse of `serialize`."""
    table = {**ALL_OBJECTS_DICT, **(custom_objects or {})}
    if isinstance(name, dict):
        cls = table.get(name["class_name"])
        if cls is None:
            raise ValueError(f"Could not interpret loss identifier: {name}")
        return cls.from_config(name.get("config", {}))
    if name in table:
        return table[name]
    raise ValueError(f"Could not interpret loss identifier: {name}")


def get(identifier):
    """keras.losses.get: a string name, config dict, function or Loss instance -> the loss (a
    class name gives an instance, a function name the function).

    Raises:
        ValueError: Keras's "Could not interpret loss identifier", plus the valid string names.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    valid = ", ".join(sorted(k for k in ALL_OBJECTS_DICT if k not in ("Loss",)))
    raise ValueError(f"Could not interpret loss identifier: {identifier}. Valid string "
                     f"identifiers: {valid}")


# the classes' and functions' own lists, plus this module's helpers (one list per module)
__all__ = ["Loss", "deserialize", "get", "reduce_weighted_values", "serialize"]
__all__ += classes.__all__
__all__ += functions.__all__
