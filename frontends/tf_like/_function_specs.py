"""tf.function's argument handling: tensor leaves as typed graph inputs, cache keys of the other
leaves, input_signature matching and relaxing shapes for reduce_retracing."""

from __future__ import annotations

import numpy as np

from core_ir.tensor import Tensor as _CoreTensor

from ._variable import Variable


class _Input:
    """A tensor leaf of the arguments: a graph input of this dtype and shape."""

    __slots__ = ("dtype", "shape")

    def __init__(self, dtype, shape):
        self.dtype, self.shape = np.dtype(dtype), tuple(shape)

    def key(self):
        return ("tensor", self.dtype, self.shape)


def _leaf_key(x):
    """The cache key of a non-tensor leaf: Python values by value, other objects by identity."""
    if isinstance(x, Variable):
        return ("variable", id(x))
    try:
        hash(x)
    except TypeError:
        return ("object", id(x))
    return ("python", type(x), x)


def _is_tensor_leaf(x) -> bool:
    return (isinstance(x, _CoreTensor) and not isinstance(x, Variable)) or \
        isinstance(x, np.ndarray)


def _as_array(x) -> np.ndarray:
    if isinstance(x, _CoreTensor):
        return x.array
    return x


def _same_ranks(a, b) -> bool:
    return len(a) == len(b) and all(x.dtype == y.dtype and len(x.shape) == len(y.shape)
                                    for x, y in zip(a, b))


def _generalize(old, new) -> list:
    return [_Input(n.dtype, tuple(p if p == q else None for p, q in zip(o.shape, n.shape)))
            for o, n in zip(old, new)]


def _replace_specs(template, specs):
    it = iter(specs)
    return [next(it) if isinstance(x, _Input) else x for x in template]
