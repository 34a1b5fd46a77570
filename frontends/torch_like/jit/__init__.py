"""torch.jit.trace and torch.jit.trace_module over the IR.

Tracing runs the function (or module) on symbolic tensors into an IR graph, compiled for the
graph executor (the machinery of torch.compile, frontends.torch_like._compile). As in torch,
Python control flow is recorded as it went for the example inputs: a tensor value Python asks
for (bool(), .item(), .tolist()) is computed from the examples, baked in as a constant, and a
TracerWarning says so. `.graph` prints the IR graph of the example trace.

Differences from torch: there is no TorchScript (`.code`, `save`, `torch.jit.script` do not
exist); the first dimension of the inputs is traced as a symbolic size where the code allows it,
and a call with another input signature (rank, dtype, requires_grad) traces again instead of
reusing the example's trace; `check_trace` and `check_inputs` are accepted and ignored.
"""

from __future__ import annotations

from .._compile import CompiledFunction
from .._compile_graph import TracerWarning
from .._tensor import Tensor
from ..nn.modules.module import Module

__all__ = [
    "ScriptFunction",
    "ScriptModule",
    "TopLevelTracedModule",
    "TracerWarning",
    "trace",
    "trace_module",
]


def _as_tuple(example_inputs) -> tuple:
    if example_inputs is None:
        return ()
    return tuple(example_inputs) if isinstance(example_inputs, (tuple, list)) else \
        (example_inputs,)


class ScriptFunction:
    """Mirrors torch.jit.ScriptFunction as torch.jit.trace returns it for a function: call it
    like the function; `graph` is the traced IR graph; `name` the function's name."""

    def __init__(self, fn, example_inputs: tuple, example_kwargs: dict):
        self._compiled = CompiledFunction(fn, fullgraph=True, dynamic=True, concrete=True)
        self.name = getattr(fn, "__name__", "function")
        self.__name__ = self.name
        self._compiled(*example_inputs, **example_kwargs)
        self.graph = _last_graph(self._compiled)
        self.inlined_graph = self.graph

    def __call__(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<torch.jit.ScriptFunction object at {id(self):#x}>"


class ScriptModule(Module):
    """Mirrors torch.jit.ScriptModule (the base of traced modules)."""


class TopLevelTracedModule(ScriptModule):
    """Mirrors what torch.jit.trace returns for a module: the same parameters, buffers and
    submodules as the original (shared, same state_dict keys), the traced methods compiled;
    `graph` is the forward's traced IR graph; `training` is the original's."""

    def __init__(self, mod: Module, methods: dict):
        super().__init__()
        for store in ("_parameters", "_buffers", "_modules", "_non_persistent_buffers_set"):
            object.__setattr__(self, store, getattr(mod, store))
        object.__setattr__(self, "_orig", mod)
        object.__setattr__(self, "original_name", type(mod).__name__)
        compiled = {}
        for name, (args, kwargs) in methods.items():
            target = mod.__call__ if name == "forward" else getattr(mod, name)
            compiled[name] = CompiledFunction(target, fullgraph=True, dynamic=True,
                                              concrete=True, name=type(mod).__name__)
            compiled[name](*args, **kwargs)
        object.__setattr__(self, "_traced", compiled)
        graphs = {name: _last_graph(c) for name, c in compiled.items()}
        object.__setattr__(self, "_graphs", graphs)

    @property
    def training(self) -> bool:
        mod = self.__dict__.get("_orig")
        return True if mod is None else mod.training

    @training.setter
    def training(self, value: bool) -> None:
        mod = self.__dict__.get("_orig")
        if mod is not None:
            mod.training = value

    @property
    def graph(self):
        return self._graphs["forward"]

    inlined_graph = graph

    def __call__(self, *args, **kwargs):
        return self._traced["forward"](*args, **kwargs)

    forward = __call__

    def __getattr__(self, name: str):
        traced = self.__dict__.get("_traced", {})
        if name in traced:
            return traced[name]
        return super().__getattr__(name)

    def _get_name(self) -> str:
        return self.original_name

    def extra_repr(self) -> str:
        return f"original_name={self.original_name}"


def _last_graph(compiled: CompiledFunction):
    entries = list(compiled._cache.values())
    return entries[-1].graph


def trace(func, example_inputs=None, optimize=None, check_trace: bool = True,
          check_inputs=None, check_tolerance: float = 1e-5, strict: bool = True,
          _force_outplace: bool = False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs: bool = True):
    """Mirrors torch.jit.trace: trace `func` (a function or a Module) on `example_inputs` (a
    tensor or a tuple of them; or `example_kwarg_inputs`, a dict) into a graph, and return a
    ScriptFunction (or, for a module, a TopLevelTracedModule) that runs the compiled graph.

    Example:
        >>> traced = torch.jit.trace(model, torch.randn(1, 3))
        >>> print(traced.graph)
    """
    if example_inputs is None and example_kwarg_inputs is None:
        raise RuntimeError("example_kwarg_inputs or example_inputs must be provided")
    args = _as_tuple(example_inputs)
    kwargs = dict(example_kwarg_inputs or {})
    _check_examples(args, kwargs)
    if isinstance(func, Module):
        return TopLevelTracedModule(func, {"forward": (args, kwargs)})
    if not callable(func):
        msg = (f"Type '{type(func).__name__}' cannot be traced. Only Tensors and (possibly "
               "nested) Lists, Dicts, and Tuples of Tensors can be traced")
        raise RuntimeError(msg)  # noqa: TRY004
    return ScriptFunction(func, args, kwargs)


def trace_module(mod, inputs: dict, optimize=None, check_trace: bool = True, check_inputs=None,
                 check_tolerance: float = 1e-5, strict: bool = True, _force_outplace: bool = False,
                 _module_class=None, _compilation_unit=None, example_inputs_is_kwarg: bool = False,
                 _store_inputs: bool = True):
    """Mirrors torch.jit.trace_module: `inputs` maps method names to their example inputs."""
    if not isinstance(mod, Module):
        raise AttributeError("expected torch.nn.Module as the first argument")  # noqa: TRY004
    if not isinstance(inputs, dict):
        raise AttributeError("expected a dictionary of (method_name, input) pairs")  # noqa: TRY004
    methods = {}
    for name, example in inputs.items():
        if example_inputs_is_kwarg:
            methods[name] = ((), dict(example))
        else:
            methods[name] = (_as_tuple(example), {})
        _check_examples(*methods[name])
    return TopLevelTracedModule(mod, methods)


def _check_examples(args: tuple, kwargs: dict) -> None:
    for x in (*args, *kwargs.values()):
        if not isinstance(x, (Tensor, tuple, list, dict, int, float, bool)) and x is not None:
            raise RuntimeError(f"Type '{type(x).__name__}' cannot be traced. Only Tensors and "
                               "(possibly nested) Lists, Dicts, and Tuples of Tensors can be "
                               "traced")
