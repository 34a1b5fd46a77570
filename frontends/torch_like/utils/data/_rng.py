"""The random draws of the samplers and random_split, through torch_like's random functions
(a `generator=None` draws from the default generator, which `torch_like.manual_seed` seeds)."""

from __future__ import annotations

from ... import _creation, _dtypes, _random


def randperm(n: int, generator=None) -> list[int]:
    return _random.randperm(n, generator=generator).tolist()


def randint(high: int, size: int, generator=None) -> list[int]:
    return _random.randint(0, high, (size,), generator=generator).tolist()


def multinomial(weights, num_samples: int, replacement: bool, generator=None) -> list[int]:
    return _random.multinomial(weights, num_samples, replacement, generator=generator).tolist()


def fresh_generator() -> _random.Generator:
    """torch's RandomSampler without a generator: a new Generator seeded from the default one,
    so each epoch's order differs but manual_seed makes the sequence of epochs reproducible."""
    seed = int(_creation.empty((), dtype=_dtypes.int64).random_().item())
    return _random.Generator().manual_seed(seed)
