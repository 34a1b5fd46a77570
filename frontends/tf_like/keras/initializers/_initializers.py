"""keras.initializers: callables (shape, dtype) -> initial values, computed with numpy (they run
once per weight, outside any op graph).

Seeds follow Keras 3: an initializer fixes its seed when it is created (a given int, or one drawn
from Python's `random`, which keras.utils.set_random_seed seeds), so calling the same instance
twice gives the same values, and two layers with their own default initializers differ. The
numbers themselves come from numpy's generator, not Keras's: equal in distribution only.
"""

from __future__ import annotations

import math
import random

import numpy as np

from ..backend import _config

__all__ = [
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "compute_fans",
]


def _dtype(dtype) -> np.dtype:
    return np.dtype(_config.standardize_dtype(dtype))


def _as_tensor(array: np.ndarray):
    from ..ops._core import tensor
    return tensor(array)


class Initializer:
    """Mirrors keras.initializers.Initializer: `__call__(shape, dtype=None)`, `get_config`,
    `from_config`, `clone`."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())


class Constant(Initializer):
    """Every value is `value` (a scalar, or an array broadcast to the shape)."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return _as_tensor(np.broadcast_to(np.asarray(self.value), tuple(shape)).astype(
            _dtype(dtype)))

    def get_config(self) -> dict:
        return {"value": self.value}


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return _as_tensor(np.zeros(tuple(shape), _dtype(dtype)))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return _as_tensor(np.ones(tuple(shape), _dtype(dtype)))


class RandomInitializer(Initializer):
    """An initializer with a seed fixed at creation (see the module docstring)."""

    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, int):
            raise ValueError("`seed` argument should be an instance of `keras.random.SeedGenerator"
                             f"()` or an integer. Received: seed={seed}")
        self._init_seed = seed
        self.seed = seed if seed is not None else random.randint(1, int(1e9))

    def rng(self) -> np.random.Generator:
        return np.random.default_rng(self.seed)

    def get_config(self) -> dict:
        return {"seed": self._init_seed}


class RandomUniform(RandomInitializer):
    """U(minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        a = self.rng().uniform(self.minval, self.maxval, tuple(shape))
        return _as_tensor(a.astype(_dtype(dtype)))

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class RandomNormal(RandomInitializer):
    """N(mean, stddev^2)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        a = self.rng().normal(self.mean, self.stddev, tuple(shape))
        return _as_tensor(a.astype(_dtype(dtype)))

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


def truncated_normal(rng: np.random.Generator, shape: tuple, mean: float, stddev: float):
    """N(mean, stddev^2) redrawn until within two standard deviations (as TF and Keras)."""
    a = rng.standard_normal(shape)
    bad = np.abs(a) > 2
    while bad.any():
        a[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(a) > 2
    return a * stddev + mean


class TruncatedNormal(RandomInitializer):
    """N(mean, stddev^2) truncated to mean +- 2 stddev."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        a = truncated_normal(self.rng(), tuple(shape), self.mean, self.stddev)
        return _as_tensor(a.astype(_dtype(dtype)))

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """(fan_in, fan_out): a Dense kernel is (in, out); a conv kernel (*spatial, in, out) counts
    the receptive field in both."""
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (int(np.prod([shape[a] for a in input_axes])),
                int(np.prod([shape[a] for a in output_axes])))
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(RandomInitializer):
    """Samples scaled to the fan: variance scale / n with n = fan_in, fan_out or their mean;
    distribution 'truncated_normal' (stddev sqrt(scale / n) / .87962566103423978),
    'untruncated_normal' or 'uniform' (limit sqrt(3 scale / n))."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        if scale <= 0.0:
            raise ValueError("Argument `scale` must be positive float. Received: scale="
                             f"{scale}")
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError("Invalid `mode` argument: expected one of {'fan_in', 'fan_out', "
                             f"'fan_avg'}}. Received: mode={mode}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in {"uniform", "truncated_normal", "untruncated_normal"}:
            raise ValueError("Invalid `distribution` argument: expected one of {'uniform', "
                             "'truncated_normal', 'untruncated_normal'}. Received: "
                             f"distribution={distribution}")
        super().__init__(seed)
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self.rng()
        if self.distribution == "truncated_normal":
            a = truncated_normal(rng, shape, 0.0, math.sqrt(scale) / 0.87962566103423978)
        elif self.distribution == "untruncated_normal":
            a = rng.normal(0.0, math.sqrt(scale), shape)
        else:
            limit = math.sqrt(3.0 * scale)
            a = rng.uniform(-limit, limit, shape)
        return _as_tensor(a.astype(_dtype(dtype)))

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


def _preset(name: str, scale: float, mode: str, distribution: str, doc: str):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes, output_axes)

    def get_config(self) -> dict:
        return {"seed": self._init_seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform",
                        "U(-l, l) with l = sqrt(6 / (fan_in + fan_out)).")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                       "Truncated normal, stddev sqrt(2 / (fan_in + fan_out)).")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform", "U(-l, l) with l = sqrt(6 / fan_in).")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal",
                   "Truncated normal, stddev sqrt(2 / fan_in).")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform",
                       "U(-l, l) with l = sqrt(3 / fan_in).")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal",
                      "Truncated normal, stddev sqrt(1 / fan_in).")


class Orthogonal(RandomInitializer):
    """An orthogonal matrix (over the last axis vs the rest), times `gain`."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = self.rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return _as_tensor((self.gain * q.reshape(shape)).astype(_dtype(dtype)))

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}


class Identity(Initializer):
    """The identity matrix (2-D shapes), times `gain`."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={tuple(shape)} of rank {len(shape)}.")
        return _as_tensor((self.gain * np.eye(*shape)).astype(_dtype(dtype)))

    def get_config(self) -> dict:
        return {}  # as Keras 3 (its Identity does not serialize `gain`)
