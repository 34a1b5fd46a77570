"""keras.ops numpy-style array creation and manipulation (reshape, transpose, concatenate,
split, tile, repeat, pad, ...)."""

from __future__ import annotations

import builtins
import itertools

import numpy as np

import core_ir
from core_ir import ops as ir

from ..._tensor import call
from ..backend import _config
from ._core import (
    Tensor,
    as_shape_tensor,
    axes_list,
    dim,
    ints,
    normalize_axis,
    promote,
    reshape_target,
    shape,
    tensor,
)
from ._operation import keras_op


def _dtype(dtype, default=None):
    return np.dtype(_config.standardize_dtype(dtype if dtype is not None else default))


# -- creation -----------------------------------------------------------------------------------
def _filled(shape_, value, dtype):
    dims = (shape_,) if isinstance(shape_, (int, np.integer)) else tuple(shape_)
    if builtins.all(isinstance(d, (int, np.integer)) for d in dims):
        return tensor(np.full(dims, value, dtype=dtype))
    fill = tensor(np.asarray(value, dtype=dtype))
    return call(ir.expand, fill, as_shape_tensor(dims))


def zeros(shape, dtype=None):
    return _filled(shape, 0, _dtype(dtype))


def ones(shape, dtype=None):
    return _filled(shape, 1, _dtype(dtype))


def full(shape, fill_value, dtype=None):
    dt = _dtype(dtype) if dtype is not None else tensor(fill_value).dtype
    return _filled(shape, fill_value, dt)


def _like(x, value, dtype):
    x = tensor(x)
    fill = tensor(np.asarray(value, dtype=_dtype(dtype, x.dtype.name)))
    return call(ir.expand, fill, ir.shape_tensor(x))


@keras_op
def zeros_like(x, dtype=None):
    return _like(x, 0, dtype)


@keras_op
def ones_like(x, dtype=None):
    return _like(x, 1, dtype)


@keras_op
def full_like(x, fill_value, dtype=None):
    return _like(x, fill_value, dtype)


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    values = np.arange(start, stop, step)
    if dtype is None:
        dtype = _config.floatx() if values.dtype.kind == "f" else "int32"
    return tensor(values.astype(_dtype(dtype)))


def eye(N, M=None, k=0, dtype=None):
    return tensor(np.eye(N, M, k=k, dtype=_dtype(dtype)))


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    values = np.linspace(start, stop, num, endpoint=endpoint, axis=axis)
    out = tensor(values.astype(_dtype(dtype)))
    return (out, tensor(np.asarray((stop - start) / builtins.max(num - endpoint, 1),
                                   out.dtype))) if retstep else out


def tri(N, M=None, k=0, dtype=None):
    return tensor(np.tri(N, M, k=k, dtype=_dtype(dtype)))


@keras_op
def tril(x, k=0):
    return call(ir.trilu, tensor(x), ints([k]), upper=0)


@keras_op
def triu(x, k=0):
    return call(ir.trilu, tensor(x), ints([k]), upper=1)


# -- shape manipulation ---------------------------------------------------------------------------
@keras_op
def reshape(x, newshape):
    x = tensor(x)
    dims = (newshape,) if isinstance(newshape, (int, np.integer, Tensor)) else tuple(newshape)
    target, allowzero = reshape_target(x, dims)
    return call(ir.reshape, x, target, allowzero=allowzero)


@keras_op
def ravel(x):
    return call(ir.reshape, tensor(x), ints([-1]))


@keras_op
def transpose(x, axes=None):
    x = tensor(x)
    perm = list(range(x.ndim))[::-1] if axes is None else [normalize_axis(a, x.ndim)
                                                            for a in axes]
    return call(ir.transpose, x, perm=perm)


@keras_op
def swapaxes(x, axis1, axis2):
    x = tensor(x)
    perm = list(range(x.ndim))
    a, b = normalize_axis(axis1, x.ndim), normalize_axis(axis2, x.ndim)
    perm[a], perm[b] = perm[b], perm[a]
    return call(ir.transpose, x, perm=perm)


@keras_op
def moveaxis(x, source, destination):
    x = tensor(x)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [normalize_axis(a, x.ndim) for a in src]
    dst = [normalize_axis(a, x.ndim) for a in dst]
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return call(ir.transpose, x, perm=order)


@keras_op
def expand_dims(x, axis):
    x = tensor(x)
    axes = [axis] if isinstance(axis, int) else list(axis)
    rank = x.ndim + len(axes)
    return call(ir.unsqueeze, x, ints(sorted(normalize_axis(a, rank) for a in axes)))


@keras_op
def squeeze(x, axis=None):
    x = tensor(x)
    if axis is None:
        axes = [i for i, d in enumerate(x.shape) if d == 1]
    else:
        axes = axes_list(axis, x.ndim)
        for a in axes:
            if x.shape[a] is not None and x.shape[a] != 1:
                raise ValueError(f"Cannot squeeze axis {a} of a tensor of shape "
                                 f"{tuple(x.shape)}: its size is not 1")
    return call(ir.squeeze, x, ints(axes)) if axes else x


@keras_op
def broadcast_to(x, shape):
    return call(ir.expand, tensor(x), as_shape_tensor(shape))


@keras_op
def concatenate(xs, axis=0):
    ts = promote(*xs)
    if axis is None:
        ts, axis = [call(ir.reshape, t, ints([-1])) for t in ts], 0
    return call(ir.concat, *ts, axis=normalize_axis(axis, ts[0].ndim))


@keras_op
def stack(x, axis=0):
    ts = promote(*x)
    rank = ts[0].ndim + 1
    a = normalize_axis(axis, rank)
    return call(ir.concat, *[call(ir.unsqueeze, t, ints([a])) for t in ts], axis=a)


@keras_op
def hstack(xs):
    ts = promote(*xs)
    return concatenate(ts, axis=0 if ts[0].ndim == 1 else 1)


@keras_op
def vstack(xs):
    ts = [t if t.ndim > 1 else reshape(t, (1, -1)) for t in promote(*xs)]
    return concatenate(ts, axis=0)


@keras_op
def split(x, indices_or_sections, axis=0):
    x = tensor(x)
    a = normalize_axis(axis, x.ndim)
    n = x.shape[a]
    if isinstance(indices_or_sections, int):
        if isinstance(n, int) and n % indices_or_sections:
            raise ValueError(f"array split does not result in an equal division: {n} into "
                             f"{indices_or_sections}")
        return list(call(ir.split, x, axis=a, num_outputs=indices_or_sections))
    bounds = [0, *indices_or_sections, n]
    sizes = [e - s for s, e in itertools.pairwise(bounds)]
    return list(call(ir.split, x, ints(sizes), axis=a))


@keras_op
def tile(x, repeats):
    x = tensor(x)
    reps = [repeats] if isinstance(repeats, int) else list(repeats)
    if len(reps) < x.ndim:
        reps = [1] * (x.ndim - len(reps)) + reps
    elif len(reps) > x.ndim:
        x = call(ir.reshape, x, as_shape_tensor([1] * (len(reps) - x.ndim) + list(shape(x))))
    return call(ir.tile, x, ints(reps))


@keras_op
def repeat(x, repeats, axis=None):
    """numpy.repeat with an int count: each element repeated along `axis` (flattened if None)."""
    x = tensor(x)
    if axis is None:
        x, axis = call(ir.reshape, x, ints([-1])), 0
    if not isinstance(repeats, int):
        raise TypeError("keras.ops.repeat supports an int `repeats` (one count for all)")
    a = normalize_axis(axis, x.ndim)
    y = call(ir.unsqueeze, x, ints([a + 1]))
    reps = [1] * y.ndim
    reps[a + 1] = repeats
    y = call(ir.tile, y, ints(reps))
    dims = list(shape(x))
    dims[a] = dims[a] * repeats if isinstance(dims[a], int) else -1
    return call(ir.reshape, y, as_shape_tensor(dims))


@keras_op
def flip(x, axis=None):
    x = tensor(x)
    axes = axes_list(axis, x.ndim)
    big = np.iinfo(np.int64).max
    return call(ir.slice_, x, ints([-1] * len(axes)), ints([-big] * len(axes)), ints(axes),
                ints([-1] * len(axes)))


@keras_op
def roll(x, shift, axis=None):
    x = tensor(x)
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), shape(x))
    n = x.shape[axis]
    s = shift % n
    if s == 0:
        return x
    head, tail = split(x, [n - s], axis=axis)
    return concatenate([tail, head], axis=axis)


@keras_op
def pad(x, pad_width, mode="constant", constant_values=None):
    x = tensor(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    pads = ints(list(widths[:, 0]) + list(widths[:, 1]))
    if mode == "constant":
        value = tensor(np.asarray(constant_values or 0, x.dtype))
        return call(ir.pad, x, pads, value)
    modes = {"reflect": "reflect", "edge": "edge", "wrap": "wrap", "symmetric": None}
    if modes.get(mode) is None:
        raise ValueError(f"Unsupported pad mode {mode!r}: expected one of 'constant', "
                         "'reflect', 'edge', 'wrap'")
    return call(ir.pad, x, pads, None, mode=modes[mode])


# -- sizes ----------------------------------------------------------------------------------------
def ndim(x) -> int:
    return len(x.shape)


def size(x):
    dims = shape(x)
    n = 1
    for d in dims:
        n = n * d
    return n


@keras_op
def copy(x):
    return call(ir.identity, tensor(x))


@keras_op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = tensor(x)
    if x.dtype.kind != "f":
        return x
    info = np.finfo(x.dtype)
    y = call(ir.where, call(ir.is_nan, x), tensor(np.asarray(nan, x.dtype)), x)
    hi = info.max if posinf is None else posinf
    lo = info.min if neginf is None else neginf
    y = call(ir.where, call(ir.is_inf, y, detect_negative=0), tensor(np.asarray(hi, x.dtype)), y)
    return call(ir.where, call(ir.is_inf, y, detect_positive=0),
                tensor(np.asarray(lo, x.dtype)), y)


_ = (core_ir, dim)
__all__ = [
    "arange",
    "broadcast_to",
    "concatenate",
    "copy",
    "expand_dims",
    "eye",
    "flip",
    "full",
    "full_like",
    "hstack",
    "identity",
    "linspace",
    "moveaxis",
    "nan_to_num",
    "ndim",
    "ones",
    "ones_like",
    "pad",
    "ravel",
    "repeat",
    "reshape",
    "roll",
    "size",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "tile",
    "transpose",
    "tri",
    "tril",
    "triu",
    "vstack",
    "zeros",
    "zeros_like",
]
