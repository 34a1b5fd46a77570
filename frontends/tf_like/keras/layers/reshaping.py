"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, UpSampling1D/2D/3D,
ZeroPadding1D/2D/3D, Cropping1D/2D/3D."""

from __future__ import annotations

import math

import numpy as np

from core_ir import ops as ir

from ..._tensor import call
from .. import ops
from ._input_spec import InputSpec
from ._layer import Layer
from ._utils import standardize_data_format, standardize_tuple


class Flatten(Layer):
    """Mirrors keras.layers.Flatten: (batch, ...) -> (batch, prod(...)), flattening in
    channels-last order (channels_first inputs are transposed first, as Keras)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs):
        rank = len(inputs.shape)
        if self.data_format == "channels_first" and rank > 1:
            inputs = ops.transpose(inputs, axes=(0, *range(2, rank), 1))
        rest = tuple(inputs.shape[1:])
        if all(isinstance(d, int) for d in rest) and math.prod(rest) > 0:
            # static features: the batch is what remains, one Reshape to a constant shape
            # (the same node torch's Flatten gives)
            return ops.reshape(inputs, (-1, math.prod(rest)))
        flat = 1 if not rest else -1 if any(not isinstance(d, int) for d in rest) else 0
        return ops.reshape(inputs, (ops.shape(inputs)[0], flat))

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Mirrors keras.layers.Reshape: (batch, ...) -> (batch, *target_shape); one entry may be
    -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if self.target_shape.count(-1) > 1:
            raise ValueError("There must be at most one unknown dimension (-1) in "
                             f"target_shape. Received: target_shape={self.target_shape}.")
        self.built = True

    def call(self, inputs):
        return ops.reshape(inputs, (ops.shape(inputs)[0], *self.target_shape))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": self.target_shape}


class Permute(Layer):
    """Mirrors keras.layers.Permute: permutes the non-batch axes; `dims` counts from 1."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of "
                             "indices in `dims` must be consecutive and start from 1. "
                             f"Received dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self.built = True

    def call(self, inputs):
        return ops.transpose(inputs, axes=(0, *self.dims))

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Mirrors keras.layers.RepeatVector: (batch, features) -> (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def call(self, inputs):
        # a Tile of the new size-1 axis: no reshape, so a symbolic batch stays symbolic
        return ops.tile(ops.expand_dims(inputs, 1), (1, self.n, 1))

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}


def _spatial_axes(rank: int, data_format: str) -> list:
    return list(range(1, rank - 1)) if data_format == "channels_last" else list(range(2, rank))


class UpSampling1D(Layer):
    """Mirrors keras.layers.UpSampling1D: each time step repeated `size` times."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def call(self, inputs):
        return _resize(inputs, [1], [self.size], "nearest")

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size}


class _UpSampling(Layer):
    rank = 2

    def __init__(self, size, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = standardize_tuple(size, self.rank, "size")
        self.interpolation = interpolation.lower()
        if self.interpolation not in ("nearest", "bilinear"):
            raise ValueError("`interpolation` must be 'nearest' or 'bilinear' here. Received: "
                             f"interpolation={interpolation}")
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def call(self, inputs):
        axes = _spatial_axes(self.rank + 2, self.data_format)
        return _resize(inputs, axes, self.size, self.interpolation)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


def _resize(x, axes, factors, interpolation: str):
    """Upsampling by integer factors: "nearest" repeats each cell, "bilinear" interpolates with
    half-pixel centers (torch's align_corners=False)."""
    if interpolation == "nearest":
        for axis, factor in zip(axes, factors):
            x = _repeat(x, axis, factor)
        return x
    scales = [1.0] * len(x.shape)
    for a, f in zip(axes, factors):
        scales[a] = float(f)
    scales = ops.convert_to_tensor(np.asarray(scales, np.float32))
    return call(ir.resize, x, None, scales, mode="linear",
                coordinate_transformation_mode="half_pixel")


def _repeat(x, axis: int, times: int):
    """Each cell of `axis` repeated `times` times: Tile over a new axis after it, then merge
    the two. The merged shape is read with Shape (not ints), so a symbolic batch or size stays
    symbolic while tracing; a Resize would do the same but runs ~2.5x slower here."""
    if times == 1:
        return x
    reps = [1] * (len(x.shape) + 1)
    reps[axis + 1] = times
    tiled = call(ir.tile, call(ir.unsqueeze, x, ir.const_ints([axis + 1])),
                 ir.const_ints(reps))
    size = x.shape[axis]
    merged = ir.const_ints([size * times if isinstance(size, int) else -1])
    target = call(ir.concat, call(ir.shape, x, start=0, end=axis), merged,
                  call(ir.shape, x, start=axis + 1), axis=0)
    return call(ir.reshape, tiled, target)


class UpSampling2D(_UpSampling):
    """Mirrors keras.layers.UpSampling2D: rows and columns repeated by size (nearest), or
    bilinear interpolation."""

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)


class UpSampling3D(_UpSampling):
    """Mirrors keras.layers.UpSampling3D (nearest)."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, "nearest", **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("interpolation")
        return config


def _pairs(value, rank: int, name: str) -> tuple:
    """An int, `rank` ints (symmetric) or `rank` pairs as ((before, after), ...)."""
    if isinstance(value, int):
        return ((value, value),) * rank
    value = tuple(value)
    if rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        return (standardize_tuple(value, 2, name, allow_zero=True),)
    if len(value) != rank:
        raise ValueError(f"`{name}` should have {rank} elements. Received: {name}={value}.")
    return tuple(standardize_tuple((v, v) if isinstance(v, int) else v, 2,
                                   f"entry {i} of {name}", allow_zero=True)
                 for i, v in enumerate(value))


class _ZeroPadding(Layer):
    rank = 2

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = _pairs(padding, self.rank, "padding")
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def call(self, inputs):
        widths = [[0, 0]] * (self.rank + 2)
        for axis, pair in zip(_spatial_axes(self.rank + 2, self.data_format), self.padding):
            widths[axis] = list(pair)
        return ops.pad(inputs, widths)

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    """Mirrors keras.layers.ZeroPadding1D: zeros before/after the time axis."""

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
        self.padding = self.padding[0]

    def call(self, inputs):
        axis = 1 if self.data_format == "channels_last" else 2
        widths = [[0, 0]] * 3
        widths[axis] = list(self.padding)
        return ops.pad(inputs, widths)


class ZeroPadding2D(_ZeroPadding):
    """Mirrors keras.layers.ZeroPadding2D: ((top, bottom), (left, right)) zeros."""

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Mirrors keras.layers.ZeroPadding3D."""

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class _Cropping(Layer):
    rank = 2

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.cropping = _pairs(cropping, self.rank, "cropping")
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def _crops(self):
        return self.cropping

    def call(self, inputs):
        key = [slice(None)] * len(inputs.shape)
        axes = _spatial_axes(len(inputs.shape), self.data_format)
        for axis, (before, after) in zip(axes, self._crops()):
            size = inputs.shape[axis]
            if isinstance(size, int) and before + after >= size:
                raise ValueError(f"Values in `cropping` argument should be smaller than the "
                                 f"corresponding spatial dimension of the input. Received: "
                                 f"inputs.shape={tuple(inputs.shape)}, "
                                 f"cropping={self.cropping}")
            key[axis] = slice(before, -after if after else None)
        return ops.get_item(inputs, tuple(key))

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}


class Cropping1D(_Cropping):
    """Mirrors keras.layers.Cropping1D: drops (start, end) steps of the time axis."""

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, None, **kwargs)
        self.cropping = self.cropping[0]

    def _crops(self):
        return (self.cropping,)

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("data_format")
        return config


class Cropping2D(_Cropping):
    """Mirrors keras.layers.Cropping2D: ((top, bottom), (left, right)) rows/cols dropped."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Mirrors keras.layers.Cropping3D."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
