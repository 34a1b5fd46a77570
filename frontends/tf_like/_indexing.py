"""TF's `tensor[...]` (strided slicing): ints, slices with steps, tf.newaxis, Ellipsis and
scalar integer tensors, lowered to one Slice, then Gather (for symbolic tensor indices), Squeeze
and Unsqueeze. As in TF, lists and boolean masks are not valid indices (use tf.gather /
tf.boolean_mask)."""

from __future__ import annotations

import numpy as np

from core_ir import ops
from core_ir.tensor import Tensor as _CoreTensor

from .errors import InvalidArgumentError

INT_MAX = int(np.iinfo(np.int64).max)


class _Plan:
    """What the index asks for, axis by axis of the input."""

    def __init__(self):
        self.starts, self.ends, self.axes, self.steps = [], [], [], []
        self.shrink: list[int] = []        # input axes indexed by an int (removed)
        self.gathers: list[tuple] = []     # (input axis, symbolic index tensor)
        self.new_axes: list[int] = []      # output positions of tf.newaxis

    def slice(self, axis: int, start: int, end: int, step: int) -> None:
        self.starts.append(start)
        self.ends.append(end)
        self.axes.append(axis)
        self.steps.append(step)


def _bad_index(item) -> TypeError:
    return TypeError("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                     f"scalar tf.int32/tf.int64 tensors are valid indices, got {item!r}")


def _as_int(item):
    """An int, or a symbolic scalar integer tensor; anything else is not an index."""
    if isinstance(item, (bool, np.bool_)):
        raise _bad_index(item)
    if isinstance(item, (int, np.integer)):
        return int(item)
    if isinstance(item, _CoreTensor) and item.dtype.kind in "iu" and item.ndim == 0:
        return int(item.array) if item.array is not None else item
    raise _bad_index(item)


def _bound(b):
    if b is None:
        return None
    value = _as_int(b)
    if isinstance(value, _CoreTensor):
        raise TypeError("slice bounds must be Python ints or concrete tensors while tracing, "
                        f"got the symbolic {b!r}")
    return value


def _expand(items: tuple, rank: int) -> list:
    n_ellipsis = sum(it is Ellipsis for it in items)
    if n_ellipsis > 1:
        raise ValueError("Multiple ellipses in slice spec not allowed")
    used = sum(it is not None and it is not Ellipsis for it in items)
    if used > rank:
        raise InvalidArgumentError(None, None, f"Index out of range using input dim {used - 1}; "
                                   f"input has only {rank} dims [Op:StridedSlice]")
    if not n_ellipsis:
        items = items + (Ellipsis,)
    i = items.index(Ellipsis)
    return list(items[:i]) + [slice(None)] * (rank - used) + list(items[i + 1:])


def _add_slice(plan: _Plan, axis: int, sl: slice, dim) -> None:
    start, stop, step = _bound(sl.start), _bound(sl.stop), _bound(sl.step)
    step = 1 if step is None else step
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if isinstance(dim, int):  # Python's own rule, then ONNX's spelling of "before index 0"
        start, stop, step = slice(start, stop, step).indices(dim)
        if (start, stop, step) == (0, dim, 1):
            return
        plan.slice(axis, start, -INT_MAX if stop < 0 else stop, step)
        return
    if start is None and stop is None and step == 1:
        return
    default_start, default_stop = (0, INT_MAX) if step > 0 else (INT_MAX, -INT_MAX)
    plan.slice(axis, default_start if start is None else start,
               default_stop if stop is None else stop, step)


def _add_int(plan: _Plan, axis: int, index, dim) -> None:
    if isinstance(index, _CoreTensor):
        plan.gathers.append((axis, index))
        return
    if isinstance(dim, int) and not -dim <= index < dim:
        raise InvalidArgumentError(None, None, f"slice index {index} of dimension {axis} out of "
                                   f"bounds. [Op:StridedSlice] name: strided_slice/")
    plan.slice(axis, index, INT_MAX if index == -1 else index + 1, 1)
    plan.shrink.append(axis)


def _plan(x, key) -> _Plan:
    items = key if isinstance(key, tuple) else (key,)
    plan, axis, out = _Plan(), 0, 0
    for it in _expand(items, x.ndim):
        if it is None:
            plan.new_axes.append(out)
            out += 1
        elif isinstance(it, slice):
            _add_slice(plan, axis, it, x.shape[axis])
            axis, out = axis + 1, out + 1
        else:
            _add_int(plan, axis, _as_int(it), x.shape[axis])
            axis += 1
    return plan


def getitem(x, key):
    out = _getitem(x, key)
    if x.array is None and isinstance(x.known, tuple) and x.ndim == 1:
        # indexing a symbolic shape vector: keep what tracing knows of it
        from ._helpers import keep_known
        try:
            picked = list(x.known)[key]
        except (TypeError, IndexError):
            return out
        keep_known(out, (picked,) if not isinstance(picked, list) else picked)
    return out


def _getitem(x, key):
    from ._tensor import call
    plan = _plan(x, key)
    if plan.axes:
        x = call(ops.slice_, x, ops.const_ints(plan.starts), ops.const_ints(plan.ends),
                 ops.const_ints(plan.axes), ops.const_ints(plan.steps))
    gathered = [a for a, _ in plan.gathers]
    for axis, index in sorted(plan.gathers, key=lambda p: -p[0]):  # later axes first
        x = call(ops.gather, x, index, axis=axis)
    if plan.shrink:
        kept = [a - sum(g < a for g in gathered) for a in plan.shrink]
        x = call(ops.squeeze, x, ops.const_ints(kept))
    if plan.new_axes:
        x = call(ops.unsqueeze, x, ops.const_ints(plan.new_axes))
    return x
