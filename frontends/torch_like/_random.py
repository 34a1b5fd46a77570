"""torch.manual_seed, torch.Generator, rand/randn/randint/randperm/normal/bernoulli/multinomial/
poisson and the in-place samplers (normal_, uniform_, ...).

Draws come from NumPy generators (PCG64) held by torch.Generator objects: new tensors are leaves
made outside the op graph. torch.manual_seed seeds the default Generator and the engine's own
generator (the one the IR's random ops such as Dropout draw from), so identical runs give
identical numbers. Matching PyTorch's random streams is not a goal.
"""

from __future__ import annotations

import builtins
import json
import secrets

import numpy as np

import backends.numpy as _engine

from . import _dtypes
from ._shape_ops import size_args
from ._tensor import Tensor, check_device, wrap
from ._tensor_ops_inplace import assign_inplace


class Generator:
    """Mirrors torch.Generator (CPU): manual_seed, seed, initial_seed, get_state, set_state.
    Difference: the state is this library's own encoding (a uint8 tensor), not torch's."""

    def __init__(self, device="cpu"):
        check_device(device)
        self.device = device
        self.manual_seed(secrets.randbits(63))

    def manual_seed(self, seed) -> Generator:
        seed = builtins.int(seed)
        self._initial = seed
        self.rng = np.random.default_rng(seed & (2**64 - 1))
        return self

    def seed(self) -> int:
        s = secrets.randbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._initial

    def get_state(self) -> Tensor:
        return _encode({"rng": self.rng.bit_generator.state, "initial": self._initial})

    def set_state(self, new_state) -> Generator:
        state = _decode(new_state)
        self.rng.bit_generator.state = state["rng"]
        self._initial = state["initial"]
        return self

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {id(self):#x}>"


def _encode(state: dict) -> Tensor:
    return Tensor(np.frombuffer(json.dumps(state).encode(), np.uint8).copy())


def _decode(t) -> dict:
    a = np.asarray(t.array if isinstance(t, Tensor) else t, np.uint8)
    return json.loads(a.tobytes().decode())


default_generator = Generator()


def manual_seed(seed) -> Generator:
    """Seed the default generator and the engine's (Dropout and the other random ops)."""
    seed = builtins.int(seed)
    _engine.manual_seed(seed & (2**32 - 1) if seed < 0 else seed)
    return default_generator.manual_seed(seed)


def seed() -> int:
    s = default_generator.seed()
    _engine.manual_seed(s)
    return s


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    state = _decode(default_generator.get_state())
    state["engine"] = _engine.get_state()
    return _encode(state)


def set_rng_state(new_state) -> None:
    state = _decode(new_state)
    default_generator.set_state(_encode({"rng": state["rng"], "initial": state["initial"]}))
    if "engine" in state:
        _engine.set_state(state["engine"])


def _rng(generator) -> np.random.Generator:
    return (generator or default_generator).rng


def _float_draw(shape, dtype, draw):
    """float32/float64 drawn directly; float16 through float32."""
    d = _dtypes.as_dtype(dtype) or _dtypes.get_default_dtype()
    if d.kind != "f":
        raise RuntimeError(f"\"check_uniform_bounds\" not implemented for "
                           f"'{_dtypes.legacy_name(d)}'")
    work = np.float64 if d == np.float64 else np.float32
    return draw(shape, work).astype(d, copy=False)


def _leaf(array, requires_grad, device=None) -> Tensor:
    check_device(device)
    t = Tensor(np.asarray(array))
    if requires_grad:
        t.requires_grad_(True)
    return t


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """U[0, 1) numbers of the given shape."""
    a = _float_draw(size_args(size), dtype, lambda s, w: _rng(generator).random(s, dtype=w))
    return _leaf(a, requires_grad, device)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """N(0, 1) numbers of the given shape."""
    a = _float_draw(size_args(size), dtype,
                    lambda s, w: _rng(generator).standard_normal(s, dtype=w))
    return _leaf(a, requires_grad, device)


def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad: bool = False) -> Tensor:
    """Integers in [low, high): randint(high, size) or randint(low, high, size)."""
    if size is None:
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint() missing required arguments: 'high' and 'size'")
    d = _dtypes.as_dtype(dtype) or _dtypes.int64
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    a = _rng(generator).integers(low, high, size_args((size,)), dtype=np.int64).astype(d)
    return _leaf(a, requires_grad, device)


def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    d = _dtypes.as_dtype(dtype) or _dtypes.int64
    return _leaf(_rng(generator).permutation(n).astype(d), requires_grad, device)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    return rand(*input.shape, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    return randn(*input.shape, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad: bool = False, memory_format=None) -> Tensor:
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           layout=None, device=None, requires_grad: bool = False) -> Tensor:
    """mean + std * N(0, 1): tensors for mean/std broadcast (and carry gradients), numbers
    need `size`."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        like = mean if isinstance(mean, Tensor) else std
        shape = np.broadcast_shapes(tuple(wrap(mean).shape), tuple(wrap(std).shape))
        noise = randn(*shape, generator=generator, dtype=like.dtype)
        return mean + std * noise
    noise = randn(*size_args((size,)), generator=generator, dtype=dtype, device=device)
    return _leaf(np.asarray((noise * std + mean).array), requires_grad)


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    probs = np.asarray(input.array) if p is None else np.full(tuple(input.shape), p)
    draw = _rng(generator).random(probs.shape) < probs
    return Tensor(draw.astype(input.dtype))


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None,
                out=None) -> Tensor:
    """Indices drawn by the (unnormalized) row weights, with or without replacement."""
    w = np.asarray(input.array, np.float64)
    rows = w.reshape(-1, w.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    rng = _rng(generator)
    if replacement:
        cdf = np.cumsum(rows, 1)
        u = rng.random((rows.shape[0], num_samples)) * cdf[:, -1:]
        picks = (u[:, :, None] >= cdf[:, None, :]).sum(-1)
    else:  # Gumbel top-k: the k largest of log(w) + Gumbel noise are a draw without replacement
        keys = np.log(rows) - np.log(-np.log(rng.random(rows.shape)))
        picks = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    return Tensor(picks.reshape(w.shape[:-1] + (num_samples,)).astype(np.int64))


def poisson(input, generator=None) -> Tensor:
    return Tensor(_rng(generator).poisson(np.asarray(input.array)).astype(input.dtype))


# -- in-place samplers (installed as Tensor methods) ---------------------------------------------


def _fill(self, array) -> Tensor:
    return assign_inplace(self, Tensor(np.asarray(array).astype(self.dtype, copy=False)))


def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    a = _float_draw(tuple(self.shape), self.dtype,
                    lambda s, w: _rng(generator).standard_normal(s, dtype=w))
    return _fill(self, a * self.dtype.type(std) + self.dtype.type(mean))


def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    u = _float_draw(tuple(self.shape), self.dtype, lambda s, w: _rng(generator).random(s, dtype=w))
    return _fill(self, u * self.dtype.type(b - a) + self.dtype.type(a))


def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    probs = np.asarray(p.array) if isinstance(p, Tensor) else p
    return _fill(self, _rng(generator).random(tuple(self.shape)) < probs)


def random_(self, from_=None, to=None, *, generator=None) -> Tensor:
    """Integers in [from, to); random_(to) is [0, to); random_() covers the dtype's exactly
    representable integers (up to 2**mantissa for floats)."""
    if to is None:
        if from_ is None:
            to = 2 ** (np.finfo(self.dtype).nmant + 1) + 1 if self.dtype.kind == "f" else \
                np.iinfo(self.dtype).max
        else:
            to = from_
        from_ = 0
    return _fill(self, _rng(generator).integers(from_, to, tuple(self.shape)))


def exponential_(self, lambd: float = 1.0, *, generator=None) -> Tensor:
    return _fill(self, _rng(generator).exponential(1.0 / lambd, tuple(self.shape)))


def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    return _fill(self, _rng(generator).lognormal(mean, std, tuple(self.shape)))


def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    return _fill(self, median + sigma * _rng(generator).standard_cauchy(tuple(self.shape)))


def geometric_(self, p: float, *, generator=None) -> Tensor:
    return _fill(self, _rng(generator).geometric(p, tuple(self.shape)))


def _install() -> None:
    for fn in (normal_, uniform_, bernoulli_, random_, exponential_, log_normal_, cauchy_,
               geometric_):
        setattr(Tensor, fn.__name__, fn)


_install()

__all__ = [
    "Generator",
    "bernoulli",
    "default_generator",
    "get_rng_state",
    "initial_seed",
    "manual_seed",
    "multinomial",
    "normal",
    "poisson",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
    "seed",
    "set_rng_state",
]
