"""The base of the image augmentation layers, and the affine warp they share.

Random draws: a layer with `seed` owns a numpy Generator seeded once (Keras's SeedGenerator:
successive calls draw new numbers, the same seed repeats the sequence); without a seed it draws
from tf.random's global stream (keras.utils.set_random_seed makes it repeat). Eagerly the draw
is a constant; inside a traced Keras step it is an extra input of the compiled plan, drawn
fresh on every batch (random/_sampling.py).

The affine warp maps each output pixel (x, y) to the input point (a0 x + a1 y + a2,
b0 x + b1 y + b2) (Keras's 8-number transform, projective terms zero) and samples it with
nearest or bilinear interpolation and Keras's fill modes (reflect, wrap, constant, nearest),
as keras.ops.image.affine_transform: all with IR ops (index arithmetic + GatherElements).
"""

from __future__ import annotations

import numpy as np

from .... import _shape_ops
from ....random import _sampling
from ... import ops
from ...ops import _core
from .._layer import Layer
from .._utils import standardize_data_format


class BaseImageAugmentation(Layer):
    """Random transform when training (the default of a direct call, as in Keras 3), identity
    (cast to the layer's dtype) at inference. channels_last images (H, W, C) or (B, H, W, C).
    Subclasses define `get_random_transformation(images)` and `transform_images(images, t)`."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.data_format = standardize_data_format(data_format)
        if self.data_format != "channels_last":
            raise ValueError(f"{type(self).__name__} supports data_format='channels_last' "
                             f"only. Received: data_format={data_format}")
        self._generator = None if seed is None else np.random.default_rng(seed)
        self.supports_masking = False
        self.built = True

    def _rng(self):
        return self._generator if self._generator is not None else _sampling.stream(None)

    def uniform(self, images, low, high, trailing: tuple = ()):
        """U[low, high) per image of a (B, H, W, C) batch: shape (B,) + trailing."""
        batch = [_shape_ops.shape(images)[0]]
        u = _sampling.base_sample(_sampling.uniform01, batch + list(trailing), np.float32,
                                  self._rng, fallback=_sampling.ir_uniform)
        return ops.add(ops.multiply(u, float(high) - float(low)), float(low))

    def call(self, inputs, training=True):
        images = ops.cast(inputs, self.compute_dtype)
        if images.ndim not in (3, 4):
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects images of "
                             f"rank 3 or 4 (channels_last); received input with shape "
                             f"{tuple(images.shape)}")
        if not training:
            return images
        if images.ndim == 3:  # one image: a batch of one
            batch = ops.expand_dims(images, 0)
            return ops.squeeze(self.transform_images(batch, self.get_random_transformation(
                batch)), 0)
        return self.transform_images(images, self.get_random_transformation(images))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


def set_factor(factor, bounds, layer: str) -> tuple:
    """Keras's factor rule: a number f gives (max(-f, low), f); a pair is sorted."""
    message = ("The `factor` argument should be a number (or a list of two numbers) in the "
               f"range [{bounds[0]}, {bounds[1]}]. Received: factor={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(message)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(message)
        factor = abs(factor)
        return (max(-factor, bounds[0]), factor)
    raise ValueError(message)


def check_modes(layer, fill_mode, interpolation) -> None:
    if fill_mode not in ("reflect", "wrap", "constant", "nearest"):
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                  "('reflect', 'wrap', 'constant', 'nearest').")
    if interpolation not in ("nearest", "bilinear"):
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of one "
                                  "('nearest', 'bilinear').")


# -- the affine warp ---------------------------------------------------------------------------
def _int(v):
    return _core.tensor(np.asarray(v, np.int64))


def _fix_index(index, size: int, fill_mode: str):
    """An out-of-range integer index mapped back inside [0, size) (Keras's index fixers)."""
    if fill_mode in ("constant", "nearest"):
        return ops.clip(index, 0, size - 1)
    if fill_mode == "wrap":
        return ops.mod(index, _int(size))
    # reflect (d c b a | a b c d | d c b a): a triangle wave over the doubled index
    n = 2 * size + 1
    s = n - 1
    mirrored = ops.abs(ops.subtract(ops.mod(ops.add(ops.add(ops.multiply(index, _int(2)),
                                                            _int(1)), _int(s)), _int(2 * s)),
                                    _int(s)))
    return ops.floor_divide(ops.subtract(mirrored, _int(1)), _int(2))


def _nodes(coordinate, interpolation: str):
    """(integer index, weight) pairs along one axis."""
    if interpolation == "nearest":
        return [(ops.cast(ops.round(coordinate), "int64"), None)]
    lower = ops.floor(coordinate)
    upper_weight = ops.subtract(coordinate, lower)
    index = ops.cast(lower, "int64")
    return [(index, ops.subtract(1.0, upper_weight)), (ops.add(index, _int(1)), upper_weight)]


def affine_transform(images, transform: list, interpolation: str, fill_mode: str,
                     fill_value: float):
    """Warp (B, H, W, C) images; `transform` is [a0, a1, a2, b0, b1, b2], each (B,)."""
    _, height, width, channels = images.shape
    if height is None or width is None or channels is None:
        raise ValueError(f"Affine image augmentation needs known height, width and channels; "
                         f"received images of shape {tuple(images.shape)}")
    a0, a1, a2, b0, b1, b2 = (ops.reshape(t, (-1, 1, 1)) for t in transform)
    xs = _core.tensor(np.arange(width, dtype=np.float32).reshape(1, 1, width))
    ys = _core.tensor(np.arange(height, dtype=np.float32).reshape(1, height, 1))
    x_in = ops.add(ops.add(ops.multiply(a0, xs), ops.multiply(a1, ys)), a2)  # (B, H, W)
    y_in = ops.add(ops.add(ops.multiply(b0, xs), ops.multiply(b1, ys)), b2)
    flat = ops.reshape(images, (-1, height * width, channels))
    zeros = ops.cast(ops.zeros_like(flat), "int64")
    fill = _core.tensor(np.asarray(fill_value, images.dtype))
    out = None
    for iy, wy in _nodes(y_in, interpolation):
        for ix, wx in _nodes(x_in, interpolation):
            fy, fx = _fix_index(iy, height, fill_mode), _fix_index(ix, width, fill_mode)
            where = ops.add(ops.multiply(fy, _int(width)), fx)
            where = ops.add(ops.reshape(where, (-1, height * width, 1)), zeros)
            value = ops.reshape(ops.take_along_axis(flat, where, axis=1),
                                (-1, height, width, channels))
            if fill_mode == "constant":
                valid = ops.logical_and(
                    ops.logical_and(ops.greater_equal(iy, _int(0)), ops.less(iy, _int(height))),
                    ops.logical_and(ops.greater_equal(ix, _int(0)), ops.less(ix, _int(width))))
                value = ops.where(ops.expand_dims(valid, -1), value, fill)
            if wy is not None:
                value = ops.multiply(value, ops.expand_dims(ops.multiply(wy, wx), -1))
            out = value if out is None else ops.add(out, value)
    return out

