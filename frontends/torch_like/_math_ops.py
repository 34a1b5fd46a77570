"""Elementwise math: torch.exp/log/sqrt/sin/... (integer inputs give the default float, as in
torch), rounding, predicates, lerp/maximum/minimum/atan2, nan_to_num, softmax.

Functions the IR has no op for are built from its primitives so that they stay differentiable
and traceable: log1p/expm1 with the classic exact-rounding tricks (Goldberg, Kahan); the
trigonometric and hyperbolic ones are in _trig_ops. NOTE: every `where` whose unselected
branch could divide by zero gets a safe denominator, since where's zero cotangent times an inf
partial is still nan.
"""

from __future__ import annotations

import math

import numpy as np

from core_ir import ops

from . import _dtypes
from ._tensor import Tensor, as_operand, binary_operands, call, wrap


def _float(x):
    """x as a floating tensor: integer and bool tensors become the default float dtype."""
    x = wrap(x)
    if x.dtype.kind == "f":
        return x
    return call(ops.cast, x, to=_dtypes.get_default_dtype())


def _c(value, like):
    return as_operand(value, like.dtype)


def _unary(op, name):
    def fn(input, *, out=None):
        return _out(call(op, _float(input)), out)
    fn.__name__ = name
    return fn


def _out(result, out):
    from ._tensor_ops import _out as write
    return write(result, out)


exp = _unary(ops.exp, "exp")
log = _unary(ops.log, "log")
sqrt = _unary(ops.sqrt, "sqrt")
sin = _unary(ops.sin, "sin")
cos = _unary(ops.cos, "cos")
tanh = _unary(ops.tanh, "tanh")
sigmoid = _unary(ops.sigmoid, "sigmoid")
erf = _unary(ops.erf, "erf")
reciprocal = _unary(ops.reciprocal, "reciprocal")


def rsqrt(input):
    return call(ops.reciprocal, sqrt(input))


def exp2(input):
    x = _float(input)
    return call(ops.exp, x * math.log(2.0))


def log2(input):
    x = _float(input)
    return call(ops.log, x) * (1 / math.log(2.0))


def log10(input):
    x = _float(input)
    return call(ops.log, x) * (1 / math.log(10.0))


def log1p(input):
    """log(1 + x) accurate near 0: log(u) * x / (u - 1) with u = 1 + x (Goldberg)."""
    x = _float(input)
    u = x + 1
    d = u - 1
    tiny = call(ops.equal, d, _c(0, d))
    plain = call(ops.or_, tiny, call(ops.is_inf, u))
    safe = call(ops.where, plain, _c(1, d), d)
    exact = call(ops.log, u) * (x / safe)
    return call(ops.where, tiny, x, call(ops.where, plain, call(ops.log, u), exact))


def expm1(input):
    """exp(x) - 1 accurate near 0: (u - 1) * x / log(u) with u = exp(x) (Kahan)."""
    x = _float(input)
    u = call(ops.exp, x)
    d = u - 1
    exact = call(ops.or_, call(ops.equal, u, _c(1, u)), call(ops.equal, d, _c(-1, d)))
    inf = call(ops.is_inf, u)
    plain = call(ops.or_, exact, inf)
    log_u = call(ops.log, call(ops.where, plain, _c(2, u), u))
    return call(ops.where, call(ops.equal, u, _c(1, u)), x,
                call(ops.where, plain, d, d * x / log_u))


def square(input):
    x = wrap(input)
    return x * x


def abs(input, *, out=None):
    return _out(call(ops.abs_, wrap(input)), out)


absolute = abs


def sign(input):
    x = wrap(input)
    return call(ops.sign, x) if x.dtype != _dtypes.bool else x


sgn = sign


def relu(input):
    x = wrap(input)
    return call(ops.relu, x) if x.dtype.kind in "fi" else x


def deg2rad(input):
    return _float(input) * (math.pi / 180)


def rad2deg(input):
    return _float(input) * (180 / math.pi)


def logit(input, eps=None):
    x = _float(input)
    if eps is not None:
        x = call(ops.clip, x, _c(eps, x), _c(1 - eps, x))
    return log(x / (1 - x))


# -- rounding -------------------------------------------------------------------------------------


def _rounding(op, name):
    def fn(input, *, out=None):
        x = wrap(input)
        return _out(x if x.dtype.kind != "f" else call(op, x), out)
    fn.__name__ = name
    return fn


floor = _rounding(ops.floor, "floor")
ceil = _rounding(ops.ceil, "ceil")


def round(input, *, decimals: int = 0, out=None):
    """Half to even, as torch; decimals scales by 10**decimals first."""
    x = wrap(input)
    if x.dtype.kind != "f":
        return _out(x, out)
    if decimals == 0:
        return _out(call(ops.round_, x), out)
    scale = 10.0 ** decimals
    return _out(call(ops.round_, x * scale) / scale, out)


def trunc(input, *, out=None):
    from ._tensor_ops import trunc_
    x = wrap(input)
    return _out(x if x.dtype.kind != "f" else trunc_(x), out)


fix = trunc


def frac(input):
    x = wrap(input)
    return x - trunc(x)


# -- predicates -----------------------------------------------------------------------------------


def isnan(input):
    x = wrap(input)
    if x.dtype.kind != "f":
        return Tensor(np.zeros(tuple(x.shape), bool))
    return call(ops.is_nan, x)


def isinf(input):
    x = wrap(input)
    if x.dtype.kind != "f":
        return Tensor(np.zeros(tuple(x.shape), bool))
    return call(ops.is_inf, x)


def isposinf(input):
    x = wrap(input)
    if x.dtype.kind != "f":
        return Tensor(np.zeros(tuple(x.shape), bool))
    return call(ops.is_inf, x, detect_negative=0)


def isneginf(input):
    x = wrap(input)
    if x.dtype.kind != "f":
        return Tensor(np.zeros(tuple(x.shape), bool))
    return call(ops.is_inf, x, detect_positive=0)


def isfinite(input):
    x = wrap(input)
    if x.dtype.kind != "f":
        return Tensor(np.ones(tuple(x.shape), bool))
    return call(ops.not_, call(ops.or_, call(ops.is_nan, x), call(ops.is_inf, x)))


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    a, b = binary_operands(input, other)
    if a.dtype.kind != "f":
        a, b = _float(a), _float(b)
    close = call(ops.less_or_equal, abs(a - b), atol + rtol * abs(b))
    close = call(ops.or_, close, call(ops.equal, a, b))  # equal infinities
    if equal_nan:
        close = call(ops.or_, close, call(ops.and_, isnan(a), isnan(b)))
    return close


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    return bool(np.all(np.asarray(isclose(input, other, rtol, atol, equal_nan).array)))


def nan_to_num(input, nan: float = 0.0, posinf=None, neginf=None, *, out=None):
    x = wrap(input)
    if x.dtype.kind != "f":
        return _out(x, out)
    info = np.finfo(x.dtype)
    hi = info.max if posinf is None else posinf
    lo = info.min if neginf is None else neginf
    y = call(ops.where, call(ops.is_nan, x), _c(nan, x), x)
    y = call(ops.where, call(ops.is_inf, x, detect_negative=0), _c(hi, x), y)
    return _out(call(ops.where, call(ops.is_inf, x, detect_positive=0), _c(lo, x), y), out)


# -- binary ---------------------------------------------------------------------------------------


def maximum(input, other, *, out=None):
    a, b = binary_operands(input, other)
    return _out(call(ops.max_, a, b), out)


def minimum(input, other, *, out=None):
    a, b = binary_operands(input, other)
    return _out(call(ops.min_, a, b), out)


def fmax(input, other):
    a, b = binary_operands(input, other)
    if a.dtype.kind != "f":
        return call(ops.max_, a, b)
    m = call(ops.max_, a, b)
    return call(ops.where, call(ops.is_nan, a), b, call(ops.where, call(ops.is_nan, b), a, m))


def fmin(input, other):
    a, b = binary_operands(input, other)
    if a.dtype.kind != "f":
        return call(ops.min_, a, b)
    m = call(ops.min_, a, b)
    return call(ops.where, call(ops.is_nan, a), b, call(ops.where, call(ops.is_nan, b), a, m))


def lerp(input, end, weight):
    """start + weight * (end - start), as torch computes it (from the nearer end)."""
    start, end = binary_operands(_float(input), end)
    w = as_operand(weight, start.dtype) if not isinstance(weight, Tensor) else weight
    diff = end - start
    near_start = start + w * diff
    near_end = end - diff * (1 - w)
    return call(ops.where, call(ops.less, abs(w), _c(0.5, w)), near_start, near_end)


def hypot(input, other):
    a, b = binary_operands(_float(input), other)
    return sqrt(a * a + b * b)


def logaddexp(input, other):
    a, b = binary_operands(_float(input), other)
    m = call(ops.max_, a, b)
    return m + log1p(call(ops.exp, -abs(a - b)))


def xlogy(input, other):
    x, y = binary_operands(_float(input), other)
    return call(ops.where, call(ops.equal, x, _c(0, x)), x * 0, x * log(y))


# -- softmax --------------------------------------------------------------------------------------


def softmax(input, dim=None, dtype=None):
    x = _float(input) if dtype is None else wrap(input).to(dtype)
    return call(ops.softmax, x, axis=-1 if dim is None else dim)


def log_softmax(input, dim=None, dtype=None):
    x = _float(input) if dtype is None else wrap(input).to(dtype)
    return call(ops.log_softmax, x, axis=-1 if dim is None else dim)
