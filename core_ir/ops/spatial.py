"""Spatial ops: Resize (nearest, linear and cubic, antialias, every coordinate transformation
mode; N-D, separable per axis), DepthToSpace and SpaceToDepth (ONNX semantics).

Resize is linear in X for fixed scales/sizes, so its VJP is the transposed resampling: the
private ResizeGrad (same attributes), whose own VJP is Resize.

torch.nn.functional.interpolate in these terms (checked against torch, values and gradients):
nearest = asymmetric + nearest_mode floor; bilinear/bicubic = pytorch_half_pixel (align_corners
=True: align_corners), bicubic with cubic_coeff_a -0.75; antialias=True = antialias 1 with
exclude_outside 1 (torch drops the taps beyond the border) and, for bicubic, cubic_coeff_a -0.5. DepthToSpace and SpaceToDepth are
permutations and each other's inverse, so each is the other's VJP.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes
from ..errors import ShapeError, fmt_shape
from ..interpreters import TypeSpec
from ..op import PRIVATE_DOMAIN, Attr, defop
from ..shape_rules import check_dtype, known_ints, normalize_axis, require_known

RESIZE_ATTRS = {
    "mode": Attr("str", "nearest", ("nearest", "linear", "cubic")),
    "coordinate_transformation_mode": Attr(
        "str", "half_pixel", ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
                              "align_corners", "asymmetric", "tf_crop_and_resize")),
    "nearest_mode": Attr("str", "round_prefer_floor",
                         ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")),
    "cubic_coeff_a": Attr("float", -0.75),
    "exclude_outside": Attr("int", 0, (0, 1)),
    "extrapolation_value": Attr("float", 0.0),
    "antialias": Attr("int", 0, (0, 1)),
    "axes": Attr("ints", None, optional=True),
    "keep_aspect_ratio_policy": Attr("str", "stretch", ("stretch", "not_larger", "not_smaller")),
}

# -- Resize ---------------------------------------------------------------------------------------


def _given(t) -> bool:
    """ONNX passes an empty tensor (or no input) for whichever of scales/sizes is unused."""
    return t is not None and t.shape != (0,)


def resize_geometry(shape: tuple, scales, sizes, axes, policy: str) -> tuple[tuple, tuple]:
    """(output shape, per-axis scale) of Resize. `scales`/`sizes` are value tuples or None (not
    given), or the string "unknown" (given but not known while tracing: those dims are None).
    The scale is the given one, or sizes / input size: what the coordinate mapping divides by.
    NOTE: the output size ignores roi (floor(size * scale)), as onnx's reference and ORT do."""
    rank = len(shape)
    axes = tuple(range(rank)) if axes is None else tuple(normalize_axis(a, rank, shape)
                                                         for a in axes)
    if (scales is None) == (sizes is None):
        raise ShapeError("needs exactly one of the scales and sizes inputs")
    values = scales if sizes is None else sizes
    if values != "unknown" and len(values) != len(axes):
        raise ShapeError(f"got {len(values)} {'scales' if sizes is None else 'sizes'} for "
                         f"{len(axes)} axes of shape {fmt_shape(shape)}")
    out, scale = list(shape), [1.0] * rank
    if values == "unknown":
        for a in axes:
            out[a], scale[a] = None, None
        return tuple(out), tuple(scale)
    if sizes is None:
        for a, s in zip(axes, scales):
            out[a], scale[a] = _scaled(shape[a], s), s
        return tuple(out), tuple(scale)
    ratios = [n / shape[a] if isinstance(shape[a], int) else None for a, n in zip(axes, sizes)]
    if policy == "stretch":
        for a, n, r in zip(axes, sizes, ratios):
            out[a], scale[a] = n, r
        return tuple(out), tuple(scale)
    if None in ratios:
        raise ShapeError(f"keep_aspect_ratio_policy {policy} needs static sizes of the resized "
                         f"axes, got shape {fmt_shape(shape)}")
    r = min(ratios) if policy == "not_larger" else max(ratios)
    for a in axes:
        out[a], scale[a] = int(r * shape[a] + 0.5), r  # round half up, as the spec says
    return tuple(out), tuple(scale)


def _scaled(dim, s: float):
    if isinstance(dim, int):
        return math.floor(dim * s)
    return dim if s == 1 else None


def _resize_values(t, name: str):
    if not _given(t):
        return None
    k = t.known
    if k is None:
        return "unknown"
    if name == "sizes":
        return known_ints(t)
    return tuple(float(v) for v in np.asarray(k, dtype=np.float64).reshape(-1))


def _resize_infer(x, roi=None, scales=None, sizes=None, **attrs):
    if attrs["mode"] != "nearest":
        check_dtype(x, dtypes.FLOATS, "X")
    if attrs["coordinate_transformation_mode"] == "tf_crop_and_resize" and not _given(roi):
        raise ShapeError("coordinate_transformation_mode tf_crop_and_resize needs the roi input")
    out, _ = resize_geometry(x.shape, _resize_values(scales, "scales"),
                             _resize_values(sizes, "sizes"), attrs["axes"],
                             attrs["keep_aspect_ratio_policy"])
    return TypeSpec(x.dtype, out)


def _resize_vjp(g, out, x, roi=None, scales=None, sizes=None, **attrs):
    return resize_grad(g, shape_tensor(x), roi, scales, sizes, **attrs), None, None, None


resize = defop("Resize", infer=_resize_infer, attrs=RESIZE_ATTRS, vjp=_resize_vjp)


def _resize_grad_infer(g, shape, roi=None, scales=None, sizes=None, **attrs):
    return TypeSpec(g.dtype, require_known(shape, "ResizeGrad's target shape"))


def _resize_grad_vjp(gg, out, g, shape, roi=None, scales=None, sizes=None, **attrs):
    return resize(gg, roi, scales, sizes, **attrs), None, None, None, None


resize_grad = defop("ResizeGrad", domain=PRIVATE_DOMAIN, infer=_resize_grad_infer,
                    attrs=RESIZE_ATTRS, vjp=_resize_grad_vjp)

# -- DepthToSpace / SpaceToDepth ------------------------------------------------------------------
BLOCK_ATTRS = {"blocksize": Attr("int"), "mode": Attr("str", "DCR", ("DCR", "CRD"))}


def _times(d, k: int):
    return d * k if isinstance(d, int) else (d if k == 1 else None)


def _divided(d, k: int, what: str, shape: tuple):
    if not isinstance(d, int):
        return d if k == 1 else None
    if d % k:
        raise ShapeError(f"{what} {d} of shape {fmt_shape(shape)} is not divisible by {k}")
    return d // k


def _check_nchw(x, blocksize: int) -> None:
    if x.ndim != 4:
        raise ShapeError(f"expected a 4-D (N, C, H, W) input, got shape {fmt_shape(x.shape)}")
    if blocksize < 1:
        raise ShapeError(f"blocksize must be positive, got {blocksize}")


def _depth_to_space_infer(x, blocksize, mode="DCR"):
    _check_nchw(x, blocksize)
    n, c, h, w = x.shape
    c = _divided(c, blocksize * blocksize, "the channel count", x.shape)
    return TypeSpec(x.dtype, (n, c, _times(h, blocksize), _times(w, blocksize)))


def _space_to_depth_infer(x, blocksize, mode="DCR"):
    _check_nchw(x, blocksize)
    n, c, h, w = x.shape
    h = _divided(h, blocksize, "the height", x.shape)
    w = _divided(w, blocksize, "the width", x.shape)
    return TypeSpec(x.dtype, (n, _times(c, blocksize * blocksize), h, w))


depth_to_space = defop("DepthToSpace", infer=_depth_to_space_infer, attrs=BLOCK_ATTRS,
                       vjp=lambda g, o, x, **a: (space_to_depth(g, **a),))
space_to_depth = defop("SpaceToDepth", infer=_space_to_depth_infer, attrs=BLOCK_ATTRS,
                       vjp=lambda g, o, x, **a: (depth_to_space(g, **a),))

__all__ = ["resize", "resize_grad", "depth_to_space", "space_to_depth", "resize_geometry"]

from .helpers import shape_tensor  # noqa: E402
