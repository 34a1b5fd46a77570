"""Kernels of the shape ops. Several return numpy views (Reshape, Transpose, Expand): outputs
are never written in place by the engine, so sharing memory with the input is safe."""

from __future__ import annotations

import numpy as np

from core_ir import dtypes, ops


def _reshape(x, shape, allowzero):
    dims = [x.shape[i] if d == 0 and not allowzero else int(d) for i, d in enumerate(shape)]
    return x.reshape(dims)


def _expand(x, shape):
    return np.broadcast_to(x, np.broadcast_shapes(x.shape, tuple(int(d) for d in shape)))


def _squeeze(x, axes=None):
    return np.squeeze(x) if axes is None else np.squeeze(x, axis=tuple(int(a) for a in axes))


KERNELS = {
    ops.shape: lambda x, start, end: np.array(x.shape[start:end], dtype=dtypes.int64),
    ops.size: lambda x: np.array(x.size, dtype=dtypes.int64),
    ops.reshape: _reshape,
    ops.expand: _expand,
    ops.transpose: lambda x, perm: np.transpose(x, perm),
    ops.unsqueeze: lambda x, axes: np.expand_dims(x, tuple(int(a) for a in axes)),
    ops.squeeze: _squeeze,
}
