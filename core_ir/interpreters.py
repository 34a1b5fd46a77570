"""One entry point for every op call, and the interpreters behind it (the JAX `bind` idea).

`bind(op, inputs, attrs)` validates attributes, hands the call to the current interpreter and,
when gradients are wanted, records the call on the autograd tape. The *eager* interpreter (in a
backend) runs the kernel now; the *tracing* interpreter (here) runs only the shape rule and
appends a node to a Graph. Because recording happens in `bind`, not in an interpreter, the same
tape and the same VJP rules differentiate eager code and traced code alike.
"""

from __future__ import annotations

import abc
import contextlib
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from .errors import IRError, KernelBug, describe_shapes
from .graph import Graph, Node, Value, format_node
from .op import Op, install_bind
from .tensor import Tensor


class TypeSpec(NamedTuple):
    """What a shape rule returns for one output: element type, shape and optionally a known
    content (for shape arithmetic while tracing)."""

    dtype: Any
    shape: tuple
    known: Any = None


class Interpreter(abc.ABC):
    """What an interpreter must do; the eager one lives in a backend, the tracing one below."""

    @abc.abstractmethod
    def apply(self, op: Op, inputs: Sequence[Tensor | None], attrs: dict):
        """Compute or record one op; return a Tensor (or a tuple for multi-output ops)."""

    @abc.abstractmethod
    def constant(self, array, cls=Tensor) -> Tensor:
        """A literal tensor holding `array`."""

    @abc.abstractmethod
    def assign(self, target: Tensor, new: Tensor) -> None:
        """Write `new` into `target` (a parameter update)."""


_default: Interpreter | None = None   # the eager interpreter a backend installed
_current: Interpreter | None = None   # the interpreter in charge now
_grad_enabled = True
_origin: list[str] = []


def set_default_interpreter(interp: Interpreter) -> None:
    """Called by a backend when it is imported (backends.numpy installs its eager interpreter)."""
    global _default, _current
    if _current is None or _current is _default:
        _current = interp
    _default = interp


def current_interpreter() -> Interpreter:
    if _current is None:
        raise RuntimeError("no backend is active: import backends.numpy first")
    return _current


@contextlib.contextmanager
def interpreter(interp: Interpreter):
    """Make `interp` the current interpreter for the body."""
    global _current
    saved, _current = _current, interp
    try:
        yield interp
    finally:
        _current = saved


# -- the entry point ----------------------------------------------------------------------------
def bind(op: Op, inputs: Sequence[Tensor | None], attrs: dict):
    attrs = op.resolve_attrs(attrs) if attrs else op.defaults
    out = _current.apply(op, inputs, attrs)
    if _grad_enabled and op.vjp is not None:
        for t in inputs:
            if t is not None and t.requires_grad:
                _record(op, inputs, attrs, out)
                break
    return out


def _call(op, *inputs, **attrs):
    # bind's body, repeated here: this is the hottest frame of eager code (one call per op)
    attrs = op.resolve_attrs(attrs) if attrs else op.defaults
    out = _current.apply(op, inputs, attrs)
    if _grad_enabled and op.vjp is not None:
        for t in inputs:
            if t is not None and t.requires_grad:
                _record(op, inputs, attrs, out)
                break
    return out


Op.__call__ = _call  # one frame less per op call than delegating through Op.__call__
install_bind(bind)


def constant(value, dtype=None, cls=Tensor) -> Tensor:
    """A literal tensor in the current interpreter (a graph constant while tracing)."""
    return current_interpreter().constant(np.asarray(value, dtype=dtype), cls)


def assign(target: Tensor, new: Tensor) -> None:
    """Write `new` into `target` (a parameter update). While tracing it becomes a graph update."""
    current_interpreter().assign(target, new)


# -- gradient mode ------------------------------------------------------------------------------
def is_grad_enabled() -> bool:
    return _grad_enabled


@contextlib.contextmanager
def set_grad_enabled(mode: bool):
    global _grad_enabled
    saved, _grad_enabled = _grad_enabled, bool(mode)
    try:
        yield
    finally:
        _grad_enabled = saved


def no_grad():
    return set_grad_enabled(False)


def enable_grad():
    return set_grad_enabled(True)


# -- origins: which frontend path made a node ---------------------------------------------------
@contextlib.contextmanager
def origin(name: str):
    """Nodes made in the body carry `name` (joined with enclosing names by '.')."""
    _origin.append(name)
    try:
        yield
    finally:
        _origin.pop()


def current_origin() -> str:
    return ".".join(_origin)


# -- errors ---------------------------------------------------------------------------------------
def annotate(err: IRError, op: Op, inputs) -> IRError:
    """Re-raise a shape-rule error with the op, the node origin and the input shapes added."""
    where = current_origin()
    msg = f"{op.name}: {err}" if not str(err).startswith(op.name) else str(err)
    if "shape" not in msg and inputs:
        msg += f" (input shapes {describe_shapes(inputs)})"
    if where:
        msg += f" [in '{where}']"
    new = type(err)(msg)
    new.__cause__ = err.__cause__
    return new


def check_shapes(op: Op, inputs, attrs: dict) -> None:
    """Run op's shape rule on concrete inputs, raising its error with op and origin added."""
    try:
        op.infer(*inputs, **attrs)
    except IRError as err:
        raise annotate(err, op, inputs) from None


def diagnose(op: Op, inputs, attrs: dict, exc: Exception | None):
    """A kernel raised (or the eager dtype check failed, exc None): the shape rule says why (the
    user's error), or the kernel has a bug. A kernel that found bad *values* raises an IRError
    itself (IndexOutOfRange): that is the user's error too."""
    if isinstance(exc, IRError):
        raise annotate(exc, op, inputs) from None
    try:
        op.infer(*inputs, **attrs)
    except IRError as err:
        raise annotate(err, op, inputs) from None
    except Exception:
        pass
    values = [None if t is None else Value(t.dtype, t.shape, f"in{i}") for i, t in enumerate(inputs)]
    node = Node(op, values, attrs, [], current_origin())
    why = "the eager dtype check failed" if exc is None else f"{type(exc).__name__}: {exc}"
    raise KernelBug(f"kernel failed after its shape rule passed (a bug in duet): "
                    f"{format_node(node, {})}: {why}") from exc


# -- tracing ------------------------------------------------------------------------------------
class TracingInterpreter(Interpreter):
    """Runs shape rules only and appends nodes to `graph`. Concrete tensors used inside the trace
    are captured as graph params (read at each run, so later updates to them are seen)."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.captured: dict[int, tuple[Tensor, Value]] = {}
        self.own: set[Value] = set()

    def value_of(self, t: Tensor) -> Value:
        v = t.value
        if v is not None and v in self.own:
            return v
        if t.array is None:
            raise IRError(f"a traced tensor {v!r} from another trace was used here")
        hit = self.captured.get(id(t))
        if hit is None:
            name = f"p{len(self.captured)}"
            hit = (t, self.graph.add_param(t.array.dtype, t.array.shape, name))
            self.captured[id(t)] = hit
            self.own.add(hit[1])
        return hit[1]

    def input(self, dtype, shape, name: str, cls=Tensor, requires_grad=False) -> Tensor:
        v = self.graph.add_input(dtype, shape, name)
        self.own.add(v)
        return cls(value=v, requires_grad=requires_grad)

    def apply(self, op, inputs, attrs):
        values = [None if t is None else self.value_of(t) for t in inputs]
        try:
            specs = op.infer(*values, **attrs)
        except IRError as err:
            raise annotate(err, op, values) from None
        single = isinstance(specs, TypeSpec)
        outs = [Value(s.dtype, s.shape, known=s.known) for s in ([specs] if single else specs)]
        self.own.update(outs)
        self.graph.add_node(Node(op, values, attrs, outs, current_origin()))
        cls = _result_class(inputs)
        if single:
            return cls(value=outs[0])
        return tuple(cls(value=v) for v in outs)

    def constant(self, array, cls=Tensor):
        v = self.graph.add_constant(array)
        self.own.add(v)
        return cls(value=v)

    def assign(self, target, new):
        param = self.value_of(target)
        self.graph.updates.append((param, self.value_of(new)))


def _result_class(inputs) -> type:
    for t in inputs:
        if t is not None:
            return t.result_class
    return Tensor


def trace(fn: Callable, input_specs: Sequence[tuple], names: Sequence[str] | None = None,
          requires_grad: Sequence[bool] | None = None, cls=Tensor, name: str = "graph"):
    """Trace `fn(*inputs)` into a Graph. `input_specs` are (dtype, shape) pairs; a shape may hold
    str dims (symbolic, e.g. 'N'). Returns (graph, captured tensors in param order, raw outputs)."""
    graph = Graph(name)
    tracer = TracingInterpreter(graph)
    names = names or [f"x{i}" for i in range(len(input_specs))]
    requires_grad = requires_grad or [False] * len(input_specs)
    with interpreter(tracer):
        inputs = [tracer.input(np.dtype(dt), tuple(sh), n, cls, rg)
                  for (dt, sh), n, rg in zip(input_specs, names, requires_grad)]
        result = fn(*inputs)
        outs = result if isinstance(result, (tuple, list)) else [result]
        graph.outputs = [tracer.value_of(t) for t in outs]
    captured = [t for t, _ in tracer.captured.values()]
    return graph, captured, result


from .autodiff import record as _record  # noqa: E402  (autodiff uses this module's grad mode)


def evaluate_graph(graph: Graph, inputs: Sequence[Tensor], params: Sequence[Tensor] = ()):
    """Run a graph's nodes through the current interpreter (computing eagerly, re-tracing into
    another graph, or recording on the tape when inputs require grad). Returns the outputs."""
    env: dict[Value, Tensor | None] = {}
    env.update(zip(graph.inputs, inputs))
    env.update(zip(graph.params, params))
    for v, array in graph.constants.items():
        env[v] = constant(array)
    for node in graph.nodes:
        args = [None if v is None else env[v] for v in node.inputs]
        with origin(node.origin) if node.origin else contextlib.nullcontext():
            out = bind(node.op, args, node.attrs)
        env.update(zip(node.outputs, out if isinstance(out, tuple) else (out,)))
    return [env[v] for v in graph.outputs]
