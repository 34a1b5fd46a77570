"""Kernels of the slicing and layout ops (same order as core_ir/ops/slicing.py). Flatten, Split
and Slice return numpy views: the engine never writes outputs in place, so that is safe. Padding
modes other than constant are one np.take per padded axis with an index map, which makes the
gradient (PadGrad) the same map summed back."""

from __future__ import annotations

import math

import numpy as np

from core_ir import ops

from .indexing import scatter_add_rows


def _ints(t) -> tuple[int, ...]:
    return tuple(int(v) for v in np.asarray(t).reshape(-1))


def _flatten(x, axis):
    a = ops.flatten_axis(axis, x.ndim)
    return x.reshape(math.prod(x.shape[:a]), math.prod(x.shape[a:]))


def _split(x, split=None, axis=0, num_outputs=None):
    sizes = ops.split_sizes(x.shape[axis], None if split is None else _ints(split), num_outputs,
                            f"axis {axis}")
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))


# -- Slice ----------------------------------------------------------------------------------------
def _slices(shape: tuple, starts, ends, axes=None, steps=None) -> tuple[slice, ...]:
    starts, ends = _ints(starts), _ints(ends)
    axes = range(len(starts)) if axes is None else _ints(axes)
    steps = (1,) * len(starts) if steps is None else _ints(steps)
    out = [slice(None)] * len(shape)
    for a, s, e, st in zip(axes, starts, ends, steps):
        a %= len(shape)
        s, e = ops.slice_bounds(shape[a], s, e, st)
        out[a] = slice(s, e if e >= 0 else None, st)  # e == -1: a backward slice through 0
    return tuple(out)


def _slice(x, starts, ends, axes=None, steps=None):
    return x[_slices(x.shape, starts, ends, axes, steps)]


def _slice_grad(g, shape, starts, ends, axes=None, steps=None):
    shape = _ints(shape)
    out = np.zeros(shape, g.dtype)
    out[_slices(shape, starts, ends, axes, steps)] = g
    return out


# -- Pad ------------------------------------------------------------------------------------------
def _widths(ndim: int, pads, axes) -> dict[int, tuple[int, int]]:
    p = _ints(pads)
    axes = range(ndim) if axes is None else [a % ndim for a in _ints(axes)]
    return {a: (p[i], p[len(axes) + i]) for i, a in enumerate(axes)}


def _pad_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """The input entry each output entry copies along one axis (negative pads crop)."""
    i = np.arange(-before, n + after)
    if mode == "edge":
        return np.clip(i, 0, n - 1)
    if mode == "wrap":
        return i % n
    if n == 1:  # reflect of a single entry repeats it (numpy.pad does the same)
        return np.zeros_like(i)
    period = 2 * (n - 1)  # reflect: mirrored about the first and last entries, repeatedly
    i = i % period
    return np.where(i < n, i, period - i)


def _pad_constant(x, widths: dict, value):
    shape, src, dst = list(x.shape), [slice(None)] * x.ndim, [slice(None)] * x.ndim
    for a, (b, e) in widths.items():
        n = x.shape[a]
        shape[a] = n + b + e
        src[a] = slice(max(-b, 0), n - max(-e, 0))
        kept = n - max(-b, 0) - max(-e, 0)
        dst[a] = slice(max(b, 0), max(b, 0) + kept)
    out = np.full(shape, value, x.dtype)
    out[tuple(dst)] = x[tuple(src)]
    return out


def _pad(x, pads, constant_value=None, axes=None, mode="constant"):
    widths = _widths(x.ndim, pads, axes)
    if mode == "constant":
        value = 0 if constant_value is None else np.asarray(constant_value).reshape(())
        return _pad_constant(x, widths, value)
    for a, (b, e) in widths.items():
        if b or e:
            x = np.take(x, _pad_index(x.shape[a], b, e, mode), axis=a)
    return x


def sum_back(g, axis: int, index: np.ndarray, n: int) -> np.ndarray:
    """The transpose of np.take(x, index, axis) for an x with n entries on that axis: every
    entry of g is added onto the entry it was copied from."""
    moved = np.moveaxis(g, axis, 0)
    rows = moved.reshape(len(index), math.prod(moved.shape[1:]))
    summed = scatter_add_rows(n, index, rows)
    return np.moveaxis(summed.reshape((n,) + moved.shape[1:]), 0, axis)


def _pad_grad(g, shape, pads, axes=None, mode="reflect"):
    shape = _ints(shape)
    for a, (b, e) in _widths(len(shape), pads, axes).items():
        if b or e:
            g = sum_back(g, a, _pad_index(shape[a], b, e, mode), shape[a])
    return g


KERNELS = {
    ops.flatten: _flatten,
    ops.concat: lambda *xs, axis: np.concatenate(xs, axis=axis),
    ops.split: _split,
    ops.slice_: _slice,
    ops.slice_grad: _slice_grad,
    ops.tile: lambda x, repeats: np.tile(x, _ints(repeats)),
    ops.pad: _pad,
    ops.pad_grad: _pad_grad,
}
