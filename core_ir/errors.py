"""Exceptions raised by the IR. Frontends translate them into their framework's own types.

Every message names the op, the node origin (the frontend path that made it) and the shapes
involved, on one line.
"""

from __future__ import annotations


class IRError(Exception):
    """Base of all errors raised by core_ir."""


class ShapeError(IRError, ValueError):
    """Input shapes (or ranks) that an op's shape rule rejects."""


class DTypeError(IRError, TypeError):
    """Input element types that an op does not accept."""


class OpAttributeError(IRError, TypeError):
    """An unknown, missing or ill-typed op attribute."""


class IndexOutOfRange(IRError, IndexError):
    """An index *value* outside its dimension (a class label, a Gather index). Shape rules cannot
    see values, so kernels raise this one themselves; the interpreter adds op and origin."""


class GraphError(IRError, ValueError):
    """A malformed graph: a value used before it is defined, a cycle, a dangling output."""


class KernelBug(IRError, RuntimeError):
    """A kernel failed although the op's shape rule accepted its inputs: a bug in this library."""


class GradientError(IRError, RuntimeError):
    """Backward through a freed graph, or a gradient asked of something that has none."""


def describe_shapes(inputs) -> str:
    """'(8, 5) and (3, 4)' for the shapes of the given values (None for absent optional inputs)."""
    parts = ["None" if x is None else fmt_shape(x.shape) for x in inputs]
    return " and ".join(parts) if len(parts) <= 2 else ", ".join(parts)


def fmt_shape(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
