"""Trigonometric and hyperbolic functions the IR has no op for, built from its primitives so
they stay differentiable and traceable: atan with Cephes' rational approximation and range
reduction, atan2/asin/acos from it, tan from sin/cos, sinh/asinh/atanh from the exactly rounded
expm1/log1p. NOTE: a `where` whose unselected branch could divide by zero gets a safe
denominator (where's zero cotangent times an inf partial is still nan)."""

from __future__ import annotations

import math

from core_ir import ops

from ._math_ops import _c, _float, expm1, log, log1p, sqrt
from ._tensor import binary_operands, call

_ATAN_P = (-8.750608600031904122785e-1, -1.615753718733365076637e1, -7.500855792314704667340e1,
           -1.228866684490136173410e2, -6.485021904942025371773e1)
_ATAN_Q = (2.485846490142306297962e1, 1.650270098316988542046e2, 4.328810604912902668951e2,
           4.853903996359136964868e2, 1.945506571482613964425e2)
_T3P8 = 2.41421356237309504880  # tan(3 pi / 8)


def _polevl(z, coeffs, monic: bool):
    acc = z + coeffs[0] if monic else z * coeffs[0] + coeffs[1]
    for c in coeffs[(1 if monic else 2):]:
        acc = acc * z + c
    return acc


def _side(x):
    """+1 where x >= 0, -1 below: a sign without Sign's 0 at 0 (so gradients pass there)."""
    return call(ops.where, call(ops.less, x, _c(0, x)), _c(-1, x), _c(1, x))


def atan(input):
    """Cephes atan: reduce |x| to [0, 0.66] (via pi/4 + atan((x-1)/(x+1)) or pi/2 - atan(1/x)),
    then a rational approximation; odd symmetry carries the sign."""
    x = _float(input)
    s = _side(x)
    a = x * s
    big = call(ops.greater, a, _c(_T3P8, a))
    mid = call(ops.and_, call(ops.greater, a, _c(0.66, a)), call(ops.not_, big))
    t_big = -1 / call(ops.where, big, a, _c(1, a))
    t = call(ops.where, big, t_big, call(ops.where, mid, (a - 1) / (a + 1), a))
    base = call(ops.where, big, _c(math.pi / 2, a),
                call(ops.where, mid, _c(math.pi / 4, a), _c(0, a)))
    z = t * t
    poly = t + t * (z * _polevl(z, _ATAN_P, False) / _polevl(z, _ATAN_Q, True))
    return s * (base + poly)


arctan = atan


def atan2(input, other):
    """The angle of (other, input): atan(input / other) moved to the right quadrant."""
    y, x = binary_operands(_float(input), _float(other))
    zero = _c(0, x)
    x_zero = call(ops.equal, x, zero)
    ratio = atan(y / call(ops.where, x_zero, _c(1, x), x))
    half = _side(y) * (math.pi / 2)
    left = call(ops.where, call(ops.less, y, zero), ratio - math.pi, ratio + math.pi)
    on_axis = call(ops.where, call(ops.equal, y, zero), _zeros_of(y), half)
    x_neg_zero = call(ops.less, x, zero)
    return call(ops.where, x_zero, on_axis, call(ops.where, x_neg_zero, left, ratio))


arctan2 = atan2


def _zeros_of(x):
    return x * 0


def asin(input):
    x = _float(input)
    return atan2(x, sqrt(1 - x * x))


def acos(input):
    x = _float(input)
    return atan2(sqrt(1 - x * x), x)


arcsin, arccos = asin, acos


def tan(input):
    x = _float(input)
    return call(ops.sin, x) / call(ops.cos, x)


def sinh(input):
    x = _float(input)
    return (expm1(x) - expm1(-x)) * 0.5


def cosh(input):
    x = _float(input)
    return (call(ops.exp, x) + call(ops.exp, -x)) * 0.5


def asinh(input):
    x = _float(input)
    s = _side(x)
    a = x * s
    return s * log1p(a + a * a / (1 + sqrt(a * a + 1)))


def acosh(input):
    x = _float(input)
    return log(x + sqrt(x * x - 1))


def atanh(input):
    x = _float(input)
    return log1p(2 * x / (1 - x)) * 0.5


arcsinh, arccosh, arctanh = asinh, acosh, atanh


