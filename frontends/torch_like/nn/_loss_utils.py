"""Shared pieces of the loss functions: torch's reduction rules (incl. the deprecated
size_average/reduce), shape checks with torch's messages, and small IR builders (sums, means,
constants) the losses are written in. Everything is computed through IR ops, so the losses are
differentiable and traceable."""

from __future__ import annotations

import warnings

import numpy as np

import core_ir
from core_ir import ops

from .._dtypes import get_default_dtype
from .._tensor import Size, Tensor, binary_operands, call

REDUCTIONS = ("none", "mean", "sum")


# -- reductions ---------------------------------------------------------------------------------
def legacy_get_string(size_average, reduce, emit_warning: bool = True) -> str:
    """torch's mapping of the deprecated (size_average, reduce) pair to a reduction string."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    if emit_warning:
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def get_reduction(reduction: str, size_average=None, reduce=None) -> str:
    """The effective reduction (legacy arguments win, as in torch), validated like
    torch's _Reduction.get_enum."""
    if size_average is not None or reduce is not None:
        return legacy_get_string(size_average, reduce)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=3)
        return "mean"
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def apply_reduction(loss: Tensor, reduction: str) -> Tensor:
    """torch's apply_loss_reduction: the elementwise loss, its mean or its sum."""
    if reduction == "none":
        return loss
    return total(loss) if reduction == "sum" else mean(loss)


# -- IR builders ----------------------------------------------------------------------------------
def total(x: Tensor, dims=None, keepdim: bool = False) -> Tensor:
    """Sum over `dims` (all when None)."""
    axes = None if dims is None else ops.const_ints(_as_list(dims))
    return call(ops.reduce_sum, x, axes, keepdims=int(keepdim))


def mean(x: Tensor, dims=None, keepdim: bool = False) -> Tensor:
    axes = None if dims is None else ops.const_ints(_as_list(dims))
    return call(ops.reduce_mean, x, axes, keepdims=int(keepdim))


def _as_list(dims) -> list:
    return [dims] if isinstance(dims, int) else list(dims)


def const(value, like: Tensor) -> Tensor:
    """A scalar constant of like's dtype (a graph constant while tracing)."""
    return core_ir.constant(value, like.dtype, cls=Tensor)


def zeros(like: Tensor) -> Tensor:
    return call(ops.expand, const(0, like), ops.shape_tensor(like))


def clamp_min(x: Tensor, low: float) -> Tensor:
    """torch.clamp_min: the gradient passes where x >= low (a tie keeps it, as torch does)."""
    return call(ops.where, x < low, const(low, x), x)


def where(cond: Tensor, x: Tensor, y: Tensor) -> Tensor:
    return call(ops.where, cond, x, y)


def floats(a, b):
    """Promote two operands to torch's common dtype (a float for the losses that need one)."""
    a, b = binary_operands(a, b)
    if a.dtype.kind != "f":
        a, b = (call(ops.cast, t, to=get_default_dtype()) for t in (a, b))
    return a, b


def cast_like(x: Tensor, like: Tensor) -> Tensor:
    return x if x.dtype == like.dtype else call(ops.cast, x, to=like.dtype)


def torch_type_name(dtype) -> str:
    """torch's scalar type name in messages ('Long', 'Float', ...)."""
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "float32": "Float", "float64": "Double",
            "float16": "Half"}.get(str(dtype), str(dtype))


# -- checks -------------------------------------------------------------------------------------
def size_warning(input: Tensor, target: Tensor) -> None:
    """torch warns (and then broadcasts) when a regression target's size differs."""
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({Size(target.shape)!r}) that is different to the "
                      f"input size ({Size(input.shape)!r}). This will likely lead to incorrect "
                      "results due to broadcasting. Please ensure they have the same size.",
                      stacklevel=3)


def check_broadcast(a: Tensor, b: Tensor) -> None:
    """torch.broadcast_tensors' error, with its wording."""
    sa, sb = tuple(a.shape), tuple(b.shape)
    n = max(len(sa), len(sb))
    sa, sb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    for i, (x, y) in enumerate(zip(sa, sb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) "
                               f"at non-singleton dimension {i}")


def eager_values(x: Tensor):
    """The array behind x when it is known now (eager), else None (tracing): value checks such as
    'Target 7 is out of bounds.' can only run eagerly."""
    return None if x.array is None else np.asarray(x.array)


__all__: list[str] = []
