"""tf.* functions that pick or place elements by index: gather, gather_nd, scatter_nd and the
tensor_scatter_nd_* family, where, boolean_mask, sort and argsort.

As TF on CPU, an index outside [0, dim) is an InvalidArgumentError (ONNX would read a negative
index from the end); it is checked whenever the indices are concrete."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from . import dtypes as _dtypes
from ._helpers import normalize_axis, same_dtype, shape_input, static_ints, tensor
from ._tensor import call, constant, is_tracing, operands
from .errors import InvalidArgumentError


def _check_indices(indices, limits, op_name: str) -> None:
    """Concrete index values must lie in [0, limit), per component of the last axis for the ND
    ops (`limits` has one entry per component)."""
    a = indices.array
    if a is None or not all(isinstance(n, int) for n in limits):
        return
    rows = a.reshape(-1, len(limits))
    bad = np.flatnonzero(((rows < 0) | (rows >= np.asarray(limits))).any(axis=1))
    if not bad.size:
        return
    lead = a.shape if len(limits) == 1 and a.ndim else a.shape[:-1]
    pos = ",".join(str(int(p)) for p in np.unravel_index(bad[0], lead)) if lead else "0"
    if len(limits) == 1:
        raise InvalidArgumentError(None, None, f"indices[{pos}] = {rows[bad[0], 0]} is not in "
                                   f"[0, {limits[0]}) [Op:{op_name}]")
    raise InvalidArgumentError(None, None, f"indices[{pos}] = {list(rows[bad[0]])} does not "
                               f"index into param shape {list(limits)} [Op:{op_name}]")


def _int_indices(indices):
    idx = tensor(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"indices must be int32 or int64, got {idx.dtype.name}")
    return idx if idx.dtype in (np.int32, np.int64) else call(ops.cast, idx, to=np.int64)


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """tf.gather: slices of params along axis (default batch_dims) at the given indices; with
    batch_dims, the leading dims of params and indices are matched (a batched gather)."""
    params, idx = tensor(params), _int_indices(indices)
    b = batch_dims % idx.ndim if batch_dims < 0 else batch_dims
    a = normalize_axis(b if axis is None else int(axis), params.ndim)
    _check_indices(idx, [params.shape[a]], "GatherV2")
    if b == 0:
        return call(ops.gather, params, idx, axis=a)
    if a < b:
        raise ValueError(f"batch_dims ({b}) must be less than or equal to axis ({a}).")
    moved = [*range(b), a, *[d for d in range(b, params.ndim) if d != a]]
    source = params if a == b else call(ops.transpose, params, perm=moved)
    column = call(ops.unsqueeze, idx, ops.const_ints([-1]))
    out = call(ops.gather_nd, source, column, batch_dims=b)
    if a == b:
        return out
    # out is [batch, indices..., params[b:a], params[a+1:]]: bring params[b:a] before indices
    k, m = idx.ndim - b, a - b
    perm = [*range(b), *range(b + k, b + k + m), *range(b, b + k),
            *range(b + k + m, out.ndim)]
    return call(ops.transpose, out, perm=perm)


def gather_nd(params, indices, batch_dims=0, name=None):
    """tf.gather_nd: params[indices[..., :]] for index tuples in the last axis of indices."""
    params, idx = tensor(params), _int_indices(indices)
    k = idx.shape[-1]
    if isinstance(k, int):
        _check_indices(idx, list(params.shape[batch_dims:batch_dims + k]), "GatherNd")
    return call(ops.gather_nd, params, idx, batch_dims=int(batch_dims))


def scatter_nd(indices, updates, shape, name=None):
    """tf.scatter_nd: zeros of `shape` with updates added at the indices (duplicates sum)."""
    updates, idx = tensor(updates), _int_indices(indices)
    dims = static_ints(shape, "shape")
    if dims is None:
        base = call(ops.constant_of_shape, shape_input(shape),
                    value=np.zeros(1, dtype=updates.dtype))
    else:
        base = constant(np.zeros(dims, dtype=updates.dtype))
        _check_indices(idx, dims[:idx.shape[-1]], "ScatterNd")
    return call(ops.scatter_nd, base, idx, updates, reduction="add")


def _tensor_scatter(reduction: str, op_name: str, doc: str):
    def fn(tensor_, indices, updates, name=None):
        x, idx = tensor(tensor_), _int_indices(indices)
        x, upd = operands(x, updates)
        same_dtype(op_name, x, upd)
        if isinstance(idx.shape[-1], int):
            _check_indices(idx, list(x.shape[:idx.shape[-1]]), op_name)
        return call(ops.scatter_nd, x, idx, upd, reduction=reduction)
    fn.__doc__ = doc
    return fn


tensor_scatter_nd_update = _tensor_scatter(
    "none", "TensorScatterUpdate", "tf.tensor_scatter_nd_update: a copy with entries replaced.")
tensor_scatter_nd_add = _tensor_scatter(
    "add", "TensorScatterAdd", "tf.tensor_scatter_nd_add: a copy with updates added.")
tensor_scatter_nd_max = _tensor_scatter(
    "max", "TensorScatterMax", "tf.tensor_scatter_nd_max: the elementwise max with updates.")
tensor_scatter_nd_min = _tensor_scatter(
    "min", "TensorScatterMin", "tf.tensor_scatter_nd_min: the elementwise min with updates.")


def tensor_scatter_nd_sub(tensor_, indices, updates, name=None):
    """tf.tensor_scatter_nd_sub: a copy with updates subtracted."""
    return tensor_scatter_nd_add(tensor_, indices, -tensor(updates))


def where(condition, x=None, y=None, name=None):
    """tf.where: with x and y, elementwise condition ? x : y (broadcasting); with the condition
    alone, the int64 coordinates [n, rank] of its true (nonzero) entries, which needs concrete
    values: the output size depends on them."""
    c = tensor(condition)
    if x is None and y is None:
        if c.array is None:
            raise ValueError("tf.where(condition) has a data-dependent shape: it needs a concrete "
                             "condition (it cannot be traced into a tf.function here)")
        return constant(np.argwhere(np.asarray(c.array)).astype(np.int64))
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    if c.dtype != np.bool_:
        raise TypeError(f"condition must be a bool tensor, got {c.dtype.name}")
    x, y = operands(x, y)
    same_dtype("SelectV2", x, y)
    return call(ops.where, c, x, y)


def boolean_mask(tensor_, mask, axis=None, name=None):
    """tf.boolean_mask: the entries (along axis, default 0) where mask is True. The output size
    depends on the mask's values, which must be concrete."""
    x, m = tensor(tensor_), tensor(mask)
    a = 0 if axis is None else normalize_axis(int(axis), x.ndim)
    if m.array is None:
        raise ValueError("tf.boolean_mask has a data-dependent shape: it needs a concrete mask "
                         "(it cannot be traced into a tf.function here)")
    k = m.ndim
    if k == 0:
        raise ValueError("mask cannot be scalar.")
    if not all(d is None or d == s for d, s in zip(x.shape[a:a + k], m.shape)):
        raise ValueError(f"Shapes {list(x.shape[a:a + k])} and {list(m.shape)} are incompatible")
    rest = [d if isinstance(d, int) else -1 for d in x.shape]
    merged = call(ops.reshape, x, ops.const_ints(rest[:a] + [-1] + rest[a + k:])) if k > 1 \
        else x
    picked = constant(np.flatnonzero(np.asarray(m.array).reshape(-1)).astype(np.int64))
    return call(ops.gather, merged, picked, axis=a)


def _sorted(values, axis, direction):
    x = tensor(values)
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f'direction should be either "ASCENDING" or "DESCENDING". Received: '
                         f"direction={direction}")
    a = normalize_axis(int(axis), x.ndim)
    n = x.shape[a]
    k = ops.const_ints([n]) if isinstance(n, int) else call(
        ops.reshape, call(ops.shape, x, start=a, end=a + 1), ops.const_ints([1]))
    return call(ops.topk, x, k, axis=a, largest=int(direction == "DESCENDING"), sorted=1)


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """tf.sort: the values sorted along axis."""
    return _sorted(values, axis, direction)[0]


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """tf.argsort: the int32 indices that sort values along axis (ties keep their order)."""
    return call(ops.cast, _sorted(values, axis, direction)[1], to=_dtypes.int32)


def unique(x, out_idx=_dtypes.int32, name=None):
    """tf.unique of a concrete 1-D tensor: (values in order of first appearance, idx)."""
    t = tensor(x)
    if t.array is None or is_tracing():
        raise ValueError("tf.unique has a data-dependent shape: it needs a concrete tensor")
    a = np.asarray(t.array)
    _, first, inverse = np.unique(a, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    from collections import namedtuple
    result = namedtuple("Unique", ["y", "idx"])
    return result(constant(a[np.sort(first)]),
                  constant(rank[inverse.reshape(-1)].astype(_dtypes.as_dtype(out_idx))))


__all__ = ["gather", "gather_nd", "scatter_nd", "tensor_scatter_nd_update",
           "tensor_scatter_nd_add", "tensor_scatter_nd_sub", "tensor_scatter_nd_max",
           "tensor_scatter_nd_min", "where", "boolean_mask", "sort", "argsort", "unique"]
