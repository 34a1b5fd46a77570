"""Reusable shape/dtype rules. They see only `.shape`, `.dtype` and `.known` of their inputs (graph
Values while tracing, Tensors when diagnosing an eager failure) and never touch data.

Dims are ints, str symbols ('N') or None (unknown). Errors are ShapeError/DTypeError whose text
names the shapes; the interpreter adds the op and the node origin.
"""

from __future__ import annotations

from typing import Iterable

from . import dtypes
from .errors import DTypeError, ShapeError, fmt_shape
from .interpreters import TypeSpec


def broadcast_dims(a, b):
    if a == b:
        return a
    if a == 1:
        return b
    if b == 1:
        return a
    if isinstance(a, int) and isinstance(b, int):
        return False  # incompatible
    if a is None or b is None:
        return a if b is None else b  # assume the unknown one is the other (or 1)
    if isinstance(a, int):  # a symbol against a size: the symbol must be that size
        return a
    if isinstance(b, int):
        return b
    return None  # two different symbols: unknown until run time


def broadcast_shapes(*shapes: tuple) -> tuple:
    rank = max(len(s) for s in shapes)
    out = [1] * rank
    for s in shapes:
        padded = (1,) * (rank - len(s)) + tuple(s)
        for i, d in enumerate(padded):
            r = broadcast_dims(out[i], d)
            if r is False:
                raise ShapeError("shapes " + " and ".join(fmt_shape(x) for x in shapes)
                                 + " cannot be broadcast")
            out[i] = r
    return tuple(out)


def check_dtype(x, allowed: Iterable, what: str = "input") -> None:
    if x.dtype not in allowed:
        names = ", ".join(sorted(str(d) for d in allowed))
        raise DTypeError(f"{what} has dtype {x.dtype}, expected one of: {names}")


def same_dtypes(*xs) -> None:
    first = xs[0].dtype
    for x in xs[1:]:
        if x.dtype != first:
            raise DTypeError("inputs must have the same dtype, got "
                             + " and ".join(str(y.dtype) for y in xs)
                             + " (shapes " + " and ".join(fmt_shape(y.shape) for y in xs) + ")")


def dtype_checked(rule, allowed, homogeneous: bool):
    """Tag a rule with its dtype contract, which the eager interpreter checks cheaply on every
    call (it does not run whole shape rules on success): `allowed` for the first input and, if
    `homogeneous`, one dtype for all inputs."""
    rule.allowed_dtypes = frozenset(allowed)
    rule.homogeneous = homogeneous
    return rule


def same_type(x, *rest, **attrs) -> TypeSpec:
    return TypeSpec(x.dtype, x.shape)


def unary(allowed=dtypes.NUMERIC):
    """Elementwise unary rule over the given dtypes."""

    def rule(x, **attrs):
        check_dtype(x, allowed)
        return TypeSpec(x.dtype, x.shape)

    return dtype_checked(rule, allowed, homogeneous=False)


def binary(allowed=dtypes.NUMERIC, out_dtype=None):
    """Broadcasting binary rule: same dtypes in, `out_dtype` (or the input dtype) out."""

    def rule(x, y, **attrs):
        check_dtype(x, allowed)
        same_dtypes(x, y)
        return TypeSpec(out_dtype or x.dtype, broadcast_shapes(x.shape, y.shape))

    return dtype_checked(rule, allowed, homogeneous=True)


def variadic(allowed=dtypes.NUMERIC):
    """Broadcasting rule for Min/Max/Sum/Mean with any number of inputs."""

    def rule(*xs, **attrs):
        if not xs:
            raise ShapeError("needs at least one input")
        for x in xs:
            check_dtype(x, allowed)
        same_dtypes(*xs)
        return TypeSpec(xs[0].dtype, broadcast_shapes(*(x.shape for x in xs)))

    return dtype_checked(rule, allowed, homogeneous=True)


def normalize_axis(axis: int, rank: int, shape=None) -> int:
    if not -rank <= axis < max(rank, 1):
        where = f" for shape {fmt_shape(shape)}" if shape is not None else f" for rank {rank}"
        raise ShapeError(f"axis {axis} is out of range{where}")
    return axis % rank if rank else 0


def known_ints(t) -> tuple | None:
    """The static content of a 1-D (or scalar) integer tensor, or None if unknown. Entries may
    be symbolic dims when the tensor came from Shape()."""
    if t is None:
        return None
    k = t.known
    if k is None:
        return None
    if isinstance(k, tuple):
        return k
    return tuple(int(v) for v in k.reshape(-1).tolist())


def require_known(t, what: str) -> tuple:
    """Like known_ints, for inputs the rule cannot do without (the IR needs static ranks)."""
    k = known_ints(t)
    if k is None:
        raise ShapeError(f"{what} must be known while tracing (a constant or computed from Shape)")
    return k


def numel(shape) -> int | None:
    n = 1
    for d in shape:
        if not isinstance(d, int):
            return None
        n *= d
    return n
