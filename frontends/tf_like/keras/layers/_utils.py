"""Helpers shared by the layer modules: argument validation and config serialization."""

from __future__ import annotations

from .. import activations, constraints, initializers, regularizers
from ..backend import _config


def standardize_tuple(value, n: int, name: str, allow_zero: bool = False) -> tuple:
    """An int or n ints as a tuple of n positive ints (Keras's argument check)."""
    if isinstance(value, int):
        value = (value,) * n
    try:
        value = tuple(value)
    except TypeError:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received "
                         f"{name}={value}") from None
    if len(value) != n or not all(isinstance(v, int) for v in value):
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received "
                         f"{name}={value}")
    low = 0 if allow_zero else 1
    bad = [v for v in value if v < low]
    if bad:
        req = "{'>=', 0}" if allow_zero else "{'>', 0}"
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received "
                         f"{name}={value} including values {set(bad)} that do not satisfy "
                         f"`value {req}`")
    return value


def standardize_padding(value, allow_causal: bool = False) -> str:
    padding = str(value).lower()
    allowed = {"valid", "same", "causal"} if allow_causal else {"valid", "same"}
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be a list/tuple or one of {allowed}. "
                         f"Received: {value}")
    return padding


def standardize_data_format(value) -> str:
    return _config.standardize_data_format(value)


def ser_initializer(x):
    return None if x is None else initializers.serialize(x)


def ser_regularizer(x):
    return None if x is None else regularizers.serialize(x)


def ser_constraint(x):
    return None if x is None else constraints.serialize(x)


def ser_activation(x):
    return activations.serialize(x)
