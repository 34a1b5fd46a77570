"""Tensor hooks (`tensor.register_hook(fn)`): fn(grad) runs when the tensor's gradient is known
and may return a replacement.

A non-leaf tensor gets an identity record inserted between it and the record that made it:
every consumer's contribution accumulates onto the tensor as before, and the identity's VJP
passes the total through the hooks on its way back (so it works for gradients of gradients
too). A leaf has no record to wrap: its hooks run on each new gradient contribution before it
is accumulated into `.grad` (see autograd.backward), as torch's do.
"""

from __future__ import annotations

import weakref

from core_ir.autodiff import TapeRecord
from core_ir.interpreters import TypeSpec
from core_ir.op import Attr, Op


def _run_hooks(g, out, x, hooks, inner):
    for hook in list(hooks):
        result = hook(g)
        if result is not None:
            g = result
    return (g,)


# Private and unregistered: it only ever lives on the tape, never in a graph or a kernel table.
HOOK_OP = Op("TensorHook", infer=lambda x, hooks, inner: TypeSpec(x.dtype, x.shape), vjp=_run_hooks,
             attrs={"hooks": Attr("any"), "inner": Attr("any")})
HOOK_OP.is_hook = True

# leaf id -> (weak reference, hooks in registration order)
_leaf_hooks: dict[int, tuple] = {}


class RemovableHandle:
    """What register_hook returns: remove() unregisters the hook."""

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def register_hook(t, hook) -> RemovableHandle:
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    hooks = _hooks_of_leaf(t) if t.creator is None else _record_hooks(t)
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


def _record_hooks(t) -> list:
    rec = t.creator
    if getattr(rec.op, "is_hook", False) and rec.outputs is not None and rec.outputs[0] is t:
        return rec.attrs["hooks"]
    return _wrap(t)


def _hooks_of_leaf(t) -> list:
    entry = _leaf_hooks.get(id(t))
    if entry is None or entry[0]() is not t:
        entry = (weakref.ref(t), [])
        _leaf_hooks[id(t)] = entry
        weakref.finalize(t, _leaf_hooks.pop, id(t), None)
    return entry[1]


def _wrap(t) -> list:
    """Put an identity record carrying a hook list between t and its creator."""
    from .._tensor import Tensor
    inner = t.creator
    stand_in = Tensor(t.array) if t.array is not None else Tensor(value=t.value)
    stand_in.requires_grad = True
    stand_in.creator = inner
    if inner.outputs is not None:
        inner.outputs = tuple(stand_in if o is t else o for o in inner.outputs)
    hooks: list = []
    t.creator = TapeRecord(HOOK_OP, (stand_in,), {"hooks": hooks, "inner": inner}, (t,))
    return hooks


def leaf_hooks(t) -> list:
    entry = _leaf_hooks.get(id(t))
    return entry[1] if entry is not None and entry[0]() is t else []


def hooked_leaves() -> list:
    """The live leaves with hooks (their gradients get the hooks in backward)."""
    out = []
    for ref, hooks in list(_leaf_hooks.values()):
        t = ref()
        if t is not None and hooks:
            out.append(t)
    return out


def apply_leaf_hooks(t, g):
    for hook in list(leaf_hooks(t)):
        result = hook(g)
        if result is not None:
            g = result
    return g
