"""Differential tests of torch_like.optim against real torch 2.13: the same initial parameters
and the same gradients for several steps; parameters and every state tensor are compared after
each step, for every optimizer configuration, with parameter groups, a scheduler changing the
lr, and state_dict round trips."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import frontends.torch_like as ttorch
from frontends.torch_like import Parameter, Tensor

torch = pytest.importorskip("torch")

# float32; the fused kernels compute the same formulas in the same order as torch's
# single-tensor path, but numpy and ATen round a few intermediates differently
RTOL, ATOL = 1e-5, 1e-6
SHAPES = [(3, 4), (4,), (2, 1, 3)]
STEPS = 6

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "maximize": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.2, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.7, "centered": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1,
                 "initial_accumulator_value": 0.2, "eps": 1e-8}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "betas": (0.7, 0.9), "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (0.01, 0.08), "maximize": True}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 2, "weight_decay": 0.1}),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CONFIGS)]


def initial(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in SHAPES]


def gradients(steps=STEPS, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(steps)]


def pair(arrays):
    """The same parameters in ours and in torch."""
    return ([Parameter(a.copy()) for a in arrays],
            [torch.nn.Parameter(torch.tensor(a)) for a in arrays])


def feed(ours, theirs, grads):
    for p, g in zip(ours, grads):
        p.grad = None if g is None else Tensor(g.copy())
    for p, g in zip(theirs, grads):
        p.grad = None if g is None else torch.tensor(g)


def assert_params(ours, theirs, rtol=RTOL, atol=ATOL):
    for i, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a.array, b.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"param {i}")


def assert_state(opt, ref, rtol=RTOL, atol=ATOL):
    mine, theirs = opt.state_dict()["state"], ref.state_dict()["state"]
    assert list(mine) == list(theirs)
    for k in theirs:
        assert list(mine[k]) == list(theirs[k]), f"state keys of param {k}"
        for name, value in theirs[k].items():
            got = mine[k][name]
            assert got.dtype == np.dtype(str(value.dtype).replace("torch.", ""))
            np.testing.assert_allclose(got.array, value.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"state[{k}][{name!r}]")


def make(name, kwargs, ours, theirs):
    return getattr(ttorch.optim, name)(ours, **kwargs), getattr(torch.optim, name)(theirs, **kwargs)


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_steps_match_torch(name, kwargs):
    ours, theirs = pair(initial())
    opt, ref = make(name, kwargs, ours, theirs)
    for grads in gradients():
        feed(ours, theirs, grads)
        opt.step()
        ref.step()
        assert_params(ours, theirs)
        assert_state(opt, ref)


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_param_groups_with_their_own_lr(name, kwargs):
    ours, theirs = pair(initial())
    lr = kwargs.get("lr", 0.01)
    groups = lambda ps: [{"params": ps[:1]}, {"params": ps[1:], "lr": lr / 3}]
    opt = getattr(ttorch.optim, name)(groups(ours), **kwargs)
    ref = getattr(torch.optim, name)(groups(theirs), **kwargs)
    for grads in gradients():
        feed(ours, theirs, grads)
        opt.step()
        ref.step()
    assert_params(ours, theirs)
    assert_state(opt, ref)
    assert opt.state_dict()["param_groups"] == ref.state_dict()["param_groups"]


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_params_without_gradients_are_skipped(name, kwargs):
    """A parameter without .grad neither moves nor gets state (its step count lags)."""
    ours, theirs = pair(initial())
    opt, ref = make(name, kwargs, ours, theirs)
    for i, grads in enumerate(gradients()):
        grads = [None if (i % 2 and k == 1) else g for k, g in enumerate(grads)]
        feed(ours, theirs, grads)
        opt.step()
        ref.step()
    assert_params(ours, theirs)
    assert_state(opt, ref)


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_state_dict_round_trip_continues_like_torch(name, kwargs):
    """Three steps, state_dict, a fresh optimizer loads it (over copies of the parameters), three
    more steps: the same as torch doing the same."""
    ours, theirs = pair(initial())
    opt, ref = make(name, kwargs, ours, theirs)
    all_grads = gradients()
    for grads in all_grads[:3]:
        feed(ours, theirs, grads)
        opt.step()
        ref.step()
    saved, saved_ref = copy.deepcopy(opt.state_dict()), copy.deepcopy(ref.state_dict())
    ours2, theirs2 = pair([p.array for p in ours])
    opt2, ref2 = make(name, kwargs, ours2, theirs2)
    opt2.load_state_dict(saved)
    ref2.load_state_dict(saved_ref)
    assert_state(opt2, ref2)
    for grads in all_grads[3:]:
        feed(ours2, theirs2, grads)
        opt2.step()
        ref2.step()
    assert_params(ours2, theirs2)
    assert_state(opt2, ref2)


@pytest.mark.parametrize("name, kwargs", [c for c in CONFIGS if c[0] in ("SGD", "Adam")][::2])
def test_lr_changed_by_a_scheduler(name, kwargs):
    ours, theirs = pair(initial())
    opt, ref = make(name, kwargs, ours, theirs)
    sched = ttorch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    sched_ref = torch.optim.lr_scheduler.StepLR(ref, step_size=2, gamma=0.5)
    for grads in gradients(8):
        feed(ours, theirs, grads)
        opt.step()
        ref.step()
        sched.step()
        sched_ref.step()
    assert sched.get_last_lr() == sched_ref.get_last_lr()
    assert_params(ours, theirs)
    assert_state(opt, ref)


def test_closure_is_evaluated_with_gradients_and_its_loss_returned():
    """torch's closure protocol: step(closure) runs it under enable_grad and returns its loss."""
    w = Parameter(np.array([1.0, -2.0], np.float32))
    w_ref = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    opt, ref = ttorch.optim.SGD([w], lr=0.1, momentum=0.5), torch.optim.SGD([w_ref], lr=0.1,
                                                                           momentum=0.5)

    def closure():
        opt.zero_grad()
        loss = ttorch.nn.functional.mse_loss(w * 3.0, Tensor(np.zeros(2, np.float32)))
        loss.backward()
        return loss

    def closure_ref():
        ref.zero_grad()
        loss = torch.nn.functional.mse_loss(w_ref * 3.0, torch.zeros(2))
        loss.backward()
        return loss

    with ttorch.no_grad():
        for _ in range(3):
            loss = opt.step(closure)
            loss_ref = ref.step(closure_ref)
            np.testing.assert_allclose(loss.array, loss_ref.detach().numpy(), rtol=RTOL)
    np.testing.assert_allclose(w.array, w_ref.detach().numpy(), rtol=RTOL, atol=ATOL)


def test_float64_parameters_keep_their_dtype():
    ours, theirs = pair([a.astype(np.float64) for a in initial()])
    for p, q in zip(ours, theirs):
        assert p.dtype == np.float64 and q.dtype == torch.float64
    opt, ref = make("Adam", {"lr": 0.01}, ours, theirs)
    for grads in gradients():
        feed(ours, theirs, [g.astype(np.float64) for g in grads])
        opt.step()
        ref.step()
    assert_params(ours, theirs, rtol=1e-12, atol=1e-12)
    assert all(p.dtype == np.float64 for p in ours)
    assert_state(opt, ref, rtol=1e-12, atol=1e-12)
