"""torch_like.nn.utils against real PyTorch: gradient clipping by norm (every norm type,
returned total norm, non-finite handling) and by value, and parameter/vector conversion."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import frontends.torch_like as tt
from frontends.torch_like import nn as tnn

from .test_nn_layers import assert_close, copy_state, ours_tensor, rand

TOL = {"rtol": 1e-5, "atol": 1e-6}


def models_with_grads():
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    ours = tnn.Sequential(tnn.Linear(4, 5), tnn.Tanh(), tnn.Linear(5, 2))
    copy_state(theirs, ours)
    x, g = rand(3, 4), rand(3, 2, seed=4) * 10
    theirs(torch.tensor(x)).backward(torch.tensor(g))
    ours(ours_tensor(x)).backward(ours_tensor(g))
    return theirs, ours


def compare_grads(theirs, ours) -> None:
    for (name, p), q in zip(theirs.named_parameters(), ours.parameters()):
        assert_close(q.grad, p.grad, TOL, name)


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf])
def test_clip_grad_norm_matches_torch(norm_type):
    theirs, ours = models_with_grads()
    grad_before = ours[0].weight.grad
    total_t = torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.5, norm_type)
    total_o = tnn.utils.clip_grad_norm_(ours.parameters(), 0.5, norm_type)
    assert total_o.shape == () and ours[0].weight.grad is grad_before  # in place
    assert_close(total_o, total_t, TOL, "total norm")
    compare_grads(theirs, ours)


def test_clip_grad_norm_leaves_small_gradients_alone():
    theirs, ours = models_with_grads()
    torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1e6)
    tnn.utils.clip_grad_norm_(ours.parameters(), 1e6)
    compare_grads(theirs, ours)


def test_clip_grad_norm_nonfinite_and_empty():
    p = tnn.Parameter(ours_tensor(np.ones(3, np.float32)))
    p.grad = ours_tensor(np.array([1.0, np.inf, 0.0], np.float32))
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from "
                                           "`parameters` is non-finite"):
        tnn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert p.grad.array[1] == np.inf  # left untouched
    assert float(tnn.utils.clip_grad_norm_([tnn.Parameter(ours_tensor(np.ones(2)))], 1.0)) == 0
    assert float(tnn.utils.clip_grad_norm_(p, 1.0)) == math.inf  # a single tensor is accepted


def test_clip_grad_value_matches_torch():
    theirs, ours = models_with_grads()
    torch.nn.utils.clip_grad_value_(theirs.parameters(), 0.3)
    assert tnn.utils.clip_grad_value_(ours.parameters(), 0.3) is None
    compare_grads(theirs, ours)


def test_get_total_norm_and_clip_with_norm_match_torch():
    theirs, ours = models_with_grads()
    total_t = torch.nn.utils.get_total_norm([p.grad for p in theirs.parameters()], 2.0)
    total_o = tnn.utils.get_total_norm([p.grad for p in ours.parameters()], 2.0)
    assert_close(total_o, total_t, TOL, "total")
    torch.nn.utils.clip_grads_with_norm_(theirs.parameters(), 0.1, total_t)
    tnn.utils.clip_grads_with_norm_(ours.parameters(), 0.1, total_o)
    compare_grads(theirs, ours)


def test_parameters_to_vector_and_back_match_torch():
    theirs, ours = models_with_grads()
    vt = torch.nn.utils.parameters_to_vector(theirs.parameters())
    vo = tnn.utils.parameters_to_vector(ours.parameters())
    assert_close(vo, vt, TOL, "vector")
    new = rand(vt.shape[0], seed=9)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), theirs.parameters())
    weight = ours[0].weight
    tnn.utils.vector_to_parameters(ours_tensor(new), ours.parameters())
    assert ours[0].weight is weight
    for (name, p), q in zip(theirs.named_parameters(), ours.parameters()):
        assert_close(q, p, TOL, name)
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        tnn.utils.vector_to_parameters([1.0], ours.parameters())


def test_parameters_to_vector_is_differentiable():
    lin = tnn.Linear(2, 3)
    v = tnn.utils.parameters_to_vector(lin.parameters())
    v.backward(ours_tensor(np.arange(9, dtype=np.float32)))
    np.testing.assert_array_equal(lin.weight.grad.array, np.arange(6).reshape(3, 2))
    np.testing.assert_array_equal(lin.bias.grad.array, [6, 7, 8])
    assert tt.is_grad_enabled()
