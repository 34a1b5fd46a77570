"""Reductions (ONNX: `axes` is an optional int64 input; keepdims and noop_with_empty_axes attrs)."""

from __future__ import annotations

from .. import dtypes
from ..interpreters import TypeSpec
from ..op import Attr, defop
from ..shape_rules import check_dtype, normalize_axis, numel, require_known

REDUCE_ATTRS = {"keepdims": Attr("int", 1, (0, 1)), "noop_with_empty_axes": Attr("int", 0, (0, 1))}


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


def reduce_infer(allowed=dtypes.NUMERIC):
    def rule(x, axes=None, keepdims=1, noop_with_empty_axes=0):
        check_dtype(x, allowed)
        ax = reduced_axes(x, axes, noop_with_empty_axes)
        return TypeSpec(x.dtype, reduced_shape(x.shape, ax, keepdims))

    return rule


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


reduce_sum = defop("ReduceSum", infer=reduce_infer(), vjp=_sum_vjp, attrs=REDUCE_ATTRS)
reduce_mean = defop("ReduceMean", infer=reduce_infer(), vjp=_mean_vjp, attrs=REDUCE_ATTRS)
reduce_max = defop("ReduceMax", infer=reduce_infer(), vjp=_extremum_vjp, attrs=REDUCE_ATTRS)
reduce_min = defop("ReduceMin", infer=reduce_infer(), vjp=_extremum_vjp, attrs=REDUCE_ATTRS)

__all__ = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduced_axes",
           "reduced_shape", "restore_reduced", "reduction_count", "REDUCE_ATTRS", "reduce_infer"]

from .elementwise import cast, equal  # noqa: E402
from .helpers import const_ints, const_like, shape_tensor  # noqa: E402
from .shape import expand, size, unsqueeze  # noqa: E402
