"""Running an IR graph from inside a frontend, on that frontend's tensors.

Both frontends lower to the same IR, so a graph traced from one frontend (or read from an ONNX
file) can be called from the other: `run_graph` binds each node's op through the current
interpreter (computing eagerly and recording on the autograd tape, or re-tracing into an outer
graph such as a Keras train step), with the caller's tensors standing in for the graph's inputs
and params. Gradients therefore flow to whatever tensors the caller passes as params.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import core_ir
from core_ir.graph import Graph, Value
from core_ir.interpreters import bind


def run_graph(graph: Graph, inputs: Sequence, params: Sequence, cls: type) -> tuple[list, list]:
    """Evaluate `graph` on `inputs` and `params` (tensors). Constants are made as `cls` tensors,
    and outputs are returned as `cls` (the calling frontend's tensor class).

    Returns:
        (outputs, updates): the outputs, and (param tensor, new value) pairs for the graph's
        updates (running statistics a training-mode graph writes), for the caller to assign.
    """
    env: dict[Value, object] = dict(zip(graph.inputs, inputs))
    env.update(zip(graph.params, params))
    for v, array in graph.constants.items():
        env[v] = core_ir.constant(array, cls=cls)
    for node in graph.nodes:
        args = [None if v is None else env[v] for v in node.inputs]
        with core_ir.origin(node.origin) if node.origin else contextlib.nullcontext():
            out = bind(node.op, args, node.attrs)
        env.update(zip(node.outputs, out if isinstance(out, tuple) else (out,)))
    by_param = dict(zip(graph.params, params))
    sources = set(graph.sources())
    result = [view_as(env[v], cls) if v in sources else as_class(env[v], cls) for v in graph.outputs]
    return result, [(by_param[p], env[new]) for p, new in graph.updates]


def as_class(t, cls: type):
    """The same tensor object seen as `cls` (all frontend tensor classes are core Tensors with
    empty __slots__, so only the class pointer changes; the tape and graph links stay)."""
    if isinstance(t, core_ir.Tensor) and type(t) is not cls:
        t.__class__ = cls
    return t


def view_as(t, cls: type):
    """A fresh Identity of `t` seen as `cls`: converts between frontends without touching the
    caller's tensor, keeping the gradient path."""
    from core_ir import ops

    return as_class(ops.identity(t), cls)
