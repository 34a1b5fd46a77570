"""torch.autograd: backward, grad, the grad-mode switches, Function, Variable, over the IR tape.

The IR's autodiff does the propagation; this layer adds torch's checks and messages, tensor
hooks on leaves (run on each new gradient before it accumulates) and gives every leaf its own
`.grad` tensor (the IR hands the same cotangent object to, e.g., both operands of an add).
"""

from __future__ import annotations

import numpy as np

import core_ir
from core_ir import ops
from core_ir.errors import GradientError

from .._tensor import Size, Tensor, wrap
from . import hooks as _hooks
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck  # noqa: F401
from .variable import Variable


def _as_list(x) -> list:
    return [x] if isinstance(x, Tensor) else list(x)


def _seeds(tensors, grad_tensors) -> list:
    seeds = []
    for i, t in enumerate(tensors):
        g = None if grad_tensors is None else grad_tensors[i]
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = ops.ones_like(t) if t.array is None else Tensor(np.ones(t.array.shape, t.dtype))
        g = wrap(g)
        if tuple(g.shape) != tuple(t.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{Size(g.shape)!r} and output[{i}] has a shape of "
                               f"{Size(t.shape)!r}.")
        seeds.append(g if g.dtype == t.dtype else g.to(t.dtype))
    return seeds


def _check_requires_grad(tensors) -> None:
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               "a grad_fn")


def _leaves(roots) -> list:
    """The leaves that require grad and the tensors retaining grads, reachable from roots."""
    found, seen = {}, set()
    stack = [t.creator for t in roots if t.creator is not None]
    for t in roots:
        if t.creator is None and t.requires_grad:
            found[id(t)] = t
    while stack:
        rec = stack.pop()
        if id(rec) in seen or rec.inputs is None:
            continue
        seen.add(id(rec))
        for t in rec.inputs:
            if t is None or not t.requires_grad:
                continue
            if t.creator is None or t.retains_grad:
                found[id(t)] = t
            if t.creator is not None:
                stack.append(t.creator)
    return list(found.values())


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             grad_variables=None, inputs=None) -> None:
    """Accumulate d(tensors)/d(leaves) into the leaves' `.grad` (torch.autograd.backward)."""
    tensors = _as_list(tensors)
    if grad_tensors is not None and isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    _check_requires_grad(tensors)
    seeds = _seeds(tensors, grad_tensors)
    retain = create_graph if retain_graph is None else retain_graph
    if inputs is not None:
        _accumulate_into(_as_list(inputs), grad(tensors, _as_list(inputs), seeds, retain,
                                                create_graph, allow_unused=True))
        return
    leaves = _leaves(tensors)
    before = {id(t): t.grad for t in leaves}
    hooked = [t for t in _hooks.hooked_leaves() if id(t) in before]
    for t in hooked:
        t.grad = None
    try:
        core_ir.backward(tensors, seeds, None, retain, create_graph)
    except GradientError as err:
        raise RuntimeError(str(err)) from None
    finally:
        for t in hooked:
            t.grad = _hooked_sum(t, before[id(t)], t.grad)
    _own_grads(leaves, before, seeds)


def _hooked_sum(t, old, new):
    if new is None:
        return old
    new = _hooks.apply_leaf_hooks(t, new)
    return new if old is None else old + new


def _accumulate_into(inputs, found) -> None:
    for t, g in zip(inputs, found):
        if g is not None:
            own = Tensor(np.array(g.array)) if g.array is not None else g
            t.grad = own if t.grad is None else t.grad + g


def _own_grads(leaves, before, seeds) -> None:
    """Give a new `.grad` its own writable memory when it shares an array with another leaf's
    gradient or a seed, or is a read-only broadcast (a sum's cotangent): code like
    `p.grad.data.clamp_(-1, 1)` must write into the gradient itself."""
    taken = {id(np.asarray(s.array)) for s in seeds if s.array is not None}
    for t in leaves:
        g = t.grad
        if g is None or g is before[id(t)] or g.array is None:
            continue
        a = g.array
        key = id(a)
        owned = isinstance(a, np.ndarray) and a.flags.writeable and isinstance(g, Tensor)
        if key in taken or not owned:
            t.grad = Tensor(np.array(a))
        else:
            taken.add(key)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused=None, is_grads_batched: bool = False,
         materialize_grads: bool = False):
    """torch.autograd.grad: gradients of outputs w.r.t. inputs, nothing accumulated."""
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    if grad_outputs is not None and isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    _check_requires_grad(outputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    retain = create_graph if retain_graph is None else retain_graph
    try:
        found = core_ir.backward(outputs, _seeds(outputs, grad_outputs), inputs, retain,
                                 create_graph, accumulate=False)
    except GradientError as err:
        raise RuntimeError(str(err)) from None
    for i, g in enumerate(found):
        if g is None and not (allow_unused or materialize_grads):
            raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been "
                               "used in the graph. Set allow_unused=True if this is the desired "
                               "behavior.")
        if g is None and materialize_grads:
            found[i] = ops.zeros_like(inputs[i])
        elif g is not None and inputs[i].creator is None:
            found[i] = _hooks.apply_leaf_hooks(inputs[i], g)
    return tuple(found)


__all__ = [
    "Function",
    "FunctionCtx",
    "Variable",
    "backward",
    "enable_grad",
    "grad",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "once_differentiable",
    "set_grad_enabled",
]
