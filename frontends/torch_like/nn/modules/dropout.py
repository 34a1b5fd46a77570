"""Dropout modules (torch.nn.modules.dropout): active only in training mode."""

from __future__ import annotations

from .. import functional as F
from .module import Module

__all__ = ["AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d"]


class _DropoutNd(Module):
    _fn = "dropout"

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"

    def forward(self, input):
        return getattr(F, self._fn)(input, self.p, self.training, self.inplace)


class Dropout(_DropoutNd):
    """Mirrors torch.nn.Dropout: in training, zero elements with probability p and scale the
    rest by 1/(1-p); the identity in eval mode."""


class Dropout1d(_DropoutNd):
    """Mirrors torch.nn.Dropout1d: zero whole channels of (N, C, L) or (C, L)."""

    _fn = "dropout1d"


class Dropout2d(_DropoutNd):
    """Mirrors torch.nn.Dropout2d: zero whole channels of (N, C, H, W)."""

    _fn = "dropout2d"


class Dropout3d(_DropoutNd):
    """Mirrors torch.nn.Dropout3d: zero whole channels of (N, C, D, H, W)."""

    _fn = "dropout3d"


class AlphaDropout(_DropoutNd):
    """Mirrors torch.nn.AlphaDropout: dropout that keeps SELU's self-normalization."""

    _fn = "alpha_dropout"
