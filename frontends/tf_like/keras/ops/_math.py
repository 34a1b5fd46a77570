"""keras.ops numpy-style math: elementwise arithmetic, comparisons, reductions, linear algebra."""

from __future__ import annotations

import numpy as np

from core_ir import ops as ir

from ..._tensor import call
from ..backend import _config
from ._core import cast, floating, promote, tensor
from ._operation import keras_op


def _binary(op, a, b):
    a, b = promote(a, b)
    return call(op, a, b)


def _unary_float(op, x, **attrs):
    return call(op, floating(x), **attrs)


# -- arithmetic ---------------------------------------------------------------------------------
@keras_op
def add(x1, x2):
    return _binary(ir.add, x1, x2)


@keras_op
def subtract(x1, x2):
    return _binary(ir.sub, x1, x2)


@keras_op
def multiply(x1, x2):
    return _binary(ir.mul, x1, x2)


@keras_op
def divide(x1, x2):
    """True division: integer operands give floats (as numpy and Keras)."""
    a, b = promote(x1, x2)
    if a.dtype.kind != "f":
        a, b = cast(a, _config.floatx()), cast(b, _config.floatx())
    return call(ir.div, a, b)


true_divide = divide


@keras_op
def divide_no_nan(x1, x2):
    """x1 / x2, and 0 where x2 == 0."""
    a, b = promote(floating(x1), floating(x2))
    zero = tensor(np.zeros((), a.dtype))
    safe = call(ir.where, call(ir.equal, b, zero), tensor(np.ones((), a.dtype)), b)
    return call(ir.where, call(ir.equal, b, zero), zero, call(ir.div, a, safe))


@keras_op
def floor_divide(x1, x2):
    a, b = promote(x1, x2)
    if a.dtype.kind == "f":
        return call(ir.floor, call(ir.div, a, b))
    q = call(ir.floor, call(ir.div, cast(a, "float64"), cast(b, "float64")))
    return cast(q, a.dtype)


@keras_op
def mod(x1, x2):
    """The remainder with the divisor's sign (Python's and numpy's %)."""
    a, b = promote(x1, x2)
    if a.dtype.kind == "f":  # ONNX Mod on floats is C's fmod (the dividend's sign)
        return call(ir.sub, a, call(ir.mul, b, call(ir.floor, call(ir.div, a, b))))
    return call(ir.mod, a, b)


@keras_op
def power(x1, x2):
    a, b = promote(x1, x2)
    return call(ir.pow, a, b)


@keras_op
def negative(x):
    return call(ir.neg, tensor(x))


@keras_op
def absolute(x):
    return call(ir.abs_, tensor(x))


abs = absolute


@keras_op
def sign(x):
    return call(ir.sign, tensor(x))


@keras_op
def square(x):
    x = tensor(x)
    return call(ir.mul, x, x)


@keras_op
def sqrt(x):
    return _unary_float(ir.sqrt, x)


@keras_op
def rsqrt(x):
    return call(ir.reciprocal, _unary_float(ir.sqrt, x))


@keras_op
def reciprocal(x):
    return _unary_float(ir.reciprocal, x)


@keras_op
def exp(x):
    return _unary_float(ir.exp, x)


@keras_op
def expm1(x):
    x = floating(x)
    return call(ir.sub, call(ir.exp, x), tensor(np.ones((), x.dtype)))


@keras_op
def log(x):
    return _unary_float(ir.log, x)


@keras_op
def log1p(x):
    x = floating(x)
    return call(ir.log, call(ir.add, x, tensor(np.ones((), x.dtype))))


@keras_op
def log2(x):
    x = floating(x)
    return call(ir.div, call(ir.log, x), tensor(np.asarray(np.log(2.0), x.dtype)))


@keras_op
def log10(x):
    x = floating(x)
    return call(ir.div, call(ir.log, x), tensor(np.asarray(np.log(10.0), x.dtype)))


@keras_op
def logaddexp(x1, x2):
    a, b = promote(floating(x1), floating(x2))
    hi = call(ir.max_, a, b)
    lo = call(ir.min_, a, b)
    return call(ir.add, hi, log1p(call(ir.exp, call(ir.sub, lo, hi))))


@keras_op
def sin(x):
    return _unary_float(ir.sin, x)


@keras_op
def cos(x):
    return _unary_float(ir.cos, x)


@keras_op
def tan(x):
    x = floating(x)
    return call(ir.div, call(ir.sin, x), call(ir.cos, x))


@keras_op
def tanh(x):
    return _unary_float(ir.tanh, x)


@keras_op
def sinh(x):
    x = floating(x)
    half = tensor(np.asarray(0.5, x.dtype))
    return call(ir.mul, call(ir.sub, call(ir.exp, x), call(ir.exp, call(ir.neg, x))), half)


@keras_op
def cosh(x):
    x = floating(x)
    half = tensor(np.asarray(0.5, x.dtype))
    return call(ir.mul, call(ir.add, call(ir.exp, x), call(ir.exp, call(ir.neg, x))), half)


@keras_op
def floor(x):
    return _unary_float(ir.floor, x)


@keras_op
def ceil(x):
    return _unary_float(ir.ceil, x)


@keras_op
def round(x, decimals=0):
    x = floating(x)
    if not decimals:
        return call(ir.round_, x)
    scale = tensor(np.asarray(10.0 ** decimals, x.dtype))
    return call(ir.div, call(ir.round_, call(ir.mul, x, scale)), scale)


@keras_op
def maximum(x1, x2):
    return _binary(ir.max_, x1, x2)


@keras_op
def minimum(x1, x2):
    return _binary(ir.min_, x1, x2)


@keras_op
def clip(x, x_min, x_max):
    x = tensor(x)
    lo, hi = (tensor(np.asarray(v, x.dtype)) if not hasattr(v, "dtype") else cast(v, x.dtype)
              for v in (x_min, x_max))
    return call(ir.clip, x, lo, hi)


# -- comparisons and logic ------------------------------------------------------------------------
@keras_op
def equal(x1, x2):
    return _binary(ir.equal, x1, x2)


@keras_op
def not_equal(x1, x2):
    return call(ir.not_, _binary(ir.equal, x1, x2))


@keras_op
def less(x1, x2):
    return _binary(ir.less, x1, x2)


@keras_op
def less_equal(x1, x2):
    return _binary(ir.less_or_equal, x1, x2)


@keras_op
def greater(x1, x2):
    return _binary(ir.greater, x1, x2)


@keras_op
def greater_equal(x1, x2):
    return _binary(ir.greater_or_equal, x1, x2)


def _bool(x):
    return cast(x, "bool")


@keras_op
def logical_and(x1, x2):
    return call(ir.and_, _bool(x1), _bool(x2))


@keras_op
def logical_or(x1, x2):
    return call(ir.or_, _bool(x1), _bool(x2))


@keras_op
def logical_xor(x1, x2):
    return call(ir.xor, _bool(x1), _bool(x2))


@keras_op
def logical_not(x):
    return call(ir.not_, _bool(x))


@keras_op
def where(condition, x1=None, x2=None):
    if x1 is None or x2 is None:
        raise ValueError("keras.ops.where needs x1 and x2 here (the one-argument form returns "
                         "data-dependent shapes, which the IR does not have)")
    a, b = promote(x1, x2)
    return call(ir.where, _bool(condition), a, b)


@keras_op
def isnan(x):
    return call(ir.is_nan, floating(x))


@keras_op
def isinf(x):
    return call(ir.is_inf, floating(x))


@keras_op
def isfinite(x):
    x = floating(x)
    return call(ir.not_, call(ir.or_, call(ir.is_nan, x), call(ir.is_inf, x)))


__all__ = [n for n in dir() if not n.startswith("_") and n not in {
    "annotations", "builtins", "np", "ir", "call", "_config", "cast", "floating", "promote",
    "tensor", "keras_op"}]
