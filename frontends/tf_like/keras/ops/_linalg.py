"""keras.ops linear algebra: matmul, dot, vdot, inner, outer, einsum, tensordot, trace,
norm."""

from __future__ import annotations

import numpy as np

from core_ir import ops as ir

from ..._tensor import call
from ._core import cast, floating, ints, promote, tensor
from ._math import absolute, power, sqrt, square
from ._operation import keras_op
from ._reduce import count_nonzero, max, min, sum


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



__all__ = ["dot", "einsum", "inner", "matmul", "norm", "outer", "tensordot", "trace", "vdot"]
