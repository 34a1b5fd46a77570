"""tf.math's elementwise functions, lowered to IR ops. Where TF defines a function by a
formula with a particular gradient (maximum/minimum send a tie's gradient to x; divide_no_nan,
xlogy keep nan out of the unselected branch), the lowering follows that formula."""

from __future__ import annotations


from core_ir import ops

from .._helpers import tensor
from .._tensor import binary, call, floor_divide, operands, true_divide


def _unary(op, doc: str):
    def fn(x, name=None):
        return call(op, tensor(x))
    fn.__doc__ = doc
    return fn


def _binary(op, tf_name: str, doc: str):
    def fn(x, y, name=None):
        return binary(op, x, y, tf_name)
    fn.__doc__ = doc
    return fn


abs = _unary(ops.abs_, "tf.math.abs: |x|.")  # noqa: A001
negative = _unary(ops.neg, "tf.math.negative: -x.")
sign = _unary(ops.sign, "tf.math.sign: -1, 0 or 1.")
exp = _unary(ops.exp, "tf.math.exp: e**x.")
log = _unary(ops.log, "tf.math.log: natural logarithm.")
sqrt = _unary(ops.sqrt, "tf.math.sqrt.")
sigmoid = _unary(ops.sigmoid, "tf.math.sigmoid: 1 / (1 + exp(-x)).")
tanh = _unary(ops.tanh, "tf.math.tanh.")
sin = _unary(ops.sin, "tf.math.sin.")
cos = _unary(ops.cos, "tf.math.cos.")
softplus = _unary(ops.softplus, "tf.math.softplus: log(exp(x) + 1).")
softsign = _unary(ops.softsign, "tf.math.softsign: x / (abs(x) + 1).")
erf = _unary(ops.erf, "tf.math.erf: the Gauss error function.")
floor = _unary(ops.floor, "tf.math.floor.")
ceil = _unary(ops.ceil, "tf.math.ceil.")
is_nan = _unary(ops.is_nan, "tf.math.is_nan.")
is_inf = _unary(ops.is_inf, "tf.math.is_inf.")
logical_not = _unary(ops.not_, "tf.math.logical_not.")

add = _binary(ops.add, "AddV2", "tf.math.add: x + y (no dtype promotion).")
subtract = _binary(ops.sub, "Sub", "tf.math.subtract: x - y.")
multiply = _binary(ops.mul, "Mul", "tf.math.multiply: x * y.")
pow = _binary(ops.pow, "Pow", "tf.math.pow: x ** y.")  # noqa: A001
floormod = mod = _binary(ops.mod, "FloorMod", "tf.math.floormod: x - floor(x / y) * y.")
equal = _binary(ops.equal, "Equal", "tf.math.equal: elementwise x == y.")
greater = _binary(ops.greater, "Greater", "tf.math.greater: x > y.")
greater_equal = _binary(ops.greater_or_equal, "GreaterEqual", "tf.math.greater_equal: x >= y.")
less = _binary(ops.less, "Less", "tf.math.less: x < y.")
less_equal = _binary(ops.less_or_equal, "LessEqual", "tf.math.less_equal: x <= y.")
logical_and = _binary(ops.and_, "LogicalAnd", "tf.math.logical_and.")
logical_or = _binary(ops.or_, "LogicalOr", "tf.math.logical_or.")
logical_xor = _binary(ops.xor, "LogicalXor", "tf.math.logical_xor.")


def not_equal(x, y, name=None):
    """tf.math.not_equal: elementwise x != y."""
    return call(ops.not_, binary(ops.equal, x, y, "NotEqual"))


def truediv(x, y, name=None):
    """tf.math.truediv: x / y; integers are divided as float64 (float32 for 8/16-bit)."""
    return true_divide(x, y)


divide = truediv


def floordiv(x, y, name=None):
    """tf.math.floordiv: floor(x / y)."""
    return floor_divide(x, y)


def _where(c, x, y):
    return call(ops.where, c, x, y)


def _zero(x):
    return ops.const_like(0, x)


def _extremum(x, y, compare, tf_name: str):
    """TF's maximum/minimum as TF differentiates them: x is taken on ties (its gradient goes to
    x), and a nan in x propagates (a nan in y fails the comparison and is taken anyway)."""
    x, y = operands(x, y)
    take_x = binary(compare, x, y, tf_name)
    if x.dtype.kind == "f":
        take_x = call(ops.or_, take_x, call(ops.is_nan, x))
    return _where(take_x, x, y)


def maximum(x, y, name=None):
    """tf.math.maximum: the elementwise larger value (ties and nan: see _extremum)."""
    return _extremum(x, y, ops.greater_or_equal, "Maximum")


def minimum(x, y, name=None):
    """tf.math.minimum: the elementwise smaller value (ties and nan: see _extremum)."""
    return _extremum(x, y, ops.less_or_equal, "Minimum")


def square(x, name=None):
    """tf.math.square: x * x."""
    x = tensor(x)
    return call(ops.mul, x, x)


def rsqrt(x, name=None):
    """tf.math.rsqrt: 1 / sqrt(x)."""
    return call(ops.reciprocal, call(ops.sqrt, tensor(x)))


def reciprocal(x, name=None):
    """tf.math.reciprocal: 1 / x."""
    x = tensor(x)
    return call(ops.reciprocal, x) if x.dtype.kind == "f" else true_divide(1, x)


def round(x, name=None):  # noqa: A001
    """tf.math.round: half to even (banker's rounding); integers are returned as they are."""
    x = tensor(x)
    return call(ops.round_, x) if x.dtype.kind == "f" else x


def is_finite(x, name=None):
    """tf.math.is_finite: neither inf nor nan."""
    x = tensor(x)
    return call(ops.not_, call(ops.or_, call(ops.is_nan, x), call(ops.is_inf, x)))


def tan(x, name=None):
    """tf.math.tan: sin(x) / cos(x)."""
    x = tensor(x)
    return call(ops.div, call(ops.sin, x), call(ops.cos, x))


def log_sigmoid(x, name=None):
    """tf.math.log_sigmoid: -softplus(-x), stable for large |x|."""
    return call(ops.neg, call(ops.softplus, call(ops.neg, tensor(x))))


def erfc(x, name=None):
    """tf.math.erfc: 1 - erf(x)."""
    x = tensor(x)
    return ops.const_like(1, x) - call(ops.erf, x)


def log1p(x, name=None):
    """tf.math.log1p: log(1 + x), accurate for tiny x. Goldberg's trick: log(u) * x / (u - 1)
    with u = 1 + x cancels the rounding of u (the IR has no Log1p op)."""
    x = tensor(x)
    one = ops.const_like(1, x)
    u = x + one
    tiny = call(ops.equal, u, one)  # 1 + x rounds to 1: log1p(x) = x in this precision
    inf = call(ops.is_inf, u)
    safe = _where(call(ops.or_, tiny, inf), one + one, u)  # no 0/0 in the unselected branch
    scaled = call(ops.log, safe) * (x / (safe - one))
    return _where(tiny, x, _where(inf, u, scaled))


def expm1(x, name=None):
    """tf.math.expm1: exp(x) - 1, accurate for small x: 2t / (1 - t) with t = tanh(x / 2) for
    |x| < 1 (no cancellation), exp(x) - 1 beyond (the IR has no Expm1 op)."""
    x = tensor(x)
    one = ops.const_like(1, x)
    small = call(ops.less, call(ops.abs_, x), one)
    t = call(ops.tanh, _where(small, x, _zero(x)) * ops.const_like(0.5, x))
    return _where(small, (t + t) / (one - t), call(ops.exp, x) - one)


def squared_difference(x, y, name=None):
    """tf.math.squared_difference: (x - y) ** 2."""
    d = binary(ops.sub, x, y, "SquaredDifference")
    return d * d


def divide_no_nan(x, y, name=None):
    """tf.math.divide_no_nan: x / y, and 0 where y == 0 (with a nan-free gradient)."""
    x, y = operands(x, y)
    zero = call(ops.equal, y, _zero(y))
    safe = _where(zero, ops.const_like(1, y), y)
    return _where(zero, _zero(x), true_divide(x, safe))


def multiply_no_nan(x, y, name=None):
    """tf.math.multiply_no_nan: x * y, and 0 where y == 0 even if x is inf or nan."""
    x, y = operands(x, y)
    zero = call(ops.equal, y, _zero(y))
    return _where(zero, _zero(x), binary(ops.mul, _where(zero, _zero(x), x), y, "MulNoNan"))


def xlogy(x, y, name=None):
    """tf.math.xlogy: x * log(y), and 0 where x == 0."""
    x, y = operands(x, y)
    zero = call(ops.equal, x, _zero(x))
    return _where(zero, _zero(x), x * call(ops.log, _where(zero, ops.const_like(1, y), y)))


def xdivy(x, y, name=None):
    """tf.math.xdivy: x / y, and 0 where x == 0."""
    x, y = operands(x, y)
    zero = call(ops.equal, x, _zero(x))
    return _where(zero, _zero(x), x / _where(zero, ops.const_like(1, y), y))


def scalar_mul(scalar, x, name=None):
    """tf.math.scalar_mul: scalar * x."""
    return binary(ops.mul, x, scalar, "Mul")


def add_n(inputs, name=None):
    """tf.math.add_n: the elementwise sum of a list of same-shape, same-dtype tensors."""
    inputs = [tensor(t) for t in inputs]
    if not inputs:
        raise ValueError("inputs must be an iterable of at least one Tensor/IndexedSlices with "
                         "the same dtype and shape")
    shapes = {tuple(t.shape) for t in inputs}
    if len(shapes) > 1:
        raise ValueError(f"Shapes must be equal, got {sorted(shapes)}")
    total = inputs[0]
    for t in inputs[1:]:
        total = binary(ops.add, total, t, "AddN")
    return total


accumulate_n = add_n

__all__ = [
    "abs", "negative", "sign", "exp", "log", "sqrt", "sigmoid", "tanh", "sin", "cos", "tan",
    "softplus", "softsign", "erf", "erfc", "floor", "ceil", "round", "is_nan", "is_inf",
    "is_finite", "logical_not", "logical_and", "logical_or", "logical_xor", "add", "subtract",
    "multiply", "pow", "floormod", "mod", "equal", "not_equal", "greater", "greater_equal", "less",
    "less_equal", "truediv", "divide", "floordiv", "maximum", "minimum", "square", "rsqrt",
    "reciprocal", "log_sigmoid", "log1p", "expm1", "squared_difference", "divide_no_nan",
    "multiply_no_nan", "xlogy", "xdivy", "scalar_mul", "add_n", "accumulate_n",
]
