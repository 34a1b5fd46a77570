"""torch.tensor's data conversion: nested lists, numbers, numpy arrays and scalars, tensors."""

from __future__ import annotations

import numpy as np

from core_ir.tensor import Tensor as _CoreTensor

from . import _dtypes


def as_array(x, dtype=None) -> np.ndarray:
    """torch.tensor's conversion: Python floats become the default float dtype, ints int64;
    numpy arrays and numpy scalars keep their dtype. Always a new array."""
    dtype = _dtypes.as_dtype(dtype)
    if isinstance(x, _CoreTensor):
        a = np.asarray(x.array)
        return np.array(a, dtype=dtype)
    if isinstance(x, (list, tuple)) and any(isinstance(e, _CoreTensor) for e in _flatten(x)):
        x = _nested_arrays(x)
    if isinstance(x, str) or (isinstance(x, (list, tuple)) and any(
            isinstance(e, str) for e in _flatten(x))):
        raise TypeError("new(): invalid data type 'str'")
    a = np.asarray(x)
    if dtype is not None:
        return np.array(a, dtype=dtype)
    native = isinstance(x, (np.ndarray, np.generic))
    if a.dtype.kind == "f" and not native:
        return a.astype(_dtypes.get_default_dtype())
    if a.dtype.kind in "iu" and not native:
        return a.astype(_dtypes.int64)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"can't convert np.ndarray of type {a.dtype}. The only supported types "
                        "are: float64, float32, float16, int64, int32, int16, int8, uint8, and "
                        "bool.")
    return np.array(a)


def _flatten(x):
    for e in x:
        if isinstance(e, (list, tuple)):
            yield from _flatten(e)
        else:
            yield e


def _nested_arrays(x):
    if isinstance(x, (list, tuple)):
        return [_nested_arrays(e) for e in x]
    if isinstance(x, _CoreTensor):
        a = np.asarray(x.array)
        if a.ndim and a.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return a.reshape(())
    return x
