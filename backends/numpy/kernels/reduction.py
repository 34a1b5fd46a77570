"""Kernels of the reductions (ONNX: axes is an optional int64 array input), ArgMax/ArgMin, CumSum,
TopK and the private gather/scatter-add along an axis. Same order as core_ir/ops/reduction.py.
Integer inputs keep their dtype; reductions over an empty set give the ONNX identity."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from core_ir import ops

Axis = tuple | None


def _axis(axes: np.ndarray | None, noop_with_empty_axes: int) -> Axis:
    """numpy's axis argument for an ONNX axes input; None (all) or () (no-op) when empty."""
    if axes is None or axes.size == 0:
        return () if noop_with_empty_axes else None
    return tuple(int(a) for a in axes)


def _reducer(fn: Callable[[np.ndarray, Axis, bool], np.ndarray]):
    """A Reduce* kernel from fn(x, axis, keepdims); numpy's axis=() already means 'no-op'."""

    def kernel(x, axes=None, keepdims=1, noop_with_empty_axes=0):
        out = fn(x, _axis(axes, noop_with_empty_axes), bool(keepdims))
        return np.asarray(out).astype(x.dtype, copy=False)

    return kernel


def _lowest(dtype: np.dtype):
    """ReduceMax of an empty set: -inf, or the smallest value of an integer type."""
    if dtype.kind == "f":
        return -np.inf
    return False if dtype.kind == "b" else np.iinfo(dtype).min


def _highest(dtype: np.dtype):
    if dtype.kind == "f":
        return np.inf
    return True if dtype.kind == "b" else np.iinfo(dtype).max


def _max(x, axis, keepdims):
    return np.max(x, axis=axis, keepdims=keepdims, initial=_lowest(x.dtype))


def _min(x, axis, keepdims):
    return np.min(x, axis=axis, keepdims=keepdims, initial=_highest(x.dtype))


def _l2(x, axis, keepdims):
    if x.dtype.kind != "f":  # ONNX: the root is taken in floating point, then cast back
        return np.sqrt(np.sum(np.square(x, dtype=np.float64), axis=axis, keepdims=keepdims))
    # NOTE: scaled by the largest magnitude, so the squares neither overflow nor underflow
    scale = np.max(np.abs(x), axis=axis, keepdims=True, initial=0)
    safe = np.where((scale > 0) & np.isfinite(scale), scale, 1).astype(x.dtype)
    norm = safe * np.sqrt(np.sum(np.square(x / safe), axis=axis, keepdims=True))
    norm = np.where(np.isinf(scale), scale, norm)
    return norm if keepdims else np.squeeze(norm, axis)


def _log_sum(x, axis, keepdims):
    with np.errstate(divide="ignore"):  # log(0) = -inf for an empty set, as ONNX says
        return np.log(np.sum(x, axis=axis, keepdims=keepdims))


def _log_sum_exp(x, axis, keepdims):
    # NOTE: max-shifted; a non-finite max (all -inf, empty, +inf) shifts by 0, so the result is
    # -inf, -inf or +inf instead of nan from inf - inf
    m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    m = np.where(np.isfinite(m), m, 0).astype(x.dtype)
    total = np.sum(np.exp(x - m), axis=axis, keepdims=keepdims)
    with np.errstate(divide="ignore"):  # log(0) = -inf is the answer for an empty/-inf set
        return np.log(total) + (m if keepdims else np.squeeze(m, axis))


def _arg(fn: Callable):
    """ArgMax/ArgMin; the last index of a tie is the first one on the flipped axis."""

    def kernel(x, axis=0, keepdims=1, select_last_index=0):
        if select_last_index:
            flipped = fn(np.flip(x, axis), axis=axis, keepdims=bool(keepdims))
            return np.asarray(x.shape[axis] - 1 - flipped, dtype=np.int64)
        return np.asarray(fn(x, axis=axis, keepdims=bool(keepdims)), dtype=np.int64)

    return kernel


def _along(axis: int, ndim: int, part: slice) -> tuple:
    index = [slice(None)] * ndim
    index[axis] = part
    return tuple(index)


def _cumsum(x, axis, exclusive=0, reverse=0):
    ax = int(np.reshape(axis, -1)[0])
    y = np.flip(x, ax) if reverse else x
    out = np.cumsum(y, axis=ax, dtype=x.dtype)
    if exclusive:  # shifted by one rather than out - y: exact for floats too
        shifted = np.zeros_like(out)
        shifted[_along(ax, x.ndim, slice(1, None))] = out[_along(ax, x.ndim, slice(None, -1))]
        out = shifted
    return np.flip(out, ax) if reverse else out


def _topk(x, k, axis=-1, largest=1, sorted=1):
    # NOTE: a full stable sort rather than argpartition, for ONNX's tie-break (the lower index
    # first); with sorted=0 the order is unspecified by ONNX, so the sorted one is returned.
    if largest:  # descending with ties in ascending index order: reverse a sort of the flip
        order = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
        order = x.shape[axis] - 1 - np.flip(order, axis)
    else:
        order = np.argsort(x, axis=axis, kind="stable")
    # np.take, not a slice: a k beyond the axis raises (and the shape rule explains) instead of
    # silently returning fewer elements
    idx = np.take(order, np.arange(int(np.reshape(k, -1)[0])), axis=axis)
    return np.take_along_axis(x, idx, axis=axis), idx.astype(np.int64)


def _index_along(indices: np.ndarray, axis: int) -> tuple:
    """The fancy index addressing data[i0, .., indices[i0, .., ik, ..], ..] (take_along_axis's)."""
    index = list(np.ix_(*[np.arange(n) for n in indices.shape]))
    index[axis] = indices
    return tuple(index)


def _gather_along_axis(data, indices, axis=0):
    return data[_index_along(indices, axis)]


def _scatter_add_along_axis(updates, indices, shape, axis=0):
    out = np.zeros(tuple(int(d) for d in shape), dtype=updates.dtype)
    np.add.at(out, _index_along(indices, axis), updates)  # repeated indices accumulate
    return out


KERNELS = {
    ops.reduce_sum: _reducer(lambda x, axis, keep: np.sum(x, axis=axis, keepdims=keep)),
    ops.reduce_mean: _reducer(lambda x, axis, keep: np.mean(x, axis=axis, keepdims=keep)),
    ops.reduce_max: _reducer(_max),
    ops.reduce_min: _reducer(_min),
    ops.reduce_prod: _reducer(lambda x, axis, keep: np.prod(x, axis=axis, keepdims=keep,
                                                            dtype=x.dtype)),
    ops.reduce_l1: _reducer(lambda x, axis, keep: np.sum(np.abs(x), axis=axis, keepdims=keep)),
    ops.reduce_sum_square: _reducer(lambda x, axis, keep: np.sum(np.square(x), axis=axis,
                                                                 keepdims=keep)),
    ops.reduce_l2: _reducer(_l2),
    ops.reduce_log_sum: _reducer(_log_sum),
    ops.reduce_log_sum_exp: _reducer(_log_sum_exp),
    ops.arg_max: _arg(np.argmax),
    ops.arg_min: _arg(np.argmin),
    ops.cumsum: _cumsum,
    ops.topk: _topk,
    ops.gather_along_axis: _gather_along_axis,
    ops.scatter_add_along_axis: _scatter_add_along_axis,
}
