"""Kernels of the linear-algebra ops. Same order as core_ir/ops/linalg.py."""

from __future__ import annotations

import numpy as np

from core_ir import ops


def _gemm(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    y = np.matmul(a.T if transA else a, b.T if transB else b)
    # the scalars take the operands' type, as the decomposition's constants do
    if alpha != 1.0:
        y *= y.dtype.type(alpha)
    if c is not None:
        y += c if beta == 1.0 else c * c.dtype.type(beta)
    return y


def _einsum(*xs, equation):
    # optimize: pairwise contractions through tensordot (BLAS) rather than einsum's own loops
    return np.asarray(np.einsum(equation, *xs, optimize=len(xs) > 1))


KERNELS = {
    ops.matmul: np.matmul,
    ops.gemm: _gemm,
    ops.einsum: _einsum,
}
