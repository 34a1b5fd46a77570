"""tf.math: elementwise math, reductions, scans, top-k and segment ops over the IR."""

from __future__ import annotations

from core_ir import ops as _ops

from .._helpers import tensor as _tensor
from .._tensor import call as _call
from ._elementwise import *  # noqa: F401,F403
from ._elementwise import __all__ as _elementwise_all
from ._reduce import *  # noqa: F401,F403
from ._reduce import __all__ as _reduce_all
from ._reduce import reduce_sum as _reduce_sum


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """tf.math.l2_normalize: x / sqrt(max(sum(x**2, axis), epsilon))."""
    x = _tensor(x)
    axis = dim if axis is None else axis
    square_sum = _reduce_sum(x * x, axis, keepdims=True)
    floor = _ops.const_like(epsilon, square_sum)
    return x * _call(_ops.reciprocal, _call(_ops.sqrt, _call(_ops.max_, square_sum, floor)))


def softmax(logits, axis=None, name=None):
    """tf.math.softmax (tf.nn.softmax): exp(x) / sum(exp(x)) along axis (default -1)."""
    return _call(_ops.softmax, _tensor(logits), axis=-1 if axis is None else int(axis))


def log_softmax(logits, axis=None, name=None):
    """tf.math.log_softmax (tf.nn.log_softmax): x - logsumexp(x) along axis (default -1)."""
    return _call(_ops.log_softmax, _tensor(logits), axis=-1 if axis is None else int(axis))


__all__ = [*_elementwise_all, *_reduce_all, "l2_normalize", "softmax", "log_softmax"]
