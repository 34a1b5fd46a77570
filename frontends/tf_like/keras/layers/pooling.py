"""Pooling layers: Max/AveragePooling1D/2D/3D and Global{Average,Max}Pooling1D/2D/3D.
Pool sizes default to 2 and strides to the pool size; 'same' average pooling does not count
the padded cells (as Keras/TF)."""

from __future__ import annotations

from .. import ops
from ._input_spec import InputSpec
from ._layer import Layer
from ._utils import standardize_data_format, standardize_padding, standardize_tuple


class BasePooling(Layer):
    """Mirrors Keras's pooling base: pool_size, strides (default: pool_size), padding,
    data_format."""

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_size = standardize_tuple(pool_size, pool_dimensions, "pool_size")
        strides = pool_size if strides is None else strides
        self.strides = standardize_tuple(strides, pool_dimensions, "strides")
        self.pool_mode = pool_mode
        self.padding = standardize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def call(self, inputs):
        fn = ops.max_pool if self.pool_mode == "max" else ops.average_pool
        return fn(inputs, pool_size=self.pool_size, strides=self.strides, padding=self.padding,
                  data_format=self.data_format)

    def get_config(self) -> dict:
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


def _pooling(name: str, dims: int, mode: str, default_size):
    """A pooling class; Keras gives max pooling a default pool_size (2 per axis) and requires
    it for average pooling (default_size None)."""
    if default_size is None:
        def __init__(self, pool_size, strides=None, padding="valid", data_format=None,
                     name=None, **kwargs):
            BasePooling.__init__(self, pool_size, strides, dims, mode, padding, data_format,
                                 name=name, **kwargs)
    else:
        def __init__(self, pool_size=default_size, strides=None, padding="valid",
                     data_format=None, name=None, **kwargs):
            BasePooling.__init__(self, pool_size, strides, dims, mode, padding, data_format,
                                 name=name, **kwargs)

    what = "maximum" if mode == "max" else "average"
    size = f"pool_size (default {default_size})" if default_size else "pool_size"
    doc = (f"Mirrors keras.layers.{name}: the {what} over each {dims}-D window of {size}, "
           "strides defaulting to pool_size.")
    return type(name, (BasePooling,), {"__init__": __init__, "__doc__": doc})


MaxPooling1D = _pooling("MaxPooling1D", 1, "max", 2)
MaxPooling2D = _pooling("MaxPooling2D", 2, "max", (2, 2))
MaxPooling3D = _pooling("MaxPooling3D", 3, "max", (2, 2, 2))
AveragePooling1D = _pooling("AveragePooling1D", 1, "average", None)
AveragePooling2D = _pooling("AveragePooling2D", 2, "average", None)
AveragePooling3D = _pooling("AveragePooling3D", 3, "average", None)


class BaseGlobalPooling(Layer):
    """Mirrors Keras's global pooling base: reduce all spatial axes (keepdims keeps them as
    size 1)."""

    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def _axes(self, ndim: int) -> list:
        return list(range(1, ndim - 1)) if self.data_format == "channels_last" else list(
            range(2, ndim))

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mirrors keras.layers.GlobalAveragePooling1D: the mean over time; with a mask, the mean
    over the unmasked steps only."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        axis = 1 if self.data_format == "channels_last" else 2
        if mask is None:
            return ops.mean(inputs, axis=axis, keepdims=self.keepdims)
        m = ops.expand_dims(ops.cast(mask, inputs.dtype),
                            2 if self.data_format == "channels_last" else 1)
        total = ops.sum(ops.multiply(inputs, m), axis=axis, keepdims=self.keepdims)
        return ops.divide(total, ops.sum(m, axis=axis, keepdims=self.keepdims))

    def compute_mask(self, inputs, mask=None):
        return None


def _global(name: str, dims: int, reduce: str):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        BaseGlobalPooling.__init__(self, dims, data_format, keepdims, **kwargs)

    def call(self, inputs):
        fn = ops.mean if reduce == "mean" else ops.max
        return fn(inputs, axis=self._axes(len(inputs.shape)), keepdims=self.keepdims)

    what = "mean" if reduce == "mean" else "maximum"
    doc = f"Mirrors keras.layers.{name}: the {what} over the spatial axes."
    return type(name, (BaseGlobalPooling,), {"__init__": __init__, "call": call,
                                             "__doc__": doc})


GlobalAveragePooling2D = _global("GlobalAveragePooling2D", 2, "mean")
GlobalAveragePooling3D = _global("GlobalAveragePooling3D", 3, "mean")
GlobalMaxPooling1D = _global("GlobalMaxPooling1D", 1, "max")
GlobalMaxPooling2D = _global("GlobalMaxPooling2D", 2, "max")
GlobalMaxPooling3D = _global("GlobalMaxPooling3D", 3, "max")


class BaseAdaptivePooling(Layer):
    """Mirrors Keras's adaptive pooling base: pool to a fixed `output_size`, bin i of an axis
    covering [floor(i * n / out), ceil((i + 1) * n / out)) (torch's bins)."""

    rank = 2
    mode = "average"

    def __init__(self, output_size, data_format=None, **kwargs):
        size = (output_size,) * self.rank if isinstance(output_size, int) else output_size
        if not isinstance(size, (tuple, list)) or len(size) != self.rank:
            raise TypeError(f"`output_size` must be an integer or a tuple of {self.rank} "
                            f"integers. Received: {output_size} of type {type(output_size)}")
        super().__init__(**kwargs)
        self.output_size = tuple(size)
        self.data_format = standardize_data_format(data_format)

    def call(self, inputs):
        fn = ops.adaptive_average_pool if self.mode == "average" else ops.adaptive_max_pool
        return fn(inputs, output_size=self.output_size, data_format=self.data_format)

    def get_config(self) -> dict:
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


def _adaptive(name: str, rank: int, mode: str):
    what = "means" if mode == "average" else "maxima"
    doc = f"Mirrors keras.layers.{name}: {what} over output_size bins of each spatial axis."
    return type(name, (BaseAdaptivePooling,), {"rank": rank, "mode": mode, "__doc__": doc})


AdaptiveAveragePooling1D = _adaptive("AdaptiveAveragePooling1D", 1, "average")
AdaptiveAveragePooling2D = _adaptive("AdaptiveAveragePooling2D", 2, "average")
AdaptiveAveragePooling3D = _adaptive("AdaptiveAveragePooling3D", 3, "average")
AdaptiveMaxPooling1D = _adaptive("AdaptiveMaxPooling1D", 1, "max")
AdaptiveMaxPooling2D = _adaptive("AdaptiveMaxPooling2D", 2, "max")
AdaptiveMaxPooling3D = _adaptive("AdaptiveMaxPooling3D", 3, "max")
