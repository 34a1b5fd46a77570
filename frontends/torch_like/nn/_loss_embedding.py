"""Embedding and ranking losses of torch.nn.functional: cosine_embedding_loss,
margin_ranking_loss, hinge_embedding_loss, triplet_margin_loss and
triplet_margin_with_distance_loss, written as ATen writes them (so ties and epsilons agree)."""

from __future__ import annotations

import math

from core_ir import ops

from .._tensor import Size, Tensor, call
from ._loss_utils import (
    apply_reduction,
    clamp_min,
    floats,
    get_reduction,
    mean,
    total,
    where,
    zeros,
)

_EPSILON = 1e-12  # ATen's cosine_embedding_loss guard against zero norms


def cosine_embedding_loss(input1, input2, target, margin: float = 0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """Mirrors torch.nn.functional.cosine_embedding_loss: 1 - cos(x1, x2) where target == 1,
    max(0, cos(x1, x2) - margin) where target == -1.

    Shape: input1, input2 (N, D) with target (N,), or (D,) with target ().
    """
    reduction = get_reduction(reduction, size_average, reduce)
    if target.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if target.ndim == 1 else 1
    if input1.ndim != want or input2.ndim != want:
        raise RuntimeError(f"{target.ndim}D target tensor expects {want}D input tensors, but found "
                           f"inputs with sizes {list(input1.shape)} and {list(input2.shape)}.")
    dim = target.ndim
    prod_sum = total(input1 * input2, dim)
    mag_square1 = total(input1 * input1, dim) + _EPSILON
    mag_square2 = total(input2 * input2, dim) + _EPSILON
    cos = prod_sum / call(ops.sqrt, mag_square1 * mag_square2)
    zero = zeros(cos)
    pos = where(target == 1, 1 - cos, zero)
    neg = where(target == -1, clamp_min(cos - margin, 0.0), zero)
    return apply_reduction(pos + neg, reduction)


def margin_ranking_loss(input1, input2, target, margin: float = 0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """Mirrors torch.nn.functional.margin_ranking_loss: max(0, -target (x1 - x2) + margin)."""
    reduction = get_reduction(reduction, size_average, reduce)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {Size(input1.shape)!r}, input2: {Size(input2.shape)!r}, target: "
            f"{Size(target.shape)!r} ")
    loss = clamp_min(-target * (input1 - input2) + margin, 0.0)
    return apply_reduction(loss, reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """Mirrors torch.nn.functional.hinge_embedding_loss: x where target == 1, max(0, margin - x)
    where target == -1 (ATen: the first term applies where target != -1, the second where
    target != 1)."""
    reduction = get_reduction(reduction, size_average, reduce)
    input, target = floats(input, target)
    zero = zeros(input)
    margin_clamp = clamp_min(margin - input, 0.0)
    output = where(target != 1, margin_clamp, zero) + where(target != -1, input, zero)
    return apply_reduction(output, reduction)


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                       keepdim: bool = False) -> Tensor:
    """torch.pairwise_distance: the p-norm of x1 - x2 + eps over the last dim."""
    d = x1 - x2 + eps
    axis = ops.const_ints([max(x1.ndim, x2.ndim) - 1])
    keep = int(keepdim)
    if p == 2:
        return call(ops.reduce_l2, d, axis, keepdims=keep)
    if p == 1:
        return call(ops.reduce_l1, d, axis, keepdims=keep)
    if math.isinf(p):
        return call(ops.reduce_max, call(ops.abs_, d), axis, keepdims=keep)
    powered = call(ops.abs_, d) ** p
    return call(ops.reduce_sum, powered, axis, keepdims=keep) ** (1.0 / p)


def _check_triplet_dims(anchor, positive, negative) -> None:
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not (a == p and p == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {p}D, and "
                           f"negative {n}D inputs")


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """Mirrors torch.nn.functional.triplet_margin_loss:
    max(d(a, p) - d(a, n) + margin, 0) with d the pairwise p-norm distance (swap: d(a, n) is
    replaced by min(d(a, n), d(p, n)))."""
    reduction = get_reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist_pos = _pairwise_distance(anchor, positive, p, eps)
    dist_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = call(ops.min_, dist_neg, _pairwise_distance(positive, negative, p, eps))
    return apply_reduction(clamp_min(dist_pos - dist_neg + margin, 0.0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """Mirrors torch.nn.functional.triplet_margin_with_distance_loss: triplet_margin_loss with
    any distance function (pairwise_distance by default)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    distance = distance_function if distance_function is not None else _pairwise_distance
    dist_pos = distance(anchor, positive)
    dist_neg = distance(anchor, negative)
    if swap:
        dist_neg = call(ops.min_, dist_neg, distance(positive, negative))
    loss = clamp_min(margin + dist_pos - dist_neg, 0.0)
    if reduction == "sum":
        return total(loss)
    return mean(loss) if reduction == "mean" else loss


__all__ = [
    "cosine_embedding_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]
