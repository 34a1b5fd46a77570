"""Cases for the slicing ops: Flatten, Concat, Split, Slice, Tile, Pad and their private gradient
ops. References follow the ONNX spec text with loops and np.ix_ (Slice: its clamping rules; Pad:
a source index per output index), not numpy's slicing or np.pad."""

from __future__ import annotations

import itertools

import numpy as np

from core_ir import ops

from . import OpCase, ints, rand

INT64_MAX, INT64_MIN = 2**63 - 1, -(2**63)


# -- references -----------------------------------------------------------------------------------
def _spec_range(dim, start, end, step):
    """The indices one axis of Slice visits, by the spec's clamping text."""
    start = start + dim if start < 0 else start
    end = end + dim if end < 0 else end
    if step > 0:
        start, end = min(max(start, 0), dim), min(max(end, 0), dim)
    else:
        start, end = min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)
    return list(range(start, end, step))


def _slice_indices(shape, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    visit = [list(range(d)) for d in shape]
    for a, s, e, st in zip(axes, starts, ends, steps):
        visit[a % len(shape)] = _spec_range(shape[a % len(shape)], int(s), int(e), int(st))
    return np.ix_(*visit)


def ref_slice(x, *params):
    return x[_slice_indices(x.shape, *params)]


def ref_slice_grad(g, shape, *params):
    out = np.zeros(tuple(shape))
    out[_slice_indices(tuple(shape), *params)] = g
    return out


def _pad_source(i, n, mode):
    """The input index output index i (relative to the unpadded start) copies, or None."""
    if mode == "constant":
        return i if 0 <= i < n else None
    if mode == "edge":
        return min(max(i, 0), n - 1)
    if mode == "wrap":
        return i % n
    while not 0 <= i < n:  # reflect, as many times as it takes
        i = -i if i < 0 else 2 * (n - 1) - i
    return i


def _pad_widths(ndim, pads, axes):
    axes = list(range(ndim)) if axes is None else [a % ndim for a in axes]
    widths = [(0, 0)] * ndim
    for j, a in enumerate(axes):
        widths[a] = (int(pads[j]), int(pads[len(axes) + j]))
    return widths


def ref_pad(x, pads, value=0.0, axes=None, mode="constant"):
    widths = _pad_widths(x.ndim, pads, axes)
    shape = tuple(n + b + e for n, (b, e) in zip(x.shape, widths))
    out = np.zeros(shape)
    for pos in np.ndindex(shape):
        src = [_pad_source(p - b, n, mode) for p, n, (b, _) in zip(pos, x.shape, widths)]
        out[pos] = (0.0 if value is None else value) if None in src else x[tuple(src)]
    return out


def ref_pad_grad(g, shape, pads, axes=None, mode="reflect"):
    widths = _pad_widths(len(shape), pads, axes)
    out = np.zeros(tuple(shape))
    for pos in np.ndindex(g.shape):
        src = tuple(_pad_source(p - b, n, mode) for p, n, (b, _) in zip(pos, shape, widths))
        out[src] += g[pos]
    return out


def ref_tile(x, repeats):
    out = np.zeros(tuple(d * r for d, r in zip(x.shape, repeats)))
    for pos in np.ndindex(out.shape):
        out[pos] = x[tuple(p % d for p, d in zip(pos, x.shape))]
    return out


def ref_concat(*xs, axis):
    shape = list(xs[0].shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    out, offset = np.zeros(shape), 0
    for x in xs:
        for pos in np.ndindex(x.shape):
            out[pos[:axis] + (pos[axis] + offset,) + pos[axis + 1:]] = x[pos]
        offset += x.shape[axis]
    return out


def ref_split(x, sizes, axis):
    starts = np.cumsum([0] + list(sizes))
    return tuple(np.take(x, list(range(s, e)), axis=axis) for s, e in itertools.pairwise(starts))


def _pad(name, x, pads, mode, *rest):
    return OpCase(f"pad_{name}", ops.pad, [x, pads, *rest],
                  lambda x, p, *r: ref_pad(x, p, *r, mode=mode), attrs={"mode": mode})


# -- cases ----------------------------------------------------------------------------------------
CASES = [
    OpCase("flatten_default", ops.flatten, [rand(2, 3, 4)], lambda x: x.reshape(2, 12)),
    OpCase("flatten_axis0", ops.flatten, [rand(2, 3)], lambda x: x.reshape(1, 6),
           attrs={"axis": 0}),
    OpCase("flatten_negative_axis", ops.flatten, [rand(2, 3, 4)], lambda x: x.reshape(6, 4),
           attrs={"axis": -1}),
    OpCase("flatten_axis_rank", ops.flatten, [rand(2, 3)], lambda x: x.reshape(6, 1),
           attrs={"axis": 2}),
    OpCase("concat_three", ops.concat, [rand(2, 1, 3), rand(2, 4, 3), rand(2, 2, 3)],
           lambda *xs: ref_concat(*xs, axis=1), attrs={"axis": 1}),
    OpCase("concat_negative_axis", ops.concat, [rand(2, 3), rand(2, 1)],
           lambda *xs: ref_concat(*xs, axis=1), attrs={"axis": -1}),
    OpCase("concat_one_input", ops.concat, [rand(3)], lambda x: x, attrs={"axis": 0}),
    OpCase("split_sizes", ops.split, [rand(2, 6, 3), ints(2, 3, 1)],
           lambda x, s: ref_split(x, s, 1), attrs={"axis": 1}),
    OpCase("split_num_outputs_uneven", ops.split, [rand(7, 2)],
           lambda x: ref_split(x, [3, 3, 1], 0), attrs={"num_outputs": 3}),
    OpCase("split_num_outputs_negative_axis", ops.split, [rand(2, 4)],
           lambda x: ref_split(x, [2, 2], 1), attrs={"num_outputs": 2, "axis": -1}),
    OpCase("split_one_output", ops.split, [rand(3, 2)], lambda x: ref_split(x, [3], 0),
           attrs={"num_outputs": 1}),
    OpCase("slice_basic", ops.slice_, [rand(4, 5), ints(1, 0), ints(3, 4)], ref_slice),
    OpCase("slice_axes_steps", ops.slice_, [rand(3, 6, 4), ints(0, 1), ints(6, 4), ints(1, 2),
                                            ints(2, 2)], ref_slice),
    OpCase("slice_negative_steps_and_axes", ops.slice_,
           [rand(3, 6, 4), ints(-1, 4), ints(INT64_MIN, 0), ints(-1, 1), ints(-1, -2)], ref_slice),
    OpCase("slice_out_of_range_bounds", ops.slice_,
           [rand(4, 5), ints(-1000, 2), ints(1000, INT64_MAX)], ref_slice),
    OpCase("slice_backward_start_below_dim", ops.slice_,
           [rand(5, 2), ints(-10), ints(-100), ints(0), ints(-1)], ref_slice),
    OpCase("slice_empty", ops.slice_, [rand(4, 3), ints(3), ints(1), ints(0)], ref_slice),
    OpCase("slice_grad_steps", ops.slice_grad, [rand(2, 2), ints(5, 4), ints(4, 0), ints(0, 4),
                                                ints(0, -1), ints(-2, 3)], ref_slice_grad),
    OpCase("tile", ops.tile, [rand(2, 1, 3), ints(2, 3, 1)], ref_tile),
    _pad("constant_value", rand(2, 3), ints(1, 0, 0, 2), "constant", rand()),
    _pad("constant_negative_crops", rand(3, 4), ints(-1, 1, 0, -2), "constant"),
    _pad("constant_axes", rand(2, 3, 4), ints(2, 1), "constant", None, ints(-1)),
    _pad("reflect", rand(2, 4), ints(1, 3, 1, 2), "reflect"),
    _pad("reflect_past_the_edge", rand(3), ints(5, 4), "reflect"),
    _pad("edge", rand(2, 3, 2), ints(0, 2, 1, 1, 0, 3), "edge"),
    _pad("wrap", rand(3, 4), ints(2, 1, 1, 5), "wrap"),
    OpCase("pad_grad_reflect", ops.pad_grad, [rand(3, 9), ints(3, 4), ints(0, 3, 0, 2)],
           lambda g, s, p: ref_pad_grad(g, s, p, mode="reflect"), attrs={"mode": "reflect"}),
    OpCase("pad_grad_edge_axes", ops.pad_grad, [rand(2, 8), ints(2, 3), ints(2, 3), ints(1)],
           lambda g, s, p, a: ref_pad_grad(g, s, p, a, mode="edge"), attrs={"mode": "edge"}),
]
