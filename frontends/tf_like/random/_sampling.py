"""Where tf.random's numbers come from: numpy Generators owned by this frontend (the global
seed's streams and each tf.random.Generator), and how a draw enters a program.

A draw is a *base sample* (U[0, 1), N(0, 1), a truncated normal, ...) of a known shape; the
public functions turn it into the requested distribution with IR ops, so tensor-valued
parameters (mean, stddev, minval, ...) work and are differentiable.

- Eagerly, the base sample is a constant drawn now.
- Inside tf.function, it is an extra *input* of the traced graph: tf.function draws it from the
  same stream on every call (fresh numbers each call, reproducible after tf.random.set_seed).
  Symbolic dims of its shape are resolved from the call's input shapes.
- In any other trace (a Keras train step traced by someone else) no one feeds extra inputs:
  the base sample uses the IR's random ops (the backend's generator), fresh on every run.
"""

from __future__ import annotations

import contextlib

import numpy as np

from core_ir import ops
from core_ir.interpreters import current_interpreter
from core_ir.tensor import Tensor as _CoreTensor

from .._tensor import EagerTensor, TracingInterpreter, call, constant

DEFAULT_GRAPH_SEED = 87654321  # TF's, used when only an op seed is given


class _GlobalState:
    seed: int | None = None
    streams: dict = {}


def set_seed(seed) -> None:
    """tf.random.set_seed: reset the global seed; every stream restarts from it."""
    _GlobalState.seed = None if seed is None else int(seed)
    _GlobalState.streams = {}


def stream(op_seed=None) -> np.random.Generator:
    """The generator for an op seed (None: the global stream). Unseeded (no global, no op seed)
    is non-deterministic, as TF."""
    key = None if op_seed is None else int(op_seed)
    rng = _GlobalState.streams.get(key)
    if rng is None:
        g = _GlobalState.seed
        if g is None and key is None:
            rng = np.random.default_rng()
        else:
            rng = np.random.default_rng([DEFAULT_GRAPH_SEED if g is None else g & 0xFFFFFFFF,
                                         0 if key is None else (key & 0xFFFFFFFF) + 1])
        _GlobalState.streams[key] = rng
    return rng


class Replay:
    """The generator of a stateless op: every draw restarts from the seed, so the same seed
    gives the same numbers at every call, eagerly and inside tf.function."""

    def __init__(self, seed):
        self.seed = seed

    def fresh(self) -> np.random.Generator:
        return np.random.default_rng(self.seed)


def _start(rng):
    """The generator to draw from now: `rng` may be a provider (a callable), so a traced
    function's feed follows the stream it names, even after set_seed replaced it."""
    if callable(rng):
        rng = rng()
    return rng.fresh() if isinstance(rng, Replay) else rng


# -- base samplers: fn(rng, shape, dtype) -> array -------------------------------------------------
def uniform01(rng, shape, dtype):
    return rng.random(shape, dtype=np.float32 if dtype == np.float32 else np.float64) \
        .astype(dtype, copy=False)


def normal01(rng, shape, dtype):
    return rng.standard_normal(shape, dtype=np.float32 if dtype == np.float32 else np.float64) \
        .astype(dtype, copy=False)


def truncated01(rng, shape, dtype):
    """N(0, 1) restricted to [-2, 2]: rejected values are redrawn (vectorized over the
    rejected ones; each round keeps about 95% of them)."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return out.astype(dtype)


def integers(low: int, high: int):
    def sample(rng, shape, dtype):
        return rng.integers(low, high, size=shape, dtype=dtype)
    return sample


# -- feeding draws into tf.function ----------------------------------------------------------------
class FeedContext:
    """The random inputs one tf.function trace asked for: (sampler, rng, dims, dtype)."""

    def __init__(self, tracer):
        self.tracer = tracer
        self.feeds: list[tuple] = []

    def feed(self, sampler, rng, dims: tuple, dtype) -> EagerTensor:
        t = self.tracer.input(np.dtype(dtype), dims, f"random_{len(self.feeds)}", EagerTensor)
        self.feeds.append((sampler, rng, dims, np.dtype(dtype)))
        return t

    def draw(self, sizes: dict) -> list[np.ndarray]:
        """Fresh base samples for one call; `sizes` maps each symbolic dim to its size."""
        return [sampler(_start(rng), tuple(sizes[d] if isinstance(d, str) else d for d in dims),
                        dtype) for sampler, rng, dims, dtype in self.feeds]


_contexts: list[FeedContext] = []


@contextlib.contextmanager
def feeding(tracer):
    """Random draws made while tf.function traces with `tracer` become its extra inputs."""
    ctx = FeedContext(tracer)
    _contexts.append(ctx)
    try:
        yield ctx
    finally:
        _contexts.pop()


def _dims(shape) -> tuple:
    """The requested shape as ints and symbolic dims (None: unknown while tracing)."""
    if isinstance(shape, _CoreTensor):
        known = shape.known
        if known is None:
            return (None,) * (shape.shape[0] if shape.ndim else 1)
        return tuple(d if isinstance(d, str) else int(d) for d in np.ravel(np.asarray(
            known, dtype=object)))
    if shape is None:
        return ()
    if isinstance(shape, np.ndarray):
        shape = shape.reshape(-1).tolist()
    if isinstance(shape, (int, np.integer)):
        shape = [shape]
    return tuple(_dim(d) for d in shape)


def _dim(d):
    if isinstance(d, _CoreTensor):
        k = d.known
        if k is None:
            return None
        k = np.ravel(np.asarray(k, dtype=object))
        return k[0] if isinstance(k[0], str) else int(k[0])
    return None if d is None else int(d)


def base_sample(sampler, shape, dtype, rng, fallback=None) -> EagerTensor:
    """A base sample of `shape`: drawn now, fed by tf.function, or (other traces) the IR
    `fallback(shape, dtype)`."""
    dims = _dims(shape)
    interp = current_interpreter()
    if not isinstance(interp, TracingInterpreter):
        return constant(sampler(_start(rng), dims, np.dtype(dtype)))
    ctx = _contexts[-1] if _contexts else None
    if ctx is not None and ctx.tracer is interp and None not in dims:
        return ctx.feed(sampler, rng, dims, dtype)
    if fallback is None:
        raise ValueError("this tf.random op can run eagerly or inside tf.function (with a shape "
                         "known from the function's inputs), not in another trace")
    return fallback(shape, dims, np.dtype(dtype))


def _like_zeros(shape, dims, dtype):
    """A tensor of the requested shape for the IR's *Like random ops."""
    from .._helpers import shape_input
    if None not in dims and all(isinstance(d, int) for d in dims):
        return constant(np.zeros(dims, dtype))
    return call(ops.constant_of_shape, shape_input(shape), value=np.zeros(1, dtype))


def ir_uniform(shape, dims, dtype):
    return call(ops.random_uniform_like, _like_zeros(shape, dims, dtype))


def ir_normal(shape, dims, dtype):
    return call(ops.random_normal_like, _like_zeros(shape, dims, dtype))


def ir_truncated(shape, dims, dtype, tries: int = 4):
    """N(0, 1) within [-2, 2] from a few normal draws: the last one in range wins (when all are
    out of range, about 1 in 2e6 entries, a clipped draw stands in)."""
    pick = call(ops.clip, ir_normal(shape, dims, dtype), constant(np.asarray(-2, dtype)),
                constant(np.asarray(2, dtype)))
    for _ in range(tries):
        z = ir_normal(shape, dims, dtype)
        inside = call(ops.less_or_equal, call(ops.abs_, z), constant(np.asarray(2, dtype)))
        pick = call(ops.where, inside, z, pick)
    return pick
