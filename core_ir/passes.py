"""Graph passes: each a function Graph -> Graph, tested in tests/core_ir/test_passes.py.

Every pass returns a *new* Graph and leaves its argument untouched, so a caller can run or print
both. The new graph shares the source values (inputs, params, constants) with the old one and
gets fresh nodes and node outputs: a Node claims its outputs (`Value.producer`), so sharing them
would rewire the old graph.

Inputs and params are never removed or reordered, even when nothing reads them: they are the
calling convention (Plan takes them by position, CompiledFunction pairs params with the tensors
it captured). Constants are baked in, so every pass drops the ones nothing reads any more.

- `dead_code_elimination`: drops nodes no output and no update needs.
- `fold_constants`: evaluates pure nodes whose inputs are all constants (or whose outputs the
  shape rules already know, e.g. Shape of a static tensor) and replaces them with constants.
  The caller supplies `evaluate(op, arrays, attrs)`, since core_ir imports no backend.
- `cancel_transpose_pairs`: composes Transpose(Transpose(x)) into one Transpose, and removes a
  Transpose whose (composed) permutation is the identity.
- `simplify`: the three above, repeated until the graph stops shrinking.

Example (the NumPy backend's kernels as the evaluator):

    from backends.numpy import KERNELS
    graph = simplify(graph, lambda op, arrays, attrs: KERNELS[op](*arrays, **attrs))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import KernelBug
from .graph import Graph, Node, Value, format_node
from .op import ONNX_DOMAIN, Op
from .ops.shape import transpose

Evaluate = Callable[[Op, Sequence[Any], dict], Any]
"""evaluate(op, input arrays (None for an absent optional input), attrs) -> array or tuple."""

# -- which ops may be folded ----------------------------------------------------------------------
# An op may declare itself with a `pure` attribute (True/False). Otherwise a name fragment decides
# (RandomNormal, RandomUniformLike, Bernoulli, Dropout, ... in any domain), or IMPURE_OPS for an
# impure op whose name does not say so; both cover ops defined after this module without touching
# them. Err on the side of "impure": it only costs a fold.
IMPURE_NAME_PARTS: tuple[str, ...] = ("Random", "Dropout", "Bernoulli", "Multinomial")
IMPURE_OPS: set[tuple[str, str]] = set()  # (domain, name)
# Ops without inputs are not folded unless known to produce the same value every time: a source
# op is more likely to draw random numbers or read state than an op with inputs.
PURE_SOURCE_OPS: set[tuple[str, str]] = {(ONNX_DOMAIN, "Constant")}

DEFAULT_MAX_ELEMENTS = 1 << 20  # larger results stay computed at run time (graph and export size)


def is_pure(op: Op) -> bool:
    """True when op's outputs depend only on its inputs and attributes (no random draw, no state)."""
    declared = getattr(op, "pure", None)
    if declared is not None:
        return bool(declared)
    key = (op.domain, op.name)
    return key not in IMPURE_OPS and not any(part in op.name for part in IMPURE_NAME_PARTS)


def is_foldable(node: Node) -> bool:
    """Pure, and if it has no inputs at all, a known-pure source op."""
    if not is_pure(node.op):
        return False
    has_inputs = any(v is not None for v in node.inputs)
    return has_inputs or (node.op.domain, node.op.name) in PURE_SOURCE_OPS or \
        getattr(node.op, "pure", None) is True


# -- rebuilding a graph ---------------------------------------------------------------------------
class _Rewriter:
    """Copies a graph node by node into a new one; `env` maps each old value to its new value."""

    def __init__(self, src: Graph):
        self.src = src
        self.dst = Graph(src.name)
        self.dst.inputs = list(src.inputs)
        self.dst.params = list(src.params)
        self.dst.constants = dict(src.constants)
        self.env: dict[Value, Value] = {v: v for v in src.sources()}
        self.made: list[Value] = []  # constants this rewrite created (named in finish)

    def get(self, v: Value | None) -> Value | None:
        return None if v is None else self.env[v]

    def copy(self, node: Node, inputs: Sequence[Value | None] | None = None,
             attrs: dict | None = None) -> Node:
        ins = [self.get(v) for v in node.inputs] if inputs is None else list(inputs)
        outs = [Value(v.dtype, v.shape, v.name, v.known) for v in node.outputs]
        new = Node(node.op, ins, node.attrs if attrs is None else attrs, outs, node.origin)
        self.dst.add_node(new)
        self.env.update(zip(node.outputs, outs))
        return new

    def alias(self, old: Value, new: Value) -> None:
        """Readers of `old` read `new` instead (the node that made `old` is not copied)."""
        self.env[old] = new

    def constant(self, old: Value, array: np.ndarray) -> Value:
        """Readers of `old` read a new constant holding `array`."""
        new = self.dst.add_constant(array, "folded")
        self.made.append(new)
        self.env[old] = new
        return new

    def finish(self, prune: set[Node] | None) -> Graph:
        """The new graph, without the dead nodes among `prune` (None: any dead node) and
        without unused constants; the constants this rewrite made get the first free names."""
        self.dst.outputs = [self.env[v] for v in self.src.outputs]
        self.dst.updates = [(self.env[p], self.env[v]) for p, v in self.src.updates]
        _prune(self.dst, prune)
        taken = {v.name for v in self.dst.sources()}
        k = 0
        for v in self.made:
            if v in self.dst.constants:
                while f"c{k}" in taken:
                    k += 1
                v.name = f"c{k}"
                taken.add(v.name)
        return self.dst


def _prune(graph: Graph, candidates: set[Node] | None) -> None:
    """In place, on a graph being built: remove the nodes (any, or only `candidates`) none of
    whose outputs an output, an update or a kept node needs; then the constants nothing reads."""
    live = set(graph.outputs) | {new for _, new in graph.updates}
    kept: list[Node] = []
    for node in reversed(graph.nodes):
        if (candidates is not None and node not in candidates) or \
                any(v in live for v in node.outputs):
            kept.append(node)
            live.update(v for v in node.inputs if v is not None)
    graph.nodes = kept[::-1]
    graph.constants = {v: a for v, a in graph.constants.items() if v in live}


# -- dead-code elimination ------------------------------------------------------------------------
def dead_code_elimination(graph: Graph) -> Graph:
    """A copy of `graph` without the nodes that no output and no update needs, and without unused
    constants. Inputs and params stay (the calling convention). A dropped random node no longer
    advances the backend's random stream; that is the intent."""
    rw = _Rewriter(graph)
    for node in graph.nodes:
        rw.copy(node)
    return rw.finish(prune=None)


# -- constant folding -----------------------------------------------------------------------------
def fold_constants(graph: Graph, evaluate: Evaluate,
                   max_elements: int = DEFAULT_MAX_ELEMENTS) -> Graph:
    """A copy of `graph` where every foldable node (see `is_foldable`) whose inputs are all
    constants, or whose outputs the shape rules already know, is replaced by constants holding
    its results; folding cascades in one sweep. Results with more than `max_elements` elements
    are left to run time. The constants it made unused are dropped.

    NOTE: a graph output that folds becomes a constant, and a Plan returns that same array on
    every run: callers must not write into returned arrays (the engine never does).
    """
    rw = _Rewriter(graph)
    for node in graph.nodes:
        results = _fold(node, rw, evaluate, max_elements) if is_foldable(node) else None
        if results is None:
            rw.copy(node)
            continue
        for old, array in zip(node.outputs, results):
            rw.constant(old, array)
    return rw.finish(prune=set())


def _fold(node: Node, rw: _Rewriter, evaluate: Evaluate, max_elements: int) -> list | None:
    """The node's results as arrays, or None when it cannot (or should not) be folded."""
    known = [_known_array(v) for v in node.outputs]
    if all(k is not None for k in known):
        return known
    inputs = [rw.get(v) for v in node.inputs]
    constants = rw.dst.constants
    if any(v is not None and v not in constants for v in inputs):
        return None
    if any(_static_size(v) > max_elements for v in node.outputs):
        return None
    try:
        result = evaluate(node.op, [None if v is None else constants[v] for v in inputs],
                          node.attrs)
    except Exception:  # noqa: BLE001  (an optimization: the executor runs or diagnoses it)
        return None
    results = [np.asarray(r) for r in (result if isinstance(result, (tuple, list)) else [result])]
    _check_results(node, results)
    if any(r.size > max_elements for r in results):
        return None
    return results


def _known_array(v: Value) -> np.ndarray | None:
    """v's statically known content as an array of v's type, when fully known (ints only)."""
    k = v.known
    if isinstance(k, tuple) and all(isinstance(d, int) and not isinstance(d, bool) for d in k):
        k = np.asarray(k, dtype=v.dtype)
    if not isinstance(k, np.ndarray) or k.dtype != v.dtype:
        return None
    static = all(isinstance(d, int) for d in v.shape)
    return k if static and k.shape == v.shape else None


def _static_size(v: Value) -> int:
    """Number of elements of v, or 0 when a dimension is not static (checked after evaluation)."""
    if not all(isinstance(d, int) for d in v.shape):
        return 0
    return int(np.prod(v.shape, dtype=np.int64))


def _check_results(node: Node, results: list) -> None:
    """The evaluator broke the shape rule's promise: a bug (in duet or in the evaluator)."""
    bad = len(results) != len(node.outputs) or any(
        r.dtype != v.dtype or (all(isinstance(d, int) for d in v.shape) and r.shape != v.shape)
        for r, v in zip(results, node.outputs))
    if bad:
        got = ", ".join(f"{r.dtype}{list(r.shape)}" for r in results)
        raise KernelBug(f"constant folding: the evaluator's results ({got}) do not match the "
                        f"shape rule of {format_node(node, {})}")


# -- transpose pairs ------------------------------------------------------------------------------
def cancel_transpose_pairs(graph: Graph) -> Graph:
    """A copy of `graph` where Transpose(Transpose(x, p1), p2) reads x directly through one
    Transpose of the composed permutation (p1[p2[i]] for each axis i), and a Transpose whose
    permutation is the identity is removed, its readers (and graph outputs) rewired to its input.
    Chains compose in one sweep. An inner Transpose that still has other readers stays; the ones
    left unread are dropped."""
    rw = _Rewriter(graph)
    bypassed: set[Node] = set()
    for node in graph.nodes:
        if node.op is not transpose:
            rw.copy(node)
            continue
        x = rw.get(node.inputs[0])
        perm = _perm(node.attrs.get("perm"), x.ndim)
        inner = x.producer
        if inner is not None and inner.op is transpose:
            perm = tuple(_perm(inner.attrs.get("perm"), inner.inputs[0].ndim)[p] for p in perm)
            x = inner.inputs[0]
            bypassed.add(inner)
        if perm == tuple(range(len(perm))):
            rw.alias(node.outputs[0], x)
        else:
            rw.copy(node, inputs=[x], attrs={**node.attrs, "perm": perm})
    return rw.finish(prune=bypassed)


def _perm(perm: tuple | None, ndim: int) -> tuple:
    """ONNX Transpose: no perm means reversing the axes."""
    return tuple(range(ndim))[::-1] if perm is None else tuple(perm)


# -- pipeline -------------------------------------------------------------------------------------
def simplify(graph: Graph, evaluate: Evaluate, max_rounds: int = 4) -> Graph:
    """fold_constants, cancel_transpose_pairs, dead_code_elimination, repeated (at most
    `max_rounds` times) until a round removes nothing. Returns a new graph."""
    for _ in range(max_rounds):
        size = (len(graph.nodes), len(graph.constants))
        graph = fold_constants(graph, evaluate)
        graph = dead_code_elimination(cancel_transpose_pairs(graph))
        if (len(graph.nodes), len(graph.constants)) >= size:
            break
    return graph
