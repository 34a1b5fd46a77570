"""Kernels of the random ops, and the backend's one random generator.

Without a `seed` attribute a kernel draws from the generator below (numpy's PCG64), so a
compiled plan draws fresh numbers on every run, and `manual_seed` (which the frontends call for
torch.manual_seed and keras.utils.set_random_seed) makes whole programs reproducible. With a
`seed` attribute a kernel starts a fresh generator from that seed on every call, as ONNX asks:
numpy's legacy RandomState stream, the one onnx.reference and onnx's node tests draw from, so
seeded results equal the ONNX reference evaluator's.

Dropout's kernel is here too: its mask is the one random part of it.
"""

from __future__ import annotations

import numpy as np

from core_ir import ops

_generator: np.random.Generator = np.random.default_rng()  # seeded from OS entropy


def manual_seed(seed: int) -> np.random.Generator:
    """Reset the backend generator to a fixed state; unseeded random ops then repeat exactly."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def generator() -> np.random.Generator:
    return _generator


def get_state() -> dict:
    """The generator's state (for torch.get_rng_state-like saving and restoring)."""
    return _generator.bit_generator.state


def set_state(state: dict) -> None:
    _generator.bit_generator.state = state


def seeded(seed: float) -> np.random.RandomState:
    # ONNX seeds are floats of any value; RandomState takes [0, 2**32), so wrap around
    return np.random.RandomState(int(seed) & 0xFFFFFFFF)


def _draw_dtype(dtype: np.dtype) -> np.dtype:
    """Generator.random/standard_normal draw float32 or float64 directly; float16 via float32."""
    return np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)


def uniform01(shape: tuple, dtype: np.dtype, seed: float | None) -> np.ndarray:
    """U[0, 1) numbers of the given shape, drawn in float32 or float64 (at least `dtype`'s
    precision; seeded: always float64, the RandomState stream's own)."""
    if seed is None:
        return _generator.random(shape, dtype=_draw_dtype(dtype))
    return np.asarray(seeded(seed).random_sample(shape))


def _normal01(shape: tuple, dtype: np.dtype, seed: float | None) -> np.ndarray:
    if seed is None:
        return _generator.standard_normal(shape, dtype=_draw_dtype(dtype)).astype(dtype,
                                                                                   copy=False)
    return np.asarray(seeded(seed).standard_normal(shape)).astype(dtype)


# The affine step runs in the output dtype, in this order, as onnx.reference does it.
def _uniform(shape: tuple, dtype: np.dtype, high: float, low: float, seed) -> np.ndarray:
    res = uniform01(shape, dtype, seed).astype(dtype, copy=False)
    res *= high - low
    res += low
    return res


def _normal(shape: tuple, dtype: np.dtype, mean: float, scale: float, seed) -> np.ndarray:
    res = _normal01(shape, dtype, seed)
    res *= scale
    res += mean
    return res


def _random_uniform(shape=(), dtype=np.float32, high=1.0, low=0.0, seed=None):
    return _uniform(tuple(shape), np.dtype(dtype), high, low, seed)


def _random_normal(shape=(), dtype=np.float32, mean=0.0, scale=1.0, seed=None):
    return _normal(tuple(shape), np.dtype(dtype), mean, scale, seed)


def _random_uniform_like(x, dtype=None, high=1.0, low=0.0, seed=None):
    return _uniform(x.shape, x.dtype if dtype is None else np.dtype(dtype), high, low, seed)


def _random_normal_like(x, dtype=None, mean=0.0, scale=1.0, seed=None):
    return _normal(x.shape, x.dtype if dtype is None else np.dtype(dtype), mean, scale, seed)


def _bernoulli(x, dtype=None, seed=None):
    out = x.dtype if dtype is None else np.dtype(dtype)
    if seed is None:  # P(u < p) = p for u ~ U[0, 1); p outside [0, 1] acts as clipped
        return (uniform01(x.shape, x.dtype, None) < x).astype(out)
    p = np.clip(np.nan_to_num(x.astype(np.float64), nan=0.0), 0.0, 1.0)
    return np.asarray(seeded(seed).binomial(1, p)).astype(out)


def _dropout(data, ratio=None, training_mode=None, seed=None):
    """Inverted dropout: each unit is kept with probability 1 - ratio and scaled by
    1 / (1 - ratio); not training (or ratio 0), the identity with an all-True mask."""
    rate = 0.5 if ratio is None else float(np.reshape(ratio, -1)[0])
    if training_mode is None or not np.reshape(training_mode, -1)[0] or rate == 0.0:
        return data, np.ones(data.shape, dtype=bool)
    # the comparison u >= ratio is ONNX's (onnx.reference) with the same RandomState stream
    mask = uniform01(data.shape, data.dtype, seed) >= rate
    scale = 0.0 if rate >= 1.0 else 1.0 / (1.0 - rate)  # ratio 1 drops all (torch: zeros)
    out = np.multiply(data, scale, dtype=data.dtype)
    out *= mask
    return out, mask


KERNELS = {
    ops.random_uniform: _random_uniform,
    ops.random_normal: _random_normal,
    ops.random_uniform_like: _random_uniform_like,
    ops.random_normal_like: _random_normal_like,
    ops.bernoulli: _bernoulli,
    ops.dropout: _dropout,
}
