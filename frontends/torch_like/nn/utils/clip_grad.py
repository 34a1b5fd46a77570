"""torch.nn.utils.clip_grad: clip_grad_norm_, clip_grad_value_, get_total_norm,
clip_grads_with_norm_. Gradients are rescaled in place (the grad tensors keep their identity),
computed with IR ops so a traced training step records the clipping too."""

from __future__ import annotations

import math

import numpy as np

import core_ir
from core_ir import ops
from core_ir.tensor import Tensor as _CoreTensor

from ..._tensor import Tensor, call
from .._functional_norm import vector_norm

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
]


def _as_list(tensors) -> list:
    return [tensors] if isinstance(tensors, _CoreTensor) else list(tensors)


def _all_axes(t) -> list:
    return list(range(t.ndim))


def _norm_of(t, norm_type: float):
    if t.ndim == 0:
        t = call(ops.reshape, t, ops.const_ints([1]))
    return vector_norm(t, norm_type, _all_axes(t), False)


def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None):
    """The norm of the norms of `tensors` (the norm of all their elements together)."""
    tensors = [t for t in _as_list(tensors) if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        return Tensor(np.array(0.0, np.float32))
    with core_ir.no_grad():
        norms = [_norm_of(t, norm_type) for t in tensors]
        dtype = norms[0].dtype
        stacked = call(ops.concat, *[call(ops.reshape, call(ops.cast, n, to=dtype),
                                          ops.const_ints([1])) for n in norms], axis=0)
        total = vector_norm(stacked, norm_type, [0], False)
    if error_if_nonfinite and total.array is not None and not np.isfinite(total.array):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm: float, total_norm, foreach=None) -> None:
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6)), in place."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    with core_ir.no_grad():
        coef = ops.const_like(float(max_norm), total_norm) / (total_norm + 1e-6)
        coef = call(ops.clip, coef, None, ops.const_like(1.0, coef))
        for g in grads:
            scale = coef if coef.dtype == g.dtype else call(ops.cast, coef, to=g.dtype)
            core_ir.assign(g, call(ops.mul, g, scale))


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None):
    """Rescale the gradients of `parameters` so their joint norm is at most max_norm.
    Returns the total norm before clipping (a 0-d tensor); with error_if_nonfinite a nan/inf
    norm raises RuntimeError and leaves the gradients untouched."""
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None):
    """Deprecated alias of clip_grad_norm_ (as torch, with its warning)."""
    import warnings
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    if math.isnan(clip_value):
        raise ValueError("clip_value is nan")
    with core_ir.no_grad():
        for p in _as_list(parameters):
            g = p.grad
            if g is not None:
                lo, hi = ops.const_like(-clip_value, g), ops.const_like(clip_value, g)
                core_ir.assign(g, call(ops.clip, g, lo, hi))
