"""keras.losses.Loss and the reduction helpers every loss and metric shares (Keras 3's
keras/src/losses/loss.py)."""

from __future__ import annotations

from ..backend._state import auto_name
from . import _math as K

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


class Loss:
    """Mirrors keras.losses.Loss: subclasses implement `call(y_true, y_pred)` returning per-sample
    losses; `__call__` converts both to the loss dtype (float32), applies `sample_weight` (and a
    mask the loss attached, e.g. `ignore_class`) and reduces.

    Args:
        reduction: "sum_over_batch_size" (default: the weighted sum divided by the number of
            elements), "sum", "mean" (same as sum_over_batch_size), "mean_with_sample_weight"
            (divides by the sum of the weights) or "none"/None.
        name: the loss name (default: the snake-cased class name, made unique).
        dtype: the compute dtype, default float32.

    Example:
        >>> class MeanSquaredError(Loss):
        ...     def call(self, y_true, y_pred):
        ...         return ops.mean(ops.square(y_pred - y_true), axis=-1)
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or auto_name(self.__class__.__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = str(dtype or K.floatx())

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = K.get_keras_mask(y_pred)
        y_pred = _map(lambda x: K.convert(x, self.dtype), y_pred)
        y_true = _map(lambda x: K.convert(x, self.dtype), y_true)
        losses = self.call(y_true, y_pred)
        out_mask = K.get_keras_mask(losses)
        if in_mask is not None and out_mask is not None:
            mask = K.logical_and(in_mask, out_mask)
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(losses, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=self.dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _map(fn, structure):
    if isinstance(structure, dict):
        return {k: _map(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map(fn, v) for v in structure)
    return fn(structure)


def standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        allowed = {"sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight"}
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of {allowed}. "
                         f"Received: reduction={reduction}")
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Squeeze/expand the last dim if the ranks differ by exactly 1 (Keras's rule)."""
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = K.expand_dims(x2, -1)
        else:
            x1 = K.squeeze(x1, -1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = K.expand_dims(x1, -1)
        else:
            x2 = K.squeeze(x2, -1)
    return x1, x2


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    if reduction in (None, "none") or tuple(values.shape) in ((), (0,)):
        return values
    loss = K.sum_(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = K.cast(K.sum_(sample_weight), loss.dtype)
        else:
            divisor = K.size(values, loss.dtype)
        loss = K.divide_no_nan(loss, divisor)
    return loss


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None):
    reduction = standardize_reduction(reduction)
    values = K.convert(values, dtype)
    if sample_weight is not None:
        sample_weight = K.convert(sample_weight, dtype)
    sample_weight = apply_mask(sample_weight, mask, dtype=values.dtype, reduction=reduction)
    if sample_weight is not None:
        sample_weight = K.cast(sample_weight, values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


def apply_mask(sample_weight, mask, dtype, reduction):
    """Merge a mask into the sample weights. For mean reductions the valid entries get weight
    total/valid, so the mean runs over the valid entries only (Keras's rule)."""
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        total = K.size(mask, dtype)
        valid = K.sum_(K.cast(mask, dtype))
        float_mask = K.where(K.cast(mask, "bool"), K.divide_no_nan(total, valid), K.like(0, total))
    else:
        float_mask = K.cast(mask, dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = K.cast(sample_weight, dtype)
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask
