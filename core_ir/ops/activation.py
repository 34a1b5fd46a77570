"""Softmax and LogSoftmax: composites (a decomposition into primitives) with fused, numerically
stable kernels and VJPs of their own, since differentiating the decomposition would recompute
exp/sum and lose the max-shift stabilization."""

from __future__ import annotations

from .. import dtypes
from ..interpreters import TypeSpec
from ..op import Attr, defop
from ..shape_rules import check_dtype, normalize_axis

SOFTMAX_ATTRS = {"axis": Attr("int", -1)}


def _softmax_infer(x, axis=-1):
    check_dtype(x, dtypes.FLOATS)
    normalize_axis(axis, x.ndim, x.shape)
    return TypeSpec(x.dtype, x.shape)


def _axis_tensor(axis):
    return const_ints([axis])


def _softmax_decompose(x, axis=-1):
    shifted = x - reduce_max(x, _axis_tensor(axis), keepdims=1)
    e = exp(shifted)
    return e / reduce_sum(e, _axis_tensor(axis), keepdims=1)


def _log_softmax_decompose(x, axis=-1):
    shifted = x - reduce_max(x, _axis_tensor(axis), keepdims=1)
    return shifted - log(reduce_sum(exp(shifted), _axis_tensor(axis), keepdims=1))


def _softmax_vjp(g, out, x, axis=-1):
    return (out * (g - reduce_sum(g * out, _axis_tensor(axis), keepdims=1)),)


def _log_softmax_vjp(g, out, x, axis=-1):
    return (g - exp(out) * reduce_sum(g, _axis_tensor(axis), keepdims=1),)


softmax = defop("Softmax", infer=_softmax_infer, attrs=SOFTMAX_ATTRS, vjp=_softmax_vjp,
                decompose=_softmax_decompose)
log_softmax = defop("LogSoftmax", infer=_softmax_infer, attrs=SOFTMAX_ATTRS, vjp=_log_softmax_vjp,
                    decompose=_log_softmax_decompose)

__all__ = ["softmax", "log_softmax"]

from .elementwise import exp, log  # noqa: E402
from .helpers import const_ints  # noqa: E402
from .reduction import reduce_max, reduce_sum  # noqa: E402
