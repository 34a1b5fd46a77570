"""Value, Node and Graph: the program both frontends lower into.

A dimension is an int, a str (a named symbolic size such as the batch "N") or None (unknown).
A Graph prints as one line per node, jaxpr-like, for tests, errors and bug reports:

    graph(x: f32[N,3]; params fc.weight: f32[4,3]) {
      %0: f32[N,4] = MatMul(x, fc.weight)                       # fc
      return %0
    }
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from .dtypes import short_name
from .errors import GraphError

Dim = int | str | None
Shape = tuple[Dim, ...]


class Value:
    """A typed edge of the graph. `known` holds a statically known content (a tuple of dims for
    the output of Shape, the array of a constant), which lets shape rules of Reshape/Expand see
    through shape arithmetic while tracing."""

    __slots__ = ("dtype", "shape", "name", "producer", "known")

    def __init__(self, dtype, shape: Shape, name: str | None = None, known: Any = None):
        self.dtype = dtype
        self.shape = tuple(shape)
        self.name = name
        self.producer: Node | None = None
        self.known = known

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def type_str(self) -> str:
        return f"{short_name(self.dtype)}[{','.join('?' if d is None else str(d) for d in self.shape)}]"

    def __repr__(self) -> str:
        return f"Value({self.name or '?'}: {self.type_str()})"


class Node:
    """One op application. `origin` is the frontend path that made it (e.g. 'encoder.fc1')."""

    __slots__ = ("op", "inputs", "attrs", "outputs", "origin")

    def __init__(self, op, inputs: Sequence[Value | None], attrs: dict, outputs: Sequence[Value],
                 origin: str = ""):
        self.op = op
        self.inputs = list(inputs)
        self.attrs = dict(attrs)
        self.outputs = list(outputs)
        self.origin = origin
        for v in self.outputs:
            v.producer = self

    def __repr__(self) -> str:
        return format_node(self, {})


class Graph:
    """inputs (fed per call), params (captured tensors, read at each call), constants (arrays
    baked in), outputs, nodes in topological order, and updates (param <- new value) that a
    training step writes back after each run."""

    def __init__(self, name: str = "graph"):
        self.name = name
        self.inputs: list[Value] = []
        self.params: list[Value] = []
        self.constants: dict[Value, Any] = {}
        self.nodes: list[Node] = []
        self.outputs: list[Value] = []
        self.updates: list[tuple[Value, Value]] = []

    # -- construction -------------------------------------------------------------------------
    def add_input(self, dtype, shape: Shape, name: str) -> Value:
        v = Value(dtype, shape, name)
        self.inputs.append(v)
        return v

    def add_param(self, dtype, shape: Shape, name: str) -> Value:
        v = Value(dtype, shape, name)
        self.params.append(v)
        return v

    def add_constant(self, array, name: str | None = None) -> Value:
        v = Value(array.dtype, array.shape, name or f"c{len(self.constants)}", known=array)
        self.constants[v] = array
        return v

    def add_node(self, node: Node) -> Node:
        self.nodes.append(node)
        return node

    # -- queries ------------------------------------------------------------------------------
    def sources(self) -> list[Value]:
        return [*self.inputs, *self.params, *self.constants]

    def users(self) -> dict[Value, list[Node]]:
        uses: dict[Value, list[Node]] = {}
        for node in self.nodes:
            for v in node.inputs:
                if v is not None:
                    uses.setdefault(v, []).append(node)
        return uses

    def validate(self) -> None:
        """Every value is defined once, before use; outputs and updates are defined."""
        defined = set(self.sources())
        for node in self.nodes:
            for v in node.inputs:
                if v is not None and v not in defined:
                    raise GraphError(f"node {format_node(node, {})} uses {v!r} before it is defined")
            for v in node.outputs:
                if v in defined:
                    raise GraphError(f"{v!r} is defined twice (again by {node.op.name})")
                defined.add(v)
        for v in [*self.outputs, *(new for _, new in self.updates)]:
            if v not in defined:
                raise GraphError(f"graph output {v!r} is not produced by any node or source")

    def toposort(self) -> None:
        """Reorder nodes so that every node follows the producers of its inputs."""
        order: list[Node] = []
        state: dict[Node, int] = {}  # 1 = visiting, 2 = done
        for root in self.nodes:
            _visit(root, state, order)
        self.nodes = order

    def __str__(self) -> str:
        return format_graph(self)


def _visit(root: Node, state: dict, order: list) -> None:
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            state[node] = 2
            order.append(node)
            continue
        if state.get(node) == 2:
            continue
        if state.get(node) == 1:
            raise GraphError(f"cycle through {node.op.name} ({node.origin})")
        state[node] = 1
        stack.append((node, True))
        for v in node.inputs:
            if v is not None and v.producer is not None and state.get(v.producer) != 2:
                stack.append((v.producer, False))


# -- printing ---------------------------------------------------------------------------------
def _names(graph: Graph) -> dict[Value, str]:
    names = {v: v.name for v in graph.sources() if v.name}
    counter = 0
    for node in graph.nodes:
        for v in node.outputs:
            names[v] = f"%{counter}"
            counter += 1
    return names


def format_attr(value) -> str:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(format_attr(v) for v in value) + "]"
    if hasattr(value, "kind") and hasattr(value, "itemsize"):  # a dtype
        return short_name(value)
    return repr(value) if isinstance(value, str) else str(value)


def format_node(node: Node, names: dict[Value, str]) -> str:
    def name(v):
        return "_" if v is None else names.get(v, v.name or "?")

    outs = ", ".join(f"{name(v)}: {v.type_str()}" for v in node.outputs)
    args = ", ".join(name(v) for v in node.inputs)
    attrs = ", ".join(f"{k}={format_attr(v)}" for k, v in node.attrs.items())
    text = f"{outs} = {node.op.name}({args}{'; ' + attrs if attrs else ''})"
    return f"{text:<60} # {node.origin}" if node.origin else text


def format_graph(graph: Graph) -> str:
    names = _names(graph)

    def decl(values: Iterable[Value]) -> str:
        return ", ".join(f"{names[v]}: {v.type_str()}" for v in values)

    header = decl(graph.inputs)
    if graph.params:
        header += f"; params {decl(graph.params)}"
    lines = [f"{graph.name}({header}) {{"]
    lines += [f"  {names[v]}: {v.type_str()} = constant" for v in graph.constants]
    lines += ["  " + format_node(n, names) for n in graph.nodes]
    lines += [f"  {names[p]} <- {names[v]}" for p, v in graph.updates]
    lines.append(f"  return {', '.join(names[v] for v in graph.outputs)}")
    lines.append("}")
    return "\n".join(lines)
