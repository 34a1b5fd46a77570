"""Kernels of the losses: SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss (one fused pass:
max-shifted log-softmax, then a gather of the labelled entries, no one-hot matrix) and the
private BinaryCrossEntropyWithLogits in its stable form.

Kernels do not validate shapes, but label *values* are data the shape rules never see: a label
outside [0, C) that is not ignore_index raises IndexOutOfRange with the op, the value and both
shapes (the eager interpreter adds the origin).
"""

from __future__ import annotations

import numpy as np

from core_ir import ops
from core_ir.errors import IndexOutOfRange, fmt_shape


def check_labels(op_name: str, scores: np.ndarray, labels: np.ndarray,
                 ignore_index: int | None) -> None:
    """Raise IndexOutOfRange for the first label outside [0, C) other than ignore_index."""
    n_classes = scores.shape[1]
    if labels.size == 0 or (labels.min() >= 0 and labels.max() < n_classes):
        return  # the common case: two cheap reductions
    bad = (labels < 0) | (labels >= n_classes)
    if ignore_index is not None:
        bad &= labels != ignore_index
    if bad.any():
        value = labels[bad].flat[0]
        ii = "" if ignore_index is None else f" (ignore_index={ignore_index})"
        raise IndexOutOfRange(
            f"{op_name}: label {value} is out of range for {n_classes} classes, expected "
            f"0 <= label < {n_classes}{ii}; scores shape {fmt_shape(scores.shape)}, labels "
            f"shape {fmt_shape(labels.shape)}")


def _label_weights(x, labels, weights, ignore_index):
    """(safe labels, w_y): labels with ignored ones set to 0 (safe to gather with), and the
    weight each label applies (0 where ignored), or None when every weight is 1."""
    kept = None if ignore_index is None else labels != ignore_index
    safe = labels if kept is None else np.where(kept, labels, 0)
    w_y = None if weights is None else weights[safe]
    if kept is not None:
        w_y = kept.astype(x.dtype) if w_y is None else w_y * kept
    return safe, w_y


def _flat_index(shape: tuple, safe: np.ndarray) -> np.ndarray:
    """Flat indices (shaped like the labels) of x[n, labels[n, ...], ...] in a C-contiguous x
    of `shape`. NOTE: cheaper than take/put_along_axis, which build index grids per call."""
    n, c = shape[0], shape[1]
    inner = safe.size // n if n else 0  # d1 * d2 * ...
    rows = np.arange(n).reshape((n,) + (1,) * (safe.ndim - 1)) * c
    index = (rows + safe) * inner
    if inner != 1:
        index = index + np.arange(inner).reshape(safe.shape[1:])
    return index


def _picked(x: np.ndarray, safe: np.ndarray) -> np.ndarray:
    """x[n, labels[n, ...], ...]: the labelled entry along the class axis."""
    return np.take(x, _flat_index(x.shape, safe))


def _reduce(loss: np.ndarray, w_y, reduction: str, dtype) -> np.ndarray:
    if reduction == "none":
        return loss.astype(dtype, copy=False)
    total = loss.sum(dtype=dtype)
    if reduction == "sum":
        return np.asarray(total, dtype)
    denominator = loss.size if w_y is None else w_y.sum(dtype=dtype)
    return np.asarray(total / denominator, dtype)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    out = x - x.max(axis=axis, keepdims=True)
    out -= np.log(np.exp(out).sum(axis=axis, keepdims=True))
    return out


def _nll(x, target, weight=None, ignore_index=None, reduction="mean"):
    check_labels("NegativeLogLikelihoodLoss", x, target, ignore_index)
    safe, w_y = _label_weights(x, target, weight, ignore_index)
    loss = -_picked(x, safe)
    if w_y is not None:  # where, not a product: an ignored place may hold -inf (log 0)
        loss = np.where(w_y != 0, loss * w_y, 0)
    return _reduce(loss, w_y, reduction, x.dtype)


def _sce(scores, labels, weights=None, ignore_index=None, reduction="mean", label_smoothing=0.0):
    check_labels("SoftmaxCrossEntropyLoss", scores, labels, ignore_index)
    log_prob = _log_softmax(scores, 1)
    safe, w_y = _label_weights(scores, labels, weights, ignore_index)
    loss = -_picked(log_prob, safe)
    if w_y is not None:
        loss *= w_y
    if label_smoothing:  # torch: (1 - e) nll + e/C * sum_c -w_c log p_c, 0 where ignored
        spread = log_prob if weights is None else log_prob * weights.reshape(
            (1, -1) + (1,) * (scores.ndim - 2))
        smooth = -spread.sum(axis=1)
        if ignore_index is not None:
            smooth *= labels != ignore_index
        loss = (1 - label_smoothing) * loss + (label_smoothing / scores.shape[1]) * smooth
    return _reduce(loss, w_y, reduction, scores.dtype), log_prob


def _coefficient(g, w_y, labels, reduction, dtype):
    """The cotangent of each per-element loss, broadcastable against [N, C, d1, ...]."""
    if reduction == "none":
        return np.expand_dims(g, 1)
    if reduction == "sum":
        return g
    return g / (labels.size if w_y is None else w_y.sum(dtype=dtype))


def _sce_grad(g, log_prob, labels, weights=None, ignore_index=None, reduction="mean",
              label_smoothing=0.0):
    """coef * (sum_c T[c] * softmax - T), T the weighted (smoothed) target, in one pass over a
    copy of the probabilities; the labelled entries are fixed up with a scatter."""
    safe, w_y = _label_weights(log_prob, labels, weights, ignore_index)
    on_label = np.ones(labels.shape, log_prob.dtype) if w_y is None else w_y
    grad = np.exp(log_prob, order="C")  # C-contiguous: the scatter below writes a flat view
    e, n_classes = label_smoothing, log_prob.shape[1]
    if e:
        class_w = np.ones(n_classes, log_prob.dtype) if weights is None else weights
        kept = np.ones(labels.shape, log_prob.dtype) if ignore_index is None else \
            (labels != ignore_index).astype(log_prob.dtype)
        grad *= np.expand_dims((1 - e) * on_label + (e / n_classes) * class_w.sum() * kept, 1)
        grad -= (e / n_classes) * np.expand_dims(kept, 1) * class_w.reshape(
            (1, -1) + (1,) * (log_prob.ndim - 2))
    else:
        grad *= np.expand_dims(on_label, 1)
    flat = grad.reshape(-1)  # grad is a fresh C-contiguous array: a view
    index = _flat_index(grad.shape, safe)
    flat[index] -= (1 - e) * on_label
    grad *= _coefficient(g, w_y, labels, reduction, log_prob.dtype)
    return grad


def _nll_grad(g, x, target, weight=None, ignore_index=None, reduction="mean"):
    """-coef * w[label] scattered into zeros at the labelled classes."""
    safe, w_y = _label_weights(x, target, weight, ignore_index)
    coef = _coefficient(g, w_y, target, reduction, x.dtype)
    values = -(coef[:, 0] if reduction == "none" else coef)
    if w_y is not None:
        values = values * w_y
    out = np.zeros(x.shape, x.dtype)
    out.reshape(-1)[_flat_index(x.shape, safe)] = values
    return out


def _bce_with_logits(input, target, weight=None, pos_weight=None, reduction="mean"):
    # max(-x, 0) + log1p(exp(-|x|)) = log(1 + exp(-x)), exact for any x
    softplus_neg = np.maximum(-input, 0) + np.log1p(np.exp(-np.abs(input)))
    if pos_weight is None:
        loss = (1 - target) * input + softplus_neg
    else:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * softplus_neg
    if weight is not None:
        loss = loss * weight
    if reduction == "none":
        return loss.astype(input.dtype, copy=False)
    total = loss.sum(dtype=input.dtype)
    return np.asarray(total if reduction == "sum" else total / loss.size, input.dtype)


KERNELS = {
    ops.softmax_cross_entropy_loss: _sce,
    ops.negative_log_likelihood_loss: _nll,
    ops.binary_cross_entropy_with_logits: _bce_with_logits,
    ops.softmax_cross_entropy_loss_grad: _sce_grad,
    ops.negative_log_likelihood_loss_grad: _nll_grad,
}
