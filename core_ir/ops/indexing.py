"""Indexing ops: gathers, scatters, OneHot, Trilu and the generators ConstantOfShape and Range
(ONNX semantics: negative indices count from the end; scatter reductions none/add/mul/max/min).

The gradient kernels ONNX lacks are private ops (GatherGrad, GatherNDGrad: a scatter-add into
zeros of the data's shape); each is differentiated by the gather it reverses. GatherElements needs
no private op: its gradient is ScatterElements with reduction="add".
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes
from ..errors import IndexOutOfRange, OpAttributeError, ShapeError, fmt_shape
from ..interpreters import TypeSpec, constant
from ..op import PRIVATE_DOMAIN, Attr, defop
from ..shape_rules import check_dtype, known_ints, normalize_axis, require_known, same_dtypes

INDEX_TYPES = frozenset({dtypes.int32, dtypes.int64})
REDUCTION = Attr("str", "none", ("none", "add", "mul", "max", "min"))


def _shapes(**named) -> str:
    return ", ".join(f"{k} shape {fmt_shape(v.shape)}" for k, v in named.items())


def _fits(a, b) -> bool:
    """Two dims that may be equal: only two different static sizes are known to differ."""
    return a == b or not (isinstance(a, int) and isinstance(b, int))


def _check_range(indices, size, axis: int, data, column: int = 0, columns: int = 1) -> None:
    """Index values are checked where they are known: constants while tracing, and the data when
    an eager kernel failed (so the error names the bad index rather than a numpy IndexError).
    `column`/`columns` select one component of ND index tuples."""
    k = known_ints(indices) if isinstance(size, int) else None
    bad = [i for i in (k or ())[column::columns] if isinstance(i, int) and not -size <= i < size]
    if bad:
        raise IndexOutOfRange(f"index {bad[0]} is out of bounds for axis {axis} with size {size} "
                              f"({_shapes(data=data, indices=indices)})")


def _check_nd_range(data, indices, batch_dims: int, k: int) -> None:
    for j in range(k):
        _check_range(indices, data.shape[batch_dims + j], batch_dims + j, data, j, k)


def _grad_target_infer(g, shape, *rest, **attrs) -> TypeSpec:
    """The private *Grad ops return zeros of the forward data's shape with g added in."""
    return TypeSpec(g.dtype, require_known(shape, "the gradient's target shape"))


# -- Gather ---------------------------------------------------------------------------------------


def _gather_infer(data, indices, axis=0):
    check_dtype(indices, INDEX_TYPES, "indices")
    a = normalize_axis(axis, data.ndim, data.shape)
    _check_range(indices, data.shape[a], a, data)
    shape = data.shape[:a] + indices.shape + data.shape[a + 1:]
    return TypeSpec(data.dtype, shape, known=_gather_known(data, indices))


def _gather_known(data, indices):
    """Gather from a known shape vector stays known (Shape -> Gather -> Concat -> Reshape)."""
    if data.ndim != 1 or indices.ndim > 1 or data.dtype != dtypes.int64:
        return None
    d, i = known_ints(data), known_ints(indices)
    return None if d is None or i is None else tuple(d[j] for j in i)


gather = defop("Gather", infer=_gather_infer, attrs={"axis": Attr("int", 0)},
               vjp=(lambda g, o, d, i, axis: gather_grad(g, shape_tensor(d), i, axis=axis), None))
gather_grad = defop("GatherGrad", domain=PRIVATE_DOMAIN, infer=_grad_target_infer,
                    attrs={"axis": Attr("int", 0)},
                    vjp=(lambda gg, o, g, s, i, axis: gather(gg, i, axis=axis), None, None))

# -- GatherElements -------------------------------------------------------------------------------


def _gather_elements_infer(data, indices, axis=0):
    check_dtype(indices, INDEX_TYPES, "indices")
    if indices.ndim != data.ndim:
        raise ShapeError(f"indices must have the rank of data "
                         f"({_shapes(data=data, indices=indices)})")
    a = normalize_axis(axis, data.ndim, data.shape)
    _check_range(indices, data.shape[a], a, data)
    return TypeSpec(data.dtype, indices.shape)


def _gather_elements_vjp(g, out, data, indices, axis=0):
    return scatter_elements(zeros_like(data), indices, g, axis=axis, reduction="add"), None


gather_elements = defop("GatherElements", infer=_gather_elements_infer,
                        attrs={"axis": Attr("int", 0)}, vjp=_gather_elements_vjp)

# -- GatherND -------------------------------------------------------------------------------------


def _nd_depth(data, indices, batch_dims: int) -> int:
    """k = indices.shape[-1], the number of leading data axes (after the batch) an index names."""
    both = _shapes(data=data, indices=indices)
    if not 0 <= batch_dims < min(data.ndim, indices.ndim):
        raise ShapeError(f"batch_dims {batch_dims} must be below the rank of data and indices "
                         f"({both})")
    k = indices.shape[-1]
    if not isinstance(k, int) or not 1 <= k <= data.ndim - batch_dims:
        raise ShapeError(f"the last dim of indices must be static and in [1, "
                         f"{data.ndim - batch_dims}] ({both})")
    if not all(_fits(a, b) for a, b in zip(data.shape[:batch_dims], indices.shape)):
        raise ShapeError(f"the first {batch_dims} (batch) dims of data and indices differ ({both})")
    return k


def _gather_nd_infer(data, indices, batch_dims=0):
    check_dtype(indices, INDEX_TYPES, "indices")
    k = _nd_depth(data, indices, batch_dims)
    _check_nd_range(data, indices, batch_dims, k)
    return TypeSpec(data.dtype, indices.shape[:-1] + data.shape[batch_dims + k:])


gather_nd = defop("GatherND", infer=_gather_nd_infer, attrs={"batch_dims": Attr("int", 0)},
                  vjp=(lambda g, o, d, i, batch_dims:
                       gather_nd_grad(g, shape_tensor(d), i, batch_dims=batch_dims), None))
gather_nd_grad = defop("GatherNDGrad", domain=PRIVATE_DOMAIN, infer=_grad_target_infer,
                       attrs={"batch_dims": Attr("int", 0)},
                       vjp=(lambda gg, o, g, s, i, batch_dims: gather_nd(gg, i,
                                                                         batch_dims=batch_dims),
                            None, None))

# -- ScatterElements / ScatterND ------------------------------------------------------------------


def _scatter_elements_infer(data, indices, updates, axis=0, reduction="none"):
    check_dtype(indices, INDEX_TYPES, "indices")
    same_dtypes(data, updates)
    both = _shapes(data=data, indices=indices, updates=updates)
    if not data.ndim == indices.ndim == updates.ndim:
        raise ShapeError(f"data, indices and updates must have one rank ({both})")
    if not all(_fits(a, b) for a, b in zip(indices.shape, updates.shape)):
        raise ShapeError(f"indices and updates must have one shape ({both})")
    a = normalize_axis(axis, data.ndim, data.shape)
    _check_range(indices, data.shape[a], a, data)
    return TypeSpec(data.dtype, data.shape)


def _scatter_nd_infer(data, indices, updates, reduction="none"):
    check_dtype(indices, INDEX_TYPES, "indices")
    same_dtypes(data, updates)
    k = indices.shape[-1] if indices.ndim else None
    if not isinstance(k, int) or not 1 <= k <= data.ndim:
        raise ShapeError(f"the last dim of indices must be static and in [1, {data.ndim}] "
                         f"({_shapes(data=data, indices=indices)})")
    want = indices.shape[:-1] + data.shape[k:]
    if len(want) != updates.ndim or not all(_fits(a, b) for a, b in zip(want, updates.shape)):
        both = _shapes(data=data, indices=indices, updates=updates)
        raise ShapeError(f"updates must have shape indices.shape[:-1] + data.shape[{k}:] = "
                         f"{fmt_shape(want)} ({both})")
    _check_nd_range(data, indices, 0, k)
    return TypeSpec(data.dtype, data.shape)


def _scatter_vjp(gather_op, scatter_op):
    """The VJP of a scatter, given the gather that reads the positions it writes."""

    def rule(g, out, data, indices, updates, reduction="none", **axis):
        def take(t):
            return gather_op(t, indices, **axis)

        def put(base, values, how):
            return scatter_op(base, indices, values, reduction=how, **axis)

        if reduction == "none":  # overwritten entries of data get no gradient
            return put(g, zeros_like(updates), "none"), None, take(g)
        if reduction == "add":
            return g, None, take(g)
        if reduction == "mul":
            # NOTE: d out / d update = out / update: exact unless an update is exactly zero.
            return g * put(ones_like(data), updates, "mul"), None, take(g * out) / updates
        # max/min: as Max/Min, the gradient goes to the entries equal to the result, split
        # evenly among ties (data's entry and any number of updates).
        hit_data = cast(equal(data, out), to=g.dtype)
        hit_updates = cast(equal(updates, take(out)), to=g.dtype)
        share = g / put(hit_data, hit_updates, "add")
        return share * hit_data, None, take(share) * hit_updates

    return rule


scatter_elements = defop("ScatterElements", infer=_scatter_elements_infer,
                         attrs={"axis": Attr("int", 0), "reduction": REDUCTION},
                         vjp=_scatter_vjp(lambda t, i, axis: gather_elements(t, i, axis=axis),
                                          lambda *a, **k: scatter_elements(*a, **k)))
scatter_nd = defop("ScatterND", infer=_scatter_nd_infer, attrs={"reduction": REDUCTION},
                   vjp=_scatter_vjp(lambda t, i: gather_nd(t, i),
                                    lambda *a, **k: scatter_nd(*a, **k)))

# -- OneHot ---------------------------------------------------------------------------------------


def _one_hot_infer(indices, depth, values, axis=-1):
    check_dtype(indices, dtypes.NUMERIC, "indices")
    if values.ndim != 1 or not _fits(values.shape[0], 2):
        raise ShapeError(f"values must be [off_value, on_value], got shape "
                         f"{fmt_shape(values.shape)}")
    k = known_ints(depth)
    a = normalize_axis(axis, indices.ndim + 1, indices.shape)
    shape = indices.shape[:a] + (None if k is None else k[0],) + indices.shape[a:]
    return TypeSpec(values.dtype, shape)


def _one_hot_dvalues(g, out, indices, depth, values, axis=-1):
    """out = off + (on - off) * hot, so d off = sum(g) - d on and d on = sum(g * hot)."""
    hot = one_hot(indices, depth, constant(np.array([0, 1], g.dtype)), axis=axis)
    on = reduce_sum(g * hot, None, keepdims=0)
    off = reduce_sum(g, None, keepdims=0) - on
    return concat(reshape(off, const_ints([1])), reshape(on, const_ints([1])), axis=0)


one_hot = defop("OneHot", infer=_one_hot_infer, attrs={"axis": Attr("int", -1)},
                vjp=(None, None, _one_hot_dvalues))

# -- Trilu ----------------------------------------------------------------------------------------


def _trilu_infer(x, k=None, upper=1):
    if x.ndim < 2:
        raise ShapeError(f"needs an input of rank >= 2, got shape {fmt_shape(x.shape)}")
    return TypeSpec(x.dtype, x.shape)


# The mask is fixed, so the op is its own transpose.
trilu = defop("Trilu", infer=_trilu_infer, attrs={"upper": Attr("int", 1, (0, 1))},
              vjp=(lambda g, o, x, k=None, upper=1: trilu(g, k, upper=upper), None))

# -- ConstantOfShape / Range (not differentiable: no float data input) ----------------------------


def constant_of_shape_value(value) -> np.ndarray:
    """The fill value as a 1-element array (ONNX's default: float32 zero)."""
    v = np.zeros(1, dtypes.float32) if value is None else np.asarray(value)
    if v.size != 1:
        raise OpAttributeError(f"ConstantOfShape attribute 'value' must have one element, got "
                               f"shape {v.shape}")
    return v.reshape(1)


def _constant_of_shape_infer(shape, value=None):
    k = known_ints(shape)
    n = shape.shape[0] if shape.ndim == 1 else None
    if k is None and not isinstance(n, int):
        raise ShapeError(f"the length of the shape input must be static, got shape "
                         f"{fmt_shape(shape.shape)}")
    dims = k if k is not None else (None,) * n
    return TypeSpec(constant_of_shape_value(value).dtype, tuple(dims))


constant_of_shape = defop("ConstantOfShape", infer=_constant_of_shape_infer, vjp=None,
                          attrs={"value": Attr("any", None)})


def range_length(start, limit, delta) -> int:
    """max(ceil((limit - start) / delta), 0), exactly for ints."""
    if all(isinstance(v, (int, np.integer)) for v in (start, limit, delta)):
        return max(-((int(start) - int(limit)) // int(delta)), 0)
    return max(math.ceil((limit - start) / delta), 0)


def _known_scalar(t):
    k = t.known
    if k is None:
        return None
    return k[0] if isinstance(k, tuple) else np.asarray(k).reshape(-1)[0].item()


def _range_infer(start, limit, delta, stash_type=1):
    check_dtype(start, dtypes.NUMERIC, "start")
    same_dtypes(start, limit, delta)
    values = [_known_scalar(t) for t in (start, limit, delta)]
    if any(v is None or isinstance(v, str) for v in values):
        return TypeSpec(start.dtype, (None,))  # the length is data-dependent
    n = range_length(*values)
    small_ints = start.dtype in dtypes.INTS and n <= 64  # axes lists, not data
    known = tuple(values[0] + i * values[2] for i in range(n)) if small_ints else None
    return TypeSpec(start.dtype, (n,), known=known)


range_ = defop("Range", infer=_range_infer, vjp=None, attrs={"stash_type": Attr("int", 1)})

__all__ = ["gather", "gather_grad", "gather_elements", "gather_nd", "gather_nd_grad",
           "scatter_elements", "scatter_nd", "one_hot", "trilu", "constant_of_shape", "range_",
           "constant_of_shape_value", "range_length"]

from .elementwise import cast, equal  # noqa: E402
from .helpers import const_ints, ones_like, shape_tensor, zeros_like  # noqa: E402
from .reduction import reduce_sum  # noqa: E402
from .shape import reshape  # noqa: E402
from .slicing import concat  # noqa: E402
