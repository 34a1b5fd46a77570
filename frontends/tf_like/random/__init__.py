"""tf.random: seeded random tensors. Numbers come from numpy Generators owned by this frontend
(see _sampling): identical runs after tf.random.set_seed give identical numbers, and inside
tf.function every call draws fresh ones. The streams are not TF's (Philox), so the numbers
themselves differ from TF's."""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dtypes
from . import _distributions as D
from . import experimental  # noqa: F401
from ._generator import Generator, get_global_generator, set_global_generator  # noqa: F401
from ._sampling import Replay, set_seed, stream


def uniform(shape, minval=0, maxval=None, dtype=_dtypes.float32, seed=None, name=None):
    """tf.random.uniform: U[minval, maxval) (maxval defaults to 1; required for ints)."""
    return D.uniform(_global(seed), shape, minval, maxval, dtype)


def normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """tf.random.normal: N(mean, stddev**2) = N(0, 1) * stddev + mean."""
    return D.normal(_global(seed), shape, mean, stddev, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """tf.random.truncated_normal: a normal redrawn beyond two standard deviations."""
    return D.truncated_normal(_global(seed), shape, mean, stddev, dtype)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """tf.random.categorical: class indices [batch, num_samples] drawn from softmax(logits)."""
    return D.categorical(_global(seed), logits, num_samples, dtype)


def shuffle(value, seed=None, name=None):
    """tf.random.shuffle: value with its first axis randomly permuted."""
    return D.shuffle(_global(seed), value)


def gamma(shape, alpha, beta=None, dtype=_dtypes.float32, seed=None, name=None):
    """tf.random.gamma: Gamma(alpha, rate beta) samples of shape + alpha's shape."""
    return D.gamma(_global(seed), shape, alpha, beta, dtype)


def poisson(shape, lam, dtype=_dtypes.float32, seed=None, name=None):
    """tf.random.poisson: Poisson(lam) samples of shape + lam's shape."""
    return D.poisson(_global(seed), shape, lam, dtype)


def _global(seed):
    """The stream of an op seed, looked up at each draw (set_seed replaces the streams)."""
    return lambda: stream(seed)


def _stateless(seed) -> Replay:
    pair = [int(s) & 0xFFFFFFFFFFFFFFFF for s in np.ravel(np.asarray(seed))]
    if len(pair) != 2:
        raise ValueError(f"seed must have shape [2], got {np.shape(seed)}")
    return Replay(pair)


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=_dtypes.float32, name=None,
                      alg="auto_select"):
    """tf.random.stateless_uniform: deterministic in `seed` (a pair of ints)."""
    return D.uniform(_stateless(seed), shape, minval, maxval, dtype)


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=_dtypes.float32, name=None,
                     alg="auto_select"):
    """tf.random.stateless_normal: deterministic in `seed` (a pair of ints)."""
    return D.normal(_stateless(seed), shape, mean, stddev, dtype)


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=_dtypes.float32,
                               name=None, alg="auto_select"):
    """tf.random.stateless_truncated_normal: deterministic in `seed` (a pair of ints)."""
    return D.truncated_normal(_stateless(seed), shape, mean, stddev, dtype)


__all__ = ["set_seed", "uniform", "normal", "truncated_normal", "categorical", "shuffle", "gamma",
           "poisson", "stateless_uniform", "stateless_normal", "stateless_truncated_normal",
           "Generator", "get_global_generator", "set_global_generator", "experimental"]
