"""tf.* functions that make tensors: zeros/ones/fill and their *_like, range, linspace, eye,
one_hot and sequence_mask."""

from __future__ import annotations

import numpy as np

from core_ir import ops
from core_ir.tensor import Tensor as _CoreTensor

from . import dtypes as _dtypes
from ._helpers import shape_input, static_ints, tensor
from ._tensor import call, constant


def _filled(shape, value, dtype):
    """A constant when the shape is known, else ConstantOfShape of the runtime shape."""
    dims = static_ints(shape, "shape")
    if dims is not None:
        return constant(np.full(dims, value, dtype=dtype))
    return call(ops.constant_of_shape, shape_input(shape), value=np.asarray([value], dtype))


def zeros(shape, dtype=_dtypes.float32, name=None, layout=None):
    """tf.zeros."""
    return _filled(shape, 0, _dtypes.as_dtype(dtype))


def ones(shape, dtype=_dtypes.float32, name=None, layout=None):
    """tf.ones."""
    return _filled(shape, 1, _dtypes.as_dtype(dtype))


def fill(dims, value, name=None, layout=None):
    """tf.fill: a tensor of `dims` holding `value` (its dtype is the value's)."""
    v = tensor(value)
    if v.array is not None:
        return _filled(dims, v.array[()] if v.ndim == 0 else v.array.reshape(()), v.dtype)
    return call(ops.expand, v, shape_input(dims))


def _like(input, dtype, value):  # noqa: A002
    x = tensor(input)
    out_type = x.dtype if dtype is None else _dtypes.as_dtype(dtype)
    if all(isinstance(d, int) for d in x.shape):
        return constant(np.full(x.shape, value, dtype=out_type))
    return call(ops.expand, constant(np.asarray(value, dtype=out_type)), ops.shape_tensor(x))


def zeros_like(input, dtype=None, name=None, layout=None):  # noqa: A002
    """tf.zeros_like."""
    return _like(input, dtype, 0)


def ones_like(input, dtype=None, name=None, layout=None):  # noqa: A002
    """tf.ones_like."""
    return _like(input, dtype, 1)


def _range_dtype(values):
    kinds = {np.asarray(v).dtype.kind if not isinstance(v, _CoreTensor) else v.dtype.kind
             for v in values}
    tensors = [v for v in values if isinstance(v, _CoreTensor)]
    if tensors and all(t.dtype == tensors[0].dtype for t in tensors):
        return tensors[0].dtype
    return _dtypes.float32 if "f" in kinds else _dtypes.int32


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001
    """tf.range: [start, limit) by delta; tf.range(n) counts from 0. int32 for ints, float32 if
    any bound is a float (or `dtype`)."""
    if limit is None:
        start, limit = 0, start
    dtype = _range_dtype([start, limit, delta]) if dtype is None else _dtypes.as_dtype(dtype)
    bounds = [call(ops.cast, tensor(v), to=dtype) if isinstance(v, _CoreTensor)
              else constant(np.asarray(v, dtype=dtype)) for v in (start, limit, delta)]
    bounds = [call(ops.reshape, b, ops.const_ints([])) for b in bounds]
    return call(ops.range_, *bounds)


def linspace(start, stop, num, name=None, axis=0):
    """tf.linspace: `num` evenly spaced values from start to stop inclusive (scalar bounds)."""
    start, stop = tensor(start), tensor(stop)
    dtype = start.dtype if start.dtype.kind == "f" else _dtypes.float32
    start, stop = call(ops.cast, start, to=dtype), call(ops.cast, stop, to=dtype)
    n = int(num)
    if n <= 1:  # [start] (or nothing), as TF
        return call(ops.reshape, start, ops.const_ints([1]))[:n]
    steps = constant((np.arange(n) / (n - 1)).astype(dtype))
    return start + (stop - start) * steps


def eye(num_rows, num_columns=None, batch_shape=None, dtype=_dtypes.float32, name=None):
    """tf.eye: an identity matrix (num_rows x num_columns), optionally repeated over
    batch_shape."""
    m = np.eye(int(num_rows), int(num_rows if num_columns is None else num_columns),
               dtype=_dtypes.as_dtype(dtype))
    if batch_shape is not None:
        m = np.broadcast_to(m, tuple(static_ints(batch_shape)) + m.shape).copy()
    return constant(m)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """tf.one_hot: out[..., i] = on_value if indices == i else off_value. As TF, a negative or
    out-of-range index gives a row of off_value (ONNX would wrap negatives around)."""
    idx = tensor(indices)
    dtype = _one_hot_dtype(on_value, off_value, dtype)
    on = 1 if on_value is None else on_value
    off = 0 if off_value is None else off_value
    values = call(ops.concat, *[call(ops.reshape, call(ops.cast, tensor(v), to=dtype),
                                     ops.const_ints([1])) for v in (off, on)], axis=0)
    d = tensor(depth)
    depth_t = call(ops.reshape, call(ops.cast, d, to=np.int64), ops.const_ints([1]))
    if idx.dtype.kind == "i":
        outside = call(ops.cast, d, to=idx.dtype)
        idx = call(ops.where, call(ops.less, idx, ops.const_like(0, idx)), outside, idx)
    return call(ops.one_hot, idx, depth_t, values, axis=-1 if axis is None else int(axis))


def _one_hot_dtype(on_value, off_value, dtype):
    if dtype is not None:
        return _dtypes.as_dtype(dtype)
    for v in (on_value, off_value):
        if v is not None:
            return tensor(v).dtype
    return _dtypes.float32


def sequence_mask(lengths, maxlen=None, dtype=_dtypes.bool, name=None):
    """tf.sequence_mask: mask[..., j] = j < lengths[...]; maxlen defaults to max(lengths)."""
    lengths = tensor(lengths)
    if maxlen is None:
        maxlen = call(ops.reduce_max, lengths, None, keepdims=0)
    maxlen = tensor(maxlen)
    row = range(call(ops.reshape, call(ops.cast, maxlen, to=lengths.dtype), ops.const_ints([])),
                dtype=lengths.dtype)
    mask = call(ops.less, row, call(ops.unsqueeze, lengths, ops.const_ints([-1])))
    dtype = _dtypes.as_dtype(dtype)
    return mask if dtype == np.bool_ else call(ops.cast, mask, to=dtype)


__all__ = ["zeros", "ones", "fill", "zeros_like", "ones_like", "range", "linspace", "eye",
           "one_hot", "sequence_mask"]
