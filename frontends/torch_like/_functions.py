"""torch.* tensor functions (the ones not on the creation or random side): gathered from the
family modules, plus the small utilities torch keeps at the top level (is_tensor, numel,
set_printoptions, set_num_threads, promote_types, ...)."""

from __future__ import annotations

import builtins
import os

from core_ir.tensor import Tensor as _CoreTensor

from . import _dtypes
from ._dtypes import finfo, iinfo, promote_types
from ._join_ops import (cat, chunk, column_stack, concat, concatenate, diff, dstack, hsplit, hstack,
                        narrow, row_stack, select, split, stack, tensor_split, unbind, vsplit,
                        vstack)
from ._linalg import (addbmm, addmm, addmv, baddbmm, bmm, diag, diagonal, dot, einsum, ger,
                      inner_product, matmul, mm, mv, outer, tensordot, trace)
from ._math_ops import (abs, absolute, allclose, ceil, cos, deg2rad, erf, exp, exp2, expm1, fix,
                        floor, fmax, fmin, frac, hypot, isclose, isfinite, isinf, isnan, isneginf,
                        isposinf, lerp, log, log1p, log2, log10, log_softmax, logaddexp, logit,
                        maximum, minimum, nan_to_num, rad2deg, reciprocal, relu, round, rsqrt, sgn,
                        sigmoid, sign, sin, softmax, sqrt, square, tanh, trunc, xlogy)
from ._printing import get_printoptions, set_printoptions
from ._reductions import (all, amax, amin, aminmax, any, argmax, argmin, count_nonzero, cummax,
                          cummin, cumprod, cumsum, logsumexp, max, mean, median, min, nanmean,
                          nansum, norm, prod, std, std_mean, sum, var, var_mean)
from ._select_ops import (clamp, clamp_max, clamp_min, clip, gather, index_add, index_copy,
                          index_fill, index_select, masked_fill, masked_select, scatter,
                          scatter_add, scatter_reduce, take, take_along_dim, tril, triu, where)
from ._shape_ops import (atleast_1d, atleast_2d, atleast_3d, broadcast_shapes, broadcast_tensors,
                         broadcast_to, flatten, flip, fliplr, flipud, moveaxis, movedim, permute,
                         repeat_interleave, reshape, roll, rot90, squeeze, swapaxes, swapdims, t,
                         tile, transpose, unflatten, unsqueeze)
from ._sorting import (argsort, argwhere, bincount, bucketize, kthvalue, msort, nonzero,
                       searchsorted, sort, topk, unique, unique_consecutive)
from ._trig_ops import (acos, acosh, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh,
                        asin, asinh, atan, atan2, atanh, cosh, sinh, tan)
from ._tensor_methods import addcdiv, addcmul, clone
from ._tensor_ops import (add, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, div, eq, equal,
                          float_power, floor_divide, fmod, ge, greater, greater_equal, gt, le, less,
                          less_equal, logical_and, logical_not, logical_or, logical_xor, lt, mul,
                          ne, neg, not_equal, pow, remainder, rsub, sub, true_divide)

negative = neg
multiply = mul
divide = div
subtract = sub


def is_tensor(obj) -> bool:
    return isinstance(obj, _CoreTensor)


def is_storage(obj) -> bool:
    return False


def is_floating_point(input) -> bool:
    return input.dtype.kind == "f"


def is_complex(input) -> bool:
    return False


def is_nonzero(input) -> bool:
    if input.numel() != 1:
        amount = "no values" if input.numel() == 0 else "more than one value"
        raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
    return bool(input.item())


def numel(input) -> int:
    return input.numel()


def detach(input):
    return input.detach()


def result_type(tensor1, tensor2):
    return _dtypes.result_type(tensor1, tensor2)


def can_cast(from_, to) -> bool:
    from ._tensor_ops_inplace import _can_cast
    return _can_cast(_dtypes.as_dtype(from_), _dtypes.as_dtype(to))


def dist(input, other, p: float = 2):
    return norm(input - other, p)


def cdist(x1, x2, p: float = 2.0):
    """Pairwise p-norm distances between the rows of x1 and x2 (batched)."""
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return norm(diff, p, dim=-1)


def set_default_tensor_type(t) -> None:
    """Legacy: torch.set_default_tensor_type(torch.DoubleTensor) sets the default float."""
    dtype = getattr(t, "dtype", None)
    if dtype is None:
        name = str(t).rpartition(".")[2]
        dtype = {"FloatTensor": _dtypes.float32, "DoubleTensor": _dtypes.float64,
                 "HalfTensor": _dtypes.float16}[name]
    _dtypes.set_default_dtype(dtype)


# -- threads --------------------------------------------------------------------------------------
_threads = {"intra": None, "inter": None}


def set_num_threads(int) -> None:
    """The number of threads BLAS uses for matmul and convolutions. With threadpoolctl installed
    the BLAS pools are limited for real; without it (it is not a dependency) the number is only
    recorded and get_num_threads() reports it."""
    n = builtins.int(int)
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        _threads["limiter"] = threadpoolctl.threadpool_limits(limits=n, user_api="blas")
    _threads["intra"] = n


def get_num_threads() -> int:
    """The thread count set by set_num_threads, else the machine's CPU count."""
    return _threads["intra"] or os.cpu_count() or 1


def set_num_interop_threads(int) -> None:
    _threads["inter"] = builtins.int(int)


def get_num_interop_threads() -> int:
    return _threads["inter"] or os.cpu_count() or 1


_deterministic = {"on": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Recorded only: every NumPy kernel here is already deterministic."""
    _deterministic["on"] = bool(mode)


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic["on"]


__all__ = ["abs", "absolute", "acos", "acosh", "add", "addbmm", "addcdiv", "addcmul", "addmm",
           "addmv", "all", "allclose", "amax", "amin", "aminmax", "any", "arccos", "arccosh",
           "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
           "are_deterministic_algorithms_enabled", "argmax", "argmin", "argsort", "argwhere",
           "asin", "asinh", "atan", "atan2", "atanh", "atleast_1d", "atleast_2d", "atleast_3d",
           "baddbmm", "bincount", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "bmm",
           "broadcast_shapes", "broadcast_tensors", "broadcast_to", "bucketize", "can_cast", "cat",
           "cdist", "ceil", "chunk", "clamp", "clamp_max", "clamp_min", "clip", "clone",
           "column_stack", "concat", "concatenate", "cos", "cosh", "count_nonzero", "cummax",
           "cummin", "cumprod", "cumsum", "deg2rad", "detach", "diag", "diagonal", "diff", "dist",
           "div", "divide", "dot", "dstack", "einsum", "eq", "equal", "erf", "exp", "exp2", "expm1",
           "finfo", "fix", "flatten", "flip", "fliplr", "flipud", "float_power", "floor",
           "floor_divide", "fmax", "fmin", "fmod", "frac", "gather", "ge", "ger",
           "get_num_interop_threads", "get_num_threads", "get_printoptions", "greater",
           "greater_equal", "gt", "hsplit", "hstack", "hypot", "iinfo", "index_add", "index_copy",
           "index_fill", "index_select", "inner_product", "is_complex", "is_floating_point",
           "is_nonzero", "is_storage", "is_tensor", "isclose", "isfinite", "isinf", "isnan",
           "isneginf", "isposinf", "kthvalue", "le", "lerp", "less", "less_equal", "log", "log10",
           "log1p", "log2", "log_softmax", "logaddexp", "logical_and", "logical_not", "logical_or",
           "logical_xor", "logit", "logsumexp", "lt", "masked_fill", "masked_select", "matmul",
           "max", "maximum", "mean", "median", "min", "minimum", "mm", "moveaxis", "movedim",
           "msort", "mul", "multiply", "mv", "nan_to_num", "nanmean", "nansum", "narrow", "ne",
           "neg", "negative", "nonzero", "norm", "not_equal", "numel", "outer", "permute", "pow",
           "prod", "promote_types", "rad2deg", "reciprocal", "relu", "remainder",
           "repeat_interleave", "reshape", "result_type", "roll", "rot90", "round", "row_stack",
           "rsqrt", "rsub", "scatter", "scatter_add", "scatter_reduce", "searchsorted", "select",
           "set_default_tensor_type", "set_num_interop_threads", "set_num_threads",
           "set_printoptions", "sgn", "sigmoid", "sign", "sin", "sinh", "softmax", "sort", "split",
           "sqrt", "square", "squeeze", "stack", "std", "std_mean", "sub", "subtract", "sum",
           "swapaxes", "swapdims", "t", "take", "take_along_dim", "tan", "tanh", "tensor_split",
           "tensordot", "tile", "topk", "trace", "transpose", "tril", "triu", "true_divide",
           "trunc", "unbind", "unflatten", "unique", "unique_consecutive", "unsqueeze",
           "use_deterministic_algorithms", "var", "var_mean", "vsplit", "vstack", "where", "xlogy"]
