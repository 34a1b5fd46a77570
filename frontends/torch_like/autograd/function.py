"""torch.autograd.Function: user-defined forward and backward.

`apply` runs the user's forward without recording, then puts one record on the tape whose op is
private to the Function class: its VJP calls the user's backward (with grad mode on under
create_graph, so double backward works when that backward is written in differentiable ops).
The op is an unregistered core_ir.Op (not `defop`): it has no kernel and no ONNX form, it only
ever lives on the tape, and registering it would put a kernel-less op into the IR's registry.
"""

from __future__ import annotations

import functools

import core_ir
from core_ir.autodiff import record
from core_ir.errors import IRError
from core_ir.op import Attr, Op

from .._tensor import Tensor


class FunctionCtx:
    """The `ctx` of forward/backward: save_for_backward/saved_tensors, needs_input_grad,
    mark_non_differentiable, mark_dirty, set_materialize_grads, and free attributes."""

    def __init__(self):
        self.to_save = ()
        self.needs_input_grad = ()
        self.non_differentiable = set()
        self.dirty = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors) -> None:
        self.to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        return tuple(self.to_save)

    def mark_non_differentiable(self, *tensors) -> None:
        self.non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors) -> None:
        self.dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)


class BackwardCFunction(FunctionCtx):
    """The class of a Function's ctx (torch names it <Function>Backward)."""


def _no_trace_rule(*inputs, **attrs):
    raise IRError("a torch.autograd.Function runs only eagerly (it has no op form)")


def _vjp(g, out, *inputs, ctx, fn, positions, n_args, n_outputs, output_slots):
    grads = list(g) if isinstance(g, tuple) else [g]
    outs = list(out) if isinstance(out, tuple) else [out]
    full = [None] * n_outputs
    for slot, gi, o in zip(output_slots, grads, outs):
        full[slot] = gi if gi is not None or not ctx.materialize_grads else _zeros_like(o)
    result = fn.backward(ctx, *full)
    result = result if isinstance(result, tuple) else (result,)
    if len(result) < n_args:
        raise RuntimeError(f"function {fn.__name__}Backward returned an incorrect number of "
                           f"gradients (expected {n_args}, got {len(result)})")
    if len(result) > n_args and any(r is not None for r in result[n_args:]):
        raise RuntimeError(f"function {fn.__name__}Backward returned an incorrect number of "
                           f"gradients (expected {n_args}, got {len(result)})")
    return tuple(result[p] for p in positions)


def _zeros_like(t):
    from .. import _creation
    return _creation.zeros_like(t)


def _op_for(cls) -> Op:
    op = cls.__dict__.get("_tape_op")
    if op is None:
        attrs = {k: Attr("any") for k in ("ctx", "fn", "positions", "n_args", "n_outputs",
                                          "output_slots")}
        op = Op(cls.__name__, infer=_no_trace_rule, vjp=_vjp, attrs=attrs)
        op.torch_name = f"{cls.__name__}Backward"
        cls._tape_op = op
    return op


class FunctionMeta(type):
    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        cls._backward_cls = type(f"{name}Backward", (BackwardCFunction,), {"_forward_cls": cls})


class Function(metaclass=FunctionMeta):
    """Mirrors torch.autograd.Function: subclass with static forward(ctx, *args) (or forward(
    *args) plus setup_context(ctx, inputs, output)) and backward(ctx, *grad_outputs), then call
    `apply`. backward returns one gradient (or None) per forward argument."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method. (Example: https://pytorch.org/docs/stable/"
                           "autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._backward_cls()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with core_ir.no_grad():
            if "setup_context" in _overridden(cls):
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if core_ir.is_grad_enabled() and any(ctx.needs_input_grad):
            output = _record(cls, ctx, args, output)
        return output


def _overridden(cls) -> set:
    return {name for name in ("setup_context",) if any(
        name in vars(c) for c in cls.__mro__ if c is not Function and issubclass(c, Function))}


def _record(cls, ctx, args, output):
    single = not isinstance(output, tuple)
    outputs = [output] if single else list(output)
    inputs = tuple(a for a in args if isinstance(a, Tensor))
    slots, tensors = [], []
    for i, o in enumerate(outputs):
        if isinstance(o, Tensor):
            if any(o is a for a in args) or o.creator is not None:
                o = outputs[i] = Tensor(o.array)  # a fresh node for an input passed through
            slots.append(i)
            tensors.append(o)
    if tensors:
        attrs = {"ctx": ctx, "fn": cls, "n_args": len(args), "n_outputs": len(outputs),
                 "positions": tuple(i for i, a in enumerate(args) if isinstance(a, Tensor)),
                 "output_slots": tuple(slots)}
        record(_op_for(cls), inputs, attrs, tensors[0] if len(tensors) == 1 else tuple(tensors))
        for t in tensors:
            if id(t) in ctx.non_differentiable:
                t.requires_grad, t.creator = False, None
    return outputs[0] if single else tuple(outputs)


def once_differentiable(fn):
    """Run a backward without recording (its result cannot be differentiated again)."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with core_ir.no_grad():
            return fn(ctx, *args)
    return wrapper
