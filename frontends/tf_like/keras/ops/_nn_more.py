"""keras.ops.nn, continued: encodings (one_hot, multi_hot), normalization (moments,
batch/layer/rms normalization, normalize), adaptive pooling and the crossentropy losses."""

from __future__ import annotations

import numpy as np

from core_ir import ops as ir

from ..._tensor import call
from ..backend import _config
from ._core import cast, floating, ints, normalize_axis, promote, tensor
from ._math import clip, divide, log, maximum, multiply, square, subtract
from ._operation import keras_op
from ._reduce import mean, sum
from .nn import _const, ir_format, log_softmax


# -- encodings ------------------------------------------------------------------------------------
@keras_op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    idx = cast(x, "int64")
    dt = np.dtype(_config.standardize_dtype(dtype))
    return call(ir.one_hot, idx, ints([num_classes]), tensor(np.array([0, 1], dt)), axis=axis)


@keras_op
def multi_hot(inputs, num_classes, axis=-1, dtype=None, sparse=False):
    hot = one_hot(inputs, num_classes, axis=axis, dtype=dtype)
    reduce_axis = -2 if axis == -1 else 1
    from ._reduce import max as max_
    return max_(hot, axis=reduce_axis) if len(hot.shape) > 1 else hot


# -- normalization --------------------------------------------------------------------------------
@keras_op
def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) over `axes`, the variance biased (population)."""
    x = floating(x)
    m = mean(x, axis=axes, keepdims=True)
    v = mean(square(subtract(x, m)), axis=axes, keepdims=keepdims)
    if not keepdims:
        m = mean(x, axis=axes, keepdims=False)
    return m, v


@keras_op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    x = floating(x)
    shape = [1] * x.ndim
    shape[normalize_axis(axis, x.ndim)] = -1

    def bc(t):
        return call(ir.reshape, tensor(t), ints(shape))

    inv = call(ir.reciprocal, call(ir.sqrt, call(ir.add, bc(variance), _const(epsilon, x))))
    if scale is not None:
        inv = call(ir.mul, inv, bc(scale))
    y = call(ir.mul, call(ir.sub, x, bc(mean)), inv)
    return y if offset is None else call(ir.add, y, bc(offset))


@keras_op
def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(norm(x), epsilon) along `axis` (L2 by default)."""
    x = floating(x)
    eps = _config.epsilon() if epsilon is None else epsilon
    from ._linalg import norm
    n = norm(x, ord=order, axis=axis, keepdims=True)
    return divide(x, maximum(n, eps))


# -- losses ---------------------------------------------------------------------------------------
@keras_op
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy; probabilities are clipped to [eps, 1 - eps]."""
    target, output = promote(floating(target), floating(output))
    if from_logits:
        return _bce_logits(target, output)
    eps = _config.epsilon()
    output = clip(output, eps, 1.0 - eps)
    bce = call(ir.add, call(ir.mul, target, log(output)),
               call(ir.mul, subtract(1.0, target), log(subtract(1.0, output))))
    return call(ir.neg, bce)


def _bce_logits(target, logits):
    return call(ir.binary_cross_entropy_with_logits, logits, target, reduction="none")


@keras_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = promote(floating(target), floating(output))
    if from_logits:
        return multiply(-1.0, sum(multiply(target, log_softmax(output, axis=axis)), axis=axis))
    output = divide(output, sum(output, axis=axis, keepdims=True))
    eps = _config.epsilon()
    output = clip(output, eps, 1.0 - eps)
    return multiply(-1.0, sum(multiply(target, log(output)), axis=axis))


@keras_op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    output = floating(output)
    if len(target.shape) == len(output.shape) and target.shape[-1] == 1:
        target = call(ir.squeeze, tensor(target), ints([len(target.shape) - 1]))
    hot = one_hot(target, output.shape[axis], axis=axis, dtype=output.dtype.name)
    return categorical_crossentropy(hot, output, from_logits=from_logits, axis=axis)


@keras_op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None):
    """(x - mean) / sqrt(var + epsilon) over `axis`, then * gamma + beta."""
    x = floating(x)
    eps = _config.epsilon() if epsilon is None else epsilon
    axes = [axis] if isinstance(axis, int) else list(axis)
    m, v = moments(x, axes, keepdims=True)
    y = multiply(subtract(x, m), call(ir.reciprocal, call(ir.sqrt, call(
        ir.add, v, _const(eps, v)))))
    shape = [x.shape[a] if a in [ax % x.ndim for ax in axes] else 1 for a in range(x.ndim)]
    if gamma is not None:
        y = multiply(y, call(ir.reshape, tensor(gamma), ints(shape)))
    if beta is not None:
        y = call(ir.add, y, call(ir.reshape, tensor(beta), ints(shape)))
    return y


@keras_op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x^2 over axis) + epsilon) * scale."""
    x = floating(x)
    eps = _config.epsilon() if epsilon is None else epsilon
    axes = [axis] if isinstance(axis, int) else list(axis)
    ms = mean(square(x), axis=axes, keepdims=True)
    y = multiply(x, call(ir.reciprocal, call(ir.sqrt, call(ir.add, ms, _const(eps, ms)))))
    if scale is not None:
        norm = sorted(a % x.ndim for a in axes)
        shape = [x.shape[a] if a in norm else 1 for a in range(x.ndim)]
        y = multiply(y, call(ir.reshape, tensor(scale), ints(shape)))
    return y


def _output_size(x, output_size) -> list:
    n = x.ndim - 2
    return [output_size] * n if isinstance(output_size, int) else list(output_size)


@keras_op
def adaptive_average_pool(inputs, output_size, data_format=None):
    """The mean over each of output_size bins per spatial axis (torch's bins)."""
    x = floating(inputs)
    return call(ir.adaptive_average_pool, x, output_size=_output_size(x, output_size),
                data_format=ir_format(data_format))


@keras_op
def adaptive_max_pool(inputs, output_size, data_format=None):
    """The maximum over each of output_size bins per spatial axis (torch's bins)."""
    x = floating(inputs)
    return call(ir.adaptive_max_pool, x, output_size=_output_size(x, output_size),
                data_format=ir_format(data_format))[0]
