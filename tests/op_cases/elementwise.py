"""Cases for the elementwise ops (references written independently of the kernels)."""

from __future__ import annotations

import math

import numpy as np

from core_ir import ops

from . import OpCase, away_from_zero, positive, rand

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    return np.array([1 / (1 + math.exp(-v)) for v in x.ravel()]).reshape(x.shape)


def _unary(op, ref, x=None, **kw):
    x = rand(3, 4) if x is None else x
    return OpCase(op.name.lower(), op, [x], ref, second_order=True, **kw)


def _binary(op, ref, x=None, y=None, **kw):
    x = rand(3, 4) if x is None else x
    y = rand(4) if y is None else y  # broadcast along the leading axis
    return OpCase(op.name.lower() + "_broadcast", op, [x, y], ref, second_order=True, **kw)


def _compare(op, ref):
    return OpCase(op.name.lower(), op, [rand(3, 4), rand(1, 4)], ref, grad=False)


CASES = [
    _binary(ops.add, np.add),
    _binary(ops.sub, np.subtract),
    _binary(ops.mul, np.multiply),
    _binary(ops.div, np.divide, y=away_from_zero(4, margin=0.5)),
    OpCase("div_int_truncates", ops.div, [np.array([7, -7, 7, -7]), np.array([2, 2, -2, -2])],
           lambda x, y: np.trunc(x / y).astype(np.int64), grad=False),
    _binary(ops.pow, lambda x, y: x ** y, x=positive(3, 4)),
    OpCase("mod", ops.mod, [np.array([5, -5, 5, -5]), np.array([3, 3, -3, -3])],
           lambda x, y: np.array([a % b for a, b in zip(x, y)]), grad=False),
    OpCase("fmod", ops.mod, [rand(3, 4) * 3, positive(3, 4)],
           lambda x, y: np.vectorize(math.fmod)(x, y), attrs={"fmod": 1}, wrt=(0,)),
    _unary(ops.neg, lambda x: -x),
    _unary(ops.abs_, np.abs, x=away_from_zero(3, 4)),
    _unary(ops.reciprocal, lambda x: 1 / x, x=away_from_zero(3, 4, margin=0.5)),
    _unary(ops.exp, lambda x: np.vectorize(math.exp)(x)),
    _unary(ops.log, lambda x: np.vectorize(math.log)(x), x=positive(3, 4)),
    _unary(ops.sqrt, lambda x: np.vectorize(math.sqrt)(x), x=positive(3, 4)),
    _unary(ops.sin, lambda x: np.vectorize(math.sin)(x)),
    _unary(ops.cos, lambda x: np.vectorize(math.cos)(x)),
    _unary(ops.tanh, lambda x: np.vectorize(math.tanh)(x)),
    _unary(ops.erf, _erf),
    _unary(ops.sigmoid, _sigmoid),
    OpCase("sigmoid_extreme", ops.sigmoid, [np.array([-200.0, -30.0, 0.0, 30.0, 200.0],
                                                     np.float32)],
           lambda x: np.array([1 / (1 + math.exp(min(-v, 700))) for v in x]), grad=False),
    _unary(ops.relu, lambda x: np.where(x > 0, x, 0), x=away_from_zero(3, 4)),
    _unary(ops.leaky_relu, lambda x: np.where(x > 0, x, 0.1 * x), x=away_from_zero(3, 4),
           attrs={"alpha": 0.1}),
    OpCase("prelu", ops.prelu, [away_from_zero(2, 3, 4), rand(3, 1)],
           lambda x, s: np.where(x > 0, x, s * x)),
    _unary(ops.elu, lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1)),
           x=away_from_zero(3, 4), attrs={"alpha": 0.5}),
    _unary(ops.selu, lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)), x=away_from_zero(3, 4)),
    _unary(ops.celu, lambda x: np.maximum(0, x) + np.minimum(0, 2 * (np.exp(x / 2) - 1)),
           x=away_from_zero(3, 4), attrs={"alpha": 2.0}),
    _unary(ops.softplus, lambda x: np.log1p(np.exp(x))),
    _unary(ops.softsign, lambda x: x / (1 + np.abs(x)), x=away_from_zero(3, 4)),
    _unary(ops.hard_sigmoid, lambda x: np.clip(0.2 * x + 0.5, 0, 1), x=rand(3, 4, low=-2, high=2)),
    _unary(ops.hard_swish, lambda x: x * np.clip(x + 3, 0, 6) / 6, x=away_from_zero(3, 4)),
    _unary(ops.mish, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    _unary(ops.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    _unary(ops.gelu, lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (
        x + 0.044715 * x ** 3))), attrs={"approximate": "tanh"}),
    OpCase("sign", ops.sign, [away_from_zero(3, 4)], np.sign),
    OpCase("floor", ops.floor, [rand(3, 4) * 3], np.floor),
    OpCase("ceil", ops.ceil, [rand(3, 4) * 3], np.ceil),
    OpCase("round_half_even", ops.round_, [np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.4], np.float32)],
           lambda x: np.array([round(float(v)) for v in x]), grad=False),
    OpCase("round", ops.round_, [np.array([0.2, 1.3, -2.7, 3.9], np.float32)],
           lambda x: np.array([round(float(v)) for v in x])),
    OpCase("min_variadic", ops.min_, [rand(3, 4), rand(4), rand(1, 4)],
           lambda *xs: np.minimum(np.minimum(xs[0], xs[1]), xs[2])),
    OpCase("max_variadic", ops.max_, [rand(3, 4), rand(4), rand(1, 4)],
           lambda *xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2])),
    OpCase("clip", ops.clip, [rand(3, 4) * 2, np.array(-1.0, np.float32),
                              np.array(1.0, np.float32)],
           lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi)),
    OpCase("where", ops.where, [rand(3, 4) > 0, rand(3, 4), rand(4)],
           lambda c, x, y: np.array([[a if cc else b for cc, a, b in zip(cr, xr, y)]
                                     for cr, xr in zip(c, x)])),
    OpCase("cast_f32_i64", ops.cast, [rand(3, 4) * 5], lambda x: np.trunc(x).astype(np.int64),
           attrs={"to": np.int64}, grad=False),
    OpCase("cast_f32_f64", ops.cast, [rand(3, 4)], lambda x: x.astype(np.float64),
           attrs={"to": np.float64}),
    OpCase("cast_like_f64", ops.cast_like, [rand(3, 4), np.zeros(1, np.float64)],
           lambda x, like: x.astype(np.float64), wrt=(0,)),
    OpCase("cast_like_int", ops.cast_like, [rand(3, 4) * 5, np.zeros(1, np.int32)],
           lambda x, like: np.trunc(x).astype(np.int32), grad=False),
    OpCase("identity", ops.identity, [rand(3, 4)], lambda x: x.copy()),
    OpCase("is_nan", ops.is_nan, [np.array([1.0, np.nan, np.inf], np.float32)],
           lambda x: np.array([math.isnan(v) for v in x]), grad=False),
    OpCase("is_inf", ops.is_inf, [np.array([1.0, -np.inf, np.inf], np.float32)],
           lambda x: np.array([math.isinf(v) for v in x]), grad=False),
    OpCase("is_inf_positive", ops.is_inf, [np.array([1.0, -np.inf, np.inf], np.float32)],
           lambda x: np.array([v == math.inf for v in x]), attrs={"detect_negative": 0},
           grad=False),
    OpCase("not", ops.not_, [rand(3, 4) > 0], lambda x: ~x, grad=False),
    OpCase("and", ops.and_, [rand(3, 4) > 0, rand(4) > 0], lambda x, y: x & y, grad=False),
    OpCase("or", ops.or_, [rand(3, 4) > 0, rand(4) > 0], lambda x, y: x | y, grad=False),
    OpCase("xor", ops.xor, [rand(3, 4) > 0, rand(4) > 0], lambda x, y: x ^ y, grad=False),
    _compare(ops.equal, lambda x, y: x == y),
    _compare(ops.less, lambda x, y: x < y),
    _compare(ops.less_or_equal, lambda x, y: x <= y),
    _compare(ops.greater, lambda x, y: x > y),
    _compare(ops.greater_or_equal, lambda x, y: x >= y),
]
