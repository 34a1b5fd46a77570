"""Elementwise math against torch 2.13, values and gradients, float32 and float64: the IR's own
ops and the ones composed from them here (log1p/expm1 with exact rounding, atan/atan2 and the
inverse and hyperbolic functions), integer inputs promoting to the default float, predicates."""

from __future__ import annotations

import numpy as np
import pytest

from tests.frontends.torch_like.test_functions_harness import compare

R = np.random.default_rng(3)
ANY = R.standard_normal((3, 5)) * 2  # float64
POS = np.abs(ANY) + 0.05
UNIT = np.tanh(ANY) * 0.95  # inside (-1, 1)
TINY = np.array([1e-12, -3e-9, 1e-6, -2e-4, 0.0, 0.3, -0.7, 5.0, -20.0])
WIDE = np.concatenate([ANY.reshape(-1), [0.0, 1e-5, -1e-5, 0.5, -0.6, 0.7, 2.3, 2.5, -50,
                                         1e4, -3e6]])

UNARY = {
    "exp": (ANY, None), "exp2": (ANY, None), "expm1": (TINY, None), "log": (POS, None),
    "log2": (POS, None), "log10": (POS, None), "log1p": (TINY[TINY > -1], None),
    "sqrt": (POS, None), "rsqrt": (POS, None), "square": (ANY, None), "abs": (ANY, None),
    "sign": (ANY, None), "sgn": (ANY, None), "neg": (ANY, None), "reciprocal": (POS, None),
    "sin": (ANY, None), "cos": (ANY, None), "tan": (UNIT, None), "tanh": (ANY, None),
    "asin": (UNIT, None), "acos": (UNIT, None), "atan": (WIDE, None), "sinh": (TINY, None),
    "cosh": (ANY, None), "asinh": (WIDE, None), "acosh": (POS + 1, None), "atanh": (UNIT, None),
    "sigmoid": (ANY, None), "logit": (1 / (1 + np.exp(-ANY)), None), "relu": (ANY, None),
    "erf": (ANY, None), "floor": (ANY, None), "ceil": (ANY, None), "round": (ANY, None),
    "trunc": (ANY, None), "fix": (ANY, None), "frac": (ANY, None), "deg2rad": (ANY, None),
    "rad2deg": (ANY, None),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", UNARY)
def test_unary_functions(name, dtype):
    x, _ = UNARY[name]
    compare(lambda T, t: getattr(T, name)(t), x.astype(dtype))
    compare(lambda T, t: getattr(t, name)(), x.astype(dtype))


@pytest.mark.parametrize("name", ["exp", "log1p", "sqrt", "sin", "sigmoid", "atan", "tanh",
                                  "expm1", "erf", "rsqrt"])
def test_integer_inputs_give_the_default_float(name):
    compare(lambda T, t: getattr(T, name)(t), np.array([1, 2, 7], np.int64))


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "abs", "sign"])
def test_rounding_keeps_integer_dtypes(name):
    compare(lambda T, t: getattr(T, name)(t), np.array([-3, 0, 5], np.int64))


def test_round_decimals():
    compare(lambda T, t: T.round(t, decimals=2), ANY.astype(np.float32))
    compare(lambda T, t: t.round(decimals=-1), ANY * 100)


BINARY = {
    "atan2": lambda T, a, b: T.atan2(a, b),
    "arctan2": lambda T, a, b: T.arctan2(a, b),
    "maximum": lambda T, a, b: T.maximum(a, b),
    "minimum": lambda T, a, b: T.minimum(a, b),
    "fmax": lambda T, a, b: T.fmax(a, b),
    "fmin": lambda T, a, b: T.fmin(a, b),
    "hypot": lambda T, a, b: T.hypot(a, b),
    "logaddexp": lambda T, a, b: T.logaddexp(a, b),
    "lerp scalar": lambda T, a, b: T.lerp(a, b, 0.3),
    "lerp near end": lambda T, a, b: a.lerp(b, 0.8),
    "lerp tensor": lambda T, a, b: T.lerp(a, b, T.sigmoid(a)),
    "xlogy": lambda T, a, b: T.xlogy(a, b.abs() + 0.1),
    "max of two": lambda T, a, b: T.max(a, b),
    "min of two": lambda T, a, b: a.min(b),
    "addcmul": lambda T, a, b: T.addcmul(a, a, b, value=0.5),
    "addcdiv": lambda T, a, b: a.addcdiv(b, b.abs() + 1, value=2),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", BINARY)
def test_binary_functions(name, dtype):
    a = ANY.astype(dtype)
    b = R.standard_normal((3, 5)).astype(dtype)
    compare(BINARY[name], a, b)


def test_atan2_in_every_quadrant_and_on_the_axes():
    y = np.array([1.0, 1.0, -1.0, -1.0, 0.0, 2.0, -2.0, 0.0, 1e-30], np.float32)
    x = np.array([1.0, -1.0, 1.0, -1.0, 3.0, 0.0, 0.0, -3.0, -1.0], np.float32)
    compare(lambda T, a, b: T.atan2(a, b), y, x, grad=False)
    compare(lambda T, a, b: T.atan2(a, b), y[:5], x[:5])


def test_maximum_splits_the_gradient_at_ties():
    a = np.array([1.0, 2.0, 3.0], np.float32)
    compare(lambda T, x, y: T.maximum(x, y), a, np.array([1.0, 5.0, 0.0], np.float32))


def test_special_values_and_predicates():
    x = np.array([0.0, -1.5, np.inf, -np.inf, np.nan, 3.0], np.float32)
    for name in ("isnan", "isinf", "isfinite", "isposinf", "isneginf"):
        compare(lambda T, t, name=name: getattr(T, name)(t), x)
        compare(lambda T, t, name=name: getattr(T, name)(t), np.array([1, 2], np.int64))
    compare(lambda T, t: T.nan_to_num(t), x, grad=False)
    compare(lambda T, t: t.nan_to_num(nan=1.0, posinf=2.0, neginf=-2.0), x)
    compare(lambda T, t: T.isclose(t, t + 1e-7), ANY.astype(np.float32))
    compare(lambda T, t: T.isclose(t, t, equal_nan=True), x)
    compare(lambda T, t: T.allclose(t, t * (1 + 1e-6)), ANY)
    compare(lambda T, t: T.allclose(t, t + 1), ANY)
    compare(lambda T, t: T.exp(t), x)
    compare(lambda T, t: T.log1p(t), np.array([-1.0, 0.0, np.inf, 1e30], np.float32), grad=False)
    compare(lambda T, t: T.expm1(t), np.array([-np.inf, 0.0, 100.0, -100.0], np.float32),
            grad=False)


def test_softmax_functions():
    compare(lambda T, t: T.softmax(t, 1), ANY.astype(np.float32))
    compare(lambda T, t: t.softmax(dim=0), ANY.astype(np.float32))
    compare(lambda T, t: T.log_softmax(t, -1), ANY)
    compare(lambda T, t: t.log_softmax(0, dtype=T.float64), ANY.astype(np.float32))
