"""Joining and splitting: cat/stack/hstack/vstack/dstack/column_stack, split/chunk/tensor_split/
unbind, narrow/select (Concat, Split and Slice in the IR)."""

from __future__ import annotations

import itertools

from core_ir import ops

from . import _dtypes
from ._shape_ops import atleast_1d, atleast_2d, atleast_3d, norm_dim, reshape, squeeze, unsqueeze
from ._tensor import Tensor, as_operand, call, const_ints


def _as_list(tensors, name: str) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        "Tensor")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"torch.{name}(): expected a non-empty list of Tensors")
    return tensors


def cat(tensors, dim: int = 0, *, out=None):
    """torch.cat, with type promotion across the inputs; legacy 1-D empty tensors are skipped."""
    tensors = _as_list(tensors, "cat")
    dtype = _dtypes.result_type_many(*[t for t in tensors])
    kept = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = kept[0]
    d = norm_dim(dim, ref.ndim)
    for i, t in enumerate(kept[1:], 1):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                               f"{t.ndim}")
        for ax in range(ref.ndim):
            if ax != d and t.shape[ax] != ref.shape[ax] and isinstance(t.shape[ax], int) \
                    and isinstance(ref.shape[ax], int):
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[ax]} but got size {t.shape[ax]} "
                                   f"for tensor number {i} in the list.")
    result = call(ops.concat, *[as_operand(t, dtype) for t in kept], axis=d)
    from ._tensor_ops import _out
    return _out(result, out)


concat = concatenate = cat


def stack(tensors, dim: int = 0, *, out=None):
    tensors = _as_list(tensors, "stack")
    first = tuple(tensors[0].shape)
    for i, t in enumerate(tensors[1:], 1):
        if tuple(t.shape) != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(first)} at entry 0 and {list(t.shape)} at entry {i}")
    d = dim if dim >= 0 else dim + len(first) + 1
    return cat([unsqueeze(t, d) for t in tensors], d, out=out)


def hstack(tensors):
    tensors = [atleast_1d(t) for t in _as_list(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([atleast_2d(t) for t in _as_list(tensors, "vstack")], 0)


row_stack = vstack


def dstack(tensors):
    return cat([atleast_3d(t) for t in _as_list(tensors, "dstack")], 2)


def column_stack(tensors):
    tensors = _as_list(tensors, "column_stack")
    return hstack([reshape(t, -1, 1) if t.ndim <= 1 else t for t in tensors])


# -- splitting ------------------------------------------------------------------------------------


def _split_sizes(input, sizes, d) -> tuple:
    parts = call(ops.split, input, const_ints(list(sizes)), axis=d) if sizes else ()
    return parts if isinstance(parts, tuple) else (parts,)


def split(tensor, split_size_or_sections, dim: int = 0):
    """An int gives chunks of that size (the last smaller); a list gives the sizes."""
    d = norm_dim(dim, tensor.ndim)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={sizes}")
    else:
        step = int(split_size_or_sections)
        if step <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [min(step, n - i) for i in range(0, n, step)] if n else [0]
    return _split_sizes(tensor, sizes, d)


def chunk(input, chunks: int, dim: int = 0):
    """torch.chunk: pieces of ceil(n / chunks), so there may be fewer than `chunks`."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input.shape[norm_dim(dim, input.ndim)]
    return split(input, max(-(-n // chunks), 1), dim)


def tensor_split(input, indices_or_sections, dim: int = 0):
    d = norm_dim(dim, input.ndim)
    n = input.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
    else:
        bounds = [0] + [min(max(int(i), 0), n) for i in indices_or_sections] + [n]
        sizes = [max(b - a, 0) for a, b in itertools.pairwise(bounds)]
    return tuple(narrow(input, d, sum(sizes[:i]), s) for i, s in enumerate(sizes))


def unbind(input, dim: int = 0):
    d = norm_dim(dim, input.ndim)
    n = input.shape[d]
    if n == 0:
        return ()
    parts = _split_sizes(input, [1] * n, d)
    return tuple(squeeze(p, d) for p in parts)


def narrow(input, dim: int, start, length: int):
    d = norm_dim(dim, input.ndim)
    n = input.shape[d]
    start = int(start)
    if start < 0:
        start += n
    if not 0 <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return call(ops.slice_, input, const_ints([start]), const_ints([start + length]),
                const_ints([d]))


def select(input, dim: int, index: int):
    """input[..., index, ...] along dim: a Slice then a Squeeze (a view, as in torch)."""
    d = norm_dim(dim, input.ndim)
    n = input.shape[d]
    i = int(index)
    if not -n <= i < n:
        raise IndexError(f"select(): index {i} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    i %= n
    part = call(ops.slice_, input, const_ints([i]), const_ints([i + 1]),
                const_ints([d]))
    return call(ops.squeeze, part, const_ints([d]))


def hsplit(input, sections):
    return tensor_split(input, sections, 1 if input.ndim > 1 else 0)


def vsplit(input, sections):
    return tensor_split(input, sections, 0)


def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None):
    """n-th forward differences along dim (prepend/append joined first)."""
    d = norm_dim(dim, input.ndim)
    x = cat([t for t in (prepend, input, append) if t is not None], d) \
        if prepend is not None or append is not None else input
    for _ in range(n):
        size = x.shape[d]
        x = narrow(x, d, 1, size - 1) - narrow(x, d, 0, size - 1)
    return x
