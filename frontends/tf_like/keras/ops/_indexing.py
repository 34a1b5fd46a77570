"""keras.ops indexing and sorting: take, take_along_axis, get_item (x[key]), slice, top_k,
sort, argsort."""

from __future__ import annotations

import builtins

import numpy as np

from core_ir import ops as ir

from ..._tensor import call
from ._core import Tensor, as_shape_tensor, cast, ints, normalize_axis, shape, tensor
from ._operation import keras_op


# -- gathering ------------------------------------------------------------------------------------
def _indices(i, n=None):
    i = tensor(i)
    i = cast(i, "int64")
    if n is not None:  # negative indices count from the end (Gather does that too)
        return i
    return i


@keras_op
def take(x, indices, axis=None):
    x = tensor(x)
    if axis is None:
        x, axis = call(ir.reshape, x, ints([-1])), 0
    return call(ir.gather, x, _indices(indices), axis=normalize_axis(axis, x.ndim))


@keras_op
def take_along_axis(x, indices, axis=None):
    x = tensor(x)
    if axis is None:
        x, axis = call(ir.reshape, x, ints([-1])), 0
    idx = _indices(indices)
    a = normalize_axis(axis, x.ndim)
    target = list(shape(x))
    target[a] = shape(idx)[a]
    idx = call(ir.expand, idx, as_shape_tensor(target))
    return call(ir.gather_elements, x, idx, axis=a)


@keras_op
def get_item(x, key):
    """x[key] for ints, slices, None (a new axis) and Ellipsis, and an int tensor on axis 0."""
    x = tensor(x)
    key = key if isinstance(key, tuple) else (key,)
    if len(key) == 1 and isinstance(key[0], (Tensor, np.ndarray, list)):
        return take(x, key[0], axis=0)
    if key.count(Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = builtins.sum(1 for k in key if k is not None and k is not Ellipsis)
    if Ellipsis in key:
        i = key.index(Ellipsis)
        key = key[:i] + (builtins.slice(None),) * (x.ndim - used) + key[i + 1:]
    key = key + (builtins.slice(None),) * (x.ndim - builtins.sum(1 for k in key if k is not None))
    return _index(x, key)


def _index(x, key):
    starts, ends, axes, steps, drop, new = [], [], [], [], [], []
    axis, out_axis = 0, 0
    big = np.iinfo(np.int64).max
    for k in key:
        if k is None:
            new.append(out_axis)
            out_axis += 1
            continue
        if isinstance(k, builtins.slice):
            step = 1 if k.step is None else int(k.step)
            if (k.start, k.stop, k.step) != (None, None, None):
                starts.append(k.start if k.start is not None else (0 if step > 0 else -1))
                ends.append(k.stop if k.stop is not None else (big if step > 0 else -big))
                axes.append(axis)
                steps.append(step)
            out_axis += 1
        else:
            i = int(k)
            n = x.shape[axis]
            if isinstance(n, int) and not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for axis {axis} with size {n}")
            starts.append(i)
            ends.append(i + 1 if i != -1 else big)
            axes.append(axis)
            steps.append(1)
            drop.append(axis)
        axis += 1
    y = x
    if axes:
        y = call(ir.slice_, y, ints(starts), ints(ends), ints(axes), ints(steps))
    if drop:
        y = call(ir.squeeze, y, ints(drop))
    if new:
        y = call(ir.unsqueeze, y, ints(new))
    return y


@keras_op
def slice(inputs, start_indices, shape):
    """keras.ops.slice: the block of `shape` starting at `start_indices`."""
    x = tensor(inputs)
    starts = [int(s) for s in start_indices]
    ends = [s + int(n) if int(n) >= 0 else np.iinfo(np.int64).max for s, n in zip(starts, shape)]
    return call(ir.slice_, x, ints(starts), ints(ends), ints(range(len(starts))))


# -- sorting ------------------------------------------------------------------------------------
@keras_op
def top_k(x, k, sorted=True):
    x = tensor(x)
    values, indices = call(ir.topk, x, ints([k]), axis=-1, largest=1, sorted=int(sorted))
    return values, cast(indices, "int32")


@keras_op
def sort(x, axis=-1):
    x = tensor(x)
    n = x.shape[axis]
    return call(ir.topk, x, ints([n]), axis=axis, largest=0, sorted=1)[0]


@keras_op
def argsort(x, axis=-1):
    x = tensor(x)
    n = x.shape[axis]
    return cast(call(ir.topk, x, ints([n]), axis=axis, largest=0, sorted=1)[1], "int32")



__all__ = ["argsort", "get_item", "slice", "sort", "take", "take_along_axis", "top_k"]
