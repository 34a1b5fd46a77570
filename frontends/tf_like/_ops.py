"""The tf.* namespace's array functions: matmul, einsum, norms and clipping here; the rest from
_shape_ops, _creation_ops, _gather_ops and tf.math (TF exposes most math at the top level)."""

from __future__ import annotations

import string

import numpy as np

from core_ir import ops
from core_ir.tensor import Tensor as _CoreTensor

from ._creation_ops import *  # noqa: F401,F403
from ._creation_ops import __all__ as _creation_all
from ._gather_ops import *  # noqa: F401,F403
from ._gather_ops import __all__ as _gather_all
from ._helpers import axis_list, same_dtype, tensor
from ._shape_ops import *  # noqa: F401,F403
from ._shape_ops import __all__ as _shape_all
from ._tensor import call
from .errors import InvalidArgumentError
from .math import (abs, add, add_n, argmax, argmin, ceil, cos, cumsum, divide, equal, exp,  # noqa: F401,A004
                   floor, floordiv, greater, greater_equal, less, less_equal, log,
                   logical_and, logical_not, logical_or, maximum, minimum, multiply,
                   negative, not_equal, pow, reduce_all, reduce_any, reduce_logsumexp,
                   reduce_max, reduce_mean, reduce_min, reduce_prod, reduce_sum, round, sigmoid,
                   sign, sin, sqrt, square, subtract, tanh, truediv)
from .math import minimum as _minimum
from .math import maximum as _maximum
from .math import reduce_sum as _reduce_sum

newaxis = None


def _matrix_t(x):
    perm = list(range(x.ndim - 2)) + [x.ndim - 1, x.ndim - 2]
    return call(ops.transpose, x, perm=perm)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, grad_a=False, grad_b=False,
           name=None):
    """tf.linalg.matmul: a @ b over the last two axes (leading axes broadcast); both operands
    have rank >= 2 and one dtype."""
    a, b = tensor(a), tensor(b)
    if a.ndim < 2 or b.ndim < 2:
        raise InvalidArgumentError(None, None, f"In[0] and In[1] has different ndims: "
                                   f"{list(a.shape)} vs. {list(b.shape)} [Op:MatMul]")
    same_dtype("MatMul", a, b)
    if transpose_a or adjoint_a:
        a = _matrix_t(a)
    if transpose_b or adjoint_b:
        b = _matrix_t(b)
    k1, k2 = a.shape[-1], b.shape[-2]
    if isinstance(k1, int) and isinstance(k2, int) and k1 != k2:
        raise InvalidArgumentError(None, None, f"Matrix size-incompatible: In[0]: "
                                   f"{list(a.shape)}, In[1]: {list(b.shape)} [Op:MatMul]")
    return call(ops.matmul, a, b)


def einsum(equation, *inputs, **kwargs):
    """tf.einsum: Einstein summation (ellipsis allowed, spaces ignored)."""
    inputs = [tensor(t) for t in inputs]
    same_dtype("Einsum", *inputs)
    return call(ops.einsum, *inputs, equation=equation.replace(" ", ""))


def tensordot(a, b, axes, name=None):
    """tf.tensordot: contract the given axes of a with those of b (an int n means a's last n
    with b's first n)."""
    a, b = tensor(a), tensor(b)
    if isinstance(axes, (int, np.integer)):
        ax_a, ax_b = list(range(a.ndim - int(axes), a.ndim)), list(range(int(axes)))
    else:
        ax_a, ax_b = (axis_list(x) for x in axes)
    letters = iter(string.ascii_letters)
    la = [next(letters) for _ in range(a.ndim)]
    lb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(ax_a, ax_b):
        lb[j % b.ndim] = la[i % a.ndim]
    kept_a = [c for i, c in enumerate(la) if i not in {x % a.ndim for x in ax_a}]
    kept_b = [c for j, c in enumerate(lb) if j not in {x % b.ndim for x in ax_b}]
    return einsum(f"{''.join(la)},{''.join(lb)}->{''.join(kept_a + kept_b)}", a, b)


def _vector_norm(x, ord, axes, keepdims):  # noqa: A002
    if ord in ("euclidean", 2, 2.0):
        # TF's formula, sqrt(sum(x * x)): its gradient at a zero vector is nan, as in TF
        return call(ops.sqrt, _reduce_sum(x * x, axes, keepdims))
    if ord in (1, 1.0):
        return _reduce_sum(call(ops.abs_, x), axes, keepdims)
    if ord == np.inf:
        return reduce_max(call(ops.abs_, x), axes, keepdims)
    p = ops.const_like(float(ord), x)
    return call(ops.pow, _reduce_sum(call(ops.pow, call(ops.abs_, x), p), axes, keepdims),
                ops.const_like(1.0 / float(ord), x))


def norm(tensor_, ord="euclidean", axis=None, keepdims=None, name=None):  # noqa: A002
    """tf.norm: a vector norm over axis (all axes when None) with ord 'euclidean'/2, 1, inf or
    p > 0, or a matrix norm over a 2-tuple axis with ord 'fro'/'euclidean', 1 or inf."""
    x = tensor(tensor_)
    keep = bool(keepdims)
    axes = axis_list(axis)
    if axes is not None and len(axes) == 2:
        if ord in ("fro", "euclidean"):
            return call(ops.sqrt, _reduce_sum(x * x, axes, keep))
        if ord in (1, np.inf):
            rows, cols = axes if ord == 1 else axes[::-1]
            sums = _reduce_sum(call(ops.abs_, x), rows, True)
            return _squeeze_kept(reduce_max(sums, cols, True), axes, keep)
        raise ValueError(f"'ord' must be a supported matrix norm in ['euclidean', 'fro', 1, "
                         f"inf], got {ord!r}")
    if ord == "fro" or (not isinstance(ord, str) and not ord > 0):
        raise ValueError(f"'ord' must be a supported vector norm, got {ord!r}")
    return _vector_norm(x, ord, axes, keep)


def _squeeze_kept(x, axes, keep):
    return x if keep else call(ops.squeeze, x, ops.const_ints(sorted(a % x.ndim for a in axes)))


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """tf.clip_by_value: minimum(maximum(t, min), max), differentiated as TF does (the gradient
    passes to t where it lies within the bounds, bounds included)."""
    t = tensor(t)
    return _minimum(_maximum(t, clip_value_min), clip_value_max)


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """tf.clip_by_norm: t * clip_norm / max(l2norm(t, axes), clip_norm), with TF's guard
    against a zero norm."""
    t = tensor(t)
    l2sum = _reduce_sum(t * t, axes, True)
    positive = call(ops.greater, l2sum, ops.const_like(0, l2sum))
    safe = call(ops.where, positive, l2sum, ops.const_like(1, l2sum))
    l2norm = call(ops.where, positive, call(ops.sqrt, safe), l2sum)
    clip = tensor(clip_norm, t.dtype) if isinstance(clip_norm, _CoreTensor) else \
        ops.const_like(clip_norm, t)
    return (t * clip) / _maximum(l2norm, clip)


def global_norm(t_list, name=None):
    """tf.linalg.global_norm: sqrt of the sum of every tensor's squared l2 norm (None skipped)."""
    parts = [tensor(t) for t in t_list if t is not None]
    if not parts:
        raise ValueError("t_list must contain at least one tensor")
    total = add_n([_reduce_sum(t * t) for t in parts])
    return call(ops.sqrt, total)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """tf.clip_by_global_norm: scale every tensor by clip_norm / max(global_norm, clip_norm).
    Returns (list_clipped, global_norm); None entries stay None."""
    if isinstance(t_list, _CoreTensor) or not hasattr(t_list, "__iter__"):
        raise TypeError("`t_list` should be a sequence of tensors. Received "
                        f"{type(t_list).__name__}.")
    t_list = list(t_list)
    norm_ = global_norm(t_list) if use_norm is None else tensor(use_norm)
    clip = ops.const_like(clip_norm, norm_) if not isinstance(clip_norm, _CoreTensor) else \
        clip_norm
    one = ops.const_like(1, norm_)
    scale = clip * _minimum(one / norm_, one / clip)
    return [None if t is None else tensor(t) * scale for t in t_list], norm_


def is_tensor(x) -> bool:
    """tf.is_tensor."""
    return isinstance(x, _CoreTensor)


def get_static_value(tensor_, partial=False):
    """tf.get_static_value: the numpy value when known now, else None."""
    if not isinstance(tensor_, _CoreTensor):
        return np.asarray(tensor_)
    known = tensor_.known
    return np.asarray(known) if isinstance(known, np.ndarray) or (
        known is not None and all(isinstance(d, int) for d in np.ravel(known))) else None


class device:
    """tf.device: a no-op context (everything runs on the CPU)."""

    def __init__(self, device_name):
        self.device_name = device_name

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


__all__ = [*_creation_all, *_gather_all, *_shape_all, "matmul", "einsum", "tensordot", "norm",
           "clip_by_value", "clip_by_norm", "clip_by_global_norm", "global_norm", "is_tensor",
           "get_static_value", "device", "newaxis",
           "abs", "add", "add_n", "argmax", "argmin", "ceil", "cos", "cumsum", "divide", "equal",
           "exp", "floor", "floordiv", "greater", "greater_equal", "less", "less_equal", "log",
           "logical_and", "logical_not", "logical_or", "maximum", "minimum", "multiply",
           "negative", "not_equal", "pow", "reduce_all", "reduce_any", "reduce_logsumexp",
           "reduce_max", "reduce_mean", "reduce_min", "reduce_prod", "reduce_sum", "round",
           "sigmoid", "sign", "sin", "sqrt", "square", "subtract", "tanh", "truediv"]
