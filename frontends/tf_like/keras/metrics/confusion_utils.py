"""Confusion-matrix counting at thresholds (Keras's
metrics_utils.update_confusion_matrix_variables), written to return this batch's increments
instead of assigning variables.

Two paths, as in Keras: evenly spaced thresholds (AUC's 200) put each prediction in a bucket
ceil(p * (T - 1)) - 1 and count with a reverse cumulative sum; other thresholds compare every
prediction with every threshold.
"""

from __future__ import annotations

import numpy as np

from ..losses import _math as K
from ..losses.loss import squeeze_or_expand_to_same_rank

NEG_INF = -1e10
TP, FP, TN, FN = "tp", "fp", "tn", "fn"


def parse_init_thresholds(thresholds, default_threshold=0.5) -> list:
    if thresholds is not None:
        values = thresholds if isinstance(thresholds, (list, tuple)) else [thresholds]
        bad = [t for t in values if t is None or t < 0 or t > 1]
        if bad:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    chosen = default_threshold if thresholds is None else thresholds
    return list(chosen) if isinstance(chosen, (list, tuple)) else [chosen]


def is_evenly_distributed_thresholds(thresholds) -> bool:
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=K.epsilon()))


def filter_top_k(x, k):
    """Keep the k largest entries of the last axis; set the others to NEG_INF."""
    idx = K.top_k_indices(x, k)
    classes = K.convert(np.arange(x.shape[-1], dtype=np.int64))
    mask = K.sum_(K.cast(K.equal(K.expand_dims(idx, -1), classes), x.dtype), axis=-2)
    return x * mask + (1.0 - mask) * NEG_INF


def confusion_counts(kinds, y_true, y_pred, thresholds, top_k=None, class_id=None,
                     sample_weight=None, multi_label=False, label_weights=None,
                     evenly=False) -> dict:
    """{kind: increment} for the requested kinds among tp/fp/tn/fn; each increment has shape
    (len(thresholds),), or (len(thresholds), num_labels) with multi_label."""
    y_true = K.cast(K.convert(y_true), "float32")
    y_pred = K.cast(K.convert(y_pred), "float32")
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = K.expand_dims(K.cast(K.convert(sample_weight), "float32"), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(f"When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: "
                             f"{K.static_shape(y_pred)}")
        y_true = K.slice_axis(y_true, class_id, class_id + 1, axis=-1)
        y_pred = K.slice_axis(y_pred, class_id, class_id + 1, axis=-1)
    weights = _weights(y_pred, sample_weight, label_weights, multi_label)
    if evenly:
        with_eps = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        return _bucketed(kinds, y_true, y_pred, len(thresholds), weights, multi_label, with_eps)
    return _compared(kinds, y_true, y_pred, thresholds, weights, multi_label)


def _weights(y_pred, sample_weight, label_weights, multi_label):
    """Sample weights times label weights, broadcast to y_pred (flattened unless multi_label);
    None when neither is given."""
    w = None
    if sample_weight is not None:
        w = K.broadcast_to(sample_weight, y_pred)
    if label_weights is not None and not multi_label:
        lw = K.broadcast_to(K.expand_dims(K.convert(label_weights, "float32"), 0), y_pred)
        w = lw if w is None else w * lw
    if w is not None and not multi_label:
        w = K.reshape(w, [-1])
    return w


def _flat(y_true, y_pred, multi_label):
    if multi_label:
        return y_true, y_pred
    return K.reshape(y_true, [-1]), K.reshape(y_pred, [-1])


def _compared(kinds, y_true, y_pred, thresholds, weights, multi_label):
    y_true, y_pred = _flat(y_true, y_pred, multi_label)
    shape = [-1] + [1] * y_pred.ndim  # thresholds along a new leading axis
    thresh = K.reshape(K.convert(np.asarray(thresholds, np.float32)), shape)
    pred_pos = K.greater(K.expand_dims(y_pred, 0), thresh)
    label_pos = K.expand_dims(K.cast(y_true, "bool"), 0)
    cells = {TP: (label_pos, pred_pos), FN: (label_pos, K.logical_not(pred_pos)),
             FP: (K.logical_not(label_pos), pred_pos),
             TN: (K.logical_not(label_pos), K.logical_not(pred_pos))}
    out = {}
    for kind in kinds:
        hit = K.logical_and(*cells[kind])
        if weights is None:
            counts = K.cast(hit, "float32")
        else:
            counts = K.where(hit, K.expand_dims(weights, 0), K.like(0, weights))
        out[kind] = K.sum_(counts, axis=1)
    return out


def _bucketed(kinds, y_true, y_pred, num_thresholds, weights, multi_label, with_eps):
    y_pred = K.clip(y_pred, 0.0, 1.0)
    y_true = K.cast(K.cast(y_true, "bool"), "float32")
    y_true, y_pred = _flat(y_true, y_pred, multi_label)
    true_labels = y_true if weights is None else y_true * weights
    false_labels = (1.0 - y_true) if weights is None else (1.0 - y_true) * weights
    bucket = K.ceil(y_pred * float(num_thresholds - 1)) - 1.0
    if with_eps:
        bucket = K.maximum(bucket, 0.0)
    bucket = K.cast(bucket, "int64")
    ids = K.convert(np.arange(num_thresholds, dtype=np.int64))
    hits = K.cast(K.equal(K.expand_dims(bucket, -1), ids), "float32")  # [..., T]

    def count(labels):  # segment sum over the samples, then "at or above each threshold"
        per_bucket = K.sum_(K.expand_dims(labels, -1) * hits, axis=0)  # (T,) or (L, T)
        above = K.cumsum(per_bucket, axis=-1, reverse=True)
        return K.transpose(above, [1, 0]) if multi_label else above

    tp, fp = count(true_labels), count(false_labels)
    out = {TP: tp, FP: fp}
    if TN in kinds:
        out[TN] = K.sum_(false_labels, axis=0) - fp
    if FN in kinds:
        out[FN] = K.sum_(true_labels, axis=0) - tp
    return {k: out[k] for k in kinds}
