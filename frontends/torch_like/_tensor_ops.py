"""Arithmetic, comparison and logical functions with torch's type promotion and Python-scalar
operands (torch.add, torch.div(rounding_mode=), torch.remainder, ...), installed on Tensor as
operators, reflected and in-place forms."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from . import _dtypes
from ._tensor import Tensor, as_operand, binary_operands, call, wrap

# -- arithmetic -----------------------------------------------------------------------------------


def add(input, other, *, alpha=1, out=None):
    """torch.add: input + alpha * other (bool + bool is logical or)."""
    if alpha != 1:
        other = _scaled(input, other, alpha)
    a, b = binary_operands(input, other)
    return _out(call(ops.or_ if a.dtype == _dtypes.bool else ops.add, a, b), out)


def sub(input, other, *, alpha=1, out=None):
    """torch.sub: input - alpha * other."""
    _check_bool_sub(input, other)
    other = _scaled(input, other, alpha)
    a, b = binary_operands(input, other)
    return _out(call(ops.sub, a, b), out)


def _check_bool_sub(a, b) -> None:
    bools = [isinstance(x, Tensor) and x.dtype == _dtypes.bool for x in (a, b)]
    if all(bools):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if any(bools):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    a, b = binary_operands(input, other)
    return _out(call(ops.and_ if a.dtype == _dtypes.bool else ops.mul, a, b), out)


def _scaled(input, other, alpha):
    if alpha == 1:
        return other
    if isinstance(alpha, float) and _dtypes.result_type(input, other).kind != "f":
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    return mul(other, alpha) if isinstance(other, Tensor) else other * alpha


def div(input, other, *, rounding_mode=None, out=None):
    """torch.div: true division (ints give the default float), or rounded 'trunc'/'floor'."""
    if rounding_mode is None:
        return _out(true_divide(input, other), out)
    a, b = binary_operands(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    if a.dtype.kind != "f":
        _check_int_divisor(b)
        q = call(ops.div, a, b) if rounding_mode == "trunc" else \
            call(ops.div, call(ops.sub, a, call(ops.mod, a, b)), b)
        return _out(q, out)
    q = call(ops.div, a, b)
    return _out(trunc_(q) if rounding_mode == "trunc" else call(ops.floor, q), out)


def true_divide(a, b):
    """torch's `/` always gives a float result (int / int -> default float)."""
    dtype = _dtypes.result_type(a, b)
    if dtype.kind != "f":
        dtype = _dtypes.get_default_dtype()
    return call(ops.div, as_operand(a, dtype), as_operand(b, dtype))


def trunc_(x):
    """Round toward zero (no Trunc op in the IR): floor above zero, ceil below."""
    zero = as_operand(0, x.dtype)
    return call(ops.where, call(ops.less, x, zero), call(ops.ceil, x), call(ops.floor, x))


def _check_int_divisor(b) -> None:
    if b.array is not None and np.any(np.asarray(b.array) == 0):
        raise RuntimeError("ZeroDivisionError")


def floor_divide(input, other, *, out=None):
    return div(input, other, rounding_mode="floor", out=out)


def remainder(input, other, *, out=None):
    """Python's modulo: the result has the divisor's sign."""
    a, b = binary_operands(input, other)
    if a.dtype.kind != "f":
        _check_int_divisor(b)
    return _out(call(ops.mod, a, b, fmod=0), out)


def fmod(input, other, *, out=None):
    """C's fmod: the result has the dividend's sign."""
    a, b = binary_operands(input, other)
    if a.dtype.kind != "f":
        _check_int_divisor(b)
    return _out(call(ops.mod, a, b, fmod=1), out)


def pow(input, exponent, *, out=None):
    a, b = binary_operands(input, exponent)
    if a.dtype.kind in "iu" and b.array is not None and np.any(np.asarray(b.array) < 0):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _out(call(ops.pow, a, b), out)


def float_power(input, exponent):
    return pow(as_operand(input, _dtypes.float64), _as_double(exponent))


def _as_double(x):
    return x.double() if isinstance(x, Tensor) else float(x)


def _out(result, out):
    """torch's out= argument: write the result into `out` (resized as torch would)."""
    if out is None:
        return result
    from ._tensor_ops_inplace import assign_out
    return assign_out(out, result)


# -- comparisons ----------------------------------------------------------------------------------


def _comparison(op, name):
    def compare(input, other, *, out=None):
        if other is None or isinstance(other, str):
            raise TypeError(f"{name}(): argument 'other' must be Tensor or Number, not "
                            f"{type(other).__name__}")
        a, b = binary_operands(input, other)
        if a.dtype == _dtypes.bool and op is not ops.equal:  # the IR orders numbers only
            a, b = call(ops.cast, a, to=_dtypes.uint8), call(ops.cast, b, to=_dtypes.uint8)
        return _out(call(op, a, b), out)
    compare.__name__ = name
    return compare


eq = _comparison(ops.equal, "eq")
lt = less = _comparison(ops.less, "lt")
le = less_equal = _comparison(ops.less_or_equal, "le")
gt = greater = _comparison(ops.greater, "gt")
ge = greater_equal = _comparison(ops.greater_or_equal, "ge")


def ne(input, other, *, out=None):
    return _out(call(ops.not_, eq(input, other)), out)


not_equal = ne


def equal(input, other) -> bool:
    """torch.equal: same shape and same elements."""
    return tuple(input.shape) == tuple(other.shape) and bool(eq(input, other).all().item())


# -- logical and bitwise --------------------------------------------------------------------------


def _as_bool(x):
    x = wrap(x)
    return x if x.dtype == _dtypes.bool else call(ops.not_, eq(x, 0))


def logical_not(input, *, out=None):
    return _out(call(ops.not_, _as_bool(input)), out)


def logical_and(input, other, *, out=None):
    return _out(call(ops.and_, _as_bool(input), _as_bool(other)), out)


def logical_or(input, other, *, out=None):
    return _out(call(ops.or_, _as_bool(input), _as_bool(other)), out)


def logical_xor(input, other, *, out=None):
    return _out(call(ops.xor, _as_bool(input), _as_bool(other)), out)


_BOOL_OPS = {"and": ops.and_, "or": ops.or_, "xor": ops.xor}
_INT_OPS = {"and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor}


def _bitwise(name):
    def bitwise(input, other):
        a, b = binary_operands(input, other)
        if a.dtype == _dtypes.bool:
            return call(_BOOL_OPS[name], a, b)
        if a.dtype.kind not in "iu":  # (torch raises NotImplementedError here)
            raise RuntimeError(f'"bitwise_{name}_cpu" not implemented for '
                               f"'{_dtypes.legacy_name(a.dtype)}'")
        # NOTE: integer bit operations have no IR op (ONNX's BitwiseAnd etc. are not in the IR);
        # they carry no gradient, so they are computed on the arrays (eagerly only).
        return Tensor(np.asarray(_INT_OPS[name](np.asarray(a.array), np.asarray(b.array))))
    bitwise.__name__ = f"bitwise_{name}"
    return bitwise


bitwise_and, bitwise_or, bitwise_xor = _bitwise("and"), _bitwise("or"), _bitwise("xor")


def bitwise_not(input):
    if input.dtype == _dtypes.bool:
        return call(ops.not_, input)
    if input.dtype.kind not in "iu":
        raise RuntimeError(f"\"bitwise_not_cpu\" not implemented for "
                           f"'{_dtypes.legacy_name(input.dtype)}'")
    return sub(call(ops.neg, input), 1)  # ~x == -x - 1 in two's complement


# -- installation ---------------------------------------------------------------------------------


def _reflected(fn):
    return lambda self, other: fn(wrap_number(other, self), self)


def wrap_number(x, like):
    """A reflected operand: Python numbers stay numbers (they promote as scalars)."""
    return x if not isinstance(x, np.ndarray) else Tensor(x)


def _install() -> None:
    from ._tensor_ops_inplace import inplace
    binary = {"add": add, "sub": sub, "mul": mul, "truediv": true_divide,
              "floordiv": floor_divide, "mod": remainder, "pow": pow, "and": bitwise_and,
              "or": bitwise_or, "xor": bitwise_xor}
    for name, fn in binary.items():
        setattr(Tensor, f"__{name}__", fn)
        setattr(Tensor, f"__r{name}__", _reflected(fn))
        setattr(Tensor, f"__i{name}__", inplace(fn))
    for name, fn in {"eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge}.items():
        setattr(Tensor, f"__{name}__", _rich_compare(fn))
    Tensor.__matmul__ = lambda self, other: _matmul(self, other)
    Tensor.__rmatmul__ = lambda self, other: _matmul(wrap(other), self)
    Tensor.__neg__ = lambda self: neg(self)
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = lambda self: self.abs()
    Tensor.__invert__ = bitwise_not
    Tensor.__hash__ = lambda self: id(self)


def _rich_compare(fn):
    def method(self, other):
        if other is None or isinstance(other, str) or (
                not isinstance(other, (Tensor, np.ndarray, np.generic, int, float, bool))):
            return NotImplemented  # Python then answers == with identity, as for torch
        return fn(self, other)
    return method


def neg(input):
    if input.dtype == _dtypes.bool:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return call(ops.neg, input)


def _matmul(a, b):
    from ._linalg import matmul
    return matmul(a, b)


_install()

from ._tensor_ops_inplace import assign_inplace  # noqa: F401  (kept importable from here)
