"""tf.nn losses and normalization helpers: the cross entropies with logits, l2_loss, moments,
batch_normalization, dropout, bias_add and embedding_lookup."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from .. import math as _math
from .. import random as _random
from .._helpers import axis_list, same_dtype, tensor
from .._shape_ops import stop_gradient
from .._tensor import TensorShape, call
from ..errors import InvalidArgumentError


def _same_shape(labels, logits) -> None:
    if not TensorShape(labels.shape).is_compatible_with(logits.shape):
        raise ValueError(f"`logits` and `labels` must have the same shape, received "
                         f"({logits.shape} vs {labels.shape}).")


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """tf.nn.sigmoid_cross_entropy_with_logits, per element:
    max(x, 0) - x * z + log(1 + exp(-|x|)); the gradient is sigmoid(x) - z everywhere."""
    labels, logits = tensor(labels), tensor(logits)
    same_dtype("SigmoidCrossEntropyWithLogits", logits, labels)
    _same_shape(labels, logits)
    return call(ops.binary_cross_entropy_with_logits, logits, labels, reduction="none")


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """tf.nn.weighted_cross_entropy_with_logits: the positive term weighted by pos_weight,
    (1 - z) * x + (1 + (q - 1) * z) * log(1 + exp(-x))."""
    labels, logits = tensor(labels), tensor(logits)
    _same_shape(labels, logits)
    q = tensor(pos_weight, logits.dtype) if hasattr(pos_weight, "dtype") else \
        ops.const_like(pos_weight, logits)
    return call(ops.binary_cross_entropy_with_logits, logits, labels, None, q, reduction="none")


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """tf.nn.softmax_cross_entropy_with_logits: -sum(labels * log_softmax(logits)) along axis,
    for labels that are probability rows (gradients flow to the labels too)."""
    labels, logits = tensor(labels), tensor(logits)
    same_dtype("SoftmaxCrossEntropyWithLogits", logits, labels)
    _same_shape(labels, logits)
    a = axis % logits.ndim
    log_p = call(ops.log_softmax, logits, axis=a)
    return call(ops.neg, call(ops.reduce_sum, labels * log_p, ops.const_ints([a]), keepdims=0))


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """tf.nn.sparse_softmax_cross_entropy_with_logits: -log_softmax(logits)[label] with integer
    labels of shape logits.shape[:-1]. As TF on CPU, a label outside [0, classes) is an
    InvalidArgumentError."""
    labels, logits = tensor(labels), tensor(logits)
    if labels.ndim != logits.ndim - 1:
        raise ValueError(f"Rank mismatch: Rank of labels (received {labels.ndim}) should equal "
                         f"rank of logits minus 1 (received {logits.ndim}).")
    classes = logits.shape[-1]
    if labels.array is not None and isinstance(classes, int):
        bad = labels.array[(labels.array < 0) | (labels.array >= classes)]
        if bad.size:
            raise InvalidArgumentError(
                None, None, f"Received a label value of {bad.reshape(-1)[0]} which is outside "
                f"the valid range of [0, {classes}).  Label values: "
                f"{' '.join(str(v) for v in labels.array.reshape(-1))}")
    flat_logits = logits if logits.ndim == 2 else call(ops.flatten, logits, axis=logits.ndim - 1)
    flat_labels = call(ops.cast, call(ops.reshape, labels, ops.const_ints([-1])), to=np.int64)
    loss = call(ops.softmax_cross_entropy_loss, flat_logits, flat_labels, reduction="none")[0]
    if labels.ndim == 1:
        return loss
    return call(ops.reshape, loss, ops.shape_tensor(labels))


def l2_loss(t, name=None):
    """tf.nn.l2_loss: sum(t ** 2) / 2."""
    t = tensor(t)
    return call(ops.reduce_sum, t * t, None, keepdims=0) * ops.const_like(0.5, t)


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """tf.nn.log_poisson_loss: exp(log_input) - log_input * targets (+ Stirling's term for
    targets > 1 when compute_full_loss)."""
    targets, log_input = tensor(targets), tensor(log_input)
    loss = call(ops.exp, log_input) - log_input * targets
    if not compute_full_loss:
        return loss
    one = ops.const_like(1, targets)
    stirling = targets * call(ops.log, targets) - targets + ops.const_like(0.5, targets) * \
        call(ops.log, ops.const_like(2 * np.pi, targets) * targets)
    return loss + call(ops.where, call(ops.greater, targets, one), stirling,
                       ops.zeros_like(targets))


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """tf.nn.compute_average_loss: sum(loss * weight) / global_batch_size (default: the
    number of examples, one replica)."""
    loss = tensor(per_example_loss)
    if sample_weight is not None:
        loss = loss * tensor(sample_weight, loss.dtype)
    total = call(ops.reduce_sum, loss, None, keepdims=0)
    n = loss.shape[0] if global_batch_size is None and loss.ndim else global_batch_size
    if n is None:  # a symbolic batch size
        count = call(ops.reshape, call(ops.shape, loss, start=0, end=1), ops.const_ints([]))
        return total / call(ops.cast, count, to=loss.dtype)
    return total / ops.const_like(n or 1, total)


def moments(x, axes, shift=None, keepdims=False, name=None):
    """tf.nn.moments: (mean, variance) over axes, the variance biased and computed around
    stop_gradient(mean) as TF does."""
    x = tensor(x)
    axes = axis_list(axes)
    mean = _math.reduce_mean(x, axes, keepdims=True)
    variance = _math.reduce_mean(_math.squared_difference(x, stop_gradient(mean)), axes,
                                 keepdims=True)
    if keepdims:
        return mean, variance
    squeeze = ops.const_ints(sorted(a % x.ndim for a in axes))
    return call(ops.squeeze, mean, squeeze), call(ops.squeeze, variance, squeeze)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """tf.nn.batch_normalization: (x - mean) * scale / sqrt(variance + eps) + offset, computed
    as TF does: x * inv + (offset - mean * inv) with inv = scale * rsqrt(variance + eps)."""
    x, mean, variance = tensor(x), tensor(mean), tensor(variance)
    inv = call(ops.reciprocal, call(ops.sqrt, variance + ops.const_like(variance_epsilon,
                                                                           variance)))
    if scale is not None:
        inv = inv * tensor(scale)
    shift = call(ops.neg, mean * inv) if offset is None else tensor(offset) - mean * inv
    return x * inv + shift


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """tf.nn.dropout: each element kept with probability 1 - rate and scaled by 1 / (1 - rate)
    (x * scale * keep_mask, as TF); noise_shape broadcasts one draw over axes."""
    x = tensor(x)
    if x.dtype.kind != "f":
        raise ValueError(f"x has to be a floating point tensor since it's going to be scaled. "
                         f"Got a {x.dtype.name} tensor instead.")
    if not hasattr(rate, "dtype") and not 0 <= float(rate) < 1:
        raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). "
                         f"Received: rate={rate}")
    if not hasattr(rate, "dtype") and float(rate) == 0:
        return x
    shape = _noise_shape(x, noise_shape)
    keep = _random.uniform(shape, dtype=x.dtype, seed=seed) >= rate
    scale = ops.const_like(1.0 / (1.0 - float(rate)), x) if not hasattr(rate, "dtype") else \
        ops.const_like(1, x) / (ops.const_like(1, x) - tensor(rate, x.dtype))
    return x * scale * call(ops.cast, keep, to=x.dtype)


def _noise_shape(x, noise_shape):
    from .._shape_ops import shape as tf_shape
    if noise_shape is None:
        return x.shape if TensorShape(x.shape).is_fully_defined() else tf_shape(x)
    dims = list(noise_shape)
    return [x.shape[i] if d is None else d for i, d in enumerate(dims)]


def bias_add(value, bias, data_format=None, name=None):
    """tf.nn.bias_add: bias (1-D) added along the channel axis (last, or 1 for NC...)."""
    value, bias = tensor(value), tensor(bias)
    same_dtype("BiasAdd", value, bias)
    if bias.ndim != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {bias.ndim} for bias")
    if data_format is not None and data_format.startswith("NC"):
        bias = call(ops.reshape, bias, ops.const_ints([-1] + [1] * (value.ndim - 2)))
    return value + bias


def embedding_lookup(params, ids, max_norm=None, name=None):
    """tf.nn.embedding_lookup: rows of params (one tensor, or a list concatenated) at ids.
    With max_norm, looked-up rows with a larger l2 norm are scaled down to it."""
    from .._gather_ops import gather
    if isinstance(params, (list, tuple)):
        params = params[0] if len(params) == 1 else call(ops.concat, *[tensor(p) for p in params],
                                                         axis=0)
    rows = gather(params, ids)
    if max_norm is None:
        return rows
    from .._ops import clip_by_norm
    return clip_by_norm(rows, max_norm, axes=[-1])


def zero_fraction(value, name=None):
    """tf.math.zero_fraction: the fraction of zero entries, float32."""
    v = tensor(value)
    zeros = call(ops.cast, call(ops.equal, v, ops.const_like(0, v)), to=np.float32)
    return call(ops.reduce_mean, zeros, None, keepdims=0)


__all__ = ["sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits",
           "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
           "l2_loss", "log_poisson_loss", "compute_average_loss", "moments",
           "batch_normalization", "dropout", "bias_add", "embedding_lookup", "zero_fraction"]
