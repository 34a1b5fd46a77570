"""Convolution: Conv and ConvTranspose (ONNX semantics, 1-D/2-D/3-D, groups, dilations, explicit
asymmetric pads or auto_pad, ConvTranspose output_padding/output_shape), plus the private
ConvWeightGrad.

Extra attributes carry the Keras conventions: `data_format` "NCHW" (channels first, ONNX and
torch, the default) or "NHWC" (channels last, Keras), for any number of spatial dims;
`kernel_format` "OIHW" (ONNX/torch: out, in/group, *kernel) or "HWIO" (Keras: *kernel,
in/group, out) for Conv, and "IOHW" (ONNX/torch: in, out/group, *kernel) or "HWOI" (Keras
Conv2DTranspose: *kernel, out/group, in) for ConvTranspose. The names spell the layout literally,
so one array serves both ops: a Conv weight in OIHW is a ConvTranspose weight in IOHW.

Gradients, as ops so that second derivatives work:
  Conv            dX = ConvTranspose(g, W)   dW = ConvWeightGrad(X, g)
  ConvTranspose   dX = Conv(g, W)            dW = ConvWeightGrad(g, X)
  ConvWeightGrad  dX = ConvTranspose(g, h)   dG = Conv(X, h)
"""

from __future__ import annotations

from .. import dtypes
from ..errors import ShapeError, fmt_shape
from ..interpreters import TypeSpec
from ..op import PRIVATE_DOMAIN, Attr, defop
from ..shape_rules import check_dtype, dtype_checked, same_dtypes
from .conv_geometry import (AUTO_PADS, CHANNELS_LAST, DATA_FORMATS, Window, check_kernel_attr,
                            flat_pads, input_padding, join_layout, require_static, sliding_window,
                            split_layout, transpose_window)

CONV_KERNEL_FORMATS = ("OIHW", "HWIO")
TRANSPOSE_KERNEL_FORMATS = ("IOHW", "HWOI")
# the same array read by the other op (see the module docstring)
AS_TRANSPOSE_FORMAT = {"OIHW": "IOHW", "HWIO": "HWOI"}
AS_CONV_FORMAT = {v: k for k, v in AS_TRANSPOSE_FORMAT.items()}

_WINDOW_ATTRS = {
    "auto_pad": Attr("str", "NOTSET", AUTO_PADS),
    "dilations": Attr("ints", None, optional=True),
    "group": Attr("int", 1),
    "kernel_shape": Attr("ints", None, optional=True),
    "pads": Attr("ints", None, optional=True),
    "strides": Attr("ints", None, optional=True),
    "data_format": Attr("str", "NCHW", DATA_FORMATS),
}
CONV_ATTRS = {**_WINDOW_ATTRS, "kernel_format": Attr("str", "OIHW", CONV_KERNEL_FORMATS)}
CONV_TRANSPOSE_ATTRS = {**_WINDOW_ATTRS,
                        "kernel_format": Attr("str", "IOHW", TRANSPOSE_KERNEL_FORMATS),
                        "output_padding": Attr("ints", None, optional=True),
                        "output_shape": Attr("ints", None, optional=True)}
WEIGHT_GRAD_ATTRS = {"kernel_shape": Attr("ints"), "strides": Attr("ints", None, optional=True),
                     "dilations": Attr("ints", None, optional=True),
                     "pads": Attr("ints", None, optional=True), "group": Attr("int", 1),
                     "data_format": Attr("str", "NCHW", DATA_FORMATS),
                     "kernel_format": Attr("str", "OIHW", CONV_KERNEL_FORMATS)}


def kernel_dims(shape: tuple, kernel_format: str) -> tuple:
    """(output channels, input channels, spatial dims) of a weight, whatever its layout. For a
    Conv one of the channel counts is per group (in), for a ConvTranspose the other (out)."""
    if kernel_format == "OIHW":
        return shape[0], shape[1], tuple(shape[2:])
    if kernel_format == "IOHW":
        return shape[1], shape[0], tuple(shape[2:])
    if kernel_format == "HWIO":
        return shape[-1], shape[-2], tuple(shape[:-2])
    return shape[-2], shape[-1], tuple(shape[:-2])  # HWOI


def weight_shape(out_ch, in_ch, kernel: tuple, kernel_format: str) -> tuple:
    return {"OIHW": (out_ch, in_ch, *kernel), "IOHW": (in_ch, out_ch, *kernel),
            "HWIO": (*kernel, in_ch, out_ch), "HWOI": (*kernel, out_ch, in_ch)}[kernel_format]


def _eq(a, b) -> bool:
    """Equal, or not comparable (a symbolic dim)."""
    return a == b or not isinstance(a, int) or not isinstance(b, int)


def _check_inputs(x, w, b, name: str) -> None:
    check_dtype(x, dtypes.FLOATS)
    same_dtypes(*[t for t in (x, w, b) if t is not None])
    _check_ranks(x, w, name)


def _check_ranks(x, w, name: str) -> None:
    if x.ndim < 3 or w.ndim != x.ndim:
        raise ShapeError(f"{name} needs an input of rank >= 3 (batch, channels, spatial dims) and "
                         f"a kernel of the same rank, got input shape {fmt_shape(x.shape)} and "
                         f"kernel shape {fmt_shape(w.shape)}")


def _check_group(group: int, channels, what: str) -> None:
    if group < 1 or (isinstance(channels, int) and channels % group):
        raise ShapeError(f"group {group} does not divide the {what} {channels}")


def _check_bias(b, out_ch, x, w) -> None:
    if b is not None and (b.ndim != 1 or not _eq(b.shape[0], out_ch)):
        raise ShapeError(f"the bias of shape {fmt_shape(b.shape)} does not match the {out_ch} "
                         f"output channels (input shape {fmt_shape(x.shape)}, kernel shape "
                         f"{fmt_shape(w.shape)})")


def _where(x, w) -> str:
    return f" (input shape {fmt_shape(x.shape)}, kernel shape {fmt_shape(w.shape)})"


# -- Conv ------------------------------------------------------------------------------------------
def conv_window(x, w, auto_pad="NOTSET", dilations=None, kernel_shape=None, pads=None,
                strides=None, data_format="NCHW", kernel_format="OIHW", **unused) -> Window:
    _check_ranks(x, w, "Conv")
    kernel = kernel_dims(w.shape, kernel_format)[2]
    check_kernel_attr(kernel_shape, kernel, f"kernel shape {fmt_shape(w.shape)}")
    spatial = split_layout(x.shape, data_format)[2]
    return sliding_window(spatial, kernel, strides, dilations, pads, auto_pad, where=_where(x, w))


def _conv_infer(x, w, b=None, **attrs):
    _check_inputs(x, w, b, "Conv")
    n, c, _ = split_layout(x.shape, attrs["data_format"])
    o, cg, _ = kernel_dims(w.shape, attrs["kernel_format"])
    group = attrs["group"]
    if not _eq(c, cg * group if isinstance(cg, int) else None):
        raise ShapeError(f"input channels {c} (shape {fmt_shape(x.shape)}) do not match the "
                         f"kernel's {cg} x group {group} (kernel shape {fmt_shape(w.shape)})")
    _check_group(group, o, f"kernel's output channels (kernel shape {fmt_shape(w.shape)})")
    _check_bias(b, o, x, w)
    win = conv_window(x, w, **attrs)
    return TypeSpec(x.dtype, join_layout(n, o, win.out, attrs["data_format"]))


def _sum_but_channels(g, data_format: str):
    return reduce_sum(g, const_ints([a for a in range(g.ndim)
                                     if a not in _channel_axis(g.ndim, data_format)]), keepdims=0)


def _channel_axis(rank: int, data_format: str) -> tuple:
    return (rank - 1,) if data_format == CHANNELS_LAST else (1,)


def _geometry_attrs(win: Window, attrs: dict) -> dict:
    return {"strides": win.strides, "dilations": win.dilations, "pads": flat_pads(win.pads),
            "group": attrs["group"], "data_format": attrs["data_format"]}


def conv_input_grad(g, w, x_shape: tuple, win: Window, attrs: dict):
    """dX of a Conv with geometry `win`: the transposed convolution of g, sized back to X."""
    spatial = split_layout(x_shape, attrs["data_format"])[2]
    return conv_transpose(g, w, **_geometry_attrs(win, attrs),
                          output_padding=input_padding(spatial, win),
                          kernel_format=AS_TRANSPOSE_FORMAT[attrs["kernel_format"]])


def _conv_dx(g, out, x, w, b=None, **attrs):
    win = require_static(conv_window(x, w, **attrs), "the gradient of Conv")
    return conv_input_grad(g, w, x.shape, win, attrs)


def _conv_dw(g, out, x, w, b=None, **attrs):
    win = require_static(conv_window(x, w, **attrs), "the gradient of Conv")
    return conv_weight_grad(x, g, kernel_shape=win.kernel, **_geometry_attrs(win, attrs),
                            kernel_format=attrs["kernel_format"])


def _conv_db(g, out, x, w, b=None, **attrs):
    return _sum_but_channels(g, attrs["data_format"])


conv = defop("Conv", infer=dtype_checked(_conv_infer, dtypes.FLOATS, homogeneous=True),
             attrs=CONV_ATTRS, vjp=(_conv_dx, _conv_dw, _conv_db),
             doc="Y = sum over taps and input channels of W * X windows (+ B)")


# -- ConvTranspose ---------------------------------------------------------------------------------
def conv_transpose_window(x, w, auto_pad="NOTSET", dilations=None, kernel_shape=None, pads=None,
                          strides=None, data_format="NCHW", kernel_format="IOHW",
                          output_padding=None, output_shape=None, **unused) -> Window:
    _check_ranks(x, w, "ConvTranspose")
    kernel = kernel_dims(w.shape, kernel_format)[2]
    check_kernel_attr(kernel_shape, kernel, f"kernel shape {fmt_shape(w.shape)}")
    spatial = split_layout(x.shape, data_format)[2]
    return transpose_window(spatial, kernel, strides, dilations, pads, auto_pad, output_padding,
                            output_shape, where=_where(x, w))


def _conv_transpose_infer(x, w, b=None, **attrs):
    _check_inputs(x, w, b, "ConvTranspose")
    n, c, _ = split_layout(x.shape, attrs["data_format"])
    og, ci, _ = kernel_dims(w.shape, attrs["kernel_format"])
    group = attrs["group"]
    if not _eq(c, ci):
        raise ShapeError(f"input channels {c} (shape {fmt_shape(x.shape)}) do not match the "
                         f"kernel's {ci} (kernel shape {fmt_shape(w.shape)})")
    _check_group(group, c, f"input channels (shape {fmt_shape(x.shape)})")
    o = og * group if isinstance(og, int) else None
    _check_bias(b, o, x, w)
    win = conv_transpose_window(x, w, **attrs)
    return TypeSpec(x.dtype, join_layout(n, o, win.out, attrs["data_format"]))


def _as_conv_attrs(win: Window, attrs: dict) -> dict:
    """The Conv geometry that undoes a ConvTranspose: output_padding becomes a negative end pad
    (those output cells reach no input cell)."""
    pads = tuple((b, e - p) for (b, e), p in zip(win.pads, win.output_padding))
    return {**_geometry_attrs(win._replace(pads=pads), attrs),
            "kernel_format": AS_CONV_FORMAT[attrs["kernel_format"]]}


def _conv_transpose_dx(g, out, x, w, b=None, **attrs):
    win = require_static(conv_transpose_window(x, w, **attrs), "the gradient of ConvTranspose")
    return conv(g, w, **_as_conv_attrs(win, attrs))


def _conv_transpose_dw(g, out, x, w, b=None, **attrs):
    win = require_static(conv_transpose_window(x, w, **attrs), "the gradient of ConvTranspose")
    return conv_weight_grad(g, x, kernel_shape=win.kernel, **_as_conv_attrs(win, attrs))


def _conv_transpose_db(g, out, x, w, b=None, **attrs):
    return _sum_but_channels(g, attrs["data_format"])


conv_transpose = defop("ConvTranspose",
                       infer=dtype_checked(_conv_transpose_infer, dtypes.FLOATS, homogeneous=True),
                       attrs=CONV_TRANSPOSE_ATTRS,
                       vjp=(_conv_transpose_dx, _conv_transpose_dw, _conv_transpose_db),
                       doc="the adjoint of Conv in X: every input cell spreads W over a window")


# -- ConvWeightGrad (private) ---------------------------------------------------------------------
def weight_grad_window(x, g, kernel_shape, strides=None, dilations=None, pads=None,
                       data_format="NCHW", **unused) -> Window:
    spatial = split_layout(x.shape, data_format)[2]
    where = f" (input shape {fmt_shape(x.shape)}, output gradient shape {fmt_shape(g.shape)})"
    return sliding_window(spatial, tuple(kernel_shape), strides, dilations, pads, "NOTSET",
                          where=where)


def _weight_grad_infer(x, g, **attrs):
    check_dtype(x, dtypes.FLOATS)
    same_dtypes(x, g)
    fmt = attrs["data_format"]
    n, c, _ = split_layout(x.shape, fmt)
    gn, o, g_spatial = split_layout(g.shape, fmt)
    where = f"input shape {fmt_shape(x.shape)}, output gradient shape {fmt_shape(g.shape)}"
    if x.ndim < 3 or g.ndim != x.ndim or len(attrs["kernel_shape"]) != x.ndim - 2:
        raise ShapeError(f"ConvWeightGrad needs inputs of the same rank >= 3 and a kernel_shape "
                         f"per spatial axis ({where}, kernel_shape {list(attrs['kernel_shape'])})")
    win = weight_grad_window(x, g, **attrs)
    if not all(_eq(a, b) for a, b in zip(win.out, g_spatial)) or not _eq(n, gn):
        raise ShapeError(f"the output gradient does not have the Conv output's shape "
                         f"{fmt_shape(join_layout(n, o, win.out, fmt))} ({where})")
    group = attrs["group"]
    _check_group(group, c, f"input channels ({where})")
    _check_group(group, o, f"output channels ({where})")
    cg = c // group if isinstance(c, int) else None
    return TypeSpec(x.dtype, weight_shape(o, cg, win.kernel, attrs["kernel_format"]))


def _weight_grad_conv_attrs(attrs: dict) -> dict:
    return {k: attrs[k] for k in ("strides", "dilations", "pads", "group", "data_format",
                                  "kernel_format")}


def _weight_grad_dx(h, out, x, g, **attrs):
    win = weight_grad_window(x, g, **attrs)
    return conv_input_grad(g, h, x.shape, win, attrs)


def _weight_grad_dg(h, out, x, g, **attrs):
    return conv(x, h, **_weight_grad_conv_attrs(attrs))


conv_weight_grad = defop("ConvWeightGrad", domain=PRIVATE_DOMAIN,
                         infer=dtype_checked(_weight_grad_infer, dtypes.FLOATS, homogeneous=True),
                         attrs=WEIGHT_GRAD_ATTRS, vjp=(_weight_grad_dx, _weight_grad_dg),
                         doc="dW of Conv(X, W) for the output gradient G, in kernel_format")

__all__ = ["conv", "conv_transpose", "conv_weight_grad"]

from .helpers import const_ints  # noqa: E402
from .reduction import reduce_sum  # noqa: E402
