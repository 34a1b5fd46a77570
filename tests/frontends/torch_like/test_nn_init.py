"""torch_like.nn.init against real PyTorch: gains, fans, deterministic schemes exactly, random
schemes by their bounds and moments on large tensors (never by matching random streams), layer
default inits, seeding, and torch's errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import frontends.torch_like as tt
from frontends.torch_like import nn as tnn
from frontends.torch_like.nn import init

from .test_nn_functional import error_of


def big(*shape, dtype=np.float32):
    return tt.Tensor(np.zeros(shape, dtype))


@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == \
        torch.nn.init.calculate_gain(nonlinearity, param)


@pytest.mark.parametrize("shape", [(3, 4), (8, 3, 5), (16, 4, 3, 3), (2, 3, 2, 2, 2)])
def test_fans_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(big(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))


def test_deterministic_schemes_equal_torch():
    for fn, shape, kwargs in [(init.eye_, (3, 5), {}), (init.dirac_, (4, 2, 3, 3), {}),
                              (init.dirac_, (6, 2, 3), {"groups": 3}),
                              (init.constant_, (2, 3), {"val": 0.3}), (init.ones_, (4,), {}),
                              (init.zeros_, (2, 2), {})]:
        ours, theirs = big(*shape), torch.empty(shape)
        assert fn(ours, **kwargs) is ours
        getattr(torch.nn.init, fn.__name__)(theirs, **kwargs)
        np.testing.assert_array_equal(ours.array, theirs.numpy(), err_msg=fn.__name__)


def test_uniform_and_normal_moments():
    u = init.uniform_(big(200, 500), -2.0, 3.0).array
    assert u.min() >= -2.0 and u.max() < 3.0 and abs(u.mean() - 0.5) < 0.03
    n = init.normal_(big(200, 500), 1.0, 2.0).array
    assert abs(n.mean() - 1.0) < 0.03 and abs(n.std() - 2.0) < 0.03
    assert n.dtype == np.float32


def test_xavier_and_kaiming_bounds_and_stds():
    fan_in, fan_out = 300 * 9, 200 * 9
    t = init.xavier_uniform_(big(200, 300, 3, 3), gain=2.0).array
    bound = 2.0 * math.sqrt(6.0 / (fan_in + fan_out))
    assert np.abs(t).max() <= bound and np.abs(t).max() > 0.99 * bound
    t = init.xavier_normal_(big(200, 300, 3, 3)).array
    assert abs(t.std() / math.sqrt(2.0 / (fan_in + fan_out)) - 1) < 0.01
    t = init.kaiming_uniform_(big(400, 500), a=math.sqrt(5)).array
    assert np.abs(t).max() <= 1 / math.sqrt(500) and np.abs(t).max() > 0.99 / math.sqrt(500)
    t = init.kaiming_normal_(big(400, 500), mode="fan_out", nonlinearity="relu").array
    assert abs(t.std() / (math.sqrt(2.0) / math.sqrt(400)) - 1) < 0.01


def test_orthogonal_trunc_normal_and_sparse():
    for shape in [(6, 10), (10, 6), (4, 3, 2, 2)]:
        q = init.orthogonal_(big(*shape, dtype=np.float64), gain=1.5).array.reshape(shape[0], -1)
        small = q @ q.T if shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 2.25 * np.eye(len(small)), atol=1e-10)
    t = init.trunc_normal_(big(300, 400), mean=0.5, std=1.0, a=-1.0, b=1.5).array
    assert t.min() >= -1.0 and t.max() <= 1.5
    expected = torch.nn.init.trunc_normal_(torch.empty(300, 400), 0.5, 1.0, -1.0, 1.5)
    assert abs(t.mean() - expected.mean().item()) < 0.02
    assert abs(t.std() - expected.std().item()) < 0.02
    s = init.sparse_(big(10, 300), sparsity=0.3).array
    assert np.all((s == 0).sum(axis=0) >= 3)


@pytest.mark.parametrize("build,name,bound", [
    (lambda nn: nn.Linear(1000, 500), "weight", 1 / math.sqrt(1000)),
    (lambda nn: nn.Linear(1000, 500), "bias", 1 / math.sqrt(1000)),
    (lambda nn: nn.Conv2d(64, 128, 3), "weight", 1 / math.sqrt(64 * 9)),
    (lambda nn: nn.Conv2d(64, 128, 3, groups=4), "bias", 1 / math.sqrt(16 * 9)),
    (lambda nn: nn.ConvTranspose2d(64, 128, 3), "weight", 1 / math.sqrt(128 * 9)),
    (lambda nn: nn.Bilinear(100, 20, 300), "weight", 1 / math.sqrt(100)),
])
def test_layer_default_init_bounds_match_torch(build, name, bound):
    ours = getattr(build(tnn), name).array
    theirs = getattr(build(torch.nn), name).detach().numpy()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    for a in (ours, theirs):
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.95 * bound
        # U(-b, b) has std b / sqrt(3); the sample std's relative error is ~ 1 / sqrt(2n)
        assert abs(a.std() / (bound / math.sqrt(3)) - 1) < 4 / math.sqrt(2 * a.size)


def test_constant_layer_inits_equal_torch():
    for build in [lambda nn: nn.BatchNorm2d(5), lambda nn: nn.LayerNorm((2, 3)),
                  lambda nn: nn.GroupNorm(2, 4), lambda nn: nn.PReLU(3, 0.1),
                  lambda nn: nn.InstanceNorm1d(3, affine=True)]:
        ours, theirs = build(tnn).state_dict(), build(torch.nn).state_dict()
        for k, v in theirs.items():
            np.testing.assert_array_equal(ours[k].array, v.numpy(), err_msg=k)


def test_embedding_init_is_standard_normal():
    w = tnn.Embedding(1000, 200).weight.array
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01


def test_manual_seed_repeats_inits_and_generators_are_honoured():
    tt.manual_seed(7)
    a = tnn.Conv2d(3, 4, 3).weight.array.copy()
    tt.manual_seed(7)
    b = tnn.Conv2d(3, 4, 3).weight.array.copy()
    np.testing.assert_array_equal(a, b)
    g1, g2 = tt.Generator().manual_seed(1), tt.Generator().manual_seed(1)
    np.testing.assert_array_equal(init.normal_(big(5), generator=g1).array,
                                  init.normal_(big(5), generator=g2).array)


@pytest.mark.parametrize("case", [
    lambda I, t: I.eye_(t(np.zeros((2, 2, 2), np.float32))),
    lambda I, t: I.dirac_(t(np.zeros((2, 2), np.float32))),
    lambda I, t: I.dirac_(t(np.zeros((3, 2, 3), np.float32)), groups=2),
    lambda I, t: I.xavier_uniform_(t(np.zeros(3, np.float32))),
    lambda I, t: I.kaiming_uniform_(t(np.zeros((2, 2), np.float32)), mode="fan_avg"),
    lambda I, t: I.calculate_gain("swish"),
    lambda I, t: I.calculate_gain("leaky_relu", "x"),
    lambda I, t: I.orthogonal_(t(np.zeros(3, np.float32))),
])
def test_init_errors_match_torch(case):
    assert error_of(lambda: case(init, tt.Tensor)) == \
        error_of(lambda: case(torch.nn.init, torch.tensor))
