"""Tensor creation: tensor, as_tensor, from_numpy, zeros/ones/full/empty/arange/linspace/eye and *_like."""

from __future__ import annotations

__all__: list[str] = []
