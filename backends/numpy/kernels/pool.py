"""Kernels of the pooling ops and their private gradients. Same order as core_ir/ops/pool.py.

Windows are visited tap by tap: for each of the k (e.g. 2x2 = 4) kernel taps, the strided view of
the padded input that the tap reads for every output cell at once. A reduction over those views
(np.maximum, +) beats numpy's reductions over small strided window axes by an order of magnitude
(x.reshape(N, C, H/2, 2, W/2, 2).max(axis=(3, 5)) measured ~15x slower than four np.maximum of
views) and needs no window copy. When stride equals kernel and there is no padding the views are
exactly the reshape trick's slices x.reshape(N, C, H/k, k, W/k, k)[:, :, :, i, :, j], taken
without a reshape. The average pools are linear maps, and their gradients are the transposes.
"""

from __future__ import annotations

import math

import numpy as np

from core_ir import ops
from core_ir.ops.conv_geometry import Window
from core_ir.ops.pool import adaptive_bins, pool_window

from .conv import channels_first, full_like_layout, padded, taps, to_layout


def tap_views(xp: np.ndarray, win: Window):
    """For each kernel tap, the view (N, C, *out) of the padded input it reads."""
    for tap in taps(win.kernel):
        yield xp[(slice(None), slice(None),
                  *(slice(t * d, t * d + (o - 1) * s + 1, s)
                    for t, d, o, s in zip(tap, win.dilations, win.out, win.strides)))]


def running_max(views: list) -> tuple[np.ndarray, np.ndarray]:
    """The elementwise max over equal-shaped arrays, and which one held it: the first on ties,
    as torch's max pooling. A NaN propagates to the max, as in torch."""
    best = np.maximum(views[0], views[1]) if len(views) > 1 else np.array(views[0])
    for v in views[2:]:  # a loop over the kernel taps
        np.maximum(best, v, out=best)
    # the winner's position = how many taps come before the first one equal to the max:
    # cheap boolean passes instead of a masked copy per tap (several times faster)
    before = views[0] != best
    arg = before.astype(np.int8 if len(views) < 128 else np.int32)
    for v in views[1:-1]:
        before &= v != best
        arg += before
    return best, arg


def _lowest(dtype: np.dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def element_strides(shape: tuple, data_format: str, storage_order: int = 0) -> tuple:
    """Strides (in elements) of a row-major array of `shape`, in channels-first axis order
    (batch, channels, spatial); storage_order=1 counts the spatial dims column-major among
    themselves (ONNX MaxPool Indices)."""
    rank = len(shape)
    strides = [math.prod(shape[i + 1:]) for i in range(rank)]
    channel, spatial = (rank - 1, range(1, rank - 1)) if data_format == "NHWC" \
        else (1, range(2, rank))
    spatial = list(spatial)
    if storage_order:
        unit = strides[spatial[-1]]
        for j, a in enumerate(spatial):
            strides[a] = unit * math.prod(shape[b] for b in spatial[:j])
    return (strides[0], strides[channel], *(strides[a] for a in spatial))


def _grid(values: np.ndarray, axis: int, rank: int) -> np.ndarray:
    """A 1-D array shaped to broadcast along `axis` of a rank-`rank` array."""
    return values.reshape([-1 if a == axis else 1 for a in range(rank)])


def _batch_channel_base(n: int, c: int, strides: tuple, rank: int) -> np.ndarray:
    return _grid(np.arange(n) * strides[0], 0, rank) + _grid(np.arange(c) * strides[1], 1, rank)


# -- MaxPool --------------------------------------------------------------------------------------
def _max_indices(arg: np.ndarray, win: Window, strides: tuple) -> np.ndarray:
    """Flat indices into X of the maxima: the window's first cell plus the winning tap's offset
    (both are sums over the axes, so the winning tap needs one table lookup)."""
    rank = arg.ndim
    flat = _batch_channel_base(arg.shape[0], arg.shape[1], strides, rank)
    for i, (o, s, (b, _), st) in enumerate(zip(win.out, win.strides, win.pads, strides[2:])):
        flat = flat + _grid((np.arange(o) * s - b) * st, 2 + i, rank)
    offsets = np.zeros(1, np.int64)
    for k, d, st in zip(win.kernel, win.dilations, strides[2:]):
        offsets = (offsets[:, None] + np.arange(k) * d * st).ravel()  # tap order of taps()
    return flat + offsets[arg]


def _max_pool(x, **attrs):
    win = pool_window(x, **attrs)
    fmt = attrs["data_format"]
    xp = padded(channels_first(x, fmt), win.pads, win.extents(), _lowest(x.dtype))
    y, arg = running_max(list(tap_views(xp, win)))
    indices = _max_indices(arg, win, element_strides(x.shape, fmt, attrs["storage_order"]))
    return to_layout(y, fmt), to_layout(indices, fmt)


def _max_pool_grad(g, indices, x, overlapping=1):
    if overlapping:  # windows share cells: sum the hits (bincount is a vectorized scatter-add)
        dx = np.bincount(indices.ravel(), weights=g.ravel(), minlength=x.size).astype(x.dtype)
    else:  # each cell is the maximum of at most one window
        dx = np.zeros(x.size, x.dtype)
        dx[indices.ravel()] = g.ravel()
    return dx.reshape(x.shape)


# -- AveragePool ----------------------------------------------------------------------------------
def _divisor(win: Window, spatial: tuple, count_include_pad: int):
    """How many cells each window averages, as a product of per-axis counts (or one number)."""
    counts = []
    for size, o, s, (b, e), k, d in zip(spatial, win.out, win.strides, win.pads, win.kernel,
                                        win.dilations):
        pos = np.arange(o)[:, None] * s - b + np.arange(k) * d
        lo, hi = (-b, size + e) if count_include_pad else (0, size)
        counts.append(((pos >= lo) & (pos < hi)).sum(axis=1))
    if all((c == k).all() for c, k in zip(counts, win.kernel)):
        return math.prod(win.kernel)
    total = np.ones((), np.int64)
    for c in counts:
        total = np.multiply.outer(total, c)
    return total


def _average_pool(x, **attrs):
    win = pool_window(x, **attrs)
    fmt = attrs["data_format"]
    xc = channels_first(x, fmt)
    views = tap_views(padded(xc, win.pads, win.extents()), win)
    y = np.array(next(views))
    for v in views:  # a loop over the kernel taps
        y += v
    y /= np.asarray(_divisor(win, xc.shape[2:], attrs["count_include_pad"]), x.dtype)
    return to_layout(y, fmt)


def _average_pool_grad(g, x, **attrs):
    win = pool_window(x, **attrs)
    fmt = attrs["data_format"]
    xc = channels_first(x, fmt)
    share = channels_first(g, fmt) / np.asarray(
        _divisor(win, xc.shape[2:], attrs["count_include_pad"]), x.dtype)
    dxp = full_like_layout(share, xc.shape[:2] + win.extents())
    for view in tap_views(dxp, win):  # a loop over the kernel taps
        view += share
    # dxp covers input positions [-begin, -begin + extent): cut (or zero-extend) to the input
    back = tuple((-b, 0) for b, _ in win.pads)
    return to_layout(padded(dxp, back, xc.shape[2:]), fmt)


# -- GlobalAveragePool, GlobalMaxPool -------------------------------------------------------------
def _spatial(x: np.ndarray, data_format: str) -> tuple:
    return tuple(range(1, x.ndim - 1)) if data_format == "NHWC" else tuple(range(2, x.ndim))


def _global_average_pool(x, data_format="NCHW"):
    return x.mean(axis=_spatial(x, data_format), keepdims=True)


def _global_max_pool(x, data_format="NCHW"):
    return x.max(axis=_spatial(x, data_format), keepdims=True)


# -- adaptive pooling ------------------------------------------------------------------------------
def _bin_edges(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    start, end = np.array(adaptive_bins(size, out)).T
    return start, end


def _averaging_matrix(size: int, out: int, dtype) -> np.ndarray:
    """(out, size): row i averages bin i."""
    start, end = _bin_edges(size, out)
    cells = np.arange(size)
    inside = (cells >= start[:, None]) & (cells < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _along_spatial(x: np.ndarray, matrices, transpose: bool) -> np.ndarray:
    """Apply one small matrix along each spatial axis of a channels-first array (a GEMM each)."""
    for i, m in enumerate(matrices):
        axis = 2 + i
        x = np.moveaxis(np.tensordot(x, m, axes=([axis], [0 if transpose else 1])), -1, axis)
    return x


def _adaptive_average_pool(x, output_size, data_format="NCHW"):
    xc = channels_first(x, data_format)
    mats = [_averaging_matrix(s, o, x.dtype)
            for s, o in zip(xc.shape[2:], output_size, strict=True)]
    return to_layout(_along_spatial(xc, mats, transpose=False), data_format)


def _adaptive_max_pool(x, output_size, data_format="NCHW"):
    xc = channels_first(x, data_format)
    rank = xc.ndim
    # cell t of bin o along each axis; a short bin repeats its last cell, which cannot win a tie
    tables = []
    for s, o in zip(xc.shape[2:], output_size, strict=True):
        start, end = _bin_edges(s, o)
        longest = int((end - start).max())
        tables.append(np.minimum(start[:, None] + np.arange(longest), end[:, None] - 1))
    n_sp = rank - 2
    index = tuple(t.reshape([t.shape[j % 2] if j // 2 == i else 1 for j in range(2 * n_sp)])
                  for i, t in enumerate(tables))
    cells = xc[(slice(None), slice(None), *index)]  # (N, C, O1, L1, O2, L2, ...): one gather
    order = (0, 1, *range(2, 2 + 2 * n_sp, 2), *range(3, 3 + 2 * n_sp, 2))
    cells = cells.transpose(order).reshape(*xc.shape[:2], *output_size, -1)
    arg = cells.argmax(axis=-1)
    y = np.take_along_axis(cells, arg[..., None], axis=-1)[..., 0]
    strides = element_strides(x.shape, data_format)
    flat = _batch_channel_base(xc.shape[0], xc.shape[1], strides, rank)
    lengths = tuple(t.shape[1] for t in tables)
    for i, (t, j, st) in enumerate(zip(tables, np.unravel_index(arg, lengths), strides[2:])):
        flat = flat + t[_grid(np.arange(t.shape[0]), 2 + i, rank), j] * st
    return to_layout(y, data_format), to_layout(flat, data_format)


def _adaptive_average_pool_grad(g, x, data_format="NCHW"):
    gc = channels_first(g, data_format)
    xc = channels_first(x, data_format)
    mats = [_averaging_matrix(s, o, x.dtype)
            for s, o in zip(xc.shape[2:], gc.shape[2:], strict=True)]
    return to_layout(_along_spatial(gc, mats, transpose=True), data_format)


KERNELS = {
    ops.max_pool: _max_pool,
    ops.max_pool_grad: _max_pool_grad,
    ops.average_pool: _average_pool,
    ops.average_pool_grad: _average_pool_grad,
    ops.global_average_pool: _global_average_pool,
    ops.global_max_pool: _global_max_pool,
    ops.adaptive_average_pool: _adaptive_average_pool,
    ops.adaptive_max_pool: _adaptive_max_pool,
    ops.adaptive_average_pool_grad: _adaptive_average_pool_grad,
}
