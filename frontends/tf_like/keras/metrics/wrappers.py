"""The metrics that are the mean of a loss function (keras/src/metrics/regression_metrics.py,
probabilistic_metrics.py, hinge_metrics.py), RootMeanSquaredError and R2Score."""

from __future__ import annotations

from .. import losses as L
from ..losses import _math as K
from ..losses.loss import squeeze_or_expand_to_same_rank
from .metric import Metric
from .reduction import Mean, MeanMetricWrapper, _mean_stats


def cosine_similarity(y_true, y_pred, axis=-1):
    """sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): 1 is most similar (the metric's
    sign; the loss is its negative)."""
    y_pred = K.convert(y_pred)
    y_true = K.convert(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return K.sum_(L.functions.l2_normalize(y_true, axis) * L.functions.l2_normalize(y_pred, axis),
                  axis=axis)


def _wrapper(class_name: str, fn, default_name: str, direction: str, extra=()):
    """A MeanMetricWrapper subclass with Keras's signature (name, dtype, *extra keywords)."""
    defaults = dict(extra)

    def __init__(self, name=default_name, dtype=None, **kwargs):
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{class_name}.__init__() got an unexpected keyword argument "
                            f"'{min(unknown)}'")
        options = {**defaults, **kwargs}
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **options)
        for key, value in options.items():
            setattr(self, key, value)
        self._direction = direction

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **{k: getattr(self, k) for k in defaults}}

    return type(class_name, (MeanMetricWrapper,), {
        "__init__": __init__, "get_config": get_config, "__module__": __name__,
        "__doc__": f"Mirrors keras.metrics.{class_name}: the mean of {fn.__name__}."})


MeanSquaredError = _wrapper("MeanSquaredError", L.mean_squared_error, "mean_squared_error", "down")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", L.mean_absolute_error, "mean_absolute_error",
                             "down")
MeanAbsolutePercentageError = _wrapper(
    "MeanAbsolutePercentageError", L.mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "down")
MeanSquaredLogarithmicError = _wrapper(
    "MeanSquaredLogarithmicError", L.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "down")
CosineSimilarity = _wrapper("CosineSimilarity", cosine_similarity, "cosine_similarity", "up",
                            {"axis": -1})
LogCoshError = _wrapper("LogCoshError", L.log_cosh, "logcosh", "down")
KLDivergence = _wrapper("KLDivergence", L.kl_divergence, "kl_divergence", "down")
Poisson = _wrapper("Poisson", L.poisson, "poisson", "down")
BinaryCrossentropy = _wrapper("BinaryCrossentropy", L.binary_crossentropy, "binary_crossentropy",
                              "down", {"from_logits": False, "label_smoothing": 0})
CategoricalCrossentropy = _wrapper(
    "CategoricalCrossentropy", L.categorical_crossentropy, "categorical_crossentropy", "down",
    {"from_logits": False, "label_smoothing": 0, "axis": -1})
SparseCategoricalCrossentropy = _wrapper(
    "SparseCategoricalCrossentropy", L.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", "down",
    {"from_logits": False, "ignore_class": None, "axis": -1})
Hinge = _wrapper("Hinge", L.hinge, "hinge", "down")
SquaredHinge = _wrapper("SquaredHinge", L.squared_hinge, "squared_hinge", "down")
CategoricalHinge = _wrapper("CategoricalHinge", L.categorical_hinge, "categorical_hinge", "down")


class RootMeanSquaredError(Mean):
    """Mirrors keras.metrics.RootMeanSquaredError: sqrt of the (weighted) mean squared error."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype=dtype)
        self._direction = "down"

    def _stats(self, y_true, y_pred, sample_weight=None):
        y_true = K.convert(y_true, self.dtype)
        y_pred = K.convert(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return _mean_stats(K.square(y_pred - y_true), sample_weight, self.dtype)

    def result(self):
        return K.sqrt(super().result())


class R2Score(Metric):
    """Mirrors keras.metrics.R2Score (coefficient of determination, per output column, then
    "uniform_average", "variance_weighted_average" or None)."""

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of "
                             f"{valid}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError(f"Invalid value for argument `num_regressors`. Expected a value >= "
                             f"0. Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self._direction = "up"
        self.num_samples = self.add_variable(shape=(), initializer="zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(f"R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={y_pred_shape} and "
                             f"y_true.shape={y_true_shape}.")
        n = y_pred_shape[-1]
        self.squared_sum = self.add_variable(name="squared_sum", shape=[n])
        self.sum = self.add_variable(name="sum", shape=[n])
        self.total_mse = self.add_variable(name="residual", shape=[n])
        self.count = self.add_variable(name="count", shape=[n])
        self._built = True

    def _accumulators(self):
        return [self.sum, self.squared_sum, self.total_mse, self.count, self.num_samples]

    def _stats(self, y_true, y_pred, sample_weight=None):
        y_true = K.convert(y_true, self.dtype)
        y_pred = K.convert(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(K.static_shape(y_true), K.static_shape(y_pred))
        w = K.convert(1.0 if sample_weight is None else sample_weight, self.dtype)
        if w.ndim == 1:
            w = K.expand_dims(w, 1)
        w = K.broadcast_to(w, y_true)
        weighted = y_true * w
        return [K.sum_(weighted, axis=0), K.sum_(y_true * weighted, axis=0),
                K.sum_(K.square(y_true - y_pred) * w, axis=0), K.sum_(w, axis=0),
                K.size(y_true, self.dtype)]

    def result(self):
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw = 1.0 - self.total_mse / total
        raw = K.where(K.isinf(raw), K.like(0, raw), raw)
        if self.class_aggregation == "uniform_average":
            score = K.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = K.sum_(total * raw) / K.sum_(total)
        else:
            score = raw
        n, p = float(self.num_samples.numpy()), self.num_regressors
        if p != 0 and p < n - 1:
            score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return score

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype,
                "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "Hinge",
    "KLDivergence",
    "LogCoshError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "R2Score",
    "RootMeanSquaredError",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
]
