"""Kernels of the reductions (ONNX: axes is an optional int64 array input)."""

from __future__ import annotations

import numpy as np

from core_ir import ops


def _axis(axes, noop_with_empty_axes):
    """numpy's axis argument for an ONNX axes input; None (all) or () (no-op) when empty."""
    if axes is None or axes.size == 0:
        return () if noop_with_empty_axes else None
    return tuple(int(a) for a in axes)


def _reducer(fn, **extra):
    def kernel(x, axes=None, keepdims=1, noop_with_empty_axes=0):
        axis = _axis(axes, noop_with_empty_axes)
        if axis == ():
            return x
        return np.asarray(fn(x, axis=axis, keepdims=bool(keepdims), **extra)).astype(x.dtype,
                                                                                    copy=False)
    return kernel


KERNELS = {
    ops.reduce_sum: _reducer(np.sum),
    ops.reduce_mean: _reducer(np.mean),
    ops.reduce_max: _reducer(np.max),
    ops.reduce_min: _reducer(np.min),
}
