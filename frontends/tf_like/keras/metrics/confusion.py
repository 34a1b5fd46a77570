"""Confusion-matrix metrics (keras/src/metrics/confusion_metrics.py): TruePositives & co.,
Precision, Recall, the at-X metrics and AUC (ROC/PR/PRGAIN, interpolation/minoring/majoring)."""

from __future__ import annotations

from ..losses import _math as K
from . import confusion_utils as U
from .metric import Metric


class _Counts(Metric):
    """A metric whose state is confusion counts at thresholds; `kinds` names them in order."""

    kinds: tuple = ()
    _top_k = None
    _class_id = None
    _multi_label = False
    _label_weights = None

    def _make_counts(self, shape):
        names = {U.TP: "true_positives", U.FP: "false_positives", U.TN: "true_negatives",
                 U.FN: "false_negatives"}
        for kind in (U.TP, U.FP, U.TN, U.FN):  # Keras's creation order
            if kind in self.kinds:
                setattr(self, names[kind], self.add_variable(shape=shape, name=names[kind]))

    def _accumulators(self):
        names = {U.TP: "true_positives", U.FP: "false_positives", U.TN: "true_negatives",
                 U.FN: "false_negatives"}
        return [getattr(self, names[k]) for k in self.kinds]

    def _stats(self, y_true, y_pred, sample_weight=None):
        counts = U.confusion_counts(self.kinds, y_true, y_pred, self.thresholds, self._top_k,
                                    self._class_id, sample_weight, self._multi_label,
                                    self._label_weights, self._thresholds_distributed_evenly)
        return [counts[k] for k in self.kinds]

    def _first_or_all(self, value):
        return K.take(value, 0) if len(self.thresholds) == 1 else value


class _ConfusionMatrixConditionCount(_Counts):
    def __init__(self, kind, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.kinds = (kind,)
        self.init_thresholds = thresholds
        self.thresholds = U.parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = U.is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), name="accumulator")

    def _accumulators(self):
        return [self.accumulator]

    def result(self):
        return self._first_or_all(self.accumulator.read_value())

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds}


def _count_class(class_name, kind, what):
    def __init__(self, thresholds=None, name=None, dtype=None):
        _ConfusionMatrixConditionCount.__init__(self, kind, thresholds, name, dtype)

    return type(class_name, (_ConfusionMatrixConditionCount,), {
        "__init__": __init__, "__module__": __name__,
        "__doc__": f"Mirrors keras.metrics.{class_name}: the (weighted) number of {what} at "
                   "each threshold (default 0.5)."})


TruePositives = _count_class("TruePositives", U.TP, "true positives")
FalsePositives = _count_class("FalsePositives", U.FP, "false positives")
TrueNegatives = _count_class("TrueNegatives", U.TN, "true negatives")
FalseNegatives = _count_class("FalseNegatives", U.FN, "false negatives")


class _PrecisionRecall(_Counts):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        self._top_k, self._class_id = top_k, class_id
        default = 0.5 if top_k is None else U.NEG_INF
        self.thresholds = U.parse_init_thresholds(thresholds, default_threshold=default)
        self._thresholds_distributed_evenly = U.is_evenly_distributed_thresholds(self.thresholds)
        self._make_counts((len(self.thresholds),))

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """Mirrors keras.metrics.Precision: tp / (tp + fp) at the threshold(s) (default 0.5), or
    over the top_k predictions, or for one class_id."""

    kinds = (U.TP, U.FP)

    def result(self):
        tp = self.true_positives.read_value()
        return self._first_or_all(K.divide_no_nan(tp, tp + self.false_positives))


class Recall(_PrecisionRecall):
    """Mirrors keras.metrics.Recall: tp / (tp + fn) at the threshold(s) (default 0.5)."""

    kinds = (U.TP, U.FN)

    def result(self):
        tp = self.true_positives.read_value()
        return self._first_or_all(K.divide_no_nan(tp, tp + self.false_negatives))


def _even_thresholds(num_thresholds: int) -> list:
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0] + inner + [1.0]


class _AtValue(_Counts):
    """SensitivitySpecificityBase: the best `dependent` rate whose `constrained` rate reaches
    `value`, over `num_thresholds` evenly spaced thresholds."""

    kinds = (U.TP, U.TN, U.FP, U.FN)
    _arg = "value"

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self._arg}` must be in the range [0, 1]. Received: "
                             f"{self._arg}={value}")
        if num_thresholds <= 0:
            raise ValueError(f"Argument `num_thresholds` must be an integer > 0. Received: "
                             f"num_thresholds={num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.value, self.num_thresholds, self.class_id = value, num_thresholds, class_id
        setattr(self, self._arg, value)
        self._class_id = class_id
        self.thresholds = [0.5] if num_thresholds == 1 else _even_thresholds(num_thresholds)
        self._thresholds_distributed_evenly = num_thresholds != 1
        self._make_counts((len(self.thresholds),))

    def _rates(self):
        tp, tn = self.true_positives.read_value(), self.true_negatives.read_value()
        fp, fn = self.false_positives.read_value(), self.false_negatives.read_value()
        return {"sensitivity": K.divide_no_nan(tp, tp + fn), "recall": K.divide_no_nan(tp, tp + fn),
                "specificity": K.divide_no_nan(tn, tn + fp),
                "precision": K.divide_no_nan(tp, tp + fp)}

    def result(self):
        rates = self._rates()
        feasible = K.greater_equal(rates[self._constrained], self.value)
        best = K.max_(K.where(feasible, rates[self._dependent], K.like(0, rates["recall"])))
        return K.maximum(best, 0.0)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._arg: self.value}


class SensitivityAtSpecificity(_AtValue):
    """Mirrors keras.metrics.SensitivityAtSpecificity: the best sensitivity (recall) where the
    specificity is >= `specificity`."""

    _arg, _constrained, _dependent = "specificity", "specificity", "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtValue):
    """Mirrors keras.metrics.SpecificityAtSensitivity: the best specificity where the
    sensitivity is >= `sensitivity`."""

    _arg, _constrained, _dependent = "sensitivity", "sensitivity", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_AtValue):
    """Mirrors keras.metrics.PrecisionAtRecall: the best precision where recall >= `recall`."""

    _arg, _constrained, _dependent = "recall", "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtValue):
    """Mirrors keras.metrics.RecallAtPrecision: the best recall where precision >= `precision`."""

    _arg, _constrained, _dependent = "precision", "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)


__all__ = [
    "FalseNegatives",
    "FalsePositives",
    "Precision",
    "PrecisionAtRecall",
    "Recall",
    "RecallAtPrecision",
    "SensitivityAtSpecificity",
    "SpecificityAtSensitivity",
    "TrueNegatives",
    "TruePositives",
]
