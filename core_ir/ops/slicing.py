"""Slicing and layout ops: Flatten, Concat, Split, Slice, Tile, Pad (ONNX semantics; starts, ends,
axes, steps, split sizes, repeats and pads are int64 tensor inputs, read statically while tracing).

Gradient kernels ONNX lacks are private ops: SliceGrad (g placed into zeros of the input's shape;
its VJP is Slice) and PadGrad for the reflect/edge/wrap modes (padded entries summed back onto the
entries they copy; its VJP is Pad). Constant padding is undone by a Pad with negated pads.
"""

from __future__ import annotations

from .. import dtypes
from ..errors import ShapeError, describe_shapes, fmt_shape
from ..interpreters import TypeSpec
from ..op import PRIVATE_DOMAIN, Attr, defop
from ..shape_rules import known_ints, normalize_axis, require_known, same_dtypes

TO_THE_END = 2**31 - 1  # exporters slice "to the end" with INT_MAX or INT64_MAX


def _product(dims):
    """The product of dims, kept symbolic for one symbol times ones; None when unknowable."""
    n, syms = 1, []
    for d in dims:
        if isinstance(d, int):
            n *= d
        else:
            syms.append(d)
    if n == 0 or not syms:
        return n
    return syms[0] if n == 1 and len(syms) == 1 else None


def _int_vector(entries: list):
    """An int64 vector from ints and (tensor, axis) sizes: a constant when all are static, else a
    Concat of Shape slices (whose known content keeps the symbols for downstream shape rules)."""
    dims = [e if isinstance(e, int) else e[0].shape[e[1]] for e in entries]
    if all(isinstance(d, int) for d in dims):
        return const_ints(dims)
    return concat(*[const_ints([d]) if isinstance(d, int) else shape(e[0], start=e[1], end=e[1] + 1)
                    for d, e in zip(dims, entries)], axis=0)


# -- Flatten --------------------------------------------------------------------------------------


def flatten_axis(axis: int, rank: int, shape=None) -> int:
    """ONNX Flatten accepts axis in [-r, r] (r itself means 'all dims in the first factor')."""
    a = axis + rank if axis < 0 else axis
    if not 0 <= a <= rank:
        raise ShapeError(f"axis {axis} is out of range [-{rank}, {rank}] for shape "
                         f"{fmt_shape(shape)}")
    return a


def _flatten_infer(x, axis=1):
    a = flatten_axis(axis, x.ndim, x.shape)
    return TypeSpec(x.dtype, (_product(x.shape[:a]), _product(x.shape[a:])))


flatten = defop("Flatten", infer=_flatten_infer, attrs={"axis": Attr("int", 1)},
                vjp=lambda g, o, x, axis=1: (reshape(g, shape_tensor(x)),))

# -- Concat / Split -------------------------------------------------------------------------------


def _merge(a, b):
    """One dim seen in two inputs: a static size beats a symbol, a symbol beats unknown."""
    for d in (a, b):
        if isinstance(d, int):
            return d
    return a if a is not None else b


def _concat_infer(*xs, axis):
    if not xs:
        raise ShapeError("needs at least one input")
    same_dtypes(*xs)
    a = normalize_axis(axis, xs[0].ndim, xs[0].shape)
    out = list(xs[0].shape)
    for x in xs[1:]:
        if x.ndim != len(out) or any(i != a and isinstance(p, int) and isinstance(q, int)
                                     and p != q for i, (p, q) in enumerate(zip(out, x.shape))):
            raise ShapeError(f"cannot concatenate shapes {describe_shapes(xs)} along axis {axis}: "
                             f"they must match except on that axis")
        out = [_merge(p, q) for p, q in zip(out, x.shape)]
    along = [x.shape[a] for x in xs]
    out[a] = sum(along) if all(isinstance(d, int) for d in along) else None
    return TypeSpec(xs[0].dtype, tuple(out), known=_concat_known(xs))


def _concat_known(xs):
    """Concatenated shape vectors stay known (the targets of Reshape and Expand)."""
    if any(x.ndim != 1 or x.dtype != dtypes.int64 for x in xs):
        return None
    parts = [known_ints(x) for x in xs]
    return None if any(p is None for p in parts) else sum(parts, ())


def _concat_vjp(g, out, *xs, axis):
    a = normalize_axis(axis, g.ndim)
    return split(g, _int_vector([(x, a) for x in xs]), axis=axis)


concat = defop("Concat", infer=_concat_infer, attrs={"axis": Attr("int")}, vjp=_concat_vjp)


def split_sizes(dim, sizes: tuple | None, num_outputs: int | None, where: str) -> list:
    """The output sizes of Split: the given ones, or num_outputs chunks of ceil(dim / n) with a
    smaller last one (ONNX opset 18). `where` names the axis and shape for errors."""
    if (sizes is None) == (num_outputs is None):
        raise ShapeError("needs exactly one of the split input and the num_outputs attribute")
    if sizes is not None:
        if isinstance(dim, int) and all(isinstance(s, int) for s in sizes) and sum(sizes) != dim:
            raise ShapeError(f"split sizes {list(sizes)} must sum to {dim}, the size of {where}")
        return list(sizes)
    if num_outputs < 1:
        raise ShapeError(f"num_outputs must be positive, got {num_outputs}")
    if not isinstance(dim, int):
        return [None] * num_outputs
    chunk = -(-dim // num_outputs)
    last = dim - chunk * (num_outputs - 1)
    if last < 0:
        raise ShapeError(f"cannot split {where} into {num_outputs} chunks of {chunk}")
    return [chunk] * (num_outputs - 1) + [last]


def _split_input(split_) -> tuple:
    """The given sizes; unknown ones (a computed split) are None, their count must be static."""
    k = known_ints(split_)
    if k is None and not isinstance(split_.shape[0], int):
        raise ShapeError(f"the split sizes must have a static length, got shape "
                         f"{fmt_shape(split_.shape)}")
    return k if k is not None else (None,) * split_.shape[0]


def _split_infer(x, split_=None, axis=0, num_outputs=None):
    a = normalize_axis(axis, x.ndim, x.shape)
    sizes = None if split_ is None else _split_input(split_)
    where = f"axis {a} of shape {fmt_shape(x.shape)}"
    return [TypeSpec(x.dtype, x.shape[:a] + (n,) + x.shape[a + 1:])
            for n in split_sizes(x.shape[a], sizes, num_outputs, where)]


def _split_vjp(g, out, x, split_=None, axis=0, num_outputs=None):
    gs = g if isinstance(g, tuple) else (g,)
    outs = out if isinstance(out, tuple) else (out,)
    parts = [zeros_like(o) if gi is None else gi for gi, o in zip(gs, outs)]
    return concat(*parts, axis=axis), None


split = defop("Split", infer=_split_infer, vjp=_split_vjp, num_outputs=-1,
              attrs={"axis": Attr("int", 0), "num_outputs": Attr("int", None, optional=True)})

# -- Slice ----------------------------------------------------------------------------------------


def slice_bounds(dim: int, start: int, end: int, step: int) -> tuple[int, int]:
    """ONNX's clamping of one axis: negatives count from the end, then start is clamped to
    [0, dim] ([0, dim - 1] stepping backwards) and end to [0, dim] ([-1, dim - 1] backwards).
    NOTE: not Python's rule, which makes a backward slice starting below -dim empty."""
    start, end = start + dim if start < 0 else start, end + dim if end < 0 else end
    if step > 0:
        return min(max(start, 0), dim), min(max(end, 0), dim)
    return min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)


def slice_length(start: int, end: int, step: int) -> int:
    return max(-((start - end) // step), 0)  # ceil((end - start) / step)


def _sliced_dim(dim, start: int, end: int, step: int):
    if isinstance(dim, int):
        return slice_length(*slice_bounds(dim, start, end, step), step)
    forward_all = step == 1 and (start == 0 or start <= -TO_THE_END) and end >= TO_THE_END
    backward_all = step == -1 and (start == -1 or start >= TO_THE_END) and end <= -TO_THE_END
    return dim if forward_all or backward_all else None


def slice_params(x, starts, ends, axes=None, steps=None) -> list[tuple[int, int, int, int]]:
    """(axis, start, end, step) per sliced axis, validated against x's shape."""
    s, e = require_known(starts, "Slice starts"), require_known(ends, "Slice ends")
    ax = tuple(range(len(s))) if axes is None else require_known(axes, "Slice axes")
    st = (1,) * len(s) if steps is None else require_known(steps, "Slice steps")
    if not len(s) == len(e) == len(ax) == len(st):
        raise ShapeError(f"starts, ends, axes and steps must have one length, got {len(s)}, "
                         f"{len(e)}, {len(ax)} and {len(st)}")
    if 0 in st:
        raise ShapeError(f"steps cannot be 0, got {list(st)}")
    ax = [normalize_axis(a, x.ndim, x.shape) for a in ax]
    if len(set(ax)) != len(ax):
        raise ShapeError(f"axes {list(ax)} repeat an axis")
    return list(zip(ax, s, e, st))


def touched_axes(x, axes, count) -> list[int]:
    """The axes a Slice or Pad changes: the given ones, else the first `count`; all of them when
    that is not known while tracing."""
    ax = known_ints(axes) if axes is not None else (
        tuple(range(count)) if isinstance(count, int) else None)
    return list(range(x.ndim)) if ax is None else [normalize_axis(a, x.ndim, x.shape) for a in ax]


def _slice_infer(x, starts, ends, axes=None, steps=None):
    out = list(x.shape)
    if any(t is not None and known_ints(t) is None for t in (starts, ends, axes, steps)):
        for a in touched_axes(x, axes, starts.shape[0]):  # computed bounds: sizes known at run time
            out[a] = None
        return TypeSpec(x.dtype, tuple(out))
    for a, s, e, st in slice_params(x, starts, ends, axes, steps):
        out[a] = _sliced_dim(x.shape[a], s, e, st)
    return TypeSpec(x.dtype, tuple(out), known=_slice_known(x, starts, ends, axes, steps))


def _slice_known(x, starts, ends, axes, steps):
    """Slicing a known shape vector keeps it known."""
    k = known_ints(x) if x.ndim == 1 and x.dtype == dtypes.int64 else None
    if k is None:
        return None
    params = slice_params(x, starts, ends, axes, steps)
    if not params:
        return k
    ((_, s, e, st),) = params
    s, e = slice_bounds(len(k), s, e, st)
    return k[s:(e if e >= 0 else None):st]


def _slice_grad_infer(g, shape, starts, ends, axes=None, steps=None):
    return TypeSpec(g.dtype, require_known(shape, "SliceGrad's target shape"))


slice_ = defop("Slice", infer=_slice_infer,
               vjp=(lambda g, o, x, *p: slice_grad(g, shape_tensor(x), *p),
                    None, None, None, None))
slice_grad = defop("SliceGrad", domain=PRIVATE_DOMAIN, infer=_slice_grad_infer,
                   vjp=(lambda gg, o, g, s, *p: slice_(gg, *p), None, None, None, None, None))

# -- Tile -----------------------------------------------------------------------------------------


def _tile_infer(x, repeats):
    r = known_ints(repeats)
    if r is None:  # computed repeats: the rank is kept, the sizes are known at run time
        return TypeSpec(x.dtype, (None,) * x.ndim)
    if len(r) != x.ndim:
        raise ShapeError(f"needs one repeat per axis of shape {fmt_shape(x.shape)}, got "
                         f"{list(r)}")
    return TypeSpec(x.dtype, tuple(_product((d, n)) for d, n in zip(x.shape, r)))


def _tile_vjp(g, out, x, repeats):
    """Tiling axis i is a reshape to (repeats[i], x.shape[i]) then a sum over the repeats."""
    r = require_known(repeats, "Tile repeats")
    inter = _int_vector([e for i, n in enumerate(r) for e in (n, (x, i))])
    axes = const_ints(list(range(0, 2 * x.ndim, 2)))
    return reduce_sum(reshape(g, inter), axes, keepdims=0), None


tile = defop("Tile", infer=_tile_infer, vjp=_tile_vjp)

# -- Pad ------------------------------------------------------------------------------------------
PAD_MODES = ("constant", "reflect", "edge", "wrap")


def pad_widths(x, pads, axes=None) -> dict[int, tuple[int, int]]:
    """{axis: (before, after)} from ONNX's [b_0, .., b_k, a_0, .., a_k] over `axes` (or all)."""
    p = require_known(pads, "Pad pads")
    ax = tuple(range(x.ndim)) if axes is None else require_known(axes, "Pad axes")
    if len(p) != 2 * len(ax):
        raise ShapeError(f"pads {list(p)} must hold a (before, after) pair for each of the "
                         f"{len(ax)} padded axes of shape {fmt_shape(x.shape)}")
    ax = [normalize_axis(a, x.ndim, x.shape) for a in ax]
    return {a: (p[i], p[len(ax) + i]) for i, a in enumerate(ax)}


def _pad_infer(x, pads, constant_value=None, axes=None, mode="constant"):
    if constant_value is not None:
        same_dtypes(x, constant_value)
    out = list(x.shape)
    if known_ints(pads) is None or (axes is not None and known_ints(axes) is None):
        for a in touched_axes(x, axes, x.ndim):  # computed pads: sizes known at run time
            out[a] = None
        return TypeSpec(x.dtype, tuple(out))
    for a, (b, e) in pad_widths(x, pads, axes).items():
        d = x.shape[a]
        out[a] = d + b + e if isinstance(d, int) else (d if b == e == 0 else None)
        if isinstance(d, int) and (out[a] < 0 or (mode != "constant" and d == 0 and b + e > 0)):
            raise ShapeError(f"cannot pad axis {a} of shape {fmt_shape(x.shape)} by ({b}, {e}) "
                             f"in mode {mode}")
    return TypeSpec(x.dtype, tuple(out))


def _pad_vjp(g, out, x, pads, constant_value=None, axes=None, mode="constant"):
    if mode != "constant":
        return pad_grad(g, shape_tensor(x), pads, axes, mode=mode), None, None, None
    # Constant padding moves x by the pads: negated pads crop g back to x (and zero-fill where
    # the forward cropped); the padding value received the rest of g.
    dx = pad(g, const_ints([-p for p in require_known(pads, "Pad pads")]), None, axes)
    dc = None
    if constant_value is not None and constant_value.requires_grad:
        rest = reduce_sum(g, None, keepdims=0) - reduce_sum(dx, None, keepdims=0)
        dc = reshape(rest, shape_tensor(constant_value))
    return dx, None, dc, None


pad = defop("Pad", infer=_pad_infer, vjp=_pad_vjp,
            attrs={"mode": Attr("str", "constant", PAD_MODES)})


def _pad_grad_infer(g, shape, pads, axes=None, mode="reflect"):
    return TypeSpec(g.dtype, require_known(shape, "PadGrad's target shape"))


pad_grad = defop("PadGrad", domain=PRIVATE_DOMAIN, infer=_pad_grad_infer,
                 attrs={"mode": Attr("str", "reflect", PAD_MODES[1:])},
                 vjp=(lambda gg, o, g, s, pads, axes=None, mode="reflect":
                      pad(gg, pads, None, axes, mode=mode), None, None, None))

__all__ = ["flatten", "concat", "split", "slice_", "slice_grad", "tile", "pad", "pad_grad",
           "flatten_axis", "split_sizes", "slice_bounds", "slice_length", "pad_widths",
           "touched_axes"]

from .helpers import const_ints, shape_tensor, zeros_like  # noqa: E402
from .reduction import reduce_sum  # noqa: E402
from .shape import reshape, shape  # noqa: E402
