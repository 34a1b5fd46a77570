"""The few array functions the Keras training code (losses, metrics, optimizers, schedules) is
written in: thin wrappers over IR ops, so every formula runs eagerly, inside a traced Keras train
step and under a GradientTape alike. Python numbers take the other operand's dtype (TF's rule).

Keras attaches masks to tensors (`ignore_class` masks a loss); `set_keras_mask`/`get_keras_mask`
are keras.backend's side table for them.
"""

from __future__ import annotations

import numpy as np

import core_ir
from core_ir import ops
from core_ir.tensor import Tensor as _CoreTensor

from ..._tensor import EagerTensor, call
from ..backend import _config, _state

epsilon = _config.epsilon  # keras.backend.epsilon(): 1e-7 unless set_epsilon changed it


def floatx() -> np.dtype:
    return np.dtype(_config.floatx())


# -- conversion -----------------------------------------------------------------------------------
def convert(x, dtype=None) -> EagerTensor:
    """keras.ops.convert_to_tensor: tensors pass through (cast when `dtype` differs); Python
    floats become float32 (floatx), numpy arrays keep their dtype."""
    if isinstance(x, _CoreTensor):
        return x if dtype is None or x.dtype == np.dtype(dtype) else cast(x, dtype)
    a = np.asarray(x)
    if dtype is not None:
        a = a.astype(dtype)
    elif not isinstance(x, (np.ndarray, np.generic)) and a.dtype.kind == "f":
        a = a.astype(floatx())
    return core_ir.constant(a, cls=EagerTensor)


def cast(x, dtype) -> EagerTensor:
    x = convert(x)
    dtype = np.dtype(dtype)
    return x if x.dtype == dtype else call(ops.cast, x, to=dtype)


def like(value, x) -> EagerTensor:
    """A scalar (or array) constant with x's dtype."""
    return core_ir.constant(np.asarray(value, dtype=x.dtype), cls=EagerTensor)


def _operand(v, x):
    return v if isinstance(v, _CoreTensor) else like(v, x)


def _axes(axis, ndim: int):
    if axis is None:
        return None
    axes = [axis] if isinstance(axis, int) else list(axis)
    return ops.const_ints([a % ndim if ndim else a for a in axes])


# -- reductions -----------------------------------------------------------------------------------
def _reduce(op, x, axis, keepdims):
    x = convert(x)
    if axis is not None and not isinstance(axis, int) and len(axis) == 0:
        return x
    return call(op, x, _axes(axis, x.ndim), keepdims=int(keepdims))


def mean(x, axis=None, keepdims=False):
    return _reduce(ops.reduce_mean, x, axis, keepdims)


def sum_(x, axis=None, keepdims=False):
    return _reduce(ops.reduce_sum, x, axis, keepdims)


def max_(x, axis=None, keepdims=False):
    return _reduce(ops.reduce_max, x, axis, keepdims)


def min_(x, axis=None, keepdims=False):
    return _reduce(ops.reduce_min, x, axis, keepdims)


def argmax(x, axis=-1):
    x = convert(x)
    return call(ops.arg_max, x, axis=axis % x.ndim, keepdims=0)


def top_k_indices(x, k: int):
    """The indices of the k largest entries along the last axis."""
    return call(ops.topk, convert(x), ops.const_ints([k]), axis=-1)[1]


def cumsum(x, axis=0, reverse=False):
    return call(ops.cumsum, x, ops.const_ints(axis), reverse=int(reverse))


def size(x, dtype="float32") -> EagerTensor:
    """The element count of x as a scalar of `dtype` (a Size node when the batch is symbolic)."""
    n = 1
    for d in x.shape:
        if not isinstance(d, int):
            return cast(call(ops.size, x), dtype)
        n *= d
    return core_ir.constant(np.asarray(n, dtype), cls=EagerTensor)


def dim(x, axis: int, dtype="float32") -> EagerTensor:
    """x.shape[axis] as a scalar tensor of `dtype`."""
    d = x.shape[axis]
    if isinstance(d, int):
        return core_ir.constant(np.asarray(d, dtype), cls=EagerTensor)
    axis %= x.ndim
    n = call(ops.squeeze, call(ops.shape, x, start=axis, end=axis + 1), ops.const_ints([0]))
    return cast(n, dtype)


# -- elementwise ----------------------------------------------------------------------------------
def _unary(op):
    return lambda x: call(op, convert(x))


sqrt, log, exp, abs_ = _unary(ops.sqrt), _unary(ops.log), _unary(ops.exp), _unary(ops.abs_)
sign, floor, ceil = _unary(ops.sign), _unary(ops.floor), _unary(ops.ceil)
cos, sigmoid, softplus = _unary(ops.cos), _unary(ops.sigmoid), _unary(ops.softplus)
logical_not, isnan, isinf = _unary(ops.not_), _unary(ops.is_nan), _unary(ops.is_inf)


def square(x):
    x = convert(x)
    return x * x


def maximum(x, y):
    x = convert(x)
    return call(ops.max_, x, _operand(y, x))


def minimum(x, y):
    x = convert(x)
    return call(ops.min_, x, _operand(y, x))


def clip(x, lo, hi):
    x = convert(x)
    return call(ops.clip, x, _operand(lo, x), _operand(hi, x))


def where(cond, x, y):
    if not isinstance(x, _CoreTensor):
        x = like(x, y)
    return call(ops.where, cond, x, _operand(y, x))


def power(x, y):
    x = convert(x)
    return call(ops.pow, x, _operand(y, x))


def _compare(op):
    def fn(x, y):
        x = convert(x)
        return call(op, x, _operand(y, x))
    return fn


equal, greater, less = _compare(ops.equal), _compare(ops.greater), _compare(ops.less)
greater_equal, less_equal = _compare(ops.greater_or_equal), _compare(ops.less_or_equal)


def logical_and(x, y):
    return call(ops.and_, x, y)


def divide_no_nan(x, y):
    """x / y, and 0 where y == 0 (keras.ops.divide_no_nan)."""
    x = convert(x)
    y = _operand(y, x)
    zero = like(0, x)
    safe = where(equal(y, zero), like(1, y), y)
    return where(equal(y, zero), zero, x / safe)


def softmax(x, axis=-1):
    return call(ops.softmax, convert(x), axis=axis)


def log_softmax(x, axis=-1):
    return call(ops.log_softmax, convert(x), axis=axis)


# -- shapes ---------------------------------------------------------------------------------------
def squeeze(x, axis):
    x = convert(x)
    return call(ops.squeeze, x, ops.const_ints([axis % x.ndim]))


def expand_dims(x, axis):
    x = convert(x)
    return call(ops.unsqueeze, x, ops.const_ints([axis if axis >= 0 else x.ndim + 1 + axis]))


def reshape(x, shape):
    return call(ops.reshape, convert(x), ops.const_ints(list(shape)))


def broadcast_to(x, like_tensor):
    return call(ops.expand, convert(x), ops.shape_tensor(like_tensor))


def transpose(x, perm):
    return call(ops.transpose, convert(x), perm=list(perm))


def take(x, index: int, axis: int = 0):
    """x[index] along `axis`, the axis removed."""
    return call(ops.gather, convert(x), core_ir.constant(np.asarray(index, np.int64)), axis=axis)


def slice_axis(x, start, stop, axis=0):
    """x[start:stop] along `axis` (Python slice bounds)."""
    big = np.iinfo(np.int64).max
    return call(ops.slice_, convert(x), ops.const_ints([start]),
                ops.const_ints([big if stop is None else stop]), ops.const_ints([axis]))


def static_shape(x) -> tuple:
    """x's shape with symbolic dims as None."""
    return tuple(d if isinstance(d, int) else None for d in x.shape)


# -- Keras masks: keras.backend's side table (shared with the layers that make masks) --------------
set_keras_mask, get_keras_mask = _state.set_keras_mask, _state.get_keras_mask
