"""Random draws for layers (Dropout, GaussianNoise, ...), as IR ops: they draw from the
backend's generator (keras.utils.set_random_seed makes them repeat), and inside a traced train
step they draw afresh at every run."""

from __future__ import annotations

import numpy as np

from core_ir import ops as ir

from ..._tensor import call
from ._core import as_shape_tensor, tensor


def normal_like(x, mean=0.0, stddev=1.0):
    """N(mean, stddev^2) samples with x's shape and dtype."""
    return call(ir.random_normal_like, x, mean=float(mean), scale=float(stddev))


def uniform_like(x, minval=0.0, maxval=1.0):
    return call(ir.random_uniform_like, x, low=float(minval), high=float(maxval))


def dropout(x, rate: float, noise_shape=None):
    """Inverted dropout: kept entries scaled by 1 / (1 - rate). With `noise_shape` (None
    entries take x's size) one draw is shared along the axes where it is 1."""
    if noise_shape is None:
        ratio = tensor(np.asarray(rate, dtype=x.dtype))
        return call(ir.dropout, x, ratio, tensor(np.asarray(True)))[0]
    dims = [x_dim if d is None else d for d, x_dim in zip(noise_shape, _dims(x))]
    base = call(ir.expand, tensor(np.zeros((), x.dtype)), as_shape_tensor(dims))
    keep = call(ir.greater_or_equal, uniform_like(base), tensor(np.asarray(rate, x.dtype)))
    scale = tensor(np.asarray(1.0 / (1.0 - rate) if rate < 1 else 0.0, x.dtype))
    return call(ir.mul, x, call(ir.mul, call(ir.cast, keep, to=x.dtype), scale))


def _dims(x):
    from ._core import shape
    return shape(x)
