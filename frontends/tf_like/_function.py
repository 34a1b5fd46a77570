"""tf.function: trace once per input signature into the IR, run as a compiled plan.

A call's arguments are flattened (tf.nest order). Tensors and numpy arrays become graph inputs,
keyed by dtype and shape; Python values (and variables, by identity) are part of the cache key.
Each new key traces the Python function once with symbolic tensors (core_ir.trace), then the
graph is simplified and compiled (backends.numpy: optimize + CompiledFunction) and reused.
Shapes are exact per trace unless `reduce_retracing=True` (dims that differ between calls
become symbolic) or an `input_signature` gives None dims. Variables are captured by reference:
the plan reads them at each call and writes their assigns back. tf.random draws become extra
inputs drawn at each call (see random/_sampling.py).

Called while a GradientTape records and something requires grad, the traced graph is replayed
op by op through the eager interpreter instead, so the tape sees every op (same kernels, same
numbers).

With `autograph=True` (the default) the function's own `if`/`while`/`for` on tensors are
converted first (_autograph.py); control flow lowers as _control_flow.py describes. When a trace
meets what the IR cannot express (a data-dependent loop, an unconverted Python `if` on a
symbolic tensor: OperatorNotAllowedInGraphError), that signature runs the Python function
eagerly instead, after a one-line warning naming the function and the reason.
"""

from __future__ import annotations

import functools
import inspect
import warnings
import weakref

import numpy as np

import backends.numpy as _engine
from core_ir import interpreters
from core_ir.errors import IRError
from core_ir.interpreters import current_interpreter
from core_ir.tensor import Tensor as _CoreTensor

from . import _autograph_runtime, _gradient_tape, _nest
from ._control_flow import GraphFallback
from ._function_specs import (
    _as_array,
    _generalize,
    _Input,
    _is_tensor_leaf,
    _leaf_key,
    _replace_specs,
    _same_ranks,
)
from ._shape import TensorShape, TensorSpec, leaves_at_specs
from ._tensor import EagerTensor, is_tracing
from ._variable import forget_traced_values
from .errors import OperatorNotAllowedInGraphError, tf_error
from .random import _sampling


class ConcreteFunction:
    """Mirrors tf's ConcreteFunction: one traced, compiled signature. `graph` is the IR graph
    (printable), `structured_input_signature` the TensorSpecs it was traced for."""

    def __init__(self, graph, compiled, captured, specs, out_tree, out_leaves, feeds, symbols):
        self.graph = graph
        self._compiled = compiled
        self._captured = captured
        self.specs = specs
        self._out_tree, self._out_leaves = out_tree, out_leaves
        self._feeds = feeds
        self._symbols = symbols  # symbolic dim -> (input index, axis)

    @property
    def structured_input_signature(self):
        return tuple(TensorSpec(s.shape, s.dtype) for s in self.specs)

    def accepts(self, specs) -> bool:
        return len(specs) == len(self.specs) and all(
            a.dtype == b.dtype and TensorShape(b.shape).is_compatible_with(TensorShape(a.shape))
            for a, b in zip(specs, self.specs))

    def run(self, values: list):
        """Run on the tensor leaves of a call (tensors or arrays, in flattened order)."""
        arrays = [np.asarray(_as_array(x)) for x in values]
        sizes = {sym: arrays[i].shape[a] for sym, (i, a) in self._symbols.items()}
        feeds = self._feeds.draw(sizes)
        try:
            if _taping(values, self._captured):
                outputs = self._replay([*values, *feeds])
            else:
                outputs = [EagerTensor(a) for a in self._compiled(*arrays, *feeds)]
        except IRError as err:
            raise tf_error(err) from None
        flat = iter(outputs)
        leaves = [next(flat) if leaf is _OUTPUT else leaf for leaf in self._out_leaves]
        return _nest.unflatten(self._out_tree, leaves)

    def _replay(self, inputs):
        """Run the graph op by op under the eager interpreter, so an active tape records it."""
        graph = self._compiled.graph
        extended = _with_update_outputs(graph)
        params = self._captured
        tensors = [t if isinstance(t, _CoreTensor) else EagerTensor(t) for t in inputs]
        results = interpreters.evaluate_graph(extended, tensors, params)
        n = len(graph.outputs)
        for target, new in zip(self._compiled._update_targets, results[n:]):
            interpreters.assign(target, new)
        return [_eager(t) for t in results[:n]]

    def __call__(self, *args, **kwargs):
        leaves = _nest.flatten((args, kwargs))[0]
        return self.run([x for x in leaves if _is_tensor_leaf(x)])


class EagerFallbackFunction:
    """What tf.function keeps for a signature it could not trace: calling it runs the Python
    function eagerly (same results, no graph). `graph` is None; `reason` says why."""

    def __init__(self, python_function, specs, reason: str):
        self._python_function = python_function
        self.specs, self.reason, self.graph = specs, reason, None

    structured_input_signature = ConcreteFunction.structured_input_signature
    accepts = ConcreteFunction.accepts

    def __call__(self, *args, **kwargs):
        return self._python_function(*args, **kwargs)


_OUTPUT = object()  # marks where a graph output goes in the output structure


def _with_update_outputs(graph):
    g = graph.__class__(graph.name)
    g.__dict__.update(graph.__dict__)
    g.outputs = [*graph.outputs, *[new for _, new in graph.updates]]
    return g


def _eager(t):
    if not isinstance(t, EagerTensor):
        t.__class__ = EagerTensor  # a core tensor made by the replay (same slot layout)
    return t


def _taping(inputs, captured) -> bool:
    if not _gradient_tape._active or not interpreters.is_grad_enabled():
        return False
    return any(isinstance(t, _CoreTensor) and t.requires_grad for t in (*inputs, *captured))


class Function:
    """Mirrors tf.function's result (PolymorphicFunction): traces `python_function` once per
    input signature and runs the compiled plan. Differences: AutoGraph converts only this
    function's own body, and what cannot be traced runs eagerly with a warning instead of
    failing (see the module docstring); `jit_compile` is accepted and ignored (every trace is
    compiled into a plan); a variable passed as an argument keys the cache by identity."""

    def __init__(self, python_function, input_signature=None, reduce_retracing=False,
                 jit_compile=None, name=None, autograph=True):
        self._python_function = python_function
        self._autograph = bool(autograph)
        self._converted = None
        self._input_signature = None if input_signature is None else list(input_signature)
        self._reduce_retracing = bool(reduce_retracing)
        self._jit_compile = jit_compile
        self._cache: dict = {}          # exact key -> ConcreteFunction
        self._relaxed: list = []        # (key without specs, ConcreteFunction) of relaxed traces
        self._tracing_count = 0
        self._bound: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._name = name or getattr(python_function, "__name__", "function")
        functools.update_wrapper(self, python_function, updated=())

    @property
    def python_function(self):
        return self._python_function

    @property
    def input_signature(self):
        return None if self._input_signature is None else tuple(self._input_signature)

    def experimental_get_tracing_count(self) -> int:
        return self._tracing_count

    def _callee(self):
        """The function that is traced: the AutoGraph-converted one unless autograph=False."""
        if self._converted is None:
            self._converted = _autograph_runtime.converted(self._python_function) \
                if self._autograph else self._python_function
        return self._converted

    def __get__(self, instance, owner=None):
        """Decorating a method: one Function per instance (holding the instance weakly)."""
        if instance is None:
            return self
        try:
            return self._bound[instance]
        except (KeyError, TypeError):
            pass
        ref, fn = weakref.ref(instance), self._python_function

        @functools.wraps(fn)
        def bound(*args, **kwargs):
            return fn(ref(), *args, **kwargs)

        @functools.wraps(fn)
        def bound_converted(*args, **kwargs):
            return self._callee()(ref(), *args, **kwargs)

        method = Function(bound, self._input_signature, self._reduce_retracing,
                          self._jit_compile, self._name, self._autograph)
        method._converted = bound_converted
        try:
            self._bound[instance] = method
        except TypeError:
            pass
        return method

    def __call__(self, *args, **kwargs):
        if is_tracing():  # inside another trace: inline the Python function
            return self._callee()(*args, **kwargs)
        concrete, arrays = self._concrete_for(args, kwargs)
        if isinstance(concrete, EagerFallbackFunction):
            return concrete(*args, **kwargs)
        return concrete.run(arrays)

    def get_concrete_function(self, *args, **kwargs) -> ConcreteFunction:
        """The ConcreteFunction for these arguments (TensorSpecs allowed), tracing if needed;
        with an input_signature, no arguments are needed."""
        if self._input_signature is not None and not args and not kwargs:
            return self._signature_trace()
        return self._concrete_for(args, kwargs)[0]

    # -- signature handling --------------------------------------------------------------------
    def _canonical(self, args, kwargs):
        try:
            bound = inspect.signature(self._python_function).bind(*args, **kwargs)
            bound.apply_defaults()
            return tuple(bound.args), dict(bound.kwargs)
        except (TypeError, ValueError):
            return tuple(args), dict(kwargs)

    def _concrete_for(self, args, kwargs):
        if self._input_signature is not None:
            return self._signature_concrete(args, kwargs)
        leaves, tree = _nest.flatten(self._canonical(args, kwargs))
        template, specs, arrays = [], [], []
        for x in leaves:
            if isinstance(x, TensorSpec):
                specs.append(_Input(x.dtype, x.shape))
                template.append(specs[-1])
            elif _is_tensor_leaf(x):
                specs.append(_Input(x.dtype, x.shape))
                template.append(specs[-1])
                arrays.append(x)
            else:
                template.append(x)
        py_key = (tree, tuple(_leaf_key(x) if not isinstance(x, _Input) else "T"
                              for x in template))
        key = (py_key, tuple(s.key() for s in specs))
        hit = self._cache.get(key)
        if hit is None:
            hit = self._find_relaxed(py_key, specs)
        if hit is None:
            hit = self._new_trace(py_key, key, tree, template, specs)
        return hit, arrays

    def _find_relaxed(self, py_key, specs):
        for k, concrete in reversed(self._relaxed):
            if k == py_key and concrete.accepts(specs):
                return concrete
        return None

    def _new_trace(self, py_key, key, tree, template, specs):
        if self._reduce_retracing:
            for k, concrete in reversed([*self._relaxed, *[(kk[0], c) for kk, c in
                                                            self._cache.items()]]):
                if k == py_key and _same_ranks(concrete.specs, specs):
                    specs = _generalize(concrete.specs, specs)
                    template = _replace_specs(template, specs)
                    break
        concrete = self._trace(tree, template, specs)
        if any(None in s.shape for s in specs):
            self._relaxed.append((py_key, concrete))
        else:
            self._cache[key] = concrete
        return concrete

    def _signature_concrete(self, args, kwargs):
        """With input_signature: every call must match it; one trace serves all."""
        sig = self._input_signature
        flat_args = list(args) + list(kwargs.values())
        if len(flat_args) != len(sig):
            raise TypeError(f"Binding inputs to tf.function failed: the function takes "
                            f"{len(sig)} argument(s) by its input_signature, got "
                            f"{len(flat_args)}. Received args: {args} and kwargs: {kwargs}")
        spec_leaves = _nest.flatten(tuple(sig))[0]
        try:
            arg_leaves = leaves_at_specs(tuple(sig), tuple(flat_args))
        except (TypeError, KeyError, IndexError):
            raise TypeError(f"Binding inputs to tf.function failed: the structure of the "
                            f"arguments {flat_args} does not match input_signature {sig}") \
                from None
        arrays = []
        for x, spec in zip(arg_leaves, spec_leaves):
            a = x if _is_tensor_leaf(x) or isinstance(x, TensorSpec) else \
                np.asarray(x, dtype=spec.dtype)
            if not spec.is_compatible_with(a):
                raise TypeError(
                    f"Binding inputs to tf.function failed due to `Can not cast "
                    f"{TensorSpec(a.shape, a.dtype)!r} to {spec!r}`. Received args: {args} and "
                    f"kwargs: {kwargs} for signature: {tuple(sig)}.")
            arrays.append(a)
        return self._signature_trace(), arrays

    def _signature_trace(self) -> ConcreteFunction:
        if None not in self._cache:
            sig = tuple(self._input_signature)
            specs = [_Input(s.dtype, s.shape) for s in _nest.flatten(sig)[0]]
            self._cache[None] = self._trace(_nest.flatten((sig, {}))[1], specs, specs)
        return self._cache[None]

    # -- tracing -------------------------------------------------------------------------------
    def _trace(self, tree, template, specs) -> ConcreteFunction:
        symbols, input_specs = {}, []
        for i, s in enumerate(specs):
            dims = []
            for a, d in enumerate(s.shape):
                if d is None:
                    d = f"s{i}_{a}"
                    symbols[d] = (i, a)
                dims.append(d)
            input_specs.append((s.dtype, tuple(dims)))
        out = {}

        def traced(*inputs):
            it = iter(inputs)
            leaves = [next(it) if isinstance(x, _Input) else x for x in template]
            args, kwargs = _nest.unflatten(tree, leaves)
            with _sampling.feeding(current_interpreter()) as ctx:
                result = self._callee()(*args, **kwargs)
            out["feeds"] = ctx
            out_leaves, out["tree"] = _nest.flatten(result)
            out["leaves"] = [_OUTPUT if isinstance(x, _CoreTensor) else x for x in out_leaves]
            return [x for x in out_leaves if isinstance(x, _CoreTensor)]

        self._tracing_count += 1
        try:
            graph, captured, _ = interpreters.trace(
                traced, input_specs, [f"x{i}" for i in range(len(specs))], cls=EagerTensor,
                name=self._name)
        except IRError as err:
            raise tf_error(err) from None
        except OperatorNotAllowedInGraphError as err:
            if not (self._autograph or isinstance(err, GraphFallback)):
                raise
            return self._fallback(specs, err)
        finally:
            forget_traced_values()
        compiled = _engine.CompiledFunction(_engine.optimize(graph), captured)
        return ConcreteFunction(graph, compiled, captured, specs, out["tree"], out["leaves"],
                                out["feeds"], symbols)


    def _fallback(self, specs, err) -> EagerFallbackFunction:
        reason = " ".join(str(err).split())
        if not isinstance(err, GraphFallback):  # bool()/iter() on a symbolic tensor
            reason = f"{reason.split(':')[0]} (Python control flow that AutoGraph did not convert)"
        warnings.warn(f"tf.function '{self._name}' runs eagerly: {reason}", stacklevel=6)
        return EagerFallbackFunction(self._python_function, specs, reason)


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None,
             experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None,
             experimental_follow_type_hints=None):
    """tf.function: compile `func` into a traced, reusable graph (see Function). Usable as
    `tf.function(f)`, `@tf.function` or `@tf.function(input_signature=[...])`."""
    relax = bool(reduce_retracing or experimental_relax_shapes)

    def decorate(fn):
        return Function(fn, input_signature, relax, jit_compile or experimental_compile,
                        autograph=autograph)

    return decorate if func is None else decorate(func)


__all__ = ["ConcreteFunction", "Function", "function"]
