"""Cases for the normalization ops, against hand-written numpy references (the formulas of the
ONNX operator docs, plus the Keras and torch running-statistics conventions). Batch sizes differ
from channel counts, so the symbolic-batch harness renames only the batch dim."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from . import OpCase, positive, rand


def _bcast(v, ndim, axis):
    shape = [1] * ndim
    shape[axis] = -1
    return v.reshape(shape)


def _standardize(x, axes, eps):
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return mean, var, (x - mean) / np.sqrt(var + eps)


def bn_train_ref(momentum=0.9, eps=1e-5, axis=1, unbiased=False):
    def ref(x, scale, b, mean, var):
        x64 = x.astype(np.float64)
        ax = axis % x.ndim
        red = tuple(i for i in range(x.ndim) if i != ax)
        m, v, xhat = _standardize(x64, red, eps)
        y = xhat * _bcast(scale, x.ndim, ax) + _bcast(b, x.ndim, ax)
        n = x.size // x.shape[ax]
        stored = v.reshape(-1) * (n / (n - 1) if unbiased else 1.0)
        return (y, mean * momentum + m.reshape(-1) * (1 - momentum),
                var * momentum + stored * (1 - momentum))

    return ref


def bn_eval_ref(eps=1e-5, axis=1):
    def ref(x, scale, b, mean, var):
        ax = axis % x.ndim
        y = ((x - _bcast(mean, x.ndim, ax)) / np.sqrt(_bcast(var, x.ndim, ax) + eps)
             * _bcast(scale, x.ndim, ax) + _bcast(b, x.ndim, ax))
        return (y,)

    return ref


def ln_ref(axis=-1, eps=1e-5):
    def ref(x, scale, b=None):
        ax = axis % x.ndim
        mean, var, xhat = _standardize(x.astype(np.float64), tuple(range(ax, x.ndim)), eps)
        y = xhat * scale + (0 if b is None else b)
        return y, mean, 1 / np.sqrt(var + eps)

    return ref


def in_ref(eps=1e-5):
    def ref(x, scale, b):
        xhat = _standardize(x.astype(np.float64), tuple(range(2, x.ndim)), eps)[2]
        return xhat * _bcast(scale, x.ndim, 1) + _bcast(b, x.ndim, 1)

    return ref


def gn_ref(groups, eps=1e-5):
    def ref(x, scale, bias):
        n, c = x.shape[:2]
        grouped = x.astype(np.float64).reshape(n, groups, c // groups, -1)
        xhat = _standardize(grouped, (2, 3), eps)[2].reshape(x.shape)
        return xhat * _bcast(scale, x.ndim, 1) + _bcast(bias, x.ndim, 1)

    return ref


def _bn_inputs(shape, axis=1):
    c = shape[axis]
    return [rand(*shape), rand(c), rand(c), rand(c), positive(c)]


KERAS_BN = {"axis": -1, "momentum": 0.99, "epsilon": 1e-3, "training_mode": 1}
TORCH_BN = {"axis": 1, "momentum": 1 - 0.1, "epsilon": 1e-5, "training_mode": 1,
            "running_var_unbiased": 1}

CASES = [
    # -- BatchNormalization: training (batch statistics, running-stat update) and inference
    OpCase("batchnorm_train_nchw", ops.batch_normalization, _bn_inputs((4, 3, 5, 2)),
           bn_train_ref(), attrs={"training_mode": 1}, second_order=True),
    OpCase("batchnorm_train_torch_unbiased_2d", ops.batch_normalization, _bn_inputs((6, 4)),
           bn_train_ref(momentum=0.9, unbiased=True), attrs=TORCH_BN),
    OpCase("batchnorm_train_torch_unbiased_1d", ops.batch_normalization, _bn_inputs((5, 3, 7)),
           bn_train_ref(momentum=0.9, unbiased=True), attrs=TORCH_BN),
    OpCase("batchnorm_train_keras_nhwc", ops.batch_normalization,
           _bn_inputs((2, 3, 3, 4), axis=-1),
           bn_train_ref(momentum=0.99, eps=1e-3, axis=-1), attrs=KERAS_BN),
    OpCase("batchnorm_train_far_from_zero", ops.batch_normalization,
           [rand(8, 3, low=999.0, high=1001.0), rand(3), rand(3), rand(3), positive(3)],
           bn_train_ref(), attrs={"training_mode": 1}, grad=False, atol=1e-3, rtol=1e-4),
    OpCase("batchnorm_inference_nchw", ops.batch_normalization, _bn_inputs((4, 3, 2, 2)),
           bn_eval_ref(), second_order=True),
    OpCase("batchnorm_inference_nhwc", ops.batch_normalization, _bn_inputs((2, 3, 5), axis=-1),
           bn_eval_ref(eps=1e-3, axis=-1), attrs={"axis": -1, "epsilon": 1e-3}),
    # -- LayerNormalization: outputs Y, Mean, InvStdDev
    OpCase("layernorm_last_axis", ops.layer_normalization, [rand(4, 3, 5), rand(5), rand(5)],
           ln_ref(), second_order=True),
    OpCase("layernorm_axis1_no_bias", ops.layer_normalization, [rand(2, 3, 4), rand(3, 4)],
           ln_ref(axis=1), attrs={"axis": 1}),
    OpCase("layernorm_broadcast_scale", ops.layer_normalization,
           [rand(2, 3, 4), rand(4), rand(1, 4)], ln_ref(axis=-2, eps=1e-3),
           attrs={"axis": -2, "epsilon": 1e-3}),
    OpCase("layernorm_axis0", ops.layer_normalization, [rand(3, 4), rand(3, 4), rand(3, 4)],
           ln_ref(axis=0), attrs={"axis": 0}),
    OpCase("layernorm_float64_stash", ops.layer_normalization,
           [rand(3, 4, dtype=np.float64), rand(4, dtype=np.float64)], ln_ref(),
           attrs={"stash_type": 11}),
    # -- InstanceNormalization
    OpCase("instancenorm_1d", ops.instance_normalization, [rand(2, 3, 5), rand(3), rand(3)],
           in_ref(), second_order=True),
    OpCase("instancenorm_2d_eps", ops.instance_normalization,
           [rand(2, 3, 4, 4), rand(3), rand(3)], in_ref(eps=1e-3), attrs={"epsilon": 1e-3}),
    # -- GroupNormalization (opset 21: per-channel scale and bias)
    OpCase("groupnorm_4d", ops.group_normalization, [rand(2, 6, 3, 3), rand(6), rand(6)],
           gn_ref(3), attrs={"num_groups": 3}, second_order=True),
    OpCase("groupnorm_2d", ops.group_normalization, [rand(5, 4), rand(4), rand(4)],
           gn_ref(2), attrs={"num_groups": 2}),
    OpCase("groupnorm_one_group", ops.group_normalization, [rand(3, 4, 5), rand(4), rand(4)],
           gn_ref(1, eps=1e-3), attrs={"num_groups": 1, "epsilon": 1e-3}),
    OpCase("groupnorm_groups_are_channels", ops.group_normalization,
           [rand(2, 4, 6), rand(4), rand(4)], gn_ref(4), attrs={"num_groups": 4}),
]
