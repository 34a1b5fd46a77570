"""tf.nn convolutions and pooling, channels last (NWC/NHWC) as TF defaults.

TF's 'SAME' padding is lowered to explicit (before, after) pairs: out = ceil(n / s),
total = max((out - 1) * s + (k - 1) * d + 1 - n, 0), before = total // 2, the extra cell at the
end (ONNX SAME_UPPER). Only when a spatial size is unknown while tracing does the IR get
auto_pad="SAME_UPPER" instead, since the pairs depend on it."""

from __future__ import annotations

from core_ir import ops

from .._helpers import same_dtype, static_ints, tensor
from .._tensor import call
from ..errors import InvalidArgumentError

_CHANNELS_FIRST = ("NCW", "NCHW", "NCDHW")


def _per_axis(value, n: int, what: str, default: int = 1) -> list[int]:
    """TF's strides/dilations/ksize: an int, or a list of 1, n or n + 2 ints (batch and channel
    entries included)."""
    if value is None:
        return [default] * n
    v = static_ints(value, what)
    if len(v) == 1:
        return v * n
    if len(v) == n:
        return v
    if len(v) == n + 2:
        return v[1:-1]
    raise ValueError(f"{what} should be of length 1, {n} or {n + 2}. Received: {what}={value}")


def _layout(x, data_format, n: int) -> str:
    fmt = data_format or ("NWC", "NHWC", "NDHWC")[n - 1]
    if fmt in _CHANNELS_FIRST:
        return "NCHW"
    if fmt.startswith("N") and fmt.endswith("C"):
        return "NHWC"
    raise ValueError(f"data_format must be channels last (e.g. NHWC) or first (NCHW), got {fmt}")


def _spatial(x, layout: str):
    return list(x.shape[1:-1]) if layout == "NHWC" else list(x.shape[2:])


def _padding_attrs(padding, spatial, kernel, strides, dilations, layout: str) -> dict:
    """TF's padding ('SAME', 'VALID' or explicit pairs per axis) as the IR's pads."""
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return {"pads": [0] * (2 * len(spatial))}
        if mode != "SAME":
            raise ValueError(f"padding must be 'SAME', 'VALID' or a list of pairs, got {padding}")
        if not all(isinstance(d, int) for d in spatial):
            return {"auto_pad": "SAME_UPPER"}  # the pairs depend on a size known at run time
        pairs = [_same_pair(*args) for args in zip(spatial, kernel, strides, dilations)]
    else:
        pairs = [tuple(p) for p in padding]
        if len(pairs) == len(spatial) + 2:  # TF lists batch and channel pairs too
            pairs = pairs[1:-1] if layout == "NHWC" else pairs[2:]
    return {"pads": [b for b, _ in pairs] + [e for _, e in pairs]}


def _same_pair(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def _conv(x, filters, strides, padding, data_format, dilations, n: int, group=None):
    x, w = tensor(x), tensor(filters)
    same_dtype("Conv2D", x, w)
    layout = _layout(x, data_format, n)
    if x.ndim != n + 2 or w.ndim != n + 2:
        raise ValueError(f"input must be {n + 2}-D and filters {n + 2}-D, got shapes "
                         f"{x.shape} and {w.shape}")
    strides, dilations = _per_axis(strides, n, "strides"), _per_axis(dilations, n, "dilations")
    in_ch = x.shape[-1] if layout == "NHWC" else x.shape[1]
    if group is None:
        group = 1 if not isinstance(in_ch, int) else in_ch // w.shape[-2]
        if isinstance(in_ch, int) and in_ch % w.shape[-2]:
            raise InvalidArgumentError(None, None, f"input depth must be evenly divisible by "
                                       f"filter depth: {in_ch} vs {w.shape[-2]} [Op:Conv2D]")
    pad = _padding_attrs(padding, _spatial(x, layout), list(w.shape[:n]), strides, dilations,
                         layout)
    return call(ops.conv, x, w, None, data_format=layout, kernel_format="HWIO", strides=strides,
                dilations=dilations, group=group, **pad)


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None,  # noqa: A002
           name=None):
    """tf.nn.conv2d: input [batch, h, w, in], filters [kh, kw, in, out] (grouped when `in` is a
    multiple of the filters' in)."""
    return _conv(input, filters, strides, padding, data_format, dilations, 2)


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None,  # noqa: A002
           name=None):
    """tf.nn.conv1d: input [batch, w, in], filters [kw, in, out]."""
    return _conv(input, filters, stride, padding, data_format, dilations, 1)


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None,  # noqa: A002
           name=None):
    """tf.nn.conv3d: input [batch, d, h, w, in], filters [kd, kh, kw, in, out]."""
    return _conv(input, filters, strides, padding, data_format, dilations, 3)


def convolution(input, filters, strides=None, padding="VALID", data_format=None,  # noqa: A002
                dilations=None, name=None):
    """tf.nn.convolution: the N-d convolution, N from the input's rank."""
    n = tensor(input).ndim - 2
    return _conv(input, filters, strides, padding, data_format, dilations, n)


def depthwise_conv2d(input, filter, strides, padding, data_format=None,  # noqa: A002
                     dilations=None, name=None):
    """tf.nn.depthwise_conv2d: filter [kh, kw, in, multiplier]; output channel
    i * multiplier + m convolves input channel i with filter[..., i, m]."""
    w = tensor(filter)
    kh, kw, in_ch, mult = w.shape
    grouped = call(ops.reshape, w, ops.const_ints([kh, kw, 1, in_ch * mult]))
    return _conv(input, grouped, strides, padding, data_format, dilations, 2, group=in_ch)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,  # noqa: A002
                     data_format=None, dilations=None, name=None):
    """tf.nn.separable_conv2d: depthwise_conv2d, then a 1x1 conv2d with pointwise_filter."""
    depth = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format, dilations)
    return _conv(depth, pointwise_filter, 1, "VALID", data_format, None, 2)


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NHWC", dilations=None, name=None):
    """tf.nn.conv2d_transpose: the gradient of conv2d with respect to its input; filters are
    [kh, kw, out, in] and output_shape the full output shape (batch, h, w, out)."""
    x, w = tensor(input), tensor(filters)
    layout = _layout(x, data_format, 2)
    strides, dilations = _per_axis(strides, 2, "strides"), _per_axis(dilations, 2, "dilations")
    out = static_ints(output_shape, "output_shape")
    out_spatial = out[1:3] if layout == "NHWC" else out[2:]
    kernel = list(w.shape[:2])
    pads = _padding_attrs(padding, out_spatial, kernel, strides, dilations, layout)["pads"]
    in_spatial = _spatial(x, layout)
    extra = [o - ((i - 1) * s + (k - 1) * d + 1 - pads[j] - pads[j + 2])
             for j, (o, i, s, k, d) in enumerate(zip(out_spatial, in_spatial, strides, kernel,
                                                     dilations))]
    return call(ops.conv_transpose, x, w, None, data_format=layout, kernel_format="HWOI",
                strides=strides, dilations=dilations, pads=pads, output_padding=extra)


def _pool(op, x, ksize, strides, padding, data_format, n: int, **extra):
    x = tensor(x)
    layout = _layout(x, data_format, n)
    kernel, strides = _per_axis(ksize, n, "ksize"), _per_axis(strides, n, "strides")
    pad = _padding_attrs(padding, _spatial(x, layout), kernel, strides, [1] * n, layout)
    out = call(op, x, kernel_shape=kernel, strides=strides, data_format=layout, **pad, **extra)
    return out[0] if isinstance(out, tuple) else out


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """tf.nn.max_pool2d: windows padded with -inf under 'SAME'."""
    return _pool(ops.max_pool, input, ksize, strides, padding, data_format, 2)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """tf.nn.avg_pool2d: under 'SAME' the padded cells are not counted (as TF)."""
    return _pool(ops.average_pool, input, ksize, strides, padding, data_format, 2,
                 count_include_pad=0)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """tf.nn.max_pool1d."""
    return _pool(ops.max_pool, input, ksize, strides, padding, data_format, 1)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """tf.nn.avg_pool1d."""
    return _pool(ops.average_pool, input, ksize, strides, padding, data_format, 1,
                 count_include_pad=0)


def max_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """tf.nn.max_pool: the N-d max pool, N from the input's rank."""
    n = tensor(input).ndim - 2
    return _pool(ops.max_pool, input, ksize, strides, padding, data_format, n)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """tf.nn.avg_pool: the N-d average pool, N from the input's rank."""
    n = tensor(input).ndim - 2
    return _pool(ops.average_pool, input, ksize, strides, padding, data_format, n,
                 count_include_pad=0)


max_pool3d, avg_pool3d = max_pool, avg_pool

__all__ = ["conv1d", "conv2d", "conv3d", "convolution", "depthwise_conv2d", "separable_conv2d",
           "conv2d_transpose", "max_pool1d", "max_pool2d", "max_pool3d", "max_pool",
           "avg_pool1d", "avg_pool2d", "avg_pool3d", "avg_pool"]
