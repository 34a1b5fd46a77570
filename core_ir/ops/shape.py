"""Shape ops: they move or copy elements without arithmetic (ONNX semantics; shapes, axes and
pads are int64 tensor inputs as in current ONNX, read statically through `known` while tracing).
"""

from __future__ import annotations

from .. import dtypes
from ..errors import ShapeError, fmt_shape
from ..interpreters import TypeSpec
from ..op import Attr, defop
from ..shape_rules import broadcast_shapes, known_ints, normalize_axis, numel, require_known

# -- Shape ----------------------------------------------------------------------------------------


def _shape_infer(x, start=0, end=None):
    dims = tuple(x.shape[start:end])
    return TypeSpec(dtypes.int64, (len(dims),), known=dims)


shape = defop("Shape", infer=_shape_infer, vjp=None,
              attrs={"start": Attr("int", 0), "end": Attr("int", None, optional=True)})

size = defop("Size", infer=lambda x: TypeSpec(dtypes.int64, ()), vjp=None)

# -- Reshape --------------------------------------------------------------------------------------


def _split_dims(dims):
    """(product of the int dims, sorted list of the symbolic ones) of a shape."""
    ints, syms = 1, []
    for d in dims:
        if isinstance(d, int):
            ints *= d
        else:
            syms.append(d)
    return ints, syms


def infer_minus_one(in_shape: tuple, others: list):
    """The size that -1 stands for in a reshape of in_shape, symbolically where possible."""
    n_in, s_in = _split_dims(in_shape)
    n_out, s_out = _split_dims(others)
    if None in s_in or None in s_out:
        return None
    rest = list(s_in)
    for s in s_out:
        if s not in rest:
            return None
        rest.remove(s)
    if n_out == 0 or n_in % n_out:
        if not s_in and not s_out:
            raise ShapeError(f"cannot reshape {fmt_shape(in_shape)} into {fmt_shape(others)}")
        return None
    q = n_in // n_out
    if not rest:
        return q
    return rest[0] if len(rest) == 1 and q == 1 else None


def _reshape_infer(x, target, allowzero=0):
    dims = require_known(target, "Reshape's target shape")
    out = [x.shape[i] if d == 0 and not allowzero and i < x.ndim else d for i, d in enumerate(dims)]
    if out.count(-1) > 1:
        raise ShapeError(f"target shape {fmt_shape(dims)} has more than one -1")
    if -1 in out:
        i = out.index(-1)
        out[i] = infer_minus_one(x.shape, out[:i] + out[i + 1:])
    n_in, n_out = numel(x.shape), numel(out)
    if n_in is not None and n_out is not None and n_in != n_out:
        raise ShapeError(f"cannot reshape {fmt_shape(x.shape)} ({n_in} elements) into "
                         f"{fmt_shape(tuple(dims))} ({n_out} elements)")
    return TypeSpec(x.dtype, tuple(out))


reshape = defop("Reshape", infer=_reshape_infer, attrs={"allowzero": Attr("int", 0, (0, 1))},
                vjp=(lambda g, o, x, s, allowzero: reshape(g, shape_tensor(x)), None))

# -- Expand -------------------------------------------------------------------------------------


def _expand_infer(x, target):
    dims = known_ints(target)
    if dims is None:
        rank = max(target.shape[0], x.ndim) if isinstance(target.shape[0], int) else None
        if rank is None:
            raise ShapeError("Expand's target shape must have a known length")
        return TypeSpec(x.dtype, (None,) * rank)
    return TypeSpec(x.dtype, broadcast_shapes(x.shape, dims))


# NOTE: the VJP hands g back unchanged: the autodiff driver sums it down to x's shape.
expand = defop("Expand", infer=_expand_infer, vjp=(lambda g, o, x, s: g, None))

# -- Transpose ----------------------------------------------------------------------------------


def _perm(x, perm):
    return tuple(range(x.ndim))[::-1] if perm is None else perm


def _transpose_infer(x, perm=None):
    perm = _perm(x, perm)
    if sorted(perm) != list(range(x.ndim)):
        raise ShapeError(f"perm {list(perm)} is not a permutation of the axes of "
                         f"shape {fmt_shape(x.shape)}")
    return TypeSpec(x.dtype, tuple(x.shape[p] for p in perm))


def inverse_perm(perm) -> tuple:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


transpose = defop("Transpose", infer=_transpose_infer,
                  attrs={"perm": Attr("ints", None, optional=True)},
                  vjp=lambda g, o, x, perm: (transpose(g, perm=inverse_perm(_perm(x, perm))),))

# -- Unsqueeze / Squeeze --------------------------------------------------------------------------


def unsqueezed_shape(shape: tuple, axes) -> tuple:
    rank = len(shape) + len(axes)
    axes = sorted(normalize_axis(a, rank) for a in axes)
    if len(set(axes)) != len(axes):
        raise ShapeError(f"Unsqueeze axes {list(axes)} repeat an axis")
    out, it = [], iter(shape)
    for i in range(rank):
        out.append(1 if i in axes else next(it))
    return tuple(out)


def _unsqueeze_infer(x, axes):
    return TypeSpec(x.dtype, unsqueezed_shape(x.shape, require_known(axes, "Unsqueeze axes")),
                    known=_known_passthrough(x))


def _known_passthrough(x):
    k = x.known
    return k if isinstance(k, tuple) else None


unsqueeze = defop("Unsqueeze", infer=_unsqueeze_infer,
                  vjp=(lambda g, o, x, axes: reshape(g, shape_tensor(x)), None))


def _squeeze_infer(x, axes=None):
    if axes is None:
        if any(not isinstance(d, int) for d in x.shape):
            raise ShapeError(f"Squeeze without axes needs a static shape, got {fmt_shape(x.shape)}")
        return TypeSpec(x.dtype, tuple(d for d in x.shape if d != 1))
    ax = {normalize_axis(a, x.ndim, x.shape) for a in require_known(axes, "Squeeze axes")}
    for a in ax:
        if isinstance(x.shape[a], int) and x.shape[a] != 1:
            raise ShapeError(f"cannot squeeze axis {a} of shape {fmt_shape(x.shape)}: its size "
                             f"is {x.shape[a]}, not 1")
    return TypeSpec(x.dtype, tuple(d for i, d in enumerate(x.shape) if i not in ax))


squeeze = defop("Squeeze", infer=_squeeze_infer,
                vjp=(lambda g, o, x, axes=None: reshape(g, shape_tensor(x)), None))

__all__ = ["shape", "size", "reshape", "expand", "transpose", "unsqueeze", "squeeze", "inverse_perm",
           "infer_minus_one", "unsqueezed_shape"]

from .helpers import shape_tensor  # noqa: E402
