"""The loss functions of torch.nn.functional (nn/functional.py star-imports this module).

Regression and binary losses live here; the class-index losses (nll_loss, cross_entropy,
multi_margin_loss, multilabel_margin_loss) in _loss_class.py and the embedding / ranking losses in
_loss_embedding.py. Each mirrors torch.nn.functional's function of the same name: argument names
and defaults, the deprecated size_average/reduce mapping, torch's formulas (ATen's, so float
rounding and edge cases agree) and its exception types and messages. All math runs through IR
ops, so every loss is differentiable (also with respect to the target) and traceable.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

import core_ir
from core_ir import ops

from .._tensor import Size, Tensor, call
from ._loss_class import cross_entropy, multi_margin_loss, multilabel_margin_loss, nll_loss
from ._loss_embedding import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from ._loss_utils import (
    apply_reduction,
    cast_like,
    check_broadcast,
    clamp_min,
    const,
    eager_values,
    floats,
    get_reduction,
    mean,
    size_warning,
    torch_type_name,
    total,
    where,
)


# -- regression ---------------------------------------------------------------------------------
def _difference(input: Tensor, target: Tensor) -> Tensor:
    size_warning(input, target)
    check_broadcast(input, target)
    a, b = floats(input, target)
    return a - b


def _weighted(loss: Tensor, weight, input: Tensor, reduction: str, mean_by_weight: bool):
    """torch 2.13's optional elementwise `weight` of l1/mse/huber: 'mean' divides by the weight
    sum for l1/mse and by the element count for huber."""
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return total(loss) / total(weight)
    return apply_reduction(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
            weight=None) -> Tensor:
    """Mirrors torch.nn.functional.l1_loss: |input - target|, reduced."""
    reduction = get_reduction(reduction, size_average, reduce)
    loss = call(ops.abs_, _difference(input, target))
    if weight is not None:
        return _weighted(loss, weight, input, reduction, mean_by_weight=True)
    return apply_reduction(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
             weight=None) -> Tensor:
    """Mirrors torch.nn.functional.mse_loss: (input - target)^2, reduced."""
    reduction = get_reduction(reduction, size_average, reduce)
    d = _difference(input, target)
    loss = d * d
    if weight is not None:
        return _weighted(loss, weight, input, reduction, mean_by_weight=True)
    return apply_reduction(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """Mirrors torch.nn.functional.smooth_l1_loss: 0.5 d^2 / beta where |d| < beta, else
    |d| - 0.5 beta; beta == 0 is l1_loss."""
    reduction = get_reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    z = call(ops.abs_, _difference(input, target))
    if beta == 0.0:
        return apply_reduction(z, reduction)
    return apply_reduction(where(z < beta, z * 0.5 * z / beta, z - 0.5 * beta), reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0,
               weight=None) -> Tensor:
    """Mirrors torch.nn.functional.huber_loss: 0.5 d^2 where |d| < delta, else
    delta (|d| - 0.5 delta) (smooth_l1_loss times delta)."""
    reduction = get_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    z = call(ops.abs_, _difference(input, target))
    loss = where(z < delta, z * 0.5 * z, (z - 0.5 * delta) * delta)
    if weight is not None:
        return _weighted(loss, weight, input, reduction, mean_by_weight=False)
    return apply_reduction(loss, reduction)


def _xlogy_self(t: Tensor) -> Tensor:
    """t * log(t) with 0 where t == 0 (torch.xlogy(t, t)); the inner where keeps log's gradient
    finite at 0."""
    zero = t == 0.0
    safe = where(zero, const(1.0, t), t)
    return where(zero, const(0.0, t), t * call(ops.log, safe))


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Mirrors torch.nn.functional.kl_div: target * (log(target) - input) pointwise (with
    log_target, exp(target) * (target - input)); 'batchmean' divides the sum by the batch size."""
    if size_average is not None or reduce is not None:
        reduction = get_reduction(reduction, size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    elif reduction != "batchmean":
        reduction = get_reduction(reduction)
    input, target = floats(input, target)
    if log_target:
        loss = call(ops.exp, target) * (target - input)
    else:
        loss = _xlogy_self(target) - target * input
    if reduction == "batchmean":
        summed = total(loss)
        return summed / input.shape[0] if input.ndim != 0 else summed
    return apply_reduction(loss, reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Mirrors torch.nn.functional.poisson_nll_loss: exp(input) - target * input (log_input),
    else input - target * log(input + eps); `full` adds Stirling's term where target > 1."""
    reduction = get_reduction(reduction, size_average, reduce)
    input, target = floats(input, target)
    if log_input:
        loss = call(ops.exp, input) - target * input
    else:
        loss = input - target * call(ops.log, input + eps)
    if full:
        small = target <= 1.0
        safe = where(small, const(1.0, target), target)
        stirling = safe * call(ops.log, safe) - safe + call(ops.log, safe * (2 * math.pi)) * 0.5
        loss = loss + where(small, const(0.0, loss), stirling)
    return apply_reduction(loss, reduction)


def _gaussian_var(input: Tensor, var) -> Tensor:
    """torch's var checks: non-negative, and the same size as input, one dim short, or
    broadcastable with exactly one mismatched dimension (homoscedastic)."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        return call(ops.expand, const(var, input), ops.shape_tensor(input))
    values = eager_values(var)
    if values is not None and np.any(values < 0):
        raise ValueError("var has negative entry/entries")
    vs, xs = tuple(var.shape), tuple(input.shape)
    if vs == xs:
        return var
    if xs[:-1] == vs:
        return call(ops.unsqueeze, var, ops.const_ints([-1]))
    if len(xs) == len(vs) and sum(y for x, y in zip(xs, vs) if x != y) == 1:
        return var
    raise ValueError("var is of incorrect size")


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Mirrors torch.nn.functional.gaussian_nll_loss: 0.5 (log(max(var, eps)) + (input -
    target)^2 / max(var, eps)) (+ 0.5 log(2 pi) when full). As in torch (which clamps a clone in
    place under no_grad), the gradient reaches var unchanged where it was clamped."""
    var = _gaussian_var(input, var)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = cast_like(var, input)
    # torch clamps a clone in place under no_grad: the value becomes eps but the gradient still
    # flows to var unchanged. A shift computed without gradient reproduces exactly that.
    with core_ir.no_grad():
        shift = where(var < eps, const(eps, var), var) - var
    var = var + shift
    d = input - target
    loss = (call(ops.log, var) + d * d / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, reduction)


# -- binary -------------------------------------------------------------------------------------
def _clamped_log(x: Tensor) -> Tensor:
    """max(log(x), -100) as torch's binary_cross_entropy; log(0) never runs, so the gradient is
    0 (not nan) where x is 0."""
    positive = x > 0.0
    log = call(ops.log, where(positive, x, const(1.0, x)))
    return clamp_min(where(positive, log, const(-100.0, x)), -100.0)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """Mirrors torch.nn.functional.binary_cross_entropy: -w (t log(x) + (1 - t) log(1 - x)),
    each log clamped to >= -100. Difference: where x(1 - x) < 1e-12 torch's gradient divides by
    1e-12; here it is the exact derivative of the clamped formula."""
    reduction = get_reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({Size(target.shape)!r}) that is different to the "
                         f"input size ({Size(input.shape)!r}) is deprecated. Please ensure they "
                         "have the same size.")
    values = eager_values(input)
    if values is not None and not np.all((values >= 0) & (values <= 1)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    target = cast_like(target, input)
    loss = -(target * _clamped_log(input) + (1.0 - target) * _clamped_log(1.0 - input))
    if weight is not None:
        check_broadcast(target, weight)
        loss = loss * cast_like(weight, input)
    return apply_reduction(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """Mirrors torch.nn.functional.binary_cross_entropy_with_logits: -w (p t log(sigmoid(x)) +
    (1 - t) log(1 - sigmoid(x))), computed stably by the BinaryCrossEntropyWithLogits op."""
    reduction = get_reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({Size(target.shape)!r}) must be the same as input size "
                         f"({Size(input.shape)!r})")
    if target.dtype.kind != "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{torch_type_name(target.dtype)}")
    extras = [None if t is None else cast_like(t, input) for t in (weight, pos_weight)]
    for t in extras:
        if t is not None:
            check_broadcast(input, t)
    return call(ops.binary_cross_entropy_with_logits, input, cast_like(target, input), *extras,
                reduction=reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Mirrors torch.nn.functional.soft_margin_loss: log(1 + exp(-target * input)), reduced."""
    reduction = get_reduction(reduction, size_average, reduce)
    input, target = floats(input, target)
    return apply_reduction(call(ops.softplus, -(target * input)), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """Mirrors torch.nn.functional.multilabel_soft_margin_loss: the mean over classes (the last
    dim) of -(t log(sigmoid(x)) + (1 - t) log(sigmoid(-x))), weighted, then reduced."""
    if size_average is not None or reduce is not None:
        reduction = get_reduction(reduction, size_average, reduce)
    input, target = floats(input, target)
    # log(sigmoid(x)) = -softplus(-x): stable for large |x|
    loss = target * call(ops.softplus, -input) + (1.0 - target) * call(ops.softplus, input)
    if weight is not None:
        loss = loss * cast_like(weight, input)
    class_dim = input.ndim - 1
    loss = total(loss, class_dim) / input.shape[class_dim]
    if reduction == "none":
        return loss
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return total(loss)
    raise ValueError(reduction + " is not valid")


__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]
