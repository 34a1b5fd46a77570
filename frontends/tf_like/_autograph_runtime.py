"""What AutoGraph-converted code calls at run time (passed to it as `_ag__`).

Each helper keeps Python's semantics when the condition (or iterable) is a Python value or an
eager tensor, and picks a graph lowering only for a symbolic tensor: `if` becomes tf.cond's
select (both branches traced, outputs selected with Where); `while` and `for` are unrolled while
their condition is known at trace time (see _control_flow). A condition that depends on data
raises GraphFallback, so tf.function runs the function eagerly with a warning.

A converted block's variables travel as function arguments and results: `state(locals(),
names)` reads their values now (Undefined for a name not bound yet).
"""

from __future__ import annotations

import inspect
import sys
import weakref

import numpy as np

from core_ir import ops
from core_ir.tensor import Tensor as _CoreTensor

from ._control_flow import (
    MAX_UNROLL,
    GraphFallback,
    Undefined,
    select_branches,
    static_truth,
    static_value,
)
from ._tensor import call, convert_to_tensor, is_tracing

_LIBRARIES = frozenset({"frontends", "core_ir", "backends", "numpy", "builtins"}) | \
    frozenset(sys.stdlib_module_names)
_converted: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def converted(f):
    """f with AutoGraph applied when it is the user's Python function or method (cached)."""
    fn = f.__func__ if inspect.ismethod(f) else f
    if not inspect.isfunction(fn) or \
            (getattr(fn, "__module__", None) or "").split(".")[0] in _LIBRARIES:
        return f
    new = _converted.get(fn)
    if new is None:
        from ._autograph import convert
        new = _converted.setdefault(fn, convert(fn))
    return new.__get__(f.__self__) if inspect.ismethod(f) else new


def state(frame_locals: dict, names: tuple) -> tuple:
    return tuple(frame_locals.get(n, Undefined(n)) for n in names)


def _truth(x) -> bool | None:
    """Python truthiness, or the known value of a tensor; None for a data-dependent tensor."""
    return static_truth(x) if isinstance(x, _CoreTensor) else bool(x)


def if_stmt(test, true_fn, false_fn, values: tuple) -> tuple:
    known = _truth(test)
    if known is not None:
        return true_fn(*values) if known else false_fn(*values)
    return select_branches(test, lambda: true_fn(*values), lambda: false_fn(*values),
                           ("if body", "else body"), "an `if` statement converted by AutoGraph")


def while_stmt(test, body, values: tuple) -> tuple:
    steps = 0
    while True:
        cond = test(*values)
        known = _truth(cond)
        if known is None:
            raise GraphFallback("a `while` condition depends on tensor values not known while "
                                "tracing")
        if not known:
            return values
        if isinstance(cond, _CoreTensor) and is_tracing():
            steps += 1
            if steps > MAX_UNROLL:
                raise GraphFallback(f"a `while` loop on a tensor condition runs more than "
                                    f"{MAX_UNROLL} steps (too many to unroll while tracing)")
        values = body(*values)


def for_stmt(iterable, body, values: tuple) -> tuple:
    for item in _iterate(iterable):
        values = body(item, *values)
    return values


def _iterate(iterable):
    if not isinstance(iterable, _CoreTensor) or iterable.array is not None:
        return iter(iterable)
    if not iterable.shape:
        raise TypeError("Cannot iterate over a scalar tensor.")
    n = iterable.shape[0]
    if n is None:
        known = static_value(iterable)
        if known is None:
            raise GraphFallback("a `for` loop iterates over a tensor whose length is not known "
                                "while tracing")
        n = known.shape[0]
    return (iterable[i] for i in range(n))


def range_(*args):
    """`range(...)` in a converted `for`: Python's range when the bounds are known (also for
    tensors known while tracing), else tf.range."""
    known = [static_value(a) if isinstance(a, _CoreTensor) else a for a in args]
    if all(k is not None and np.ndim(k) == 0 for k in known):
        return range(*(int(k) for k in known))
    from ._creation_ops import range as tf_range
    return tf_range(*args)


def and_(*thunks):
    value = thunks[0]()
    for thunk in thunks[1:]:
        known = _truth(value)
        if known is False:
            return value
        value = thunk() if known else call(ops.and_, value, _bool(thunk()))
    return value


def or_(*thunks):
    value = thunks[0]()
    for thunk in thunks[1:]:
        known = _truth(value)
        if known is True:
            return value
        value = thunk() if known is False else call(ops.or_, value, _bool(thunk()))
    return value


def not_(x):
    known = _truth(x)
    return call(ops.not_, x) if known is None else not known


def _bool(x):
    return convert_to_tensor(x, dtype=np.bool_)
