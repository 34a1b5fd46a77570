"""Linear algebra: MatMul (numpy matmul semantics, incl. 1-D operands and batch broadcasting),
Gemm (a composite over MatMul/Transpose/Mul/Add) and Einsum (ONNX equations, with ellipsis)."""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .. import dtypes
from ..errors import ShapeError, fmt_shape
from ..interpreters import TypeSpec, constant
from ..op import Attr, defop
from ..shape_rules import (broadcast_dims, broadcast_shapes, check_dtype, dtype_checked,
                           same_dtypes)


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


matmul = defop("MatMul", infer=dtype_checked(_matmul_infer, dtypes.NUMERIC, homogeneous=True),
               vjp=(_matmul_da, _matmul_db))

# -- Gemm -----------------------------------------------------------------------------------------
GEMM_ATTRS = {"alpha": Attr("float", 1.0), "beta": Attr("float", 1.0),
              "transA": Attr("int", 0, (0, 1)), "transB": Attr("int", 0, (0, 1))}


def _gemm_infer(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    check_dtype(a, dtypes.NUMERIC)
    same_dtypes(*[t for t in (a, b, c) if t is not None])
    if a.ndim != 2 or b.ndim != 2:
        raise ShapeError(f"Gemm needs 2-D A and B, got shapes {fmt_shape(a.shape)} and "
                         f"{fmt_shape(b.shape)}")
    m, k = a.shape[::-1] if transA else a.shape
    k2, n = b.shape[::-1] if transB else b.shape
    if isinstance(k, int) and isinstance(k2, int) and k != k2:
        raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({m}x{k} and {k2}x{n}): "
                         f"A {fmt_shape(a.shape)} with transA={transA}, B {fmt_shape(b.shape)} "
                         f"with transB={transB}")
    if c is not None:
        _check_gemm_bias(c.shape, (m, n))
    return TypeSpec(a.dtype, (m, n))


def _check_gemm_bias(c_shape: tuple, out: tuple) -> None:
    """C broadcasts one way (ONNX 'unidirectional'): each of its dims is 1 or the output's."""
    fits = len(c_shape) <= 2 and all(
        dc == 1 or dc == do or not isinstance(dc, int) or not isinstance(do, int)
        for dc, do in zip(c_shape[::-1], out[::-1]))
    if not fits:
        raise ShapeError(f"Gemm's C of shape {fmt_shape(c_shape)} does not broadcast to the "
                         f"output shape {fmt_shape(out)}")


def _gemm_decompose(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    y = matmul(transpose(a, perm=(1, 0)) if transA else a,
               transpose(b, perm=(1, 0)) if transB else b)
    y = y if alpha == 1.0 else y * alpha
    if c is None:
        return y
    return y + (c if beta == 1.0 else c * beta)


# Gemm's own VJP, itself in Gemms: the decomposition's would recompute the forward product, and
# the transposes fold into transA/transB. Y = alpha A'B' + beta C with A' = A^T if transA.
def _gemm_da(g, out, a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    if transA:  # dA = (alpha g B'^T)^T = alpha B' g^T
        return gemm(b, g, alpha=alpha, transA=transB, transB=1)
    return gemm(g, b, alpha=alpha, transB=1 - transB)


def _gemm_db(g, out, a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    if transB:  # dB = (alpha A'^T g)^T = alpha g^T A'
        return gemm(g, a, alpha=alpha, transA=1, transB=transA)
    return gemm(a, g, alpha=alpha, transA=1 - transA)


def _gemm_dc(g, out, a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    return g if beta == 1.0 else g * beta  # the driver sums it down to C's shape


gemm = defop("Gemm", infer=dtype_checked(_gemm_infer, dtypes.NUMERIC, homogeneous=True),
             attrs=GEMM_ATTRS, vjp=(_gemm_da, _gemm_db, _gemm_dc), decompose=_gemm_decompose)

# -- Einsum ---------------------------------------------------------------------------------------
LABELS = string.ascii_letters  # ONNX: a-z and A-Z, case-sensitive


class EinsumSpec(NamedTuple):
    """An equation with each ellipsis spelled out as fresh labels: a term per operand, the
    output term. Ellipses align from the right and broadcast, as in numpy."""

    terms: tuple
    output: str


def _split_term(term: str, equation: str) -> tuple:
    """(labels before '...', labels after, whether there is an ellipsis) of one term."""
    head, dots, tail = term.partition("...")
    if any(ch not in LABELS for ch in head + tail):
        raise ShapeError(f"Einsum equation {equation!r} has a bad term {term!r} (terms are "
                         f"letters a-z, A-Z and at most one '...')")
    return head, tail, bool(dots)


def unused_labels(used: str, n: int) -> str:
    free = "".join(ch for ch in LABELS if ch not in used)
    if len(free) < n:
        raise ShapeError(f"Einsum has no {n} labels left to spell out '...' or a diagonal")
    return free[:n]


def parse_einsum(equation: str, shapes: Sequence[tuple]) -> EinsumSpec:
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = [_split_term(t, equation) for t in lhs.split(",")]
    if len(terms) != len(shapes):
        raise ShapeError(f"Einsum equation {equation!r} has {len(terms)} operand terms but got "
                         f"{len(shapes)} inputs")
    ranks = [len(s) - len(h) - len(t) for (h, t, _), s in zip(terms, shapes)]
    for (head, tail, dots), shape, r in zip(terms, shapes, ranks):
        if r < 0 or (r > 0 and not dots):
            raise ShapeError(f"Einsum term {head + '...' * dots + tail!r} of {equation!r} does "
                             f"not fit an input of shape {fmt_shape(shape)}")
    ell = unused_labels(eq, max(ranks, default=0))
    spelled = tuple(h + ell[len(ell) - r:] + t for (h, t, _), r in zip(terms, ranks))
    if arrow:
        head, tail, dots = _split_term(rhs, equation)
        if ell and not dots:
            raise ShapeError(f"Einsum equation {equation!r} needs '...' in its output for the "
                             f"broadcast dims of shapes {', '.join(map(fmt_shape, shapes))}")
        output = head + ell + tail
    else:  # implicit: labels seen once, in ASCII order, after the ellipsis dims
        counts = Counter("".join(h + t for h, t, _ in terms))
        output = ell + "".join(sorted(ch for ch, n in counts.items() if n == 1))
    _check_output(output, spelled, equation)
    return EinsumSpec(spelled, output)


def _check_output(output: str, terms: tuple, equation: str) -> None:
    seen = "".join(terms)
    for ch in output:
        if output.count(ch) > 1 or ch not in seen:
            raise ShapeError(f"Einsum equation {equation!r}: output label {ch!r} repeats or is "
                             f"in no input")


def einsum_dims(spec: EinsumSpec, shapes: Sequence[tuple], equation: str) -> dict:
    """The size of each label; a size 1 broadcasts, as numpy's einsum does."""
    dims: dict = {}
    for term, shape in zip(spec.terms, shapes):
        for ch, d in zip(term, shape):
            size_ = d if ch not in dims else broadcast_dims(dims[ch], d)
            if size_ is False:
                raise ShapeError(f"Einsum equation {equation!r}: label {ch!r} has sizes "
                                 f"{dims[ch]} and {d} (input shapes "
                                 f"{', '.join(map(fmt_shape, shapes))})")
            dims[ch] = size_
    return dims


def _einsum_infer(*xs, equation):
    if not xs:
        raise ShapeError("Einsum needs at least one input")
    check_dtype(xs[0], dtypes.NUMERIC)
    same_dtypes(*xs)
    shapes = [x.shape for x in xs]
    spec = parse_einsum(equation, shapes)
    dims = einsum_dims(spec, shapes, equation)
    return TypeSpec(xs[0].dtype, tuple(dims[ch] for ch in spec.output))


def _einsum_vjp(g, out, *xs, equation):
    spec = parse_einsum(equation, [x.shape for x in xs])
    return tuple(_einsum_grad(g, xs, spec, i) if x is not None and x.requires_grad else None
                 for i, x in enumerate(xs))


def _einsum_grad(g, xs, spec: EinsumSpec, i: int):
    """The cotangent contracted with the other operands, out to operand i's labels. A label only
    operand i has (summed in it alone) comes back by broadcasting; a repeated label (a diagonal)
    gets a fresh label tied to it by an identity matrix."""
    term, x = spec.terms[i], xs[i]
    others = [j for j in range(len(xs)) if j != i]
    have = set(spec.output).union(*(spec.terms[j] for j in others))
    fresh = iter(unused_labels("".join(spec.terms), len(term) - len(set(term))))
    operands, terms = [g] + [xs[j] for j in others], [spec.output] + [spec.terms[j] for j in others]
    target, missing = "", []
    for pos, ch in enumerate(term):
        if ch in term[:pos]:
            label = next(fresh)
            operands.append(_eye(x, pos))
            terms.append(ch + label)
            target += label
        elif ch in have or term.count(ch) > 1:
            target += ch
        else:
            missing.append(pos)
    grad = einsum(*operands, equation=",".join(terms) + "->" + target)
    if missing:
        grad = expand(unsqueeze(grad, const_ints(missing)), shape_tensor(x))
    return grad


def _eye(x, pos: int):
    n = x.shape[pos]
    if not isinstance(n, int):
        raise ShapeError(f"the Einsum gradient through a diagonal needs a static size, got "
                         f"shape {fmt_shape(x.shape)}")
    return constant(np.eye(n), x.dtype)


einsum = defop("Einsum", infer=dtype_checked(_einsum_infer, dtypes.NUMERIC, homogeneous=True),
               attrs={"equation": Attr("str")}, vjp=_einsum_vjp)

__all__ = ["matmul", "swap_last", "gemm", "einsum", "parse_einsum", "EinsumSpec"]

from .helpers import const_ints, shape_tensor  # noqa: E402
from .shape import expand, squeeze, transpose, unsqueeze  # noqa: E402
