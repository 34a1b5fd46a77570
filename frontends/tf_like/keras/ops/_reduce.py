"""keras.ops reductions: sum, mean, max, min, prod, var, std, logsumexp, all, any,
argmax/argmin, cumsum, cumprod, count_nonzero."""

from __future__ import annotations

import numpy as np

from core_ir import ops as ir

from ..._tensor import call
from ._core import axes_list, cast, floating, ints, tensor
from ._math import (
    _bool,
    absolute,
    less,
    maximum,
    minimum,
    mod,
    multiply,
    not_equal,
    sqrt,
    square,
    subtract,
)
from ._operation import keras_op


# -- reductions ---------------------------------------------------------------------------------
def _reduce(op, x, axis, keepdims):
    x = tensor(x)
    axes = axes_list(axis, x.ndim)
    if not axes and x.ndim:
        return x
    return call(op, x, ints(axes), keepdims=int(bool(keepdims)))


@keras_op
def sum(x, axis=None, keepdims=False):
    x = tensor(x)
    if x.dtype == np.bool_:
        x = cast(x, "int32")
    return _reduce(ir.reduce_sum, x, axis, keepdims)


@keras_op
def mean(x, axis=None, keepdims=False):
    return _reduce(ir.reduce_mean, floating(x), axis, keepdims)


@keras_op
def max(x, axis=None, keepdims=False, initial=None):
    out = _reduce(ir.reduce_max, x, axis, keepdims)
    return out if initial is None else maximum(out, initial)


@keras_op
def min(x, axis=None, keepdims=False, initial=None):
    out = _reduce(ir.reduce_min, x, axis, keepdims)
    return out if initial is None else minimum(out, initial)


amax, amin = max, min


@keras_op
def prod(x, axis=None, keepdims=False, dtype=None):
    x = tensor(x) if dtype is None else cast(x, dtype)
    return _reduce(ir.reduce_prod, x, axis, keepdims)


@keras_op
def var(x, axis=None, keepdims=False):
    """The population variance (ddof 0), as Keras."""
    x = floating(x)
    centered = subtract(x, mean(x, axis=axis, keepdims=True))
    return mean(square(centered), axis=axis, keepdims=keepdims)


@keras_op
def std(x, axis=None, keepdims=False):
    return sqrt(var(x, axis=axis, keepdims=keepdims))


@keras_op
def logsumexp(x, axis=None, keepdims=False):
    return _reduce(ir.reduce_log_sum_exp, floating(x), axis, keepdims)


@keras_op
def all(x, axis=None, keepdims=False):
    return cast(_reduce(ir.reduce_min, cast(_bool(x), "int32"), axis, keepdims), "bool")


@keras_op
def any(x, axis=None, keepdims=False):
    return cast(_reduce(ir.reduce_max, cast(_bool(x), "int32"), axis, keepdims), "bool")


@keras_op
def count_nonzero(x, axis=None):
    return cast(sum(not_equal(x, 0), axis=axis), "int32")


def _arg(op, x, axis, keepdims):
    x = tensor(x)
    if axis is None:
        x, axis = call(ir.reshape, x, ints([-1])), 0
    return cast(call(op, x, axis=int(axis), keepdims=int(keepdims)), "int32")


@keras_op
def argmax(x, axis=None, keepdims=False):
    return _arg(ir.arg_max, x, axis, keepdims)


@keras_op
def argmin(x, axis=None, keepdims=False):
    return _arg(ir.arg_min, x, axis, keepdims)


@keras_op
def cumsum(x, axis=None, dtype=None):
    x = tensor(x) if dtype is None else cast(x, dtype)
    if axis is None:
        x, axis = call(ir.reshape, x, ints([-1])), 0
    return call(ir.cumsum, x, ints([int(axis)]))


@keras_op
def cumprod(x, axis=None, dtype=None):
    """exp(cumsum(log|x|)) with the sign tracked: exact for nonzero x; zeros give zeros."""
    x = floating(x) if dtype is None else cast(x, dtype)
    if axis is None:
        x, axis = call(ir.reshape, x, ints([-1])), 0
    mag = call(ir.exp, call(ir.cumsum, call(ir.log, absolute(x)), ints([int(axis)])))
    negatives = call(ir.cumsum, cast(less(x, 0), x.dtype), ints([int(axis)]))
    sign_ = subtract(1.0, multiply(2.0, mod(negatives, 2.0)))
    return multiply(mag, sign_)



__all__ = [
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "logsumexp",
    "max",
    "mean",
    "min",
    "prod",
    "std",
    "sum",
    "var",
]
