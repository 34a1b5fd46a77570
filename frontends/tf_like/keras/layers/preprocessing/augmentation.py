"""Image augmentation layers (Keras 3): RandomFlip, RandomRotation, RandomZoom,
RandomTranslation, RandomContrast. Each draws its random transformation
(`get_random_transformation`) and applies it (`transform_images`) with IR ops, so it runs
inside `fit`; at inference (training=False, predict, evaluate) it is the identity.

Differences from Keras: the random numbers come from tf_like's generators, not Keras's
SeedGenerator (a seed makes runs repeat, but not with Keras's numbers); channels_last only;
plain image tensors (no dict inputs with bounding boxes / segmentation masks)."""

from __future__ import annotations

import math

from ... import ops
from . import _augment_base as A

HORIZONTAL, VERTICAL = "horizontal", "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


class RandomFlip(A.BaseImageAugmentation):
    """Mirrors keras.layers.RandomFlip: each image is flipped with probability 1/2 (one draw per
    image, shared by both axes in "horizontal_and_vertical" mode, as Keras does)."""

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode argument "
                             f"{mode}")
        self.mode = mode

    def get_random_transformation(self, images):
        return {"flips": ops.less_equal(self.uniform(images, 0.0, 1.0, (1, 1, 1)), 0.5)}

    def transform_images(self, images, transformation):
        flips = transformation["flips"]
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            images = ops.where(flips, ops.flip(images, axis=-2), images)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            images = ops.where(flips, ops.flip(images, axis=-3), images)
        return images

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}


class _AffineAugmentation(A.BaseImageAugmentation):
    """Shared by the warps: fill_mode, interpolation, fill_value."""

    def __init__(self, fill_mode, interpolation, seed, fill_value, data_format, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        A.check_modes(self, fill_mode, interpolation)
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, \
            fill_value

    def transform_images(self, images, transformation):
        return A.affine_transform(images, transformation["matrix"], self.interpolation,
                                  self.fill_mode, self.fill_value)


def _rotation_matrix(angle, height: int, width: int) -> list:
    """Keras's _compute_affine_matrix for a rotation (radians) about the image center."""
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    cos, sin = ops.cos(angle), ops.sin(angle)
    a0, a1, b0, b1 = cos, ops.negative(sin), sin, cos
    a2 = ops.subtract(ops.subtract(cx, ops.multiply(a0, cx)), ops.multiply(a1, cy))
    b2 = ops.subtract(ops.subtract(cy, ops.multiply(b0, cx)), ops.multiply(b1, cy))
    return [a0, a1, a2, b0, b1, b2]


class RandomRotation(_AffineAugmentation):
    """Mirrors keras.layers.RandomRotation: rotate each image by an angle drawn from
    [factor[0], factor[1]] * 360 degrees (a number f means (-f, f)) about its center;
    fill_mode "reflect" (default), "wrap", "constant" (fill_value) or "nearest"; bilinear
    (default) or nearest interpolation."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = A.set_factor(factor, (-1, 1), "RandomRotation")

    def get_random_transformation(self, images):
        degrees = self.uniform(images, self.factor[0] * 360.0, self.factor[1] * 360.0)
        angle = ops.multiply(degrees, math.pi / 180.0)
        return {"matrix": _rotation_matrix(angle, images.shape[1], images.shape[2])}

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "interpolation": self.interpolation,
                "seed": self.seed}


def _pair(factor, name: str, check, message: str) -> tuple:
    """RandomZoom/RandomTranslation factors: a pair (each checked, sorted) or f -> (-f, f)."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)):
        check(factor)
        return (-abs(factor), abs(factor))
    raise ValueError(message + f"Received: {name}={factor}")


class RandomZoom(_AffineAugmentation):
    """Mirrors keras.layers.RandomZoom: scale the sampling grid by 1 + a factor drawn from
    height_factor (and width_factor; None keeps the aspect ratio) about the image center:
    positive factors zoom out, negative zoom in."""

    _MESSAGE = ("The `height_factor` and `width_factor` arguments should be a number (or a list "
                "of two numbers) in the range (-1.0, 1.0]. ")

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _pair(height_factor, "height_factor",
                                                     self._check, self._MESSAGE)
        if width_factor is not None:
            self.width_lower, self.width_upper = _pair(width_factor, "width_factor",
                                                       self._check, self._MESSAGE)

    def _check(self, value):
        if value > 1.0 or value <= -1.0:
            raise ValueError(self._MESSAGE + f"Received: input_number={value}")

    def get_random_transformation(self, images):
        height_zoom = self.uniform(images, 1.0 + self.height_lower, 1.0 + self.height_upper)
        width_zoom = height_zoom if self.width_factor is None else self.uniform(
            images, 1.0 + self.width_lower, 1.0 + self.width_upper)
        height, width = images.shape[1], images.shape[2]
        zero = ops.multiply(height_zoom, 0.0)
        x_offset = ops.multiply(ops.subtract(1.0, width_zoom), (width - 1.0) / 2.0)
        y_offset = ops.multiply(ops.subtract(1.0, height_zoom), (height - 1.0) / 2.0)
        return {"matrix": [width_zoom, zero, x_offset, zero, height_zoom, y_offset]}

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value}


class RandomTranslation(_AffineAugmentation):
    """Mirrors keras.layers.RandomTranslation: shift each image by height_factor * H rows and
    width_factor * W columns (fractions drawn per image; f means (-f, f))."""

    _MESSAGE = ("The `factor` argument should be a number (or a list of two numbers) in the "
                "range [-1.0, 1.0]. ")

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _pair(height_factor, "height_factor",
                                                     self._check, self._MESSAGE)
        self.width_lower, self.width_upper = _pair(width_factor, "width_factor", self._check,
                                                   self._MESSAGE)

    def _check(self, value):
        if value > 1.0 or value < -1.0:
            raise ValueError(self._MESSAGE + f"Received: input_number={value}")

    def get_random_transformation(self, images):
        height, width = images.shape[1], images.shape[2]
        dy = ops.multiply(self.uniform(images, self.height_lower, self.height_upper), height)
        dx = ops.multiply(self.uniform(images, self.width_lower, self.width_upper), width)
        one, zero = ops.add(ops.multiply(dx, 0.0), 1.0), ops.multiply(dx, 0.0)
        return {"matrix": [one, zero, ops.negative(dx), zero, one, ops.negative(dy)]}

    def get_config(self) -> dict:
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, "fill_mode": self.fill_mode,
                "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value}


class RandomContrast(A.BaseImageAugmentation):
    """Mirrors keras.layers.RandomContrast: (x - mean) * c + mean per image and channel (mean
    over height and width), c drawn from [1 - factor[0], 1 + factor[1]] (Keras's factor rule:
    a number f gives (0, f)), clipped to value_range."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = A.set_factor(factor, (0, 1), "RandomContrast")
        self.value_range = value_range

    def get_random_transformation(self, images):
        return {"contrast_factor": self.uniform(images, 1.0 - self.factor[0],
                                                1.0 + self.factor[1], (1, 1, 1))}

    def transform_images(self, images, transformation):
        mean = ops.mean(ops.mean(images, axis=-3, keepdims=True), axis=-2, keepdims=True)
        factor = ops.cast(transformation["contrast_factor"], images.dtype)
        out = ops.add(ops.multiply(ops.subtract(images, mean), factor), mean)
        return ops.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range,
                "seed": self.seed}
