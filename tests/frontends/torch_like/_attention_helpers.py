"""Shared pieces of the attention / Transformer differential tests against real torch 2.13:
tolerances, weight copying via state_dict, comparison and gradient checks.

Tolerances: attention sums over keys and heads in another order than torch (the fused op
scales Q and K by sqrt(scale) each, torch scales Q once), so forward results agree to ~1e-6
relative, gradients through softmax and LayerNorm to ~1e-5."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as tt

torch = pytest.importorskip("torch")

FORWARD = {"rtol": 1e-5, "atol": 2e-6}
GRADS = {"rtol": 1e-4, "atol": 2e-5}
STEPS = {"rtol": 1e-4, "atol": 2e-5}


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def copy_state(theirs, ours) -> None:
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: tt.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})


def close(ours, theirs, tol, what: str = "") -> None:
    a = ours.detach().numpy() if hasattr(ours, "detach") else np.asarray(ours)
    np.testing.assert_allclose(a, theirs.detach().numpy(), err_msg=what, **tol)


def leaves(*arrays):
    """The same inputs as leaf tensors that require grad, in both libraries."""
    return ([tt.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def both_grads(ours_out, theirs_out, ours_in, theirs_in, ours_mod, theirs_mod, seed=9):
    """Backward a fixed random cotangent through both and compare every gradient."""
    ct = rand(*theirs_out.shape, seed=seed)
    (ours_out * tt.tensor(ct)).sum().backward()
    (theirs_out * torch.tensor(ct)).sum().backward()
    for i, (a, b) in enumerate(zip(ours_in, theirs_in)):
        close(a.grad, b.grad, GRADS, f"input {i}")
    named = dict(theirs_mod.named_parameters())
    for name, p in ours_mod.named_parameters():
        close(p.grad, named[name].grad, GRADS, name)
