"""Activation functions of torch.nn.functional (and their in-place `_` forms), lowered to IR
ops. Gradients at the kinks follow torch (e.g. hardtanh passes the gradient strictly inside
(min_val, max_val), relu'(0) = 0)."""

from __future__ import annotations

import warnings

from core_ir import ops

from .._tensor import call
from .._tensor_ops import assign_inplace

__all__ = [
    "celu",
    "celu_",
    "elu",
    "elu_",
    "gelu",
    "glu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "leaky_relu",
    "leaky_relu_",
    "log_softmax",
    "logsigmoid",
    "mish",
    "prelu",
    "relu",
    "relu6",
    "relu_",
    "rrelu",
    "rrelu_",
    "selu",
    "selu_",
    "sigmoid",
    "silu",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
    "threshold_",
]


def _c(value, like):
    return ops.const_like(value, like)


def _out(input, result, inplace: bool):
    return assign_inplace(input, result) if inplace else result


def _where(cond, a, b):
    return call(ops.where, cond, a, b)


def _threshold(input, limit: float, value: float, inplace: bool):
    y = _where(call(ops.greater, input, _c(limit, input)), input, _c(value, input))
    return _out(input, y, inplace)


def threshold(input, threshold: float, value: float, inplace: bool = False):
    """y = x if x > threshold else value."""
    return _threshold(input, threshold, value, inplace)


def threshold_(input, threshold: float, value: float):
    return _threshold(input, threshold, value, True)


def relu(input, inplace: bool = False):
    return _out(input, call(ops.relu, input), inplace)


def relu_(input):
    return relu(input, inplace=True)


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """clamp(x, min_val, max_val); the gradient passes only strictly inside (as torch)."""
    lo, hi = _c(min_val, input), _c(max_val, input)
    inside = call(ops.and_, call(ops.greater, input, lo), call(ops.less, input, hi))
    edge = _where(call(ops.less_or_equal, input, lo), lo, hi)
    return _out(input, _where(inside, input, edge), inplace)


def hardtanh_(input, min_val: float = -1.0, max_val: float = 1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace: bool = False):
    return hardtanh(input, 0.0, 6.0, inplace)


def hardswish(input, inplace: bool = False):
    """x * relu6(x + 3) / 6 (one HardSwish node; its VJP follows torch 2.13 at the kinks)."""
    return _out(input, call(ops.hard_swish, input), inplace)


def hardsigmoid(input, inplace: bool = False):
    """relu6(x + 3) / 6."""
    return _out(input, call(ops.hard_sigmoid, input, alpha=1.0 / 6, beta=0.5), inplace)


def elu(input, alpha: float = 1.0, inplace: bool = False):
    return _out(input, call(ops.elu, input, alpha=alpha), inplace)


def elu_(input, alpha: float = 1.0):
    return elu(input, alpha, inplace=True)


def selu(input, inplace: bool = False):
    return _out(input, call(ops.selu, input), inplace)


def selu_(input):
    return selu(input, inplace=True)


def celu(input, alpha: float = 1.0, inplace: bool = False):
    return _out(input, call(ops.celu, input, alpha=alpha), inplace)


def celu_(input, alpha: float = 1.0):
    return celu(input, alpha, inplace=True)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    return _out(input, call(ops.leaky_relu, input, alpha=negative_slope), inplace)


def leaky_relu_(input, negative_slope: float = 0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def prelu(input, weight):
    """max(0, x) + weight * min(0, x), weight per channel (dim 1) or a single value."""
    n = weight.shape[0] if weight.ndim else 1
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else None
        if channels != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {n} and channel size = {channels}.")
        weight = call(ops.reshape, weight, ops.const_ints([n] + [1] * (input.ndim - 2)))
    return call(ops.prelu, input, weight)


def rrelu(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False):
    """Randomized leaky ReLU: slopes drawn from U(lower, upper) when training, their mean
    otherwise."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    slope = call(ops.random_uniform_like, input, low=lower, high=upper)
    y = _where(call(ops.greater_or_equal, input, _c(0, input)), input, input * slope)
    return _out(input, y, inplace)


def rrelu_(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False):
    return rrelu(input, lower, upper, training, inplace=True)


def glu(input, dim: int = -1):
    """a * sigmoid(b), a and b the two halves of input along dim."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.ndim} "
                           f"is size {size}")
    a, b = call(ops.split, input, ops.const_ints([size // 2, size // 2]), axis=dim)
    return a * call(ops.sigmoid, b)


def gelu(input, approximate: str = "none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return call(ops.gelu, input, approximate=approximate)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -call(ops.softplus, -input)


def hardshrink(input, lambd: float = 0.5):
    keep = call(ops.greater, call(ops.abs_, input), _c(lambd, input))
    return _where(keep, input, ops.zeros_like(input))


def softshrink(input, lambd: float = 0.5):
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    lam = _c(lambd, input)
    low = _where(call(ops.less, input, -lam), input + lam, ops.zeros_like(input))
    return _where(call(ops.greater, input, lam), input - lam, low)


def tanhshrink(input):
    return input - call(ops.tanh, input)


def softsign(input):
    return call(ops.softsign, input)


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    """log(1 + exp(beta * x)) / beta, reverting to x where beta * x > threshold."""
    bx = input if beta == 1 else input * _c(beta, input)
    sp = call(ops.softplus, bx)
    sp = sp if beta == 1 else sp / _c(beta, input)
    return _where(call(ops.greater, bx, _c(threshold, input)), input, sp)


def tanh(input):
    return call(ops.tanh, input)


def sigmoid(input):
    return call(ops.sigmoid, input)


def silu(input, inplace: bool = False):
    """x * sigmoid(x)."""
    return _out(input, input * call(ops.sigmoid, input), inplace)


def mish(input, inplace: bool = False):
    """x * tanh(softplus(x))."""
    return _out(input, call(ops.mish, input), inplace)


def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_like(op, name: str, input, dim, dtype, stacklevel: int):
    if dim is None:
        dim = _get_softmax_dim(name, input.ndim, stacklevel + 1)
    if dtype is not None:
        input = call(ops.cast, input, to=dtype)
    if input.ndim == 0:  # a scalar is its own (one-element) axis
        flat = call(op, call(ops.reshape, input, ops.const_ints([1])), axis=0)
        return call(ops.reshape, flat, ops.const_ints([]))
    if not -input.ndim <= dim < input.ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-input.ndim}, {input.ndim - 1}], but got {dim})")
    return call(op, input, axis=dim)


def softmax(input, dim=None, _stacklevel: int = 3, dtype=None):
    return _softmax_like(ops.softmax, "softmax", input, dim, dtype, _stacklevel)


def log_softmax(input, dim=None, _stacklevel: int = 3, dtype=None):
    return _softmax_like(ops.log_softmax, "log_softmax", input, dim, dtype, _stacklevel)


def softmin(input, dim=None, _stacklevel: int = 3, dtype=None):
    if dtype is not None:
        input = call(ops.cast, input, to=dtype)
    return _softmax_like(ops.softmax, "softmin", -input, dim, None, _stacklevel)
