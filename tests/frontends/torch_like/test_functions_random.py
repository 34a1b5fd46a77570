"""Random numbers and seeding: torch.manual_seed makes runs repeat (our draws and the engine's
random ops such as Dropout), torch.Generator objects (manual_seed, seed, get_state/set_state),
shapes/dtypes/ranges of rand/randn/randint/randperm/normal/bernoulli/multinomial and the in-place
samplers, checked against torch's conventions (streams are not expected to match torch's), plus
set_num_threads/get_num_threads."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as ours
from core_ir import ops
from tests.frontends.torch_like.test_functions_harness import same_error, torch


def _draws(gen=None):
    return [ours.rand(3, generator=gen), ours.randn(2, 2, generator=gen),
            ours.randint(0, 10, (4,), generator=gen), ours.randperm(5, generator=gen)]


def _same(a, b) -> bool:
    return all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(a, b))


def test_manual_seed_repeats_the_draws_and_the_engine_random_ops():
    def run():
        ours.manual_seed(123)
        x = ours.ones(1000)
        dropped, _ = ops.dropout(x, ours.tensor(0.5), ours.tensor(True))
        return _draws() + [dropped]
    first, second = run(), run()
    assert _same(first, second)
    ours.manual_seed(124)
    assert not _same(first, _draws())
    assert ours.initial_seed() == 124


def test_generators_are_independent_and_restorable():
    g = ours.Generator().manual_seed(7)
    assert g.initial_seed() == 7
    state = g.get_state()
    first = _draws(g)
    g.set_state(state)
    assert _same(first, _draws(g))
    assert _same(_draws(ours.Generator().manual_seed(7)), first)
    assert isinstance(g.seed(), int)
    saved = ours.get_rng_state()
    a = ours.randn(4)
    ours.set_rng_state(saved)
    assert ours.randn(4).tolist() == a.tolist()


SHAPES = {
    "rand": lambda T: T.rand(2, 3), "rand tuple": lambda T: T.rand((4,)),
    "rand f64": lambda T: T.rand(2, dtype=T.float64), "randn": lambda T: T.randn(3, 1),
    "randn f16": lambda T: T.randn(5, dtype=T.float16),
    "randint": lambda T: T.randint(3, 9, (2, 2)), "randint high": lambda T: T.randint(4, (3,)),
    "randint dtype": lambda T: T.randint(0, 2, (3,), dtype=T.int32),
    "randperm": lambda T: T.randperm(6), "rand_like": lambda T: T.rand_like(T.ones(2, 2)),
    "randn_like f64": lambda T: T.randn_like(T.ones(3, dtype=T.float64)),
    "randint_like": lambda T: T.randint_like(T.ones(3), 5),
    "normal sizes": lambda T: T.normal(2.0, 3.0, (4,)),
    "normal tensors": lambda T: T.normal(T.zeros(3), T.ones(3)),
    "normal tensor mean": lambda T: T.normal(T.zeros(2, 2), 1.0),
    "bernoulli": lambda T: T.bernoulli(T.full((5,), 0.5)),
    "multinomial": lambda T: T.multinomial(T.tensor([0.1, 0.5, 0.4]), 2),
    "multinomial rows": lambda T: T.multinomial(T.ones(3, 4), 6, replacement=True),
    "poisson": lambda T: T.poisson(T.full((3,), 2.0)),
}


@pytest.mark.parametrize("name", SHAPES)
def test_shapes_and_dtypes_match_torch(name):
    mine, theirs = SHAPES[name](ours), SHAPES[name](torch)
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "")


def test_value_ranges_and_moments():
    ours.manual_seed(0)
    u = ours.rand(20000)
    assert 0 <= u.min().item() and u.max().item() < 1 and abs(u.mean().item() - 0.5) < 0.01
    n = ours.randn(20000, dtype=ours.float64)
    assert abs(n.mean().item()) < 0.03 and abs(n.std().item() - 1) < 0.03
    r = ours.randint(-3, 4, (5000,))
    assert set(r.unique().tolist()) == set(range(-3, 4))
    p = ours.randperm(50)
    assert sorted(p.tolist()) == list(range(50))
    m = ours.multinomial(ours.tensor([0.0, 1.0, 0.0, 2.0]), 2)
    assert sorted(m.tolist()) == [1, 3]
    counts = ours.multinomial(ours.tensor([1.0, 3.0]), 4000, replacement=True).bincount()
    assert abs(counts[1].item() / 4000 - 0.75) < 0.03
    b = ours.bernoulli(ours.full((10000,), 0.3))
    assert abs(b.mean().item() - 0.3) < 0.02 and b.dtype == ours.float32


def test_normal_with_tensor_arguments_is_differentiable():
    mean = ours.zeros(3, requires_grad=True)
    std = ours.ones(3, requires_grad=True)
    ours.normal(mean, std).sum().backward()
    assert mean.grad.tolist() == [1.0, 1.0, 1.0] and std.grad is not None


def test_inplace_samplers():
    ours.manual_seed(1)
    w = ours.empty(4000)
    assert w.uniform_(-2, 3) is w
    assert -2 <= w.min().item() and w.max().item() < 3 and abs(w.mean().item() - 0.5) < 0.1
    w.normal_(5.0, 0.5)
    assert abs(w.mean().item() - 5) < 0.05 and abs(w.std().item() - 0.5) < 0.05
    w.bernoulli_(0.25)
    assert set(w.unique().tolist()) == {0.0, 1.0}
    w.random_(0, 4)
    assert set(w.unique().tolist()) == {0.0, 1.0, 2.0, 3.0}
    w.exponential_(2.0)
    assert w.min().item() >= 0 and abs(w.mean().item() - 0.5) < 0.05
    for method in ("log_normal_", "cauchy_"):
        getattr(w, method)()
    w.geometric_(0.5)
    assert w.min().item() >= 1
    p = ours.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        p.normal_()
    with ours.no_grad():
        p.uniform_()
    assert p.requires_grad


def test_random_errors():
    # torch raises NotImplementedError here; ours a RuntimeError with the same words
    with pytest.raises(RuntimeError, match="\"check_uniform_bounds\" not implemented for "
                                           "'Long'"):
        ours.rand(2, dtype=ours.int64)
    same_error(lambda T: T.multinomial(T.ones(3), 4),
               match="cannot sample n_sample > prob_dist.size(-1) samples without replacement")


def test_threads():
    before = ours.get_num_threads()
    assert isinstance(before, int) and before >= 1
    ours.set_num_threads(2)
    assert ours.get_num_threads() == 2
    ours.set_num_threads(before)
    with pytest.raises(RuntimeError, match="positive"):
        ours.set_num_threads(0)
    ours.set_num_interop_threads(1)
    assert ours.get_num_interop_threads() == 1
