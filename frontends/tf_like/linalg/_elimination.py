"""inv, det, slogdet, logdet and solve by Gauss-Jordan elimination with partial pivoting,
written in IR ops: they are differentiable (the pivot choice is piecewise constant), traceable
and batched. The IR has no LU op, so this unrolls one step per column: meant for the small
matrices (n up to a few dozen) such code usually sees."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from .._helpers import tensor
from .._tensor import call, constant
from ..errors import InvalidArgumentError


def _square(x, what: str) -> int:
    n = x.shape[-1]
    if x.ndim < 2 or x.shape[-2] != n or not isinstance(n, int):
        raise InvalidArgumentError(None, None, f"Input matrix must be square (with a static size "
                                   f"here), got shape {list(x.shape)} [Op:{what}]")
    if x.dtype.kind != "f":
        raise InvalidArgumentError(None, None, f"{what} needs a float matrix, got "
                                   f"{x.dtype.name}")
    return n


def _col(x, k: int):
    return x[..., :, k]


def _outer(u, v):
    return call(ops.unsqueeze, u, ops.const_ints([-1])) * call(ops.unsqueeze, v,
                                                               ops.const_ints([-2]))


def _swap_rows(aug, k: int, n: int):
    """Bring the row with the largest |entry| in column k (among rows >= k) to row k, by a
    permutation matrix (so the step stays an ordinary differentiable matmul)."""
    below = constant(np.arange(n) >= k)
    candidates = call(ops.where, below, call(ops.abs_, _col(aug, k)),
                      ops.const_like(-1, aug))
    p = call(ops.arg_max, candidates, axis=-1, keepdims=0)
    e_p = call(ops.one_hot, p, ops.const_ints([n]), ops.const_like(np.array([0, 1]), aug),
               axis=-1)
    e_k = ops.const_like(np.eye(n)[k], aug)
    perm = ops.const_like(np.eye(n), aug) - _outer(e_k, e_k) - _outer(e_p, e_p) + \
        _outer(e_k, e_p) + _outer(e_p, e_k)
    flipped = call(ops.not_, call(ops.equal, p, ops.const_like(k, p)))
    return call(ops.matmul, perm, aug), flipped


def eliminate(a, rhs):
    """Reduce [a | rhs] to [I | a^-1 rhs]. Returns (a^-1 rhs, pivots [..., n], row-swap
    parity [...] as bool: True for an odd number of swaps)."""
    n = a.shape[-1]
    aug = call(ops.concat, a, rhs, axis=a.ndim - 1)
    pivots, odd = [], None
    for k in range(n):
        aug, flipped = _swap_rows(aug, k, n)
        odd = flipped if odd is None else call(ops.xor, odd, flipped)
        pivot = aug[..., k, k]
        pivots.append(pivot)
        zero = call(ops.equal, pivot, ops.const_like(0, pivot))
        safe = call(ops.where, zero, ops.const_like(1, pivot), pivot)  # a singular column
        row = aug[..., k, :] / call(ops.unsqueeze, safe, ops.const_ints([-1]))
        c = _col(aug, k) - ops.const_like(np.eye(n)[k], aug)
        aug = aug - _outer(c, row)
    stacked = call(ops.concat, *[call(ops.unsqueeze, p, ops.const_ints([-1])) for p in pivots],
                   axis=a.ndim - 2)
    return aug[..., :, n:], stacked, odd


def _check_invertible(pivots, what: str) -> None:
    if pivots.array is not None and np.any(pivots.array == 0):
        raise InvalidArgumentError(None, None, f"Input is not invertible. [Op:{what}]")


def inv(input, adjoint=False, name=None):  # noqa: A002
    """tf.linalg.inv: the inverse of each square matrix (InvalidArgumentError if singular)."""
    a = tensor(input)
    n = _square(a, "MatrixInverse")
    if adjoint:
        a = _t(a)
    identity = call(ops.expand, ops.const_like(np.eye(n), a), ops.shape_tensor(a))
    result, pivots, _ = eliminate(a, identity)
    _check_invertible(pivots, "MatrixInverse")
    return result


def solve(matrix, rhs, adjoint=False, name=None):
    """tf.linalg.solve: x with matrix @ x = rhs (rhs [..., n, k])."""
    a, b = tensor(matrix), tensor(rhs)
    _square(a, "MatrixSolve")
    if adjoint:
        a = _t(a)
    result, pivots, _ = eliminate(a, b)
    _check_invertible(pivots, "MatrixSolve")
    return result


def _t(a):
    perm = list(range(a.ndim - 2)) + [a.ndim - 1, a.ndim - 2]
    return call(ops.transpose, a, perm=perm)


def _empty_rhs(a):
    n = a.shape[-1]
    target = call(ops.concat, _batch_shape(a), ops.const_ints([n, 0]), axis=0)
    return call(ops.expand, ops.const_like(np.zeros((n, 0)), a), target)


def _batch_shape(a):
    return call(ops.slice_, ops.shape_tensor(a), ops.const_ints([0]), ops.const_ints([-2]))


def det(input, name=None):  # noqa: A002
    """tf.linalg.det: the determinant, (-1)^swaps * product of the pivots (0 if singular)."""
    a = tensor(input)
    _square(a, "MatrixDeterminant")
    _, pivots, odd = eliminate(a, _empty_rhs(a))
    product = call(ops.reduce_prod, pivots, ops.const_ints([-1]), keepdims=0)
    return call(ops.where, odd, call(ops.neg, product), product)


def slogdet(input, name=None):  # noqa: A002
    """tf.linalg.slogdet: (sign, log|det|), without forming the determinant."""
    a = tensor(input)
    _square(a, "LogMatrixDeterminant")
    _, pivots, odd = eliminate(a, _empty_rhs(a))
    signs = call(ops.reduce_prod, call(ops.sign, pivots), ops.const_ints([-1]), keepdims=0)
    sign = call(ops.where, odd, call(ops.neg, signs), signs)
    log_abs = call(ops.reduce_sum, call(ops.log, call(ops.abs_, pivots)), ops.const_ints([-1]),
                   keepdims=0)
    return sign, log_abs


def logdet(matrix, name=None):
    """tf.linalg.logdet of Hermitian positive definite matrices: log(det)."""
    return slogdet(matrix)[1]
