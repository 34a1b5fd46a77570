"""torch.nn.functional."""

from __future__ import annotations

__all__: list[str] = []

from ._functional_loss import *  # noqa: E402,F401,F403
