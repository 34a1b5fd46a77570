"""Cases for the spatial ops: Resize (and its private gradient), DepthToSpace, SpaceToDepth.

The Resize reference walks every output entry and forms the full N-D tensor product of per-axis
taps from the spec's formulas (scalar math, no vectorized resampling); ResizeGrad's reference
accumulates the same terms backwards. Output sizes and scales are written out per case."""

from __future__ import annotations

import itertools
import math

import numpy as np

from core_ir import ops

from . import OpCase, ints, rand
from .indexing import Static


# -- Resize reference -----------------------------------------------------------------------------
def _coord(y, n, m, s, attrs, roi):
    """The spec's coordinate transforms; the fractional output length s * n stands in for the
    output length where the spec's formulas divide by it (as onnx's node cases expect)."""
    ctm = attrs.get("coordinate_transformation_mode", "half_pixel")
    width = s * n
    if ctm == "asymmetric":
        return y / s
    if ctm == "align_corners":
        return y * (n - 1) / (width - 1) if width != 1 else 0.0
    if ctm == "tf_crop_and_resize":
        start, end = roi
        if width == 1:
            return 0.5 * (start + end) * (n - 1)
        return start * (n - 1) + y * (end - start) * (n - 1) / (width - 1)
    if ctm == "pytorch_half_pixel" and width == 1:
        return 0.0
    if ctm == "half_pixel_symmetric":
        offset = n / 2 * (1 - m / width)
        return offset + (y + 0.5) / s - 0.5
    return (y + 0.5) / s - 0.5


def _keys(d, a):
    d = abs(d)
    if d <= 1:
        return (a + 2) * d**3 - (a + 3) * d**2 + 1
    return a * d**3 - 5 * a * d**2 + 8 * a * d - 4 * a if d < 2 else 0.0


def _nearest(xo, how):
    f = math.floor(xo)
    if how == "floor":
        return f
    if how == "ceil":
        return math.ceil(xo)
    if how == "round_prefer_floor":
        return f + 1 if xo - f > 0.5 else f
    return f + 1 if xo - f >= 0.5 else f


def _axis_taps(xo, n, s, attrs):
    """[(input index, weight)] of one output coordinate along one axis. Antialiasing stretches
    the filter (triangle of radius 1, Keys cubic of radius 2) by 1 / s when downsampling."""
    mode = attrs.get("mode", "nearest")
    if mode == "nearest":
        taps = [(_nearest(xo, attrs.get("nearest_mode", "round_prefer_floor")), 1.0)]
    else:
        stretch = min(s, 1.0) if attrs.get("antialias") else 1.0
        radius = 1 if mode == "linear" else 2
        f = math.floor(xo)
        near = range(f - math.ceil(radius / stretch) + 1, f + math.ceil(radius / stretch) + 1)
        a = attrs.get("cubic_coeff_a", -0.75)
        taps = [(i, max(1 - abs(i - xo) * stretch, 0.0) if mode == "linear"
                 else _keys((i - xo) * stretch, a)) for i in near]
        total = sum(w for _, w in taps)
        taps = [(i, w / total) for i, w in taps] if attrs.get("antialias") else taps
    if attrs.get("exclude_outside"):
        taps = [(i, w) for i, w in taps if 0 <= i < n]
        total = sum(w for _, w in taps)
        taps = [(i, w / total) for i, w in taps]
    return [(min(max(i, 0), n - 1), w) for i, w in taps]


def _terms(in_shape, out_shape, scales, attrs, rois=None):
    """(output position, input position or None (extrapolated), weight) of every term."""
    rois = rois or [(0.0, 1.0)] * len(in_shape)
    tf_crop = attrs.get("coordinate_transformation_mode") == "tf_crop_and_resize"
    for pos in np.ndindex(*out_shape):
        coords = [_coord(y, n, m, s, attrs, r) if (n, s, r) != (m, 1, (0.0, 1.0)) else None
                  for y, n, m, s, r in zip(pos, in_shape, out_shape, scales, rois)]
        if tf_crop and any(c is not None and not 0 <= c <= n - 1 for c, n in zip(coords, in_shape)):
            yield pos, None, 1.0
            continue
        per_axis = [[(y, 1.0)] if c is None else _axis_taps(c, n, s, attrs)
                    for y, c, n, s in zip(pos, coords, in_shape, scales)]
        for combo in itertools.product(*per_axis):
            yield pos, tuple(i for i, _ in combo), math.prod(w for _, w in combo)


def ref_resize(x, out_shape, scales, attrs, rois=None):
    out = np.zeros(out_shape)
    for pos, src, w in _terms(x.shape, out_shape, scales, attrs, rois):
        out[pos] += attrs.get("extrapolation_value", 0.0) if src is None else w * x[src]
    return out


def ref_resize_grad(g, in_shape, scales, attrs, rois=None):
    out = np.zeros(in_shape)
    for pos, src, w in _terms(in_shape, g.shape, scales, attrs, rois):
        if src is not None:
            out[src] += w * g[pos]
    return out


def _resize(name, x, out_shape, scales, *, given, roi=None, rois=None, grad=True, **attrs):
    """A Resize case; `given` is the scales or sizes input, `scales` the per-axis scales."""
    inputs = [x, roi, given] if isinstance(given, Static) else [x, roi, None, given]
    return OpCase(f"resize_{name}", ops.resize, inputs,
                  lambda x, *rest: ref_resize(x, out_shape, scales, attrs, rois), attrs=attrs,
                  grad=grad)


# -- DepthToSpace / SpaceToDepth references -------------------------------------------------------
def _block_pairs(n, c, h, w, b, mode):
    """(depth-side position, space-side position) pairs for DepthToSpace with C = c*b*b."""
    for i0, cc, hh, ww, i, j in itertools.product(range(n), range(c), range(h), range(w),
                                                  range(b), range(b)):
        depth = (i * b + j) * c + cc if mode == "DCR" else cc * b * b + i * b + j
        yield (i0, depth, hh, ww), (i0, cc, hh * b + i, ww * b + j)


def ref_depth_to_space(x, b, mode):
    n, cin, h, w = x.shape
    out = np.zeros((n, cin // (b * b), h * b, w * b))
    for d, s in _block_pairs(n, cin // (b * b), h, w, b, mode):
        out[s] = x[d]
    return out


def ref_space_to_depth(x, b, mode):
    n, c, hin, win = x.shape
    out = np.zeros((n, c * b * b, hin // b, win // b))
    for d, s in _block_pairs(n, c, hin // b, win // b, b, mode):
        out[d] = x[s]
    return out


# -- cases ----------------------------------------------------------------------------------------
NEAREST, LINEAR, CUBIC = {"mode": "nearest"}, {"mode": "linear"}, {"mode": "cubic"}
CTM = "coordinate_transformation_mode"
CROP_CUBIC = {**CUBIC, CTM: "tf_crop_and_resize", "axes": (1, 2)}

CASES = [
    _resize("nearest_asymmetric_up2_ties_floor", rand(1, 2, 3, 3), (1, 2, 6, 6), (1, 1, 2, 2),
            given=Static([1, 1, 2, 2]), **NEAREST, **{CTM: "asymmetric"}),
    _resize("nearest_down_sizes_prefer_ceil", rand(2, 1, 5, 7), (2, 1, 3, 4),
            (1, 1, 3 / 5, 4 / 7), given=ints(2, 1, 3, 4), **NEAREST,
            nearest_mode="round_prefer_ceil"),
    _resize("nearest_floor_align_corners", rand(1, 1, 4, 4), (1, 1, 7, 3), (1, 1, 7 / 4, 3 / 4),
            given=ints(1, 1, 7, 3), **NEAREST, nearest_mode="floor", **{CTM: "align_corners"}),
    _resize("nearest_ceil_fractional_down", rand(1, 1, 6, 6), (1, 1, 3, 3),
            (1, 1, 0.5, float(np.float32(0.6))), given=Static([1, 1, 0.5, 0.6]), **NEAREST,
            nearest_mode="ceil"),
    _resize("nearest_uint8", np.arange(12, dtype=np.uint8).reshape(1, 1, 3, 4), (1, 1, 5, 2),
            (1, 1, 5 / 3, 2 / 4), given=ints(1, 1, 5, 2), **NEAREST, grad=False),
    _resize("linear_half_pixel_up", rand(2, 3, 3, 4), (2, 3, 6, 6), (1, 1, 2, 1.5),
            given=Static([1, 1, 2, 1.5]), **LINEAR),
    _resize("linear_align_corners", rand(1, 2, 4, 3), (1, 2, 7, 5), (1, 1, 7 / 4, 5 / 3),
            given=ints(1, 2, 7, 5), **LINEAR, **{CTM: "align_corners"}),
    _resize("linear_pytorch_half_pixel_down", rand(1, 1, 5, 8), (1, 1, 3, 1),
            (1, 1, 3 / 5, 1 / 8), given=ints(1, 1, 3, 1), **LINEAR, **{CTM: "pytorch_half_pixel"}),
    _resize("linear_asymmetric_3d_axes", rand(2, 3, 5), (2, 3, 8), (1, 1, float(np.float32(1.6))),
            given=Static([1.6]), **LINEAR, axes=(-1,), **{CTM: "asymmetric"}),
    _resize("linear_half_pixel_symmetric", rand(1, 1, 4, 5), (1, 1, 6, 3),
            (1, 1, float(np.float32(1.7)), float(np.float32(0.7))), given=Static([1, 1, 1.7, 0.7]),
            **LINEAR, **{CTM: "half_pixel_symmetric"}),
    _resize("linear_not_larger", rand(1, 1, 4, 6), (1, 1, 2, 3), (1, 1, 0.5, 0.5),
            given=ints(3, 3), **LINEAR, axes=(2, 3), keep_aspect_ratio_policy="not_larger"),
    _resize("nearest_not_smaller", rand(1, 1, 4, 6), (1, 1, 6, 9), (1, 1, 1.5, 1.5),
            given=ints(6, 6), **NEAREST, axes=(2, 3), keep_aspect_ratio_policy="not_smaller"),
    _resize("cubic_half_pixel_up", rand(1, 2, 4, 4), (1, 2, 8, 8), (1, 1, 2, 2),
            given=Static([1, 1, 2, 2]), **CUBIC),
    _resize("cubic_exclude_outside_a05", rand(1, 1, 5, 4), (1, 1, 3, 7), (1, 1, 3 / 5, 7 / 4),
            given=ints(1, 1, 3, 7), **CUBIC, cubic_coeff_a=-0.5, exclude_outside=1),
    _resize("linear_antialias_down", rand(1, 1, 7, 9), (1, 1, 3, 4),
            (1, 1, float(np.float32(0.45)), float(np.float32(0.45))),
            given=Static([1, 1, 0.45, 0.45]), **LINEAR, antialias=1),
    _resize("cubic_antialias_down_sizes", rand(1, 1, 8, 5), (1, 1, 3, 2), (1, 1, 3 / 8, 2 / 5),
            given=ints(1, 1, 3, 2), **CUBIC, antialias=1),
    _resize("linear_tf_crop_and_resize", rand(1, 1, 4, 5), (1, 1, 3, 4), (1, 1, 3 / 4, 4 / 5),
            given=ints(3, 4), roi=Static([0.6, -0.2, 1.2, 0.8]),
            rois=[(0.0, 1.0), (0.0, 1.0), (0.6, 1.2), (-0.2, 0.8)], axes=(2, 3), **LINEAR,
            extrapolation_value=5.0, **{CTM: "tf_crop_and_resize"}),
    OpCase("resize_grad_linear", ops.resize_grad, [rand(1, 2, 6, 3), ints(1, 2, 3, 4), None,
                                                   Static([1, 1, 2, 0.75])],
           lambda g, *r: ref_resize_grad(g, (1, 2, 3, 4), (1, 1, 2, 0.75), LINEAR), attrs=LINEAR),
    OpCase("resize_grad_cubic_tf_crop", ops.resize_grad,
           [rand(1, 3, 4), ints(1, 4, 5), Static([0.1, 0.0, 1.3, 0.9]), None, ints(3, 4)],
           lambda g, *r: ref_resize_grad(g, (1, 4, 5), (1, 3 / 4, 4 / 5), CROP_CUBIC,
                                         [(0.0, 1.0), (0.1, 1.3), (0.0, 0.9)]),
           attrs=CROP_CUBIC),
    OpCase("resize_grad_nearest_sizes", ops.resize_grad, [rand(1, 1, 2, 5), ints(1, 1, 5, 3),
                                                          None, None, ints(1, 1, 2, 5)],
           lambda g, *r: ref_resize_grad(g, (1, 1, 5, 3), (1, 1, 2 / 5, 5 / 3), NEAREST)),
    OpCase("depth_to_space_dcr", ops.depth_to_space, [rand(2, 8, 2, 3)],
           lambda x: ref_depth_to_space(x, 2, "DCR"), attrs={"blocksize": 2}),
    OpCase("depth_to_space_crd", ops.depth_to_space, [rand(1, 18, 2, 1)],
           lambda x: ref_depth_to_space(x, 3, "CRD"), attrs={"blocksize": 3, "mode": "CRD"}),
    OpCase("space_to_depth_dcr", ops.space_to_depth, [rand(2, 3, 4, 6)],
           lambda x: ref_space_to_depth(x, 2, "DCR"), attrs={"blocksize": 2}),
    OpCase("space_to_depth_crd", ops.space_to_depth, [rand(1, 2, 6, 3)],
           lambda x: ref_space_to_depth(x, 3, "CRD"), attrs={"blocksize": 3, "mode": "CRD"}),
]
