"""Regularization layers: Dropout, SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
ActivityRegularization. The random ones act only when called with training=True (as inside
`fit`); their draws come from the engine's generator (a `seed` argument is accepted and
stored: keras.utils.set_random_seed is what makes runs repeat)."""

from __future__ import annotations

import math

from .. import ops, regularizers
from ..ops import _random
from ._input_spec import InputSpec
from ._layer import Layer
from ._utils import standardize_data_format


class Dropout(Layer):
    """Mirrors keras.layers.Dropout: when training, zeroes each entry with probability
    `rate` and scales the rest by 1 / (1 - rate); `noise_shape` shares draws along axes of
    size 1."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed
        self.supports_masking = True
        self.built = True

    def _noise_shape(self, inputs):
        return self.noise_shape

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return _random.dropout(inputs, self.rate, self._noise_shape(inputs))
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


class _SpatialDropout(Dropout):
    rank = 2

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _noise_shape(self, inputs):
        """One draw per (sample, channel), shared across the spatial axes."""
        ones = (1,) * self.rank
        if self.data_format == "channels_last":
            return (None, *ones, None)
        return (None, None, *ones)

    def get_config(self) -> dict:
        # Keras's own (short) config for the spatial dropouts
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype,
                "data_format": self.data_format}


class SpatialDropout1D(_SpatialDropout):
    """Mirrors keras.layers.SpatialDropout1D: drops whole channels of (batch, steps, ch)."""

    rank = 1

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, None, seed, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("data_format")
        return config


class SpatialDropout2D(_SpatialDropout):
    """Mirrors keras.layers.SpatialDropout2D: drops whole feature maps."""

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Mirrors keras.layers.SpatialDropout3D."""

    rank = 3


class GaussianNoise(Layer):
    """Mirrors keras.layers.GaussianNoise: adds N(0, stddev^2) noise when training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= stddev <= 1:
            raise ValueError("Invalid value received for argument `stddev`. Expected a float "
                             f"value between 0 and 1. Received: stddev={stddev}")
        self.stddev, self.seed = stddev, seed
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            return ops.add(inputs, _random.normal_like(inputs, 0.0, self.stddev))
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Mirrors keras.layers.GaussianDropout: multiplies by N(1, rate / (1 - rate)) noise when
    training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate, self.seed = rate, seed
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            return ops.multiply(inputs, _random.normal_like(inputs, 1.0, stddev))
        return inputs

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class ActivityRegularization(Layer):
    """Mirrors keras.layers.ActivityRegularization: the identity, adding
    (l1 * sum|x| + l2 * sum x^2) / batch_size to the layer's losses."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1, self.l2 = l1, l2
        self.built = True

    def call(self, inputs):
        return inputs

    def get_config(self) -> dict:
        config = super().get_config()
        return {**config, "l1": self.l1, "l2": self.l2}


class AlphaDropout(Layer):
    """Mirrors keras.layers.AlphaDropout: when training, dropped units take SELU's negative
    saturation value and an affine map keeps the mean and variance (for SELU networks)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
        shape = self.noise_shape or [None] * len(inputs.shape)
        dims = [d if n is None else n for n, d in zip(shape, ops.shape(inputs))]
        base = ops.zeros_like(inputs) if self.noise_shape is None else ops.zeros(
            dims, dtype=inputs.dtype.name)
        kept = ops.cast(ops.greater_equal(_random.uniform_like(base), self.rate), inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = ops.add(ops.multiply(inputs, kept), ops.multiply(alpha_p, ops.subtract(1.0, kept)))
        return ops.add(ops.multiply(a, x), b)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}
