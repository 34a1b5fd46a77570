"""Pooling modules (torch.nn.modules.pooling)."""

from __future__ import annotations

from .. import functional as F
from ._util import _single
from .module import Module

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
]


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return ("kernel_size={kernel_size}, stride={stride}, padding={padding}, "
                "dilation={dilation}, ceil_mode={ceil_mode}".format(**self.__dict__))

    def forward(self, input):
        fn = getattr(F, f"max_pool{self._n}d")
        return fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                  ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool1d(_MaxPoolNd):
    """Mirrors torch.nn.MaxPool1d (stride defaults to kernel_size; padding is -inf)."""

    _n = 1


class MaxPool2d(_MaxPoolNd):
    """Mirrors torch.nn.MaxPool2d; return_indices gives flat indices within each H*W plane."""

    _n = 2


class MaxPool3d(_MaxPoolNd):
    """Mirrors torch.nn.MaxPool3d."""

    _n = 3


class AvgPool1d(Module):
    """Mirrors torch.nn.AvgPool1d (count_include_pad=True by default, unlike ONNX)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class _AvgPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, input):
        fn = getattr(F, f"avg_pool{self._n}d")
        return fn(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                  self.count_include_pad, self.divisor_override)


class AvgPool2d(_AvgPoolNd):
    """Mirrors torch.nn.AvgPool2d (count_include_pad=True, divisor_override). Difference:
    divisor_override with a ceil_mode window past the padded input raises ValueError."""

    _n = 2


class AvgPool3d(_AvgPoolNd):
    """Mirrors torch.nn.AvgPool3d."""

    _n = 3


class _AdaptivePool(Module):
    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        if self._max:
            self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"

    def forward(self, input):
        if self._max:
            fn = getattr(F, f"adaptive_max_pool{self._n}d")
            return fn(input, self.output_size, self.return_indices)
        return getattr(F, f"adaptive_avg_pool{self._n}d")(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptivePool):
    """Mirrors torch.nn.AdaptiveAvgPool1d: bin i covers [floor(i*L/out), ceil((i+1)*L/out))."""

    _n, _max = 1, False

    def __init__(self, output_size) -> None:
        super().__init__(output_size)


class AdaptiveAvgPool2d(_AdaptivePool):
    """Mirrors torch.nn.AdaptiveAvgPool2d (None in output_size keeps that input size)."""

    _n, _max = 2, False

    def __init__(self, output_size) -> None:
        super().__init__(output_size)


class AdaptiveAvgPool3d(_AdaptivePool):
    """Mirrors torch.nn.AdaptiveAvgPool3d."""

    _n, _max = 3, False

    def __init__(self, output_size) -> None:
        super().__init__(output_size)


class AdaptiveMaxPool1d(_AdaptivePool):
    """Mirrors torch.nn.AdaptiveMaxPool1d."""

    _n, _max = 1, True


class AdaptiveMaxPool2d(_AdaptivePool):
    """Mirrors torch.nn.AdaptiveMaxPool2d; return_indices gives indices within each plane."""

    _n, _max = 2, True
