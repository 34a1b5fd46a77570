"""Convolution modules (torch.nn.modules.conv): Conv1d/2d/3d and ConvTranspose1d/2d/3d."""

from __future__ import annotations

import math

from .. import functional as F
from .. import init
from ._util import _ntuple, empty_parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """torch's _ConvNd: the configuration, parameters, init and repr shared by all convs."""

    _n = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 transposed, output_padding, groups, bias, padding_mode, device=None,
                 dtype=None) -> None:
        super().__init__()
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 "{'valid', 'same'}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {set(_PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = _reversed_padding(padding, kernel_size, dilation)
        shape = (in_channels, out_channels // groups) if transposed else \
            (out_channels, in_channels // groups)
        self.weight = empty_parameter((*shape, *kernel_size), dtype, device)
        if bias:
            self.bias = empty_parameter((out_channels,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        if not hasattr(self, "padding_mode"):
            self.padding_mode = "zeros"


def _reversed_padding(padding, kernel_size, dilation) -> list:
    """F.pad's (last dim first) form of the padding, for the non-zero padding modes."""
    n = len(kernel_size)
    if isinstance(padding, str):
        out = [0, 0] * n
        if padding == "same":
            for d, k, i in zip(dilation, kernel_size, range(n - 1, -1, -1)):
                total = d * (k - 1)
                out[2 * i], out[2 * i + 1] = total // 2, total - total // 2
        return out
    return [p for p in reversed(padding) for _ in range(2)]


class _Conv(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        t = _ntuple(self._n)
        padding_ = padding if isinstance(padding, str) else t(padding)
        super().__init__(in_channels, out_channels, t(kernel_size), t(stride), padding_,
                         t(dilation), False, t(0), groups, bias, padding_mode, device, dtype)

    def _conv_forward(self, input, weight, bias):
        conv = getattr(F, f"conv{self._n}d")
        if self.padding_mode != "zeros":
            mode = self.padding_mode
            x = F.pad(input, self._reversed_padding_repeated_twice, mode=mode)
            return conv(x, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """Mirrors torch.nn.Conv1d: (N, C_in, L) -> (N, C_out, L_out); weight (C_out, C_in/groups,
    k); padding int, tuple, 'valid' or 'same'; padding_mode zeros/reflect/replicate/circular."""

    _n = 1


class Conv2d(_Conv):
    """Mirrors torch.nn.Conv2d: (N, C_in, H, W) -> (N, C_out, H_out, W_out); weight (C_out,
    C_in/groups, kH, kW), kaiming_uniform(a=sqrt(5)) init, bias U(+-1/sqrt(fan_in)). A channel
    mismatch raises torch's "Given groups=1, weight of size [...], expected input[...] to have
    C channels, but got C' channels instead"."""

    _n = 2


class Conv3d(_Conv):
    """Mirrors torch.nn.Conv3d over (N, C_in, D, H, W)."""

    _n = 3


class _ConvTransposeNd(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{self.__class__.__name__}")
        t = _ntuple(self._n)
        super().__init__(in_channels, out_channels, t(kernel_size), t(stride), t(padding),
                         t(dilation), True, t(output_padding), groups, bias, padding_mode,
                         device, dtype)

    def _output_padding(self, input, output_size, stride, padding, kernel_size,
                        num_spatial_dims, dilation=None) -> list:
        if output_size is None:
            return list(self.output_padding)
        lead = 2 if input.ndim == num_spatial_dims + 2 else 1
        output_size = list(output_size)
        if len(output_size) == lead + num_spatial_dims:
            output_size = output_size[lead:]
        if len(output_size) != num_spatial_dims:
            raise ValueError(f"ConvTranspose{num_spatial_dims}D: for {input.ndim}D input, "
                             f"output_size must have {num_spatial_dims} or "
                             f"{lead + num_spatial_dims} elements (got {len(output_size)})")
        mins = [(input.shape[d + lead] - 1) * stride[d] - 2 * padding[d]
                + (dilation[d] if dilation is not None else 1) * (kernel_size[d] - 1) + 1
                for d in range(num_spatial_dims)]
        maxs = [m + s - 1 for m, s in zip(mins, stride)]
        for size, lo, hi in zip(output_size, mins, maxs):
            if size < lo or size > hi:
                raise ValueError(f"requested an output size of {output_size}, but valid sizes "
                                 f"range from {mins} to {maxs} (for an input of "
                                 f"{input.shape[lead:]})")
        return [o - m for o, m in zip(output_size, mins)]

    def forward(self, input, output_size=None):
        out_pad = self._output_padding(input, output_size, self.stride, self.padding,
                                       self.kernel_size, self._n, self.dilation)
        fn = getattr(F, f"conv_transpose{self._n}d")
        return fn(input, self.weight, self.bias, self.stride, self.padding, out_pad,
                  self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """Mirrors torch.nn.ConvTranspose1d: weight (C_in, C_out/groups, k)."""

    _n = 1


class ConvTranspose2d(_ConvTransposeNd):
    """Mirrors torch.nn.ConvTranspose2d: weight (C_in, C_out/groups, kH, kW); output size
    (H - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1, or the
    output_size passed to forward."""

    _n = 2


class ConvTranspose3d(_ConvTransposeNd):
    """Mirrors torch.nn.ConvTranspose3d."""

    _n = 3
