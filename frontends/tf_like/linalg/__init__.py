"""tf.linalg: matrix products, diagonals and bands, norms, and (in _elimination) inv, det,
slogdet and solve written in IR ops, so they are differentiable and traceable."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from .._creation_ops import eye  # noqa: F401
from .._helpers import tensor
from .._ops import einsum, global_norm, matmul, norm, tensordot  # noqa: F401
from .._tensor import call
from ..math import l2_normalize  # noqa: F401
from ._elimination import det, inv, logdet, slogdet, solve  # noqa: F401


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """tf.linalg.matrix_transpose: swap the last two axes."""
    a = tensor(a)
    if a.ndim < 2:
        raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2.  Received "
                         f"`a` = {a!r} with shape: {a.shape}")
    perm = list(range(a.ndim - 2)) + [a.ndim - 1, a.ndim - 2]
    return call(ops.transpose, a, perm=perm)


transpose = adjoint = matrix_transpose


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False,
           name=None):
    """tf.linalg.matvec: a @ b for a batch of matrices a [..., m, n] and vectors b [..., n]."""
    b = tensor(b)
    column = call(ops.unsqueeze, b, ops.const_ints([-1]))
    out = matmul(a, column, transpose_a=transpose_a or adjoint_a)
    return call(ops.squeeze, out, ops.const_ints([-1]))


def _eye_like(x, rows: int, cols: int):
    return ops.const_like(np.eye(rows, cols), x)


def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0, align=None):
    """tf.linalg.diag: square matrices with the given (batch of) main diagonals."""
    d = tensor(diagonal)
    n = d.shape[-1]
    if k != 0 or num_rows != -1 or num_cols != -1 or padding_value != 0:
        raise ValueError("tf.linalg.diag supports the main diagonal (k=0) of square matrices "
                         "with zero padding here")
    return call(ops.unsqueeze, d, ops.const_ints([-1])) * _eye_like(d, n, n)


def diag_part(input, name="diag_part", k=0, padding_value=0, align=None):  # noqa: A002
    """tf.linalg.diag_part: the main diagonal of each matrix [..., min(m, n)]."""
    x = tensor(input)
    if k != 0:
        raise ValueError("tf.linalg.diag_part supports the main diagonal (k=0) here")
    m, n = x.shape[-2:]
    r = min(m, n)
    square = x[..., :r, :r] if (m, n) != (r, r) else x
    mask = call(ops.cast, _eye_like(x, r, r), to=np.bool_)
    picked = call(ops.where, mask, square, ops.const_like(0, x))
    return call(ops.reduce_sum, picked, ops.const_ints([-1]), keepdims=0)


def trace(x, name=None):
    """tf.linalg.trace: the sum of each matrix's main diagonal."""
    return call(ops.reduce_sum, diag_part(x), ops.const_ints([-1]), keepdims=0)


def set_diag(input, diagonal, name="set_diag", k=0, align=None):  # noqa: A002
    """tf.linalg.set_diag: each square matrix with its main diagonal replaced."""
    x, d = tensor(input), tensor(diagonal)
    m, n = x.shape[-2:]
    mask = call(ops.cast, _eye_like(x, m, n), to=np.bool_)
    return call(ops.where, mask, call(ops.unsqueeze, d, ops.const_ints([-1])), x)


def band_part(input, num_lower, num_upper, name=None):  # noqa: A002
    """tf.linalg.band_part: keep entries with -num_lower <= j - i <= num_upper (a negative
    count keeps that whole triangle)."""
    x = tensor(input)
    m, n = x.shape[-2:]
    i, j = np.arange(m)[:, None], np.arange(n)[None, :]
    keep = ((int(num_lower) < 0) | (i - j <= int(num_lower))) & \
        ((int(num_upper) < 0) | (j - i <= int(num_upper)))
    from .._tensor import constant
    return call(ops.where, constant(keep), x, ops.const_like(0, x))


def cross(a, b, name=None):
    """tf.linalg.cross: the cross product of 3-vectors along the last axis."""
    a, b = tensor(a), tensor(b)
    ax, ay, az = (a[..., i] for i in range(3))
    bx, by, bz = (b[..., i] for i in range(3))
    parts = [ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx]
    return call(ops.concat, *[call(ops.unsqueeze, p, ops.const_ints([-1])) for p in parts],
                axis=-1 % a.ndim)


__all__ = ["matmul", "matvec", "matrix_transpose", "transpose", "adjoint", "diag", "diag_part",
           "trace", "set_diag", "band_part", "norm", "global_norm", "eye", "einsum", "tensordot",
           "l2_normalize", "inv", "det", "slogdet", "logdet", "solve", "cross"]
