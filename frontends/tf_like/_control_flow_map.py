"""tf.map_fn: apply fn to each slice of elems along axis 0 and stack the results.

Lowering, eagerly: the slices come from one Split (tf.unstack), fn runs once per slice and the
results are stacked (Unsqueeze + Concat); gradients flow through the ordinary VJP rules.
While tracing, fn is first traced on one element (Gather of index 0); when that trace is
provably batchable (only elementwise ops, every other operand of at most the element's rank,
no variable assigned) and fn traces to the same program on the whole batch, fn is called once
on the batch (vectorized: the same numbers and gradients). Otherwise a static first axis of n
is unrolled (fn traced n times, then stacked), and a first axis of unknown size raises
GraphFallback (tf.function then runs eagerly, with a warning).
"""

from __future__ import annotations

import contextlib

import numpy as np

from core_ir import interpreters, ops
from core_ir.interpreters import current_interpreter
from core_ir.tensor import Tensor as _CoreTensor

from . import _nest
from . import dtypes as _dtypes
from ._control_flow import GraphFallback
from ._creation_ops import zeros
from ._shape import TensorShape, TensorSpec
from ._shape_ops import stack, unstack
from ._tensor import call, constant, convert_to_tensor, is_tracing
from .errors import InvalidArgumentError

# Ops that act on each element independently (numpy broadcasting): calling fn on a batch gives
# the stacked per-element results when every non-element operand has at most the element rank.
_ELEMENTWISE = frozenset(
    ["Abs", "Acos", "Acosh", "Add", "And", "Asin", "Asinh", "Atan", "Atanh", "Cast", "Ceil", "Cos", "Cosh", "Div", "Elu", "Equal", "Erf", "Exp", "Expm1", "Floor", "Gelu", "Greater", "GreaterOrEqual", "HardSigmoid", "Identity", "IsInf", "IsNaN", "LeakyRelu", "Less", "LessOrEqual", "Log", "Log1p", "Max", "Min", "Mod", "Mul", "Neg", "Not", "Or", "Pow", "Reciprocal", "Relu", "Round", "Selu", "Sigmoid", "Sign", "Sin", "Sinh", "Softplus", "Softsign", "Sqrt", "Square", "Sub", "Tan", "Tanh", "Where", "Xor"])


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """Mirrors tf.map_fn: `stack([fn(x) for x in unstack(elems)])`, leafwise for nested elems
    (fn gets one slice of each, in elems' structure) and nested outputs.

    The output structure and dtypes are `fn_output_signature` (or the deprecated `dtype`), or
    elems' own when neither is given (as TF; a mismatch is an error asking for
    fn_output_signature). `parallel_iterations`, `swap_memory` and `infer_shape` have no
    effect; `back_prop=False` stops gradients.

    Example: `tf.map_fn(lambda r: tf.reduce_sum(r), tf.ones((3, 4)))` -> [4., 4., 4.].
    """
    signature = fn_output_signature if fn_output_signature is not None else dtype
    leaves, tree = _nest.flatten(elems)
    if not leaves:
        raise ValueError(f"elems must be a Tensor or (possibly nested) sequence of Tensors. "
                         f"Got {elems}")
    xs = [convert_to_tensor(x) for x in leaves]
    n = _first_dim(xs)
    expected = elems if signature is None else signature
    with contextlib.nullcontext() if back_prop else interpreters.no_grad():
        if n == 0:
            return _empty(fn, xs, tree, expected)
        if is_tracing():
            batched = _batched(fn, xs, tree, expected)
            if not isinstance(batched, str):
                return batched
            if n is None:
                raise GraphFallback(f"tf.map_fn over a first axis of unknown size ({batched})")
        columns = [unstack(x, num=n) for x in xs]
        results = [fn(_nest.unflatten(tree, [c[i] for c in columns])) for i in range(n)]
    flat = [_checked(r, expected) for r in results]
    out_tree = _nest.flatten(results[0])[1]
    return _nest.unflatten(out_tree, [stack(list(col)) for col in zip(*flat)])


def _first_dim(xs) -> int | None:
    for x in xs:
        if x.ndim == 0:
            raise ValueError("Elements in elems must be 1+ dimensional Tensors, not scalars")
    dims = {x.shape[0] for x in xs}
    if len(dims) > 1:
        known = [d for d in dims if d is not None]
        if len(known) > 1:
            raise InvalidArgumentError(None, None, f"All elements in elems must have the same "
                                       f"first dimension, got {[tuple(x.shape) for x in xs]}")
        return None
    return dims.pop()


def _expected_leaves(expected) -> list:
    """(dtype, TensorShape or None) per output leaf of the signature (or of elems)."""
    out = []
    for leaf in _nest.flatten(expected)[0]:
        if isinstance(leaf, TensorSpec):
            out.append((leaf.dtype, leaf.shape))
        elif isinstance(leaf, _CoreTensor) or hasattr(leaf, "dtype") and hasattr(leaf, "shape"):
            out.append((np.dtype(leaf.dtype), None))
        else:
            out.append((_dtypes.as_dtype(leaf), None))
    return out


def _checked(result, expected) -> list:
    leaves, tree = _nest.flatten(result)
    want_tree = _nest.flatten(expected)[1]
    if tree != want_tree:
        raise ValueError(f"The two structures don't have the same nested structure. First "
                         f"structure: {expected!r}; second structure: {result!r} (the output "
                         f"of fn does not match fn_output_signature, or elems when it is not "
                         f"given)")
    out = []
    for value, (dt, shape) in zip(leaves, _expected_leaves(expected)):
        value = convert_to_tensor(value, dtype=dt) if not isinstance(value, _CoreTensor) \
            else value
        if value.dtype != dt:
            raise InvalidArgumentError(None, None, f"TensorArray dtype is {dt.name} but Op is "
                                       f"trying to write dtype {value.dtype.name} (map_fn: set "
                                       f"fn_output_signature to fn's output dtype)")
        if shape is not None and not shape.is_compatible_with(TensorShape(value.shape)):
            raise ValueError(f"Incompatible shape for value ({TensorShape(value.shape)}), "
                             f"expected ({shape})")
        out.append(value)
    return out


def _empty(fn, xs, tree, expected):
    """No elements: fn runs on a zero element only to learn the output shapes (TF infers them
    by tracing fn)."""
    with interpreters.no_grad():
        probe = fn(_nest.unflatten(tree, [zeros(x.shape[1:], x.dtype) for x in xs]))
    leaves = _checked(probe, expected)
    out_tree = _nest.flatten(probe)[1]
    return _nest.unflatten(out_tree, [zeros((0, *v.shape), v.dtype) for v in leaves])


def _batched(fn, xs, tree, expected):
    """While tracing: fn called once on the whole batch, when that provably equals mapping it
    (fn traced on one element applies only elementwise ops, assigns nothing, and traces to the
    same program on the batch); else the reason (str) it cannot be."""
    if len({x.ndim for x in xs}) > 1:
        return "elems of different ranks"
    tracer = current_interpreter()
    graph = tracer.graph
    start, n_updates = len(graph.nodes), len(graph.updates)
    first = constant(np.asarray(0, dtype=np.int64))
    probe = fn(_nest.unflatten(tree, [call(ops.gather, x, first, axis=0) for x in xs]))
    batch_values = {tracer.value_of(x) for x in xs}
    probe_nodes = graph.nodes[start:]
    reason = _not_elementwise(probe_nodes, batch_values, _nest.flatten(probe)[0])
    if reason is None and len(graph.updates) != n_updates:
        reason = "fn assigns variables"
    if reason is not None:
        return reason
    _checked(probe, expected)
    middle = len(graph.nodes)
    result = fn(_nest.unflatten(tree, xs))
    gathers = [n for n in probe_nodes if n.op.name == "Gather" and n.inputs[0] in batch_values]
    env = {n.outputs[0]: n.inputs[0] for n in gathers}
    element_program = [n for n in probe_nodes if n not in gathers]
    if not _same_program(graph, element_program, graph.nodes[middle:], env) or not all(
            isinstance(b, _CoreTensor) and env.get(a.value) is b.value for a, b in
            zip(_nest.flatten(probe)[0], _nest.flatten(result)[0])):
        return "fn traces to a different program on the whole batch"
    return result


def _same_program(graph, element_nodes, batch_nodes, env) -> bool:
    """The batch trace applies the same ops, attributes and operands as the element trace,
    the element replaced by the batch (env maps element-side values to batch-side ones)."""
    if len(element_nodes) != len(batch_nodes):
        return False
    for a, b in zip(element_nodes, batch_nodes):
        if a.op is not b.op or len(a.inputs) != len(b.inputs) or \
                repr(sorted(a.attrs.items())) != repr(sorted(b.attrs.items())):
            return False
        if not all(_same_operand(graph, va, vb, env) for va, vb in zip(a.inputs, b.inputs)):
            return False
        env.update(zip(a.outputs, b.outputs))
    return True


def _same_operand(graph, va, vb, env) -> bool:
    if va in env:
        return env[va] is vb
    if va is vb:
        return True
    ka, kb = graph.constants.get(va), graph.constants.get(vb)
    return ka is not None and kb is not None and ka.dtype == kb.dtype and \
        ka.shape == kb.shape and bool(np.array_equal(ka, kb))


def _not_elementwise(nodes, batch_values, outputs) -> str | None:
    """Why calling fn on the batch would differ from mapping it (None if it would not)."""
    derived, rank = set(), None
    for node in nodes:
        ins = [v for v in node.inputs if v is not None]
        if node.op.name == "Gather" and node.inputs[0] in batch_values:
            derived.update(node.outputs)
            rank = node.outputs[0].ndim if rank is None else rank
            continue
        if not any(v in derived for v in ins):
            continue
        if node.op.name not in _ELEMENTWISE:
            return f"fn applies {node.op.name}, which is not elementwise"
        if any(v.ndim > rank for v in ins) or any(v.ndim != rank for v in node.outputs):
            return "fn broadcasts an element against a higher-rank tensor"
        derived.update(node.outputs)
    for t in outputs:
        if not isinstance(t, _CoreTensor) or t.value not in derived:
            return "an output of fn does not depend on the element"
    return None


__all__ = ["map_fn"]
