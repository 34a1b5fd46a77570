"""Selection by index or mask: gather/scatter/scatter_add/scatter_reduce, index_select/
index_add/index_copy/index_fill, masked_fill/masked_select, where, take, take_along_dim,
clamp/clip, tril/triu. Index values are checked eagerly with torch's messages; the IR's
GatherElements/ScatterElements/Gather/Where/Clip/Trilu do the work."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from . import _dtypes
from ._shape_ops import expand, flatten, norm_dim, reshape
from ._tensor import Tensor, as_operand, binary_operands, call, const_ints, wrap

_REDUCE = {"add": "add", "multiply": "mul", "sum": "add", "prod": "mul", "amax": "max",
           "amin": "min"}


def _check_index_dtype(index, name: str) -> None:
    if index.dtype != _dtypes.int64:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")


def _check_range(index, size: int, dim: int, exc=RuntimeError, msg=None) -> None:
    a = index.array
    if a is None or np.size(a) == 0:
        return
    a = np.asarray(a)
    bad = a[(a < 0) | (a >= size)]
    if bad.size:
        raise exc(msg or f"index {bad.reshape(-1)[0]} is out of bounds for dimension {dim} with "
                         f"size {size}")


def _check_fits(index, input, d: int, what: str = "self") -> None:
    if index.ndim != input.ndim and input.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for ax in range(index.ndim):
        if ax != d and index.shape[ax] > input.shape[ax]:
            raise RuntimeError(f"Size does not match at dimension {ax} expected index "
                               f"{list(index.shape)} to be smaller than {what} "
                               f"{list(input.shape)} apart from dimension {d}")


def gather(input, dim: int, index, *, sparse_grad: bool = False, out=None):
    d = norm_dim(dim, input.ndim)
    _check_index_dtype(index, "gather")
    _check_fits(index, input, d)
    _check_range(index, input.shape[d] if input.ndim else 1, d)
    return call(ops.gather_elements, input, index, axis=d)


def _crop(src, shape):
    """The part of src that index covers (torch reads src only where index has entries)."""
    if tuple(src.shape) == tuple(shape):
        return src
    n = len(shape)
    return call(ops.slice_, src, const_ints([0] * n), const_ints(list(shape)),
                const_ints(list(range(n))))


def _updates(input, index, src):
    if isinstance(src, Tensor):
        src = src if src.dtype == input.dtype else call(ops.cast, src, to=input.dtype)
        return _crop(src, index.shape)
    return expand(as_operand(src, input.dtype), *index.shape)


def scatter(input, dim: int, index, src=None, *, value=None, reduce=None):
    """out = input with src (or value) written at index along dim; reduce 'add'/'multiply'."""
    src = value if src is None else src
    d = norm_dim(dim, input.ndim)
    _check_index_dtype(index, "scatter")
    _check_fits(index, input, d)
    _check_range(index, input.shape[d] if input.ndim else 1, d)
    reduction = "none" if reduce is None else _REDUCE[reduce]
    return call(ops.scatter_elements, input, index, _updates(input, index, src), axis=d,
                reduction=reduction)


def scatter_add(input, dim: int, index, src):
    return scatter(input, dim, index, src, reduce="add")


def scatter_reduce(input, dim: int, index, src, reduce: str, *, include_self: bool = True):
    """reduce in 'sum', 'prod', 'mean', 'amax', 'amin'; include_self=False ignores input's own
    values where index writes."""
    d = norm_dim(dim, input.ndim)
    base = input
    if not include_self:
        fill = {"sum": 0, "mean": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
        if input.dtype.kind != "f" and np.isinf(fill):
            info = np.iinfo(input.dtype)
            fill = info.min if fill < 0 else info.max
        base = scatter(input, d, index, value=fill)
    if reduce != "mean":
        return scatter(base, d, index, src, reduce=reduce)
    total = scatter(base, d, index, src, reduce="sum")
    ones = Tensor(np.ones(tuple(index.shape), input.dtype))
    start = Tensor(np.full(tuple(input.shape), 1 if include_self else 0, input.dtype))
    count = scatter(start, d, index, ones, reduce="sum")
    count = call(ops.max_, count, as_operand(1, count.dtype))
    if input.dtype.kind == "f":
        return total / count
    from ._tensor_ops import div
    return div(total, count, rounding_mode="floor")


def index_select(input, dim: int, index, *, out=None):
    d = norm_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype.kind not in "iu":
        raise IndexError(f"index_select(): Expected dtype int32/int64 for index but got: "
                         f"{_dtypes.legacy_name(index.dtype)}")
    _check_range(index, input.shape[d] if input.ndim else 1, d, IndexError,
                 "index out of range in self")
    return call(ops.gather, input, reshape(index, -1) if index.ndim == 0 else index, axis=d)


def _along(index, d: int, shape: tuple) -> Tensor:
    """A 1-D index along axis d spread to `shape` (the form ScatterElements takes)."""
    view = [1] * len(shape)
    view[d] = -1
    return Tensor(np.broadcast_to(np.asarray(index.array).reshape(view), shape).astype(np.int64))


def index_add(input, dim: int, index, source, *, alpha=1):
    d = norm_dim(dim, input.ndim)
    src = source if alpha == 1 else source * alpha
    return call(ops.scatter_elements, input, _along(index, d, tuple(src.shape)),
                as_operand(src, input.dtype), axis=d, reduction="add")


def index_copy(input, dim: int, index, source):
    d = norm_dim(dim, input.ndim)
    return call(ops.scatter_elements, input, _along(index, d, tuple(source.shape)),
                as_operand(source, input.dtype), axis=d)


def index_fill(input, dim: int, index, value):
    d = norm_dim(dim, input.ndim)
    mask = np.zeros(input.shape[d], bool)
    mask[np.asarray(index.array).reshape(-1)] = True
    view = [1] * input.ndim
    view[d] = -1
    return masked_fill(input, Tensor(mask.reshape(view)), value)


def masked_fill(input, mask, value):
    if mask.dtype != _dtypes.bool:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_dtypes.c_name(mask.dtype)}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.ndim} dimension(s).")
    return call(ops.where, mask, as_operand(value, input.dtype), input)


def masked_select(input, mask):
    shape = np.broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    positions = np.flatnonzero(np.broadcast_to(np.asarray(mask.array), shape))
    x = input if tuple(input.shape) == shape else expand(input, *shape)
    return call(ops.gather, flatten(x), Tensor(positions.astype(np.int64)), axis=0)


def where(condition, input=None, other=None):
    """where(condition, input, other) with type promotion; where(condition) is
    nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        from ._sorting import nonzero
        return nonzero(condition, as_tuple=True)
    condition = wrap(condition)
    if condition.dtype != _dtypes.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {_dtypes.legacy_name(condition.dtype)}")
    dtype = _dtypes.result_type_many(input, other)
    return call(ops.where, condition, as_operand(input, dtype), as_operand(other, dtype))


def take(input, index):
    n = input.numel()
    _check_range(Tensor(np.where(np.asarray(index.array) < 0, np.asarray(index.array) + n,
                                 np.asarray(index.array))), n, 0, IndexError,
                 f"out of range: tried to access index {_first_bad(index, n)} on a tensor of "
                 f"{n} elements.")
    return call(ops.gather, flatten(input), index, axis=0)


def _first_bad(index, n):
    a = np.asarray(index.array).reshape(-1)
    bad = a[(a < -n) | (a >= n)]
    return bad[0] if bad.size else None


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return take(input, indices.reshape(-1))
    d = norm_dim(dim, input.ndim)
    without = [tuple(1 if i == d else n for i, n in enumerate(t.shape)) for t in (input, indices)]
    shape = list(np.broadcast_shapes(*without))  # every dim but `dim` broadcasts
    shape_x, shape_i = list(shape), list(shape)
    shape_x[d], shape_i[d] = input.shape[d], indices.shape[d]
    return gather(expand(input, *shape_x), d, expand(indices, *shape_i))


# -- clamp ----------------------------------------------------------------------------------------


def clamp(input, min=None, max=None, *, out=None):
    """torch.clamp: number bounds lower to Clip; tensor bounds to where(), so each bound gets
    the gradient where it is the result (as torch)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = _clamp_tensors(input, min, max)
    else:
        dtype = _dtypes.result_type_many(input, *[b for b in (min, max) if b is not None])
        x = as_operand(input, dtype)
        result = call(ops.clip, x, *[None if b is None else as_operand(b, dtype)
                                     for b in (min, max)])
    from ._tensor_ops import _out
    return _out(result, out)


def _clamp_tensors(input, lo, hi):
    x = input
    if lo is not None:
        x, lo = binary_operands(x, lo)
        x = call(ops.where, call(ops.less, x, lo), lo, x)
    if hi is not None:
        x, hi = binary_operands(x, hi)
        x = call(ops.where, call(ops.greater, x, hi), hi, x)
    return x


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


def tril(input, diagonal: int = 0):
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return call(ops.trilu, input, const_ints([diagonal]), upper=0)


def triu(input, diagonal: int = 0):
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return call(ops.trilu, input, const_ints([diagonal]), upper=1)
