"""tf.dtypes: TensorFlow's dtype names over numpy dtype objects.

Differences from TF: a dtype is a `numpy.dtype` (so `tf.float32 == np.float32` holds, and
`.name` is the same), which has no `is_floating`/`as_numpy_dtype`; use `dtypes.is_floating(d)`
and friends below. bfloat16, complex and string dtypes do not exist in the IR.
"""

from __future__ import annotations

import builtins

import numpy as np

float16 = half = np.dtype("float16")
float32 = np.dtype("float32")
float64 = double = np.dtype("float64")
int8, int16, int32, int64 = (np.dtype(n) for n in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (np.dtype(n) for n in ("uint8", "uint16", "uint32", "uint64"))
bool = np.dtype("bool")  # noqa: A001  (tf.bool)
DType = np.dtype
string = np.dtype(object)  # tf.string: host-side only (see _strings.py), never in the IR

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool)
# TF's own names in op error messages (DataTypeString): float32 is "float", float64 "double".
_TF_NAMES = {float16: "half", float32: "float", float64: "double"}
# Python types as TF converts them (tf.as_dtype(float) is float32, not numpy's float64).
_PYTHON = {builtins.float: float32, builtins.int: int32, builtins.bool: bool}


def as_dtype(type_value) -> np.dtype:
    """tf.as_dtype: a dtype from a dtype, a numpy type, a name ('float32') or a Python type."""
    if isinstance(type_value, type) and type_value in _PYTHON:
        return _PYTHON[type_value]
    if isinstance(type_value, str) and type_value == "string" or isinstance(
            type_value, np.dtype) and type_value == string:
        return string
    try:
        d = np.dtype(type_value)
    except TypeError:
        d = None
    if d is None or d not in _ALL:
        raise TypeError(f"Cannot convert value {type_value!r} to a TensorFlow DType.")
    return d


def is_floating(d) -> builtins.bool:
    return np.dtype(d).kind == "f"


def is_integer(d) -> builtins.bool:
    return np.dtype(d).kind in "iu"


def is_bool(d) -> builtins.bool:
    return np.dtype(d).kind == "b"


def tf_name(d) -> str:
    """The name TF prints in op error messages (float, double, int32, ...)."""
    d = np.dtype(d)
    return _TF_NAMES.get(d, d.name)


def tf_repr(d) -> str:
    """TF's repr of a dtype: tf.float32."""
    return "tf.string" if np.dtype(d) == string else f"tf.{np.dtype(d).name}"


def cast(x, dtype, name=None):
    """tf.dtypes.cast (the same function as tf.cast)."""
    from ._ops import cast as _cast
    return _cast(x, dtype, name=name)


__all__ = ["float16", "half", "float32", "float64", "double", "int8", "int16", "int32", "int64",
           "uint8", "uint16", "uint32", "uint64", "bool", "DType", "as_dtype", "cast",
           "string"]
