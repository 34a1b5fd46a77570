"""The distributions, written once over a numpy Generator: tf.random.* pass the stream of their
seed, tf.random.Generator its own. Base samples come from _sampling.base_sample; the affine parts
(minval/maxval, mean/stddev) are IR ops, as TF writes them (rnd * stddev + mean)."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from .. import dtypes as _dtypes
from .._helpers import tensor
from .._tensor import call, constant
from . import _sampling as S


def _param(value, dtype):
    return tensor(value, dtype) if hasattr(value, "dtype") and not isinstance(
        value, np.ndarray) else constant(np.asarray(value, dtype=dtype))


def _is(value, number) -> bool:
    return not hasattr(value, "dtype") and np.ndim(value) == 0 and float(value) == number


def uniform(rng, shape, minval=0, maxval=None, dtype=_dtypes.float32):
    dtype = _dtypes.as_dtype(dtype)
    if dtype.kind in "iu":
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {dtype.name}")
        low, high = int(np.asarray(minval)), int(np.asarray(maxval))
        if low >= high:
            raise ValueError(f"Need minval < maxval, got {low} >= {high}")
        return S.base_sample(S.integers(low, high), shape, dtype, rng, _ir_integers(low, high))
    if dtype.kind != "f":
        raise ValueError(f"Invalid dtype {dtype.name} for uniform: float or int only")
    u = S.base_sample(S.uniform01, shape, dtype, rng, S.ir_uniform)
    maxval = 1 if maxval is None else maxval
    if _is(minval, 0) and _is(maxval, 1):
        return u
    low, high = _param(minval, dtype), _param(maxval, dtype)
    return u * (high - low) + low


def _ir_integers(low: int, high: int):
    def fallback(shape, dims, dtype):
        u = S.ir_uniform(shape, dims, np.dtype(np.float64))
        k = call(ops.floor, u * constant(np.float64(high - low)))
        return call(ops.cast, k, to=dtype) + constant(np.asarray(low, dtype))
    return fallback


def _scaled(base, mean, stddev, dtype):
    if _is(mean, 0) and _is(stddev, 1):
        return base
    return base * _param(stddev, dtype) + _param(mean, dtype)


def normal(rng, shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32):
    dtype = _dtypes.as_dtype(dtype)
    return _scaled(S.base_sample(S.normal01, shape, dtype, rng, S.ir_normal), mean, stddev, dtype)


def truncated_normal(rng, shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32):
    dtype = _dtypes.as_dtype(dtype)
    base = S.base_sample(S.truncated01, shape, dtype, rng, S.ir_truncated)
    return _scaled(base, mean, stddev, dtype)


def categorical(rng, logits, num_samples, dtype=None):
    """Samples of class indices [batch, num_samples] by the Gumbel-max trick:
    argmax(logits + Gumbel noise), the noise -log(-log(u)) from uniform u."""
    logits = tensor(logits)
    out_type = _dtypes.int64 if dtype is None else _dtypes.as_dtype(dtype)
    batch, classes = logits.shape
    shape = (batch if batch is not None else call(ops.shape, logits, start=0, end=1),
             int(num_samples), classes)
    shape = shape if batch is not None else _stack_shape(shape)
    u = S.base_sample(S.uniform01, shape, logits.dtype, rng, S.ir_uniform)
    tiny = constant(np.asarray(np.finfo(logits.dtype).tiny, logits.dtype))
    gumbel = -call(ops.log, -call(ops.log, call(ops.max_, u, tiny)))
    scores = call(ops.unsqueeze, logits, ops.const_ints([1])) + gumbel
    picked = call(ops.arg_max, scores, axis=-1, keepdims=0)
    return picked if out_type == np.int64 else call(ops.cast, picked, to=out_type)


def _stack_shape(parts):
    """A shape vector from ints and 1-element int64 tensors (Shape slices keep their known
    symbolic dims through Concat)."""
    pieces = [p if hasattr(p, "dtype") else ops.const_ints([p]) for p in parts]
    return call(ops.concat, *pieces, axis=0)


def _permutation(rng, shape, dtype):
    return rng.permutation(shape[0]).astype(dtype)


def _ir_permutation(shape, dims, dtype):
    keys = S.ir_uniform(shape, dims, np.dtype(np.float32))
    return call(ops.topk, keys, call(ops.shape, keys), axis=0)[1]


def shuffle(rng, value):
    """value with its first axis randomly permuted."""
    x = tensor(value)
    n = x.shape[0]
    shape = [n] if n is not None else call(ops.shape, x, start=0, end=1)
    perm = S.base_sample(_permutation, shape, np.int64, rng, _ir_permutation)
    return call(ops.gather, x, perm, axis=0)


def _concrete(value, what: str) -> np.ndarray:
    t = tensor(value)
    if t.array is None:
        raise ValueError(f"{what} must be concrete (a Python, numpy or eager value)")
    return np.asarray(t.array)


def gamma(rng, shape, alpha, beta=None, dtype=_dtypes.float32):
    """Gamma(alpha, beta) samples of shape + alpha's shape (beta is the rate)."""
    dtype = _dtypes.as_dtype(dtype)
    a = _concrete(alpha, "alpha")
    b = None if beta is None else _concrete(beta, "beta")
    full = tuple(S._dims(shape)) + np.broadcast_shapes(a.shape, () if b is None else b.shape)

    def sample(r, dims, dt):
        draw = r.standard_gamma(np.broadcast_to(a, dims[len(dims) - a.ndim:]) if a.ndim else a,
                                size=dims)
        return (draw if b is None else draw / b).astype(dt)
    return S.base_sample(sample, full, dtype, rng)


def poisson(rng, shape, lam, dtype=_dtypes.float32):
    """Poisson(lam) samples of shape + lam's shape."""
    dtype = _dtypes.as_dtype(dtype)
    lam_ = _concrete(lam, "lam")
    full = tuple(S._dims(shape)) + lam_.shape

    def sample(r, dims, dt):
        return r.poisson(lam_, size=dims).astype(dt)
    return S.base_sample(sample, full, dtype, rng)
