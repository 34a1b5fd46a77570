"""keras.constraints: projections applied to a weight after each optimizer update
(`variable.constraint`, set by Layer.add_weight; the optimizer assigns constraint(w) back)."""

from __future__ import annotations

from .. import ops
from ..backend import _config
from .._identifiers import identifier_functions

__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "serialize",
    "unit_norm",
]


class Constraint:
    """Mirrors keras.constraints.Constraint: `__call__(w)` -> the projected weight."""

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Rescale each slice along `axis` whose L2 norm exceeds max_value down to it:
    w * clip(n, 0, max_value) / (epsilon + n)."""

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        n = _norms(w, self.axis)
        desired = ops.clip(n, 0, self.max_value)
        return ops.multiply(w, ops.divide(desired, ops.add(_config.epsilon(), n)))

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """max(w, 0)."""

    def __call__(self, w):
        return ops.maximum(w, 0.0)


class UnitNorm(Constraint):
    """w / (epsilon + ||w||) along `axis`."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return ops.divide(w, ops.add(_config.epsilon(), _norms(w, self.axis)))

    def get_config(self) -> dict:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Norms pulled towards [min_value, max_value] at `rate`:
    w * (rate * clip(n, min, max) + (1 - rate) * n) / (epsilon + n)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        n = _norms(w, self.axis)
        desired = ops.add(ops.multiply(self.rate, ops.clip(n, self.min_value, self.max_value)),
                          ops.multiply(1 - self.rate, n))
        return ops.multiply(w, ops.divide(desired, ops.add(_config.epsilon(), n)))

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm
_NAMES = {"MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm,
          "max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "non_neg": NonNeg,
          "unit_norm": UnitNorm}


serialize, deserialize, get = identifier_functions("keras.constraints", "constraint", _NAMES)
