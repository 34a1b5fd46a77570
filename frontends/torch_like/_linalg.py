"""Products: matmul/@, mm, bmm, mv, dot, outer, addmm, baddbmm, einsum, tensordot, plus diag,
diagonal and trace. Shapes are checked first with torch's messages; the IR's MatMul/Gemm/Einsum
do the work (and its shape rules back the checks up while tracing)."""

from __future__ import annotations

import math

import numpy as np

from core_ir import interpreters, ops

from . import _dtypes
from ._tensor import Tensor, call, wrap


def _fail(msg: str):
    where = interpreters.current_origin()
    raise RuntimeError(msg + (f" [in '{where}']" if where else ""))


def _x(*dims) -> str:
    return "x".join(str(d) for d in dims)


def _check_dtypes(a, b) -> None:
    if a.dtype != b.dtype:
        _fail(f"expected m1 and m2 to have the same dtype, but got: {_dtypes.c_name(a.dtype)} "
              f"!= {_dtypes.c_name(b.dtype)}")


def _static(*shapes) -> bool:
    return all(isinstance(d, int) for s in shapes for d in s)


def _check_matmul(a, b) -> None:
    sa, sb = tuple(a.shape), tuple(b.shape)
    if a.ndim == 0 or b.ndim == 0:
        _fail(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and "
              f"{b.ndim}D")
    _check_dtypes(a, b)
    if not _static(sa, sb):
        return  # the IR's shape rule checks what tracing knows
    k_a, k_b = sa[-1], (sb[0] if b.ndim == 1 else sb[-2])
    if k_a == k_b:
        return
    if a.ndim == 1 and b.ndim == 1:
        _fail(f"inconsistent tensor size, expected tensor [{k_a}] and src [{k_b}] to have the "
              f"same number of elements, but got {k_a} and {k_b} elements respectively")
    if b.ndim == 1:
        _fail(f"size mismatch, got input ({math.prod(sa[:-1])}), mat "
              f"({_x(math.prod(sa[:-1]), k_a)}), vec ({k_b})")
    if b.ndim == 2:
        _fail(f"mat1 and mat2 shapes cannot be multiplied ({_x(math.prod(sa[:-1]), k_a)} and "
              f"{_x(*sb)})")
    batch = math.prod(np.broadcast_shapes(sa[:-2], sb[:-2]))
    _fail(f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {k_a}] but "
          f"got: [{batch}, {k_b}].")


def matmul(input, other, *, out=None):
    """torch.matmul: numpy matmul semantics (1-D operands, broadcast batch dims). No type
    promotion: the dtypes must match, as in torch."""
    input, other = wrap(input), wrap(other)
    _check_matmul(input, other)
    return _out(call(ops.matmul, input, other), out)


def _out(result, out):
    from ._tensor_ops import _out as write
    return write(result, out)


def mm(input, mat2, *, out=None):
    if input.ndim != 2:
        _fail("self must be a matrix")
    if mat2.ndim != 2:
        _fail("mat2 must be a matrix")
    return matmul(input, mat2, out=out)


def bmm(input, mat2, *, out=None):
    if input.ndim != 3:
        _fail("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        _fail("batch2 must be a 3D tensor")
    if _static(input.shape, mat2.shape) and input.shape[0] != mat2.shape[0]:
        _fail(f"Expected size for first two dimensions of batch2 tensor to be: "
              f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    return matmul(input, mat2, out=out)


def mv(input, vec, *, out=None):
    if input.ndim != 2 or vec.ndim != 1:
        _fail(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    return matmul(input, vec, out=out)


def dot(input, other, *, out=None):
    if input.ndim != 1 or other.ndim != 1:
        _fail(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    return matmul(input, other, out=out)


inner_product = dot


def outer(input, vec2):
    """input[:, None] * vec2[None, :] (torch.outer, alias ger)."""
    from ._shape_ops import unsqueeze
    return unsqueeze(input, 1) * unsqueeze(vec2, 0)


ger = outer


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2), one Gemm (as nn.Linear lowers)."""
    if mat1.ndim != 2 or mat2.ndim != 2:
        mm(mat1, mat2)  # raises torch's message
    _check_matmul(mat1, mat2)
    input = wrap(input)
    if input.dtype != mat1.dtype:
        input = input.to(mat1.dtype)
    return _out(call(ops.gemm, mat1, mat2, input, alpha=alpha, beta=beta), out)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    return _scaled(input, beta) + _scaled(mv(mat, vec), alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return _scaled(input, beta) + _scaled(bmm(batch1, batch2), alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return _scaled(input, beta) + _scaled(bmm(batch1, batch2).sum(0), alpha)


def _scaled(x, factor):
    return x if factor == 1 else x * factor


def einsum(equation: str, *operands):
    """torch.einsum(equation, *operands) or einsum(equation, [operands])."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = [wrap(t) for t in operands]
    dtype = operands[0].dtype
    for t in operands[1:]:
        if t.dtype != dtype:
            _fail(f"expected scalar type {_dtypes.legacy_name(dtype)} but found "
                  f"{_dtypes.legacy_name(t.dtype)}")
    return call(ops.einsum, *operands, equation=equation.replace(" ", ""))


def tensordot(a, b, dims=2):
    """Contract the last `dims` axes of a with the first of b (or the given axis lists)."""
    if isinstance(dims, int):
        axes_a, axes_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        axes_a, axes_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    ta = [next(letters) for _ in range(a.ndim)]
    tb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(axes_a, axes_b):
        tb[j % b.ndim] = ta[i % a.ndim]
    shared = {ta[i % a.ndim] for i in axes_a}
    out = [c for c in ta if c not in shared] + [c for c in tb if c not in shared]
    return einsum(f"{''.join(ta)},{''.join(tb)}->{''.join(out)}", a, b)


def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """The diagonal of the (dim1, dim2) planes, appended as the last axis (a gather)."""
    d1, d2 = dim1 % input.ndim, dim2 % input.ndim
    rest = [i for i in range(input.ndim) if i not in (d1, d2)]
    x = input.permute(*rest, d1, d2)
    n1, n2 = x.shape[-2], x.shape[-1]
    rows = np.arange(max(0, -offset), max(min(n1, n2 - offset), 0))
    flat = x.reshape(*x.shape[:-2], n1 * n2)
    index = Tensor((rows * n2 + rows + offset).astype(np.int64))
    return call(ops.gather, flat, index, axis=-1)


def diag(input, diagonal: int = 0):
    """1-D: a matrix with input on the given diagonal; 2-D: that diagonal as a vector."""
    if input.ndim == 2:
        return globals()["diagonal"](input, diagonal)
    if input.ndim != 1:
        _fail(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    n = input.shape[0] + abs(diagonal)
    rows = np.arange(input.shape[0]) + max(0, -diagonal)
    flat_index = (rows * n + rows + diagonal).astype(np.int64)
    zeros = Tensor(np.zeros((n * n,), input.dtype))
    out = call(ops.scatter_elements, zeros, Tensor(flat_index), input, axis=0)
    return out.reshape(n, n)


def trace(input):
    return diagonal(input).sum()
