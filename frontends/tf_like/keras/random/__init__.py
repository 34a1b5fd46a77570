"""keras.random: seeded random draws (Keras 3's keras.random), over tf.random's samplers.

A `SeedGenerator` is a stream: each draw from it gives new numbers, eagerly and inside a traced
train step (the draw becomes a plan input fed from the same stream at every run, so a traced
step and the same step run eagerly see the same numbers). An int `seed` gives the same numbers
at every call (Keras's stateless use); no seed uses the global stream
(keras.utils.set_random_seed / tf.random.set_seed make it repeat).
"""

from __future__ import annotations

import random as _py_random

import numpy as np

from ...random import _distributions, _sampling

__all__ = ["SeedGenerator", "normal", "randint", "truncated_normal", "uniform"]


class SeedGenerator:
    """Mirrors keras.random.SeedGenerator(seed=None, name=None): a stateful source of seeds.
    Differences: its state is a numpy Generator, not a saved `state` variable, so it is not
    written to `.keras` files."""

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        self.name = name or "seed_generator"
        self._initial_seed = _py_random.randint(1, int(1e9)) if seed is None else int(seed)
        self.rng = np.random.default_rng(self._initial_seed)

    def get_config(self) -> dict:
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _rng(seed):
    if seed is None:
        return lambda: _sampling.stream(None)
    if isinstance(seed, SeedGenerator):
        return seed.rng
    if isinstance(seed, (int, np.integer)):
        return _sampling.Replay(int(seed))
    raise ValueError("`seed` argument should be an instance of `keras.random.SeedGenerator()` "
                     f"or an integer. Received: seed={seed}")


def _dtype(dtype):
    return np.dtype(dtype or "float32")


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev^2) of `shape`."""
    return _distributions.normal(_rng(seed), shape, mean, stddev, _dtype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from U[minval, maxval) of `shape`."""
    return _distributions.uniform(_rng(seed), shape, minval, maxval, _dtype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from N(mean, stddev^2) with values beyond two stddevs redrawn."""
    return _distributions.truncated_normal(_rng(seed), shape, mean, stddev, _dtype(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers uniform in [minval, maxval)."""
    return _distributions.uniform(_rng(seed), shape, minval, maxval, np.dtype(dtype))
