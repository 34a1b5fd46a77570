"""tf.random.Generator: a random stream of its own (here a numpy PCG64 Generator)."""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dtypes
from .._tensor import constant
from . import _distributions as D
from . import _sampling as S


class Generator:
    """Mirrors tf.random.Generator: `from_seed(seed)` gives a reproducible stream,
    `from_non_deterministic_state()` a fresh one; `split` makes independent children.
    Difference: the algorithm is numpy's PCG64, not Philox/ThreeFry (`alg` is accepted and
    ignored), so the numbers differ from TF's and `state` is not a tensor."""

    def __init__(self, copy_from=None, state=None, alg=None):
        if copy_from is not None:
            self._rng = np.random.default_rng()
            self._rng.bit_generator.state = copy_from._rng.bit_generator.state
        else:
            self._rng = np.random.default_rng(state)
        self.algorithm = alg

    @classmethod
    def from_seed(cls, seed, alg=None) -> "Generator":
        return cls(state=int(seed) & 0xFFFFFFFFFFFFFFFF, alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg=None) -> "Generator":
        return cls(alg=alg)

    @classmethod
    def _wrap(cls, rng) -> "Generator":
        gen = cls.__new__(cls)
        gen._rng, gen.algorithm = rng, None
        return gen

    def _stream(self) -> np.random.Generator:
        """Looked up at each draw: a traced function keeps drawing from this generator even
        after reset_from_seed replaced its state."""
        return self._rng

    def reset_from_seed(self, seed) -> None:
        self._rng = np.random.default_rng(int(seed) & 0xFFFFFFFFFFFFFFFF)

    def uniform(self, shape, minval=0, maxval=None, dtype=_dtypes.float32, name=None):
        return D.uniform(self._stream, shape, minval, maxval, dtype)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, name=None):
        return D.normal(self._stream, shape, mean, stddev, dtype)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, name=None):
        return D.truncated_normal(self._stream, shape, mean, stddev, dtype)

    def uniform_full_int(self, shape, dtype=_dtypes.uint64, name=None):
        """Integers over the dtype's whole range."""
        dtype = _dtypes.as_dtype(dtype)
        info = np.iinfo(dtype)
        return S.base_sample(lambda r, dims, dt: r.integers(info.min, info.max, size=dims,
                                                            dtype=dt, endpoint=True),
                             shape, dtype, self._stream)

    def make_seeds(self, count=1):
        """An int64 [2, count] tensor of seeds for the stateless ops."""
        return constant(self._rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max,
                                           size=(2, int(count)), dtype=np.int64))

    def split(self, count=1) -> list:
        """`count` new independent generators; this one advances."""
        return [Generator._wrap(r) for r in self._rng.spawn(int(count))]


_global: list = []


def get_global_generator() -> Generator:
    """tf.random.get_global_generator: the one set, else the global seed's stream."""
    return _global[0] if _global else Generator._wrap(S.stream(None))


def set_global_generator(generator: Generator) -> None:
    """tf.random.set_global_generator."""
    _global[:] = [generator]


__all__ = ["Generator", "get_global_generator", "set_global_generator"]
