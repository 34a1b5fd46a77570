"""Reductions with torch's dim/keepdim/dtype conventions: sum mean prod max min amax amin
argmax argmin all any var std norm logsumexp count_nonzero, and the scans cumsum cumprod
cummax cummin. Integer sums and products give int64; torch.max(x, dim) returns a
(values, indices) named tuple whose values carry the gradient to the chosen index only, while
torch.max(x) splits it among ties (as torch)."""

from __future__ import annotations

import builtins
import math
from collections import namedtuple

import numpy as np

from core_ir import ops

from . import _dtypes
from ._shape_ops import flatten, norm_dim, norm_dims, reshape, unsqueeze
from ._tensor import Tensor, as_operand, call, const_ints, wrap


def return_type(name: str, fields: str):
    """torch.return_types.<name>: a named tuple printed as torch prints it."""
    base = namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{k}={v!r}" for k, v in zip(self._fields, self))
        return f"torch.return_types.{name}(\n{body})"
    return type(name, (base,), {"__slots__": (), "__repr__": __repr__})


_MAX, _MIN = return_type("max", "values indices"), return_type("min", "values indices")
_CUMMAX, _CUMMIN = return_type("cummax", "values indices"), return_type("cummin", "values indices")
_MEDIAN = return_type("median", "values indices")


def _axes(input, dim):
    """Reduced axes as an int64 tensor input, or None for all (dim None or empty)."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    dims = norm_dims(dim, input.ndim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
    return const_ints(dims) if input.ndim else None


def _counted(input, dim) -> int:
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return input.numel()
    return math.prod(input.shape[d] for d in norm_dims(dim, input.ndim)) if input.ndim else 1


def _sum_input(input, dtype):
    x = wrap(input)
    if dtype is not None:
        return x.to(dtype)
    return x if x.dtype.kind == "f" else x.to(_dtypes.int64)


def sum(input, dim=None, keepdim: bool = False, *, dtype=None):
    x = _sum_input(input, dtype)
    return call(ops.reduce_sum, x, _axes(x, dim), keepdims=int(keepdim))


def nansum(input, dim=None, keepdim: bool = False, *, dtype=None):
    x = _sum_input(input, dtype)
    if x.dtype.kind == "f":
        x = call(ops.where, call(ops.is_nan, x), as_operand(0, x.dtype), x)
    return call(ops.reduce_sum, x, _axes(x, dim), keepdims=int(keepdim))


def _float_only(x, name: str, dtype=None):
    x = wrap(x)
    if dtype is not None:
        return x.to(dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either "
                           f"a floating point or complex dtype. Got: "
                           f"{_dtypes.legacy_name(x.dtype)}")
    return x


def mean(input, dim=None, keepdim: bool = False, *, dtype=None):
    x = _float_only(input, "mean", dtype)
    return call(ops.reduce_mean, x, _axes(x, dim), keepdims=int(keepdim))


def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None):
    x = _float_only(input, "nanmean", dtype)
    keep = call(ops.not_, call(ops.is_nan, x))
    total = nansum(x, dim, keepdim)
    return total / sum(keep, dim, keepdim).to(x.dtype)


def prod(input, dim=None, keepdim: bool = False, *, dtype=None):
    x = _sum_input(input, dtype)
    return call(ops.reduce_prod, x, _axes(x, dim), keepdims=int(keepdim))


def _extreme(op, arg_op, result, name):
    def fn(input, dim=None, keepdim: bool = False, *, out=None):
        if isinstance(dim, Tensor):  # torch.max(a, b): the elementwise maximum
            from ._math_ops import maximum, minimum
            return (maximum if name == "max" else minimum)(input, dim)
        x = wrap(input)
        if x.numel() == 0 and dim is None:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        if dim is None:
            return call(op, x, None, keepdims=0)
        d = norm_dim(dim, x.ndim)
        if x.ndim == 0:
            return result(x, Tensor(np.zeros((), np.int64)))
        idx = call(arg_op, x, axis=d, keepdims=1)
        values = call(ops.gather_elements, x, idx, axis=d)
        if not keepdim:
            squeeze_d = const_ints([d])
            values, idx = call(ops.squeeze, values, squeeze_d), call(ops.squeeze, idx, squeeze_d)
        return result(values, idx)
    fn.__name__ = name
    return fn


max = _extreme(ops.reduce_max, ops.arg_max, _MAX, "max")
min = _extreme(ops.reduce_min, ops.arg_min, _MIN, "min")


def amax(input, dim=(), keepdim: bool = False):
    x = wrap(input)
    return call(ops.reduce_max, x, _axes(x, dim), keepdims=int(keepdim))


def amin(input, dim=(), keepdim: bool = False):
    x = wrap(input)
    return call(ops.reduce_min, x, _axes(x, dim), keepdims=int(keepdim))


def aminmax(input, *, dim=None, keepdim: bool = False):
    return return_type("aminmax", "min max")(amin(input, () if dim is None else dim, keepdim),
                                             amax(input, () if dim is None else dim, keepdim))


def _arg(op):
    def fn(input, dim=None, keepdim: bool = False):
        x = wrap(input)
        if x.dtype == _dtypes.bool:
            x = x.to(_dtypes.uint8)
        if dim is None:
            idx = call(op, flatten(x), axis=0, keepdims=0)
            return reshape(idx, *([1] * x.ndim)) if keepdim else idx
        if x.ndim == 0:
            norm_dim(dim, 0)
            return Tensor(np.zeros((), np.int64))
        return call(op, x, axis=norm_dim(dim, x.ndim), keepdims=int(keepdim))
    return fn


argmax, argmin = _arg(ops.arg_max), _arg(ops.arg_min)


def _truth(input):
    x = wrap(input)
    if x.dtype == _dtypes.bool:
        return x
    return call(ops.not_, call(ops.equal, x, as_operand(0, x.dtype)))


def all(input, dim=None, keepdim: bool = False):
    x = _truth(input)
    if x.numel() == 0:
        return _empty_truth(x, dim, keepdim, True)
    return call(ops.reduce_min, x, _axes(x, dim), keepdims=int(keepdim))


def any(input, dim=None, keepdim: bool = False):
    x = _truth(input)
    if x.numel() == 0:
        return _empty_truth(x, dim, keepdim, False)
    return call(ops.reduce_max, x, _axes(x, dim), keepdims=int(keepdim))


def _empty_truth(x, dim, keepdim, value: bool):
    return Tensor(np.full(np.sum(np.zeros(tuple(x.shape)), axis=None if dim is None else tuple(
        norm_dims(dim, x.ndim)), keepdims=keepdim).shape, value))


def count_nonzero(input, dim=None):
    return sum(_truth(input), dim)


# -- moments --------------------------------------------------------------------------------------


def _correction(dim, unbiased, correction):
    if isinstance(dim, bool):  # var(x, False): the legacy `unbiased` positional
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction


def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """sum((x - mean)^2) / (N - correction); correction 1 (Bessel) unless told otherwise."""
    dim, correction = _correction(dim, unbiased, correction)
    x = _float_only(input, "var")
    axes = _axes(x, dim)
    centered = x - call(ops.reduce_mean, x, axes, keepdims=1)
    total = call(ops.reduce_sum, centered * centered, axes, keepdims=int(keepdim))
    return total / builtins.max(_counted(x, dim) - correction, 0)


def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return call(ops.sqrt, var(input, dim, unbiased, keepdim, correction=correction))


def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return (var(input, dim, unbiased, keepdim, correction=correction),
            mean(input, _correction(dim, unbiased, correction)[0], keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return (std(input, dim, unbiased, keepdim, correction=correction),
            mean(input, _correction(dim, unbiased, correction)[0], keepdim))


def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None):
    """Vector p-norms (p = 'fro'/2, 1, inf, -inf, 0 or any number) over dim (all by default)."""
    x = _float_only(input, "linalg.vector_norm", dtype)
    axes, keep = _axes(x, dim), int(keepdim)
    if p == "nuc":
        raise RuntimeError("norm(): the nuclear norm needs a singular value decomposition, "
                           "which duet's IR does not have")
    if p in ("fro", 2, 2.0):
        return call(ops.reduce_l2, x, axes, keepdims=keep)
    if p in (1, 1.0):
        return call(ops.reduce_l1, x, axes, keepdims=keep)
    if p == math.inf:
        return call(ops.reduce_max, call(ops.abs_, x), axes, keepdims=keep)
    if p == -math.inf:
        return call(ops.reduce_min, call(ops.abs_, x), axes, keepdims=keep)
    if p == 0:  # the count of nonzeros, kept in the graph (its gradient is zero, as torch's)
        ones = call(ops.where, _truth(x), as_operand(1, x.dtype), x * 0)
        return call(ops.reduce_sum, ones, axes, keepdims=keep)
    powered = call(ops.reduce_sum, call(ops.abs_, x) ** p, axes, keepdims=keep)
    return powered ** (1.0 / p)


def logsumexp(input, dim, keepdim: bool = False):
    from ._math_ops import _float
    x = _float(input)
    return call(ops.reduce_log_sum_exp, x, _axes(x, dim), keepdims=int(keepdim))


# -- scans ----------------------------------------------------------------------------------------


def cumsum(input, dim: int, *, dtype=None):
    x = _sum_input(input, dtype)
    return call(ops.cumsum, x, const_ints([norm_dim(dim, x.ndim)]))


def cumprod(input, dim: int, *, dtype=None):
    """out_i = prod_{j <= i} x_j as one masked ReduceProd over an (n, n) broadcast, which keeps
    the exact gradient (zeros included) of ReduceProd's rule."""
    x = _sum_input(input, dtype)
    if x.ndim == 0:
        return x * 1
    d = norm_dim(dim, x.ndim)
    n = x.shape[d]
    moved = x.movedim(d, -1)
    rows = unsqueeze(moved, -2)  # (..., 1, n) -> (..., n, n) under the mask
    mask = Tensor(np.tril(np.ones((n, n), bool)))
    picked = call(ops.where, mask, rows, as_operand(1, x.dtype))
    out = call(ops.reduce_prod, picked, const_ints([-1]), keepdims=0)
    return out.movedim(-1, d)


def _cum_extreme(input, dim: int, pick, result):
    x = wrap(input)
    d = norm_dim(dim, x.ndim)
    if x.ndim == 0:
        return result(x * 1, Tensor(np.zeros((), np.int64)))
    a = np.asarray(x.array)
    running = pick.accumulate(a, axis=d)
    shape = [1] * a.ndim
    shape[d] = -1
    positions = np.broadcast_to(np.arange(a.shape[d]).reshape(shape), a.shape)
    idx = np.maximum.accumulate(np.where(a == running, positions, 0), axis=d).astype(np.int64)
    return result(call(ops.gather_elements, x, Tensor(idx), axis=d), Tensor(idx))


def cummax(input, dim: int):
    return _cum_extreme(input, dim, np.maximum, _CUMMAX)


def cummin(input, dim: int):
    return _cum_extreme(input, dim, np.minimum, _CUMMIN)


def median(input, dim=None, keepdim: bool = False):
    """The lower median (torch's); with dim, a (values, indices) named tuple."""
    x = wrap(input)
    if dim is None:
        flat = flatten(x)
        k = (flat.shape[0] - 1) // 2
        values, _ = call(ops.topk, flat, const_ints([k + 1]), axis=0, largest=0)
        return values[k]
    d = norm_dim(dim, x.ndim)
    k = (x.shape[d] - 1) // 2
    _, order = call(ops.topk, x, const_ints([k + 1]), axis=d, largest=0)
    idx = order.narrow(d, k, 1)
    values = call(ops.gather_elements, x, idx, axis=d)
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return _MEDIAN(values, idx)
