"""pad and interpolate (with the deprecated upsample aliases) of torch.nn.functional.

interpolate lowers to the IR's Resize with the coordinate mapping torch uses for each mode
(core_ir/ops/spatial.py lists them): nearest = asymmetric + floor, nearest-exact = half_pixel +
round half up, linear modes = pytorch_half_pixel (align_corners: align_corners), bicubic with
a = -0.75; 'area' is adaptive average pooling.
"""

from __future__ import annotations

import math

import numpy as np

from core_ir import ops

from .._tensor import call
from ._functional_pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
from .modules._util import constant

__all__ = ["interpolate", "pad", "upsample", "upsample_bilinear", "upsample_nearest"]

_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
              "circular": "wrap"}


def pad(input, pad, mode: str = "constant", value=None):
    """Pad the last len(pad) // 2 dims: pad = (last_begin, last_end, 2nd_last_begin, ...).
    Modes: constant (value, default 0; negative pads crop), reflect, replicate, circular."""
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    n = len(pad) // 2
    if n > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{input.ndim}")
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")  # torch's own type
    axes = list(range(input.ndim - n, input.ndim))
    pairs = [(pad[2 * (n - 1 - i)], pad[2 * (n - 1 - i) + 1]) for i in range(n)]
    if mode != "constant":
        _check_non_constant(input, mode, axes, pairs)
    fill = None
    if mode == "constant":
        fill = constant(0 if value is None else value, input.dtype)
    pads = ops.const_ints([b for b, _ in pairs] + [e for _, e in pairs])
    return call(ops.pad, input, pads, fill, ops.const_ints(axes), mode=_PAD_MODES[mode])


def _check_non_constant(input, mode: str, axes, pairs) -> None:
    if input.ndim not in (len(axes) + 1, len(axes) + 2):
        # torch raises NotImplementedError here; mirrored
        raise NotImplementedError(
            f"Padding size {2 * len(axes)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    for a, (b, e) in zip(axes, pairs):
        size = input.shape[a]
        if mode == "reflect" and (b >= size or e >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({b}, {e}) at "
                               f"dimension {a} of input {list(input.shape)}")
        if mode == "circular" and (b > size or e > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")


_MODE_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def _check_interpolate_args(input, size, scale_factor, mode, align_corners, antialias) -> None:
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating "
                         "modes: linear | bilinear | bicubic | trilinear")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if antialias and not (mode in ("bilinear", "bicubic") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and "
                         "requires a 4-D tensor as input")
    need = _MODE_RANK.get(mode)
    if need is not None and input.ndim != need:
        # torch raises NotImplementedError for a mode/rank mismatch; mirrored
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {need}D "
                                  "input")
    if mode not in (*_MODE_RANK, "nearest", "area", "nearest-exact") or input.ndim not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
            f"nearest-exact (got {mode})")


def _spatial_list(value, n: int, what: str, input) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"Input and {what} must have the same number of spatial dimensions,"
                             f" but got input with spatial dimensions of {list(input.shape[2:])} "
                             f"and {what} of {value}. Please provide input tensor in (N, C, d1, "
                             f"d2, ...,dK) format and {what} in (o1, o2, ...,oK) format.")
        return list(value)
    return [value] * n


def _resize_attrs(mode: str, align_corners, antialias: bool) -> dict:
    if mode == "nearest":
        return {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                "nearest_mode": "floor"}
    if mode == "nearest-exact":
        return {"mode": "nearest", "coordinate_transformation_mode": "half_pixel",
                "nearest_mode": "round_prefer_ceil"}
    attrs = {"mode": "cubic" if mode == "bicubic" else "linear",
             "coordinate_transformation_mode": "align_corners" if align_corners
             else "pytorch_half_pixel"}
    if mode == "bicubic":
        attrs["cubic_coeff_a"] = -0.5 if antialias else -0.75
    if antialias:
        attrs.update(antialias=1, exclude_outside=1)
    return attrs


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False):
    """Resize the spatial dims of an (N, C, ...) input to `size` or by `scale_factor`.
    Modes: nearest, nearest-exact, linear (3-D), bilinear/bicubic (4-D), trilinear (5-D),
    area."""
    _check_interpolate_args(input, size, scale_factor, mode, align_corners, antialias)
    n = input.ndim - 2
    spatial = list(input.shape[2:])
    if size is not None:
        sizes = [int(s) for s in _spatial_list(size, n, "output size", input)]
        scales = None
    else:
        if recompute_scale_factor is not None and recompute_scale_factor and size is not None:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        scales = [float(s) for s in _spatial_list(scale_factor, n, "scale_factor", input)]
        sizes = [math.floor(d * s) for d, s in zip(spatial, scales)]
        if recompute_scale_factor:
            scales = None
    if mode == "area":
        pool = {1: adaptive_avg_pool1d, 2: adaptive_avg_pool2d, 3: adaptive_avg_pool3d}[n]
        return pool(input, sizes)
    attrs = _resize_attrs(mode, align_corners, antialias)
    if scales is not None:
        scale_t = constant(np.array([1.0, 1.0, *scales]), np.float32)
        return call(ops.resize, input, None, scale_t, None, **attrs)
    size_t = ops.const_ints([*input.shape[:2], *sizes])
    return call(ops.resize, input, None, None, size_t, **attrs)


def upsample(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None):
    """Deprecated alias of interpolate."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
