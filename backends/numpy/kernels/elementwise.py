"""Kernels of the elementwise ops: arrays and attributes in, arrays out. Same order as
core_ir/ops/elementwise.py. Kernels never validate: the op's shape rule does (see eager.py)."""

from __future__ import annotations

import functools

import numpy as np

from core_ir import ops

from .special import erf

SQRT_HALF = 0.7071067811865476
SQRT_2_OVER_PI = 0.7978845608028654


def _div(x, y):
    """ONNX Div on integers truncates toward zero (C semantics), unlike numpy's floor_divide."""
    if x.dtype.kind in "iu":
        q = np.floor_divide(x, y)
        return np.where((q < 0) & (q * y != x), q + 1, q).astype(x.dtype)
    return np.divide(x, y)


def _pow(x, y):
    return np.power(x, y).astype(x.dtype, copy=False)  # ONNX: the result has the base's type


def _mod(x, y, fmod):
    return np.fmod(x, y) if fmod else np.mod(x, y)


def _exp_floor(x):
    """-x clamped where exp(-x) would overflow: sigmoid of very negative x is then a denormal
    instead of an overflow warning."""
    return np.maximum(x, -88.0 if x.dtype.itemsize <= 4 else -708.0)


def _sigmoid(x):
    return 1 / (1 + np.exp(-_exp_floor(x)))


def _softplus(x):
    return np.logaddexp(x.dtype.type(0), x)


def _elu(x, alpha):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _selu(x, alpha, gamma):
    return gamma * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _celu(x, alpha):
    return np.maximum(x, 0) + np.minimum(0, alpha * np.expm1(np.minimum(x, 0) / alpha))


def _gelu(x, approximate):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
    return 0.5 * x * (1 + erf(x * x.dtype.type(SQRT_HALF)))


def _clip(x, lo=None, hi=None):
    if lo is not None:
        x = np.maximum(x, lo)
    if hi is not None:
        x = np.minimum(x, hi)
    return x


def _is_inf(x, detect_negative, detect_positive):
    if detect_negative and detect_positive:
        return np.isinf(x)
    if detect_positive:
        return np.isposinf(x)
    return np.isneginf(x) if detect_negative else np.zeros(x.shape, bool)


def _variadic(fn):
    return lambda *xs: functools.reduce(fn, xs)


KERNELS = {
    ops.add: np.add,
    ops.sub: np.subtract,
    ops.mul: np.multiply,
    ops.div: _div,
    ops.neg: np.negative,
    ops.abs_: np.abs,
    ops.reciprocal: np.reciprocal,
    ops.pow: _pow,
    ops.mod: _mod,
    ops.exp: np.exp,
    ops.log: np.log,
    ops.sqrt: np.sqrt,
    ops.sin: np.sin,
    ops.cos: np.cos,
    ops.tanh: np.tanh,
    ops.erf: erf,
    ops.sigmoid: _sigmoid,
    ops.relu: lambda x: np.maximum(x, x.dtype.type(0)),
    ops.leaky_relu: lambda x, alpha: np.where(x >= 0, x, x * x.dtype.type(alpha)),
    ops.prelu: lambda x, slope: np.where(x >= 0, x, x * slope),
    ops.elu: _elu,
    ops.selu: _selu,
    ops.celu: _celu,
    ops.softplus: _softplus,
    ops.softsign: lambda x: x / (1 + np.abs(x)),
    ops.hard_sigmoid: lambda x, alpha, beta: np.clip(alpha * x + beta, 0, 1).astype(x.dtype),
    ops.hard_swish: lambda x: x * np.clip(x / 6 + 0.5, 0, 1).astype(x.dtype),
    ops.mish: lambda x: x * np.tanh(_softplus(x)),
    ops.gelu: _gelu,
    ops.sign: np.sign,
    ops.floor: np.floor,
    ops.ceil: np.ceil,
    ops.round_: np.round,
    ops.min_: _variadic(np.minimum),
    ops.max_: _variadic(np.maximum),
    ops.clip: _clip,
    ops.where: np.where,
    ops.cast: lambda x, to, saturate, round_mode: x.astype(to),
    ops.cast_like: lambda x, like, saturate, round_mode: x.astype(like.dtype),
    ops.identity: lambda x: x,
    ops.is_nan: np.isnan,
    ops.is_inf: _is_inf,
    ops.not_: np.logical_not,
    ops.and_: np.logical_and,
    ops.or_: np.logical_or,
    ops.xor: np.logical_xor,
    ops.equal: np.equal,
    ops.less: np.less,
    ops.less_or_equal: np.less_equal,
    ops.greater: np.greater,
    ops.greater_or_equal: np.greater_equal,
}
