"""Elementwise ops (ONNX semantics: numpy broadcasting, inputs of one dtype).

Each line: the op, its shape rule, its VJP rule. VJP rules receive (g, out, *inputs, **attrs);
a tuple of rules has one per input, so only the gradients someone needs are computed.
"""

from __future__ import annotations

import math

from .. import dtypes
from ..interpreters import TypeSpec
from ..op import DECOMPOSE, Attr, defop
from ..shape_rules import binary, broadcast_shapes, check_dtype, same_dtypes, unary, variadic

F = dtypes.FLOATS
NUM = dtypes.NUMERIC
SIGNED = dtypes.FLOATS | dtypes.SIGNED_INTS
BOOL = frozenset({dtypes.bool_})
INT_OR_BOOL = dtypes.INTS | BOOL


def _zero(g, out, *args, **attrs):
    """Piecewise-constant ops (Floor, Sign, ...): the gradient is zero, as in torch."""
    return tuple(None if a is None else zeros_like(a) for a in args)


# -- arithmetic ---------------------------------------------------------------------------------
add = defop("Add", infer=binary(), vjp=(lambda g, o, x, y: g, lambda g, o, x, y: g))
sub = defop("Sub", infer=binary(), vjp=(lambda g, o, x, y: g, lambda g, o, x, y: -g))
mul = defop("Mul", infer=binary(), vjp=(lambda g, o, x, y: g * y, lambda g, o, x, y: g * x))
div = defop("Div", infer=binary(), vjp=(lambda g, o, x, y: g / y, lambda g, o, x, y: -g * o / y))
neg = defop("Neg", infer=unary(SIGNED), vjp=lambda g, o, x: (-g,))
abs_ = defop("Abs", infer=unary(), vjp=lambda g, o, x: (g * sign(x),))
reciprocal = defop("Reciprocal", infer=unary(F), vjp=lambda g, o, x: (-g * o * o,))


def _pow_dx(g, out, x, y):
    return g * y * pow(x, y - const_like(1, y))


def _pow_dy(g, out, x, y):
    # NOTE: as torch, 0 ** y (y >= 0) has a zero gradient w.r.t. y instead of nan from log(0).
    zero = const_like(0, x)
    safe = where(equal(x, zero), ones_like(x), x)
    return where(equal(x, zero), zeros_like(g * out), g * out * log(safe))


pow = defop("Pow", infer=lambda x, y: TypeSpec(x.dtype, broadcast_shapes(x.shape, y.shape)),
            vjp=(_pow_dx, _pow_dy))
mod = defop("Mod", infer=binary(), attrs={"fmod": Attr("int", 0, (0, 1))},
            vjp=(lambda g, o, x, y, fmod: g,
                 lambda g, o, x, y, fmod: -g * (x - o) / y))  # x = q*y + o, q = (x - o) / y

# -- exponentials, logs, trigonometry ----------------------------------------------------------
exp = defop("Exp", infer=unary(F), vjp=lambda g, o, x: (g * o,))
log = defop("Log", infer=unary(F), vjp=lambda g, o, x: (g / x,))
sqrt = defop("Sqrt", infer=unary(F), vjp=lambda g, o, x: (g / (o * 2),))
sin = defop("Sin", infer=unary(F), vjp=lambda g, o, x: (g * cos(x),))
cos = defop("Cos", infer=unary(F), vjp=lambda g, o, x: (-g * sin(x),))
tanh = defop("Tanh", infer=unary(F), vjp=lambda g, o, x: (g * (1 - o * o),))
erf = defop("Erf", infer=unary(F),
            vjp=lambda g, o, x: (g * (2 / math.sqrt(math.pi)) * exp(-x * x),))

# -- activations --------------------------------------------------------------------------------
sigmoid = defop("Sigmoid", infer=unary(F), vjp=lambda g, o, x: (g * o * (1 - o),))


def _positive_mask(x, like):
    """1 where x > 0, else 0, in like's dtype. NOTE: strictly positive, so relu'(0) = 0 as in
    torch; a mask product rather than Where because np.where costs ~5x a multiply."""
    return cast(greater(x, const_like(0, x)), to=like.dtype)


relu = defop("Relu", infer=unary(SIGNED), vjp=lambda g, o, x: (g * _positive_mask(x, g),))
leaky_relu = defop("LeakyRelu", infer=unary(F), attrs={"alpha": Attr("float", 0.01)},
                   vjp=lambda g, o, x, alpha: (where(greater(x, const_like(0, x)), g, g * alpha),))
prelu = defop("PRelu", infer=lambda x, slope: TypeSpec(x.dtype, x.shape),
              vjp=(lambda g, o, x, s: where(greater(x, const_like(0, x)), g, g * s),
                   lambda g, o, x, s: where(greater(x, const_like(0, x)), zeros_like(g), g * x)))
elu = defop("Elu", infer=unary(F), attrs={"alpha": Attr("float", 1.0)},
            vjp=lambda g, o, x, alpha: (where(greater(x, const_like(0, x)), g, g * (o + alpha)),))
selu = defop("Selu", infer=unary(F),
             attrs={"alpha": Attr("float", 1.67326319217681884765625),
                    "gamma": Attr("float", 1.05070102214813232421875)},
             vjp=lambda g, o, x, alpha, gamma: (
                 where(greater(x, const_like(0, x)), g * gamma, g * (o + alpha * gamma)),))
celu = defop("Celu", infer=unary(F), attrs={"alpha": Attr("float", 1.0)},
             vjp=lambda g, o, x, alpha: (
                 where(greater(x, const_like(0, x)), g, g * exp(x / alpha)),))
softplus = defop("Softplus", infer=unary(F), vjp=lambda g, o, x: (g * sigmoid(x),))
softsign = defop("Softsign", infer=unary(F),
                 vjp=lambda g, o, x: (g / ((1 + abs_(x)) * (1 + abs_(x))),))
hard_sigmoid = defop(
    "HardSigmoid", infer=unary(F),
    attrs={"alpha": Attr("float", 0.2), "beta": Attr("float", 0.5)},
    vjp=lambda g, o, x, alpha, beta: (
        where(and_(greater(o, const_like(0, o)), less(o, const_like(1, o))), g * alpha,
              zeros_like(g)),))


def _hard_swish_dx(g, out, x):
    # torch 2.13: 0 for x <= -3, 1 for x >= 3, x/3 + 1/2 strictly between
    mid = g * (x / 3 + 0.5)
    return (where(less_or_equal(x, const_like(-3, x)), zeros_like(g),
                  where(greater_or_equal(x, const_like(3, x)), g, mid)),)


hard_swish = defop("HardSwish", infer=unary(F), vjp=_hard_swish_dx)


def _mish_decompose(x):
    return x * tanh(softplus(x))


mish = defop("Mish", infer=unary(F), vjp=DECOMPOSE, decompose=_mish_decompose)


def _gelu_decompose(x, approximate):
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * 0.5 * (tanh(inner) + 1)
    return x * 0.5 * (erf(x * (1 / math.sqrt(2))) + 1)


gelu = defop("Gelu", infer=unary(F), attrs={"approximate": Attr("str", "none", ("none", "tanh"))},
             vjp=DECOMPOSE, decompose=_gelu_decompose)

# -- rounding and sign (zero gradient) ----------------------------------------------------------
sign = defop("Sign", infer=unary(), vjp=_zero)
floor = defop("Floor", infer=unary(F), vjp=_zero)
ceil = defop("Ceil", infer=unary(F), vjp=_zero)
round_ = defop("Round", infer=unary(F), vjp=_zero)  # half to even, as ONNX and numpy


# -- min / max / clip / where -------------------------------------------------------------------
def _select_vjp(g, out, *xs):
    """Min/Max: the gradient goes to the inputs equal to the result, split evenly among ties."""
    masks = [cast(equal(x, out), to=out.dtype) for x in xs]
    count = masks[0]
    for m in masks[1:]:
        count = count + m
    return tuple(g * m / count for m in masks)


min_ = defop("Min", infer=variadic(), vjp=_select_vjp)
max_ = defop("Max", infer=variadic(), vjp=_select_vjp)


def _clip_infer(x, lo=None, hi=None):
    check_dtype(x, NUM)
    for b in (lo, hi):
        if b is not None:
            same_dtypes(x, b)
    return TypeSpec(x.dtype, x.shape)


def _clip_vjp(g, out, x, lo=None, hi=None):
    # as torch.clamp: the gradient passes where lo <= x <= hi, else goes to the bound
    inside = ones_like(g)
    grads = [None, None, None]
    zero = zeros_like(g)
    if lo is not None:
        below = less(x, lo)
        inside = where(below, zero, inside)
        grads[1] = reduce_sum(where(below, g, zero), None, keepdims=0) if lo.requires_grad else None
    if hi is not None:
        above = greater(x, hi)
        inside = where(above, zero, inside)
        grads[2] = reduce_sum(where(above, g, zero), None, keepdims=0) if hi.requires_grad else None
    grads[0] = g * inside
    return tuple(grads)


clip = defop("Clip", infer=_clip_infer, vjp=_clip_vjp)


def _where_infer(c, x, y):
    check_dtype(c, BOOL, "condition")
    same_dtypes(x, y)
    return TypeSpec(x.dtype, broadcast_shapes(c.shape, x.shape, y.shape))


where = defop("Where", infer=_where_infer,
              vjp=(None, lambda g, o, c, x, y: where(c, g, zeros_like(g)),
                   lambda g, o, c, x, y: where(c, zeros_like(g), g)))

# -- type changes -------------------------------------------------------------------------------


def _cast_infer(x, to, saturate=1, round_mode="up"):
    return TypeSpec(to, x.shape)


def _cast_vjp(g, out, x, to, saturate=1, round_mode="up"):
    return (cast(g, to=x.dtype) if x.dtype in F else None,)


cast = defop("Cast", infer=_cast_infer, vjp=_cast_vjp,
             attrs={"to": Attr("dtype"), "saturate": Attr("int", 1),
                    "round_mode": Attr("str", "up")})
cast_like = defop(
    "CastLike", infer=lambda x, like, **a: TypeSpec(like.dtype, x.shape),
    attrs={"saturate": Attr("int", 1), "round_mode": Attr("str", "up")},
    vjp=(lambda g, o, x, like, **a: cast(g, to=x.dtype) if x.dtype in F else None, None))
identity = defop("Identity", infer=lambda x: TypeSpec(x.dtype, x.shape), vjp=lambda g, o, x: (g,))

# -- predicates and logic (not differentiable) --------------------------------------------------


def _float_predicate(x, **attrs):
    check_dtype(x, F)
    return TypeSpec(dtypes.bool_, x.shape)


is_nan = defop("IsNaN", infer=_float_predicate, vjp=None)
is_inf = defop("IsInf", infer=_float_predicate, vjp=None,
               attrs={"detect_negative": Attr("int", 1), "detect_positive": Attr("int", 1)})
not_ = defop("Not", infer=unary(BOOL), vjp=None)
and_ = defop("And", infer=binary(BOOL), vjp=None)
or_ = defop("Or", infer=binary(BOOL), vjp=None)
xor = defop("Xor", infer=binary(BOOL), vjp=None)
equal = defop("Equal", infer=binary(dtypes.ALL, dtypes.bool_), vjp=None)
less = defop("Less", infer=binary(NUM, dtypes.bool_), vjp=None)
less_or_equal = defop("LessOrEqual", infer=binary(NUM, dtypes.bool_), vjp=None)
greater = defop("Greater", infer=binary(NUM, dtypes.bool_), vjp=None)
greater_or_equal = defop("GreaterOrEqual", infer=binary(NUM, dtypes.bool_), vjp=None)

__all__ = [
    "add", "sub", "mul", "div", "neg", "abs_", "reciprocal", "pow", "mod", "exp", "log", "sqrt",
    "sin", "cos", "tanh", "erf", "sigmoid", "relu", "leaky_relu", "prelu", "elu", "selu", "celu",
    "softplus", "softsign", "hard_sigmoid", "hard_swish", "mish", "gelu", "sign", "floor", "ceil",
    "round_", "min_", "max_", "clip", "where", "cast", "cast_like", "identity", "is_nan", "is_inf", "not_",
    "and_", "or_", "xor", "equal", "less", "less_or_equal", "greater", "greater_or_equal",
]

from .helpers import const_like, ones_like, zeros_like  # noqa: E402
from .reduction import reduce_sum  # noqa: E402
