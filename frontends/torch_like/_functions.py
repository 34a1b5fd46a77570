"""torch.* tensor functions (the ones not on the creation or random side): gathered from the
family modules, plus the small utilities torch keeps at the top level (is_tensor, numel,
set_printoptions, set_num_threads, promote_types, ...)."""

from __future__ import annotations

import builtins
import os

from core_ir.tensor import Tensor as _CoreTensor

from . import _dtypes
from ._dtypes import finfo, iinfo, promote_types  # noqa: F401
from ._join_ops import (cat, chunk, column_stack, concat, concatenate, dstack, hsplit,  # noqa: F401
                        hstack, narrow, row_stack, select, split, stack, tensor_split, unbind,
                        vsplit, vstack)
from ._linalg import (addbmm, addmm, addmv, baddbmm, bmm, diag, diagonal, dot, einsum,  # noqa: F401
                      ger, inner_product, matmul, mm, mv, outer, tensordot, trace)
from ._math_ops import (abs, absolute, acos, acosh, allclose, arccos, arccosh, arcsin,  # noqa: F401,A004
                        arcsinh, arctan, arctan2, arctanh, asin, asinh, atan, atan2, atanh,
                        ceil, cos, cosh, deg2rad, erf, exp, exp2, expm1, fix, floor, fmax, fmin,
                        frac, hypot, isclose, isfinite, isinf, isnan, isneginf, isposinf, lerp,
                        log, log1p, log2, log10, log_softmax, logaddexp, logit, maximum, minimum,
                        nan_to_num, rad2deg, reciprocal, relu, round, rsqrt, sgn, sigmoid, sign,
                        sin, sinh, softmax, sqrt, square, tan, tanh, trunc, xlogy)
from ._reductions import (all, amax, amin, aminmax, any, argmax, argmin,  # noqa: F401,A004
                          count_nonzero, cummax, cummin, cumprod, cumsum, logsumexp, max, mean,
                          median, min, nanmean, nansum, norm, prod, std, std_mean, sum, var,
                          var_mean)
from ._select_ops import (clamp, clamp_max, clamp_min, clip, gather, index_add,  # noqa: F401
                          index_copy, index_fill, index_select, masked_fill, masked_select,
                          scatter, scatter_add, scatter_reduce, take, take_along_dim, tril, triu,
                          where)
from ._shape_ops import (atleast_1d, atleast_2d, atleast_3d, broadcast_shapes,  # noqa: F401
                         broadcast_tensors, broadcast_to, flatten, flip, fliplr, flipud, movedim,
                         moveaxis, permute, repeat_interleave, reshape, roll, rot90, squeeze,
                         swapaxes, swapdims, t, tile, transpose, unflatten, unsqueeze)
from ._sorting import (argsort, argwhere, bincount, bucketize, kthvalue, msort,  # noqa: F401
                       nonzero, searchsorted, sort, topk, unique, unique_consecutive)
from ._tensor_methods import addcdiv, addcmul, clone  # noqa: F401
from ._tensor_ops import (add, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, div,  # noqa: F401
                          eq, equal, float_power, floor_divide, fmod, ge, greater, greater_equal,
                          gt, le, less, less_equal, logical_and, logical_not, logical_or,
                          logical_xor, lt, mul, ne, neg, not_equal, pow, remainder, rsub, sub,
                          true_divide)
from ._printing import get_printoptions, set_printoptions  # noqa: F401

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


def set_num_threads(int) -> None:  # noqa: A002  (torch's argument name)
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


def set_num_interop_threads(int) -> None:  # noqa: A002
    _threads["inter"] = builtins.int(int)


def get_num_interop_threads() -> int:
    return _threads["inter"] or os.cpu_count() or 1


_deterministic = {"on": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Recorded only: every NumPy kernel here is already deterministic."""
    _deterministic["on"] = bool(mode)


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic["on"]


def _public(namespace: dict) -> list[str]:
    """Every public function defined or gathered here (not the imported modules)."""
    return sorted(k for k, v in namespace.items() if not k.startswith("_") and callable(v)
                  and k not in ("annotations", "builtins", "os"))


__all__ = _public(globals())
