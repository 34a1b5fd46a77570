"""tf.math's reductions, scans, top-k and segment sums, lowered to IR ops.

TF's `axis` is None (all axes), an int, a list or a tensor; `keepdims` defaults to False (the
IR's Reduce* default is 1, so it is always passed). An empty axis list reduces nothing."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from core_ir import ops

from .. import dtypes as _dtypes
from .._helpers import axis_list, normalize_axis, tensor
from .._tensor import call

TopKV2 = namedtuple("TopKV2", ["values", "indices"])


def _reduce(op, x, axis, keepdims):
    x = tensor(x)
    axes = axis_list(axis, x.ndim)
    if axes is None:
        return call(op, x, None, keepdims=int(bool(keepdims)))
    return call(op, x, ops.const_ints(axes), keepdims=int(bool(keepdims)),
                noop_with_empty_axes=int(not axes))


def _reducer(op, doc: str):
    def fn(input_tensor, axis=None, keepdims=False, name=None):
        return _reduce(op, input_tensor, axis, keepdims)
    fn.__doc__ = doc
    return fn


reduce_sum = _reducer(ops.reduce_sum, "tf.math.reduce_sum.")
reduce_max = _reducer(ops.reduce_max, "tf.math.reduce_max (a tie shares the gradient evenly).")
reduce_min = _reducer(ops.reduce_min, "tf.math.reduce_min (a tie shares the gradient evenly).")
reduce_prod = _reducer(ops.reduce_prod, "tf.math.reduce_prod.")
reduce_logsumexp = _reducer(ops.reduce_log_sum_exp,
                            "tf.math.reduce_logsumexp: log(sum(exp(x))), max-shifted.")
reduce_euclidean_norm = _reducer(ops.reduce_l2, "tf.math.reduce_euclidean_norm: sqrt(sum(x**2)).")


def _boolean(op, x, axis, keepdims, name):
    x = tensor(x)
    if x.dtype != np.bool_:
        raise TypeError(f"{name} expects a bool tensor, got {x.dtype.name}")
    return _reduce(op, x, axis, keepdims)


def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    """tf.math.reduce_any: logical or over the axes."""
    return _boolean(ops.reduce_max, input_tensor, axis, keepdims, "reduce_any")


def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    """tf.math.reduce_all: logical and over the axes."""
    return _boolean(ops.reduce_min, input_tensor, axis, keepdims, "reduce_all")


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """tf.math.reduce_mean. For integers, as TF: the sum divided with truncation."""
    x = tensor(input_tensor)
    if x.dtype.kind == "f":
        return _reduce(ops.reduce_mean, x, axis, keepdims)
    total = _reduce(ops.reduce_sum, x, axis, keepdims)
    count = call(ops.div, call(ops.cast, call(ops.size, x), to=x.dtype),
                 call(ops.cast, call(ops.size, total), to=x.dtype))
    return call(ops.div, total, count)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """tf.math.reduce_variance: the biased variance, mean(|x - mean(x)|**2)."""
    x = tensor(input_tensor)
    centered = x - reduce_mean(x, axis, keepdims=True)
    return reduce_mean(centered * centered, axis, keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """tf.math.reduce_std: sqrt(reduce_variance)."""
    return call(ops.sqrt, reduce_variance(input_tensor, axis, keepdims))


def count_nonzero(input, axis=None, keepdims=None, dtype=_dtypes.int64, name=None):  # noqa: A002
    """tf.math.count_nonzero."""
    x = tensor(input)
    nonzero = call(ops.not_, call(ops.equal, x, ops.const_like(0, x)))
    return _reduce(ops.reduce_sum, call(ops.cast, nonzero, to=_dtypes.as_dtype(dtype)), axis,
                   bool(keepdims))


def _arg(op, x, axis, output_type):
    x = tensor(x)
    axis = 0 if axis is None else axis_list(axis)[0]
    out = call(op, x, axis=normalize_axis(axis, x.ndim), keepdims=0)
    out_type = _dtypes.as_dtype(output_type)
    return out if out_type == np.int64 else call(ops.cast, out, to=out_type)


def argmax(input, axis=None, output_type=_dtypes.int64, name=None):  # noqa: A002
    """tf.math.argmax: the first index of the largest value along axis (default 0)."""
    return _arg(ops.arg_max, input, axis, output_type)


def argmin(input, axis=None, output_type=_dtypes.int64, name=None):  # noqa: A002
    """tf.math.argmin: the first index of the smallest value along axis (default 0)."""
    return _arg(ops.arg_min, input, axis, output_type)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """tf.math.cumsum."""
    x = tensor(x)
    a = normalize_axis(int(axis), x.ndim)
    return call(ops.cumsum, x, ops.const_ints(a), exclusive=int(exclusive), reverse=int(reverse))


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """tf.math.cumprod. The IR has no CumProd: entry i is the product over a triangular mask,
    reduce_prod(where(mask[i, j], x_j, 1)), which is exact and differentiable at zeros too
    (O(n^2) memory along the axis)."""
    x = tensor(x)
    a = normalize_axis(int(axis), x.ndim)
    n = x.shape[a]
    if not isinstance(n, int):
        raise ValueError(f"cumprod needs a static size along axis {a}, got shape {x.shape}")
    i, j = np.arange(n)[:, None], np.arange(n)[None, :]
    keep = {(0, 0): j <= i, (1, 0): j < i, (0, 1): j >= i, (1, 1): j > i}[
        (int(bool(exclusive)), int(bool(reverse)))]
    moved = _move_last(x, a)
    rows = call(ops.unsqueeze, moved, ops.const_ints([-2]))  # [..., 1, n]
    picked = call(ops.where, _const(keep), rows, ops.const_like(1, x))
    return _move_back(call(ops.reduce_prod, picked, ops.const_ints([-1]), keepdims=0), a)


def _move_last(x, a: int):
    if a == x.ndim - 1:
        return x
    perm = [d for d in range(x.ndim) if d != a] + [a]
    return call(ops.transpose, x, perm=perm)


def _move_back(x, a: int):
    if a == x.ndim - 1:
        return x
    perm = list(range(a)) + [x.ndim - 1] + list(range(a, x.ndim - 1))
    return call(ops.transpose, x, perm=perm)


def top_k(input, k=1, sorted=True, index_type=_dtypes.int32, name=None):  # noqa: A002
    """tf.math.top_k: the k largest entries of the last axis, (values, indices); ties keep the
    lower index first. Indices are int32 as in TF."""
    x = tensor(input)
    kk = ops.const_ints([int(k)]) if not hasattr(k, "dtype") else call(
        ops.cast, call(ops.reshape, k, ops.const_ints([1])), to=np.int64)
    values, indices = call(ops.topk, x, kk, axis=-1, largest=1, sorted=1)
    return TopKV2(values, call(ops.cast, indices, to=_dtypes.as_dtype(index_type)))


def in_top_k(targets, predictions, k, name=None):
    """tf.math.in_top_k(targets, predictions, k): whether each target's prediction is among the
    k largest of its row. As TF: ties straddling the boundary all count as in; a non-finite
    prediction is never in."""
    pred = tensor(predictions)
    idx = call(ops.cast, tensor(targets), to=np.int64)
    column = call(ops.unsqueeze, idx, ops.const_ints([1]))
    target_value = call(ops.gather_elements, pred, column, axis=1)  # [batch, 1]
    above = call(ops.cast, call(ops.greater, pred, target_value), to=np.int32)
    count = call(ops.reduce_sum, above, ops.const_ints([1]), keepdims=0)
    finite = call(ops.not_, call(ops.or_, call(ops.is_nan, target_value),
                                 call(ops.is_inf, target_value)))
    inside = call(ops.less, count, _const(np.asarray(int(k), np.int32)))
    return call(ops.and_, inside, call(ops.squeeze, finite, ops.const_ints([1])))


def _segment_ids(segment_ids):
    ids = call(ops.cast, tensor(segment_ids), to=np.int64)
    return call(ops.unsqueeze, ids, ops.const_ints([-1]))


def _num_segments(segment_ids) -> int:
    ids = tensor(segment_ids)
    if ids.array is None:
        raise ValueError("segment ops need concrete segment_ids to count the segments (or use "
                         "the unsorted_segment_* ops with num_segments)")
    return int(np.max(ids.array)) + 1 if ids.array.size else 0


def _scatter_into(data, segment_ids, num_segments, reduction, fill):
    data = tensor(data)
    ids = tensor(segment_ids)
    rest = tuple(data.shape[ids.ndim:])
    base = np.full((int(num_segments), *rest), fill, dtype=data.dtype)
    return call(ops.scatter_nd, _const(base),
                _segment_ids(ids), data, reduction=reduction)


def _const(array):
    from .._tensor import constant
    return constant(array)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """tf.math.unsorted_segment_sum: out[i] = sum of data[j] with segment_ids[j] == i."""
    return _scatter_into(data, segment_ids, num_segments, "add", 0)


def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """tf.math.unsorted_segment_max; empty segments hold the dtype's lowest value, as TF."""
    return _scatter_into(data, segment_ids, num_segments, "max", _lowest(tensor(data).dtype))


def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """tf.math.unsorted_segment_min; empty segments hold the dtype's highest value, as TF."""
    return _scatter_into(data, segment_ids, num_segments, "min", _highest(tensor(data).dtype))


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """tf.math.unsorted_segment_mean; empty segments are 0."""
    data, ids = tensor(data), tensor(segment_ids)
    total = unsorted_segment_sum(data, ids, num_segments)
    ones = ops.ones_like(call(ops.cast, ids, to=data.dtype))
    count = _scatter_into(ones, ids, num_segments, "add", 0)
    count = call(ops.reshape, count, ops.const_ints([int(num_segments)] + [1] * (data.ndim -
                                                                                ids.ndim)))
    return total / call(ops.max_, count, ops.const_like(1, count))


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


def segment_sum(data, segment_ids, name=None):
    """tf.math.segment_sum (sorted ids; the segment count is max(ids) + 1)."""
    return unsorted_segment_sum(data, segment_ids, _num_segments(segment_ids))


def segment_mean(data, segment_ids, name=None):
    """tf.math.segment_mean."""
    return unsorted_segment_mean(data, segment_ids, _num_segments(segment_ids))


def segment_max(data, segment_ids, name=None):
    """tf.math.segment_max (empty segments are 0, as TF's sorted segment ops)."""
    out = unsorted_segment_max(data, segment_ids, _num_segments(segment_ids))
    return call(ops.where, call(ops.equal, out, ops.const_like(_lowest(out.dtype), out)),
                ops.const_like(0, out), out)


def segment_min(data, segment_ids, name=None):
    """tf.math.segment_min (empty segments are 0, as TF's sorted segment ops)."""
    out = unsorted_segment_min(data, segment_ids, _num_segments(segment_ids))
    return call(ops.where, call(ops.equal, out, ops.const_like(_highest(out.dtype), out)),
                ops.const_like(0, out), out)


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=_dtypes.int32, name=None,
             axis=None, binary_output=False):
    """tf.math.bincount of a 1-D (or flattened) array of non-negative ints."""
    values = tensor(arr)
    if values.array is None:
        raise ValueError("bincount needs concrete values to size its output")
    flat = call(ops.reshape, values, ops.const_ints([-1]))
    size = int(np.max(values.array)) + 1 if values.array.size else 0
    size = max(size, int(minlength or 0))
    if maxlength is not None:
        size = min(size, int(maxlength))
        keep = call(ops.less, flat, ops.const_like(size, flat))
    w = ops.ones_like(call(ops.cast, flat, to=_dtypes.as_dtype(dtype))) if weights is None else \
        call(ops.reshape, tensor(weights), ops.const_ints([-1]))
    if maxlength is not None:
        w = call(ops.where, keep, w, ops.const_like(0, w))
        flat = call(ops.where, keep, flat, ops.const_like(0, flat))
    return unsorted_segment_sum(w, flat, size)


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=_dtypes.int32,
                     name=None):
    """tf.math.confusion_matrix: m[label, prediction] counts (or sums weights)."""
    labels = call(ops.cast, tensor(labels), to=np.int64)
    predictions = call(ops.cast, tensor(predictions), to=np.int64)
    if num_classes is None:
        if labels.array is None or predictions.array is None:
            raise ValueError("confusion_matrix needs num_classes while tracing")
        num_classes = int(max(np.max(labels.array, initial=-1),
                              np.max(predictions.array, initial=-1))) + 1
    n = int(num_classes)
    pairs = call(ops.concat, call(ops.unsqueeze, labels, ops.const_ints([-1])),
                 call(ops.unsqueeze, predictions, ops.const_ints([-1])), axis=-1)
    out_type = _dtypes.as_dtype(dtype)
    w = ops.ones_like(call(ops.cast, labels, to=out_type)) if weights is None else \
        call(ops.cast, tensor(weights), to=out_type)
    return call(ops.scatter_nd, _const(np.zeros((n, n), out_type)), pairs, w, reduction="add")


__all__ = [
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any",
    "reduce_all", "reduce_logsumexp", "reduce_euclidean_norm", "reduce_variance", "reduce_std",
    "count_nonzero", "argmax", "argmin", "cumsum", "cumprod", "top_k", "in_top_k",
    "unsorted_segment_sum", "unsorted_segment_max", "unsorted_segment_min",
    "unsorted_segment_mean", "segment_sum", "segment_mean", "segment_max", "segment_min",
    "bincount", "confusion_matrix", "TopKV2",
]
