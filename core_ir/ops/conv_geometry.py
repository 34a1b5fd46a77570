"""Sliding-window geometry shared by the convolution and pooling ops, their VJP rules and their
numpy kernels: data layouts, explicit pads from ONNX's auto_pad, output sizes.

Pure Python on ints, so shape rules, gradient rules and kernels can never disagree. A spatial
size may be symbolic (a str or None); then the output size is None unless it cannot depend on it.

Conventions: `pads` here are ((begin, end), ...) per spatial axis; ONNX spells them flat as
[x1_begin, x2_begin, ..., x1_end, x2_end, ...] (see `flat_pads`). A negative pad crops: the
gradient rules use it to express ConvTranspose's output_padding as a Conv over fewer cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..errors import ShapeError, fmt_shape

CHANNELS_FIRST, CHANNELS_LAST = "NCHW", "NHWC"
# The names say 2-D, the meaning is any rank: channels first (ONNX, torch) or last (Keras).
DATA_FORMATS = (CHANNELS_FIRST, CHANNELS_LAST)
AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")

__all__: list[str] = []


class Window(NamedTuple):
    """Resolved window geometry along the spatial axes."""

    kernel: tuple
    strides: tuple
    dilations: tuple
    pads: tuple  # ((begin, end), ...); entries are None when they depend on a symbolic size
    out: tuple  # output sizes (int, or None when unknown)
    output_padding: tuple = ()  # ConvTranspose only

    @property
    def effective(self) -> tuple:
        return tuple(effective(k, d) for k, d in zip(self.kernel, self.dilations))

    def extents(self) -> tuple:
        """How many (padded) input cells the windows span along each axis."""
        return tuple((o - 1) * s + e for o, s, e in zip(self.out, self.strides, self.effective))


def effective(k: int, d: int) -> int:
    """The span of a dilated kernel: k taps d apart."""
    return (k - 1) * d + 1


def _known(*dims) -> bool:
    return all(isinstance(d, int) for d in dims)


# -- layouts --------------------------------------------------------------------------------------
def split_layout(shape: tuple, data_format: str) -> tuple:
    """(batch, channels, spatial dims) of a data shape in either layout."""
    if data_format == CHANNELS_LAST:
        return shape[0], shape[-1], tuple(shape[1:-1])
    return shape[0], shape[1], tuple(shape[2:])


def join_layout(n, c, spatial: Sequence, data_format: str) -> tuple:
    if data_format == CHANNELS_LAST:
        return (n, *spatial, c)
    return (n, c, *spatial)


def to_channels_first(rank: int, data_format: str) -> tuple | None:
    """The permutation that views data of this layout as channels-first (None: it already is)."""
    if data_format == CHANNELS_FIRST:
        return None
    return (0, rank - 1, *range(1, rank - 1))


def from_channels_first(rank: int, data_format: str) -> tuple | None:
    if data_format == CHANNELS_FIRST:
        return None
    return (0, *range(2, rank), 1)


def spatial_axes(rank: int, data_format: str) -> tuple:
    return tuple(range(1, rank - 1)) if data_format == CHANNELS_LAST else tuple(range(2, rank))


# -- attributes -----------------------------------------------------------------------------------
def per_axis(values, n: int, default: int, name: str) -> tuple:
    """An ONNX per-spatial-axis attribute (strides, dilations), defaulted and length-checked."""
    if values is None or len(values) == 0:
        return (default,) * n
    if len(values) != n:
        raise ShapeError(f"{name} {list(values)} needs {n} values, one per spatial axis")
    if any(v < 1 for v in values):
        raise ShapeError(f"{name} {list(values)} must be positive")
    return tuple(values)


def pad_pairs(pads, n: int) -> tuple:
    """ONNX flat pads [b1, b2, ..., e1, e2, ...] as ((b1, e1), (b2, e2), ...)."""
    if pads is None or len(pads) == 0:
        return ((0, 0),) * n
    if len(pads) != 2 * n:
        raise ShapeError(f"pads {list(pads)} needs {2 * n} values, a begin and an end per "
                         f"spatial axis")
    return tuple((pads[i], pads[i + n]) for i in range(n))


def flat_pads(pairs: Sequence) -> tuple:
    """((b1, e1), (b2, e2)) as ONNX's [b1, b2, e1, e2]."""
    return tuple(p[0] for p in pairs) + tuple(p[1] for p in pairs)


def check_kernel_attr(kernel_shape, kernel: tuple, what: str) -> None:
    if kernel_shape is not None and len(kernel_shape) and tuple(kernel_shape) != tuple(kernel):
        raise ShapeError(f"kernel_shape {list(kernel_shape)} does not match the kernel's spatial "
                         f"dims {fmt_shape(kernel)} ({what})")


# -- forward windows: Conv and the pools ----------------------------------------------------------
def _same_pads(n, k: int, s: int, d: int, auto_pad: str):
    """TF/Keras 'same': out = ceil(n / s); SAME_UPPER puts the odd cell at the end."""
    if s == 1:  # the total is k_eff - 1 whatever n is (so a symbolic n is fine)
        total = effective(k, d) - 1
    elif not _known(n):
        return None
    else:
        total = max((-(-n // s) - 1) * s + effective(k, d) - n, 0)
    small = total // 2
    return (small, total - small) if auto_pad == "SAME_UPPER" else (total - small, small)


def resolve_pads(spatial: tuple, kernel: tuple, strides: tuple, dilations: tuple, pads,
                 auto_pad: str) -> tuple:
    n = len(spatial)
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        return tuple(_same_pads(x, k, s, d, auto_pad)
                     for x, k, s, d in zip(spatial, kernel, strides, dilations))
    if auto_pad == "VALID":
        return ((0, 0),) * n
    return pad_pairs(pads, n)


def _out_size(n, pad, k: int, s: int, d: int, ceil_mode: int):
    if not _known(n) or pad is None:
        same = pad is not None and s == 1 and pad[0] + pad[1] == effective(k, d) - 1
        return n if same else None  # a 'same' window keeps even a symbolic size
    span = n + pad[0] + pad[1] - effective(k, d)
    if not ceil_mode:
        return span // s + 1
    out = -(-span // s) + 1
    # torch and ONNX: a last window that would start in the end padding is dropped
    return out - 1 if (out - 1) * s >= n + pad[0] else out


def sliding_window(spatial: tuple, kernel: tuple, strides, dilations, pads, auto_pad: str,
                   ceil_mode: int = 0, where: str = "") -> Window:
    """The windows of Conv, MaxPool and AveragePool over `spatial`. Raises ShapeError when a
    window does not fit into the padded input (`where` names the shapes for the message)."""
    n = len(spatial)
    strides = per_axis(strides, n, 1, "strides")
    dilations = per_axis(dilations, n, 1, "dilations")
    pairs = resolve_pads(spatial, kernel, strides, dilations, pads, auto_pad)
    out = tuple(_out_size(x, p, k, s, d, ceil_mode)
                for x, p, k, s, d in zip(spatial, pairs, kernel, strides, dilations))
    for x, p, k, d, o in zip(spatial, pairs, kernel, dilations, out):
        if isinstance(o, int) and o < 1:
            raise ShapeError(f"the window of {effective(k, d)} cells (kernel {k}, dilation {d}) "
                             f"is larger than the padded input of {x + p[0] + p[1]} cells "
                             f"({x} + pads {p[0]}, {p[1]}){where}")
    return Window(tuple(kernel), strides, dilations, pairs, out)


def require_static(win: Window, what: str) -> Window:
    """Gradient rules need the pads as numbers (they become attributes of the gradient ops)."""
    if any(p is None for p in win.pads):
        raise ShapeError(f"{what} needs static spatial dims when auto_pad is SAME_UPPER or "
                         f"SAME_LOWER")
    return win


# -- ConvTranspose --------------------------------------------------------------------------------
def _transpose_full(n: int, k: int, s: int, d: int, op: int) -> int:
    """ConvTranspose's output size before pads: every input cell spreads over a window."""
    return s * (n - 1) + op + effective(k, d)


def _split_total(total: int, auto_pad: str) -> tuple:
    """ONNX ConvTranspose: SAME_UPPER puts the smaller half at the beginning, everything else at
    the end. A negative total (output_shape larger than the full result) extends at the end."""
    if total < 0:
        return 0, total
    small = total // 2
    return (small, total - small) if auto_pad == "SAME_UPPER" else (total - small, small)


def transpose_window(spatial: tuple, kernel: tuple, strides, dilations, pads, auto_pad: str,
                     output_padding, output_shape, where: str = "") -> Window:
    """ConvTranspose geometry: explicit pads, or pads derived from output_shape or auto_pad
    (ONNX's formulas). Raises ShapeError for an output that would be empty."""
    n = len(spatial)
    strides = per_axis(strides, n, 1, "strides")
    dilations = per_axis(dilations, n, 1, "dilations")
    op = (0,) * n if not output_padding else tuple(output_padding)
    if len(op) != n or any(p < 0 for p in op):
        raise ShapeError(f"output_padding {list(op)} needs {n} non-negative values")
    target = None
    if output_shape:  # some exporters include the batch and channel dims
        target = tuple(output_shape)[-n:]
    elif auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        target = tuple(x * s if _known(x) else None for x, s in zip(spatial, strides))
    if target is None:
        pairs = ((0, 0),) * n if auto_pad == "VALID" else pad_pairs(pads, n)
    else:
        pairs = tuple(_split_total(_transpose_full(x, k, s, d, p) - t, auto_pad)
                      if _known(x, t) else None
                      for x, k, s, d, p, t in zip(spatial, kernel, strides, dilations, op, target))
    out = tuple(_transpose_full(x, k, s, d, p) - pr[0] - pr[1] if _known(x) and pr else None
                for x, k, s, d, p, pr in zip(spatial, kernel, strides, dilations, op, pairs))
    if any(o is not None and o < 1 for o in out):
        raise ShapeError(f"ConvTranspose output size {list(out)} is not positive{where}")
    return Window(tuple(kernel), strides, dilations, pairs, out, op)


def input_padding(spatial: tuple, win: Window) -> tuple:
    """The output_padding that makes a ConvTranspose with `win`'s geometry reproduce an input of
    size `spatial` (the cells a strided Conv's last window left over)."""
    extra = []
    for x, (b, e), eff, s in zip(spatial, win.pads, win.effective, win.strides):
        if s == 1:
            extra.append(0)
        elif not _known(x):
            raise ShapeError("the gradient of a strided convolution needs static spatial dims")
        else:
            extra.append((x + b + e - eff) % s)
    return tuple(extra)
