"""Ordering: sort/argsort/msort/topk/kthvalue (the IR's TopK, whose gradient scatters back to the
picked positions), and the data-dependent ones torch does not differentiate either: unique,
unique_consecutive, nonzero/argwhere, searchsorted/bucketize, bincount. Those are computed on
the arrays (eagerly: their output shapes depend on the values)."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from ._reductions import return_type
from ._shape_ops import norm_dim
from ._tensor import Tensor, call, const_ints, wrap

_SORT = return_type("sort", "values indices")
_TOPK = return_type("topk", "values indices")
_KTH = return_type("kthvalue", "values indices")


def _sortable(x):
    return x.to("uint8") if x.dtype == np.bool_ else x


def sort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """Ascending (or descending) along dim; ties keep their order (a stable sort)."""
    x = wrap(input)
    if x.ndim == 0:
        return _SORT(x * 1 if x.dtype != np.bool_ else x, Tensor(np.zeros((), np.int64)))
    d = norm_dim(dim, x.ndim)
    values, indices = call(ops.topk, _sortable(x), const_ints([x.shape[d]]), axis=d,
                           largest=int(bool(descending)))
    if x.dtype == np.bool_:
        values = values.to(np.bool_)
    return _SORT(values, indices)


def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    return sort(input, dim, descending, stable).indices


def msort(input):
    return sort(input, 0).values


def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    x = wrap(input)
    d = norm_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    values, indices = call(ops.topk, _sortable(x), const_ints([k]), axis=d,
                           largest=int(bool(largest)))
    return _TOPK(values, indices)


def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False):
    """The k-th smallest element along dim (1-based), with its index."""
    x = wrap(input)
    d = norm_dim(dim, x.ndim)
    values, indices = topk(x, k, d, largest=False)
    values, indices = values.narrow(d, k - 1, 1), indices.narrow(d, k - 1, 1)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return _KTH(values, indices)


def unique(input, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim=None):
    a = np.asarray(wrap(input).array)
    if dim is None:
        values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(a.shape)
    else:
        values, inverse, counts = np.unique(a, return_inverse=True, return_counts=True,
                                            axis=norm_dim(dim, a.ndim))
        inverse = inverse.reshape(-1)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


def _unique_result(values, inverse, counts, return_inverse, return_counts):
    out = [Tensor(np.asarray(values))]
    if return_inverse:
        out.append(Tensor(np.asarray(inverse, np.int64)))
    if return_counts:
        out.append(Tensor(np.asarray(counts, np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False,
                       dim=None):
    a = np.asarray(wrap(input).array)
    flat = a.reshape(-1) if dim is None else np.moveaxis(a, norm_dim(dim, a.ndim), 0)
    if len(flat) == 0:
        return _unique_result(flat, np.zeros(a.shape, np.int64), np.zeros(0, np.int64),
                              return_inverse, return_counts)
    change = np.ones(len(flat), bool)
    change[1:] = np.any((flat[1:] != flat[:-1]).reshape(len(flat) - 1, -1), axis=1)
    starts = np.flatnonzero(change)
    values = flat[starts] if dim is None else np.moveaxis(flat[starts], 0, norm_dim(dim, a.ndim))
    inverse = np.cumsum(change) - 1
    counts = np.diff(np.append(starts, len(flat)))
    return _unique_result(values, inverse.reshape(a.shape) if dim is None else inverse, counts,
                          return_inverse, return_counts)


def nonzero(input, *, as_tuple: bool = False):
    a = np.asarray(wrap(input).array)
    if a.ndim == 0:
        a = a.reshape(1)
        found = np.nonzero(a)
        return (Tensor(found[0].astype(np.int64)),) if as_tuple else \
            Tensor(np.zeros((len(found[0]), 0), np.int64))
    found = np.nonzero(a)
    if as_tuple:
        return tuple(Tensor(f.astype(np.int64)) for f in found)
    return Tensor(np.stack(found, -1).astype(np.int64).reshape(-1, a.ndim))


def argwhere(input):
    return nonzero(input)


def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False,
                 side=None, sorter=None):
    seq = np.asarray(wrap(sorted_sequence).array)
    values = np.asarray(wrap(input).array)
    side = side or ("right" if right else "left")
    if seq.ndim == 1:
        found = np.searchsorted(seq, values, side=side)
    else:
        rows = [np.searchsorted(s, v, side=side) for s, v in zip(seq.reshape(-1, seq.shape[-1]),
                values.reshape(-1, values.shape[-1]))]
        found = np.stack(rows).reshape(values.shape)
    return Tensor(np.asarray(found, np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False):
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def bincount(input, weights=None, minlength: int = 0):
    a = np.asarray(wrap(input).array)
    w = None if weights is None else np.asarray(wrap(weights).array)
    counts = np.bincount(a, weights=w, minlength=minlength)
    if w is None:
        return Tensor(counts.astype(np.int64))
    return Tensor(counts.astype(w.dtype if w.dtype.kind == "f" else np.float64))
