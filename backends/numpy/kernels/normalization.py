"""Fused kernels of the normalization ops. Same order as core_ir/ops/normalization.py.

Statistics use two passes (the mean, then the mean of squared deviations): one pass of
E[x^2] - E[x]^2 loses every digit when |mean| >> std. float16 inputs are standardized in
float32 (ONNX's stash type); the affine step runs in X's dtype.
"""

from __future__ import annotations

import math

import numpy as np

from core_ir import ops
from core_ir.ops.normalization import stash_dtype


def _compute_dtype(dtype: np.dtype) -> np.dtype:
    return stash_dtype(dtype, 1)


def _channels(x: np.ndarray, axis: int) -> tuple:
    """The broadcast shape of a per-channel vector, with the channel count spelled out so that
    a vector of the wrong length fails to reshape instead of broadcasting from length 1."""
    return tuple(x.shape[axis] if i == axis else 1 for i in range(x.ndim))


def _standardize(x: np.ndarray, axes: tuple, epsilon: float):
    """(mean, xhat, inv_std, var) over axes, keepdims; xhat is a fresh array."""
    mean = x.mean(axis=axes, keepdims=True)
    xhat = x - mean
    var = np.mean(np.square(xhat), axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    xhat *= inv_std
    return mean, xhat, inv_std, var


def _affine(xhat: np.ndarray, dtype: np.dtype, scale: np.ndarray, bias: np.ndarray | None):
    """scale * xhat + bias in `dtype` (scale and bias already broadcastable)."""
    y = xhat.astype(dtype, copy=False)
    y *= scale
    if bias is not None:
        y += bias
    return y


def _batch_normalization(x, scale, b, mean, var, epsilon=1e-5, momentum=0.9, training_mode=0,
                         axis=1, running_var_unbiased=0):
    ax = axis % x.ndim
    shape = _channels(x, ax)
    cd = _compute_dtype(x.dtype)
    if not training_mode:
        # (x - mean) * k + b rather than x * k + (b - mean * k), which cancels when |mean| >> std
        y = np.subtract(x, mean.reshape(shape), dtype=cd)
        y *= scale.reshape(shape) / np.sqrt(var.astype(cd).reshape(shape) + epsilon)
        y = y.astype(x.dtype, copy=False)
        y += b.reshape(shape)
        return (y,)
    red = tuple(i for i in range(x.ndim) if i != ax)
    batch_mean, xhat, _, batch_var = _standardize(x.astype(cd, copy=False), red, epsilon)
    y = _affine(xhat, x.dtype, scale.reshape(shape), b.reshape(shape))
    n = x.size // x.shape[ax]
    if running_var_unbiased:  # torch stores the unbiased estimate
        batch_var = batch_var * (n / (n - 1))
    c = x.shape[ax]
    new_mean = mean.reshape(c) * momentum + batch_mean.reshape(c).astype(mean.dtype) * (1 - momentum)
    new_var = var.reshape(c) * momentum + batch_var.reshape(c).astype(var.dtype) * (1 - momentum)
    return y, new_mean, new_var


def _layer_normalization(x, scale, b=None, axis=-1, epsilon=1e-5, stash_type=1):
    ax = axis % x.ndim
    xs = x.astype(stash_dtype(x.dtype, stash_type), copy=False)
    mean, xhat, inv_std, _ = _standardize(xs, tuple(range(ax, x.ndim)), epsilon)
    return _affine(xhat, x.dtype, scale, b), mean, inv_std


def _instance_normalization(x, scale, b, epsilon=1e-5):
    shape = _channels(x, 1)
    xs = x.astype(_compute_dtype(x.dtype), copy=False)
    xhat = _standardize(xs, tuple(range(2, x.ndim)), epsilon)[1]
    return _affine(xhat, x.dtype, scale.reshape(shape), b.reshape(shape))


def _group_normalization(x, scale, bias, num_groups, epsilon=1e-5, stash_type=1):
    n, c = x.shape[:2]
    grouped = (n, num_groups, c // num_groups * math.prod(x.shape[2:]))  # no -1: n may be 0
    xs = x.astype(stash_dtype(x.dtype, stash_type), copy=False).reshape(grouped)
    xhat = _standardize(xs, (2,), epsilon)[1].reshape(x.shape)
    shape = _channels(x, 1)
    return _affine(xhat, x.dtype, scale.reshape(shape), bias.reshape(shape))


KERNELS = {
    ops.batch_normalization: _batch_normalization,
    ops.layer_normalization: _layer_normalization,
    ops.instance_normalization: _instance_normalization,
    ops.group_normalization: _group_normalization,
}
