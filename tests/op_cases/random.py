"""Cases for the random ops and Dropout. With a `seed` attribute their output is a function of the
seed: numpy's RandomState(seed) stream, the one onnx.reference draws from, so the references
below recompute it value by value. The unseeded behaviour (the backend generator, manual_seed,
statistics, fresh draws per plan run) is tested in tests/backends/test_random.py."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from . import OpCase, rand


def _state(seed):
    return np.random.RandomState(int(seed))


def uniform_ref(shape, seed, low=0.0, high=1.0, dtype=np.float32):
    def ref(*like):
        res = _state(seed).random_sample(shape).astype(dtype)
        return res * dtype(high - low) + dtype(low)

    return ref


def normal_ref(shape, seed, mean=0.0, scale=1.0, dtype=np.float32):
    def ref(*like):
        return _state(seed).standard_normal(shape).astype(dtype) * dtype(scale) + dtype(mean)

    return ref


def bernoulli_ref(seed, dtype):
    return lambda p: _state(seed).binomial(1, p).astype(dtype)


def dropout_ref(seed, training=True):
    def ref(x, ratio=None, training_mode=None):
        r = 0.5 if ratio is None else float(ratio)
        if not training or r == 0:
            return x, np.ones(x.shape, bool)
        mask = _state(seed).random_sample(x.shape) >= r
        return np.where(mask, x / (1 - r) if r < 1 else 0, 0), mask

    return ref


def scalar(v, dtype=np.float32):
    return np.asarray(v, dtype=dtype)


PROBS = np.linspace(0.0, 1.0, 24).reshape(4, 6).astype(np.float32)

CASES = [
    OpCase("random_uniform_seeded", ops.random_uniform, [], uniform_ref((3, 4), 5, -1.0, 2.0),
           attrs={"shape": (3, 4), "seed": 5.0, "low": -1.0, "high": 2.0}),
    OpCase("random_uniform_seeded_float64", ops.random_uniform, [],
           uniform_ref((2, 3), 7, dtype=np.float64),
           attrs={"shape": (2, 3), "seed": 7.0, "dtype": np.float64}),
    OpCase("random_normal_seeded", ops.random_normal, [], normal_ref((2, 5), 3, 1.0, 2.0),
           attrs={"shape": (2, 5), "seed": 3.0, "mean": 1.0, "scale": 2.0}),
    OpCase("random_uniform_like_seeded_from_int", ops.random_uniform_like,
           [np.zeros((2, 3), np.int64)], uniform_ref((2, 3), 1, 0.5, 1.5),
           attrs={"seed": 1.0, "dtype": np.float32, "low": 0.5, "high": 1.5}),
    OpCase("random_normal_like_seeded", ops.random_normal_like, [rand(3, 2, dtype=np.float64)],
           normal_ref((3, 2), 2, -1.0, 0.5, dtype=np.float64),
           attrs={"seed": 2.0, "mean": -1.0, "scale": 0.5}),
    OpCase("bernoulli_seeded", ops.bernoulli, [PROBS], bernoulli_ref(4, np.float32),
           attrs={"seed": 4.0}),
    OpCase("bernoulli_seeded_int64", ops.bernoulli, [PROBS], bernoulli_ref(9, np.int64),
           attrs={"seed": 9.0, "dtype": np.int64}),
    OpCase("bernoulli_seeded_bool", ops.bernoulli, [PROBS], bernoulli_ref(9, bool),
           attrs={"seed": 9.0, "dtype": np.bool_}),
    # Dropout: outputs (output, mask); the gradient check fixes the mask with a seed
    OpCase("dropout_training_seeded", ops.dropout,
           [rand(6, 5), scalar(0.3), scalar(True, bool)], dropout_ref(0),
           attrs={"seed": 0}, wrt=(0,)),
    OpCase("dropout_training_default_ratio", ops.dropout,
           [rand(3, 4, 5), None, scalar(True, bool)], dropout_ref(11),
           attrs={"seed": 11}, wrt=(0,)),
    OpCase("dropout_training_ratio_one", ops.dropout,
           [rand(3, 4), scalar(1.0), scalar(True, bool)], dropout_ref(1),
           attrs={"seed": 1}, wrt=(0,)),
    OpCase("dropout_not_training", ops.dropout,
           [rand(3, 4), scalar(0.6), scalar(False, bool)], dropout_ref(0, training=False),
           attrs={"seed": 0}, wrt=(0,)),
    OpCase("dropout_no_training_mode", ops.dropout, [rand(3, 4)], dropout_ref(0, training=False),
           wrt=(0,)),
]
