"""keras.regularizers: penalties on a weight (or an activation) that Layer.losses collects, so
`fit` adds them to the loss. L1: l1 * sum|w|; L2: l2 * sum w^2; L1L2 both; OrthogonalRegularizer
penalizes the mean |cosine| between distinct rows (or columns)."""

from __future__ import annotations

import math

from .. import ops
from .._identifiers import identifier_functions

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]


def validate_float_arg(value, name: str) -> float:
    if not isinstance(value, (float, int)) or math.isinf(value) or math.isnan(value) \
            or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float."
                         f"Received: {name}={value}")
    return float(value)


class Regularizer:
    """Mirrors keras.regularizers.Regularizer: `__call__(x)` -> a scalar penalty."""

    def __call__(self, x):
        return 0.0

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class L1(Regularizer):
    """l1 * sum(|x|)."""

    def __init__(self, l1=0.01):
        self.l1 = validate_float_arg(l1, "l1")

    def __call__(self, x):
        return ops.multiply(ops.cast(self.l1, x.dtype), ops.sum(ops.absolute(x)))

    def get_config(self) -> dict:
        return {"l1": float(self.l1)}


class L2(Regularizer):
    """l2 * sum(x^2)."""

    def __init__(self, l2=0.01):
        self.l2 = validate_float_arg(l2, "l2")

    def __call__(self, x):
        return ops.multiply(ops.cast(self.l2, x.dtype), ops.sum(ops.square(x)))

    def get_config(self) -> dict:
        return {"l2": self.l2}


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x^2) (Keras 3 defaults: both 0)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validate_float_arg(l1, "l1")
        self.l2 = validate_float_arg(l2, "l2")

    def __call__(self, x):
        total = ops.convert_to_tensor(0.0, dtype=x.dtype)
        if self.l1:
            total = ops.add(total, ops.multiply(ops.cast(self.l1, x.dtype),
                                                ops.sum(ops.absolute(x))))
        if self.l2:
            total = ops.add(total, ops.multiply(ops.cast(self.l2, x.dtype),
                                                ops.sum(ops.square(x))))
        return total

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """factor * mean over pairs of distinct rows ('rows') or columns of |cos(angle)|."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = validate_float_arg(factor, "factor")
        if mode not in {"rows", "columns"}:
            raise ValueError("Invalid value for argument `mode`. Expected one of "
                             f'{{"rows", "columns"}}. Received: mode={mode}')
        self.mode = mode

    def __call__(self, inputs):
        if len(inputs.shape) != 2:
            raise ValueError("Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={inputs.shape}")
        axis = 1 if self.mode == "rows" else 0
        x = ops.normalize(inputs, axis=axis)
        product = ops.matmul(x, ops.transpose(x)) if axis == 1 else ops.matmul(
            ops.transpose(x), x)
        size = inputs.shape[1 - axis]
        off = ops.multiply(product, ops.subtract(1.0, ops.eye(size, dtype=x.dtype.name)))
        pairs = size * (size - 1.0) / 2.0
        return ops.divide(ops.multiply(self.factor * 0.5, ops.sum(ops.absolute(off))), pairs)

    def get_config(self) -> dict:
        return {"factor": float(self.factor), "mode": self.mode}


l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer
_NAMES = {"L1": L1, "L2": L2, "L1L2": L1L2, "OrthogonalRegularizer": OrthogonalRegularizer,
          "l1": L1, "l2": L2, "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer}


serialize, deserialize, get = identifier_functions("keras.regularizers", "regularizer", _NAMES)
