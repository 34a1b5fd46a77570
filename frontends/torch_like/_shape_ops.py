"""Shape functions: view/reshape/flatten/unflatten/squeeze/unsqueeze/permute/transpose/t/movedim,
expand/broadcast_to/repeat/tile/repeat_interleave, flip/roll. They lower to the IR's shape ops
(Reshape, Transpose, Expand, Tile, Slice, Concat), which the NumPy backend runs as views where
numpy can, so in-place writes through a view reach its base as in torch."""

from __future__ import annotations

import builtins
import math

import numpy as np

from core_ir import ops

from . import _dtypes
from ._tensor import Size, Tensor, call, const_ints

INT64_MAX = 2**63 - 1


# -- argument helpers -----------------------------------------------------------------------------


def size_args(args) -> tuple:
    """torch's two spellings: f(2, 3) and f((2, 3)) / f([2, 3]) / f(torch.Size([2, 3]))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        args = tuple(args[0])
    elif len(args) == 1 and isinstance(args[0], Tensor) and args[0].ndim == 1:
        args = tuple(args[0].tolist())
    return tuple(builtins.int(a) for a in args)


def dim_range_error(dim, ndim) -> IndexError:
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    return IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got "
                      f"{dim})")


def norm_dim(dim, ndim: int) -> int:
    """A dim in [-ndim, ndim) (a 0-d tensor accepts 0 and -1) as a non-negative index."""
    n = builtins.max(ndim, 1)
    dim = builtins.int(dim)
    if not -n <= dim < n:
        raise dim_range_error(dim, ndim)
    return dim % n


def norm_dims(dims, ndim: int) -> list[int]:
    if isinstance(dims, (builtins.int, np.integer)):
        dims = (dims,)
    return [norm_dim(d, ndim) for d in dims]


# -- reshaping ------------------------------------------------------------------------------------


def _target_shape(x, shape: tuple) -> tuple:
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    n = x.numel()
    known = math.prod(d for d in shape if d != -1)
    if any(d < -1 for d in shape):
        raise RuntimeError(f"invalid shape dimension {builtins.min(shape)}")
    if (-1 in shape and (known == 0 or n % known)) or (-1 not in shape and known != n):
        raise RuntimeError(f"shape '[{', '.join(str(d) for d in shape)}]' is invalid for input "
                           f"of size {n}")
    return tuple(n // known if d == -1 else d for d in shape)


def reshape(input, *shape):
    shape = size_args(shape)
    if 0 in shape or any(d < -1 for d in shape):  # torch's reading of 0 and of bad sizes
        shape = _target_shape(input, shape)
    try:  # allowzero: a 0 is a size, not ONNX's "copy this dim"
        return call(ops.reshape, input, const_ints(shape), allowzero=1)
    except RuntimeError:
        if input.array is None:
            raise
        _target_shape(input, shape)  # raises torch's message
        raise


def view(input, *shape):
    """Like reshape (every NumPy-backed reshape here can be a view). `view(dtype)` reinterprets
    the bytes (no gradient), as torch does."""
    if len(shape) == 1 and isinstance(shape[0], (np.dtype, type, str)) and not isinstance(
            shape[0], (tuple, list)):
        return Tensor(np.asarray(input.array).view(_dtypes.as_dtype(shape[0])))
    return reshape(input, *shape)


def view_as(input, other):
    return reshape(input, *other.shape)


reshape_as = view_as


def _symbolic_flatten_shape(shape: tuple, s: int, e: int) -> list | None:
    """A Reshape target for flatten when dims are symbolic (tracing for ONNX export with dynamic
    axes): leading dims are copied with ONNX's 0 (their index is unchanged), and one unknown
    size (merged or trailing) is inferred with -1. None when all dims are ints or when more than
    one size would be unknown."""
    if all(isinstance(d, builtins.int) for d in shape):
        return None
    head = [d if isinstance(d, builtins.int) else 0 for d in shape[:s]]
    middle = shape[s:e + 1]
    rest = [*([math.prod(middle)] if all(isinstance(d, builtins.int) for d in middle) else [-1]),
            *(d if isinstance(d, builtins.int) else -1 for d in shape[e + 1:])]
    return head + rest if rest.count(-1) <= 1 else None


def flatten(input, start_dim: int = 0, end_dim: int = -1):
    if input.ndim == 0:
        return reshape(input, 1)
    s, e = norm_dim(start_dim, input.ndim), norm_dim(end_dim, input.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = tuple(input.shape)
    new = _symbolic_flatten_shape(shape, s, e)
    if new is not None:
        return call(ops.reshape, input, const_ints(new))
    return reshape(input, *shape[:s], math.prod(shape[s:e + 1]), *shape[e + 1:])


def unflatten(input, dim: int, sizes):
    d = norm_dim(dim, input.ndim)
    shape = tuple(input.shape)
    sizes = tuple(sizes)
    if -1 in sizes:
        known = math.prod(s for s in sizes if s != -1)
        sizes = tuple(shape[d] // known if s == -1 else s for s in sizes)
    if math.prod(sizes) != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[d]}) in the input tensor")
    return reshape(input, *shape[:d], *sizes, *shape[d + 1:])


def squeeze(input, dim=None):
    """Drop size-1 dims (all, or the given ones; a given dim of another size is kept)."""
    shape = tuple(input.shape)
    dims = range(input.ndim) if dim is None else norm_dims(dim, input.ndim)
    axes = [d for d in dims if input.ndim and shape[d] == 1]
    if input.ndim == 0 or (dim is not None and not axes):
        return call(ops.reshape, input, const_ints(shape))  # torch returns a view
    return call(ops.squeeze, input, const_ints(axes))


def unsqueeze(input, dim: int):
    d = builtins.int(dim)
    if not -input.ndim - 1 <= d <= input.ndim:
        raise dim_range_error(d, input.ndim + 1)
    return call(ops.unsqueeze, input, const_ints([d % (input.ndim + 1)]))


# -- axis order -----------------------------------------------------------------------------------


def permute(input, *dims):
    dims = size_args(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {input.ndim} is not equal to len(dims) = {len(dims)}")
    perm = norm_dims(dims, input.ndim)
    if len(set(perm)) != len(perm):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return call(ops.transpose, input, perm=perm)


def transpose(input, dim0: int, dim1: int):
    if input.ndim == 0:
        norm_dim(dim0, 0), norm_dim(dim1, 0)
        return input
    a, b = norm_dim(dim0, input.ndim), norm_dim(dim1, input.ndim)
    perm = list(range(input.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return call(ops.transpose, input, perm=perm)


swapaxes = swapdims = transpose


def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D")
    # perm left out (ONNX's default: reverse the axes) is how t() shows as TBackward0
    return call(ops.transpose, input) if input.ndim == 2 else input


def movedim(input, source, destination):
    src, dst = norm_dims(source, input.ndim), norm_dims(destination, input.ndim)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    rest = iter(d for d in range(input.ndim) if d not in src)
    by_dst = dict(zip(dst, src))
    return permute(input, *[by_dst[i] if i in by_dst else next(rest) for i in range(input.ndim)])


moveaxis = movedim


# -- broadcasting and repetition ------------------------------------------------------------------


def expand(input, *sizes):
    target = expanded_shape(tuple(input.shape), size_args(sizes), input.dtype)
    return call(ops.expand, input, const_ints(target))


def expanded_shape(shape: tuple, sizes: tuple, dtype) -> list:
    """The target of expand (-1 keeps a dim), with torch's errors."""
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(torch.{_dtypes.legacy_name(dtype)}Tensor{{"
                           f"[{', '.join(map(str, shape))}]}}, size=[{', '.join(map(str, sizes))}"
                           f"]): the number of sizes provided ({len(sizes)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = [0] * len(sizes)
    for i in reversed(range(len(sizes))):  # torch reports the last mismatching dim
        s = sizes[i]
        have = shape[i - lead] if i >= lead else None
        if s == -1:
            if have is None:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            s = have
        if have is not None and have != s and have != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({have}) at non-singleton dimension {i}.  Target sizes: "
                               f"[{', '.join(map(str, sizes))}].  Tensor sizes: "
                               f"[{', '.join(map(str, shape))}]")
        target[i] = s
    return target


def expand_as(input, other):
    return expand(input, *other.shape)


def broadcast_to(input, size):
    return expand(input, *size)


def broadcast_shapes(*shapes) -> Size:
    return Size(np.broadcast_shapes(*[tuple(s) if not isinstance(s, int) else (s,)
                                      for s in shapes]))


def broadcast_tensors(*tensors):
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return tuple(expand(t, *shape) for t in tensors)


def repeat(input, *sizes):
    sizes = size_args(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    x = input
    if len(sizes) > input.ndim:
        x = reshape(input, *((1,) * (len(sizes) - input.ndim) + tuple(input.shape)))
    return call(ops.tile, x, const_ints(sizes))


def tile(input, dims):
    dims = size_args((dims,)) if not isinstance(dims, int) else (dims,)
    return repeat(input, *((1,) * (input.ndim - len(dims)) + tuple(dims)))


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element repeated `repeats` times along dim (flattened when dim is None)."""
    if repeats is None:  # torch.repeat_interleave(repeats): indices repeated by their counts
        counts = np.asarray(input.array)
        return Tensor(np.repeat(np.arange(len(counts)), counts).astype(np.int64))
    x = flatten(input) if dim is None else input
    d = 0 if dim is None else norm_dim(dim, x.ndim)
    counts = np.asarray(repeats.array if isinstance(repeats, Tensor) else repeats).reshape(-1)
    index = np.repeat(np.arange(x.shape[d]), counts if counts.size > 1 else counts[0])
    return call(ops.gather, x, Tensor(index.astype(np.int64)), axis=d)


# -- flips and rolls ------------------------------------------------------------------------------


def flip(input, *dims):
    dims = norm_dims(size_args(dims), input.ndim)
    if not dims:
        return call(ops.reshape, input, const_ints(tuple(input.shape)))
    n = len(dims)
    return call(ops.slice_, input, const_ints([-1] * n), const_ints([-INT64_MAX] * n),
                const_ints(dims), const_ints([-1] * n))


def fliplr(input):
    return flip(input, 1)


def flipud(input):
    return flip(input, 0)


def roll(input, shifts, dims=None):
    if dims is None:
        return reshape(roll(flatten(input), shifts, 0), *input.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:"
                           f"{len(dims)}")
    x = input
    for s, d in zip(shifts, dims):
        x = _roll_one(x, s, norm_dim(d, x.ndim))
    return x


def _roll_one(x, shift: int, d: int):
    n = x.shape[d]
    k = shift % n if n else 0
    if k == 0:
        return x
    from ._join_ops import cat, narrow
    return cat([narrow(x, d, n - k, k), narrow(x, d, 0, n - k)], d)


def rot90(input, k: int = 1, dims=(0, 1)):
    k %= 4
    d0, d1 = dims
    if k == 1:
        return transpose(flip(input, d1), d0, d1)
    if k == 2:
        return flip(input, d0, d1)
    if k == 3:
        return flip(transpose(input, d0, d1), d1)
    return input


def atleast_1d(*tensors):
    out = [t if t.ndim >= 1 else reshape(t, 1) for t in _tensors(tensors)]
    return out[0] if len(out) == 1 else tuple(out)


def atleast_2d(*tensors):
    out = [t if t.ndim >= 2 else reshape(t, 1, -1) for t in _tensors(tensors)]
    return out[0] if len(out) == 1 else tuple(out)


def atleast_3d(*tensors):
    def lift(t):
        if t.ndim >= 3:
            return t
        return reshape(t, 1, -1, 1) if t.ndim < 2 else unsqueeze(t, -1)
    out = [lift(t) for t in _tensors(tensors)]
    return out[0] if len(out) == 1 else tuple(out)


def _tensors(args):
    return list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else list(args)
