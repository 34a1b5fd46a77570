"""Linear algebra: MatMul (numpy matmul semantics, incl. 1-D operands and batch broadcasting)."""

from __future__ import annotations

from .. import dtypes
from ..errors import ShapeError, fmt_shape
from ..interpreters import TypeSpec
from ..op import defop
from ..shape_rules import broadcast_dims, broadcast_shapes, check_dtype, same_dtypes


def _matmul_infer(a, b):
    check_dtype(a, dtypes.NUMERIC)
    same_dtypes(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"MatMul needs operands of rank >= 1, got shapes {fmt_shape(a.shape)} "
                         f"and {fmt_shape(b.shape)}")
    sa = (1,) + tuple(a.shape) if a.ndim == 1 else tuple(a.shape)
    sb = tuple(b.shape) + (1,) if b.ndim == 1 else tuple(b.shape)
    if broadcast_dims(sa[-1], sb[-2]) is False or (
            isinstance(sa[-1], int) and isinstance(sb[-2], int) and sa[-1] != sb[-2]):
        raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({_x(a.shape)} and "
                         f"{_x(b.shape)})")
    batch = broadcast_shapes(sa[:-2], sb[:-2])
    out = batch + (sa[-2],) * (a.ndim > 1) + (sb[-1],) * (b.ndim > 1)
    return TypeSpec(a.dtype, out)


def _x(shape) -> str:
    """torch's way of printing matrix shapes in this error: 32x512."""
    return "x".join(str(d) for d in shape)


def swap_last(t):
    """Transpose the last two axes (t is at least 2-D)."""
    perm = list(range(t.ndim))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return transpose(t, perm=perm)


def _as_matrix_grad(g, a, b):
    """Lift the 1-D cases to 2-D so one formula serves all ranks: returns (g2, a2, b2)."""
    if a.ndim == 1:
        a = unsqueeze(a, const_ints([0]))
        g = unsqueeze(g, const_ints([-2 if b.ndim > 1 else 0]))
    if b.ndim == 1:
        b = unsqueeze(b, const_ints([1]))
        g = unsqueeze(g, const_ints([-1]))
    return g, a, b


def _matmul_da(g, out, a, b):
    g2, a2, b2 = _as_matrix_grad(g, a, b)
    ga = matmul(g2, swap_last(b2))
    return squeeze(ga, const_ints([-2])) if a.ndim == 1 else ga  # the driver sums batch dims


def _matmul_db(g, out, a, b):
    g2, a2, b2 = _as_matrix_grad(g, a, b)
    gb = matmul(swap_last(a2), g2)
    return squeeze(gb, const_ints([-1])) if b.ndim == 1 else gb


matmul = defop("MatMul", infer=_matmul_infer, vjp=(_matmul_da, _matmul_db))

__all__ = ["matmul", "swap_last"]

from .helpers import const_ints  # noqa: E402
from .shape import squeeze, transpose, unsqueeze  # noqa: E402
