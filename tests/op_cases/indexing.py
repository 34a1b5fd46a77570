"""Cases for the indexing ops: gathers, scatters, OneHot, Trilu, ConstantOfShape, Range.
References index element by element (loops over np.ndindex) or with plain numpy indexing."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from . import OpCase, away_from_zero, ints, rand


class Static:
    """A float input that a shape rule must read (Resize scales, float Range bounds). The harness
    traces float ndarrays as graph inputs; this wrapper is not an ndarray, so it is passed as a
    constant, while np.asarray still sees its array."""

    def __init__(self, values, dtype=np.float32):
        self.array = np.asarray(values, dtype)

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)

    def __getattr__(self, name):  # the VJP harness hands it to kernels as it is: act as the array
        return getattr(self.array, name)


def scalar(v, dtype=np.int64):
    return np.asarray(v, dtype)


# -- references -----------------------------------------------------------------------------------
def ref_gather(data, idx, axis=0):
    a = axis % data.ndim
    return data[(slice(None),) * a + (idx % data.shape[a],)]


def ref_gather_grad(g, shape, idx, axis=0):
    shape = tuple(shape)
    a = axis % len(shape)
    out = np.zeros(shape)
    for pos in np.ndindex(g.shape):
        i = pos[a:a + idx.ndim]
        src = pos[:a] + (idx[i] % shape[a],) + pos[a + idx.ndim:]
        out[src] += g[pos]
    return out


def ref_gather_elements(data, idx, axis=0):
    out = np.zeros(idx.shape, data.dtype)
    for pos in np.ndindex(idx.shape):
        src = list(pos)
        src[axis] = idx[pos] % data.shape[axis]
        out[pos] = data[tuple(src)]
    return out


def _nd_source(pos, idx, b, shape):
    """The data position (a tuple prefix) that index tuple idx[pos] names, batch dims included."""
    t = tuple(int(v) % shape[b + j] for j, v in enumerate(idx[pos]))
    return pos[:b] + t


def ref_gather_nd(data, idx, b=0):
    k = idx.shape[-1]
    out = np.zeros(idx.shape[:-1] + data.shape[b + k:], data.dtype)
    for pos in np.ndindex(idx.shape[:-1]):
        out[pos] = data[_nd_source(pos, idx, b, data.shape)]
    return out


def ref_gather_nd_grad(g, shape, idx, b=0):
    out = np.zeros(tuple(shape))
    for pos in np.ndindex(idx.shape[:-1]):
        out[_nd_source(pos, idx, b, out.shape)] += g[pos]
    return out


_COMBINE = {"none": lambda old, new: new, "add": lambda old, new: old + new,
            "mul": lambda old, new: old * new, "max": max, "min": min}


def ref_scatter_elements(data, idx, updates, axis=0, reduction="none"):
    out = data.astype(np.float64).copy()
    for pos in np.ndindex(idx.shape):
        dst = list(pos)
        dst[axis] = idx[pos] % data.shape[axis]
        out[tuple(dst)] = _COMBINE[reduction](out[tuple(dst)], updates[pos])
    return out


def ref_scatter_nd(data, idx, updates, reduction="none"):
    out = data.astype(np.float64).copy()
    for pos in np.ndindex(idx.shape[:-1]):
        dst = _nd_source(pos, idx, 0, data.shape)
        if out[dst].ndim:  # a slice: combine elementwise
            out[dst] = np.vectorize(_COMBINE[reduction])(out[dst], updates[pos])
        else:
            out[dst] = _COMBINE[reduction](out[dst], updates[pos])
    return out


def ref_one_hot(idx, depth, values, axis=-1):
    d = int(depth)
    a = axis % (idx.ndim + 1)
    out = np.full(idx.shape[:a] + (d,) + idx.shape[a:], values[0])
    for pos in np.ndindex(idx.shape):
        i = int(idx[pos])
        if -d <= i < d:
            out[pos[:a] + (i % d,) + pos[a:]] = values[1]
    return out


def ref_trilu(x, k=None, upper=1):
    k = 0 if k is None else int(k)
    out = np.zeros_like(x)
    for pos in np.ndindex(x.shape):
        i, j = pos[-2:]
        if (j - i >= k) if upper else (j - i <= k):
            out[pos] = x[pos]
    return out


def ref_range(start, limit, delta):
    start, limit, delta = (np.asarray(v).item() for v in (start, limit, delta))
    vals = []
    v = start
    while (v < limit) if delta > 0 else (v > limit):
        vals.append(v)
        v = start + len(vals) * delta
    return np.array(vals)


# -- cases ----------------------------------------------------------------------------------------
SCATTER_DATA = rand(4, 3)
DUPLICATES = ints([1, 0, 2], [1, -4, 1])  # rows hit twice along axis 0
DISTINCT = ints([1, 0, 2], [3, 2, -1])


def _scatter_elements(reduction, idx, updates=None, **kw):
    updates = away_from_zero(*idx.shape, margin=0.5) if updates is None else updates
    return OpCase(f"scatter_elements_{reduction}", ops.scatter_elements,
                  [SCATTER_DATA.copy(), idx, updates],
                  lambda d, i, u: ref_scatter_elements(d, i, u, 0, reduction),
                  attrs={"reduction": reduction}, **kw)


def _scatter_nd(reduction, idx, data=None, **kw):
    data = rand(4, 3) if data is None else data
    updates = away_from_zero(*(idx.shape[:-1] + data.shape[idx.shape[-1]:]), margin=0.5)
    return OpCase(f"scatter_nd_{reduction}", ops.scatter_nd, [data, idx, updates],
                  lambda d, i, u: ref_scatter_nd(d, i, u, reduction),
                  attrs={"reduction": reduction}, **kw)


CASES = [
    OpCase("gather_axis0", ops.gather, [rand(5, 3), ints(4, 0, -1, 2)], ref_gather),
    OpCase("gather_axis1_2d_negative", ops.gather, [rand(2, 5, 3), ints([1, -2], [0, 4])],
           lambda d, i: ref_gather(d, i, 1), attrs={"axis": 1}),
    OpCase("gather_scalar_negative_axis", ops.gather, [rand(2, 3, 4), scalar(-1)],
           lambda d, i: ref_gather(d, i, -1), attrs={"axis": -1}),
    OpCase("gather_grad_duplicates", ops.gather_grad,
           [rand(2, 2, 3, 4), ints(2, 5, 4), ints([1, -5, 1], [2, 1, 0])],
           lambda g, s, i: ref_gather_grad(g, s, i, 1), attrs={"axis": 1}),
    OpCase("gather_elements_axis0", ops.gather_elements,
           [rand(3, 4), ints([2, 0, 1, 2], [0, 0, 2, 1])],
           ref_gather_elements),
    OpCase("gather_elements_last_axis_smaller_indices", ops.gather_elements,
           [rand(3, 4), ints([3, -1], [0, 1])], lambda d, i: ref_gather_elements(d, i, 1),
           attrs={"axis": -1}),
    OpCase("gather_nd_elements", ops.gather_nd, [rand(3, 4), ints([0, 1], [2, -1], [1, 3])],
           ref_gather_nd),
    OpCase("gather_nd_slices", ops.gather_nd, [rand(3, 4, 2), ints([[1], [0]], [[2], [-1]])],
           ref_gather_nd),
    OpCase("gather_nd_batch_dims", ops.gather_nd,
           [rand(2, 3, 4), ints([[1, 3], [0, 0]], [[2, 1], [2, -4]])],
           lambda d, i: ref_gather_nd(d, i, 1), attrs={"batch_dims": 1}),
    OpCase("gather_nd_grad_duplicates", ops.gather_nd_grad,
           [rand(2, 3), ints(2, 3, 4), ints([[1, 3], [1, 3], [0, -1]], [[2, 1], [2, 1], [2, 1]])],
           lambda g, s, i: ref_gather_nd_grad(g, s, i, 1), attrs={"batch_dims": 1}),
    OpCase("gather_nd_grad_slices", ops.gather_nd_grad,
           [rand(3, 4), ints(3, 4), ints([0], [2], [0])], ref_gather_nd_grad),
    _scatter_elements("none", DISTINCT),
    _scatter_elements("add", DUPLICATES),
    _scatter_elements("mul", DUPLICATES, second_order=True),
    _scatter_elements("max", DUPLICATES),
    _scatter_elements("min", DUPLICATES),
    OpCase("scatter_elements_axis1_negative", ops.scatter_elements,
           [rand(2, 5), ints([4, -5]), rand(1, 2)],
           lambda d, i, u: ref_scatter_elements(d, i, u, 1), attrs={"axis": -1}),
    _scatter_nd("none", ints([[3], [0]], [[1], [-2]])),
    _scatter_nd("add", ints([0, 1], [3, 2], [0, 1])),
    _scatter_nd("mul", ints([[1], [1]], [[0], [3]]), second_order=True),
    _scatter_nd("max", ints([1, 2], [1, 2], [-1, 0])),
    _scatter_nd("min", ints([1], [1], [2])),
    OpCase("one_hot_last_axis", ops.one_hot,
           [ints([0, 3, -1], [4, -5, 2]), scalar(4), rand(2)], ref_one_hot),
    OpCase("one_hot_axis0_int_values", ops.one_hot, [ints(1, 0, 2), ints(3), ints(-1, 5)],
           lambda i, d, v: ref_one_hot(i, d[0], v, 0), attrs={"axis": 0}, grad=False),
    OpCase("trilu_upper", ops.trilu, [rand(4, 5)], ref_trilu),
    OpCase("trilu_upper_k2_batched", ops.trilu, [rand(2, 3, 5), scalar(2)], ref_trilu),
    OpCase("trilu_lower_negative_k", ops.trilu, [rand(5, 3), scalar(-1)],
           lambda x, k: ref_trilu(x, k, 0), attrs={"upper": 0}),
    OpCase("constant_of_shape_default", ops.constant_of_shape, [ints(2, 3)],
           lambda s: np.zeros((2, 3), np.float32)),
    OpCase("constant_of_shape_int_value", ops.constant_of_shape, [ints(3, 1, 2)],
           lambda s: np.full((3, 1, 2), 7), attrs={"value": np.array([7], np.int32)}),
    OpCase("constant_of_shape_scalar", ops.constant_of_shape, [ints()],
           lambda s: np.array(0.0), grad=False),
    OpCase("range_int", ops.range_, [scalar(3), scalar(10), scalar(3)], ref_range),
    OpCase("range_negative_delta", ops.range_, [scalar(10), scalar(4), scalar(-2)], ref_range),
    OpCase("range_empty", ops.range_, [scalar(5), scalar(1), scalar(2)], ref_range),
    OpCase("range_float", ops.range_, [Static(1.0), Static(2.0), Static(0.25)], ref_range),
]
