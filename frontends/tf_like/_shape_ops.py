"""tf.* functions that move or copy elements: reshape, transpose, concat/stack/split, tile,
pad, reverse, shape queries, cast, identity and stop_gradient."""

from __future__ import annotations

import numpy as np

import core_ir
from core_ir import ops

from . import dtypes as _dtypes
from ._helpers import axis_list, int64_input, keep_known, normalize_axis, same_dtype, \
    shape_input, static_ints, tensor
from ._indexing import INT_MAX
from ._tensor import TensorShape, call, constant, is_tracing
from .errors import InvalidArgumentError


def reshape(tensor_, shape, name=None):
    """tf.reshape: -1 infers one dim; 0 is a real zero-size dim (ONNX allowzero=1)."""
    return call(ops.reshape, tensor(tensor_), shape_input(shape), allowzero=1)


def transpose(a, perm=None, conjugate=False, name=None):
    """tf.transpose: perm defaults to reversing the axes."""
    a = tensor(a)
    perm = list(range(a.ndim))[::-1] if perm is None else static_ints(perm, "perm")
    return call(ops.transpose, a, perm=[normalize_axis(p, a.ndim, "perm") for p in perm])


def expand_dims(input, axis, name=None):  # noqa: A002
    """tf.expand_dims: a size-1 axis at `axis` (in [-rank - 1, rank])."""
    x = tensor(input)
    a = normalize_axis(int(axis_list(axis)[0]), x.ndim + 1, "axis")
    return call(ops.unsqueeze, x, ops.const_ints([a]))


def squeeze(input, axis=None, name=None):  # noqa: A002
    """tf.squeeze: drops the given size-1 axes (all of them by default)."""
    x = tensor(input)
    if axis is None:
        if all(isinstance(d, int) for d in x.shape):
            return call(ops.reshape, x, ops.const_ints([d for d in x.shape if d != 1]))
        return call(ops.squeeze, x)
    axes = [normalize_axis(a, x.ndim) for a in axis_list(axis)]
    for a in axes:
        if x.shape[a] is not None and x.shape[a] != 1:
            raise InvalidArgumentError(None, None, f"Can not squeeze dim[{a}], expected a "
                                       f"dimension of 1, got {x.shape[a]} [Op:Squeeze]")
    return call(ops.squeeze, x, ops.const_ints(axes))


def concat(values, axis, name=None):
    """tf.concat: join along an existing axis (dtypes must agree)."""
    values = [tensor(v) for v in values]
    same_dtype("ConcatV2", *values)
    if len(values) == 1:
        return values[0]
    a = normalize_axis(int(axis), values[0].ndim)
    return call(ops.concat, *values, axis=a)


def stack(values, axis=0, name=None):
    """tf.stack: join along a new axis; every value must have one shape."""
    values = [tensor(v) for v in values]
    same_dtype("Pack", *values)
    for i, v in enumerate(values[1:], 1):
        if not TensorShape(v.shape).is_compatible_with(values[0].shape):
            raise InvalidArgumentError(
                None, None, f"Shapes of all inputs must match: values[0].shape = "
                f"{list(values[0].shape)} != values[{i}].shape = {list(v.shape)} [Op:Pack]")
    a = normalize_axis(int(axis), values[0].ndim + 1)
    expanded = [call(ops.unsqueeze, v, ops.const_ints([a])) for v in values]
    return expanded[0] if len(expanded) == 1 else call(ops.concat, *expanded, axis=a)


def unstack(value, num=None, axis=0, name=None):
    """tf.unstack: the list of slices along axis (its size must be static)."""
    x = tensor(value)
    a = normalize_axis(int(axis), x.ndim)
    n = x.shape[a] if num is None else int(num)
    if n is None:
        raise ValueError(f"Cannot infer argument `num` from shape {x.shape}")
    if n == 1:
        return [call(ops.squeeze, x, ops.const_ints([a]))]
    parts = call(ops.split, x, axis=a, num_outputs=n)
    return [call(ops.squeeze, p, ops.const_ints([a])) for p in parts]


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    """tf.split: into `num_or_size_splits` equal parts (it must divide the axis) or parts of
    the given sizes (one may be -1)."""
    x = tensor(value)
    a = normalize_axis(int(axis), x.ndim)
    dim = x.shape[a]
    if isinstance(num_or_size_splits, (int, np.integer)):
        n = int(num_or_size_splits)
        if dim is not None and dim % n:
            raise InvalidArgumentError(
                None, None, f"Number of ways to split should evenly divide the split dimension, "
                f"but got split_dim {a} (size = {dim}) and num_split {n} [Op:Split]")
        return list(call(ops.split, x, axis=a, num_outputs=n)) if n > 1 else [x]
    sizes = static_ints(num_or_size_splits, "num_or_size_splits")
    if sizes.count(-1) == 1 and dim is not None:
        sizes[sizes.index(-1)] = dim - (sum(sizes) + 1)
    if dim is not None and sum(sizes) != dim:
        raise InvalidArgumentError(
            None, None, f"Determined shape must either match input shape along split_dim "
            f"exactly if fully specified, or be less than the size of the input along split_dim "
            f"if not fully specified.  Got: {sum(sizes)} [Op:SplitV]")
    parts = call(ops.split, x, ops.const_ints(sizes), axis=a, num_outputs=None)
    return list(parts) if isinstance(parts, tuple) else [parts]


def tile(input, multiples, name=None):  # noqa: A002
    """tf.tile: repeat the whole tensor `multiples[i]` times along axis i."""
    x = tensor(input)
    return call(ops.tile, x, int64_input(multiples, "multiples"))


def broadcast_to(input, shape, name=None):  # noqa: A002
    """tf.broadcast_to (one-way: the result has exactly `shape`)."""
    x = tensor(input)
    target = static_ints(shape, "shape")
    if target is not None:
        src = list(x.shape)
        ok = len(src) <= len(target) and all(
            s in (1, t, None) for s, t in zip(src[::-1], target[::-1]))
        if not ok:
            raise InvalidArgumentError(None, None, f"Unable to broadcast tensor of shape {src} "
                                       f"to tensor of shape {target} [Op:BroadcastTo]")
    return call(ops.expand, x, shape_input(shape))


def pad(tensor_, paddings, mode="CONSTANT", constant_values=0, name=None):
    """tf.pad: paddings is [[before, after]] per axis; mode CONSTANT, REFLECT or SYMMETRIC."""
    x = tensor(tensor_)
    pairs = np.asarray(static_ints(paddings, "paddings")).reshape(-1, 2)
    if len(pairs) != x.ndim:
        raise InvalidArgumentError(None, None, f"The first dimension of paddings must be the rank "
                                   f"of inputs[{len(pairs)},2] {list(x.shape)} [Op:Pad]")
    mode = mode.upper()
    if mode == "SYMMETRIC":
        return _symmetric_pad(x, pairs)
    if mode not in ("CONSTANT", "REFLECT"):
        raise ValueError(f"Value of argument `mode` expected to be one of \"CONSTANT\", "
                         f"\"REFLECT\", or \"SYMMETRIC\". Received `mode` = {mode}")
    flat = ops.const_ints(list(pairs[:, 0]) + list(pairs[:, 1]))
    value = ops.const_like(np.asarray(constant_values).astype(x.dtype), x) \
        if mode == "CONSTANT" else None
    return call(ops.pad, x, flat, value, mode=mode.lower())


def _symmetric_pad(x, pairs):
    """Mirror padding that repeats the edge element (numpy's 'symmetric'): slices reversed."""
    for a, (before, after) in enumerate(pairs):
        parts = []
        if before:
            parts.append(reverse(x[(slice(None),) * a + (slice(0, int(before)),)], [a]))
        parts.append(x)
        if after:
            parts.append(reverse(x[(slice(None),) * a + (slice(-int(after), None),)], [a]))
        if len(parts) > 1:
            x = call(ops.concat, *parts, axis=a)
    return x


def reverse(tensor_, axis, name=None):
    """tf.reverse: flip the given axes."""
    x = tensor(tensor_)
    axes = [normalize_axis(a, x.ndim) for a in axis_list(axis)]
    if not axes:
        return x
    n = len(axes)
    return call(ops.slice_, x, ops.const_ints([-1] * n), ops.const_ints([-INT_MAX] * n),
                ops.const_ints(axes), ops.const_ints([-1] * n))


def roll(input, shift, axis, name=None):  # noqa: A002
    """tf.roll: elements shifted along axes (wrapping around)."""
    x = tensor(input)
    shifts, axes = static_ints(shift, "shift"), static_ints(axis, "axis")
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    for s, a in zip(shifts, axes):
        a = normalize_axis(a, x.ndim)
        n = x.shape[a]
        s = s % n if n else 0
        if s:
            head = x[(slice(None),) * a + (slice(n - s, None),)]
            tail = x[(slice(None),) * a + (slice(0, n - s),)]
            x = call(ops.concat, head, tail, axis=a)
    return x


def repeat(input, repeats, axis=None, name=None):  # noqa: A002
    """tf.repeat with an int `repeats`: each element repeated along axis (flattened if None)."""
    x = tensor(input)
    if axis is None:
        x, axis = reshape(x, [-1]), 0
    reps = static_ints(repeats, "repeats")
    if len(reps) != 1:
        raise ValueError("repeat supports one int number of repeats here")
    a = normalize_axis(int(axis), x.ndim)
    expanded = call(ops.unsqueeze, x, ops.const_ints([a + 1]))
    tiled = call(ops.tile, expanded, ops.const_ints([1] * (a + 1) + [reps[0]] +
                                                    [1] * (x.ndim - a - 1)))
    target = [d if isinstance(d, int) else -1 for d in x.shape]
    target[a] = -1 if x.shape[a] is None else x.shape[a] * reps[0]
    return call(ops.reshape, tiled, ops.const_ints(target)) if target.count(-1) <= 1 else \
        call(ops.reshape, tiled, _merged_shape(tiled, a))


def _merged_shape(t, a):
    dims = call(ops.shape, t)
    left = call(ops.slice_, dims, ops.const_ints([0]), ops.const_ints([a]))
    right = call(ops.slice_, dims, ops.const_ints([a + 2]), ops.const_ints([INT_MAX]))
    return call(ops.concat, left, ops.const_ints([-1]), right, axis=0)


def shape(input, out_type=_dtypes.int32, name=None):  # noqa: A002
    """tf.shape: the dynamic shape as a 1-D tensor (int32 by default)."""
    x = tensor(input)
    out_type = _dtypes.as_dtype(out_type)
    if all(isinstance(d, int) for d in x.shape):
        return constant(np.asarray(x.shape, dtype=out_type))
    dims = call(ops.shape, x)
    if out_type == np.int64:
        return dims
    return keep_known(call(ops.cast, dims, to=out_type), dims.known)


def size(input, out_type=_dtypes.int32, name=None):  # noqa: A002
    """tf.size: the number of elements (int32 by default)."""
    x = tensor(input)
    out_type = _dtypes.as_dtype(out_type)
    n = TensorShape(x.shape).num_elements()
    if n is not None:
        return constant(np.asarray(n, dtype=out_type))
    return call(ops.cast, call(ops.size, x), to=out_type)


def rank(input, name=None):  # noqa: A002
    """tf.rank: the number of dimensions, an int32 scalar."""
    return constant(np.int32(tensor(input).ndim))


def cast(x, dtype, name=None):
    """tf.cast: float to int truncates toward zero; nonzero to bool is True."""
    x = tensor(x)
    dtype = _dtypes.as_dtype(dtype)
    return x if x.dtype == dtype else call(ops.cast, x, to=dtype)


def identity(input, name=None):  # noqa: A002
    """tf.identity."""
    return call(ops.identity, tensor(input))


def stop_gradient(input, name=None):  # noqa: A002
    """tf.stop_gradient: the same values, with no gradient flowing back through them."""
    with core_ir.no_grad():
        return call(ops.identity, tensor(input))


def ensure_shape(x, shape, name=None):
    """tf.ensure_shape: x itself, after checking its shape is compatible with `shape`."""
    x = tensor(x)
    if not TensorShape(x.shape).is_compatible_with(TensorShape(shape)):
        raise InvalidArgumentError(None, None, f"Shape of tensor x {list(x.shape)} is not "
                                   f"compatible with expected shape {list(TensorShape(shape))}.")
    return x


def executing_eagerly() -> bool:
    """tf.executing_eagerly: False while tf.function traces."""
    return not is_tracing()


__all__ = ["reshape", "transpose", "expand_dims", "squeeze", "concat", "stack", "unstack",
           "split", "tile", "broadcast_to", "pad", "reverse", "roll", "repeat", "shape", "size",
           "rank", "cast", "identity", "stop_gradient", "ensure_shape", "executing_eagerly"]
