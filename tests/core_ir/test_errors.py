"""Bad input: clear errors that name the op, the origin and both shapes, raised before any
kernel can fail obscurely, and nothing corrupted afterwards."""

from __future__ import annotations

import numpy as np
import pytest

import core_ir as ir
from core_ir import ops
from core_ir.tensor import Tensor


def f32(*shape):
    return Tensor(np.ones(shape, np.float32))


def test_eager_shape_mismatch_names_op_origin_and_both_shapes():
    with ir.origin("encoder"), ir.origin("fc1"):
        with pytest.raises(ir.ShapeError) as info:
            ops.matmul(f32(32, 512), f32(784, 256))
    msg = str(info.value)
    assert "MatMul" in msg and "32x512" in msg and "784x256" in msg and "encoder.fc1" in msg


def test_traced_shape_mismatch_raises_at_trace_time():
    def fn(x):
        with ir.origin("head"):
            return ops.add(x, ir.constant(np.ones((3, 4), np.float32)))

    with pytest.raises(ir.ShapeError, match=r"Add: shapes \(N, 5\) and \(3, 4\) cannot be broadcast"
                                            r".*\[in 'head'\]"):
        ir.trace(fn, [(np.float32, ("N", 5))])


def test_unknown_attribute_is_a_clear_error():
    with pytest.raises(ir.OpAttributeError, match="Transpose got an unknown attribute 'perms'"):
        ops.transpose(f32(2, 3), perms=[1, 0])


def test_ill_typed_attribute_is_a_clear_error():
    with pytest.raises(ir.OpAttributeError, match="LeakyRelu attribute 'alpha' must be a float"):
        ops.leaky_relu(f32(2), alpha="big")


def test_mixed_dtypes_are_rejected_eagerly_instead_of_promoted():
    with pytest.raises(ir.DTypeError, match=r"Add: inputs must have the same dtype, got float32 "
                                            r"and float64 .*\(2, 3\) and \(2, 3\)"):
        ops.add(f32(2, 3), Tensor(np.ones((2, 3))))


def test_wrong_dtype_for_a_float_only_op():
    with pytest.raises(ir.DTypeError, match="Exp: input has dtype int64"):
        ops.exp(Tensor(np.array([1, 2])))


def test_reshape_to_an_incompatible_size():
    with pytest.raises(ir.ShapeError, match=r"Reshape: cannot reshape \(2, 3\) .*into \(4, 2\)"):
        ops.reshape(f32(2, 3), ir.ops.const_ints([4, 2]))


def test_nothing_is_corrupted_by_a_failed_call():
    x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    before = x.array.copy()
    with pytest.raises(ir.ShapeError):
        ops.add(x, f32(4, 5))
    np.testing.assert_array_equal(x.array, before)
    assert x.grad is None and x.creator is None
    y = ops.reduce_sum(x * x, keepdims=0)  # the tape still works afterwards
    ir.backward([y], [ops.ones_like(y)])
    np.testing.assert_array_equal(x.grad.array, 2 * before)


def test_a_compiled_plan_reports_the_failing_node_with_its_origin():
    from backends.numpy import Plan

    def fn(x, y):
        with ir.origin("block.proj"):
            return ops.matmul(x, y)

    graph = ir.trace(fn, [(np.float32, ("N", 3)), (np.float32, (3, 2))])[0]
    with pytest.raises(ir.ShapeError, match=r"MatMul.*5x4.*3x2.*block\.proj"):
        Plan(graph)([np.ones((5, 4), np.float32), np.ones((3, 2), np.float32)])


def test_heavy_ops_check_shapes_eagerly_where_their_kernel_would_broadcast():
    """A fused update's kernel would broadcast a (3, 3) gradient into a (3,) parameter."""
    param, grad = Tensor(np.ones(3, np.float32)), Tensor(np.ones((3, 3), np.float32))
    lr, step = Tensor(np.array(0.1, np.float32)), Tensor(np.array(1, np.int64))
    with pytest.raises(ir.ShapeError, match=r"SGDUpdate: grads\[0\] has shape \(3, 3\), "
                                            r"expected \(3,\)"):
        ops.sgd_update(lr, step, param, grad)
    np.testing.assert_array_equal(param.array, np.ones(3, np.float32))
