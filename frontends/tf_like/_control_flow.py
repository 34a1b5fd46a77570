"""tf.cond, tf.case, tf.switch_case and tf.while_loop, and how they lower into the IR.

The IR has no If or Loop op (no subgraph attributes); control flow lowers as follows.

- Eagerly, tf.cond calls only the chosen branch and tf.while_loop is a Python loop, as in TF.
- While tracing, a predicate whose value is known at trace time (a Python value, a constant, or
  a pure function of constants, folded on the engine now: `static_value`) picks its branch
  statically, like TF's smart_cond; a loop whose condition folds at every step is unrolled
  (at most MAX_UNROLL steps): the trip count is known, so the unrolled graph computes exactly
  what the eager loop computes, gradients included.
- A data-dependent tf.cond traces both branches and selects each output with
  `Where(pred, true_out, false_out)`. This is valid when both branches are pure (they assign
  no variable) and return the same structure, dtypes and shapes; the gradient flows through
  Where to the taken branch only. Differences from TF's If op: both branches run (and their
  Python side effects happen), and a branch that computes inf/nan where it is not taken can make
  the gradient nan (as with tf.where).
- What the IR cannot express (a data-dependent loop condition, branches that assign variables
  or return different shapes) raises GraphFallback, an OperatorNotAllowedInGraphError:
  tf.function catches it and runs the whole function eagerly, with a one-line warning naming
  the function and this reason. Anywhere else (a Keras trace) it is an error with the reason.
"""

from __future__ import annotations

import contextlib

import numpy as np

import backends.numpy as _engine
from core_ir import interpreters, ops, passes
from core_ir.interpreters import TracingInterpreter, current_interpreter
from core_ir.tensor import Tensor as _CoreTensor

from . import _nest
from ._tensor import call, convert_to_tensor, is_tracing
from ._variable import Variable
from .errors import InvalidArgumentError, OperatorNotAllowedInGraphError

MAX_UNROLL = 1000      # a traced loop longer than this runs eagerly instead (graph size)
_MAX_FOLD_NODES = 500  # a predicate computed by more nodes than this is not folded


class GraphFallback(OperatorNotAllowedInGraphError):
    """Control flow the IR cannot express was met while tracing; tf.function runs eagerly."""


class Undefined:
    """A variable that AutoGraph's converted code has not assigned yet (on this path)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"Undefined({self.name!r})"


# -- what tracing knows of a value -----------------------------------------------------------------
def _known_array(v) -> np.ndarray | None:
    k = v.known
    if isinstance(k, np.ndarray):
        return k
    if isinstance(k, tuple) and all(isinstance(d, (int, np.integer)) for d in k):
        a = np.asarray(k, dtype=v.dtype)
        return a.reshape(v.shape) if a.size == int(np.prod(v.shape, dtype=np.int64)) else None
    return None


def static_value(t) -> np.ndarray | None:
    """t's content if it is known now: an eager array, or while tracing a constant or a pure
    function of constants (evaluated now and remembered in Value.known); else None."""
    if not isinstance(t, _CoreTensor):
        return np.asarray(t)
    if isinstance(t, Variable) and is_tracing():
        return None  # captured by reference: its value at run time may differ
    if t.array is not None:
        return np.asarray(t.array)
    order = _constant_subgraph(t.value)
    if order is None:
        return None
    for node in order:
        arrays = [None if v is None else _known_array(v) for v in node.inputs]
        out = _engine.evaluate(node.op, arrays, node.attrs)
        for v, a in zip(node.outputs, out if isinstance(out, tuple) else (out,)):
            v.known = np.asarray(a)
    return _known_array(t.value)


def _constant_subgraph(value) -> list | None:
    """The nodes computing `value` from constants only, in dependency order (None if it
    depends on an input, a parameter or an impure op, or needs too many nodes)."""
    if not isinstance(current_interpreter(), TracingInterpreter):
        return None
    order, done, stack = [], set(), [(value, False)]
    while stack:
        v, expanded = stack.pop()
        node = v.producer
        if expanded:
            if node not in done:
                done.add(node)
                order.append(node)
            continue
        if _known_array(v) is not None or node in done:
            continue
        if node is None or not passes.is_pure(node.op) or len(done) > _MAX_FOLD_NODES:
            return None
        stack.append((v, True))
        stack.extend((i, False) for i in node.inputs if i is not None)
    return order


def static_truth(pred) -> bool | None:
    """pred as a Python bool when it is known now, else None."""
    if not isinstance(pred, _CoreTensor):
        return bool(pred)
    a = static_value(pred)
    return None if a is None else bool(a)


# -- tf.cond ---------------------------------------------------------------------------------------
def cond(pred, true_fn=None, false_fn=None, name=None):
    """Mirrors tf.cond: `true_fn()` if pred else `false_fn()`.

    Eagerly (and for a predicate known while tracing) only the chosen branch runs. Inside
    tf.function a data-dependent predicate runs both branches and selects with Where (see the
    module docstring); their outputs must then have one structure and dtype per leaf
    (TypeError otherwise, as TF's cond_v2).

    Example: `tf.cond(x > 0, lambda: x * 2.0, lambda: -x)`.
    """
    _check_callable(true_fn, "true_fn")
    _check_callable(false_fn, "false_fn")
    if isinstance(pred, bool) and is_tracing():
        raise TypeError("pred must not be a Python bool")
    known = static_truth(pred)
    if known is not None:
        return true_fn() if known else false_fn()
    return select_branches(pred, true_fn, false_fn)


def _check_callable(fn, what: str) -> None:
    if not callable(fn):
        raise TypeError(f"'{what}' must be callable.")


def select_branches(pred, true_fn, false_fn, names=("true_fn", "false_fn"), op_name="tf.cond"):
    """Run both branches now (tracing) and select their outputs with Where(pred, ., .)."""
    pred = convert_to_tensor(pred)
    if pred.dtype != np.bool_:
        raise TypeError(f"{op_name}: pred must be a bool tensor, got {pred.dtype.name}")
    if pred.ndim != 0:
        raise ValueError(f"{op_name}: pred must be a scalar, got shape {pred.shape}")
    graph = current_interpreter().graph
    n_updates = len(graph.updates)
    t_out, f_out = true_fn(), false_fn()
    if len(graph.updates) != n_updates:
        raise GraphFallback(f"{op_name} branches assign variables under a data-dependent "
                            f"predicate")
    t_leaves, t_tree = _nest.flatten(t_out)
    f_leaves, f_tree = _nest.flatten(f_out)
    if t_tree != f_tree or len(t_leaves) != len(f_leaves):
        _mismatch(names, op_name, t_out, f_out, "the structures differ")
    leaves = [_select_leaf(pred, a, b, (names, op_name, t_out, f_out))
              for a, b in zip(t_leaves, f_leaves)]
    return _nest.unflatten(t_tree, leaves)


def _mismatch(names, op_name, t_out, f_out, detail):
    raise TypeError(f"{names[0]} and {names[1]} arguments to {op_name} must have the same "
                    f"number, type, and overall structure of return values. {names[0]} output: "
                    f"{t_out!r}; {names[1]} output: {f_out!r}. Error details: {detail}")


def _select_leaf(pred, a, b, where):
    if a is b:
        return a
    if isinstance(a, Undefined) or isinstance(b, Undefined):
        return a if isinstance(a, Undefined) else b
    if hasattr(a, "_select") and type(a) is type(b):
        return a._select(pred, b)
    if not isinstance(a, _CoreTensor) and not isinstance(b, _CoreTensor):
        if type(a) is type(b) and _same_python(a, b):
            return a
        if not all(isinstance(x, (int, float, bool, np.number, np.ndarray)) for x in (a, b)):
            raise GraphFallback(f"{where[1]} branches return different Python values "
                                f"{a!r} and {b!r}")
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    if a.dtype != b.dtype:
        _mismatch(*where, f"{a!r} and {b!r} have different types")
    if tuple(a.shape) != tuple(b.shape):
        raise GraphFallback(f"{where[1]} branches return different shapes "
                            f"{tuple(a.shape)} and {tuple(b.shape)}")
    return call(ops.where, pred, a, b)


def _same_python(a, b) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


# -- tf.case / tf.switch_case ------------------------------------------------------------------------
def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """Mirrors tf.case: the fn of the first true predicate, else `default` (else the last fn).
    `exclusive=True` checks that at most one predicate is true (eagerly, and while tracing
    when the predicates are known)."""
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else \
        list(pred_fn_pairs)
    if not pairs and default is None:
        raise ValueError("Must provide at least one of `pred_fn_pairs` and `default`.")
    for p, fn in pairs:
        _check_callable(fn, "fn")
    if exclusive:
        _check_exclusive([p for p, _ in pairs])
    if default is None:
        pairs, default = pairs[:-1], pairs[-1][1]
    _check_callable(default, "default")
    return _chain(pairs, default, "tf.case")


def _check_exclusive(preds) -> None:
    known = [static_truth(p) for p in preds]
    if None not in known and sum(known) > 1:
        raise InvalidArgumentError(None, None, "Input error: exclusive=True and more than 1 "
                                   f"conditions ({sum(known)}) evaluated as True.")


def _chain(pairs, default, op_name):
    if not pairs:
        return default()
    (p, fn), rest = pairs[0], pairs[1:]
    known = static_truth(p)
    if known is not None:
        return fn() if known else _chain(rest, default, op_name)
    return select_branches(p, fn, lambda: _chain(rest, default, op_name),
                           ("branch_fn", "default"), op_name)


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """Mirrors tf.switch_case: `branch_fns[branch_index]()`, `default()` (else the last branch)
    when the index is out of range. branch_fns: a list of callables, (int, callable) pairs or a
    dict {int: callable}."""
    if isinstance(branch_fns, dict):
        items = sorted(branch_fns.items())
    elif branch_fns and isinstance(branch_fns[0], (tuple, list)):
        items = sorted((int(k), fn) for k, fn in branch_fns)
    else:
        items = list(enumerate(branch_fns))
    if not items:
        raise ValueError("Must provide at least one item in `branch_fns`")
    for _, fn in items:
        _check_callable(fn, "branch_fns entries")
    index = convert_to_tensor(branch_index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"branch_index must be an int32 or int64 tensor, got "
                        f"{index.dtype.name}")
    default = items[-1][1] if default is None else default
    pairs = [(index == np.asarray(k, dtype=index.dtype), fn) for k, fn in items]
    return _chain(pairs, default, "tf.switch_case")


# -- tf.while_loop -----------------------------------------------------------------------------------
def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """Mirrors tf.while_loop: `while cond(*vars): vars = body(*vars)`, returning the final vars
    in loop_vars' structure (Python numbers become tensors).

    Eagerly a Python loop; while tracing the loop is unrolled when its condition is known at
    every step, else GraphFallback (tf.function then runs eagerly). `maximum_iterations` bounds
    the trip count; `back_prop=False` stops gradients; `shape_invariants`,
    `parallel_iterations` and `swap_memory` are accepted and have no effect (unrolling lets
    each step have its own shape).

    Example: `i, s = tf.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2.0), [0, 1.0])`.
    """
    _check_callable(cond, "cond")
    _check_callable(body, "body")
    if parallel_iterations < 1:
        raise TypeError("'parallel_iterations' must be a positive integer.")
    packed = isinstance(loop_vars, (list, tuple))
    if packed and not loop_vars:
        raise ValueError("'loop_vars' must be provided.")
    state = [_loop_var(v) for v in loop_vars] if packed else _loop_var(loop_vars)
    limit = _iteration_limit(maximum_iterations)
    with contextlib.nullcontext() if back_prop else interpreters.no_grad():
        state = _run_loop(cond, body, state, packed, limit)
    if not packed:
        return state
    if _nest._is_namedtuple(loop_vars):
        return type(loop_vars)(*state)
    return type(loop_vars)(state)


def _loop_var(v):
    """TF converts loop variables to tensors (nested structures leafwise)."""
    leaves, tree = _nest.flatten(v)
    return _nest.unflatten(tree, [_as_tensor(x) for x in leaves])


def _as_tensor(x):
    if isinstance(x, (bool, int, float, np.number, np.ndarray, np.bool_)):
        return convert_to_tensor(x)
    return x


def _iteration_limit(maximum_iterations) -> int | None:
    if maximum_iterations is None:
        return None
    value = static_value(maximum_iterations)
    if value is None:
        raise GraphFallback("tf.while_loop: maximum_iterations is not known while tracing")
    if np.ndim(value):
        raise ValueError(f"maximum_iterations must be a scalar, got shape {np.shape(value)}")
    return int(value)


def _run_loop(cond, body, state, packed, limit):
    steps = 0
    while limit is None or steps < limit:
        go = static_truth(cond(*state) if packed else cond(state))
        if go is None:
            raise GraphFallback("tf.while_loop: the loop condition depends on tensor values "
                                "not known while tracing")
        if not go:
            break
        if steps >= MAX_UNROLL and is_tracing():
            raise GraphFallback(f"tf.while_loop runs more than {MAX_UNROLL} steps (too many "
                                f"to unroll while tracing)")
        new = body(*state) if packed else body(state)
        if packed and len(state) == 1 and not isinstance(new, (list, tuple)):
            new = [new]
        state = _checked_step(state, list(new) if packed else new)
        steps += 1
    return state


def _checked_step(old, new):
    old_leaves, old_tree = _nest.flatten(old)
    new_leaves, new_tree = _nest.flatten(new)
    if old_tree != new_tree:
        raise ValueError(f"The two structures don't have the same nested structure. First "
                         f"structure: {old!r}; second structure: {new!r} (loop_vars and the "
                         f"output of body)")
    new_leaves = [_as_tensor(x) for x in new_leaves]
    if is_tracing():
        for a, b in zip(old_leaves, new_leaves):
            if isinstance(a, _CoreTensor) and isinstance(b, _CoreTensor) and a.dtype != b.dtype:
                raise TypeError(f"Loop var {a!r} enters the loop with type {a.dtype.name}, but "
                                f"has type {b.dtype.name} after 1 iteration.")
    return _nest.unflatten(new_tree, new_leaves)


__all__ = ["case", "cond", "switch_case", "while_loop"]
