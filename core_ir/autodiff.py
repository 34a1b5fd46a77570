"""Reverse-mode autodiff over the tape, for eager and traced code alike.

`bind` records a TapeRecord on the outputs of every differentiable op one of whose inputs
requires grad. `backward` walks the records from the roots in reverse topological order and
applies each op's VJP rule. The rules are written in IR ops, so under the eager interpreter they
compute numbers and under the tracing interpreter they emit gradient nodes; with grad recording
left on (create_graph) they are themselves recorded, which gives gradients of gradients.

NOTE: broadcasting is undone here, once, never inside a rule ("a broadcast edge's gradient is
summed to its source's shape"). Zeros are symbolic (None): no work for frozen weights, integer
inputs or detached values.
"""

from __future__ import annotations

from typing import Sequence

from . import interpreters as interp
from .errors import GradientError
from .tensor import Tensor


class TapeRecord:
    """One recorded op call. A backward without retain_graph frees it: inputs and outputs are
    dropped (inputs None marks it freed), so their arrays can go."""

    __slots__ = ("op", "inputs", "attrs", "outputs")

    def __init__(self, op, inputs, attrs, outputs):
        self.op = op
        self.inputs = inputs
        self.attrs = attrs
        self.outputs = outputs

    @property
    def name(self) -> str:
        return f"{self.op.name}Backward"


def record(op, inputs, attrs, out) -> None:
    outs = out if out.__class__ is tuple else (out,)
    rec = TapeRecord(op, inputs, attrs, outs)
    for t in outs:
        d = t.array  # (not t.dtype: this runs once per recorded op, a property costs)
        if (d.dtype if d is not None else t.value.dtype).kind == "f":  # ints carry no gradient
            t.requires_grad = True
            t.creator = rec


def _toposort(roots: Sequence[Tensor], stop: set[int]) -> list[TapeRecord]:
    """Records reachable from roots, producers before consumers; do not walk past `stop` ids."""
    order: list[TapeRecord] = []
    seen: set[int] = set()
    stack = [(t.creator, False) for t in roots if t.creator is not None and id(t) not in stop]
    while stack:
        rec, done = stack.pop()
        if done:
            order.append(rec)
            continue
        if id(rec) in seen:
            continue
        seen.add(id(rec))
        if rec.inputs is None:
            raise GradientError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward.")
        stack.append((rec, True))
        for t in rec.inputs:
            if t is not None and t.creator is not None and id(t) not in stop \
                    and id(t.creator) not in seen:
                stack.append((t.creator, False))
    return order


def unbroadcast(g: Tensor, target: Tensor) -> Tensor:
    """Sum g down to target's shape (numpy broadcasting in reverse). Works with symbolic dims."""
    gshape, shape = g.shape, target.shape
    if gshape == shape:
        return g
    from . import ops
    lead = len(gshape) - len(shape)
    axes = list(range(lead)) + [lead + i for i, d in enumerate(shape)
                                if d == 1 and gshape[lead + i] != 1]
    if axes:
        g = ops.reduce_sum(g, ops.const_ints(axes), keepdims=1)
    if lead:
        g = ops.reshape(g, ops.shape_tensor(target))
    return g


def _call_rule(rec: TapeRecord, g, needs: list[bool]):
    op, args = rec.op, rec.inputs
    out = rec.outputs[0] if len(rec.outputs) == 1 else rec.outputs
    rule = op.vjp
    if isinstance(rule, tuple):  # one rule per input: run only the needed ones
        return [r(g, out, *args, **rec.attrs) if need and r is not None else None
                for r, need in zip(rule, needs)]
    return list(rule(g, out, *args, **rec.attrs))


def _accumulate(grads: dict, t: Tensor, g: Tensor) -> None:
    prev = grads.get(id(t))
    grads[id(t)] = (t, g) if prev is None else (t, prev[1] + g)


def backward(roots: Sequence[Tensor], root_grads: Sequence[Tensor | None],
             inputs: Sequence[Tensor] | None = None, retain_graph: bool = False,
             create_graph: bool = False, accumulate: bool = True) -> list[Tensor | None]:
    """Propagate cotangents from roots. With `inputs`, return their gradients (and walk no
    further than them); with `accumulate`, add leaf gradients into `.grad` (torch semantics)
    and into `.grad` of tensors that asked to retain theirs."""
    stop = {id(t) for t in inputs} if inputs is not None else set()
    grads: dict[int, tuple[Tensor, Tensor]] = {}
    for t, g in zip(roots, root_grads):
        _accumulate(grads, t, g)
    records = _toposort(roots, stop)
    with interp.set_grad_enabled(create_graph):
        for rec in reversed(records):
            _step(rec, grads)
    if not retain_graph:
        for rec in records:
            rec.inputs = rec.outputs = None
    if accumulate:
        _write_grads(grads, inputs)
    if inputs is None:
        return []
    return [grads[id(t)][1] if id(t) in grads else None for t in inputs]


def _step(rec: TapeRecord, grads: dict) -> None:
    gs = [grads.get(id(t)) for t in rec.outputs]
    if all(g is None for g in gs):
        return
    g = gs[0][1] if len(gs) == 1 else tuple(None if x is None else x[1] for x in gs)
    needs = [t is not None and t.requires_grad for t in rec.inputs]
    for t, gi in zip(rec.inputs, _call_rule(rec, g, needs)):
        if gi is None or t is None or not t.requires_grad:
            continue
        if gi.shape != t.shape:
            gi = unbroadcast(gi, t)
        _accumulate(grads, t, gi)
    for t in rec.outputs:  # an intermediate's gradient is not needed once consumed
        if not t.retains_grad:
            grads.pop(id(t), None)


def _write_grads(grads: dict, inputs) -> None:
    wanted = {id(t) for t in inputs} if inputs is not None else set()
    for key, (t, g) in grads.items():
        if key in wanted or not (t.creator is None or t.retains_grad):
            continue
        if not t.requires_grad:
            continue
        t.grad = g if t.grad is None else t.grad + g


def grad(outputs: Sequence[Tensor], inputs: Sequence[Tensor],
         grad_outputs: Sequence[Tensor | None] | None = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> list[Tensor | None]:
    """Gradients of outputs w.r.t. inputs (torch.autograd.grad semantics); nothing accumulates."""
    from . import ops
    outputs, inputs = list(outputs), list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    seeds = [g if g is not None else ops.ones_like(o) for o, g in zip(outputs, grad_outputs)]
    for o in outputs:
        if not o.requires_grad:
            raise GradientError("element 0 of tensors does not require grad and does not have a "
                                "grad_fn")
    retain = create_graph if retain_graph is None else retain_graph
    result = backward(outputs, seeds, inputs, retain, create_graph, accumulate=False)
    if not allow_unused:
        for i, r in enumerate(result):
            if r is None:
                raise GradientError(f"One of the differentiated Tensors (input {i}) appears to "
                                    "not have been used in the graph. Set allow_unused=True if "
                                    "this is the desired behavior.")
    return result


def composite_vjp(op):
    """The VJP of a composite op without one of its own: rerun its decomposition with recording
    on, then backpropagate through those primitives to the op's inputs."""

    def rule(g, out, *args, **attrs):
        diff = [a for a in args if a is not None and a.requires_grad]
        with interp.enable_grad():
            outs = op.decompose(*args, **attrs)
        outs = list(outs) if isinstance(outs, tuple) else [outs]
        gs = list(g) if isinstance(g, tuple) else [g]
        pairs = [(o, gi) for o, gi in zip(outs, gs) if gi is not None and o.requires_grad]
        higher = interp.is_grad_enabled()  # the outer backward runs with create_graph
        found = backward([o for o, _ in pairs], [gi for _, gi in pairs], diff,
                         retain_graph=higher, create_graph=higher, accumulate=False)
        by_id = {id(a): r for a, r in zip(diff, found)}
        return tuple(by_id.get(id(a)) if a is not None else None for a in args)

    return rule


def gradient_graph(graph, wrt: Sequence[int] | None = None, name: str | None = None):
    """Differentiate a Graph: a new Graph with the same inputs and params that returns the
    original outputs followed by the gradients of the first (scalar) output with respect to the
    chosen sources (indices into inputs + params; default: every float param). The forward nodes
    are replayed under the tracing interpreter with recording on, then the same VJP rules as in
    eager mode emit the gradient nodes."""
    from . import ops
    sources = [*graph.inputs, *graph.params]
    if wrt is None:
        wrt = [len(graph.inputs) + i for i, p in enumerate(graph.params) if p.dtype.kind == "f"]
    wanted = set(wrt)
    specs = [(v.dtype, v.shape) for v in sources]
    names = [v.name for v in sources]

    def forward_and_backward(*tensors):
        n = len(graph.inputs)
        outs = interp.evaluate_graph(graph, tensors[:n], tensors[n:])
        loss = outs[0]
        grads = backward([loss], [ops.ones_like(loss)], [tensors[i] for i in wrt],
                         accumulate=False)
        return [*outs, *(g if g is not None else ops.zeros_like(tensors[i])
                         for g, i in zip(grads, wrt))]

    traced, _, _ = interp.trace(forward_and_backward, specs, names,
                                requires_grad=[i in wanted for i in range(len(sources))],
                                name=name or f"{graph.name}_grad")
    # the replayed params came in as inputs: turn them back into params
    n = len(graph.inputs)
    traced.params, traced.inputs = traced.inputs[n:], traced.inputs[:n]
    return traced
