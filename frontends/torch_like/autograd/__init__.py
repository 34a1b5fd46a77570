"""torch.autograd: backward, grad and the grad-mode switches, over the IR tape."""

from __future__ import annotations

from typing import Sequence

import core_ir
from core_ir import ops
from core_ir.errors import GradientError

from .._tensor import Tensor, wrap
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled


def _seeds(tensors, grad_tensors):
    seeds = []
    for i, t in enumerate(tensors):
        g = None if grad_tensors is None else grad_tensors[i]
        if g is None:
            if t.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = ops.ones_like(t)
        seeds.append(wrap(g))
    return seeds


def _check_requires_grad(tensors) -> None:
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               "a grad_fn")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate d(tensors)/d(leaves) into the leaves' `.grad` (torch.autograd.backward)."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    _check_requires_grad(tensors)
    retain = create_graph if retain_graph is None else retain_graph
    try:
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            found = core_ir.backward(tensors, _seeds(tensors, grad_tensors), inputs, retain,
                                     create_graph, accumulate=False)
            for t, g in zip(inputs, found):
                if g is not None:
                    t.grad = g if t.grad is None else t.grad + g
            return
        core_ir.backward(tensors, _seeds(tensors, grad_tensors), None, retain, create_graph)
    except GradientError as err:
        raise RuntimeError(str(err)) from None


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         allow_unused: bool | None = None, materialize_grads: bool = False):
    """torch.autograd.grad: gradients of outputs w.r.t. inputs, nothing accumulated."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is not None and isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    _check_requires_grad(outputs)
    retain = create_graph if retain_graph is None else retain_graph
    try:
        found = core_ir.backward(outputs, _seeds(outputs, grad_outputs), inputs, retain,
                                 create_graph, accumulate=False)
    except GradientError as err:
        raise RuntimeError(str(err)) from None
    for i, g in enumerate(found):
        if g is None and not (allow_unused or materialize_grads):
            raise RuntimeError("One of the differentiated Tensors appears to not have been used "
                               "in the graph. Set allow_unused=True if this is the desired "
                               "behavior.")
        if g is None and materialize_grads:
            found[i] = ops.zeros_like(inputs[i])
    return tuple(found)


__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "inference_mode"]
