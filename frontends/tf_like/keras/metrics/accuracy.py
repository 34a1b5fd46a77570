"""Accuracy metrics (keras/src/metrics/accuracy_metrics.py): per-sample match functions and
their MeanMetricWrapper classes."""

from __future__ import annotations

import numpy as np

from ..losses import _math as K
from ..losses.loss import squeeze_or_expand_to_same_rank
from .reduction import MeanMetricWrapper


def accuracy(y_true, y_pred):
    """1.0 where y_true == y_pred exactly."""
    y_pred = K.convert(y_pred)
    y_true = K.convert(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return K.cast(K.equal(y_true, y_pred), "float32")


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where (y_pred > threshold) equals y_true."""
    y_pred = K.convert(y_pred)
    y_true = K.convert(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = K.cast(K.greater(y_pred, threshold), y_true.dtype)
    return K.cast(K.equal(y_true, y_pred), "float32")


def _class_matches(y_true, y_pred):
    """argmax(y_pred) == y_true (y_true holds class ids), shaped like the original y_true."""
    y_pred = K.convert(y_pred)
    y_true = K.convert(y_true, y_pred.dtype)
    reshape_to = None
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        reshape_to = y_true
        y_true = K.squeeze(y_true, -1)
    y_pred = K.cast(K.argmax(y_pred, axis=-1), y_true.dtype)
    matches = K.cast(K.equal(y_true, y_pred), "float32")
    if reshape_to is not None:
        matches = K.reshape(matches, [-1 if not isinstance(d, int) else d
                                      for d in reshape_to.shape])
    return matches


def categorical_accuracy(y_true, y_pred):
    """argmax(y_true) == argmax(y_pred)."""
    y_true = K.argmax(K.convert(y_true), axis=-1)
    return _class_matches(y_true, y_pred)


def sparse_categorical_accuracy(y_true, y_pred):
    """y_true (integer ids) == argmax(y_pred)."""
    matches = _class_matches(y_true, y_pred)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = K.squeeze(matches, -1)
    return matches


def _in_top_k(targets, predictions, k):
    """keras.ops.in_top_k: the target's score is >= the k-th largest score (ties count in)."""
    hit = K.equal(K.expand_dims(targets, -1), _class_ids(predictions))
    picked = K.sum_(K.where(hit, predictions, K.like(0, predictions)), axis=-1)
    greater = K.cast(K.greater(predictions, K.expand_dims(picked, -1)), "float32")
    return K.less(K.sum_(greater, axis=-1), float(k))


def _class_ids(predictions):
    return K.convert(np.arange(predictions.shape[-1], dtype=np.int64))


def _flat_top_k(y_true, y_pred, k):
    true_shape = [d if isinstance(d, int) else -1 for d in y_true.shape]
    if y_pred.ndim > 2:
        y_pred = K.reshape(y_pred, [-1, y_pred.shape[-1]])
    reshape = y_true.ndim > 1
    if reshape:
        y_true = K.reshape(y_true, [-1])
    matches = K.cast(_in_top_k(K.cast(y_true, "int64"), y_pred, k), "float32")
    if reshape:
        matches = K.reshape(matches, true_shape)
    return matches


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """argmax(y_true) is among the k largest scores of y_pred."""
    y_pred = K.convert(y_pred)
    y_true = K.argmax(K.convert(y_true, y_pred.dtype), axis=-1)
    return _flat_top_k(y_true, y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """y_true (an integer id) is among the k largest scores of y_pred (or, with
    from_sorted_ids, among the first k ids of y_pred)."""
    y_pred = K.convert(y_pred)
    if from_sorted_ids:
        y_true = K.convert(y_true, y_pred.dtype)
        hits = K.equal(K.expand_dims(y_true, 1), K.slice_axis(y_pred, 0, k, axis=1))
        return K.cast(K.greater(K.sum_(K.cast(hits, "float32"), axis=1), 0.0), "float32")
    return _flat_top_k(K.cast(K.convert(y_true), "int64"), y_pred, k)


class Accuracy(MeanMetricWrapper):
    """Mirrors keras.metrics.Accuracy: how often predictions equal labels exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """Mirrors keras.metrics.BinaryAccuracy: how often (y_pred > threshold) matches y_true."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """Mirrors keras.metrics.CategoricalAccuracy: argmax(y_pred) == argmax(one-hot y_true)."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """Mirrors keras.metrics.SparseCategoricalAccuracy: argmax(y_pred) == integer y_true."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """Mirrors keras.metrics.TopKCategoricalAccuracy (k=5)."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """Mirrors keras.metrics.SparseTopKCategoricalAccuracy (k=5, from_sorted_ids)."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k, self.from_sorted_ids = k, from_sorted_ids
        self._direction = "up"

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config


__all__ = [
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]
