"""Activation modules (torch.nn.modules.activation): each forwards to torch_like.nn.functional
and prints torch's extra_repr."""

from __future__ import annotations

import warnings

from .. import functional as F
from .. import init
from ._util import empty_parameter
from .module import Module

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "SELU",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "PReLU",
    "RReLU",
    "ReLU",
    "ReLU6",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmax2d",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "Tanh",
    "Tanhshrink",
    "Threshold",
]


def _inplace_suffix(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class _Inplace(Module):
    """An activation whose only option is `inplace` (printed as torch does)."""

    _fn = ""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return getattr(F, self._fn)(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class _Plain(Module):
    """An activation without options."""

    _fn = ""

    def forward(self, input):
        return getattr(F, self._fn)(input)


class Threshold(Module):
    """Mirrors torch.nn.Threshold: y = x if x > threshold else value."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_suffix(self.inplace)}"


class ReLU(_Inplace):
    """Mirrors torch.nn.ReLU: max(0, x)."""

    _fn = "relu"


class RReLU(Module):
    """Mirrors torch.nn.RReLU: random negative slopes U(lower, upper) in training, their mean
    in eval."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}{_inplace_suffix(self.inplace)}"


class Hardtanh(Module):
    """Mirrors torch.nn.Hardtanh: clamp(x, min_val, max_val)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value=None, max_value=None) -> None:
        super().__init__()
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to `min_val`",
                          FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to `max_val`",
                          FutureWarning, stacklevel=2)
            max_val = max_value
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError(f"max_val ({self.max_val}) must be greater than min_val "
                                 f"({self.min_val})")

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_suffix(self.inplace)}"


class ReLU6(Hardtanh):
    """Mirrors torch.nn.ReLU6: min(max(0, x), 6)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(_Plain):
    """Mirrors torch.nn.Sigmoid."""

    _fn = "sigmoid"


class Tanh(_Plain):
    """Mirrors torch.nn.Tanh."""

    _fn = "tanh"


class Hardsigmoid(_Inplace):
    """Mirrors torch.nn.Hardsigmoid: relu6(x + 3) / 6."""

    _fn = "hardsigmoid"

    def extra_repr(self) -> str:
        return ""


class Hardswish(_Inplace):
    """Mirrors torch.nn.Hardswish: x * relu6(x + 3) / 6."""

    _fn = "hardswish"

    def extra_repr(self) -> str:
        return ""


class SiLU(_Inplace):
    """Mirrors torch.nn.SiLU: x * sigmoid(x)."""

    _fn = "silu"


class Mish(_Inplace):
    """Mirrors torch.nn.Mish: x * tanh(softplus(x))."""

    _fn = "mish"


class SELU(_Inplace):
    """Mirrors torch.nn.SELU."""

    _fn = "selu"


class ELU(Module):
    """Mirrors torch.nn.ELU: x if x > 0 else alpha * (exp(x) - 1)."""

    _fn = "elu"

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return getattr(F, self._fn)(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_suffix(self.inplace)}"


class CELU(ELU):
    """Mirrors torch.nn.CELU: max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""

    _fn = "celu"


class GLU(Module):
    """Mirrors torch.nn.GLU: a * sigmoid(b) for the halves a, b of dim."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GELU(Module):
    """Mirrors torch.nn.GELU (approximate 'none' (erf) or 'tanh')."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Hardshrink(Module):
    """Mirrors torch.nn.Hardshrink: x where |x| > lambd, else 0."""

    _fn = "hardshrink"

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return getattr(F, self._fn)(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Softshrink(Hardshrink):
    """Mirrors torch.nn.Softshrink: x - lambd above lambd, x + lambd below -lambd, else 0."""

    _fn = "softshrink"


class LeakyReLU(Module):
    """Mirrors torch.nn.LeakyReLU: x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_suffix(self.inplace)}"


class LogSigmoid(_Plain):
    """Mirrors torch.nn.LogSigmoid."""

    _fn = "logsigmoid"


class Softsign(_Plain):
    """Mirrors torch.nn.Softsign: x / (1 + |x|)."""

    _fn = "softsign"


class Tanhshrink(_Plain):
    """Mirrors torch.nn.Tanhshrink: x - tanh(x)."""

    _fn = "tanhshrink"


class Softplus(Module):
    """Mirrors torch.nn.Softplus: log(1 + exp(beta x)) / beta, x above threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class PReLU(Module):
    """Mirrors torch.nn.PReLU: a learnable negative slope, one or one per channel (dim 1),
    initialised to `init`."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None,
                 dtype=None) -> None:
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = empty_parameter((num_parameters,), dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class _SoftmaxLike(Module):
    _fn = "softmax"

    def __init__(self, dim=None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return getattr(F, self._fn)(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxLike):
    """Mirrors torch.nn.Softmax: exp(x) / sum(exp(x)) along dim."""


class LogSoftmax(_SoftmaxLike):
    """Mirrors torch.nn.LogSoftmax."""

    _fn = "log_softmax"


class Softmin(_SoftmaxLike):
    """Mirrors torch.nn.Softmin: softmax(-x)."""

    _fn = "softmin"


class Softmax2d(Module):
    """Mirrors torch.nn.Softmax2d: softmax over the channels of (N, C, H, W) or (C, H, W)."""

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D "
                             "instead")
        return F.softmax(input, -3, _stacklevel=5)
