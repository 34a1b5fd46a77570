"""tf.GradientTape over the IR tape.

Recording is the IR's (bind records whenever an input requires grad); the tape decides what to
differentiate. Trainable variables always require grad; `watch` marks other tensors. A tape
asked for gradients while an outer tape is still recording builds them with create_graph, so
the outer tape can differentiate them again (nested tapes, higher-order gradients). Inside
tf.function the same code emits gradient nodes into the traced graph.
"""

from __future__ import annotations

import enum
import weakref

import numpy as np

import core_ir
from core_ir import ops
from core_ir.errors import GradientError
from core_ir.tensor import Tensor as _CoreTensor

from ._tensor import EagerTensor, call, constant, convert_to_tensor
from ._variable import Variable

_active: list["GradientTape"] = []
# Tapes that recorded and may still be asked for gradients (non-persistent ones until their one
# use, persistent ones while they live). Two sibling tapes over one computation (a GAN's
# generator and discriminator tapes) share the IR's tape records: the first to compute must not
# free what the second still needs.
_pending: weakref.WeakSet = weakref.WeakSet()


class UnconnectedGradients(enum.Enum):
    """tf.UnconnectedGradients: what a source the target does not depend on gets."""

    NONE = "none"
    ZERO = "zero"


class GradientTape:
    """Mirrors tf.GradientTape: persistent, watch, watch_accessed_variables, stop_recording,
    reset, nested tapes (higher-order gradients), gradients of nested lists/dicts of targets and
    sources, output_gradients, unconnected_gradients, jacobian and batch_jacobian.

    Differences: ops on trainable variables (and on watched tensors) are recorded even outside
    the `with` block, so a value computed from a variable before the tape opened still connects
    to it; `watched_variables()` lists the explicitly watched variables only; gradients through
    gather are dense tensors (TF returns IndexedSlices)."""

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._watched: list[_CoreTensor] = []
        self._used = False
        self._grad_mode = None

    def __enter__(self):
        _active.append(self)
        _pending.add(self)
        self._grad_mode = core_ir.set_grad_enabled(True)
        self._grad_mode.__enter__()
        return self

    def __exit__(self, *exc):
        self._grad_mode.__exit__(*exc)
        _active.remove(self)
        return False

    def watch(self, tensor) -> None:
        """Ensure `tensor` (or a nested structure of them) is traced by this tape."""
        for t in _flatten(tensor):
            if not isinstance(t, _CoreTensor):
                raise ValueError(f"Passed in object {t!r} of type {type(t).__name__!r}, not "
                                 f"tf.Tensor or tf.Variable.")
            if t.dtype.kind == "f":
                t.requires_grad = True
                self._watched.append(t)

    def watched_variables(self) -> tuple:
        return tuple(t for t in self._watched if isinstance(t, Variable))

    def stop_recording(self):
        """A context in which operations are not recorded."""
        return core_ir.no_grad()

    def reset(self) -> None:
        """Forget the explicitly watched tensors (the tape can be used again)."""
        self._watched.clear()
        self._used = False

    # -- gradients ---------------------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of targets)/d(source) for each source, in the structure of `sources`."""
        self._start("gradients")
        targets = list(_flatten(target))
        flat_sources = list(_flatten(sources))
        seeds = _seeds(targets, output_gradients)
        live = self._live(flat_sources)
        grads = self._backward(targets, seeds, live, last=True)
        result = self._finish(flat_sources, live, grads, unconnected_gradients)
        return _unflatten(sources, iter(result))

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """d target / d source for each source: shape target.shape + source.shape (one backward
        pass per element of target, which must have a static size)."""
        self._start("jacobians")
        target = convert_to_tensor(target)
        n = _static_size(target, "jacobian")
        flat_sources = list(_flatten(sources))
        live = self._live(flat_sources)
        rows = []
        for i in range(n):
            seed = np.zeros(n, dtype=target.dtype)
            seed[i] = 1
            seed = constant(seed.reshape(tuple(target.shape)))
            rows.append(self._backward([target], [seed], live, last=i == n - 1))
        result = [_stack_rows([r[j] for r in rows], target.shape, s)
                  for j, s in enumerate(live)] if live else []
        result = self._finish(flat_sources, live, result, unconnected_gradients,
                              lambda s: tuple(target.shape) + tuple(s.shape))
        return _unflatten(sources, iter(result))

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per example b: d target[b] / d source[b], shape [batch] + target.shape[1:] +
        source.shape[1:]; examples must not depend on each other."""
        self._start("jacobians")
        target = convert_to_tensor(target)
        rest = tuple(target.shape[1:])
        n = _static_size(constant(np.zeros(rest)), "batch_jacobian")
        live = self._live([source])
        cols = []
        for j in range(n):
            onehot = np.zeros((1, n), dtype=target.dtype)
            onehot[0, j] = 1
            seed = call(ops.expand, constant(onehot.reshape((1,) + rest)),
                        ops.shape_tensor(target))
            cols.append(self._backward([target], [seed], live, last=j == n - 1))
        grad = None
        if live and any(c[0] is not None for c in cols):
            parts = [ops.zeros_like(source) if c[0] is None else c[0] for c in cols]
            stacked = call(ops.concat, *[call(ops.unsqueeze, p, ops.const_ints([1]))
                                         for p in parts], axis=1)
            shape = [-1 if target.shape[0] is None else target.shape[0], *rest,
                     *source.shape[1:]]
            grad = call(ops.reshape, stacked, ops.const_ints(shape))
        return self._finish([source], live, [grad] if live else [], unconnected_gradients,
                            lambda s: tuple(target.shape) + tuple(s.shape[1:]))[0]

    # -- helpers -------------------------------------------------------------------------------
    def _start(self, what: str) -> None:
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one "
                               "set of gradients (or jacobians)")
        self._used = True
        if not self._persistent:
            _pending.discard(self)

    def _live(self, flat_sources) -> list:
        seen, live = set(), []
        for s in flat_sources:
            if s is not None and self._differentiable(s) and id(s) not in seen:
                seen.add(id(s))
                live.append(s)
        return live

    def _backward(self, targets, seeds, live, last: bool) -> list:
        higher = any(tape is not self for tape in _active)  # an outer tape is recording
        shared = any(tape is not self for tape in _pending)  # a sibling tape still to compute
        roots = [(t, g) for t, g in zip(targets, seeds) if t.requires_grad]
        if not roots or not live:
            return [None] * len(live)
        try:
            return core_ir.backward([t for t, _ in roots], [g for _, g in roots], live,
                                    retain_graph=self._persistent or higher or shared or not last,
                                    create_graph=higher, accumulate=False)
        except GradientError as err:
            raise RuntimeError(str(err)) from None

    def _finish(self, flat_sources, live, grads, unconnected, zero_shape=None) -> list:
        """Gradients in source order; with 'zero', an unconnected source gets zeros (of
        zero_shape(source) for jacobians)."""
        by_id = {id(s): g for s, g in zip(live, grads)}
        result = [by_id.get(id(s)) for s in flat_sources]
        if _unconnected(unconnected) == "zero":
            result = [g if g is not None else ops.zeros_like(s) if zero_shape is None else
                      constant(np.zeros(zero_shape(s), s.dtype))
                      for s, g in zip(flat_sources, result)]
        return [g if g is None or isinstance(g, EagerTensor) else _eager(g) for g in result]

    def _differentiable(self, source) -> bool:
        if source.dtype.kind != "f":
            return False
        if isinstance(source, Variable):
            return source.trainable and (self._watch_accessed_variables or any(
                source is w for w in self._watched))
        return any(source is w for w in self._watched) or source.requires_grad


def _unconnected(value) -> str:
    value = value.value if isinstance(value, UnconnectedGradients) else value
    if value not in ("none", "zero"):
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}")
    return value


def _eager(t):
    t.__class__ = EagerTensor  # a core tensor from a gradient rule (same slot layout)
    return t


def _static_size(t, what: str) -> int:
    n = 1
    for d in t.shape:
        if not isinstance(d, int):
            raise ValueError(f"{what} needs a target of static shape, got {t.shape}")
        n *= d
    return n


def _stack_rows(rows, target_shape, source):
    if all(r is None for r in rows):
        return None
    rows = [ops.zeros_like(source) if r is None else r for r in rows]
    stacked = call(ops.concat, *[call(ops.unsqueeze, r, ops.const_ints([0])) for r in rows],
                   axis=0)
    shape = [*target_shape, *[-1 if d is None else d for d in source.shape]]
    return call(ops.reshape, stacked, ops.const_ints(shape))


def _seeds(targets, output_gradients):
    if output_gradients is None:
        return [ops.ones_like(t) for t in targets]
    given = list(_flatten(output_gradients))
    return [ops.ones_like(t) if g is None else convert_to_tensor(g, t.dtype)
            for t, g in zip(targets, given)]


def _flatten(x):
    if isinstance(x, dict):
        for k in sorted(x):
            yield from _flatten(x[k])
    elif isinstance(x, (list, tuple)):
        for e in x:
            yield from _flatten(e)
    elif isinstance(x, _CoreTensor) or x is None:
        yield x
    else:
        yield convert_to_tensor(x)


def _unflatten(structure, flat):
    if isinstance(structure, dict):
        return type(structure)((k, _unflatten(structure[k], flat)) for k in sorted(structure))
    if isinstance(structure, (list, tuple)):
        items = [_unflatten(e, flat) for e in structure]
        return type(structure)(*items) if hasattr(structure, "_fields") else \
            type(structure)(items)
    return next(flat)


__all__ = ["GradientTape", "UnconnectedGradients"]
