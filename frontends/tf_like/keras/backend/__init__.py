"""keras.backend (Keras 3): configuration (floatx, epsilon, image_data_format), clear_session,
get_uid, dtype helpers, and the Variable and KerasTensor types (also keras.Variable and
keras.KerasTensor). `backend()` names this engine: "numpy" (the IR's NumPy executor)."""

from __future__ import annotations

from ._config import (
    epsilon,
    floatx,
    image_data_format,
    is_float_dtype,
    is_int_dtype,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    standardize_data_format,
    standardize_dtype,
)
from ._keras_tensor import KerasTensor, any_symbolic_tensors, is_keras_tensor
from ._state import clear_session, current_path, get_keras_mask, get_uid, name_scope, set_keras_mask
from ._variable import Variable


def backend() -> str:
    return "numpy"


def result_type(*dtypes) -> str:
    """keras.backend.result_type: the promoted dtype name of the given dtypes."""
    from ..ops._core import result_type as _result_type
    return _result_type(*(standardize_dtype(d) for d in dtypes)).name


__all__ = [
    "KerasTensor",
    "Variable",
    "any_symbolic_tensors",
    "backend",
    "clear_session",
    "current_path",
    "epsilon",
    "floatx",
    "get_keras_mask",
    "get_uid",
    "image_data_format",
    "is_float_dtype",
    "is_int_dtype",
    "is_keras_tensor",
    "name_scope",
    "result_type",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_keras_mask",
    "standardize_data_format",
    "standardize_dtype",
]
