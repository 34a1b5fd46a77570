"""torch.manual_seed, torch.Generator, rand/randn/randint/randperm/normal/bernoulli/multinomial."""

from __future__ import annotations

__all__: list[str] = []
