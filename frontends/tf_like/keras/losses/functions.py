"""Keras 3's loss functions (keras.losses.mean_squared_error, ...): per-sample losses, the last
axis reduced. Written in IR ops, so they run eagerly, traced into a train step and under a tape.

The crossentropies follow Keras's backend: probabilities (from_logits=False) are renormalized
(categorical), clipped to [epsilon, 1 - epsilon] with epsilon = 1e-7 and logged; logits go
through the fused stable ops (LogSoftmax, SoftmaxCrossEntropyLoss, BinaryCrossEntropyWithLogits).
"""

from __future__ import annotations

import math
import warnings

from core_ir import ops

from ..._tensor import call
from . import _math as K
from .loss import squeeze_or_expand_to_same_rank


def _pair(y_true, y_pred, same_rank=True):
    y_pred = K.convert(y_pred)
    y_true = K.convert(y_true, y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred) if same_rank else (y_true, y_pred)


def mean_squared_error(y_true, y_pred):
    """mean(square(y_true - y_pred), axis=-1)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return K.mean(K.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(abs(y_true - y_pred), axis=-1)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return K.mean(K.abs_(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), epsilon)), axis=-1)."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = K.abs_((y_true - y_pred) / K.maximum(K.abs_(y_true), K.epsilon()))
    return K.mean(diff, axis=-1) * 100.0


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)."""
    y_true, y_pred = _pair(y_true, y_pred)
    first = K.log(K.maximum(y_pred, K.epsilon()) + 1.0)
    second = K.log(K.maximum(y_true, K.epsilon()) + 1.0)
    return K.mean(K.square(first - second), axis=-1)


def l2_normalize(x, axis=-1):
    """x * min(rsqrt(sum(x^2)), 1/epsilon) (keras.ops.normalize with order 2)."""
    inv_norm = 1.0 / K.sqrt(K.sum_(K.square(x), axis=axis, keepdims=True))
    return x * K.minimum(inv_norm, 1.0 / K.epsilon())


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): -1 is most similar."""
    y_true, y_pred = _pair(y_true, y_pred)
    return -K.sum_(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


def huber(y_true, y_pred, delta=1.0):
    """mean(0.5 e^2 if |e| <= delta else delta |e| - 0.5 delta^2, axis=-1), e = y_pred - y_true."""
    y_true, y_pred = _pair(y_true, y_pred)
    error = y_pred - y_true
    abs_error = K.abs_(error)
    delta_t = K.like(delta, error)
    quadratic = K.square(error) * 0.5
    linear = abs_error * delta_t - K.square(delta_t) * 0.5
    return K.mean(K.where(K.less_equal(abs_error, delta_t), quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(x + softplus(-2x) - log(2), axis=-1) with x = y_pred - y_true: log(cosh(x)), stably."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return K.mean(x + K.softplus(x * -2.0) - math.log(2.0), axis=-1)


def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [epsilon, 1]."""
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    y_true = K.clip(y_true, K.epsilon(), 1.0)
    y_pred = K.clip(y_pred, K.epsilon(), 1.0)
    return K.sum_(y_true * K.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)."""
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    return K.mean(y_pred - y_true * K.log(y_pred + K.epsilon()), axis=-1)


def _hinge_labels(y_true):
    """Keras converts {0, 1} labels to {-1, 1} (labels already in {-1, 1} pass through). The
    check looks at the values: in a traced step it becomes a Where on an all-binary flag."""
    zero_or_one = K.cast(K.equal(y_true, 0.0), "float32") + K.cast(K.equal(y_true, 1.0), "float32")
    is_binary = K.equal(K.min_(zero_or_one), 1.0)
    return K.where(is_binary, y_true * 2.0 - 1.0, y_true)


def hinge(y_true, y_pred):
    """mean(maximum(1 - y_true * y_pred, 0), axis=-1), y_true in {-1, 1} (or {0, 1})."""
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    y_true = _hinge_labels(y_true)
    return K.mean(K.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)."""
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    y_true = _hinge_labels(y_true)
    return K.mean(K.square(K.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)."""
    y_true, y_pred = _pair(y_true, y_pred, same_rank=False)
    pos = K.sum_(y_true * y_pred, axis=-1)
    neg = K.max_((1.0 - y_true) * y_pred, axis=-1)
    return K.maximum(neg - pos + 1.0, 0.0)


# -- crossentropies -------------------------------------------------------------------------------
def _check_axis(axis):
    if isinstance(axis, bool):
        raise ValueError(  # noqa: TRY004  (Keras's type)
            f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")


def _same_shape(target, output):
    if tuple(K.static_shape(target)) != tuple(K.static_shape(output)):
        raise ValueError(f"Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={K.static_shape(target)}, "
                         f"output.shape={K.static_shape(output)}")


def binary_crossentropy_elements(target, output, from_logits=False):
    """keras.ops.binary_crossentropy: elementwise, no reduction."""
    _same_shape(target, output)
    if from_logits:
        return call(ops.binary_cross_entropy_with_logits, output, target, reduction="none")
    output = K.clip(output, K.epsilon(), 1.0 - K.epsilon())
    return -(target * K.log(output) + (1.0 - target) * K.log(1.0 - output))


def categorical_crossentropy_elements(target, output, from_logits=False, axis=-1):
    """keras.ops.categorical_crossentropy: -sum(target * log_prob, axis)."""
    _same_shape(target, output)
    if len(target.shape) < 1:
        raise ValueError(f"Arguments `target` and `output` must be at least rank 1. Received: "
                         f"target.shape={target.shape}, output.shape={output.shape}")
    if from_logits:
        log_prob = K.log_softmax(output, axis=axis)
    else:
        output = output / K.sum_(output, axis=axis, keepdims=True)
        log_prob = K.log(K.clip(output, K.epsilon(), 1.0 - K.epsilon()))
    return -K.sum_(target * log_prob, axis=axis)


def _class_axis_to_1(output, target, axis):
    """The class losses want scores [N, C, d1, ...]; Keras's class axis is `axis` (last)."""
    rank = output.ndim
    if rank == 1:
        return K.expand_dims(output, 0), K.expand_dims(target, 0), True
    a = axis % rank
    if a != 1:
        perm = [0, a] + [i for i in range(1, rank) if i != a]
        output = K.transpose(output, perm)
    return output, target, False


def sparse_categorical_crossentropy_elements(target, output, from_logits=False, axis=-1):
    """keras.ops.sparse_categorical_crossentropy: integer labels, per-element losses."""
    target = K.convert(target)
    if len(target.shape) == len(output.shape) and target.shape[axis] == 1:
        target = K.squeeze(target, axis)
    expected = [d for i, d in enumerate(K.static_shape(output)) if i != axis % output.ndim]
    if list(K.static_shape(target)) != expected:
        raise ValueError(f"Arguments `target` and `output` must have the same shape up until the "
                         f"last dimension: target.shape={K.static_shape(target)}, "
                         f"output.shape={K.static_shape(output)}")
    target = K.cast(target, "int64")
    scores, labels, squeeze = _class_axis_to_1(output, target, axis)
    if from_logits:
        result, _ = call(ops.softmax_cross_entropy_loss, scores, labels, reduction="none")
    else:
        probs = scores / K.sum_(scores, axis=1, keepdims=True)
        log_prob = K.log(K.clip(probs, K.epsilon(), 1.0 - K.epsilon()))
        result = call(ops.negative_log_likelihood_loss, log_prob, labels, reduction="none")
    return K.squeeze(result, 0) if squeeze else result


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean over `axis` of -(t log p + (1 - t) log(1 - p)); p clipped to [1e-7, 1 - 1e-7]."""
    y_pred = K.convert(y_pred)
    y_true = K.cast(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return K.mean(binary_crossentropy_elements(y_true, y_pred, from_logits), axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """(1 - p_t)^gamma * bce, optionally weighted by alpha (class balancing)."""
    y_pred = K.convert(y_pred)
    y_true = K.cast(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = K.sigmoid(y_pred)
    bce = binary_crossentropy_elements(y_true, y_pred, from_logits=False)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal_bce = K.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal_bce
    return K.mean(focal_bce, axis=axis)


def _warn_one_class(name, y_pred):
    if y_pred.shape[-1] == 1:
        warnings.warn(f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) "
                      f"with num_classes > 1. Received: y_pred.shape={K.static_shape(y_pred)}. "
                      "Consider using 'binary_crossentropy' if you only have 2 classes.",
                      SyntaxWarning, stacklevel=3)


def _smooth_categorical(y_true, y_pred, label_smoothing):
    if not label_smoothing:
        return y_true
    num_classes = K.dim(y_true, -1, y_pred.dtype)
    return y_true * (1.0 - label_smoothing) + K.like(label_smoothing, y_pred) / num_classes


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true * log(p), axis); probabilities are renormalized and clipped first."""
    _check_axis(axis)
    y_pred = K.convert(y_pred)
    y_true = K.cast(y_true, y_pred.dtype)
    _warn_one_class("categorical_crossentropy", y_pred)
    y_true = _smooth_categorical(y_true, y_pred, label_smoothing)
    return categorical_crossentropy_elements(y_true, y_pred, from_logits=from_logits, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum(alpha (1 - p)^gamma * -y_true log(p), axis)."""
    _check_axis(axis)
    y_pred = K.convert(y_pred)
    y_true = K.cast(y_true, y_pred.dtype)
    _warn_one_class("categorical_focal_crossentropy", y_pred)
    y_true = _smooth_categorical(y_true, y_pred, label_smoothing)
    if from_logits:
        y_pred = K.softmax(y_pred, axis=axis)
    output = y_pred / K.sum_(y_pred, axis=axis, keepdims=True)
    output = K.clip(output, K.epsilon(), 1.0 - K.epsilon())
    cce = -y_true * K.log(output)
    focal = K.power(1.0 - output, gamma) * alpha * cce
    return K.sum_(focal, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """The crossentropy of integer labels; labels equal to `ignore_class` get loss 0 and are
    masked out of the mean."""
    y_pred = K.convert(y_pred)
    y_true = K.convert(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[axis] == 1:
        y_true = K.squeeze(y_true, axis)
    valid = None
    if ignore_class is not None:
        valid = K.logical_not(K.equal(y_true, K.like(ignore_class, y_true)))
        y_true = K.where(valid, y_true, K.like(0, y_true))
        y_pred = K.where(K.expand_dims(valid, axis), y_pred, K.like(0, y_pred))
    res = sparse_categorical_crossentropy_elements(y_true, y_pred, from_logits, axis)
    if valid is not None:
        res = K.where(valid, res, K.like(0, res))
        K.set_keras_mask(res, valid)
    return res


__all__ = [
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_hinge",
    "cosine_similarity",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "sparse_categorical_crossentropy",
    "squared_hinge",
]
