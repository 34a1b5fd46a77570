"""Kernels of Conv, ConvTranspose and the private ConvWeightGrad. Same order as core_ir/ops/conv.py.

Each is one GEMM (per group) over a strided view: the windows of the (padded) input are an
as_strided view (N, C, *kernel, *out), and reshaping it to (C * kernel, N * out) for np.matmul is
the im2col copy. The batch is folded into the GEMM's columns rather than looped over (numpy's
batched matmul calls BLAS once per image): one large GEMM runs at the same speed single-threaded
and many times faster when BLAS threads have to share busy cores.

So the results come out channel-major: (O, N, *out) in memory, returned as an (N, O, *out) *view*
(NHWC data: an (N, *out, O) view), which is what the next convolution's im2col and the weight
gradient want to read anyway. Channels-last inputs are read through a channels-first view, never
copied to another layout first. Kernels never validate: the geometry helpers they share with the
shape rules raise ShapeError for windows that do not fit.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from core_ir import ops
from core_ir.ops.conv import conv_transpose_window, conv_window, weight_grad_window
from core_ir.ops.conv_geometry import Window, from_channels_first, to_channels_first


# -- layouts and windows (shared with the pooling kernels) ----------------------------------------
def channels_first(x: np.ndarray, data_format: str) -> np.ndarray:
    perm = to_channels_first(x.ndim, data_format)
    return x if perm is None else x.transpose(perm)


def to_layout(y: np.ndarray, data_format: str) -> np.ndarray:
    perm = from_channels_first(y.ndim, data_format)
    return y if perm is None else y.transpose(perm)


def canonical_weight(w: np.ndarray, kernel_format: str) -> np.ndarray:
    """OIHW (Conv) or IOHW (ConvTranspose) view of a weight in any of the four layouts."""
    if kernel_format in ("OIHW", "IOHW"):
        return w
    return w.transpose(w.ndim - 1, w.ndim - 2, *range(w.ndim - 2))


def weight_in_format(w: np.ndarray, kernel_format: str) -> np.ndarray:
    if kernel_format in ("OIHW", "IOHW"):
        return w
    return w.transpose(*range(2, w.ndim), 1, 0)


def full_like_layout(x: np.ndarray, shape: tuple, value=0) -> np.ndarray:
    """A new array of `shape` filled with `value`, laid out in memory like x (same axis order by
    stride), so that copying between the two streams instead of transposing."""
    order = sorted(range(x.ndim), key=lambda a: -abs(x.strides[a]))  # outermost axis first
    return np.full([shape[a] for a in order], value, x.dtype).transpose(np.argsort(order))


def padded(x: np.ndarray, pads: tuple, extents: tuple, value=0) -> np.ndarray:
    """x (channels first) with spatial axis i covering positions [-begin_i, -begin_i + extent_i):
    cells outside x are `value`. A view when no cell is outside (pads 0, or cropping only)."""
    src, before, after = [slice(None), slice(None)], [], []
    for size, (begin, _), ext in zip(x.shape[2:], pads, extents):
        lo, hi = -begin, ext - begin
        src.append(slice(max(lo, 0), max(min(hi, size), 0)))
        before.append(max(-lo, 0))
        after.append(max(hi - size, 0))
    x = x[tuple(src)]
    if not any(before) and not any(after):
        return x
    out = full_like_layout(x, x.shape[:2] + tuple(extents), value)
    out[(slice(None), slice(None), *(slice(b, b + n) for b, n in zip(before, x.shape[2:])))] = x
    return out


def windows(xp: np.ndarray, win: Window) -> np.ndarray:
    """The read-only view (N, C, *kernel, *out) of a padded input: tap t of output cell o reads
    xp[o * stride + t * dilation] along each spatial axis."""
    st = xp.strides
    sp = st[2:]
    shape = xp.shape[:2] + win.kernel + win.out
    strides = st[:2] + tuple(s * d for s, d in zip(sp, win.dilations)) \
        + tuple(s * k for s, k in zip(sp, win.strides))
    return as_strided(xp, shape, strides, writeable=False)


def taps(kernel: tuple):
    """Every kernel tap as an index tuple (9 for a 3x3 kernel)."""
    return itertools.product(*(range(k) for k in kernel))


# -- Conv -----------------------------------------------------------------------------------------
def im2col(x: np.ndarray, win: Window, group: int) -> np.ndarray:
    """(G, C/G * k, N * out): every window of the padded input as a column (the one copy)."""
    cols = windows(padded(x, win.pads, win.extents()), win)  # (N, C, *k, *out), a view
    nk = len(win.kernel)
    order = (1, *range(2, 2 + nk), 0, *range(2 + nk, cols.ndim))
    return cols.transpose(order).reshape(group, -1, x.shape[0] * math.prod(win.out))


def channel_major(y: np.ndarray, n: int, spatial: tuple) -> np.ndarray:
    """A (G, O/G, N * P) product as the (N, O, *spatial) view of its channel-major memory."""
    return y.reshape(-1, n, *spatial).swapaxes(0, 1)


def conv_channels_first(x: np.ndarray, w: np.ndarray, win: Window, group: int) -> np.ndarray:
    """x (N, C, *in), w (O, C/group, *k) -> (N, O, *out): W (O, C * k) @ im2col (C * k, N * out)."""
    y = np.matmul(w.reshape(group, w.shape[0] // group, -1), im2col(x, win, group))
    return channel_major(y, x.shape[0], win.out)


def _add_bias(y: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    if b is not None:  # reshaped to exactly the channel count: a wrong bias fails, never broadcasts
        y += b.reshape(y.shape[1], *(1,) * (y.ndim - 2))
    return y


def _conv(x, w, b=None, **attrs):
    win = conv_window(x, w, **attrs)
    fmt = attrs["data_format"]
    y = conv_channels_first(channels_first(x, fmt), canonical_weight(w, attrs["kernel_format"]),
                            win, attrs["group"])
    return to_layout(_add_bias(y, b), fmt)


# -- ConvTranspose --------------------------------------------------------------------------------
def col2im(cols: np.ndarray, win: Window) -> np.ndarray:
    """cols (G, *kernel, O/G, N, *in): sum each tap's contribution into the output cells it
    reaches (input cell i, tap t -> full position i * stride + t * dilation), then apply the
    pads. Returns the (N, O, *out) view of a channel-major buffer."""
    group, nk = cols.shape[0], len(win.kernel)
    og, n, spatial = cols.shape[1 + nk], cols.shape[2 + nk], cols.shape[3 + nk:]
    full = [(s_ - 1) * st + e for s_, st, e in zip(spatial, win.strides, win.effective)]
    lo = [min(0, b) for b, _ in win.pads]
    hi = [max(f, b + out) for f, (b, _), out in zip(full, win.pads, win.out)]
    buf = np.zeros((group * og, n, *(h - l for h, l in zip(hi, lo))), dtype=cols.dtype)
    dst_of = buf.reshape(group, og, *buf.shape[1:])
    # a loop over the kernel taps only (9 for 3x3): each step is one strided add over the batch
    for tap in taps(win.kernel):
        dst = tuple(slice(t * d - l, t * d - l + (s_ - 1) * st + 1, st)
                    for t, d, l, s_, st in zip(tap, win.dilations, lo, spatial, win.strides))
        dst_of[(slice(None),) * 3 + dst] += cols[(slice(None), *tap)]
    crop = tuple(slice(b - l, b - l + out) for (b, _), l, out in zip(win.pads, lo, win.out))
    return buf[(slice(None), slice(None), *crop)].swapaxes(0, 1)


def conv_transpose_channels_first(x: np.ndarray, w: np.ndarray, win: Window,
                                  group: int) -> np.ndarray:
    """x (N, C, *in), w (C, O/group, *k) -> (N, O, *out): one GEMM, then col2im."""
    n, c = x.shape[:2]
    og, kernel = w.shape[1], w.shape[2:]
    taps_ = math.prod(kernel)
    # (G, k * O/G, C/G): tap-major rows, so that each tap's slice of the product is one block
    wt = w.reshape(group, c // group, og, taps_).transpose(0, 3, 2, 1)
    wt = wt.reshape(group, -1, c // group)
    xm = x.reshape(n, group, c // group, -1).transpose(1, 2, 0, 3).reshape(group, c // group, -1)
    cols = np.matmul(wt, xm)  # (G, k * O/G, N * in)
    return col2im(cols.reshape(group, *kernel, og, n, *x.shape[2:]), win)


def _conv_transpose(x, w, b=None, **attrs):
    win = conv_transpose_window(x, w, **attrs)
    fmt = attrs["data_format"]
    y = conv_transpose_channels_first(channels_first(x, fmt),
                                      canonical_weight(w, attrs["kernel_format"]), win,
                                      attrs["group"])
    return to_layout(_add_bias(y, b), fmt)


# -- ConvWeightGrad --------------------------------------------------------------------------------
def weight_grad_channels_first(x: np.ndarray, g: np.ndarray, win: Window,
                               group: int) -> np.ndarray:
    """x (N, C, *in), g (N, O, *out) -> dW (O, C/group, *k): g (O, N * out) @ im2col^T, one GEMM
    (per group) that contracts the batch and the output cells at once."""
    n, c = x.shape[:2]
    o = g.shape[1]
    gm = g.reshape(n, group, o // group, -1).transpose(1, 2, 0, 3).reshape(group, o // group, -1)
    dw = np.matmul(gm, im2col(x, win, group).transpose(0, 2, 1))  # (G, O/G, C/G * k)
    return dw.reshape(o, c // group, *win.kernel)


def _conv_weight_grad(x, g, **attrs):
    win = weight_grad_window(x, g, **attrs)
    fmt = attrs["data_format"]
    dw = weight_grad_channels_first(channels_first(x, fmt), channels_first(g, fmt), win,
                                    attrs["group"])
    return weight_in_format(dw, attrs["kernel_format"])


KERNELS = {
    ops.conv: _conv,
    ops.conv_transpose: _conv_transpose,
    ops.conv_weight_grad: _conv_weight_grad,
}
