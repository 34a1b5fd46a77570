"""The indexing/slicing/spatial ops beyond the op table: shape-rule errors that name both shapes,
shape arithmetic kept known while tracing (Shape -> Gather/Slice -> Concat -> Reshape), and
gradients traced with a symbolic batch, compiled, and compared with eager ones."""

from __future__ import annotations

import numpy as np
import pytest

import core_ir as ir
from backends.numpy import Plan
from core_ir import ops
from core_ir.tensor import Tensor


def f32(*shape):
    return ir.constant(np.ones(shape, np.float32))


def i64(*values):
    return ir.constant(np.asarray(values, np.int64))


# -- errors ---------------------------------------------------------------------------------------
# Each call runs while tracing: the rules see constant indices, and eager kernels (which skip
# the rules on success) are not asked to validate.
ERRORS = [
    ("concat", lambda: ops.concat(f32(2, 3), f32(3, 3), axis=1),
     r"Concat: cannot concatenate shapes \(2, 3\) and \(3, 3\) along axis 1"),
    ("gather_elements_rank", lambda: ops.gather_elements(f32(4, 3), i64(1, 2)),
     r"GatherElements: indices must have the rank of data \(data shape \(4, 3\), indices shape"),
    ("gather_nd_batch", lambda: ops.gather_nd(f32(2, 3), i64([0], [1], [2]), batch_dims=1),
     r"GatherND: the first 1 \(batch\) dims of data and indices differ \(data shape \(2, 3\)"),
    ("scatter_nd_updates", lambda: ops.scatter_nd(f32(4, 3), i64([0], [1]), f32(2, 4)),
     (r"ScatterND: updates must have shape .* = \(2, 3\) \(data shape \(4, 3\), indices shape "
      r"\(2, 1\), updates shape \(2, 4\)\)")),
    ("split_sizes", lambda: ops.split(f32(5, 2), i64(2, 2)),
     r"Split: split sizes \[2, 2\] must sum to 5, the size of axis 0 of shape \(5, 2\)"),
    ("tile_repeats", lambda: ops.tile(f32(2, 3), i64(2)),
     r"Tile: needs one repeat per axis of shape \(2, 3\), got \[2\]"),
    ("slice_step_zero", lambda: ops.slice_(f32(3, 4), i64(0), i64(2), i64(1), i64(0)),
     r"Slice: steps cannot be 0, got \[0\] \(input shapes"),
    ("depth_to_space", lambda: ops.depth_to_space(f32(1, 6, 2, 2), blocksize=2),
     r"DepthToSpace: the channel count 6 of shape \(1, 6, 2, 2\) is not divisible by 4"),
    ("resize_both", lambda: ops.resize(f32(1, 1, 2, 2), None, f32(4), i64(1, 1, 4, 4)),
     r"Resize: needs exactly one of the scales and sizes inputs"),
]


@pytest.mark.parametrize("call,pattern", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_shape_rule_errors_name_the_shapes(call, pattern):
    with pytest.raises(ir.ShapeError, match=pattern):
        ir.trace(call, [])


INDEX_ERRORS = [
    ("gather", lambda: ops.gather(f32(4, 3), i64(1, 4)), "axis 0 with size 4"),
    ("gather_nd", lambda: ops.gather_nd(f32(4, 3), i64([1, 2], [0, -4])), "axis 1 with size 3"),
    ("scatter_elements", lambda: ops.scatter_elements(f32(4, 3), i64([0, 5]), f32(1, 2), axis=1),
     "axis 1 with size 3"),
]


@pytest.mark.parametrize("call,where", [e[1:] for e in INDEX_ERRORS],
                         ids=[e[0] for e in INDEX_ERRORS])
def test_bad_index_values_are_index_errors_eagerly_and_traced(call, where):
    with pytest.raises(ir.IndexOutOfRange, match=rf"index -?\d+ is out of bounds for {where}"):
        call()
    with pytest.raises(ir.IndexOutOfRange, match=where):
        ir.trace(call, [])


# -- shape arithmetic -----------------------------------------------------------------------------
def test_shape_arithmetic_stays_known_through_gather_slice_and_concat():
    def fn(x):
        s = ops.shape(x)
        batch = ops.unsqueeze(ops.gather(s, ir.ops.const_ints(0)), ir.ops.const_ints([0]))
        tail = ops.slice_(s, ir.ops.const_ints([1]), ir.ops.const_ints([2**63 - 1]))
        target = ops.concat(batch, ir.ops.const_ints([-1]), axis=0)
        return ops.reshape(x, target), ops.concat(tail, batch, axis=0)

    _, _, (flat, dims) = ir.trace(fn, [(np.float32, ("N", 3, 4))])
    assert flat.shape == ("N", 12)
    assert dims.value.known == (3, 4, "N")


def test_symbolic_dims_pass_through_slice_pad_and_resize():
    def fn(x):
        a = ops.slice_(x, ir.ops.const_ints([1]), ir.ops.const_ints([-1]), ir.ops.const_ints([2]))
        b = ops.pad(a, ir.ops.const_ints([0, 0, 1, 0, 0, 2]), mode="reflect")
        return ops.resize(b, None, ir.constant(np.array([1, 1, 2], np.float32)), mode="linear")

    _, _, out = ir.trace(fn, [(np.float32, ("N", 3, 6))])
    assert out.shape == ("N", 3, 14)


# -- gradients traced with a symbolic batch -------------------------------------------------------
GRAD_PROGRAMS = [
    ("slice", lambda x: ops.slice_(x, ir.ops.const_ints([3, 0]), ir.ops.const_ints([0, 2**62]),
                                   ir.ops.const_ints([2, 0]), ir.ops.const_ints([-2, 1]))),
    ("concat_split", lambda x: ops.split(ops.concat(x, x * 2.0, axis=0), ir.ops.const_ints([3, 2]),
                                         axis=2)[1]),
    ("tile", lambda x: ops.tile(x, ir.ops.const_ints([2, 1, 2]))),
    ("pad_edge", lambda x: ops.pad(x, ir.ops.const_ints([1, 2, 0, 3]), None, ir.ops.const_ints(
        [1, 2]), mode="edge")),
    ("pad_constant", lambda x: ops.pad(x, ir.ops.const_ints([0, 1, 2, 0, 0, 1]))),
    ("gather", lambda x: ops.gather(x, ir.ops.const_ints([[4, 0], [-1, 4]]), axis=2)),
    ("gather_elements", lambda x: ops.gather_elements(x, ops.expand(
        ir.ops.const_ints([[[1], [0], [3]]]),
        ops.concat(ops.shape(x, end=1), ir.ops.const_ints([3, 1]), axis=0)), axis=2)),
    ("flatten", lambda x: ops.flatten(x, axis=1)),
    ("resize_linear", lambda x: ops.resize(ops.unsqueeze(x, ir.ops.const_ints([1])), None,
                                           ir.constant(np.array([1, 1, 1.5, 0.8], np.float32)),
                                           mode="linear")),
]


def _loss(out):
    return ops.reduce_sum(out * out, None, keepdims=0)


@pytest.mark.parametrize("program", [p[1] for p in GRAD_PROGRAMS],
                         ids=[p[0] for p in GRAD_PROGRAMS])
def test_traced_gradient_with_symbolic_batch_matches_eager(program):
    x = np.random.default_rng(3).standard_normal((2, 3, 5)).astype(np.float32)
    eager_x = Tensor(x, requires_grad=True)
    (want,) = ir.grad([_loss(program(eager_x))], [eager_x])

    def fn(t):
        return ir.grad([_loss(program(t))], [t])[0]

    graph, captured, traced = ir.trace(fn, [(np.float32, ("N", 3, 5))], requires_grad=[True])
    assert traced.shape == ("N", 3, 5)
    (got,), _ = Plan(graph)([x], [t.array for t in captured])
    np.testing.assert_allclose(got, want.array, rtol=1e-5, atol=1e-6)
