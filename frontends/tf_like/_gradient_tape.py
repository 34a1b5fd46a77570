"""tf.GradientTape over the IR tape.

Recording is the IR's (bind records whenever an input requires grad); the tape decides what to
differentiate. Trainable variables always require grad; `watch` marks other tensors. A tape
asked for gradients while an outer tape is still recording builds them with create_graph, so
the outer tape can differentiate them again (nested tapes, higher-order gradients).
"""

from __future__ import annotations

import core_ir
from core_ir import ops
from core_ir.errors import GradientError
from core_ir.tensor import Tensor as _CoreTensor

from ._tensor import EagerTensor, Variable, convert_to_tensor

_active: list["GradientTape"] = []


class UnconnectedGradients:
    NONE = "none"
    ZERO = "zero"


class GradientTape:
    """Mirrors tf.GradientTape (persistent, watch, watch_accessed_variables, nested tapes,
    gradients of nested lists/dicts)."""

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._watched: list[_CoreTensor] = []
        self._used = False
        self._grad_mode = None

    def __enter__(self):
        _active.append(self)
        self._grad_mode = core_ir.set_grad_enabled(True)
        self._grad_mode.__enter__()
        return self

    def __exit__(self, *exc):
        self._grad_mode.__exit__(*exc)
        _active.remove(self)
        return False

    def watch(self, tensor) -> None:
        for t in _flatten(tensor):
            if t.dtype.kind == "f":
                t.requires_grad = True
                self._watched.append(t)

    def watched_variables(self) -> tuple:
        return tuple(t for t in self._watched if isinstance(t, Variable))

    def stop_recording(self):
        return core_ir.no_grad()

    def reset(self) -> None:
        self._watched.clear()

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        if self._used and not self.persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set "
                               "of gradients (or jacobians)")
        self._used = True
        targets = [t for t in _flatten(target)]
        flat_sources = list(_flatten(sources))
        seeds = _seeds(targets, output_gradients)
        wanted = [s if self._differentiable(s) else None for s in flat_sources]
        live = [s for s in wanted if s is not None]
        higher = any(tape is not self for tape in _active)  # an outer tape is recording
        roots = [(t, g) for t, g in zip(targets, seeds) if t.requires_grad]
        grads = []
        if roots and live:
            try:
                grads = core_ir.backward([t for t, _ in roots], [g for _, g in roots], live,
                                         retain_graph=self.persistent or higher,
                                         create_graph=higher, accumulate=False)
            except GradientError as err:
                raise RuntimeError(str(err)) from None
        by_id = {id(s): g for s, g in zip(live, grads)}
        result = [by_id.get(id(s)) if s is not None else None for s in flat_sources]
        if unconnected_gradients == UnconnectedGradients.ZERO:
            result = [ops.zeros_like(s) if g is None else g for s, g in zip(flat_sources, result)]
        return _unflatten(sources, iter(result))

    def _differentiable(self, source) -> bool:
        if source.dtype.kind != "f":
            return False
        if isinstance(source, Variable):
            return source.trainable and (self.watch_accessed_variables or any(
                source is w for w in self._watched))
        return any(source is w for w in self._watched) or source.requires_grad


def _seeds(targets, output_gradients):
    if output_gradients is None:
        return [ops.ones_like(t) for t in targets]
    given = list(_flatten(output_gradients))
    return [ops.ones_like(t) if g is None else convert_to_tensor(g) for t, g in
            zip(targets, given)]


def _flatten(x):
    if isinstance(x, dict):
        for k in sorted(x):
            yield from _flatten(x[k])
    elif isinstance(x, (list, tuple)):
        for e in x:
            yield from _flatten(e)
    elif isinstance(x, _CoreTensor):
        yield x
    else:
        yield convert_to_tensor(x)


def _unflatten(structure, flat):
    if isinstance(structure, dict):
        return {k: _unflatten(structure[k], flat) for k in sorted(structure)}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_unflatten(e, flat) for e in structure) \
            if not hasattr(structure, "_fields") else type(structure)(
                *[_unflatten(e, flat) for e in structure])
    return next(flat)


__all__ = ["GradientTape", "UnconnectedGradients", "EagerTensor"]
