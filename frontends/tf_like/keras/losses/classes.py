"""Keras 3's loss classes: each wraps its loss function (LossFunctionWrapper) with Keras's
default name and config."""

from __future__ import annotations

from . import functions as F
from .loss import Loss, squeeze_or_expand_to_same_rank


class LossFunctionWrapper(Loss):
    """Mirrors keras.losses.LossFunctionWrapper: a Loss calling `fn(y_true, y_pred, **kwargs)`
    after bringing y_true and y_pred to the same rank."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"fn": getattr(self.fn, "__name__", str(self.fn)), **self._fn_kwargs})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), str):
            config["fn"] = getattr(F, config["fn"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


def _simple(class_name: str, fn, default_name: str, doc: str):
    """A loss class with only reduction/name/dtype arguments."""

    def __init__(self, reduction="sum_over_batch_size", name=default_name, dtype=None):
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)

    return type(class_name, (LossFunctionWrapper,), {
        "__init__": __init__, "get_config": get_config, "__module__": __name__,
        "__doc__": f"Mirrors keras.losses.{class_name}: {doc}"})


MeanSquaredError = _simple("MeanSquaredError", F.mean_squared_error, "mean_squared_error",
                           "mean(square(y_true - y_pred), axis=-1).")
MeanAbsoluteError = _simple("MeanAbsoluteError", F.mean_absolute_error, "mean_absolute_error",
                            "mean(abs(y_true - y_pred), axis=-1).")
MeanAbsolutePercentageError = _simple(
    "MeanAbsolutePercentageError", F.mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "100 * mean(abs((y_true - y_pred) / y_true), axis=-1).")
MeanSquaredLogarithmicError = _simple(
    "MeanSquaredLogarithmicError", F.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "mean(square(log(y_true + 1) - log(y_pred + 1)), axis=-1).")
LogCosh = _simple("LogCosh", F.log_cosh, "log_cosh", "mean(log(cosh(y_pred - y_true)), axis=-1).")
Hinge = _simple("Hinge", F.hinge, "hinge", "mean(maximum(1 - y_true * y_pred, 0), axis=-1).")
SquaredHinge = _simple("SquaredHinge", F.squared_hinge, "squared_hinge",
                       "mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1).")
CategoricalHinge = _simple("CategoricalHinge", F.categorical_hinge, "categorical_hinge",
                           "maximum(neg - pos + 1, 0).")
KLDivergence = _simple("KLDivergence", F.kl_divergence, "kl_divergence",
                       "sum(y_true * log(y_true / y_pred), axis=-1).")
Poisson = _simple("Poisson", F.poisson, "poisson", "mean(y_pred - y_true * log(y_pred), axis=-1).")


class CosineSimilarity(LossFunctionWrapper):
    """Mirrors keras.losses.CosineSimilarity: -sum(l2_normalize(y_true) * l2_normalize(y_pred))."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(F.cosine_similarity, name=name, reduction=reduction, dtype=dtype,
                         axis=axis)

    def get_config(self):
        return Loss.get_config(self)


class Huber(LossFunctionWrapper):
    """Mirrors keras.losses.Huber: quadratic for |error| <= delta, linear beyond."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(F.huber, name=name, reduction=reduction, dtype=dtype, delta=delta)

    def get_config(self):
        return Loss.get_config(self)


class _Crossentropy(LossFunctionWrapper):
    """The shared config of the crossentropy classes."""

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def get_config(self):
        config = Loss.get_config(self)
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config


class BinaryCrossentropy(_Crossentropy):
    """Mirrors keras.losses.BinaryCrossentropy (probabilities clipped to [1e-7, 1 - 1e-7] unless
    from_logits; label_smoothing moves labels toward 0.5)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(F.binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class BinaryFocalCrossentropy(_Crossentropy):
    """Mirrors keras.losses.BinaryFocalCrossentropy: (1 - p_t)^gamma * bce."""

    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha",
                    "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(F.binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis
        self.apply_class_balancing, self.alpha, self.gamma = apply_class_balancing, alpha, gamma


class CategoricalCrossentropy(_Crossentropy):
    """Mirrors keras.losses.CategoricalCrossentropy (one-hot targets; probabilities renormalized
    and clipped unless from_logits)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(F.categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class CategoricalFocalCrossentropy(_Crossentropy):
    """Mirrors keras.losses.CategoricalFocalCrossentropy."""

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(F.categorical_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis
        self.alpha, self.gamma = alpha, gamma


class SparseCategoricalCrossentropy(_Crossentropy):
    """Mirrors keras.losses.SparseCategoricalCrossentropy (integer labels; `ignore_class` labels
    contribute 0 and are left out of the mean)."""

    _config_keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(F.sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
        self.from_logits, self.ignore_class = from_logits, ignore_class


__all__ = [
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "LossFunctionWrapper",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
]
