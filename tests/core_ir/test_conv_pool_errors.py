"""Bad input to the convolution and pooling ops: a ShapeError from the shape rule that names the
op, the origin and the shapes, eagerly (the kernel's failure is explained by the rule) and while
tracing."""

from __future__ import annotations

import numpy as np
import pytest

import core_ir as ir
from core_ir import ops
from core_ir.tensor import Tensor


def f32(*shape):
    return Tensor(np.ones(shape, np.float32))


def channels(batch) -> str:
    return (rf"Conv: input channels 3 \(shape \({batch}, 3, 8, 8\)\) do not match the kernel's "
            r"4 x group 1 \(kernel shape \(8, 4, 3, 3\)\) \[in 'features.0'\]")


def test_conv_channel_mismatch_eager():
    with ir.origin("features"), ir.origin("0"), pytest.raises(ir.ShapeError, match=channels(1)):
        ops.conv(f32(1, 3, 8, 8), f32(8, 4, 3, 3))


def test_conv_channel_mismatch_traced():
    def fn(x):
        with ir.origin("features"), ir.origin("0"):
            return ops.conv(x, ir.constant(np.ones((8, 4, 3, 3), np.float32)))

    with pytest.raises(ir.ShapeError, match=channels("N")):
        ir.trace(fn, [(np.float32, ("N", 3, 8, 8))])


def test_conv_channel_mismatch_with_groups_and_keras_layouts():
    with pytest.raises(ir.ShapeError, match=r"Conv: input channels 6 \(shape \(1, 8, 8, 6\)\) do "
                                            r"not match the kernel's 2 x group 2 \(kernel shape "
                                            r"\(3, 3, 2, 4\)\)"):
        ops.conv(f32(1, 8, 8, 6), f32(3, 3, 2, 4), group=2, data_format="NHWC",
                 kernel_format="HWIO")


def test_conv_transpose_channel_mismatch():
    with pytest.raises(ir.ShapeError, match=r"ConvTranspose: input channels 3 \(shape "
                                            r"\(1, 3, 4, 4\)\) do not match the kernel's 5 "
                                            r"\(kernel shape \(5, 2, 3, 3\)\)"):
        ops.conv_transpose(f32(1, 3, 4, 4), f32(5, 2, 3, 3))


def test_conv_wrong_rank():
    with pytest.raises(ir.ShapeError, match=r"Conv needs an input of rank >= 3 .* got input shape "
                                            r"\(3, 8, 8\) and kernel shape \(8, 3, 3, 3\)"):
        ops.conv(f32(3, 8, 8), f32(8, 3, 3, 3))


def test_conv_kernel_larger_than_padded_input():
    message = (r"Conv: the window of 5 cells .* larger than the padded input of 4 cells .*input "
               r"shape \(1, 1, 2, 8\), kernel shape \(1, 1, 5, 3\)")
    with pytest.raises(ir.ShapeError, match=message):
        ops.conv(f32(1, 1, 2, 8), f32(1, 1, 5, 3), pads=(1, 0, 1, 0))


def test_conv_bias_of_the_wrong_size():
    with pytest.raises(ir.ShapeError, match=r"Conv: the bias of shape \(1,\) does not match the 4 "
                                            r"output channels"):
        ops.conv(f32(1, 3, 5, 5), f32(4, 3, 3, 3), f32(1))


def test_conv_kernel_shape_attribute_must_match_the_weight():
    with pytest.raises(ir.ShapeError, match=r"kernel_shape \[5, 5\] does not match the kernel's "
                                            r"spatial dims \(3, 3\)"):
        ops.conv(f32(1, 3, 8, 8), f32(4, 3, 3, 3), kernel_shape=(5, 5))


def test_max_pool_window_larger_than_padded_input():
    message = (r"MaxPool: the window of 3 cells \(kernel 3, dilation 1\) is larger than the padded "
               r"input of 2 cells .*input shape \(1, 2, 2, 5\).*\[in 'pool1'\]")
    with ir.origin("pool1"), pytest.raises(ir.ShapeError, match=message):
        ops.max_pool(f32(1, 2, 2, 5), kernel_shape=(3, 3))


def test_average_pool_window_larger_than_padded_input_traced():
    def fn(x):
        return ops.average_pool(x, kernel_shape=(2, 4), pads=(0, 1, 0, 1))

    with pytest.raises(ir.ShapeError, match=r"AveragePool: the window of 4 cells .* padded input "
                                            r"of 3 cells"):
        ir.trace(fn, [(np.float32, ("N", 3, 6, 1))])


def test_pool_wrong_rank():
    with pytest.raises(ir.ShapeError, match=r"MaxPool: expected an input of rank 4 .* got shape "
                                            r"\(3, 8\)"):
        ops.max_pool(f32(3, 8), kernel_shape=(2, 2))


def test_pool_pads_as_large_as_the_window():
    with pytest.raises(ir.ShapeError, match=r"AveragePool: pads \(2, 0\) must be smaller than "
                                            r"the window of 2 cells"):
        ops.average_pool(f32(1, 1, 6, 6), kernel_shape=(2, 2), pads=(2, 0, 0, 0))


def test_adaptive_pool_output_size_of_the_wrong_length():
    with pytest.raises(ir.ShapeError, match=r"AdaptiveAveragePool needs an input of rank 3 for "
                                            r"output_size \[2\].* got shape \(1, 2, 5, 5\)"):
        ops.adaptive_average_pool(f32(1, 2, 5, 5), output_size=(2,))


def test_nothing_is_recorded_by_a_failed_conv():
    x = Tensor(np.ones((1, 3, 8, 8), np.float32), requires_grad=True)
    with pytest.raises(ir.ShapeError):
        ops.conv(x, f32(8, 4, 3, 3))
    assert x.grad is None and x.creator is None


def test_conv_rejects_mixed_and_integer_dtypes_eagerly():
    with pytest.raises(ir.DTypeError, match="Conv: inputs must have the same dtype, got float64 "
                                            "and float32"):
        ops.conv(Tensor(np.ones((1, 3, 5, 5))), f32(4, 3, 3, 3))
    with pytest.raises(ir.DTypeError, match="MaxPool: input has dtype int64"):
        ops.max_pool(Tensor(np.ones((1, 3, 5, 5), np.int64)), kernel_shape=(2, 2))
