"""keras.ops core: conversion, casting, dtype promotion, shapes, stop_gradient, control flow.

Everything computes through IR ops (`call` = bind + TF error types), so it runs eagerly, traces
into a graph inside `fit`, and differentiates. Promotion follows Keras 3: two tensors promote to
a common dtype (an int and a float give the float; two floats the wider), while Python numbers
are weak: they take the tensor's dtype (a Python float with an int tensor gives floatx).
"""

from __future__ import annotations

import builtins
import weakref

import numpy as np

import core_ir
from core_ir import ops as ir

from ..._tensor import EagerTensor, call
from ..backend import _config
from ..backend._keras_tensor import KerasTensor
from ._operation import keras_op

Tensor = core_ir.Tensor


# -- conversion ---------------------------------------------------------------------------------
def _python_array(x, dtype=None) -> np.ndarray:
    """A Python number/list as Keras converts it: floats -> floatx, ints -> int32."""
    a = np.asarray(x)
    if dtype is not None:
        return a.astype(_config.standardize_dtype(dtype))
    if a.dtype.kind == "f":
        return a.astype(_config.floatx())
    if a.dtype.kind in "iu":
        return a.astype("int32")
    return a


def tensor(x, dtype=None) -> Tensor:
    """x as an engine tensor (a constant while tracing); tensors pass through (cast if asked)."""
    if isinstance(x, Tensor):
        if dtype is not None and x.dtype != np.dtype(_config.standardize_dtype(dtype)):
            return cast(x, dtype)
        return x
    if isinstance(x, KerasTensor):
        raise ValueError(f"A KerasTensor cannot be converted here: {x}")  # noqa: TRY004  (Keras's type)
    if isinstance(x, (np.ndarray, np.generic)):
        a = x if dtype is None else x.astype(_config.standardize_dtype(dtype))
    else:
        a = _python_array(x, dtype)
    return core_ir.constant(np.array(a), cls=EagerTensor)


@keras_op
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """keras.ops.convert_to_tensor."""
    return tensor(x, dtype)


def convert_to_numpy(x) -> np.ndarray:
    """keras.ops.convert_to_numpy."""
    if isinstance(x, Tensor):
        if x.array is None:
            raise ValueError("convert_to_numpy() needs an eager tensor; this one is symbolic")
        return np.array(x.array)
    return np.asarray(x)


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def dtype(x) -> str:
    """The Keras dtype name of x ('float32', ...)."""
    return _config.standardize_dtype(x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype)


@keras_op
def cast(x, dtype):
    """keras.ops.cast."""
    x = tensor(x)
    to = np.dtype(_config.standardize_dtype(dtype))
    return x if x.dtype == to else call(ir.cast, x, to=to)


# -- promotion ----------------------------------------------------------------------------------
def result_type(*dtypes) -> np.dtype:
    """The common dtype of tensor dtypes (an int with a float gives the float: JAX's lattice,
    which Keras 3 follows)."""
    dts = [np.dtype(d) for d in dtypes]
    floats = [d for d in dts if d.kind == "f"]
    if floats:
        return builtins.max(floats, key=lambda d: d.itemsize)
    nonbool = [d for d in dts if d.kind != "b"]
    if not nonbool:
        return np.dtype(bool)
    return np.result_type(*nonbool)


def _weak(x) -> bool:
    return isinstance(x, (bool, int, float)) and not isinstance(x, np.generic)


def promote(*xs) -> list:
    """Operands as tensors of one dtype (Keras's binary-op rule, Python numbers weak)."""
    strong = [x for x in xs if not _weak(x)]
    tensors = [tensor(x) for x in strong]
    if tensors:
        target = result_type(*(t.dtype for t in tensors))
        if target.kind in "iub" and builtins.any(isinstance(x, float) for x in xs if _weak(x)):
            target = np.dtype(_config.floatx())
    else:
        target = _python_array(xs[0]).dtype if len(xs) == 1 else result_type(
            *(_python_array(x).dtype for x in xs))
    it = iter(tensors)
    return [cast(next(it), target) if not _weak(x) else tensor(np.asarray(x, dtype=target))
            for x in xs]


def floating(x) -> Tensor:
    """x as a float tensor (ints and bools become floatx), for float-only math."""
    x = tensor(x)
    return x if x.dtype.kind == "f" else cast(x, _config.floatx())


# -- shapes -------------------------------------------------------------------------------------
def ints(values) -> Tensor:
    return ir.const_ints(list(values))


def static_shape(x) -> tuple:
    """The shape with unknown (symbolic) dims as None."""
    return tuple(d if isinstance(d, int) else None for d in tuple(Tensor.shape.fget(x)))


def shape(x) -> tuple:
    """keras.ops.shape: a tuple of ints; a dim only known at run time (while tracing with a
    symbolic batch) is a scalar int64 tensor, as the TF backend gives it."""
    if isinstance(x, KerasTensor):
        return x.shape
    x = tensor(x)
    dims = tuple(Tensor.shape.fget(x))
    return tuple(d if isinstance(d, int) else dim(x, i) for i, d in enumerate(dims))


def dim(x, axis: int) -> Tensor:
    """Dimension `axis` of x as a scalar int64 tensor (remembered as x's dim, see reshape)."""
    axis = axis % x.ndim
    one = call(ir.shape, x, start=axis, end=axis + 1)
    d = call(ir.reshape, one, ints([]))
    key = id(d)
    _dim_sources[key] = (weakref.ref(x), axis)
    weakref.finalize(d, _dim_sources.pop, key, None)
    return d


# id(dim tensor) -> (weak ref to the tensor it measures, axis): lets reshape express "keep
# dim i of x" as ONNX's 0 while tracing, where a computed shape would not be known statically
_dim_sources: dict = {}


def shape_tensor(x) -> Tensor:
    return ir.shape_tensor(x)


def reshape_target(x, dims) -> tuple[Tensor, int]:
    """(target shape tensor, allowzero) for reshaping x to dims: ints, None (= -1) and scalar
    tensors (a run-time dim of x at the same position becomes 0, 'copy this dim')."""
    dims = list(dims)
    out, symbolic = [], False
    for i, d in enumerate(dims):
        if isinstance(d, Tensor):
            if d.array is not None:
                d = int(d.array)
            else:
                src = _dim_sources.get(id(d))
                if src is None or src[0]() is not x or src[1] != i:
                    return as_shape_tensor(dims), 1
                d, symbolic = 0, True
        out.append(-1 if d is None else int(d))
    if symbolic and 0 in [d for d, orig in zip(out, dims) if not isinstance(orig, Tensor)]:
        raise ValueError(f"cannot reshape to {dims}: a literal 0 dim together with run-time dims")
    return ints(out), 0 if symbolic else 1


def as_shape_tensor(dims) -> Tensor:
    """A shape given as ints and scalar tensors (from ops.shape) as one int64 tensor."""
    dims = list(dims)
    if builtins.all(not isinstance(d, Tensor) for d in dims):
        return ints([-1 if d is None else int(d) for d in dims])
    parts = [call(ir.reshape, cast(d, "int64"), ints([1])) if isinstance(d, Tensor)
             else ints([int(d)]) for d in dims]
    return call(ir.concat, *parts, axis=0)


def normalize_axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < builtins.max(ndim, 1):
        raise ValueError(f"axis {axis} is out of bounds for a tensor of rank {ndim}")
    return axis % builtins.max(ndim, 1)


def axes_list(axis, ndim: int) -> list:
    if axis is None:
        return list(range(ndim))
    if isinstance(axis, (list, tuple)):
        return sorted(normalize_axis(a, ndim) for a in axis)
    return [normalize_axis(axis, ndim)]


# -- gradients and control flow -------------------------------------------------------------------
@keras_op
def stop_gradient(variable):
    """keras.ops.stop_gradient: the same values, with no gradient flowing back."""
    with core_ir.no_grad():
        return call(ir.identity, tensor(variable))


def cond(pred, true_fn, false_fn):
    """keras.ops.cond. A concrete predicate runs one branch; a symbolic one (while tracing)
    runs both and selects, so both branches must return the same structure."""
    p = pred
    if not isinstance(p, Tensor) or p.array is not None:
        return true_fn() if bool(np.asarray(p.array if isinstance(p, Tensor) else p)) \
            else false_fn()
    from ..backend import _tree
    t, f = true_fn(), false_fn()
    return _tree.pack_sequence_as(t, [call(ir.where, cast(p, "bool"), *promote(a, b))
                                      for a, b in zip(_tree.flatten(t), _tree.flatten(f))])


def fori_loop(lower, upper, body_fun, init_val):
    """keras.ops.fori_loop with Python bounds (unrolled while tracing)."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def while_loop(cond_fn, body, loop_vars, maximum_iterations=None):
    """keras.ops.while_loop with a condition that is concrete at each step."""
    single = not isinstance(loop_vars, (list, tuple))
    state = (loop_vars,) if single else tuple(loop_vars)
    n = 0
    while bool(np.asarray(_concrete(cond_fn(*state)))):
        if maximum_iterations is not None and n >= maximum_iterations:
            break
        out = body(*state)
        state = (out,) if single else tuple(out)
        n += 1
    return state[0] if single else type(loop_vars)(state)


def _concrete(x):
    if isinstance(x, Tensor):
        if x.array is None:
            raise ValueError("while_loop needs a condition that is known at each step; it is "
                             "symbolic here (inside a traced function)")
        return x.array
    return x


__all__ = [
    "cast",
    "cond",
    "convert_to_numpy",
    "convert_to_tensor",
    "dtype",
    "fori_loop",
    "is_tensor",
    "result_type",
    "shape",
    "stop_gradient",
    "while_loop",
]
