"""Pooling: MaxPool and AveragePool (ONNX semantics: kernel_shape, strides, explicit asymmetric
pads or auto_pad, dilations, ceil_mode, count_include_pad), GlobalAveragePool and GlobalMaxPool
(composites over ReduceMean/ReduceMax), and torch's adaptive pooling as private ops. All take
`data_format` "NCHW" (default) or "NHWC" (channels last, Keras), for any number of spatial dims.

MaxPool always has ONNX's two outputs, Y and Indices: the flat index of each maximum into X,
row-major over X's own dims (so NHWC data gets NHWC indices); with storage_order=1 the spatial
dims count column-major among themselves, as ONNX defines it for NCHW. Ties go to the first
maximum, as in torch. Max padding is -inf, so a padded cell never wins.

Gradients are private ops: MaxPoolGrad scatters g to the recorded indices; AveragePoolGrad and
AdaptiveAveragePoolGrad are the adjoints (transposes) of the linear average pools, so the
gradient of each gradient op is the forward op again.
"""

from __future__ import annotations

from .. import dtypes
from ..errors import ShapeError, fmt_shape
from ..interpreters import TypeSpec
from ..op import DECOMPOSE, PRIVATE_DOMAIN, Attr, defop
from ..shape_rules import check_dtype, dtype_checked, same_dtypes
from .conv_geometry import (
    AUTO_PADS,
    DATA_FORMATS,
    Window,
    join_layout,
    sliding_window,
    spatial_axes,
    split_layout,
)

MAX_POOL_TYPES = dtypes.FLOATS | {dtypes.int8, dtypes.uint8}
_DATA_FORMAT = {"data_format": Attr("str", "NCHW", DATA_FORMATS)}
_POOL_ATTRS = {
    "auto_pad": Attr("str", "NOTSET", AUTO_PADS),
    "ceil_mode": Attr("int", 0, (0, 1)),
    "dilations": Attr("ints", None, optional=True),
    "kernel_shape": Attr("ints"),
    "pads": Attr("ints", None, optional=True),
    "strides": Attr("ints", None, optional=True),
    **_DATA_FORMAT,
}
MAX_POOL_ATTRS = {**_POOL_ATTRS, "storage_order": Attr("int", 0, (0, 1))}
AVERAGE_POOL_ATTRS = {**_POOL_ATTRS, "count_include_pad": Attr("int", 0, (0, 1))}
ADAPTIVE_ATTRS = {"output_size": Attr("ints"), **_DATA_FORMAT}


def pool_window(x, kernel_shape, auto_pad="NOTSET", ceil_mode=0, dilations=None, pads=None,
                strides=None, data_format="NCHW", **unused) -> Window:
    """The windows of MaxPool/AveragePool over x; every window must reach an input cell."""
    if x.ndim < 3 or len(kernel_shape) != x.ndim - 2:
        raise ShapeError(f"expected an input of rank {len(kernel_shape) + 2} (batch, "
                         f"channels, {len(kernel_shape)} spatial dims for kernel_shape "
                         f"{list(kernel_shape)}), got shape {fmt_shape(x.shape)}")
    spatial = split_layout(x.shape, data_format)[2]
    where = f" (input shape {fmt_shape(x.shape)}, kernel_shape {list(kernel_shape)})"
    win = sliding_window(spatial, tuple(kernel_shape), strides, dilations, pads, auto_pad,
                         ceil_mode, where)
    for pad, eff in zip(win.pads, win.effective):
        b, e = pad if pad is not None else (None, None)  # None: 'same' pads of an unknown size
        if b is not None and (b >= eff or e >= eff):
            raise ShapeError(f"pads ({b}, {e}) must be smaller than the window of {eff} cells, "
                             f"or a window would hold only padding{where}")
    return win


def _pool_infer(x, allowed, attrs: dict, num_outputs: int = 1):
    check_dtype(x, allowed)
    win = pool_window(x, **attrs)
    n, c, _ = split_layout(x.shape, attrs["data_format"])
    shape = join_layout(n, c, win.out, attrs["data_format"])
    y = TypeSpec(x.dtype, shape)
    return y if num_outputs == 1 else [y, TypeSpec(dtypes.int64, shape)]


# -- MaxPool --------------------------------------------------------------------------------------
def _max_pool_infer(x, **attrs):
    return _pool_infer(x, MAX_POOL_TYPES, attrs, num_outputs=2)


def overlapping(win: Window) -> int:
    """1 when two windows can share an input cell (then a gradient scatter must accumulate)."""
    return int(any(s < e for s, e in zip(win.strides, win.effective)))


def _max_pool_dx(g, out, x, **attrs):
    if g[0] is None:
        return (None,)
    indices = out[1]
    if attrs["storage_order"]:  # MaxPoolGrad takes row-major indices
        indices = max_pool(x, **{**attrs, "storage_order": 0})[1]
    win = pool_window(x, **attrs)
    return (max_pool_grad(g[0], indices, x, overlapping=overlapping(win)),)


max_pool = defop("MaxPool", infer=dtype_checked(_max_pool_infer, MAX_POOL_TYPES, False),
                 attrs=MAX_POOL_ATTRS, vjp=_max_pool_dx, num_outputs=2,
                 doc="Y = max over each window, Indices = where it was")


def _max_pool_grad_infer(g, indices, x, overlapping=1):
    check_dtype(g, dtypes.FLOATS)
    same_dtypes(g, x)
    check_dtype(indices, {dtypes.int64}, "indices")
    if g.ndim != indices.ndim or any(isinstance(a, int) and isinstance(b, int) and a != b
                                     for a, b in zip(g.shape, indices.shape)):
        raise ShapeError(f"the output gradient of shape {fmt_shape(g.shape)} does not match the "
                         f"indices of shape {fmt_shape(indices.shape)}")
    return TypeSpec(x.dtype, x.shape)


def _max_pool_grad_dg(h, out, g, indices, x, overlapping=1):
    """MaxPoolGrad is linear in g; its adjoint reads h at the recorded maxima."""
    return gather(reshape(h, const_ints([-1])), indices, axis=0)


max_pool_grad = defop("MaxPoolGrad", domain=PRIVATE_DOMAIN,
                      infer=dtype_checked(_max_pool_grad_infer, dtypes.FLOATS, False),
                      attrs={"overlapping": Attr("int", 1, (0, 1))},
                      vjp=(_max_pool_grad_dg, None, None),
                      doc="dX: g scattered (summed) to the flat indices into X")


# -- AveragePool ----------------------------------------------------------------------------------
def _average_pool_infer(x, **attrs):
    return _pool_infer(x, dtypes.FLOATS, attrs)


def _average_pool_dx(g, out, x, **attrs):
    return (average_pool_grad(g, x, **attrs),)


average_pool = defop("AveragePool", infer=dtype_checked(_average_pool_infer, dtypes.FLOATS, False),
                     attrs=AVERAGE_POOL_ATTRS, vjp=_average_pool_dx,
                     doc="Y = mean over each window")


def _average_pool_grad_infer(g, x, **attrs):
    check_dtype(g, dtypes.FLOATS)
    same_dtypes(g, x)
    want = _pool_infer(x, dtypes.FLOATS, attrs).shape
    if len(want) != g.ndim or any(isinstance(a, int) and isinstance(b, int) and a != b
                                  for a, b in zip(want, g.shape)):
        raise ShapeError(f"the output gradient of shape {fmt_shape(g.shape)} does not match the "
                         f"AveragePool output {fmt_shape(want)} of input shape "
                         f"{fmt_shape(x.shape)}")
    return TypeSpec(x.dtype, x.shape)


average_pool_grad = defop("AveragePoolGrad", domain=PRIVATE_DOMAIN,
                          infer=dtype_checked(_average_pool_grad_infer, dtypes.FLOATS, True),
                          attrs=AVERAGE_POOL_ATTRS,
                          vjp=(lambda h, out, g, x, **attrs: average_pool(h, **attrs), None),
                          doc="dX: the transpose of AveragePool applied to g")


# -- GlobalAveragePool, GlobalMaxPool -------------------------------------------------------------
def _global_infer(allowed):
    def rule(x, data_format="NCHW"):
        check_dtype(x, allowed)
        if x.ndim < 3:
            raise ShapeError(f"global pooling needs an input of rank >= 3 (batch, channels, "
                             f"spatial dims), got shape {fmt_shape(x.shape)}")
        n, c, spatial = split_layout(x.shape, data_format)
        return TypeSpec(x.dtype, join_layout(n, c, (1,) * len(spatial), data_format))
    return dtype_checked(rule, allowed, homogeneous=False)


def _spatial_axes_tensor(x, data_format: str):
    return const_ints(spatial_axes(x.ndim, data_format))


global_average_pool = defop(
    "GlobalAveragePool", infer=_global_infer(dtypes.FLOATS), attrs=_DATA_FORMAT, vjp=DECOMPOSE,
    decompose=lambda x, data_format="NCHW": reduce_mean(
        x, _spatial_axes_tensor(x, data_format), keepdims=1))
global_max_pool = defop(
    "GlobalMaxPool", infer=_global_infer(dtypes.FLOATS), attrs=_DATA_FORMAT, vjp=DECOMPOSE,
    decompose=lambda x, data_format="NCHW": reduce_max(
        x, _spatial_axes_tensor(x, data_format), keepdims=1))


# -- adaptive pooling (torch) ---------------------------------------------------------------------
def adaptive_bins(size: int, out: int) -> list[tuple[int, int]]:
    """torch's bins: bin i covers [floor(i * size / out), ceil((i + 1) * size / out))."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _adaptive_infer(x, output_size, data_format, name: str, num_outputs: int = 1):
    check_dtype(x, dtypes.FLOATS)
    if x.ndim < 3 or len(output_size) != x.ndim - 2 or any(o < 1 for o in output_size):
        raise ShapeError(f"{name} needs an input of rank {len(output_size) + 2} for output_size "
                         f"{list(output_size)} (positive, one per spatial dim), got shape "
                         f"{fmt_shape(x.shape)}")
    n, c, spatial = split_layout(x.shape, data_format)
    for s in spatial:
        if isinstance(s, int) and s < 1:
            raise ShapeError(f"{name} got an empty spatial dim in shape {fmt_shape(x.shape)}")
    shape = join_layout(n, c, tuple(output_size), data_format)
    y = TypeSpec(x.dtype, shape)
    return y if num_outputs == 1 else [y, TypeSpec(dtypes.int64, shape)]


def _adaptive_average_dx(g, out, x, output_size, data_format="NCHW"):
    return (adaptive_average_pool_grad(g, x, data_format=data_format),)


adaptive_average_pool = defop(
    "AdaptiveAveragePool", domain=PRIVATE_DOMAIN, attrs=ADAPTIVE_ATTRS, vjp=_adaptive_average_dx,
    infer=dtype_checked(lambda x, **a: _adaptive_infer(x, name="AdaptiveAveragePool", **a),
                        dtypes.FLOATS, False),
    doc="torch adaptive_avg_pool: the mean over each of output_size bins per axis")


def _adaptive_max_dx(g, out, x, output_size, data_format="NCHW"):
    if g[0] is None:
        return (None,)
    spatial = split_layout(x.shape, data_format)[2]
    shared = any(not isinstance(s, int) or s % o for s, o in zip(spatial, output_size))
    return (max_pool_grad(g[0], out[1], x, overlapping=int(shared)),)


adaptive_max_pool = defop(
    "AdaptiveMaxPool", domain=PRIVATE_DOMAIN, attrs=ADAPTIVE_ATTRS, vjp=_adaptive_max_dx,
    num_outputs=2, infer=dtype_checked(
        lambda x, **a: _adaptive_infer(x, name="AdaptiveMaxPool", num_outputs=2, **a),
        dtypes.FLOATS, False),
    doc="torch adaptive_max_pool: the max over each bin, and its flat index into X")


def _adaptive_average_grad_infer(g, x, data_format="NCHW"):
    check_dtype(g, dtypes.FLOATS)
    same_dtypes(g, x)
    if g.ndim != x.ndim:
        raise ShapeError(f"the output gradient of shape {fmt_shape(g.shape)} and the input of "
                         f"shape {fmt_shape(x.shape)} need the same rank")
    return TypeSpec(x.dtype, x.shape)


def _adaptive_average_grad_dg(h, out, g, x, data_format="NCHW"):
    size = split_layout(g.shape, data_format)[2]
    return adaptive_average_pool(h, output_size=size, data_format=data_format)


adaptive_average_pool_grad = defop(
    "AdaptiveAveragePoolGrad", domain=PRIVATE_DOMAIN,
    infer=dtype_checked(_adaptive_average_grad_infer, dtypes.FLOATS, True),
    attrs=_DATA_FORMAT, vjp=(_adaptive_average_grad_dg, None),
    doc="dX: the transpose of AdaptiveAveragePool applied to g")

__all__ = [
    "adaptive_average_pool",
    "adaptive_average_pool_grad",
    "adaptive_max_pool",
    "average_pool",
    "average_pool_grad",
    "global_average_pool",
    "global_max_pool",
    "max_pool",
    "max_pool_grad",
]

from .helpers import const_ints
from .indexing import gather
from .reduction import reduce_max, reduce_mean
from .shape import reshape
