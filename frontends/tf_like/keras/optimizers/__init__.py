"""keras.optimizers: Keras 3's optimizers (formulas and defaults of Keras, CONVENTIONS.md),
`schedules`, `get`, `serialize`, `deserialize`."""

from __future__ import annotations

from . import schedules
from .elementwise import Adadelta, Ftrl, Lion
from .fused import SGD, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop
from .optimizer import Optimizer

ALL_OBJECTS = [Optimizer, Adam, SGD, RMSprop, Adadelta, AdamW, Adagrad, Adamax, Nadam, Ftrl,
               Lion]
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer):
    """keras.optimizers.serialize: {"module", "class_name", "config"}."""
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """keras.optimizers.deserialize (class names are case-insensitive for built-ins)."""
    name = config["class_name"]
    table = {**ALL_OBJECTS_DICT, **(custom_objects or {})}
    cls = table.get(name.lower()) if name.lower() in ALL_OBJECTS_DICT else table.get(name)
    if cls is None:
        valid = ", ".join(sorted(k for k in ALL_OBJECTS_DICT if k != "optimizer"))
        raise ValueError(f"Could not interpret optimizer identifier: {name}. Valid string "
                         f"identifiers: {valid}")
    return cls.from_config(config.get("config", {}), custom_objects=custom_objects) \
        if cls is not Optimizer else cls(**config.get("config", {}))


def get(identifier):
    """keras.optimizers.get: a name ("adam", case-insensitive), a config dict or an Optimizer.

    Raises:
        ValueError: Keras's "Could not interpret optimizer identifier", plus the valid names.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = deserialize({"class_name": identifier, "config": {}})
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lion",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]
