"""Element types of the IR.

The IR uses numpy's dtype objects as its type tags: they are hashable, print well and cost nothing
to translate in the eager path. No numpy *kernel* is used here; only the type objects.
"""

from __future__ import annotations

import numpy as np

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
uint8 = np.dtype("uint8")
uint16 = np.dtype("uint16")
uint32 = np.dtype("uint32")
uint64 = np.dtype("uint64")
bool_ = np.dtype("bool")

DEFAULT_FLOAT = float32  # both PyTorch and Keras default to float32
DEFAULT_INT = int64

FLOATS = frozenset({float16, float32, float64})
SIGNED_INTS = frozenset({int8, int16, int32, int64})
UNSIGNED_INTS = frozenset({uint8, uint16, uint32, uint64})
INTS = SIGNED_INTS | UNSIGNED_INTS
NUMERIC = FLOATS | INTS
ALL = NUMERIC | {bool_}

_SHORT = {
    float16: "f16", float32: "f32", float64: "f64", int8: "i8", int16: "i16", int32: "i32",
    int64: "i64", uint8: "u8", uint16: "u16", uint32: "u32", uint64: "u64", bool_: "bool",
}


def as_dtype(d) -> np.dtype:
    """Any dtype-like (np.float32, 'float32', np.dtype) -> the canonical np.dtype object."""
    return np.dtype(d)


def is_float(d: np.dtype) -> bool:
    return d in FLOATS


def short_name(d: np.dtype) -> str:
    """Compact name used by the graph printer: f32, i64, bool."""
    return _SHORT.get(d, str(d))
