"""keras.metrics.AUC: the area under the ROC or PR curve from confusion counts at
`num_thresholds` thresholds (keras/src/metrics/confusion_metrics.py)."""

from __future__ import annotations

import numpy as np

from ..losses import _math as K
from . import confusion_utils as U
from .confusion import _Counts

CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(_Counts):
    """Mirrors keras.metrics.AUC: a Riemann sum over the curve's points at the thresholds
    [-eps, 1/(n-1), ..., 1 + eps]; the PR curve with "interpolation" uses Davis & Goadrich's
    interpolation (Keras's `interpolate_pr_auc`).

    Args:
        num_thresholds: 200 by default; curve: "ROC" | "PR" | "PRGAIN"; summation_method:
            "interpolation" | "majoring" | "minoring"; thresholds: explicit inner thresholds;
            multi_label, num_labels, label_weights, from_logits (applies a sigmoid first).
    """

    kinds = (U.TP, U.TN, U.FP, U.FN)

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._thresholds_distributed_evenly = U.is_evenly_distributed_thresholds(
                np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        self._thresholds = np.array([0.0 - K.epsilon()] + thresholds + [1.0 + K.epsilon()])
        self.curve = _parse(curve, CURVES, "curve", '["PR", "ROC", "PRGAIN"]')
        self.summation_method = _parse(summation_method, {s: s for s in SUMMATIONS},
                                       "summation method",
                                       '["interpolation", "majoring", "minoring"]')
        super().__init__(name=name, dtype=dtype)
        self.multi_label, self.num_labels = multi_label, num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights,
                                                                           np.float32)
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build([None, num_labels])
        elif num_labels:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        else:
            self._build(None)

    @property
    def thresholds(self) -> list:
        return list(self._thresholds)

    @property
    def _multi_label(self):
        return self.multi_label

    @property
    def _label_weights(self):
        return None if self.multi_label else self.label_weights

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                                 f"{len(shape)}. Full shape received for `y_pred`: {shape}")
            self._num_labels = shape[1]
            self._make_counts((self.num_thresholds, self._num_labels))
        else:
            self._make_counts((self.num_thresholds,))
        self._build_input_shape = shape
        self._built = True

    def _stats(self, y_true, y_pred, sample_weight=None):
        if not self._built:
            self._build(K.static_shape(K.convert(y_pred)))
        if self._from_logits:
            y_pred = K.sigmoid(y_pred)
        return super()._stats(y_true, y_pred, sample_weight)

    def _accumulators(self):
        return super()._accumulators() if self._built else []

    # -- result ------------------------------------------------------------------------------------
    def _by_label(self, terms):
        if not self.multi_label:
            return K.sum_(terms)
        by_label = K.sum_(terms, axis=0)
        if self.label_weights is None:
            return K.mean(by_label)
        lw = K.convert(self.label_weights)
        return K.divide_no_nan(K.sum_(by_label * lw), K.sum_(lw))

    def interpolate_pr_auc(self):
        """Davis & Goadrich (2006): precision interpolated linearly in the true positives."""
        n = self.num_thresholds
        tp, fp = self.true_positives.read_value(), self.false_positives.read_value()
        fn = self.false_negatives.read_value()
        head, tail = (lambda t: K.slice_axis(t, 0, n - 1)), (lambda t: K.slice_axis(t, 1, None))
        dtp = head(tp) - tail(tp)
        p = tp + fp
        dp = head(p) - tail(p)
        prec_slope = K.divide_no_nan(dtp, K.maximum(dp, 0.0))
        intercept = tail(tp) - prec_slope * tail(p)
        both = K.logical_and(K.greater(head(p), 0.0), K.greater(tail(p), 0.0))
        ratio = K.where(both, K.divide_no_nan(head(p), K.maximum(tail(p), 0.0)),
                        K.like(1, head(p)))
        increment = K.divide_no_nan(prec_slope * (dtp + intercept * K.log(ratio)),
                                    K.maximum(tail(tp) + tail(fn), 0.0))
        return self._by_label(increment)

    def _curve_points(self):
        tp, fp = self.true_positives.read_value(), self.false_positives.read_value()
        tn, fn = self.true_negatives.read_value(), self.false_negatives.read_value()
        recall = K.divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            return K.divide_no_nan(fp, fp + tn), recall
        if self.curve == "PR":
            return recall, K.divide_no_nan(tp, tp + fp)
        scale = K.divide_no_nan(tp + fn, tn + fp)
        recall_gain = 1.0 - scale * K.divide_no_nan(fn, tp)
        precision_gain = 1.0 - scale * K.divide_no_nan(fp, tp)
        no_tp = K.equal(tp, 0.0)
        recall_gain = K.maximum(K.where(no_tp, K.like(0, tp), recall_gain), 0.0)
        precision_gain = K.where(no_tp, K.like(1, tp), precision_gain)
        return recall_gain, precision_gain

    def result(self):
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        x, y = self._curve_points()
        n = self.num_thresholds
        y_head, y_tail = K.slice_axis(y, 0, n - 1), K.slice_axis(y, 1, None)
        if self.summation_method == "interpolation":
            heights = (y_head + y_tail) / 2.0
        elif self.summation_method == "minoring":
            heights = K.minimum(y_head, y_tail)
        else:
            heights = K.maximum(y_head, y_tail)
        widths = K.slice_axis(x, 0, n - 1) - K.slice_axis(x, 1, None)
        return self._by_label(widths * heights)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None
                  else self.label_weights.tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


def _parse(value, table, what, expected):
    key = getattr(value, "value", value)
    found = table.get(str(key).lower())
    if found is None:
        raise ValueError(f'Invalid AUC {what} value: "{value}". Expected values are {expected}')
    return found
