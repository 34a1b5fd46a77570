"""The graph executor: compile a Graph once into straight-line Python code over kernel calls,
then run it for every batch.

The plan is generated source (one line per node, `del` right after a value's last use so numpy
frees the buffer), compiled with `compile()`. A node then costs one call through a
functools.partial that carries its attributes: no interpretation loop, no dict lookups.
"""

from __future__ import annotations

import functools
from typing import Sequence

from core_ir.errors import GraphError
from core_ir.graph import Graph, Value

from .kernels import KERNELS


class Plan:
    """A compiled Graph. Call with input arrays and param arrays (in graph order); returns
    (outputs, updates) where updates are the new values of params the graph assigns."""

    def __init__(self, graph: Graph, kernels: dict = KERNELS):
        graph.validate()
        self.graph = graph
        self.source, env = _generate(graph, kernels)
        code = compile(self.source, f"<plan {graph.name}>", "exec")
        exec(code, env)
        self._run = env["run"]
        self.num_nodes = len(graph.nodes)

    def __call__(self, inputs: Sequence, params: Sequence = ()):
        try:
            return self._run(inputs, params)
        except Exception:
            self._explain(inputs, params)
            raise

    def _explain(self, inputs: Sequence, params: Sequence) -> None:
        """The generated code knows no node names: replay the graph eagerly, where a failing
        node raises its op's own error with its origin (or the original error stands)."""
        from core_ir import interpreters, no_grad
        from core_ir.tensor import Tensor

        from .eager import EAGER
        with interpreters.interpreter(EAGER), no_grad():
            interpreters.evaluate_graph(self.graph, [Tensor(x) for x in inputs],
                                        [Tensor(p) for p in params])


def _generate(graph: Graph, kernels: dict):
    names: dict[Value, str] = {}
    # named after this module so the RuntimeWarning filter for backends.numpy covers plan code
    env: dict = {"__name__": "backends.numpy.plan"}

    def name(v: Value | None) -> str:
        return "None" if v is None else names[v]

    for i, v in enumerate(graph.inputs):
        names[v] = f"i{i}"
    for i, v in enumerate(graph.params):
        names[v] = f"p{i}"
    for i, (v, array) in enumerate(graph.constants.items()):
        names[v] = f"c{i}"
        env[f"c{i}"] = array
    lines = ["def run(inputs, params):"]
    if graph.inputs:
        lines.append(f"    {', '.join(names[v] for v in graph.inputs)}, = inputs")
    if graph.params:
        lines.append(f"    {', '.join(names[v] for v in graph.params)}, = params")
    last_use = _last_uses(graph)
    keep = set(graph.outputs) | {new for _, new in graph.updates}
    for k, node in enumerate(graph.nodes):
        kernel = kernels.get(node.op)
        if kernel is None:
            raise GraphError(f"no numpy kernel for {node.op.name} (node {node!r})")
        env[f"k{k}"] = functools.partial(kernel, **node.attrs) if node.attrs else kernel
        for j, v in enumerate(node.outputs):
            names[v] = f"v{k}_{j}"
        outs = ", ".join(names[v] for v in node.outputs) + ("," if node.op.num_outputs != 1 else "")
        lines.append(f"    {outs} = k{k}({', '.join(name(v) for v in node.inputs)})")
        dead = [names[v] for v in last_use.get(k, []) if v not in keep and v in names
                and not names[v].startswith("c")]
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    outputs = ", ".join(names[v] for v in graph.outputs)
    updates = ", ".join(names[v] for _, v in graph.updates)
    lines.append(f"    return ({outputs}{',' if graph.outputs else ''}), "
                 f"({updates}{',' if graph.updates else ''})")
    return "\n".join(lines) + "\n", env


def _last_uses(graph: Graph) -> dict[int, list[Value]]:
    """node index -> the values whose last reader is that node."""
    last: dict[Value, int] = {}
    for k, node in enumerate(graph.nodes):
        for v in node.inputs:
            if v is not None:
                last[v] = k
        for v in node.outputs:  # an output nobody reads dies right away
            last.setdefault(v, k)
    by_node: dict[int, list[Value]] = {}
    for v, k in last.items():
        by_node.setdefault(k, []).append(v)
    return {k: list(dict.fromkeys(vs)) for k, vs in by_node.items()}


class CompiledFunction:
    """A traced function bound to the tensors it captured: call it with arrays; it reads the
    captured tensors' current data, runs the plan and writes back the graph's updates."""

    def __init__(self, graph: Graph, captured: Sequence):
        self.plan = Plan(graph)
        self.graph = graph
        self.captured = list(captured)
        by_value = dict(zip(graph.params, self.captured))
        self._update_targets = [by_value[p] for p, _ in graph.updates]

    def __call__(self, *inputs):
        outputs, updates = self.plan(inputs, [t.array for t in self.captured])
        for target, new in zip(self._update_targets, updates):
            target.array = new
            target.version += 1
        return outputs
