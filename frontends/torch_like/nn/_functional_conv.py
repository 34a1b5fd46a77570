"""linear, bilinear, conv{1,2,3}d and conv_transpose{1,2,3}d of torch.nn.functional.

Inputs are validated here, before lowering, with torch's messages (which name the expected
channel count, both shapes and the weight's size); the IR ops then get explicit pads.
"""

from __future__ import annotations

import math

from core_ir import ops

from .._tensor import call
from .modules._util import SCALAR_NAMES

__all__ = [
    "bilinear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "linear",
]


def _lower_name(dtype) -> str:
    return SCALAR_NAMES.get(str(dtype), str(dtype)).lower()


def _static(*dims) -> bool:
    return all(isinstance(d, int) for d in dims)


def _size(shape) -> list:
    return list(shape)


# -- linear ---------------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """y = input @ weight.T + bias. weight: (out_features, in_features), bias: (out_features,).
    Raises RuntimeError "mat1 and mat2 shapes cannot be multiplied (AxB and CxD)" on a
    feature mismatch, as torch."""
    if input.dtype != weight.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_lower_name(input.dtype)} != {_lower_name(weight.dtype)}")
    k = input.shape[-1] if input.ndim else None
    k_w = weight.shape[-1]
    if input.ndim and _static(k, k_w) and k != k_w:
        rows = math.prod(input.shape[:-1]) if _static(*input.shape[:-1]) else "?"
        out = weight.shape[0] if weight.ndim == 2 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
                           f"{k_w}x{out})")
    if input.ndim == 2 and weight.ndim == 2 and (bias is None or bias.ndim <= 1):
        return call(ops.gemm, input, weight, bias, transB=1)  # one ONNX Gemm node
    w = weight if weight.ndim == 1 else call(ops.transpose, weight, perm=(1, 0))
    y = call(ops.matmul, input, w)
    return y if bias is None else call(ops.add, y, bias)


def bilinear(input1, input2, weight, bias=None):
    """y_o = sum_ij x1_i W_oij x2_j + b_o over the last dims of input1 and input2."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{_size(input1.shape[:-1])} and {_size(input2.shape[:-1])}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.shape[2]}")
    y = call(ops.einsum, input1, weight, input2, equation="...i,oij,...j->...o")
    return y if bias is None else call(ops.add, y, bias)


# -- convolution ----------------------------------------------------------------------------------
def _tuple(value, n: int, name: str) -> tuple:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                           f"values to match the convolution dimensions, but got {name}="
                           f"{list(value)}")
    return value


def _batched(input, n: int, name: str):
    """(input with a batch dim, whether one was added): torch accepts unbatched inputs."""
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to "
                           f"{name}, but got input of size: {_size(input.shape)}")
    if input.ndim == n + 2:
        return input, False
    return call(ops.unsqueeze, input, ops.const_ints([0])), True


def _unbatched(y, added: bool):
    return call(ops.squeeze, y, ops.const_ints([0])) if added else y


def _check_types(input, weight, bias) -> None:
    if input.dtype != weight.dtype:
        raise RuntimeError(f"Input type ({_lower_name(input.dtype)}) and weight type "
                           f"({_lower_name(weight.dtype)}) should be the same")
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"Input type ({_lower_name(input.dtype)}) and bias type "
                           f"({_lower_name(bias.dtype)}) should be the same")


def _check_bias(weight, bias, out_channels) -> None:
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(f"Given weight of size {_size(weight.shape)}, expected bias to be "
                           f"1-dimensional with {out_channels} elements, but got bias of size "
                           f"{_size(bias.shape)} instead")


def same_pads(kernel: tuple, dilation: tuple) -> tuple:
    """torch's padding='same' (stride 1): total d*(k-1), the odd cell at the end."""
    pairs = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pairs.append((total // 2, total - total // 2))
    return tuple(pairs)


def conv_pads(padding, kernel: tuple, stride: tuple, dilation: tuple, n: int) -> tuple:
    """((begin, end), ...) for an int, a tuple, 'valid' or 'same' padding."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        return same_pads(kernel, dilation)
    return tuple((p, p) for p in _tuple(padding, n, "padding"))


def _flat(pairs) -> list:
    return [p[0] for p in pairs] + [p[1] for p in pairs]


def _check_window(x, kernel, dilation, pairs) -> None:
    padded = [s + b + e for s, (b, e) in zip(x.shape[2:], pairs)]
    eff = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    if _static(*padded) and any(p < k for p, k in zip(padded, eff)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, eff))}). Kernel size can't be greater than "
                           "actual input size")


def _conv(n, input, weight, bias, stride, padding, dilation, groups):
    _check_types(input, weight, bias)
    x, added = _batched(input, n, f"conv{n}d")
    if weight.ndim != n + 2:
        raise RuntimeError(f"weight should have at least three dimensions: expected "
                           f"{n + 2}-dimensional weight for {n + 2}-dimensional input "
                           f"{_size(x.shape)}, but got {weight.ndim}-dimensional weight of size "
                           f"{_size(weight.shape)} instead")
    c, want = x.shape[1], weight.shape[1] * groups
    if _static(c) and c != want:
        raise RuntimeError(f"Given groups={groups}, weight of size {_size(weight.shape)}, "
                           f"expected input{_size(x.shape)} to have {want} channels, but got {c} "
                           "channels instead")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {_size(weight.shape)} "
                           "instead")
    _check_bias(weight, bias, weight.shape[0])
    stride, dilation = _tuple(stride, n, "stride"), _tuple(dilation, n, "dilation")
    kernel = tuple(weight.shape[2:])
    pairs = conv_pads(padding, kernel, stride, dilation, n)
    _check_window(x, kernel, dilation, pairs)
    y = call(ops.conv, x, weight, bias, strides=stride, pads=_flat(pairs), dilations=dilation,
             group=groups)
    return _unbatched(y, added)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over (N, C_in, L) (or unbatched (C_in, L)); weight (C_out, C_in/groups,
    k). padding: int, tuple, 'valid' or 'same'."""
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over (N, C_in, H, W) (or unbatched); weight (C_out, C_in/groups, kH,
    kW). Raises RuntimeError naming the expected channels on a channel mismatch."""
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


# -- transposed convolution -----------------------------------------------------------------------
def _conv_transpose(n, input, weight, bias, stride, padding, output_padding, groups, dilation):
    _check_types(input, weight, bias)
    x, added = _batched(input, n, f"conv_transpose{n}d")
    c = x.shape[1]
    if _static(c) and c != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {_size(weight.shape)}, "
                           f"expected input{_size(x.shape)} to have {weight.shape[0]} channels, "
                           f"but got {c} channels instead")
    _check_bias(weight, bias, weight.shape[1] * groups)
    stride, dilation = _tuple(stride, n, "stride"), _tuple(dilation, n, "dilation")
    pad = _tuple(padding, n, "padding")
    out_pad = _tuple(output_padding, n, "output_padding")
    if any(p >= s and p >= d for p, s, d in zip(out_pad, stride, dilation)):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, "
                           f"but got output_padding={list(out_pad)}, stride={list(stride)}, "
                           f"dilation={list(dilation)}")
    y = call(ops.conv_transpose, x, weight, bias, strides=stride, pads=list(pad) * 2,
             dilations=dilation, group=groups, output_padding=out_pad)
    return _unbatched(y, added)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The transpose (gradient) of conv1d; weight (C_in, C_out/groups, k)."""
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The transpose (gradient) of conv2d; weight (C_in, C_out/groups, kH, kW). Output size
    (H - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1."""
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)
