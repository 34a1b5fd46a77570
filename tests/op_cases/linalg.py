"""Cases for the linear-algebra ops. Einsum's references use loops, matmul, outer, trace and
diagonal, never einsum; MatMul's and Gemm's may use np.einsum."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from . import OpCase, rand


def _matmul_ref(a, b):
    return np.einsum("...ij,...jk->...ik", a, b)


def _gemm_ref(alpha=1.0, beta=1.0, trans_a=0, trans_b=0):
    def ref(a, b, c=None):
        a2 = a.T if trans_a else a
        b2 = b.T if trans_b else b
        y = alpha * np.einsum("ik,kj->ij", a2.astype(np.float64), b2.astype(np.float64))
        return y if c is None else y + beta * c

    return ref


def _einsum(equation, *inputs, ref, suffix="", **kw):
    name = "einsum_" + equation.replace("...", "E").replace("->", "_to_").replace(",", "_")
    return OpCase(name.replace(" ", "") + suffix, ops.einsum, list(inputs), ref,
                  attrs={"equation": equation}, **kw)


def _outer(a, b):
    return np.array([[x * y for y in b] for x in a])


def _row_dots(a, b):
    return np.array([sum(x * y for x, y in zip(ra, rb)) for ra, rb in zip(a, b)])


def _contract_then_sum(a, b):  # ij,jk->k: i is summed in a alone
    return a.sum(axis=0) @ b


def _batch_diag(x):
    return np.stack([np.diagonal(m) for m in x.reshape(-1, *x.shape[-2:])]).reshape(
        *x.shape[:-2], x.shape[-1])


def _chain(a, b, c):
    return (a @ b) @ c


CASES = [
    OpCase("matmul_2d", ops.matmul, [rand(3, 4), rand(4, 5)], _matmul_ref, second_order=True),
    OpCase("matmul_batched_broadcast", ops.matmul, [rand(2, 3, 4), rand(4, 5)], _matmul_ref,
           second_order=True),
    OpCase("matmul_vec_mat", ops.matmul, [rand(4), rand(2, 4, 5)],
           lambda a, b: np.einsum("j,bjk->bk", a, b)),
    OpCase("matmul_mat_vec", ops.matmul, [rand(3, 4), rand(4)], lambda a, b: a.dot(b)),
    OpCase("matmul_vec_vec", ops.matmul, [rand(4), rand(4)], lambda a, b: np.array(a.dot(b))),
    # -- Gemm
    OpCase("gemm_bias_row", ops.gemm, [rand(3, 4), rand(4, 5), rand(5)], _gemm_ref(),
           second_order=True),
    OpCase("gemm_no_bias", ops.gemm, [rand(3, 4), rand(4, 5)], _gemm_ref()),
    OpCase("gemm_trans_a_alpha_beta", ops.gemm, [rand(4, 3), rand(4, 5), rand(3, 5)],
           _gemm_ref(0.5, 2.0, 1, 0), attrs={"transA": 1, "alpha": 0.5, "beta": 2.0},
           second_order=True),
    OpCase("gemm_trans_b_bias_column", ops.gemm, [rand(3, 4), rand(5, 4), rand(3, 1)],
           _gemm_ref(1.0, -1.0, 0, 1), attrs={"transB": 1, "beta": -1.0}, second_order=True),
    OpCase("gemm_trans_both_scalar_bias", ops.gemm, [rand(4, 3), rand(5, 4), rand(1)],
           _gemm_ref(3.0, 1.0, 1, 1), attrs={"transA": 1, "transB": 1, "alpha": 3.0},
           second_order=True),
    OpCase("gemm_int32", ops.gemm, [np.arange(6, dtype=np.int32).reshape(2, 3),
                                    np.arange(12, dtype=np.int32).reshape(3, 4) - 5,
                                    np.arange(4, dtype=np.int32)],
           lambda a, b, c: np.array([[sum(int(a[i, k]) * int(b[k, j]) for k in range(3)) + c[j]
                                      for j in range(4)] for i in range(2)])),
    # -- Einsum
    _einsum("ij,jk->ik", rand(3, 4), rand(4, 5), ref=lambda a, b: a @ b, second_order=True),
    _einsum("bij,bjk->bik", rand(2, 3, 4), rand(2, 4, 5), ref=lambda a, b: a @ b,
            second_order=True),
    _einsum("i,j->ij", rand(3), rand(4), ref=_outer, second_order=True),
    _einsum("ij,ij->i", rand(3, 4), rand(3, 4), ref=_row_dots),
    _einsum("ij,jk->k", rand(3, 4), rand(4, 5), ref=_contract_then_sum, second_order=True),
    _einsum("ij->", rand(3, 4), ref=lambda a: np.array(sum(a.ravel().tolist()))),
    _einsum("ij->ji", rand(3, 4), ref=lambda a: a.T.copy()),
    _einsum("ij,jk", rand(3, 4), rand(4, 5), ref=lambda a, b: a @ b),
    _einsum("bkj,bij", rand(2, 4, 3), rand(2, 5, 3),  # implicit output: sorted labels i, k
            ref=lambda a, b: np.stack([b[n] @ a[n].T for n in range(2)]).sum(axis=0)),
    _einsum("ij,jk,kl->il", rand(2, 3), rand(3, 4), rand(4, 2), ref=_chain, second_order=True),
    _einsum("...ij,...jk->...ik", rand(2, 3, 4), rand(4, 5), ref=lambda a, b: a @ b,
            second_order=True),
    _einsum("...ij,...jk", rand(2, 1, 3, 4), rand(3, 4, 2), ref=lambda a, b: a @ b),
    _einsum("b...i,i->b...", rand(2, 3, 4), rand(4), ref=lambda a, v: a @ v),
    _einsum("ii->", rand(4, 4), ref=lambda a: np.array(np.trace(a))),
    _einsum("ii->i", rand(4, 4), ref=lambda a: np.diagonal(a).copy()),
    _einsum("...ii->...i", rand(2, 3, 3), ref=_batch_diag),
    _einsum("bii,bi->b", rand(2, 3, 3), rand(2, 3),
            ref=lambda a, v: np.array([np.diagonal(a[n]) @ v[n] for n in range(2)]),
            second_order=True),
    _einsum("i j , j -> i", rand(3, 4), rand(4), ref=lambda a, v: a @ v),
    _einsum("ij,jk->ik", np.arange(6, dtype=np.int64).reshape(2, 3),
            np.arange(6, dtype=np.int64).reshape(3, 2), ref=lambda a, b: a @ b, suffix="_int64"),
]
