"""Preprocessing layers: Rescaling and Normalization (with adapt)."""

from __future__ import annotations

import math

import numpy as np

from ... import ops
from .._layer import Layer


class Rescaling(Layer):
    """Mirrors keras.layers.Rescaling: inputs * scale + offset (in the layer's dtype)."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        dtype = self.compute_dtype
        x = ops.cast(inputs, dtype)
        scale = ops.convert_to_tensor(np.asarray(self.scale, dtype=dtype))
        offset = ops.convert_to_tensor(np.asarray(self.offset, dtype=dtype))
        return ops.add(ops.multiply(x, scale), offset)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Normalization(Layer):
    """Mirrors keras.layers.Normalization: (x - mean) / max(sqrt(variance), epsilon), per
    position of the kept `axis` (default -1); mean/variance given or learned by `adapt(data)`
    (numpy array, tensor or an iterable of batches). `invert=True` maps back. Weights (when
    adapted): mean, variance, count."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        self.axis = axis
        self.input_mean, self.input_variance = mean, variance
        self.invert = invert
        self.supports_masking = True
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be "
                             f"set. Received: mean={mean} and variance={variance}")

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError("All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1
                                 for d in range(ndim)]
        self._build_input_shape = tuple(input_shape)
        shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32",
                                         initializer="zeros", trainable=False)

    def adapt(self, data):
        """Set mean and variance from data (numpy/tensor, or an iterable of batches)."""
        if hasattr(data, "shape"):
            batches = [np.asarray(data)]
        else:
            batches = [np.asarray(b[0] if isinstance(b, (tuple, list)) else b) for b in data]
            if not batches:
                raise ValueError("adapt() received an empty iterable (no batches).")
        if not self.built:
            self.build(batches[0].shape)
        mean, var, count = None, None, 0
        for batch in batches:
            bm, bv = batch.mean(axis=self._reduce_axis), batch.var(axis=self._reduce_axis)
            n = math.prod(batch.shape[d] for d in self._reduce_axis) if self._reduce_axis \
                else 1
            if mean is None:
                mean, var, count = bm, bv, n
                continue
            count += n
            w = n / count
            new_mean = mean * (1 - w) + bm * w
            var = (var + (mean - new_mean) ** 2) * (1 - w) + (bv + (bm - new_mean) ** 2) * w
            mean = new_mean
        self.adapt_mean.assign(np.asarray(mean, dtype=self.adapt_mean.dtype))
        self.adapt_variance.assign(np.asarray(var, dtype=self.adapt_variance.dtype))

    def _stats(self):
        if self.input_mean is not None:
            mean = np.broadcast_to(np.reshape(self.input_mean, self._param_shape(
                np.ndim(self.input_mean))), self._broadcast_shape)
            var = np.broadcast_to(np.reshape(self.input_variance, self._param_shape(
                np.ndim(self.input_variance))), self._broadcast_shape)
            return (ops.convert_to_tensor(mean.astype(self.compute_dtype)),
                    ops.convert_to_tensor(var.astype(self.compute_dtype)))
        return (ops.reshape(self.adapt_mean, self._broadcast_shape),
                ops.reshape(self.adapt_variance, self._broadcast_shape))

    def _param_shape(self, rank: int) -> list:
        shape = [1] * len(self._broadcast_shape)
        for i in range(1, rank + 1):
            shape[self._keep_axis[-i]] = self._broadcast_shape[self._keep_axis[-i]]
        return shape

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        mean, var = self._stats()
        denom = ops.maximum(ops.sqrt(var), 1e-7)
        if self.invert:
            return ops.add(mean, ops.multiply(x, denom))
        return ops.divide(ops.subtract(x, mean), denom)

    def get_config(self) -> dict:
        config = {**super().get_config(), "axis": self.axis, "invert": self.invert}
        mean, var = self.input_mean, self.input_variance
        config["mean"] = np.asarray(mean).tolist() if mean is not None else None
        config["variance"] = np.asarray(var).tolist() if var is not None else None
        return config
