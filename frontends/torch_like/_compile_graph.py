"""The graphs behind one compiled torch_like call (torch.compile, torch.jit.trace).

`trace_call` traces a Python callable on symbolic tensors into an IR Graph. Traced tensors are
`TracedTensor`s: turning one into Python data (bool(), .item(), .tolist(), .numpy()) or calling
.backward() on it raises `GraphBreak`, since the trace has no values to decide with.

`split_forward_backward` builds, for a call that needs gradients, one joint graph (the forward
replayed with recording on, then the same VJP rules as eager `backward` emitting the gradient
nodes from one cotangent input per differentiable output) and cuts it in two: the nodes that do
not depend on a cotangent form the forward graph, which also returns the values the backward
reads (residuals); the rest form the backward graph, fed by the residuals and the cotangents.
That is AOTAutograd's partition, without the recomputation heuristics.

`find_modules`, `snapshot_buffers` and `restore_buffers` deal with what a trace cannot record:
which modules' training flags matter, and buffers Python code writes directly (BatchNorm's
num_batches_tracked), which are undone after the trace and replayed as counters.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from backends.numpy import EAGER
from core_ir import interpreters, ops, passes
from core_ir.autodiff import backward
from core_ir.graph import Graph, Value
from core_ir.interpreters import TracingInterpreter, current_interpreter

from ._tensor import Tensor
from .nn.modules.module import Module


class GraphBreak(Exception):
    """Raised while tracing when the Python code needs a traced tensor's value. `reason` is
    torch's name for the break, `detail` says which call asked for the value."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


class TracerWarning(Warning):
    """Mirrors torch.jit.TracerWarning: a value computed while tracing became a constant."""


# (tracer, input arrays) while torch.jit.trace traces with example values: a tensor's value
# asked for by Python code is then computed from the examples and baked in (torch.jit.trace's
# semantics) instead of breaking the graph.
_examples: list = []


def _concrete(t: Tensor, reason: str, detail: str, what: str) -> np.ndarray:
    if not _examples:
        raise GraphBreak(reason, detail)
    tracer, arrays = _examples[-1]
    g = Graph("concrete")
    g.__dict__.update(tracer.graph.__dict__)
    g.outputs, g.updates = [tracer.value_of(t)], []
    g = passes.dead_code_elimination(g)
    params = [Tensor(c.array) for c, _ in tracer.captured.values()]
    with interpreters.interpreter(EAGER), interpreters.no_grad():
        out = interpreters.evaluate_graph(g, [Tensor(a) for a in arrays], params)[0]
    warnings.warn(f"Converting a tensor to {what} might cause the trace to be incorrect. We "
                  "can't record the data flow of Python values, so this value will be treated "
                  "as a constant in the future. This means that the trace might not generalize "
                  "to other inputs!", TracerWarning, stacklevel=3)
    return np.asarray(out.array)


class TracedTensor(Tensor):
    """A torch_like Tensor holding a graph value while tracing; data access is a graph break
    (or, under torch.jit.trace, a constant computed from the example inputs)."""

    __slots__ = ()

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to "
                               "Scalar")
        return _concrete(self, "Unsupported Tensor.item() call", "Tensor.item() on a traced "
                         "tensor", "a Python number").reshape(()).item()

    def tolist(self):
        return _concrete(self, "Unsupported Tensor.tolist() call", "Tensor.tolist() on a traced "
                         "tensor", "a Python list").tolist()

    def numpy(self, *, force: bool = False):
        return _concrete(self, "Unsupported Tensor.numpy() call", "Tensor.numpy() on a traced "
                         "tensor", "a NumPy array")

    def __array__(self, dtype=None, copy=None):
        a = _concrete(self, "Unsupported Tensor.numpy() call", "a traced tensor converted to a "
                      "numpy array", "a NumPy array")
        return a if dtype is None else a.astype(dtype)

    def __bool__(self) -> bool:
        if self.numel() != 1:
            return Tensor.__bool__(self)  # torch's "ambiguous" error
        return bool(_concrete(self, "Data-dependent branching", "the truth value of a traced "
                              "tensor (`if tensor:` / bool(tensor))", "a Python boolean"))

    def detach(self) -> Tensor:
        return TracedTensor(value=self.value)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        raise GraphBreak("Unsupported Tensor.backward() call",
                         "Tensor.backward() inside the compiled region")


class _Tracer(TracingInterpreter):
    """The tracing interpreter, with torch_like results made TracedTensors."""

    def apply(self, op, inputs, attrs):
        out = super().apply(op, inputs, attrs)
        for t in out if isinstance(out, tuple) else (out,):
            if t.__class__ is Tensor:
                t.__class__ = TracedTensor
        return out

    def constant(self, array, cls=Tensor):
        return super().constant(array, TracedTensor if cls is Tensor else cls)


class Traced(NamedTuple):
    graph: Graph
    captured: list           # the concrete tensors read by the graph, in graph.params order
    inputs: list             # the traced input tensors (to detect in-place changes to them)
    result: object           # what fn returned (with traced tensors)


def trace_call(fn: Callable, specs: Sequence[tuple], requires_grad: Sequence[bool],
               name: str, examples: Sequence | None = None) -> Traced:
    """Trace fn(*inputs) for inputs of the given (dtype, shape) specs; fn returns the list of
    tensors that become the graph outputs (and may stash anything else it wants to keep).
    With `examples` (input arrays), values Python asks for are computed from them."""
    graph = Graph(name)
    tracer = _Tracer(graph)
    if examples is not None:
        _examples.append((tracer, list(examples)))
    try:
        with interpreters.interpreter(tracer):
            inputs = [tracer.input(np.dtype(dt), tuple(sh), f"x{i}", TracedTensor, rg)
                      for i, ((dt, sh), rg) in enumerate(zip(specs, requires_grad))]
            result = fn(*inputs)
            graph.outputs = [tracer.value_of(t) for t in result]
    finally:
        if examples is not None:
            _examples.pop()
    captured = [t for t, _ in tracer.captured.values()]
    return Traced(graph, captured, inputs, result)


class Split(NamedTuple):
    forward: Graph       # inputs: x; params: captured; outputs: outs + residuals; updates
    backward: Graph      # inputs: residuals + cotangents; outputs: one gradient per diff source
    diff: list[int]      # sources (index into inputs + params) that get a gradient
    grad_outputs: list[int]  # outputs that take a cotangent


def split_forward_backward(graph: Graph, diff: Sequence[int],
                           grad_outputs: Sequence[int]) -> Split:
    """The forward and backward graphs of `graph` for gradients of the `diff` sources (indices
    into inputs + params) from cotangents of the `grad_outputs`."""
    joint, n_upd = _joint(graph, diff, grad_outputs)
    n_in, n_src, n_out = len(graph.inputs), len(graph.inputs) + len(graph.params), \
        len(graph.outputs)
    cotangents = joint.inputs[n_src:]
    tainted = set(cotangents)
    fwd_nodes, bwd_nodes = [], []
    for node in joint.nodes:
        if any(v in tainted for v in node.inputs if v is not None):
            bwd_nodes.append(node)
            tainted.update(node.outputs)
        else:
            fwd_nodes.append(node)
    grads = joint.outputs[n_out + n_upd:]
    residuals = _residuals(bwd_nodes, grads, tainted, joint.constants)
    params = joint.inputs[n_in:n_src]
    fwd = _graph(f"{graph.name}_forward", joint.inputs[:n_in], params, joint.constants,
                 fwd_nodes, [*joint.outputs[:n_out], *residuals])
    by_param = {p: i for i, p in enumerate(graph.params)}
    fwd.updates = [(params[by_param[p]], new) for (p, _), new in
                   zip(graph.updates, joint.outputs[n_out:n_out + n_upd])]
    bwd = _graph(f"{graph.name}_backward", [*residuals, *cotangents], [], joint.constants,
                 bwd_nodes, grads)
    return Split(fwd, bwd, list(diff), list(grad_outputs))


def _joint(graph: Graph, diff: Sequence[int], grad_outputs: Sequence[int]):
    """Trace: replay graph (outputs, then the new values of its updates) with the diff sources
    recording, then backpropagate from one cotangent input per grad output."""
    sources = [*graph.inputs, *graph.params]
    replayed = Graph(graph.name)
    replayed.__dict__.update(graph.__dict__)
    replayed.outputs = [*graph.outputs, *[new for _, new in graph.updates]]
    n_in = len(graph.inputs)

    def forward_backward(*tensors):
        outs = interpreters.evaluate_graph(replayed, tensors[:n_in], tensors[n_in:])
        tracer = current_interpreter()
        roots = [outs[i] for i in grad_outputs]
        cts = [tracer.input(r.dtype, r.shape, f"grad_out{k}", Tensor)
               for k, r in enumerate(roots)]
        wrt = [tensors[i] for i in diff]
        found = backward(roots, cts, wrt, accumulate=False)
        return [*outs, *(g if g is not None else ops.zeros_like(t)
                         for g, t in zip(found, wrt))]

    wanted = set(diff)
    joint, _, _ = interpreters.trace(
        forward_backward, [(v.dtype, v.shape) for v in sources], [v.name for v in sources],
        requires_grad=[i in wanted for i in range(len(sources))], cls=Tensor,
        name=f"{graph.name}_joint")
    return joint, len(graph.updates)


def _residuals(bwd_nodes, grads, tainted: set, constants: dict) -> list[Value]:
    """Forward values the backward reads (constants are copied into the backward instead)."""
    seen: dict[Value, None] = {}
    for v in [x for node in bwd_nodes for x in node.inputs] + list(grads):
        if v is not None and v not in tainted and v not in constants:
            seen.setdefault(v)
    return list(seen)


def _graph(name, inputs, params, constants, nodes, outputs) -> Graph:
    g = Graph(name)
    g.inputs, g.params, g.nodes, g.outputs = list(inputs), list(params), list(nodes), \
        list(outputs)
    g.constants = dict(constants)  # the passes drop the ones this half does not read
    return g


# -- Python-side buffer writes during a trace -----------------------------------------------------
def snapshot_buffers(modules) -> list:
    """The buffers of `modules` with their versions and a copy of their contents."""
    return [(b, b.version, np.array(b.array, copy=True)) for m in modules
            for b in m._buffers.values() if b is not None and b.array is not None]


def restore_buffers(snapshot) -> list:
    """Undo buffer writes the trace made outside the op graph; return them as (buffer, delta)
    counters to replay at each call (integer buffers only: anything else cannot be replayed)."""
    counters, bad = [], []
    for buf, version, old in snapshot:
        if buf.version == version:
            continue
        new = np.asarray(buf.array)
        buf.array, buf.version = old, version
        if old.dtype.kind in "iu" and new.shape == old.shape:
            counters.append((buf, new - old))
        else:
            bad.append(buf)
    if bad:
        raise GraphBreak("Unsupported buffer mutation",
                         "a buffer was written outside the op graph during the trace")
    return counters


def find_modules(fn, leaves) -> list:
    """The modules a call can reach: the bound module, closure cells, referenced globals and
    arguments (their training flags key the cache; their buffers are snapshot while tracing)."""
    owner = getattr(fn, "__self__", None)
    roots = [owner, *leaves]
    if not isinstance(owner, Module):  # (a module's own __call__ reaches nothing else)
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                roots.append(cell.cell_contents)
            except ValueError:
                pass
        code, glob = getattr(fn, "__code__", None), getattr(fn, "__globals__", {})
        if code is not None:
            roots.extend(glob.get(name) for name in code.co_names)
    roots = [obj for obj in roots if isinstance(obj, Module)]
    if len(roots) == 1:
        return list(roots[0].modules())
    found: dict[int, Module] = {}
    for obj in roots:
        for m in obj.modules():
            found.setdefault(id(m), m)
    return list(found.values())
