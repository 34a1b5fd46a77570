"""Cases for the reductions, ArgMax/ArgMin, CumSum, TopK and the private gather/scatter-add.
References work group by group in Python (math on lists, explicit loops, sorting)."""

from __future__ import annotations

import math

import numpy as np

from core_ir import ops

from . import OpCase, away_from_zero, ints, positive, rand


def _groups(x, axes):
    """x as (groups, elements): the reduced axes moved last and flattened; axes None = all."""
    axes = tuple(range(x.ndim)) if axes is None else tuple(sorted({a % x.ndim for a in axes}))
    kept = [a for a in range(x.ndim) if a not in axes]
    groups = math.prod(x.shape[a] for a in kept)
    moved = np.transpose(x, kept + list(axes)).reshape(groups, -1 if groups else 0)
    return moved, axes, kept


def over(fn, axes=None, keepdims=True):
    """A reference reduction: fn(list of Python numbers) per group, cast back to x's dtype."""

    def ref(x, *unused):
        moved, ax, kept = _groups(x, axes)
        out = np.array([fn([v.item() for v in row]) for row in moved])
        shape = [1 if a in ax else x.shape[a] for a in range(x.ndim)] if keepdims \
            else [x.shape[a] for a in kept]
        return out.reshape(shape).astype(x.dtype)

    return ref


def _lse(vs):
    m = max(vs, default=-math.inf)
    if m == -math.inf:
        return -math.inf
    return m + math.log(sum(math.exp(v - m) for v in vs))


def _l1(vs):
    return sum(abs(v) for v in vs)


def _ssq(vs):
    return sum(v * v for v in vs)


def _l2(vs):
    return math.hypot(*vs)


def _with_zeros():
    x = positive(3, 4) * np.array([1, -1, 1, 1], np.float32)
    x[0, 1] = 0.0  # one zero in a row: only that element gets a gradient
    x[1, 0] = x[1, 3] = 0.0  # two zeros: no gradient at all
    return x


def _arg_ref(pick, axis, keepdims=1, last=False):
    def ref(x):
        moved = np.moveaxis(x, axis, -1)
        out = np.zeros(moved.shape[:-1], np.int64)
        for idx in np.ndindex(*moved.shape[:-1]):
            row = list(moved[idx])
            best = pick(row)
            hits = [j for j, v in enumerate(row) if v == best]
            out[idx] = hits[-1] if last else hits[0]
        return np.expand_dims(out, axis) if keepdims else out

    return ref


def _cumsum_ref(axis, exclusive=0, reverse=0):
    def ref(x, unused_axis):
        moved = np.moveaxis(x, axis, -1)
        out = np.zeros_like(moved)
        n = moved.shape[-1]
        for idx in np.ndindex(*moved.shape[:-1]):
            for j in range(n):
                first, last = (j + exclusive, n) if reverse else (0, j + 1 - exclusive)
                out[idx + (j,)] = sum((moved[idx + (s,)] for s in range(first, last)),
                                      moved.dtype.type(0))
        return np.moveaxis(out, -1, axis)

    return ref


def _topk_ref(axis, largest=1):
    def ref(x, k):
        moved = np.moveaxis(x, axis, -1)
        kk = int(k[0])
        values = np.zeros(moved.shape[:-1] + (kk,), x.dtype)
        indices = np.zeros(moved.shape[:-1] + (kk,), np.int64)
        for idx in np.ndindex(*moved.shape[:-1]):
            row = [float(v) for v in moved[idx]]
            order = sorted(range(len(row)), key=lambda j: (-row[j] if largest else row[j], j))
            indices[idx] = order[:kk]
            values[idx] = [row[j] for j in order[:kk]]
        return np.moveaxis(values, -1, axis), np.moveaxis(indices, -1, axis)

    return ref


def _gather_ref(data, indices):
    out = np.zeros(indices.shape, data.dtype)
    for i, j in np.ndindex(*indices.shape):
        out[i, j] = data[i, indices[i, j]]
    return out


def _scatter_ref(updates, indices, shape):
    out = np.zeros(tuple(shape), np.float64)
    for i, j in np.ndindex(*indices.shape):
        out[indices[i, j], j] += updates[i, j]
    return out


TIES = np.array([[[1, 3, 3, 0], [2, 2, 1, 2], [5, 0, 5, 5]],
                 [[4, 4, 4, 4], [0, 1, 0, 1], [7, 3, 7, 1]]], np.int32)
EMPTY = np.zeros((2, 0, 3), np.float32)

CASES = [
    # -- the elementary reductions
    OpCase("reduce_sum_axis1_keep", ops.reduce_sum, [rand(2, 3, 4), ints(1)],
           lambda x, a: x.sum(axis=1, keepdims=True)),
    OpCase("reduce_sum_all_nokeep", ops.reduce_sum, [rand(2, 3)],
           lambda x: np.array(x.sum()), attrs={"keepdims": 0}),
    OpCase("reduce_sum_int32_keeps_dtype", ops.reduce_sum, [TIES, ints(0, 2)],
           over(sum, (0, 2), True)),
    OpCase("reduce_sum_noop_empty_axes", ops.reduce_sum, [rand(2, 3), ints()],
           lambda x, a: x.copy(), attrs={"noop_with_empty_axes": 1}),
    OpCase("reduce_sum_empty_axes_reduce_all", ops.reduce_sum, [rand(2, 3), ints()],
           over(sum, None, False), attrs={"keepdims": 0}),
    OpCase("reduce_sum_empty_set", ops.reduce_sum, [EMPTY, ints(1)], over(sum, (1,)), grad=False),
    OpCase("reduce_mean_neg_axes", ops.reduce_mean, [rand(2, 3, 4), ints(-1, 0)],
           lambda x, a: x.mean(axis=(0, 2)), attrs={"keepdims": 0}),
    OpCase("reduce_max", ops.reduce_max, [rand(2, 3, 4), ints(2)],
           lambda x, a: x.max(axis=2, keepdims=True)),
    OpCase("reduce_max_empty_set", ops.reduce_max, [EMPTY, ints(1)],
           lambda x, a: np.full((2, 1, 3), -np.inf), grad=False),
    OpCase("reduce_max_bool", ops.reduce_max, [rand(2, 3) > 0, ints(1)],
           lambda x, a: np.array([[any(r)] for r in x])),
    OpCase("reduce_min", ops.reduce_min, [rand(2, 3, 4), ints(0)],
           lambda x, a: x.min(axis=0), attrs={"keepdims": 0}),
    OpCase("reduce_min_empty_set_int", ops.reduce_min, [np.zeros((0, 3), np.int32), ints(0)],
           lambda x, a: np.full((3,), 2 ** 31 - 1), attrs={"keepdims": 0}),
    # -- ReduceProd
    OpCase("reduce_prod_axis1_keep", ops.reduce_prod, [rand(2, 3, 4), ints(1)],
           over(math.prod, (1,)), second_order=True),
    OpCase("reduce_prod_neg_axes_nokeep", ops.reduce_prod, [rand(2, 3, 4), ints(-1, 0)],
           over(math.prod, (0, 2), False), attrs={"keepdims": 0}),
    OpCase("reduce_prod_with_zeros", ops.reduce_prod, [_with_zeros(), ints(1)],
           over(math.prod, (1,))),
    OpCase("reduce_prod_int64_all", ops.reduce_prod, [TIES.astype(np.int64) + 1],
           over(math.prod, None, False), attrs={"keepdims": 0}),
    OpCase("reduce_prod_empty_set", ops.reduce_prod, [EMPTY, ints(1)],
           over(math.prod, (1,)), grad=False),
    OpCase("reduce_prod_noop", ops.reduce_prod, [rand(2, 3)], lambda x: x.copy(),
           attrs={"noop_with_empty_axes": 1}),
    # -- ReduceL1, ReduceSumSquare, ReduceL2
    OpCase("reduce_l1_neg_axis_nokeep", ops.reduce_l1, [away_from_zero(2, 3, 4), ints(-2)],
           over(_l1, (1,), False), attrs={"keepdims": 0}),
    OpCase("reduce_l1_int32", ops.reduce_l1, [TIES - 3, ints(1)], over(_l1, (1,))),
    OpCase("reduce_l1_noop_is_abs", ops.reduce_l1, [away_from_zero(2, 3)], np.abs,
           attrs={"noop_with_empty_axes": 1}),
    OpCase("reduce_sum_square_all_keep", ops.reduce_sum_square, [rand(2, 3, 4)],
           over(_ssq, None, True), second_order=True),
    OpCase("reduce_sum_square_axes_nokeep", ops.reduce_sum_square, [rand(2, 3, 4), ints(0, 2)],
           over(_ssq, (0, 2), False), attrs={"keepdims": 0}),
    OpCase("reduce_l2_axis2", ops.reduce_l2, [rand(2, 3, 4), ints(2)], over(_l2, (2,)),
           second_order=True),
    OpCase("reduce_l2_zero_row", ops.reduce_l2, [np.array([[0.0, 0.0], [3.0, -4.0]], np.float32),
                                                 ints(1)], over(_l2, (1,))),
    OpCase("reduce_l2_no_overflow", ops.reduce_l2, [np.array([[3e30, -4e30], [3e-30, 4e-30]],
                                                             np.float32), ints(1)],
           over(_l2, (1,)), grad=False),
    OpCase("reduce_l2_int_truncates", ops.reduce_l2, [TIES, ints(2)],
           lambda x, a: np.array([[[math.isqrt(int((r ** 2).sum()))] for r in p] for p in x])),
    OpCase("reduce_l2_empty_set", ops.reduce_l2, [EMPTY, ints(1)], over(_l2, (1,)), grad=False),
    # -- ReduceLogSum, ReduceLogSumExp
    OpCase("reduce_log_sum_axes", ops.reduce_log_sum, [positive(2, 3, 4), ints(0, -1)],
           over(lambda vs: math.log(sum(vs)), (0, 2)), second_order=True),
    OpCase("reduce_log_sum_empty_set", ops.reduce_log_sum, [EMPTY, ints(1)],
           lambda x, a: np.full((2, 1, 3), -np.inf), grad=False),
    OpCase("reduce_log_sum_exp_axes", ops.reduce_log_sum_exp, [rand(2, 3, 4), ints(0, -1)],
           over(_lse, (0, 2)), second_order=True),
    OpCase("reduce_log_sum_exp_all_nokeep", ops.reduce_log_sum_exp, [rand(3, 4)],
           over(_lse, None, False), attrs={"keepdims": 0}),
    OpCase("reduce_log_sum_exp_large", ops.reduce_log_sum_exp,
           [np.array([[1000.0, 1000.0], [-1000.0, -1001.0]], np.float32), ints(1)],
           over(_lse, (1,))),
    OpCase("reduce_log_sum_exp_infinities", ops.reduce_log_sum_exp,
           [np.array([[-np.inf, -np.inf], [np.inf, 1.0], [-np.inf, 0.0]], np.float32), ints(1)],
           lambda x, a: np.array([[-np.inf], [np.inf], [0.0]]), grad=False),
    OpCase("reduce_log_sum_exp_empty_set", ops.reduce_log_sum_exp, [EMPTY, ints(1)],
           over(_lse, (1,)), grad=False),
    OpCase("reduce_log_sum_exp_noop", ops.reduce_log_sum_exp, [rand(2, 3), ints()],
           lambda x, a: x.copy(), attrs={"noop_with_empty_axes": 1}),
    # -- ArgMax / ArgMin
    OpCase("arg_max_axis1_keep", ops.arg_max, [rand(2, 3, 4)], _arg_ref(max, 1),
           attrs={"axis": 1}),
    OpCase("arg_max_neg_axis_nokeep", ops.arg_max, [rand(2, 3, 4)], _arg_ref(max, 2, 0),
           attrs={"axis": -1, "keepdims": 0}),
    OpCase("arg_max_ties_first", ops.arg_max, [TIES], _arg_ref(max, 2), attrs={"axis": 2}),
    OpCase("arg_max_ties_last", ops.arg_max, [TIES], _arg_ref(max, 2, 1, True),
           attrs={"axis": 2, "select_last_index": 1}),
    OpCase("arg_min_axis0", ops.arg_min, [TIES], _arg_ref(min, 0, 0),
           attrs={"keepdims": 0}),
    OpCase("arg_min_ties_last", ops.arg_min, [TIES], _arg_ref(min, -1, 0, True),
           attrs={"axis": -1, "keepdims": 0, "select_last_index": 1}),
    # -- CumSum
    OpCase("cumsum_axis1", ops.cumsum, [rand(2, 3, 4), ints(1)], _cumsum_ref(1)),
    OpCase("cumsum_exclusive", ops.cumsum, [rand(2, 3, 4), np.array(2)],
           _cumsum_ref(2, exclusive=1), attrs={"exclusive": 1}),
    OpCase("cumsum_reverse_neg_axis", ops.cumsum, [rand(2, 3, 4), np.array(-3, np.int32)],
           _cumsum_ref(0, reverse=1), attrs={"reverse": 1}),
    OpCase("cumsum_exclusive_reverse", ops.cumsum, [rand(2, 3, 4), ints(1)],
           _cumsum_ref(1, 1, 1), attrs={"exclusive": 1, "reverse": 1}),
    OpCase("cumsum_int32", ops.cumsum, [TIES, ints(-1)], _cumsum_ref(2)),
    # -- TopK
    OpCase("topk_largest_last_axis", ops.topk, [rand(2, 3, 5), ints(3)], _topk_ref(-1)),
    OpCase("topk_smallest_axis1", ops.topk, [rand(2, 5, 3), ints(2)], _topk_ref(1, 0),
           attrs={"axis": 1, "largest": 0}),
    OpCase("topk_unsorted_gives_sorted", ops.topk, [rand(4, 6), ints(4)], _topk_ref(0),
           attrs={"axis": 0, "sorted": 0}),
    OpCase("topk_ties_lower_index_first", ops.topk, [TIES, ints(3)], _topk_ref(2)),
    OpCase("topk_smallest_ties", ops.topk, [TIES, ints(2)], _topk_ref(2, 0),
           attrs={"largest": 0}),
    OpCase("topk_k_is_zero", ops.topk, [rand(3, 4), ints(0)], _topk_ref(-1)),
    # -- private: gather / scatter-add along an axis
    OpCase("gather_along_axis", ops.gather_along_axis,
           [rand(3, 5), ints(4, 0, 0, 2, 1, 3).reshape(3, 2)], _gather_ref, attrs={"axis": 1}),
    OpCase("scatter_add_along_axis_repeats", ops.scatter_add_along_axis,
           [rand(2, 3), ints(1, 0, 1, 1, 3, 0).reshape(2, 3), ints(4, 3)], _scatter_ref),
]
