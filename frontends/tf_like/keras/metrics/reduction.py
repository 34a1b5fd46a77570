"""keras.metrics.Sum, Mean and MeanMetricWrapper (keras/src/metrics/reduction_metrics.py)."""

from __future__ import annotations

from ..losses import _math as K
from ..losses.loss import apply_mask, squeeze_or_expand_to_same_rank
from .metric import Metric


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Keras's rule: weights are brought to the values' rank (or the values reduced to the
    weights' rank), the values weighted, and everything reduced to one value per sample."""
    mask = K.get_keras_mask(values)
    values = K.cast(values, dtype)
    if sample_weight is not None:
        sample_weight = K.cast(K.convert(sample_weight), dtype)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, dtype=dtype, reduction="sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = sample_weight.ndim, values.ndim
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=list(range(weight_ndim, values_ndim)))
        sample_weight = K.broadcast_to(sample_weight, values)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=list(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=list(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """Mirrors keras.metrics.Sum: the (weighted) sum of all values seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def _stats(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, K.sum_, self.dtype)
        return [K.sum_(values)]

    def result(self):
        return K.cast(self.total, self.dtype)


class Mean(Metric):
    """Mirrors keras.metrics.Mean: total / count, where total is the (weighted) sum of values and
    count the number of samples (or the sum of the weights)."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def _stats(self, values, sample_weight=None):
        return _mean_stats(values, sample_weight, self.dtype)

    def result(self):
        return K.divide_no_nan(self.total.read_value(), K.cast(self.count, self.dtype))


def _mean_stats(values, sample_weight, dtype):
    values, sample_weight = reduce_to_samplewise_values(values, sample_weight, K.mean, dtype)
    if sample_weight is not None:
        count = K.sum_(sample_weight)
    elif values.ndim >= 1:
        count = K.dim(values, 0, dtype)
    else:
        count = K.like(1, values)
    return [K.sum_(values), count]


class MeanMetricWrapper(Mean):
    """Mirrors keras.metrics.MeanMetricWrapper: the mean of `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        from .. import losses
        if fn in losses.ALL_OBJECTS.values():
            self._direction = "down"  # a loss: lower is better

    def _stats(self, y_true, y_pred, sample_weight=None):
        mask = K.get_keras_mask(y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        sample_weight = apply_mask(sample_weight, mask, dtype=self.dtype, reduction="sum")
        return _mean_stats(values, sample_weight, self.dtype)

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype,
                  "fn": getattr(self._fn, "__name__", str(self._fn))}
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("fn")
        if isinstance(fn, str):
            from .. import losses
            fn = losses.get(fn)
        return cls(fn, **config)
