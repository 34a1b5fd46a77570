"""torch.* tensor functions (the ones not on the creation or random side)."""

from __future__ import annotations

__all__: list[str] = []
