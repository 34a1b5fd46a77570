"""Tensor indexing with torch's semantics: `x[idx]` and `x[idx] = v`.

Basic indices (ints, slices with positive steps, None, Ellipsis) lower to Slice, Squeeze and
Unsqueeze: views, as in torch. Advanced indices (integer tensors/lists/arrays, boolean masks)
are applied after them: one gives a Gather along its axis, several a GatherND over their
broadcast shape, placed where the first one stood if they are adjacent, else in front (torch's
rule; unlike numpy, an int between them does not count as an advanced index). A boolean mask
has a data-dependent shape, so its integer indices are computed eagerly (it carries no
gradient).

Assignment writes into the array directly when no gradient is involved; otherwise it is a
ScatterElements into the flattened tensor at the positions the same index selects in an arange,
and the tensor takes over the result (in-place semantics), so gradients flow to both sides.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import core_ir
from core_ir import ops

from . import _dtypes
from ._shape_ops import expanded_shape
from ._tensor import Tensor, as_operand, call, const_ints, wrap
from ._tensor_ops_inplace import apply_inplace, check_inplace

INT64_MAX = 2**63 - 1


class _Plan(NamedTuple):
    slices: list        # (axis, start, stop, step) on the input
    squeeze: list       # input axes indexed by an int
    unsqueeze: list     # output axes that None inserts
    advanced: list      # (axis of the basic result, index Tensor or ndarray)


def _entries(index) -> list:
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for item in index:
        if isinstance(item, (list, np.ndarray)) and not isinstance(item, Tensor):
            item = Tensor(_list_index(item))
        elif isinstance(item, Tensor) and item.dtype == _dtypes.uint8:
            item = Tensor(np.asarray(item.array).astype(bool))  # torch: a (deprecated) mask
        elif isinstance(item, Tensor) and item.ndim == 0 and item.dtype.kind in "iu":
            item = int(item.item())
        out.append(item)
    return out


def _list_index(item) -> np.ndarray:
    a = np.asarray(item.array if isinstance(item, Tensor) else item)
    if a.dtype.kind == "f" or a.dtype == object:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return a if a.dtype == bool else a.astype(np.int64)


def _consumed(item) -> int:
    if item is None or item is Ellipsis or isinstance(item, bool):
        return 0
    if isinstance(item, Tensor) and item.dtype == _dtypes.bool:
        return item.ndim
    return 1


def _plan(x, index) -> _Plan:
    entries = _entries(index)
    used = sum(_consumed(e) for e in entries)
    if entries.count(Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if used > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
    if Ellipsis in entries:
        at = entries.index(Ellipsis)
        entries[at:at + 1] = [slice(None)] * (x.ndim - used)
    else:
        entries += [slice(None)] * (x.ndim - used)
    plan = _Plan([], [], [], [])
    axis = out = 0
    for item in entries:
        axis, out = _plan_one(x, item, axis, out, plan)
    return plan


def _plan_one(x, item, axis: int, out: int, plan: _Plan):
    """Add one index entry to the plan; returns the next (input axis, output axis)."""
    if item is None or isinstance(item, bool):
        plan.unsqueeze.append(out)
        if item is False:  # x[False]: an empty new axis
            plan.advanced.append((out, np.zeros(0, np.int64)))
        return axis, out + 1
    if isinstance(item, slice):
        _plan_slice(x, item, axis, plan)
        return axis + 1, out + 1
    if isinstance(item, (int, np.integer)):
        plan.slices.append(_int_slice(x, int(item), axis))
        plan.squeeze.append(axis)
        return axis + 1, out
    if isinstance(item, Tensor):
        if item.dtype == _dtypes.bool:
            return _plan_mask(x, item, axis, out, plan)
        if item.dtype.kind not in "iu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        _check_bounds(item, x.shape[axis], axis)
        plan.advanced.append((out, item))
        return axis + 1, out + 1
    raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                     f"Variables are valid indices (got {type(item).__name__})")


def _plan_slice(x, item: slice, axis: int, plan: _Plan) -> None:
    step = 1 if item.step is None else int(item.step)
    if step <= 0:
        raise ValueError("step must be greater than zero")
    if item.start is None and item.stop is None and step == 1:
        return
    dim = x.shape[axis]
    if isinstance(dim, int):
        start, stop, _ = slice(item.start, item.stop, step).indices(dim)
        stop = max(stop, start)
    else:
        start = 0 if item.start is None else int(item.start)
        stop = INT64_MAX if item.stop is None else int(item.stop)
    plan.slices.append((axis, start, stop, step))


def _int_slice(x, i: int, axis: int) -> tuple:
    dim = x.shape[axis]
    if isinstance(dim, int):
        if not -dim <= i < dim:
            raise IndexError(f"index {i} is out of bounds for dimension {axis} with size {dim}")
        i %= dim
    return axis, i, (i + 1 if i != -1 else INT64_MAX), 1


def _plan_mask(x, mask: Tensor, axis: int, out: int, plan: _Plan):
    k = mask.ndim
    want = tuple(x.shape[axis:axis + k])
    if tuple(mask.shape) != want:
        raise IndexError(f"The shape of the mask {list(mask.shape)} at index {axis} does not "
                         f"match the shape of the indexed tensor {list(x.shape)} at index {axis}")
    if k == 0:  # x[tensor(True)]: like None (an empty axis when False)
        plan.unsqueeze.append(out)
        if not bool(mask.item()):
            plan.advanced.append((out, np.zeros(0, np.int64)))
        return axis, out + 1
    for j, rows in enumerate(np.nonzero(np.asarray(mask.array))):
        plan.advanced.append((out + j, rows.astype(np.int64)))
    return axis + k, out + k


def _check_bounds(index: Tensor, dim, axis: int) -> None:
    a = index.array
    if a is None or not isinstance(dim, int) or np.size(a) == 0:
        return
    a = np.asarray(a)
    bad = a[(a < -dim) | (a >= dim)]
    if bad.size:
        raise IndexError(f"index {bad.reshape(-1)[0]} is out of bounds for dimension {axis} "
                         f"with size {dim}")


# -- reading --------------------------------------------------------------------------------------


def _basic(x, plan: _Plan):
    if plan.slices:
        axes, starts, stops, steps = zip(*plan.slices)
        x = call(ops.slice_, x, const_ints(starts), const_ints(stops),
                 const_ints(axes), const_ints(steps))
    if plan.squeeze:
        x = call(ops.squeeze, x, const_ints(plan.squeeze))
    if plan.unsqueeze:
        x = call(ops.unsqueeze, x, const_ints(plan.unsqueeze))
    return x


def _as_index(i) -> Tensor:
    if isinstance(i, Tensor):
        return i if i.dtype == _dtypes.int64 else call(ops.cast, i, to=_dtypes.int64)
    return Tensor(np.asarray(i, np.int64))


def _advanced(y, advanced: list):
    if len(advanced) == 1:
        axis, index = advanced[0]
        return call(ops.gather, y, _as_index(index), axis=axis)
    axes = [a for a, _ in advanced]
    arrays = [np.asarray(i.array) if isinstance(i, Tensor) else i for _, i in advanced]
    try:
        arrays = np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = ", ".join(str(list(a.shape)) for a in arrays)
        raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together "
                         f"with shapes {shapes}") from None
    rest = [d for d in range(y.ndim) if d not in axes]
    front = call(ops.transpose, y, perm=axes + rest) if axes + rest != list(range(y.ndim)) else y
    stacked = Tensor(np.stack(arrays, -1).astype(np.int64))
    out = call(ops.gather_nd, front, stacked)
    first, b = axes[0], arrays[0].ndim
    if axes == list(range(first, first + len(axes))) and first > 0:  # adjacent: put back
        perm = list(range(b, b + first)) + list(range(b)) + list(range(b + first, out.ndim))
        out = call(ops.transpose, out, perm=perm)
    return out


def getitem(x, index):
    plan = _plan(x, index)
    y = _basic(x, plan)
    return _advanced(y, plan.advanced) if plan.advanced else y


# -- writing --------------------------------------------------------------------------------------


def _check_value_shape(value_shape: tuple, shape: tuple, basic: bool, dtype) -> tuple:
    """The value's shape without leading size-1 dims, checked as torch does: a basic index
    copies through expand (its errors), an advanced one reports a shape mismatch."""
    full = tuple(value_shape)
    while len(value_shape) > len(shape) and value_shape[0] == 1:
        value_shape = value_shape[1:]
    if basic:
        expanded_shape(tuple(value_shape), shape, dtype)
        return tuple(value_shape)
    try:
        fits = np.broadcast_shapes(tuple(value_shape), shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(full)} cannot be "
                           f"broadcast to indexing result of shape {list(shape)}")
    return tuple(value_shape)


def _is_basic(index) -> bool:
    return all(e is None or e is Ellipsis or isinstance(e, (int, np.integer, slice))
               for e in _entries(index)) and not any(isinstance(e, bool) for e in
                                                     _entries(index))


def _fit_value(value, shape: tuple, dtype, basic: bool):
    """value as a tensor of the target's dtype and shape."""
    v = as_operand(value, dtype)
    kept = _check_value_shape(tuple(v.shape), shape, basic, dtype)
    if kept != tuple(v.shape):
        v = call(ops.reshape, v, const_ints(kept))
    return v if tuple(v.shape) == shape else call(ops.expand, v, const_ints(shape))


def _positions(x, index) -> np.ndarray:
    """The flat positions in x that x[index] reads (torch's semantics, via an arange)."""
    grid = Tensor(np.arange(x.numel(), dtype=np.int64).reshape(tuple(x.shape)))
    with core_ir.no_grad():
        return np.asarray(getitem(grid, index).array)


def setitem(x, index, value) -> None:
    check_inplace(x)
    needs_grad = core_ir.is_grad_enabled() and (
        x.requires_grad or (isinstance(value, Tensor) and value.requires_grad))
    if x.array is not None and not needs_grad:
        _write_array(x, index, value)
        return
    positions = _positions(x, index)
    v = _fit_value(value, positions.shape, x.dtype, _is_basic(index))
    where = Tensor(positions.reshape(-1))
    updates = call(ops.reshape, v, const_ints([-1]))

    def scatter(source):
        flat = call(ops.reshape, source, const_ints([-1]))
        out = call(ops.scatter_elements, flat, where, updates, axis=0)
        return call(ops.reshape, out, const_ints(tuple(x.shape)))
    apply_inplace(x, scatter)


def _write_array(x, index, value) -> None:
    a = x.array
    if not (isinstance(a, np.ndarray) and a.flags.writeable):
        a = x.array = np.array(a)
    if _is_basic(index):
        _plan(x, index)  # torch's checks (no negative steps, bounds)
        entries = tuple(_entries(index))
        target = a[entries]
        a[entries] = _value_array(value, np.shape(target), x.dtype, True)
    else:
        positions = _positions(x, index)
        a[np.unravel_index(positions, a.shape)] = _value_array(value, positions.shape, x.dtype,
                                                               False)
    x.version += 1


def _value_array(value, shape: tuple, dtype, basic: bool) -> np.ndarray:
    v = np.asarray(value.array if isinstance(value, Tensor) else wrap(value).array)
    kept = _check_value_shape(v.shape, tuple(shape), basic, dtype)
    return np.broadcast_to(v.reshape(kept), shape).astype(dtype, copy=False)


def _install() -> None:
    Tensor.__getitem__ = getitem
    Tensor.__setitem__ = setitem


_install()
