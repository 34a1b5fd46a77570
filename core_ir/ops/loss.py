"""Loss ops: SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss (ONNX), and the private
BinaryCrossEntropyWithLogits (torch's BCEWithLogitsLoss).

The class losses take scores [N, C, d1, ...] and integer labels [N, d1, ...], optional class
weights [C], an optional ignore_index and reduction none/sum/mean; 'mean' divides by the sum of
the applied weights (the count of non-ignored labels without weights), as ONNX and torch do.
SoftmaxCrossEntropyLoss also has `label_smoothing` (torch semantics: the target is
(1 - e) * one_hot + e / C, weighted by the class weights, ignored labels contribute nothing, and
the 'mean' denominator stays the sum of the label weights) and always returns its second ONNX
output, log_prob. Soft targets (torch's CrossEntropyLoss with class probabilities) are not an
op: -ReduceSum(target * LogSoftmax(scores, axis=1), axes=[1]) and a ReduceMean compose it
exactly, with LogSoftmax's stable VJP.

All three are composites (ONNX defines the class losses as functions), with fused kernels and
fused VJPs for the scores, which use the saved log-probabilities instead of differentiating
exp/sum/log again: the class losses' ones are the private ops SoftmaxCrossEntropyLossGrad and
NegativeLogLikelihoodLossGrad (one fused kernel each; differentiable through their
decompositions). The rarely-needed gradient of the class weights goes through the loss's
decomposition. Labels are not differentiable. Shape rules cannot see label *values*: the
kernels check them and raise IndexOutOfRange naming the op, the value and both shapes.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..autodiff import composite_vjp
from ..errors import ShapeError, fmt_shape
from ..interpreters import TypeSpec, constant
from ..op import DECOMPOSE, PRIVATE_DOMAIN, Attr, defop
from ..shape_rules import broadcast_shapes, check_dtype, same_dtypes

REDUCTIONS = ("none", "sum", "mean")
LABEL_TYPES = frozenset({dtypes.int32, dtypes.int64})
NLL_ATTRS = {"ignore_index": Attr("int", None, optional=True),
             "reduction": Attr("str", "mean", REDUCTIONS)}
SCE_ATTRS = {**NLL_ATTRS, "label_smoothing": Attr("float", 0.0)}


# -- shape rules --------------------------------------------------------------------------------
def _dims_match(a, b) -> bool:
    return a == b or not isinstance(a, int) or not isinstance(b, int)


def _class_loss_spec(scores, labels, weights, reduction) -> TypeSpec:
    check_dtype(scores, dtypes.FLOATS, "scores")
    check_dtype(labels, LABEL_TYPES, "labels")
    if scores.ndim < 2:
        raise ShapeError(f"scores must have shape (N, C) or (N, C, d1, ...), got "
                         f"{fmt_shape(scores.shape)}")
    expected = (scores.shape[0],) + tuple(scores.shape[2:])
    if labels.ndim != len(expected) or not all(map(_dims_match, labels.shape, expected)):
        raise ShapeError(f"labels of shape {fmt_shape(labels.shape)} do not match scores of shape "
                         f"{fmt_shape(scores.shape)}: expected labels of shape "
                         f"{fmt_shape(expected)}")
    if weights is not None:
        same_dtypes(scores, weights)
        if weights.ndim != 1 or not _dims_match(weights.shape[0], scores.shape[1]):
            raise ShapeError(f"weights must have shape (C,) = ({scores.shape[1]},) for scores of "
                             f"shape {fmt_shape(scores.shape)}, got {fmt_shape(weights.shape)}")
    return TypeSpec(scores.dtype, tuple(labels.shape) if reduction == "none" else ())


def _nll_infer(x, target, weight=None, ignore_index=None, reduction="mean"):
    return _class_loss_spec(x, target, weight, reduction)


def _sce_infer(scores, labels, weights=None, ignore_index=None, reduction="mean",
               label_smoothing=0.0):
    if not 0.0 <= label_smoothing <= 1.0:
        raise ShapeError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    loss = _class_loss_spec(scores, labels, weights, reduction)
    return [loss, TypeSpec(scores.dtype, tuple(scores.shape))]


# -- the pieces both class losses are made of (IR ops) -------------------------------------------
def _class_ids(scores, labels):
    """0..C-1 shaped (1, C, 1, ...) in the labels' dtype, to compare labels against."""
    c = scores.shape[1]
    trailing = [1] * (scores.ndim - 2)
    if isinstance(c, int):
        return constant(np.arange(c).reshape([1, c] + trailing), labels.dtype)
    n = cast(squeeze(shape(scores, start=1, end=2), const_ints([0])), to=labels.dtype)
    ids = range_(const_like(0, n), n, const_like(1, n))
    return reshape(ids, const_ints([1, -1] + trailing))


def _class_axis_shaped(weights, scores):
    """weights [C] reshaped to broadcast along axis 1 of scores."""
    return reshape(weights, const_ints([1, -1] + [1] * (scores.ndim - 2)))


def _targets(scores, labels, weights, ignore_index):
    """(hit, picked_w, w_y): hit[n, c, ...] is labels[n, ...] == c; picked_w is the weight of the
    labelled class at that place and 0 elsewhere (and at ignored labels); w_y [N, d1, ...] is the
    weight each label applies (0 where ignored), whose sum is the 'mean' denominator."""
    hit = equal(unsqueeze(labels, const_ints([1])), _class_ids(scores, labels))
    if ignore_index is not None:
        kept = not_(equal(labels, const_like(ignore_index, labels)))
        hit = and_(hit, unsqueeze(kept, const_ints([1])))
    one = ones_like(scores) if weights is None else _class_axis_shaped(weights, scores)
    picked_w = where(hit, one, zeros_like(scores))
    return hit, picked_w, reduce_sum(picked_w, const_ints([1]), keepdims=0)


def _reduce(loss, w_y, reduction):
    if reduction == "none":
        return loss
    total = reduce_sum(loss, keepdims=0)
    return total if reduction == "sum" else total / reduce_sum(w_y, keepdims=0)


def _smoothing_weights(scores, labels, weights, ignore_index, picked_w, label_smoothing):
    """torch's smoothed target times the class weights: (1 - e) picked_w + e/C w, 0 where
    ignored. Its sum over classes is what the softmax term of the gradient is scaled by."""
    if label_smoothing == 0.0:
        return picked_w
    c = scores.shape[1]
    spread = ones_like(scores) if weights is None else expand(_class_axis_shaped(weights, scores),
                                                              shape_tensor(scores))
    if ignore_index is not None:
        kept = not_(equal(labels, const_like(ignore_index, labels)))
        spread = where(unsqueeze(kept, const_ints([1])), spread, zeros_like(spread))
    n_classes = const_like(c, scores) if isinstance(c, int) else cast(
        shape(scores, start=1, end=2), to=scores.dtype)
    return picked_w * (1.0 - label_smoothing) + spread * label_smoothing / n_classes


def _nll_decompose(x, target, weight=None, ignore_index=None, reduction="mean"):
    hit, _, w_y = _targets(x, target, weight, ignore_index)
    # where, not a product with a one-hot mask: x may hold -inf (log 0) at other classes
    x_y = reduce_sum(where(hit, x, zeros_like(x)), const_ints([1]), keepdims=0)
    return _reduce(-(x_y * w_y), w_y, reduction)


def _sce_decompose(scores, labels, weights=None, ignore_index=None, reduction="mean",
                   label_smoothing=0.0):
    log_prob = log_softmax(scores, axis=1)
    _, picked_w, w_y = _targets(scores, labels, weights, ignore_index)
    target_w = _smoothing_weights(scores, labels, weights, ignore_index, picked_w,
                                  label_smoothing)
    loss = -reduce_sum(log_prob * target_w, const_ints([1]), keepdims=0)
    return _reduce(loss, w_y, reduction), log_prob


# -- VJPs -----------------------------------------------------------------------------------------
def _loss_coefficient(g, w_y, reduction):
    """The cotangent of each per-element loss, shaped to broadcast against [N, C, d1, ...]."""
    if reduction == "none":
        return unsqueeze(g, const_ints([1]))
    return g if reduction == "sum" else g / reduce_sum(w_y, keepdims=0)


def _sce_grad_decompose(g, log_prob, labels, weights=None, ignore_index=None, reduction="mean",
                        label_smoothing=0.0):
    """d loss / d scores = coef * (sum_c T[c] * softmax - T) for the weighted target T."""
    _, picked_w, w_y = _targets(log_prob, labels, weights, ignore_index)
    target_w = _smoothing_weights(log_prob, labels, weights, ignore_index, picked_w,
                                  label_smoothing)
    total = reduce_sum(target_w, const_ints([1]), keepdims=1)
    return _loss_coefficient(g, w_y, reduction) * (total * exp(log_prob) - target_w)


def _nll_grad_decompose(g, x, target, weight=None, ignore_index=None, reduction="mean"):
    """d loss / d x = -coef * w[label] at the labelled class, 0 elsewhere (x only gives the
    shape)."""
    _, picked_w, w_y = _targets(x, target, weight, ignore_index)
    return -(_loss_coefficient(g, w_y, reduction) * picked_w)


def _grad_infer(g, like, labels, weights=None, **attrs):
    same_dtypes(g, like)
    return TypeSpec(like.dtype, tuple(like.shape))


# The scores' gradients are private ops with fused kernels: one kernel call instead of a dozen
# eager ops per backward; their decompositions (above) give them second derivatives.
softmax_cross_entropy_loss_grad = defop(
    "SoftmaxCrossEntropyLossGrad", domain=PRIVATE_DOMAIN, infer=_grad_infer, attrs=SCE_ATTRS,
    decompose=_sce_grad_decompose, vjp=DECOMPOSE)
negative_log_likelihood_loss_grad = defop(
    "NegativeLogLikelihoodLossGrad", domain=PRIVATE_DOMAIN, infer=_grad_infer, attrs=NLL_ATTRS,
    decompose=_nll_grad_decompose, vjp=DECOMPOSE)


def _sce_dscores(g, out, scores, labels, weights=None, **attrs):
    """The loss term through the private grad op (from the saved log_prob), plus LogSoftmax's
    VJP for a cotangent of the log_prob output."""
    g_loss, g_log_prob = g
    log_prob = out[1]
    grad = None
    if g_loss is not None:
        grad = softmax_cross_entropy_loss_grad(g_loss, log_prob, labels, weights, **attrs)
    if g_log_prob is not None:
        term = g_log_prob - exp(log_prob) * reduce_sum(g_log_prob, const_ints([1]), keepdims=1)
        grad = term if grad is None else grad + term
    return grad


def _nll_dx(g, out, x, target, weight=None, **attrs):
    return negative_log_likelihood_loss_grad(g, x, target, weight, **attrs)


def _weights_grad(composite):
    """The class weights' cotangent, through the decomposition (ratio of sums under 'mean')."""
    return lambda g, out, *args, **attrs: composite(g, out, *args, **attrs)[2]


softmax_cross_entropy_loss = defop(
    "SoftmaxCrossEntropyLoss", infer=_sce_infer, attrs=SCE_ATTRS, num_outputs=2,
    decompose=_sce_decompose, vjp=None)
negative_log_likelihood_loss = defop(
    "NegativeLogLikelihoodLoss", infer=_nll_infer, attrs=NLL_ATTRS, decompose=_nll_decompose,
    vjp=None)
softmax_cross_entropy_loss.vjp = (
    _sce_dscores, None, _weights_grad(composite_vjp(softmax_cross_entropy_loss)))
negative_log_likelihood_loss.vjp = (
    _nll_dx, None, _weights_grad(composite_vjp(negative_log_likelihood_loss)))


# -- BinaryCrossEntropyWithLogits (private) -------------------------------------------------------
def _broadcasts_to(small: tuple, big: tuple) -> bool:
    """One-way broadcasting: every dim of `small` (right-aligned) is 1 or big's."""
    return len(small) <= len(big) and all(
        d == 1 or _dims_match(d, b) for d, b in zip(small[::-1], big[::-1]))


def _bce_infer(input, target, weight=None, pos_weight=None, reduction="mean"):
    check_dtype(input, dtypes.FLOATS, "input")
    same_dtypes(*[t for t in (input, target, weight, pos_weight) if t is not None])
    if target.ndim != input.ndim or not all(map(_dims_match, target.shape, input.shape)):
        raise ShapeError(f"target of shape {fmt_shape(target.shape)} must have the shape of "
                         f"input {fmt_shape(input.shape)}")
    for name, t in (("weight", weight), ("pos_weight", pos_weight)):
        if t is not None and not _broadcasts_to(tuple(t.shape), tuple(input.shape)):
            raise ShapeError(f"{name} of shape {fmt_shape(t.shape)} does not broadcast to input "
                             f"of shape {fmt_shape(input.shape)}")
    shape_ = broadcast_shapes(input.shape, target.shape)
    return TypeSpec(input.dtype, shape_ if reduction == "none" else ())


def _softplus_neg(x):
    """log(1 + exp(-x)) = max(-x, 0) + log(1 + exp(-|x|)): no overflow for any x."""
    return relu(-x) + log(exp(-abs_(x)) + 1.0)


def _log_weight(target, pos_weight):
    """torch's weight of the log-sigmoid term: 1 + (pos_weight - 1) * target."""
    return None if pos_weight is None else (pos_weight - 1.0) * target + 1.0


def _bce_decompose(input, target, weight=None, pos_weight=None, reduction="mean"):
    sp = _softplus_neg(input)
    lw = _log_weight(target, pos_weight)
    loss = (1.0 - target) * input + (sp if lw is None else lw * sp)
    if weight is not None:
        loss = loss * weight
    if reduction == "none":
        return loss
    return reduce_sum(loss, keepdims=0) if reduction == "sum" else reduce_mean(loss, keepdims=0)


def _bce_coefficient(g, input, weight, reduction):
    """g per element (/ the element count for 'mean'), times the sample weight."""
    if reduction == "mean":
        g = g / reduction_count(input, g)
    return g if weight is None else g * weight


# NOTE: fused VJPs: differentiating the decomposition's max/abs at x == 0 would give -z instead
# of sigmoid(0) - z; these are exact everywhere. loss = w * ((1 - z) x + L softplus(-x)).
def _bce_dinput(g, out, input, target, weight=None, pos_weight=None, reduction="mean"):
    lw = _log_weight(target, pos_weight)
    s = sigmoid(-input)
    return _bce_coefficient(g, input, weight, reduction) * (
        (1.0 - target) - (s if lw is None else lw * s))


def _bce_dtarget(g, out, input, target, weight=None, pos_weight=None, reduction="mean"):
    d = -input if pos_weight is None else (pos_weight - 1.0) * _softplus_neg(input) - input
    return _bce_coefficient(g, input, weight, reduction) * d


def _bce_dweight(g, out, input, target, weight=None, pos_weight=None, reduction="mean"):
    return _bce_coefficient(g, input, None, reduction) * _bce_decompose(
        input, target, None, pos_weight, "none")


def _bce_dpos_weight(g, out, input, target, weight=None, pos_weight=None, reduction="mean"):
    return _bce_coefficient(g, input, weight, reduction) * target * _softplus_neg(input)


binary_cross_entropy_with_logits = defop(
    "BinaryCrossEntropyWithLogits", domain=PRIVATE_DOMAIN, infer=_bce_infer,
    attrs={"reduction": Attr("str", "mean", REDUCTIONS)}, decompose=_bce_decompose,
    vjp=(_bce_dinput, _bce_dtarget, _bce_dweight, _bce_dpos_weight))

__all__ = ["softmax_cross_entropy_loss", "negative_log_likelihood_loss",
           "binary_cross_entropy_with_logits", "softmax_cross_entropy_loss_grad",
           "negative_log_likelihood_loss_grad"]

from .activation import log_softmax  # noqa: E402
from .elementwise import (abs_, and_, cast, equal, exp, log, not_, relu, sigmoid,  # noqa: E402
                          where)
from .helpers import const_ints, const_like, ones_like, shape_tensor, zeros_like  # noqa: E402
from .indexing import range_  # noqa: E402
from .reduction import reduce_mean, reduce_sum, reduction_count  # noqa: E402
from .shape import expand, reshape, shape, squeeze, unsqueeze  # noqa: E402
