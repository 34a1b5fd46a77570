"""Small builders used by VJP rules and frontends: constants, shape tensors, ones and zeros.
They are not ops; they call ops (or make constants) in whatever interpreter is current."""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..interpreters import constant
from ..tensor import Tensor

__all__ = ["const_ints", "const_like", "shape_tensor", "ones_like", "zeros_like", "full_like",
           "is_static"]


def const_ints(values) -> Tensor:
    """An int64 constant (axes, shapes, pads: ONNX passes these as tensors)."""
    return constant(np.asarray(values, dtype=dtypes.int64))


def const_like(value, like: Tensor) -> Tensor:
    """A scalar constant with like's dtype (and like's frontend class)."""
    return constant(value, like.dtype, cls=like.result_class)


def is_static(shape_: tuple) -> bool:
    return all(isinstance(d, int) for d in shape_)


def shape_tensor(t: Tensor) -> Tensor:
    """t's shape as an int64 tensor: a constant when static, a Shape node when symbolic."""
    return const_ints(t.shape) if is_static(t.shape) else shape(t)


def full_like(t: Tensor, value) -> Tensor:
    return expand(const_like(value, t), shape_tensor(t))


def ones_like(t: Tensor) -> Tensor:
    return full_like(t, 1)


def zeros_like(t: Tensor) -> Tensor:
    return full_like(t, 0)


# Cross-family imports stand at the end of each ops module: the families call each other.
from .shape import expand, shape  # noqa: E402
