"""Class-index losses of torch.nn.functional: nll_loss, cross_entropy, multi_margin_loss and
multilabel_margin_loss.

Index targets go through the IR's NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss ops
(fused kernels and VJPs; K-dim inputs (N, C, d1, ...) and torch's label smoothing included);
class-probability targets are LogSoftmax + ReduceSum, as torch computes them. The shape, dtype
and target-value checks come first, with torch's exception types and messages.
"""

from __future__ import annotations

import numpy as np

import core_ir
from core_ir import ops

from .._tensor import Tensor, call
from ._loss_utils import (
    apply_reduction,
    const,
    eager_values,
    get_reduction,
    torch_type_name,
    total,
    where,
)

_TARGET_TYPES = {"int64", "uint8"}


# -- checks ---------------------------------------------------------------------------------------
def _check_target_dtype(target: Tensor) -> Tensor:
    if str(target.dtype) not in _TARGET_TYPES:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{torch_type_name(target.dtype)}")
    return target if target.dtype == np.int64 else call(ops.cast, target, to=np.dtype("int64"))


def _check_layout(input: Tensor, target: Tensor) -> None:
    """torch's nll_loss_nd checks, in its order and with its messages."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and target.ndim >= 1 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0]}).")
    if input.ndim <= 2:
        if target.ndim > 1 or (input.ndim == 2 and target.ndim == 0):
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if input.ndim == 1 and target.ndim == 1 and target.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{target.shape[0]}")
    else:
        expected = [input.shape[0]] + list(input.shape[2:])
        if list(target.shape) != expected:
            raise RuntimeError(f"Expected target size {expected}, got {list(target.shape)}")


def _check_weight(weight, input: Tensor, n_classes: int, prefix: str = ""):
    if weight is None:
        return None
    if weight.ndim != 1 or weight.shape[0] != n_classes:
        raise RuntimeError(f"{prefix}weight tensor should be defined either for all {n_classes} "
                           f"classes or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    if weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {torch_type_name(input.dtype)} but found "
                           f"{torch_type_name(weight.dtype)}")
    return weight


def _check_target_values(target: Tensor, n_classes: int, ignore_index: int) -> None:
    """Eagerly, torch's IndexError for a class index outside [0, C) (ignore_index excepted)."""
    values = eager_values(target)
    if values is None:
        return
    bad = (values != ignore_index) & ((values < 0) | (values >= n_classes))
    if bad.any():
        raise IndexError(f"Target {values[bad].flat[0]} is out of bounds.")


def _batched(input: Tensor, target: Tensor):
    """(input, target, unbatched): a (C,) input becomes (1, C) with its target (1,)."""
    if input.ndim != 1:
        return input, target, False
    input = call(ops.unsqueeze, input, ops.const_ints([0]))
    if target.ndim == 0:
        target = call(ops.unsqueeze, target, ops.const_ints([0]))
    return input, target, True


def _unbatched(loss: Tensor, unbatched: bool, reduction: str) -> Tensor:
    if unbatched and reduction == "none":
        return call(ops.squeeze, loss, ops.const_ints([0]))
    return loss


# -- nll_loss / cross_entropy ---------------------------------------------------------------------
def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean") -> Tensor:
    """Mirrors torch.nn.functional.nll_loss: -w[t] input[n, t] per element; 'mean' divides by the
    sum of the applied weights; targets equal to ignore_index contribute nothing.

    Shape: input (C,), (N, C) or (N, C, d1, ...); target (), (N,) or (N, d1, ...).
    """
    reduction = get_reduction(reduction, size_average, reduce)
    target = _check_target_dtype(target)
    _check_layout(input, target)
    n_classes = input.shape[0 if input.ndim == 1 else 1]
    weight = _check_weight(weight, input, n_classes)
    _check_target_values(target, n_classes, ignore_index)
    x, t, unbatched = _batched(input, target)
    loss = call(ops.negative_log_likelihood_loss, x, t, weight, ignore_index=ignore_index,
                reduction=reduction)
    return _unbatched(loss, unbatched, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Mirrors torch.nn.functional.cross_entropy: nll_loss(log_softmax(input, 1), target) for
    class indices (SoftmaxCrossEntropyLoss op, with label smoothing); for class probabilities
    (target shaped like input) -sum_c w_c t_c log_softmax(input)_c, whose 'mean' divides by the
    number of samples (N * d1 * ...), not by the weights.

    Shape: input (C,), (N, C) or (N, C, d1, ...); target (), (N,), (N, d1, ...) of indices, or
    the input's shape of probabilities.
    """
    reduction = get_reduction(reduction, size_average, reduce)
    if tuple(target.shape) == tuple(input.shape):
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction,
                                    label_smoothing)
    target = _check_target_dtype(target)
    _check_layout(input, target)
    n_classes = input.shape[0 if input.ndim == 1 else 1]
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    weight = _check_weight(weight, input, n_classes)
    _check_target_values(target, n_classes, ignore_index)
    x, t, unbatched = _batched(input, target)
    # torch ignores a negative label_smoothing (only > 0 switches smoothing on)
    loss, _ = call(ops.softmax_cross_entropy_loss, x, t, weight, ignore_index=ignore_index,
                   reduction=reduction, label_smoothing=max(float(label_smoothing), 0.0))
    return _unbatched(loss, unbatched, reduction)


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing):
    """torch's _cross_entropy_loss_prob_target."""
    if target.dtype.kind != "f":
        raise RuntimeError(f"Expected floating point type for target with class probabilities, "
                           f"got {torch_type_name(target.dtype)}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    class_dim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[class_dim]
    weight = _check_weight(weight, input, n_classes, prefix="cross_entropy: ")
    log_prob = call(ops.log_softmax, input, axis=class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                               f"{label_smoothing}")
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    terms = log_prob * target
    if weight is not None:
        shape = [1] * input.ndim
        shape[class_dim] = n_classes
        terms = terms * call(ops.reshape, weight, ops.const_ints(shape))
    if reduction == "none":
        return -total(terms, class_dim)
    if reduction == "sum":
        return -total(terms)
    samples = int(np.prod(input.shape)) // n_classes if n_classes else 0
    return -total(terms) / (samples if samples else float("nan"))


# -- margin losses over classes -------------------------------------------------------------------
def _class_ids(n_classes: int, ndim: int) -> Tensor:
    """0..C-1 along the last of `ndim` axes, to compare class indices against."""
    shape = [1] * (ndim - 1) + [n_classes]
    return core_ir.constant(np.arange(n_classes, dtype=np.int64).reshape(shape), cls=Tensor)


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Mirrors torch.nn.functional.multi_margin_loss: per sample
    sum_{i != y} w[y] max(0, margin - x[y] + x[i])^p / C, then reduced.

    Shape: input (C,) or (N, C); target () or (N,).
    """
    reduction = get_reduction(reduction, size_average, reduce)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    if input.ndim > 2 or input.numel() == 0:
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {list(input.shape)}")
    target = _check_target_dtype(target)
    n_frames = 1 if input.ndim <= 1 else input.shape[0]
    if target.ndim > 1 or target.numel() != n_frames:
        raise RuntimeError(f"inconsistent target size, expected {n_frames} but got "
                           f"{list(target.shape)}")
    n_classes = input.shape[-1] if input.ndim else 1
    values = eager_values(target)
    if values is not None and ((values < 0) | (values >= n_classes)).any():
        raise RuntimeError("target out of range")
    x = call(ops.reshape, input, ops.const_ints([n_frames, n_classes]))
    t = call(ops.reshape, target, ops.const_ints([n_frames, 1]))
    hit = t == _class_ids(n_classes, 2)
    zero = const(0.0, x)
    x_y = total(where(hit, x, zero), 1, keepdim=True)
    h = call(ops.relu, x - x_y + margin)
    h = h if p == 1 else h * h
    if weight is not None:
        w = call(ops.reshape, weight, ops.const_ints([1, n_classes]))
        h = h * total(where(hit, w, zero), 1, keepdim=True)
    loss = total(where(hit, zero, h), 1) / n_classes
    if input.ndim <= 1 and reduction == "none":
        loss = call(ops.reshape, loss, ops.const_ints(list(target.shape)))
    return apply_reduction(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Mirrors torch.nn.functional.multilabel_margin_loss: per sample
    sum_{j, i not a target} max(0, 1 - (x[y_j] - x[i])) / C over the target indices y_j listed
    before the first negative entry of the target row.

    Shape: input (C,) or (N, C); target of the same shape, int64.
    """
    reduction = get_reduction(reduction, size_average, reduce)
    target = _check_target_dtype(target)
    if tuple(target.shape) != tuple(input.shape) or input.ndim > 2:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    n_classes = input.shape[-1] if input.ndim else 1
    values = eager_values(target)
    if values is not None and ((values < -1) | (values >= n_classes)).any():
        raise RuntimeError("argument #2 'target' is out of range")
    x = call(ops.reshape, input, ops.const_ints([-1, n_classes]))
    t = call(ops.reshape, target, ops.const_ints([-1, n_classes]))
    # the targets of a row are the entries before its first negative one
    negatives = call(ops.cast, t < 0, to=np.dtype("int64"))
    valid = call(ops.cumsum, negatives, ops.const_ints([1])) == 0            # (N, J)
    t_safe = where(valid, t, const(0, t))
    hit = call(ops.and_, call(ops.unsqueeze, t_safe, ops.const_ints([2])) ==
               _class_ids(n_classes, 3), call(ops.unsqueeze, valid, ops.const_ints([2])))
    is_target = call(ops.reduce_max, call(ops.cast, hit, to=x.dtype), ops.const_ints([1]),
                     keepdims=1) > 0.5                                       # (N, 1, C)
    x_t = call(ops.gather_elements, x, t_safe, axis=1)                       # (N, J)
    z = call(ops.unsqueeze, x, ops.const_ints([1])) - call(
        ops.unsqueeze, x_t, ops.const_ints([2])) + 1.0                      # (N, J, C)
    keep = call(ops.and_, call(ops.unsqueeze, valid, ops.const_ints([2])), ~is_target)
    loss = total(where(keep, call(ops.relu, z), const(0.0, z)), (1, 2)) / n_classes
    if input.ndim <= 1:
        loss = call(ops.reshape, loss, ops.const_ints([]))
    return apply_reduction(loss, reduction)


__all__ = ["cross_entropy", "multi_margin_loss", "multilabel_margin_loss", "nll_loss"]
