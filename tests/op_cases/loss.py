"""Cases for SoftmaxCrossEntropyLoss, NegativeLogLikelihoodLoss and the private
BinaryCrossEntropyWithLogits. References loop over samples in plain Python (math.exp/log on
floats), following the ONNX operator docs and torch's formulas (label smoothing,
BCEWithLogitsLoss with pos_weight)."""

from __future__ import annotations

import math

import numpy as np

from core_ir import ops

from . import OpCase, positive, rand


def _positions(labels):
    """(n, (d1, ...)) index pairs of every label."""
    return [(idx[0], idx[1:]) for idx in np.ndindex(*labels.shape)]


def _column(x, n, rest):
    """x[n, :, *rest] as a list of floats."""
    return [float(x[(n, c) + rest]) for c in range(x.shape[1])]


def _log_softmax_list(vs):
    m = max(vs)
    lse = m + math.log(sum(math.exp(v - m) for v in vs))
    return [v - lse for v in vs]


def _reduced(losses, weights_applied, labels_shape, reduction, dtype):
    if reduction == "none":
        return np.array(losses, np.float64).reshape(labels_shape).astype(dtype)
    total = sum(losses)
    if reduction == "sum":
        return np.array(total, dtype)
    return np.array(total / sum(weights_applied), dtype)


def class_loss_ref(kind, ignore_index=None, reduction="mean", label_smoothing=0.0):
    """kind 'sce' (scores in, also returns log_prob) or 'nll' (log-probabilities in)."""

    def ref(x, labels, weights=None):
        n_classes = x.shape[1]
        w = [1.0] * n_classes if weights is None else [float(v) for v in weights]
        log_prob = np.zeros(x.shape)
        losses, applied = [], []
        for n, rest in _positions(labels):
            col = _column(x, n, rest)
            lp = _log_softmax_list(col) if kind == "sce" else col
            for c in range(n_classes):
                log_prob[(n, c) + rest] = lp[c]
            y = int(labels[(n,) + rest])
            if y == ignore_index:
                losses.append(0.0)
                applied.append(0.0)
                continue
            loss = -w[y] * lp[y]
            if label_smoothing:
                smooth = -sum(w[c] * lp[c] for c in range(n_classes))
                loss = (1 - label_smoothing) * loss + label_smoothing / n_classes * smooth
            losses.append(loss)
            applied.append(w[y])
        out = _reduced(losses, applied, labels.shape, reduction, x.dtype)
        return (out, log_prob.astype(x.dtype)) if kind == "sce" else out

    return ref


def bce_ref(reduction="mean"):
    def ref(x, z, weight=None, pos_weight=None):
        w = np.broadcast_to(1.0 if weight is None else weight, x.shape)
        p = np.broadcast_to(1.0 if pos_weight is None else pos_weight, x.shape)
        losses = []
        for i in np.ndindex(*x.shape):
            xi, zi = float(x[i]), float(z[i])
            log_sig = -math.log1p(math.exp(-xi)) if xi > 0 else xi - math.log1p(math.exp(xi))
            log_one_minus = log_sig - xi  # log(1 - sigmoid(x)) = log sigmoid(x) - x
            losses.append(-float(w[i]) * (float(p[i]) * zi * log_sig + (1 - zi) * log_one_minus))
        if reduction == "none":
            return np.array(losses).reshape(x.shape).astype(x.dtype)
        total = sum(losses)
        return np.array(total if reduction == "sum" else total / len(losses), x.dtype)

    return ref


def class_loss_grad_ref(kind, ignore_index=None, reduction="mean", label_smoothing=0.0):
    """d loss / d scores from the cotangent g: coef * (sum_c T_c * p - T) for SCE (p =
    exp(log_prob), T the weighted smoothed target), -coef * w[y] at the label for NLL."""

    def ref(g, x, labels, weights=None):
        n_classes = x.shape[1]
        w = [1.0] * n_classes if weights is None else [float(v) for v in weights]
        kept = [(n, rest) for n, rest in _positions(labels)
                if int(labels[(n,) + rest]) != ignore_index]
        total_w = sum(w[int(labels[(n,) + rest])] for n, rest in kept)
        out = np.zeros(x.shape)
        for n, rest in kept:
            y = int(labels[(n,) + rest])
            coef = float(g[(n,) + rest]) if reduction == "none" else float(g)
            coef = coef / total_w if reduction == "mean" else coef
            if kind == "nll":
                out[(n, y) + rest] = -coef * w[y]
                continue
            target = [(1 - label_smoothing) * w[y] * (c == y) + label_smoothing / n_classes
                      * w[c] for c in range(n_classes)]
            for c in range(n_classes):
                p = math.exp(float(x[(n, c) + rest]))
                out[(n, c) + rest] = coef * (sum(target) * p - target[c])
        return out.astype(x.dtype)

    return ref


def log_probs(*shape):
    x = rand(*shape)
    return (x - np.log(np.exp(x).sum(axis=1, keepdims=True))).astype(np.float32)


def labels_in(n_classes, *shape, seed=3):
    return np.random.default_rng(seed).integers(0, n_classes, size=shape).astype(np.int64)


def with_ignored(labels, value, every=3):
    out = labels.copy().reshape(-1)
    out[::every] = value
    return out.reshape(labels.shape)


def _zero_crossing():
    x = rand(3, 4)
    x[0, 0] = x[1, 2] = 0.0  # the decomposition's gradient is wrong exactly here
    return x


SCE = ops.softmax_cross_entropy_loss
NLL = ops.negative_log_likelihood_loss
BCE = ops.binary_cross_entropy_with_logits
W4 = positive(4)

CASES = [
    # -- SoftmaxCrossEntropyLoss
    OpCase("sce_mean_2d", SCE, [rand(5, 4), labels_in(4, 5)], class_loss_ref("sce")),
    OpCase("sce_none_3d", SCE, [rand(3, 4, 2), labels_in(4, 3, 2)],
           class_loss_ref("sce", reduction="none"), attrs={"reduction": "none"}),
    OpCase("sce_sum_weights_ii_in_range", SCE,
           [rand(6, 4), with_ignored(labels_in(4, 6), 1), W4],
           class_loss_ref("sce", 1, "sum"), attrs={"reduction": "sum", "ignore_index": 1}),
    OpCase("sce_mean_weights_negative_ii_4d", SCE,
           [rand(2, 4, 3, 2), with_ignored(labels_in(4, 2, 3, 2), -100), W4],
           class_loss_ref("sce", -100), attrs={"ignore_index": -100}),
    OpCase("sce_int32_labels_mean_no_weight_ii", SCE,
           [rand(6, 3), with_ignored(labels_in(3, 6), -1).astype(np.int32)],
           class_loss_ref("sce", -1), attrs={"ignore_index": -1}),
    OpCase("sce_label_smoothing_mean_weights_ii", SCE,
           [rand(6, 4, 2), with_ignored(labels_in(4, 6, 2), -100), W4],
           class_loss_ref("sce", -100, "mean", 0.2),
           attrs={"ignore_index": -100, "label_smoothing": 0.2}),
    OpCase("sce_label_smoothing_none", SCE, [rand(4, 5), labels_in(5, 4)],
           class_loss_ref("sce", None, "none", 0.1),
           attrs={"reduction": "none", "label_smoothing": 0.1}, second_order=True),
    OpCase("sce_large_scores_stay_finite", SCE,
           [rand(4, 3) * 400, labels_in(3, 4)], class_loss_ref("sce"), rtol=1e-4, grad=False),
    # -- NegativeLogLikelihoodLoss
    OpCase("nll_mean_2d", NLL, [rand(5, 3), labels_in(3, 5)], class_loss_ref("nll")),
    OpCase("nll_none_4d", NLL, [rand(2, 3, 2, 2), labels_in(3, 2, 2, 2)],
           class_loss_ref("nll", reduction="none"), attrs={"reduction": "none"}),
    OpCase("nll_sum_weights", NLL, [rand(4, 3, 2), labels_in(3, 4, 2), positive(3)],
           class_loss_ref("nll", reduction="sum"), attrs={"reduction": "sum"}),
    OpCase("nll_mean_weights_ii", NLL,
           [rand(6, 4), with_ignored(labels_in(4, 6), 0), W4],
           class_loss_ref("nll", 0), attrs={"ignore_index": 0}),
    OpCase("nll_mean_no_weight_negative_ii", NLL,
           [rand(6, 4, 2), with_ignored(labels_in(4, 6, 2), -5)],
           class_loss_ref("nll", -5), attrs={"ignore_index": -5}),
    # -- their private gradient ops
    OpCase("sce_grad_mean_weights_ii_smoothing", ops.softmax_cross_entropy_loss_grad,
           [rand(), log_probs(6, 4, 2), with_ignored(labels_in(4, 6, 2), -100), W4],
           class_loss_grad_ref("sce", -100, "mean", 0.2),
           attrs={"ignore_index": -100, "label_smoothing": 0.2}),
    OpCase("sce_grad_sum_ii_in_range", ops.softmax_cross_entropy_loss_grad,
           [rand(), log_probs(6, 4), with_ignored(labels_in(4, 6), 2)],
           class_loss_grad_ref("sce", 2, "sum"), attrs={"ignore_index": 2, "reduction": "sum"}),
    OpCase("sce_grad_none_3d_weights", ops.softmax_cross_entropy_loss_grad,
           [rand(3, 2), log_probs(3, 4, 2), labels_in(4, 3, 2), W4],
           class_loss_grad_ref("sce", reduction="none"), attrs={"reduction": "none"}),
    OpCase("nll_grad_mean_weights_ii", ops.negative_log_likelihood_loss_grad,
           [rand(), rand(6, 4), with_ignored(labels_in(4, 6), -1), W4],
           class_loss_grad_ref("nll", -1), attrs={"ignore_index": -1}),
    OpCase("nll_grad_none_4d", ops.negative_log_likelihood_loss_grad,
           [rand(2, 2, 3), rand(2, 3, 2, 3), labels_in(3, 2, 2, 3)],
           class_loss_grad_ref("nll", reduction="none"), attrs={"reduction": "none"}),
    # -- BinaryCrossEntropyWithLogits
    OpCase("bce_with_logits_mean", BCE, [rand(3, 4) * 3, rand(3, 4, low=0, high=1)],
           bce_ref()),
    OpCase("bce_with_logits_at_zero", BCE, [_zero_crossing(), rand(3, 4, low=0, high=1)],
           bce_ref("sum"), attrs={"reduction": "sum"}),
    OpCase("bce_with_logits_none_weight_pos_weight", BCE,
           [rand(3, 4) * 3, rand(3, 4, low=0, high=1), positive(3, 1), positive(4)],
           bce_ref("none"), attrs={"reduction": "none"}, second_order=True),
    OpCase("bce_with_logits_mean_pos_weight_only", BCE,
           [rand(2, 3, 4), rand(2, 3, 4, low=0, high=1), None, positive(4)], bce_ref()),
    OpCase("bce_with_logits_large_logits_stay_finite", BCE,
           [np.array([-300.0, -30.0, 30.0, 300.0], np.float32), rand(4, low=0, high=1)],
           bce_ref("none"), attrs={"reduction": "none"}, grad=False),
]

