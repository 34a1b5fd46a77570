"""keras.ops numpy-style math: elementwise arithmetic, comparisons, reductions, linear algebra."""

from __future__ import annotations

import builtins

import numpy as np

from core_ir import ops as ir

from ..._tensor import call
from ..backend import _config
from ._core import axes_list, cast, floating, ints, promote, tensor
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


# -- linear algebra -----------------------------------------------------------------------------
@keras_op
def matmul(x1, x2):
    a, b = promote(x1, x2)
    return call(ir.matmul, a, b)


@keras_op
def dot(x1, x2):
    """numpy.dot: matmul for rank <= 2 and for N-D x 1-D; N-D x M-D contracts x1's last axis
    with x2's second-to-last."""
    a, b = promote(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return call(ir.mul, a, b)
    if b.ndim <= 2:
        return call(ir.matmul, a, b)
    return tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 2]))


@keras_op
def vdot(x1, x2):
    a, b = promote(x1, x2)
    return call(ir.reduce_sum, call(ir.mul, call(ir.reshape, a, ints([-1])),
                                    call(ir.reshape, b, ints([-1]))), ints([0]), keepdims=0)


@keras_op
def inner(x1, x2):
    a, b = promote(x1, x2)
    return tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 1]))


@keras_op
def outer(x1, x2):
    a, b = promote(x1, x2)
    a = call(ir.reshape, a, ints([-1, 1]))
    return call(ir.mul, a, call(ir.reshape, b, ints([1, -1])))


@keras_op
def einsum(subscripts, *operands):
    ts = promote(*operands)
    return call(ir.einsum, *ts, equation=subscripts)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@keras_op
def tensordot(x1, x2, axes=2):
    a, b = promote(x1, x2)
    if isinstance(axes, int):
        ax_a, ax_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, int) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, int) else list(ax_b)
    ax_a = [x % a.ndim for x in ax_a]
    ax_b = [x % b.ndim for x in ax_b]
    la = list(_LETTERS[:a.ndim])
    lb = list(_LETTERS[a.ndim:a.ndim + b.ndim])
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in ax_a] + \
        [c for j, c in enumerate(lb) if j not in ax_b]
    return call(ir.einsum, a, b, equation=f"{''.join(la)},{''.join(lb)}->{''.join(out)}")


@keras_op
def trace(x, offset=0, axis1=0, axis2=1):
    x = tensor(x)
    n, m = x.shape[axis1], x.shape[axis2]
    eye_ = np.eye(n, m, k=offset, dtype=x.dtype)
    shape = [1] * x.ndim
    shape[axis1 % x.ndim], shape[axis2 % x.ndim] = n, m
    masked = call(ir.mul, x, tensor(eye_.reshape(shape)))
    return call(ir.reduce_sum, masked, ints([axis1 % x.ndim, axis2 % x.ndim]), keepdims=0)


@keras_op
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norms (ord None/2, 1, inf, -inf, or p) over `axis`; Frobenius over two axes."""
    x = floating(x)
    if ord is None or ord == 2 or ord == "fro" or ord == "euclidean":
        return sqrt(sum(square(x), axis=axis, keepdims=keepdims))
    if ord == 1:
        return sum(absolute(x), axis=axis, keepdims=keepdims)
    if ord == np.inf:
        return max(absolute(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return min(absolute(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return cast(count_nonzero(x, axis=axis), x.dtype)
    p = float(ord)
    return power(sum(power(absolute(x), p), axis=axis, keepdims=keepdims), 1.0 / p)


_ = builtins  # the builtins module stays reachable under the shadowed names
__all__ = [n for n in dir() if not n.startswith("_") and n not in {
    "annotations", "builtins", "np", "ir", "call", "axes_list", "cast", "floating", "ints",
    "promote", "tensor", "keras_op"}]
