"""Kernels of the spatial ops (same order as core_ir/ops/spatial.py).

Resize is separable: each resized axis is resampled on its own, every output entry being a
weighted sum of a few input entries ("taps": 1 for nearest, 2 for linear, 4 for cubic, more when
antialiasing stretches the filter). A plan lists, per axis, the tap indices and weights (and the
entries tf_crop_and_resize extrapolates); ResizeGrad walks the same plan backwards, summing each
output entry's weighted gradient back onto its taps.
"""

from __future__ import annotations

import math

import numpy as np

from core_ir import ops

from .slicing import sum_back

_ROUND = {  # ONNX nearest_mode: which neighbour a coordinate halfway between two picks
    "round_prefer_floor": lambda x: np.ceil(x - 0.5),
    "round_prefer_ceil": lambda x: np.floor(x + 0.5),
    "floor": np.floor,
    "ceil": np.ceil,
}


def _source_coords(n: int, m: int, scale: float, mode: str, roi: tuple) -> np.ndarray:
    """Where each of the m output entries samples the n input entries: the spec's formulas, with
    `width` = scale * n, the fractional output length (as onnx's reference and its node cases
    use it), evaluated in the reference's order so that rounding ties agree."""
    y = np.arange(m, dtype=np.float64)
    width = scale * n
    if mode == "asymmetric":
        return y / scale
    if mode == "align_corners":
        return np.zeros(m) if width == 1 else y * (n - 1) / (width - 1)
    if mode == "tf_crop_and_resize":
        start, end = roi
        if width == 1:
            return np.full(m, (end - start) * (n - 1) / 2 + start * (n - 1))
        return y * (end - start) * (n - 1) / (width - 1) + start * (n - 1)
    if mode == "pytorch_half_pixel" and width == 1:
        return np.zeros(m)  # the spec's 0 (onnx's reference uses -0.5; ORT uses 0)
    if mode == "half_pixel_symmetric":
        offset = n / 2 * (1 - m / width)
        return offset + (y + 0.5) / scale - 0.5
    return (y + 0.5) / scale - 0.5


def _triangle(d: np.ndarray) -> np.ndarray:
    return np.clip(1 - np.abs(d), 0, 1)


def _keys(d: np.ndarray, a: float) -> np.ndarray:
    """Keys' cubic convolution kernel (a = cubic_coeff_a), zero beyond distance 2."""
    d = np.abs(d)
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return np.where(d <= 1, near, np.where(d < 2, far, 0.0))


def _taps(x: np.ndarray, n: int, scale: float, attrs: dict):
    """(indices (m, T), weights (m, T) or None for nearest) of the taps. Antialiasing stretches
    the filter by 1 / scale when downsampling; out-of-range taps are clamped to the edge, or
    dropped and the rest renormalized with exclude_outside."""
    mode = attrs["mode"]
    if mode == "nearest":
        idx = _ROUND[attrs["nearest_mode"]](x)
        return np.clip(idx, 0, n - 1).astype(np.intp)[:, None], None
    stretch = min(scale, 1.0) if attrs["antialias"] else 1.0
    reach = math.ceil((1 if mode == "linear" else 2) / stretch)  # taps on each side
    idx = np.floor(x).astype(np.intp)[:, None] + np.arange(1 - reach, reach + 1)
    d = (idx - x[:, None]) * stretch
    w = _triangle(d) if mode == "linear" else _keys(d, attrs["cubic_coeff_a"])
    if attrs["antialias"]:
        w = w / w.sum(axis=1, keepdims=True)
    if attrs["exclude_outside"]:
        w = np.where((idx >= 0) & (idx < n), w, 0.0)
        w = w / w.sum(axis=1, keepdims=True)
    return np.clip(idx, 0, n - 1), w


def _given(t, kind):
    return None if t is None or t.size == 0 else tuple(kind(v) for v in t.reshape(-1))


def _rois(rank: int, roi, axes) -> list[tuple[float, float]]:
    """(start, end) per axis from roi = [starts over axes, ends over axes]; (0, 1) elsewhere."""
    out = [(0.0, 1.0)] * rank
    values = _given(roi, float)
    if values is not None:
        axes = range(rank) if axes is None else [a % rank for a in axes]
        k = len(values) // 2
        for i, a in enumerate(axes):
            out[a] = (values[i], values[k + i])
    return out


def _plan(shape: tuple, roi, scales, sizes, attrs: dict) -> list[tuple]:
    """[(axis, tap indices, tap weights, extrapolated entries or None)] of the resized axes."""
    out, scale = ops.resize_geometry(shape, _given(scales, float), _given(sizes, int),
                                     attrs["axes"], attrs["keep_aspect_ratio_policy"])
    ctm = attrs["coordinate_transformation_mode"]
    rois = _rois(len(shape), roi, attrs["axes"]) if ctm == "tf_crop_and_resize" else None
    plan = []
    for axis, (n, m, s) in enumerate(zip(shape, out, scale)):
        if m == n and s == 1 and (rois is None or rois[axis] == (0.0, 1.0)):
            continue  # every coordinate mapping is the identity here
        x = _source_coords(n, m, s, ctm, rois[axis] if rois else None)
        outside = ((x < 0) | (x > n - 1)) if rois else None
        plan.append((axis, *_taps(x, n, s, attrs), outside))
    return plan


def _along(v: np.ndarray, axis: int, ndim: int) -> np.ndarray:
    """A per-entry vector of one axis, shaped to broadcast along that axis."""
    return v.reshape((1,) * axis + v.shape[:1] + (1,) * (ndim - axis - 1))


def _resample(x, axis: int, idx, w):
    if w is None:
        return np.take(x, idx[:, 0], axis=axis)
    out = 0
    for t in range(idx.shape[1]):  # a few taps: a loop over a small static count
        out = out + np.take(x, idx[:, t], axis=axis) * _along(w[:, t].astype(x.dtype), axis,
                                                               x.ndim)
    return out


def _resize(x, roi=None, scales=None, sizes=None, **attrs):
    for axis, idx, w, outside in _plan(x.shape, roi, scales, sizes, attrs):
        x = _resample(x, axis, idx, w)
        if outside is not None:  # tf_crop_and_resize samples beyond the input: a constant
            x = np.where(_along(outside, axis, x.ndim), np.asarray(attrs["extrapolation_value"],
                                                                   x.dtype), x)
    return x


def _resize_grad(g, shape, roi=None, scales=None, sizes=None, **attrs):
    shape = tuple(int(d) for d in shape)
    for axis, idx, w, outside in reversed(_plan(shape, roi, scales, sizes, attrs)):
        if outside is not None:
            g = np.where(_along(outside, axis, g.ndim), np.zeros((), g.dtype), g)
        if w is not None:  # each output entry's gradient, weighted, once per tap
            g = np.expand_dims(g, axis + 1) * w.astype(g.dtype).reshape(
                (1,) * axis + w.shape + (1,) * (g.ndim - axis - 1))
            g = g.reshape(g.shape[:axis] + (-1,) + g.shape[axis + 2:])
        g = sum_back(g, axis, idx.reshape(-1), shape[axis])
    return g


# -- DepthToSpace / SpaceToDepth ------------------------------------------------------------------
def _depth_to_space(x, blocksize, mode):
    n, c, h, w = x.shape
    b = blocksize
    if mode == "DCR":
        t = x.reshape(n, b, b, c // (b * b), h, w).transpose(0, 3, 4, 1, 5, 2)
    else:
        t = x.reshape(n, c // (b * b), b, b, h, w).transpose(0, 1, 4, 2, 5, 3)
    return t.reshape(n, c // (b * b), h * b, w * b)


def _space_to_depth(x, blocksize, mode):
    n, c, h, w = x.shape
    b = blocksize
    t = x.reshape(n, c, h // b, b, w // b, b)
    t = t.transpose(0, 3, 5, 1, 2, 4) if mode == "DCR" else t.transpose(0, 1, 3, 5, 2, 4)
    return t.reshape(n, c * b * b, h // b, w // b)


KERNELS = {
    ops.resize: _resize,
    ops.resize_grad: _resize_grad,
    ops.depth_to_space: _depth_to_space,
    ops.space_to_depth: _space_to_depth,
}
