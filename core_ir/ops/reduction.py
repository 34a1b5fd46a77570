"""Reductions (ONNX: `axes` is an optional int64 input; keepdims and noop_with_empty_axes attrs),
plus the ops that reduce or scan along one axis: ArgMax/ArgMin, CumSum and TopK.

ReduceL1/L2/SumSquare/LogSum/LogSumExp are composites. With noop_with_empty_axes and empty axes
they apply their elementwise part and skip the sum (|x|, x*x, ...), as their ONNX function
bodies and onnx.reference do.
"""

from __future__ import annotations

from .. import dtypes
from ..errors import ShapeError, fmt_shape
from ..interpreters import TypeSpec
from ..op import DECOMPOSE, PRIVATE_DOMAIN, Attr, defop
from ..shape_rules import (check_dtype, dtype_checked, known_ints, normalize_axis, numel,
                           require_known)

REDUCE_ATTRS = {"keepdims": Attr("int", 1, (0, 1)), "noop_with_empty_axes": Attr("int", 0, (0, 1))}
NUM = dtypes.NUMERIC


def numeric_first(rule):
    """Tag a rule whose first input is numeric and whose others (axes, K, indices) are ints."""
    return dtype_checked(rule, NUM, homogeneous=False)


def reduced_axes(x, axes, noop_with_empty_axes=0) -> tuple:
    """The normalized, sorted axes a Reduce* op reduces over (all of them when axes is empty)."""
    ax = () if axes is None else require_known(axes, "reduction axes")
    if not ax:
        return () if noop_with_empty_axes else tuple(range(x.ndim))
    return tuple(sorted({normalize_axis(a, x.ndim, x.shape) for a in ax}))


def reduced_shape(shape: tuple, axes: tuple, keepdims: int) -> tuple:
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def reduce_infer(allowed=NUM):
    def rule(x, axes=None, keepdims=1, noop_with_empty_axes=0):
        check_dtype(x, allowed)
        ax = reduced_axes(x, axes, noop_with_empty_axes)
        return TypeSpec(x.dtype, reduced_shape(x.shape, ax, keepdims))

    return dtype_checked(rule, allowed, homogeneous=False)


def restore_reduced(g, x, axes, keepdims, noop_with_empty_axes):
    """Bring a reduction's cotangent back to x's shape (re-insert axes, then broadcast)."""
    ax = reduced_axes(x, axes, noop_with_empty_axes)
    if not keepdims and ax:
        g = unsqueeze(g, const_ints(ax))
    return expand(g, shape_tensor(x))


def reduction_count(x, out):
    """How many elements each output of a reduction summarizes, as a scalar of x's dtype."""
    n_in, n_out = numel(x.shape), numel(out.shape)
    if n_in is not None and n_out is not None:
        return const_like(n_in // max(n_out, 1), x)
    return cast(size(x), to=x.dtype) / cast(size(out), to=x.dtype)


def _sum_vjp(g, out, x, axes=None, keepdims=1, noop_with_empty_axes=0):
    return restore_reduced(g, x, axes, keepdims, noop_with_empty_axes), None


def _mean_vjp(g, out, x, axes=None, keepdims=1, noop_with_empty_axes=0):
    g = restore_reduced(g, x, axes, keepdims, noop_with_empty_axes)
    return g / reduction_count(x, out), None


def _extremum_vjp(g, out, x, axes=None, keepdims=1, noop_with_empty_axes=0):
    """ReduceMax/Min: as torch.amax, the gradient is split evenly among tied extrema."""
    full = restore_reduced(out, x, axes, keepdims, noop_with_empty_axes)
    mask = cast(equal(x, full), to=x.dtype)
    count = reduce_sum(mask, axes, keepdims=1, noop_with_empty_axes=noop_with_empty_axes)
    g = restore_reduced(g, x, axes, keepdims, noop_with_empty_axes)
    return g * mask / count, None


def _prod_vjp(g, out, x, axes=None, keepdims=1, noop_with_empty_axes=0):
    """d prod / d x_i is the product of the other elements. It is built from the product of the
    nonzero elements, because out / x is nan at a zero. NOTE: the second derivative through an
    exact zero is not exact (the zero count is piecewise constant); elsewhere it is."""
    keep = {"keepdims": 1, "noop_with_empty_axes": noop_with_empty_axes}
    zero, one = const_like(0, x), const_like(1, x)
    is_zero = equal(x, zero)
    nonzero = where(is_zero, one, x)
    prod_nonzero = reduce_prod(nonzero, axes, **keep)
    n_zeros = reduce_sum(cast(is_zero, to=x.dtype), axes, **keep)
    others = where(is_zero, where(equal(n_zeros, one), prod_nonzero, zero),
                   where(equal(n_zeros, zero), prod_nonzero / nonzero, zero))
    return restore_reduced(g, x, axes, keepdims, noop_with_empty_axes) * others, None


def _l1_decompose(x, axes=None, keepdims=1, noop_with_empty_axes=0):
    return reduce_sum(abs_(x), axes, keepdims=keepdims, noop_with_empty_axes=noop_with_empty_axes)


def _sum_square_decompose(x, axes=None, keepdims=1, noop_with_empty_axes=0):
    return reduce_sum(x * x, axes, keepdims=keepdims, noop_with_empty_axes=noop_with_empty_axes)


def _l2_decompose(x, axes=None, keepdims=1, noop_with_empty_axes=0):
    return sqrt(_sum_square_decompose(x, axes, keepdims, noop_with_empty_axes))


def _l2_vjp(g, out, x, axes=None, keepdims=1, noop_with_empty_axes=0):
    """x / ||x||, with 0 where the norm is 0 (as torch.linalg.vector_norm). Through the
    decomposition it would be 0/0 there, and 0 for large x whose squares overflow."""
    norm = restore_reduced(out, x, axes, keepdims, noop_with_empty_axes)
    zero = const_like(0, x)
    safe = where(equal(norm, zero), const_like(1, x), norm)
    return restore_reduced(g, x, axes, keepdims, noop_with_empty_axes) * x / safe, None


def _log_sum_decompose(x, axes=None, keepdims=1, noop_with_empty_axes=0):
    return log(reduce_sum(x, axes, keepdims=keepdims, noop_with_empty_axes=noop_with_empty_axes))


def _log_sum_exp_decompose(x, axes=None, keepdims=1, noop_with_empty_axes=0):
    """max-shifted; a non-finite max (an all -inf or empty set) shifts by 0 instead of nan."""
    noop = {"noop_with_empty_axes": noop_with_empty_axes}
    m = reduce_max(x, axes, keepdims=1, **noop)
    m = where(is_inf(m), zeros_like(m), m)
    total = reduce_sum(exp(x - m), axes, keepdims=keepdims, **noop)
    ax = reduced_axes(x, axes, noop_with_empty_axes)
    return log(total) + (squeeze(m, const_ints(ax)) if ax and not keepdims else m)


def _log_sum_exp_vjp(g, out, x, axes=None, keepdims=1, noop_with_empty_axes=0):
    """softmax(x) * g, from the saved output: differentiating the decomposition would redo the
    exp and send canceling terms through the max shift."""
    full = restore_reduced(out, x, axes, keepdims, noop_with_empty_axes)
    return restore_reduced(g, x, axes, keepdims, noop_with_empty_axes) * exp(x - full), None


MAX_MIN_TYPES = NUM | {dtypes.bool_}  # ONNX compares bools as False < True

reduce_sum = defop("ReduceSum", infer=reduce_infer(), vjp=_sum_vjp, attrs=REDUCE_ATTRS)
reduce_mean = defop("ReduceMean", infer=reduce_infer(), vjp=_mean_vjp, attrs=REDUCE_ATTRS)
reduce_max = defop("ReduceMax", infer=reduce_infer(MAX_MIN_TYPES), vjp=_extremum_vjp,
                   attrs=REDUCE_ATTRS)
reduce_min = defop("ReduceMin", infer=reduce_infer(MAX_MIN_TYPES), vjp=_extremum_vjp,
                   attrs=REDUCE_ATTRS)
reduce_prod = defop("ReduceProd", infer=reduce_infer(), vjp=_prod_vjp, attrs=REDUCE_ATTRS)
reduce_l1 = defop("ReduceL1", infer=reduce_infer(), vjp=DECOMPOSE, attrs=REDUCE_ATTRS,
                  decompose=_l1_decompose)
reduce_sum_square = defop("ReduceSumSquare", infer=reduce_infer(), vjp=DECOMPOSE,
                          attrs=REDUCE_ATTRS, decompose=_sum_square_decompose)
reduce_l2 = defop("ReduceL2", infer=reduce_infer(), vjp=_l2_vjp, attrs=REDUCE_ATTRS,
                  decompose=_l2_decompose)
reduce_log_sum = defop("ReduceLogSum", infer=reduce_infer(dtypes.FLOATS), vjp=DECOMPOSE,
                       attrs=REDUCE_ATTRS, decompose=_log_sum_decompose)
reduce_log_sum_exp = defop("ReduceLogSumExp", infer=reduce_infer(dtypes.FLOATS),
                           vjp=_log_sum_exp_vjp, attrs=REDUCE_ATTRS,
                           decompose=_log_sum_exp_decompose)

# -- ArgMax / ArgMin ------------------------------------------------------------------------------
ARG_ATTRS = {"axis": Attr("int", 0), "keepdims": Attr("int", 1, (0, 1)),
             "select_last_index": Attr("int", 0, (0, 1))}


@numeric_first
def _arg_infer(x, axis=0, keepdims=1, select_last_index=0):
    check_dtype(x, NUM)
    ax = normalize_axis(axis, x.ndim, x.shape)
    if x.shape[ax] == 0:
        raise ShapeError(f"cannot take the arg-extremum over axis {axis} of size 0 in shape "
                         f"{fmt_shape(x.shape)}")
    return TypeSpec(dtypes.int64, reduced_shape(x.shape, (ax,), keepdims))


arg_max = defop("ArgMax", infer=_arg_infer, attrs=ARG_ATTRS, vjp=None)  # integer indices
arg_min = defop("ArgMin", infer=_arg_infer, attrs=ARG_ATTRS, vjp=None)

# -- CumSum ---------------------------------------------------------------------------------------


@numeric_first
def _cumsum_infer(x, axis, exclusive=0, reverse=0):
    check_dtype(x, NUM)
    check_dtype(axis, {dtypes.int32, dtypes.int64}, "axis")
    k = known_ints(axis)  # the output shape does not depend on it: check it only when known
    if k is not None:
        if len(k) != 1:
            raise ShapeError(f"CumSum's axis must hold one value, got {list(k)}")
        normalize_axis(k[0], x.ndim, x.shape)
    return TypeSpec(x.dtype, x.shape)


def _cumsum_vjp(g, out, x, axis, exclusive=0, reverse=0):
    """Each input reaches the outputs after it (before it when reversed): scan g the other way."""
    return cumsum(g, axis, exclusive=exclusive, reverse=1 - reverse)


cumsum = defop("CumSum", infer=_cumsum_infer, vjp=(_cumsum_vjp, None),
               attrs={"exclusive": Attr("int", 0, (0, 1)), "reverse": Attr("int", 0, (0, 1))})

# -- TopK -----------------------------------------------------------------------------------------


@numeric_first
def _topk_infer(x, k, axis=-1, largest=1, sorted=1):
    check_dtype(x, NUM)
    check_dtype(k, {dtypes.int64}, "K")
    ax = normalize_axis(axis, x.ndim, x.shape)
    kk = known_ints(k)
    if kk is not None and len(kk) != 1:
        raise ShapeError(f"TopK's K must hold one value, got {list(kk)}")
    n = kk[0] if kk is not None else None  # unknown K: an unknown dim, not an error
    if isinstance(n, int) and (n < 0 or isinstance(x.shape[ax], int) and n > x.shape[ax]):
        raise ShapeError(f"TopK's k={n} is out of range for axis {axis} of shape "
                         f"{fmt_shape(x.shape)}")
    shape = x.shape[:ax] + (n,) + x.shape[ax + 1:]
    return TypeSpec(x.dtype, shape), TypeSpec(dtypes.int64, shape)


def _topk_vjp(g, out, x, k, axis=-1, largest=1, sorted=1):
    """The values are picked out of x: their cotangent goes back to the places they came from."""
    g_values = g[0]
    if g_values is None:
        return None, None
    return scatter_add_along_axis(g_values, out[1], shape_tensor(x), axis=axis), None


topk = defop("TopK", infer=_topk_infer, vjp=_topk_vjp, num_outputs=2,
             attrs={"axis": Attr("int", -1), "largest": Attr("int", 1, (0, 1)),
                    "sorted": Attr("int", 1, (0, 1))})

# -- private: gather and scatter-add along one axis (TopK's gradient and its own gradient) -------


@numeric_first
def _gather_axis_infer(data, indices, axis=0):
    check_dtype(indices, {dtypes.int64}, "indices")
    ax = normalize_axis(axis, data.ndim, data.shape)
    if indices.ndim != data.ndim:
        raise ShapeError(f"indices of shape {fmt_shape(indices.shape)} must have the rank of "
                         f"data of shape {fmt_shape(data.shape)} (axis {ax})")
    return TypeSpec(data.dtype, indices.shape)


@numeric_first
def _scatter_axis_infer(updates, indices, shape_, axis=0):
    check_dtype(indices, {dtypes.int64}, "indices")
    dims = require_known(shape_, "the scatter target shape")
    normalize_axis(axis, len(dims), dims)
    if not _same_dims(indices.shape, updates.shape) or len(dims) != updates.ndim:
        raise ShapeError(f"updates {fmt_shape(updates.shape)} and indices "
                         f"{fmt_shape(indices.shape)} must have one shape, of the rank of the "
                         f"target {fmt_shape(dims)}")
    return TypeSpec(updates.dtype, tuple(dims))


def _same_dims(a: tuple, b: tuple) -> bool:
    """Equal shapes, where a symbolic or unknown dim matches anything."""
    return len(a) == len(b) and all(x == y or not isinstance(x, int) or not isinstance(y, int)
                                    for x, y in zip(a, b))


# out[..., indices[..., j, ...], ...] = data gathered / updates added, along `axis`
gather_along_axis = defop(
    "GatherAlongAxis", domain=PRIVATE_DOMAIN, infer=_gather_axis_infer,
    attrs={"axis": Attr("int", 0)},
    vjp=(lambda g, o, data, idx, axis: scatter_add_along_axis(g, idx, shape_tensor(data),
                                                              axis=axis), None))
scatter_add_along_axis = defop(
    "ScatterAddAlongAxis", domain=PRIVATE_DOMAIN, infer=_scatter_axis_infer,
    attrs={"axis": Attr("int", 0)},
    vjp=(lambda g, o, upd, idx, shape_, axis: gather_along_axis(g, idx, axis=axis), None, None))

__all__ = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_l1",
           "reduce_sum_square", "reduce_l2", "reduce_log_sum", "reduce_log_sum_exp", "arg_max",
           "arg_min", "cumsum", "topk", "gather_along_axis", "scatter_add_along_axis",
           "reduced_axes", "reduced_shape", "restore_reduced", "reduction_count", "REDUCE_ATTRS",
           "reduce_infer", "numeric_first"]

from .elementwise import abs_, cast, equal, exp, is_inf, log, sqrt, where  # noqa: E402
from .helpers import const_ints, const_like, shape_tensor, zeros_like  # noqa: E402
from .shape import expand, size, squeeze, unsqueeze  # noqa: E402
