"""torch dtypes. They are numpy dtype objects (the IR's type tags), so `x.dtype == torch.float32`
and `x.to(torch.int64)` work and cost nothing to translate; they print as numpy names
("float32", not "torch.float32") — a documented difference."""

from __future__ import annotations

import builtins

import numpy as np

float32 = float = np.dtype("float32")
float64 = double = np.dtype("float64")
float16 = half = np.dtype("float16")
int64 = long = np.dtype("int64")
int32 = int = np.dtype("int32")
int16 = short = np.dtype("int16")
int8 = np.dtype("int8")
uint8 = np.dtype("uint8")
bool = np.dtype("bool")  # noqa: A001  (torch.bool)

_default_float = float32


def get_default_dtype() -> np.dtype:
    return _default_float


def set_default_dtype(d) -> None:
    global _default_float
    d = np.dtype(d)
    if d.kind != "f":
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def as_dtype(d) -> np.dtype | None:
    """torch dtype, numpy dtype, Python type or string -> np.dtype (None stays None)."""
    if d is None:
        return None
    if d is builtins.float:
        return _default_float
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    return np.dtype(d)


def is_floating_point_dtype(d) -> builtins.bool:
    return np.dtype(d).kind == "f"


def _category(d: np.dtype) -> builtins.int:
    return {"b": 0, "u": 1, "i": 1, "f": 2}[d.kind]


def result_type(a, b) -> np.dtype:
    """torch's type promotion for a binary op. Dimensioned tensors win within a category; a
    scalar-like operand (a Python number or a 0-d tensor) only matters when its category is
    higher, and then a Python float means the default float (int tensor + 2.5 -> float32)."""
    da, a_scalar = _kind_of(a)
    db, b_scalar = _kind_of(b)
    if a_scalar == b_scalar:
        if _category(da) == _category(db):
            return np.promote_types(da, db)
        return da if _category(da) > _category(db) else db
    (tensor_d, _), (scalar_d, scalar) = ((da, a), (db, b)) if b_scalar else ((db, b), (da, a))
    if _category(scalar_d) <= _category(tensor_d):
        return tensor_d
    if isinstance(scalar, builtins.float):
        return _default_float
    return scalar_d


def _kind_of(x):
    """(dtype, is_scalar_like) of an operand: Python numbers and 0-d tensors are scalar-like."""
    if isinstance(x, builtins.bool):
        return bool, True
    if isinstance(x, builtins.int):
        return int64, True
    if isinstance(x, builtins.float):
        return _default_float, True
    return x.dtype, x.ndim == 0
