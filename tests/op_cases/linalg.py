"""Cases for the linear-algebra ops."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from . import OpCase, rand


def _matmul_ref(a, b):
    return np.einsum("...ij,...jk->...ik", a, b)


CASES = [
    OpCase("matmul_2d", ops.matmul, [rand(3, 4), rand(4, 5)], _matmul_ref, second_order=True),
    OpCase("matmul_batched_broadcast", ops.matmul, [rand(2, 3, 4), rand(4, 5)], _matmul_ref,
           second_order=True),
    OpCase("matmul_vec_mat", ops.matmul, [rand(4), rand(2, 4, 5)],
           lambda a, b: np.einsum("j,bjk->bk", a, b)),
    OpCase("matmul_mat_vec", ops.matmul, [rand(3, 4), rand(4)], lambda a, b: a.dot(b)),
    OpCase("matmul_vec_vec", ops.matmul, [rand(4), rand(4)], lambda a, b: np.array(a.dot(b))),
]
