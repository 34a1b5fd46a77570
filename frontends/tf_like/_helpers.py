"""Argument conversions shared by the tf namespaces (tf.*, tf.math, tf.nn, tf.linalg): axes,
shapes and dtype checks in TF's spelling, turned into the IR's int64 tensor inputs."""

from __future__ import annotations

import numpy as np

from core_ir import ops
from core_ir.tensor import Tensor as _CoreTensor

from . import dtypes as _dtypes
from ._tensor import call, convert_to_tensor
from .errors import InvalidArgumentError


def tensor(x, dtype=None):
    return convert_to_tensor(x, dtype=dtype)


def tensors(*xs):
    """Convert several operands the way TF's binary ops do: Python values take the dtype of the
    first tensor among them."""
    like = next((x for x in xs if isinstance(x, _CoreTensor)), None)
    if like is None:
        like = convert_to_tensor(xs[0])
    return [x if isinstance(x, _CoreTensor) else convert_to_tensor(
        np.asarray(x).astype(like.dtype) if _lossless(x, like.dtype) else x) for x in xs]


def _lossless(x, dtype) -> bool:
    a = np.asarray(x)
    return a.dtype.kind in "iufb" and not (dtype.kind in "iub" and a.dtype.kind == "f" and
                                           np.any(a != np.round(a)))


def same_dtype(op_name: str, *xs) -> None:
    first = xs[0].dtype
    for i, x in enumerate(xs[1:], 1):
        if x.dtype != first:
            raise InvalidArgumentError(
                None, None, f"cannot compute {op_name} as input #{i}(zero-based) was expected to "
                f"be a {_dtypes.tf_name(first)} tensor but is a {_dtypes.tf_name(x.dtype)} "
                f"tensor [Op:{op_name}]")


def known_dims(t) -> list | None:
    """What tracing knows of an integer tensor's content: ints, and symbolic dims (str) for
    entries that came from a symbolic shape; None when nothing is known."""
    known = t.known
    if known is None:
        return None
    if isinstance(known, tuple):
        return list(known)
    return [int(v) for v in np.asarray(known).reshape(-1)]


def keep_known(out, source_known):
    """Cast, Gather or Concat of an int32 shape vector lose what tracing knows of it (the IR
    tracks int64 shape vectors only); put it back, so Reshape and friends can read it."""
    if out.array is None and source_known is not None:
        out.value.known = tuple(source_known)
    return out


def known_arith(out, a, b, symbol: str):
    """Integer arithmetic on (parts of) shape vectors while tracing: keep the result known, a
    symbolic dim combined with a number becoming a new symbol ('(s0_0*2)'), so that
    tf.reshape(x, [tf.shape(x)[0] * 2]) still has a target the IR can read."""
    if out.array is not None or out.dtype.kind not in "iu" or out.ndim > 1:
        return out
    ka, kb = known_dims(a), known_dims(b)
    if ka is None or kb is None or (len(ka) != len(kb) and 1 not in (len(ka), len(kb))):
        return out
    n = max(len(ka), len(kb))
    ka, kb = ka * n if len(ka) == 1 else ka, kb * n if len(kb) == 1 else kb
    return keep_known(out, [_combine(x, y, symbol) for x, y in zip(ka, kb)])


def _combine(x, y, symbol: str):
    if isinstance(x, int) and isinstance(y, int):
        return {"+": x + y, "-": x - y, "*": x * y, "//": x // y if y else 0}[symbol]
    if (symbol in "+-" and y == 0) or (symbol in ("*", "//") and y == 1):
        return x
    if symbol in "+*" and x == (0 if symbol == "+" else 1):
        return y
    return f"({x}{symbol}{y})"


def static_ints(value, what: str = "value") -> list[int] | None:
    """A Python int/list/TensorShape or a concrete integer tensor as a list of ints; None when
    the value is (or holds) a symbolic tensor whose content tracing does not know."""
    if isinstance(value, _CoreTensor):
        if value.dtype.kind not in "iu":
            raise TypeError(f"{what} must be integers, got dtype {value.dtype.name}")
        dims = known_dims(value)
        return None if dims is None or any(not isinstance(d, int) for d in dims) else dims
    if isinstance(value, (list, tuple)) and any(isinstance(v, _CoreTensor) for v in value):
        parts = [static_ints(v, what) for v in value]
        return None if any(p is None for p in parts) else [d for p in parts for d in p]
    arr = np.asarray(value if value is not None else [], dtype=object).reshape(-1)
    if any(v is None for v in arr):
        raise ValueError(f"{what} must be fully defined, got {value!r}")
    return [int(v) for v in arr]


def int64_input(value, what: str = "value"):
    """An int64 tensor input (a shape, axes, repeats): constant when known, else a cast."""
    ints = static_ints(value, what)
    if ints is not None:
        return ops.const_ints(ints)
    value = convert_to_tensor(value)  # a list holding tensors is packed
    if value.dtype == np.int64:
        return value
    return keep_known(call(ops.cast, value, to=np.int64), known_dims(value))


def shape_input(shape):
    """A target shape (list, TensorShape or integer tensor) as an int64 tensor input."""
    if isinstance(shape, _CoreTensor) and shape.ndim == 0:
        shape = call(ops.reshape, shape, ops.const_ints([1]))
    return int64_input(shape, "shape")


def axis_list(axis, rank: int | None = None) -> list[int] | None:
    """TF's axis argument (None, an int, a list or a tensor) as a list of ints (None = all)."""
    if axis is None:
        return None
    ints = static_ints(axis, "axis")
    if ints is None:
        raise TypeError(f"axis must be known while tracing, got the symbolic {axis!r}")
    if rank is not None:
        for a in ints:
            if not -max(rank, 1) <= a < max(rank, 1):
                raise InvalidArgumentError(
                    None, None, f"Invalid reduction dimension ({a} for input with {rank} "
                    f"dimension(s)")
    return ints


def normalize_axis(axis: int, rank: int, what: str = "axis") -> int:
    if not -rank <= axis < rank:
        raise InvalidArgumentError(None, None, f"{what} {axis} is out of range for a tensor of "
                                   f"rank {rank}; expected to be in range [{-rank}, {rank})")
    return axis % rank


def scalar_like(value, like):
    """A scalar of like's dtype (a Python number, or a tensor checked to agree)."""
    if isinstance(value, _CoreTensor):
        return value
    return ops.const_like(np.asarray(value).astype(like.dtype), like)


def float_dtype_of(x):
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
