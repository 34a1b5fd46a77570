"""keras.ops.nn: activations, convolution, pooling, normalization and loss functions.

Layout: Keras's `data_format` 'channels_last' (the default) is the IR's "NHWC", 'channels_first'
is "NCHW"; Keras kernels are always HWIO (spatial dims, in/groups, out), and transposed
convolution kernels HWOI. 'same' padding is ONNX SAME_UPPER (the extra cell at the end).
"""

from __future__ import annotations

import numpy as np

from core_ir import ops as ir

from ..._tensor import call
from ..backend import _config
from ._core import floating, ints, promote, tensor
from ._math import subtract
from ._operation import keras_op

_FORMATS = {"channels_last": "NHWC", "channels_first": "NCHW"}


def ir_format(data_format) -> str:
    return _FORMATS[_config.standardize_data_format(data_format)]


def standardize_tuple(value, n: int, name: str) -> tuple:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received "
                         f"{name}={value}")
    return value


def _const(value, like):
    return tensor(np.asarray(value, dtype=like.dtype))


# -- activations ----------------------------------------------------------------------------------
@keras_op
def relu(x):
    return call(ir.relu, floating(x))


@keras_op
def relu6(x):
    x = floating(x)
    return call(ir.clip, x, _const(0, x), _const(6, x))


@keras_op
def sigmoid(x):
    return call(ir.sigmoid, floating(x))


@keras_op
def softplus(x):
    return call(ir.softplus, floating(x))


@keras_op
def softsign(x):
    return call(ir.softsign, floating(x))


@keras_op
def silu(x):
    x = floating(x)
    return call(ir.mul, x, call(ir.sigmoid, x))


swish = silu


@keras_op
def log_sigmoid(x):
    x = floating(x)
    return call(ir.neg, call(ir.softplus, call(ir.neg, x)))


@keras_op
def leaky_relu(x, negative_slope=0.2):
    return call(ir.leaky_relu, floating(x), alpha=float(negative_slope))


@keras_op
def hard_sigmoid(x):
    """relu6(x + 3) / 6 (Keras 3; Keras 2 used 0.2 x + 0.5)."""
    return call(ir.hard_sigmoid, floating(x), alpha=1.0 / 6.0, beta=0.5)


@keras_op
def hard_silu(x):
    return call(ir.hard_swish, floating(x))


hard_swish = hard_silu


@keras_op
def elu(x, alpha=1.0):
    return call(ir.elu, floating(x), alpha=float(alpha))


@keras_op
def selu(x):
    return call(ir.selu, floating(x))


@keras_op
def gelu(x, approximate=True):
    return call(ir.gelu, floating(x), approximate="tanh" if approximate else "none")


@keras_op
def celu(x, alpha=1.0):
    return call(ir.celu, floating(x), alpha=float(alpha))


@keras_op
def mish(x):
    return call(ir.mish, floating(x))


@keras_op
def glu(x, axis=-1):
    a, b = call(ir.split, floating(x), axis=axis, num_outputs=2)
    return call(ir.mul, a, call(ir.sigmoid, b))


@keras_op
def hard_tanh(x):
    x = floating(x)
    return call(ir.clip, x, _const(-1, x), _const(1, x))


@keras_op
def softmax(x, axis=-1):
    x = floating(x)
    if isinstance(axis, (tuple, list)):
        from ._math import exp
        from ._reduce import logsumexp
        return exp(subtract(x, logsumexp(x, axis=axis, keepdims=True)))
    return call(ir.softmax, x, axis=int(axis))


@keras_op
def log_softmax(x, axis=-1):
    return call(ir.log_softmax, floating(x), axis=int(axis))


# -- convolution ------------------------------------------------------------------------------------
def _conv_attrs(x, kernel_spatial: tuple, strides, padding, data_format, dilation_rate) -> dict:
    n = x.ndim - 2
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: padding={padding}")
    return {"strides": standardize_tuple(strides, n, "strides"),
            "dilations": standardize_tuple(dilation_rate, n, "dilation_rate"),
            "auto_pad": "SAME_UPPER" if padding == "same" else "VALID",
            "data_format": ir_format(data_format)}


@keras_op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution; kernel (*spatial, in_channels / groups, out_channels); the group count
    is in_channels // kernel's in_channels."""
    return conv_with_bias(inputs, kernel, None, strides, padding, data_format, dilation_rate)


def conv_with_bias(inputs, kernel, bias, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """`conv` with an optional (out_channels,) bias added inside the one Conv node: the Conv
    layers use it, so a Keras Conv2D lowers to the same single node as torch's Conv2d."""
    x, w = promote(floating(inputs), kernel)
    fmt = ir_format(data_format)
    channels = x.shape[-1] if fmt == "NHWC" else x.shape[1]
    group = channels // w.shape[-2] if isinstance(channels, int) else 1
    attrs = _conv_attrs(x, tuple(w.shape[:-2]), strides, padding, data_format, dilation_rate)
    operands = (x, w) if bias is None else (x, w, promote(bias, w)[0])
    return call(ir.conv, *operands, group=group, kernel_format="HWIO", **attrs)


@keras_op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Each input channel convolved with its own `depth_multiplier` filters; kernel
    (*spatial, in_channels, depth_multiplier); output channel c * multiplier + m."""
    x, w = promote(floating(inputs), kernel)
    spatial, cin, mult = tuple(w.shape[:-2]), w.shape[-2], w.shape[-1]
    grouped = call(ir.reshape, w, ints([*spatial, 1, cin * mult]))
    attrs = _conv_attrs(x, spatial, strides, padding, data_format, dilation_rate)
    return call(ir.conv, x, grouped, group=cin, kernel_format="HWIO", **attrs)


@keras_op
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1)


def conv_transpose_padding(kernel: int, stride: int, dilation: int, padding: str,
                           output_padding) -> tuple[int, int, int]:
    """(pad begin, pad end, output_padding) of the ONNX ConvTranspose that Keras computes:
    the full transposed convolution ((n - 1) * s + k_eff) cropped by (k_eff - 1 - left,
    k_eff - 1 - right) with JAX's left/right padding (Keras 3's torch backend does the same);
    a negative crop at the end is zero padding, i.e. output_padding. The output is n * s for
    'same' and (n - 1) * s + max(k_eff, s) for 'valid' when output_padding is None."""
    k = (kernel - 1) * dilation + 1
    if padding == "valid":
        op = max(k, stride) - k if output_padding is None else output_padding
        left, right = k - 1, k - 1 + op
    else:
        pad_len = stride + k - 2 if output_padding is None else \
            k + k % 2 - 2 + output_padding
        left = min(pad_len // 2 + pad_len % 2, k - 1)
        right = pad_len - left
    crop_left, crop_right = k - 1 - left, k - 1 - right
    return crop_left, max(crop_right, 0), max(-crop_right, 0)


@keras_op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution; kernel (*spatial, out_channels, in_channels)."""
    x, w = promote(floating(inputs), kernel)
    n = x.ndim - 2
    strides = standardize_tuple(strides, n, "strides")
    dilations = standardize_tuple(dilation_rate, n, "dilation_rate")
    ops_ = [None] * n if output_padding is None else list(
        standardize_tuple(output_padding, n, "output_padding"))
    geo = [conv_transpose_padding(k, s, d, padding.lower(), o)
           for k, s, d, o in zip(w.shape[:-2], strides, dilations, ops_)]
    pads = [g[0] for g in geo] + [g[1] for g in geo]
    return call(ir.conv_transpose, x, w, strides=strides, dilations=dilations, pads=pads,
                output_padding=[g[2] for g in geo], data_format=ir_format(data_format),
                kernel_format="HWOI")


# -- pooling ------------------------------------------------------------------------------------
def _pool_attrs(x, pool_size, strides, padding, data_format) -> dict:
    n = x.ndim - 2
    size = standardize_tuple(pool_size, n, "pool_size")
    strides = size if strides is None else standardize_tuple(strides, n, "strides")
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: padding={padding}")
    return {"kernel_shape": size, "strides": strides,
            "auto_pad": "SAME_UPPER" if padding == "same" else "VALID",
            "data_format": ir_format(data_format)}


@keras_op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    x = floating(inputs)
    return call(ir.max_pool, x, **_pool_attrs(x, pool_size, strides, padding, data_format))[0]


@keras_op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average over each window; with 'same' padding the padded cells are not counted."""
    x = floating(inputs)
    return call(ir.average_pool, x, count_include_pad=0,
                **_pool_attrs(x, pool_size, strides, padding, data_format))


from ._nn_more import (  # (at the end: _nn_more imports helpers from this module)
    adaptive_average_pool,
    adaptive_max_pool,
    batch_normalization,
    binary_crossentropy,
    categorical_crossentropy,
    layer_normalization,
    moments,
    multi_hot,
    normalize,
    one_hot,
    rms_normalization,
    sparse_categorical_crossentropy,
)

__all__ = [
    "adaptive_average_pool",
    "adaptive_max_pool",
    "average_pool",
    "batch_normalization",
    "binary_crossentropy",
    "categorical_crossentropy",
    "celu",
    "conv",
    "conv_transpose",
    "depthwise_conv",
    "elu",
    "gelu",
    "glu",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "layer_normalization",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "max_pool",
    "mish",
    "moments",
    "multi_hot",
    "normalize",
    "one_hot",
    "relu",
    "relu6",
    "rms_normalization",
    "selu",
    "separable_conv",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "sparse_categorical_crossentropy",
    "swish",
]
