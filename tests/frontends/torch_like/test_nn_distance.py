"""CosineSimilarity and PairwiseDistance modules against real torch."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as ours

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("name, kwargs", [
    ("CosineSimilarity", {}), ("CosineSimilarity", {"dim": 0, "eps": 1e-3}),
    ("PairwiseDistance", {}), ("PairwiseDistance", {"p": 1.0, "keepdim": True}),
])
def test_distance_modules_match_torch(name, kwargs):
    a, b = RNG.standard_normal((2, 4, 5)).astype(np.float32)
    theirs_a = torch.tensor(a, requires_grad=True)
    theirs = getattr(torch.nn, name)(**kwargs)(theirs_a, torch.tensor(b))
    theirs.sum().backward()
    ours_a = ours.tensor(a, requires_grad=True)
    got = getattr(ours.nn, name)(**kwargs)(ours_a, ours.tensor(b))
    got.sum().backward()
    np.testing.assert_allclose(got.detach().numpy(), theirs.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(ours_a.grad.numpy(), theirs_a.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert repr(getattr(ours.nn, name)(**kwargs)) == repr(getattr(torch.nn, name)(**kwargs))
