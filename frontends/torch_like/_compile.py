"""torch.compile: trace a module's (or function's) call into the IR once per input signature and
run it through the graph executor; the backward is a compiled gradient graph too.

A call is keyed by grad mode, the training flags of the modules involved, the dtypes, shapes and
requires_grad of its tensor arguments, and its other arguments (by value, or by identity). A new
key traces the call (frontends.torch_like._compile_graph) and compiles it; the captured tensors
(parameters, buffers) are guarded by requires_grad and shape, so freezing a layer recompiles.

When the call needs gradients, the forward plan also returns the residuals the backward reads,
and ONE tape record stands for the whole compiled call: its VJP runs the compiled backward plan
(once differentiable, as torch's compiled autograd function). Buffer updates made through the
op graph (BatchNorm running statistics) are graph updates written back at each call; Python-side
integer counters (num_batches_tracked) are replayed. Random ops draw fresh numbers at each call.

A graph break (Python control flow on a traced tensor's value, .item(), .tolist(), .numpy(),
.backward() inside the region, or anything the tracer cannot follow) makes the function run
eagerly from then on, with one warning; fullgraph=True raises instead.
"""

from __future__ import annotations

import functools
import sys
import types
import warnings
import weakref

import numpy as np

import backends.numpy as _engine
from core_ir import interpreters
from core_ir.autodiff import record
from core_ir.interpreters import TracingInterpreter, current_interpreter
from core_ir.op import Attr, Op
from core_ir.tensor import Tensor as _CoreTensor

from ._compile_graph import (
    GraphBreak,
    find_modules,
    restore_buffers,
    snapshot_buffers,
    split_forward_backward,
    trace_call,
)
from ._tensor import Tensor
from .nn.modules.batchnorm import _BatchNorm
from .nn.modules.module import Module

__all__ = ["OptimizedModule", "Unsupported", "compile", "reset"]

_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
_BACKENDS = ("inductor", "eager", "aot_eager", "cudagraphs")
_all_compiled: weakref.WeakSet = weakref.WeakSet()


class Unsupported(RuntimeError):
    """Mirrors torch._dynamo.exc.Unsupported: what fullgraph=True raises at a graph break."""


class InvalidBackend(RuntimeError):
    """Mirrors torch._dynamo.exc.InvalidBackend."""


config = types.SimpleNamespace(recompile_limit=8, cache_size_limit=8)


# -- argument and result trees --------------------------------------------------------------------
def _flatten(obj, leaves: list):
    """Leaves of nested tuples, lists, dicts and namedtuples (in order) and the tree to rebuild."""
    if isinstance(obj, (tuple, list)):
        kind = type(obj) if hasattr(obj, "_fields") or type(obj) in (tuple, list) else tuple
        return (kind, tuple(_flatten(x, leaves) for x in obj))
    if isinstance(obj, dict):
        return (dict, tuple((k, _flatten(v, leaves)) for k, v in obj.items()))
    leaves.append(obj)
    return None


def _unflatten(tree, it):
    if tree is None:
        return next(it)
    kind, children = tree
    if kind is dict:
        return {k: _unflatten(c, it) for k, c in children}
    items = [_unflatten(c, it) for c in children]
    return kind._make(items) if hasattr(kind, "_fields") else kind(items)


def _leaf_key(x, dims):
    if isinstance(x, _CoreTensor):
        return ("T", x.dtype, dims(x), bool(x.requires_grad))
    try:
        hash(x)
    except TypeError:
        return ("id", id(x))
    return (type(x), x)


# -- the tape record of a compiled call -----------------------------------------------------------
def _no_trace_rule(*inputs, **attrs):
    raise RuntimeError("a compiled call's tape record has no op form")


def _vjp(g, out, *inputs, entry):
    """Run the compiled backward plan: residuals ride on the record as extra inputs (so a
    backward without retain_graph frees them with the record)."""
    if interpreters.is_grad_enabled():
        raise RuntimeError("torch.compile with aot_autograd does not currently support double "
                           "backward")
    gs = g if isinstance(g, tuple) else (g,)
    outs = out if isinstance(out, tuple) else (out,)
    cts = [np.zeros(o.shape, o.dtype) if x is None else x.array for x, o in zip(gs, outs)]
    n = len(entry.diff)
    grads, _ = entry.backward_plan([*(t.array for t in inputs[n:]), *cts], ())
    seen, result = set(), []
    for a in grads:  # one array per gradient: .grad tensors must not share memory
        result.append(Tensor(a.copy() if id(a) in seen else a))
        seen.add(id(a))
    return (*result, *([None] * (len(inputs) - n)))


_COMPILED_OP = Op("CompiledFunction", infer=_no_trace_rule, vjp=_vjp, attrs={"entry": Attr("any")})
_COMPILED_OP.torch_name = "CompiledFunctionBackward"


class _Entry:
    """One traced and compiled signature: forward plan, optional backward plan, guards."""

    def __init__(self, traced, positions, out_tree, out_template, counters, grad: bool):
        graph, captured = traced.graph, traced.captured
        self.positions, self.out_tree, self.out_template = positions, out_tree, out_template
        self.captured, self.counters = captured, counters
        self.guard = [(t, bool(t.requires_grad), tuple(t.shape), t.dtype) for t in captured]
        self.graph = graph
        self.n_out = len(graph.outputs)
        srcs = [*traced.inputs, *captured]
        self.grad_outputs = [k for k, t in enumerate(traced.result)
                             if grad and t.requires_grad and t.dtype.kind == "f"]
        self.diff = [i for i, t in enumerate(srcs) if self.grad_outputs and t.requires_grad
                     and t.dtype.kind == "f"]
        if self.diff:
            split = split_forward_backward(graph, self.diff, self.grad_outputs)
            forward = split.forward
            self.backward_plan = _engine.Plan(_engine.optimize(split.backward))
        else:
            forward, self.backward_plan = graph, None
        self.forward_plan = _engine.Plan(_engine.optimize(forward))
        by_value = dict(zip(graph.params, captured))
        self.update_targets = [by_value[p] for p, _ in graph.updates]

    def valid(self) -> bool:
        for t, rg, shape, dtype in self.guard:
            a = t.array
            if t.requires_grad != rg or a is None or a.shape != shape or a.dtype != dtype:
                return False
        return True

    def run(self, tensors: list):
        outs, updates = self.forward_plan([t.array for t in tensors],
                                          [t.array for t in self.captured])
        for target, new in zip(self.update_targets, updates):
            target.array = new
            target.version += 1
        for buf, delta in self.counters:
            buf.array = buf.array + delta
            buf.version += 1
        n = self.n_out
        results = [Tensor(a) for a in outs[:n]]
        if self.backward_plan is not None and interpreters.is_grad_enabled():
            srcs = [*tensors, *self.captured]
            inputs = (*(srcs[i] for i in self.diff), *(Tensor(a) for a in outs[n:]))
            roots = tuple(results[k] for k in self.grad_outputs)
            record(_COMPILED_OP, inputs, {"entry": self}, roots[0] if len(roots) == 1 else roots)
        it = iter(results)
        return _unflatten(self.out_tree, iter([next(it) if x is _OUT else x
                                               for x in self.out_template]))


_OUT = object()  # where a graph output goes in the result structure


def _name_params(traced, fn) -> None:
    """Name the graph's params after the bound module's state_dict keys (for printed graphs)."""
    root = getattr(fn, "__self__", None)
    if not isinstance(root, Module):
        return
    names = {id(t): k for k, t in (*root.named_parameters(), *root.named_buffers())}
    for t, v in zip(traced.captured, traced.graph.params):
        v.name = names.get(id(t), v.name)


def _dim_spec(leaves, dynamic: bool):
    """The shape each tensor is traced (and keyed) with: exact, or with a symbolic first dim;
    tensors whose first dims are equal share one symbol, so the trace knows they match."""
    if not dynamic:
        return lambda t: tuple(t.shape)
    symbols: dict = {}
    for x in leaves:
        if isinstance(x, _CoreTensor) and len(x.shape):
            symbols.setdefault(x.shape[0], f"N{len(symbols) or ''}")
    return lambda t: (symbols[t.shape[0]], *t.shape[1:]) if len(t.shape) else ()


class CompiledFunction:
    """What torch.compile returns for a function (OptimizedModule wraps one for a module)."""

    def __init__(self, fn, fullgraph: bool, dynamic, concrete: bool = False, name=None):
        self._fn = fn
        self._concrete = concrete  # torch.jit.trace: values Python asks for become constants
        self._fullgraph = fullgraph
        self._dynamic = dynamic is True
        self._cache: dict = {}
        self._eager = False
        functools.update_wrapper(self, fn, updated=())
        self._name = name or getattr(fn, "__name__", "compiled")
        _all_compiled.add(self)

    def reset(self) -> None:
        self._cache.clear()
        self._eager = False

    def __get__(self, instance, owner=None):
        return self if instance is None else functools.partial(self, instance)

    def __call__(self, *args, **kwargs):
        if self._eager or isinstance(current_interpreter(), TracingInterpreter):
            return self._fn(*args, **kwargs)  # (inside another trace: inline)
        leaves: list = []
        tree = _flatten((args, kwargs), leaves)
        modules = find_modules(self._fn, leaves)
        dynamic = self._dynamic
        key = self._key(leaves, tree, modules, dynamic)
        entry = self._cache.get(key)
        if entry is None or not entry.valid():
            entry = self._compile_key(key, leaves, tree, modules, dynamic)
            if isinstance(entry, Exception):  # the tracer failed: eager code decides whose
                result = self._fn(*args, **kwargs)  # error it is (a user's raises again here)
                self._break(type(entry).__name__, (str(entry) or "?").splitlines()[0])
                return result
            if entry is None:
                return self._fn(*args, **kwargs)
        return entry.run([leaves[i] for i in entry.positions])

    def _key(self, leaves, tree, modules, dynamic: bool):
        dims = _dim_spec(leaves, dynamic)
        flags = tuple(m.training for m in modules)
        # a module, parameter or buffer swapped for another object must not reuse the trace
        owned = tuple(id(t) for m in modules for d in (m._parameters, m._buffers)
                      for t in d.values())
        counts = tuple(int(m.num_batches_tracked.array) for m in modules
                       if isinstance(m, _BatchNorm) and m.training and m.momentum is None
                       and m.num_batches_tracked is not None)  # 1/count is baked in the trace
        return (interpreters.is_grad_enabled(), flags, tuple(map(id, modules)), owned, counts, tree,
                tuple(_leaf_key(x, dims) for x in leaves))

    def _compile_key(self, key, leaves, tree, modules, dynamic: bool):
        if len(self._cache) >= config.recompile_limit:
            return self._break("Recompilation limit", f"torch._dynamo hit config.recompile_limit "
                               f"({config.recompile_limit}) for function "
                               f"'{self._name}'", limit=True)
        try:
            entry = self._trace(leaves, tree, modules, dynamic)
        except GraphBreak as brk:
            return self._break(brk.reason, brk.detail)
        except Exception as exc:
            if dynamic:  # a symbolic batch size the code cannot handle: exact shapes from now
                self._dynamic = False
                return self._compile_key(self._key(leaves, tree, modules, False), leaves, tree,
                                         modules, False)
            if self._fullgraph:
                raise
            return exc
        self._cache[key] = entry
        return entry

    def _break(self, reason: str, detail: str, limit: bool = False):
        if self._fullgraph and not limit:
            raise Unsupported(f"{reason}\n  Explanation: {detail}. fullgraph=True does not allow "
                              "graph breaks.")
        warnings.warn(f"torch._dynamo: graph break in '{self._name}' ({reason}: {detail}); "
                      "running it eagerly from now on", UserWarning, stacklevel=4)
        self._eager = True

    def _trace(self, leaves, tree, modules, dynamic: bool) -> _Entry:
        positions = [i for i, x in enumerate(leaves) if isinstance(x, _CoreTensor)]
        dims = _dim_spec(leaves, dynamic)
        specs = [(leaves[i].dtype, dims(leaves[i])) for i in positions]
        grad = interpreters.is_grad_enabled()
        out: dict = {}

        def body(*inputs):
            new = list(leaves)
            for i, t in zip(positions, inputs):
                new[i] = t
            args, kwargs = _unflatten(tree, iter(new))
            result = self._fn(*args, **kwargs)
            out_leaves: list = []
            out["tree"] = _flatten(result, out_leaves)
            out["template"] = [_OUT if isinstance(x, _CoreTensor) else x for x in out_leaves]
            return [x for x in out_leaves if isinstance(x, _CoreTensor)]

        snapshot = snapshot_buffers(modules)
        try:
            examples = [leaves[i].array for i in positions] if self._concrete else None
            traced = trace_call(body, specs, [grad and leaves[i].requires_grad
                                              for i in positions], self._name, examples)
        finally:
            counters = restore_buffers(snapshot)
        _name_params(traced, self._fn)
        for t, v in zip(traced.inputs, traced.graph.inputs):
            if t.value is not v:
                raise GraphBreak("Unsupported input mutation",
                                 "an argument was modified in place inside the compiled region")
        return _Entry(traced, positions, out["tree"], out["template"], counters, grad)


class OptimizedModule(Module):
    """Mirrors torch._dynamo.eval_frame.OptimizedModule: the compiled wrapper of a module.
    `_orig_mod` is the original module (a registered child, so parameters and state_dict are
    shared, keys prefixed `_orig_mod.` as in torch); other attributes are forwarded to it;
    `training` is the original's; calling it runs the compiled call of the original."""

    def __init__(self, mod: Module, fullgraph: bool = False, dynamic=None):
        super().__init__()
        self._orig_mod = mod
        object.__setattr__(self, "_compiled", CompiledFunction(mod.__call__, fullgraph, dynamic,
                                                              name=type(mod).__name__))

    @property
    def training(self) -> bool:
        mod = self.__dict__.get("_modules", {}).get("_orig_mod")
        return True if mod is None else mod.training

    @training.setter
    def training(self, value: bool) -> None:
        mod = self.__dict__.get("_modules", {}).get("_orig_mod")
        if mod is not None:
            mod.training = value

    def __call__(self, *args, **kwargs):
        return self.__dict__["_compiled"](*args, **kwargs)

    forward = __call__

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            mods = self.__dict__.get("_modules")
            if mods is None or "_orig_mod" not in mods:
                raise
            return getattr(mods["_orig_mod"], name)


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend="inductor",
            mode=None, options=None, disable: bool = False):
    """Mirrors torch.compile: a module gives an OptimizedModule, a function a compiled function
    (with no model: a decorator). Every backend name runs the traced graph on the NumPy graph
    executor; `mode` and `options` are validated and otherwise ignored; `dynamic=True` traces the
    first dim of every tensor argument as one symbolic size, `dynamic=None`/False trace exact
    shapes (one compilation per shape, up to config.recompile_limit).

    Example:
        >>> model = torch.compile(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)))
        >>> loss = model(torch.randn(16, 4)).square().mean()
        >>> loss.backward()          # runs the compiled backward plan
    """
    if model is None:
        return lambda m: compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable)
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    if mode is not None and mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(_MODES)}")
    if not callable(backend) and backend not in _BACKENDS:
        raise InvalidBackend(f"Invalid backend: {backend!r}, see `torch._dynamo.list_backends()` "
                             "for available backends.")
    if disable:
        return model
    if isinstance(model, Module):
        return OptimizedModule(model, fullgraph, dynamic)
    if not callable(model):
        raise RuntimeError("torch.compile() expects a callable or a Module")  # noqa: TRY004
    return CompiledFunction(model, fullgraph, dynamic)


def reset() -> None:
    """torch._dynamo.reset / torch.compiler.reset: forget every compiled graph."""
    for c in list(_all_compiled):
        c.reset()


def _namespace(name: str, **members) -> types.ModuleType:
    mod = types.ModuleType(f"{__package__}.{name}")
    mod.__dict__.update(members)
    sys.modules[mod.__name__] = mod
    return mod


compiler = _namespace("compiler", reset=reset)
_dynamo = _namespace("_dynamo", reset=reset, config=config,
                     exc=_namespace("_dynamo.exc", Unsupported=Unsupported,
                                    InvalidBackend=InvalidBackend),
                     list_backends=lambda exclude_tags=(): sorted(_BACKENDS))
