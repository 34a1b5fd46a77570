"""torch.optim's API beyond the formulas: argument validation (torch's messages), parameter
groups, zero_grad, state_dict layout and liveness, hooks, reprs, in-place updates, and a failed
step leaving parameters and optimizer state as they were."""

from __future__ import annotations

import copy
import re
import warnings

import numpy as np
import pytest

import frontends.torch_like as ttorch
from frontends.torch_like import Parameter, Tensor

torch = pytest.importorskip("torch")

OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam",
              "Adadelta", "Rprop", "ASGD"]


def params(n=2, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((3, 2)).astype(np.float32) for _ in range(n)]
    return [Parameter(a.copy()) for a in arrays], [torch.nn.Parameter(torch.tensor(a))
                                                   for a in arrays]


def grads_for(ps, seed=1):
    rng = np.random.default_rng(seed)
    for p in ps:
        p.grad = Tensor(rng.standard_normal(p.shape).astype(np.float32))


BAD_ARGS = [
    ("SGD", {"lr": -1.0}), ("SGD", {"momentum": -0.5}), ("SGD", {"weight_decay": -1}),
    ("SGD", {"nesterov": True}), ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("Adam", {"lr": -1.0}), ("Adam", {"eps": -1.0}), ("Adam", {"betas": (1.0, 0.9)}),
    ("Adam", {"betas": (0.9, -0.1)}), ("Adam", {"weight_decay": -0.1}),
    ("AdamW", {"betas": (0.9, 1.5)}), ("RMSprop", {"alpha": -1}), ("RMSprop", {"momentum": -1}),
    ("RMSprop", {"eps": -1}), ("Adagrad", {"lr_decay": -1}),
    ("Adagrad", {"initial_accumulator_value": -1}), ("Adamax", {"betas": (0.9, 1.0)}),
    ("NAdam", {"momentum_decay": -1}), ("RAdam", {"lr": -0.5}), ("Adadelta", {"rho": 1.5}),
    ("Rprop", {"etas": (0.5, 0.9)}), ("ASGD", {"weight_decay": -1}), ("LBFGS", {"lr": -1}),
]


@pytest.mark.parametrize("name, kwargs", BAD_ARGS, ids=[f"{n}-{i}" for i, (n, _) in
                                                        enumerate(BAD_ARGS)])
def test_invalid_arguments_raise_like_torch(name, kwargs):
    ours, theirs = params()
    with pytest.raises(Exception) as expected:
        getattr(torch.optim, name)(theirs, **kwargs)
    with pytest.raises(expected.type, match=f"^{re.escape(str(expected.value))}$"):
        getattr(ttorch.optim, name)(ours, **kwargs)


def test_invalid_learning_rate_message():
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -1.0$"):
        ttorch.optim.SGD(params()[0], lr=-1.0)


def _both_raise(make):
    with pytest.raises(Exception) as expected:
        make(torch, params()[1])
    with pytest.raises(expected.type, match=f"^{re.escape(str(expected.value))}$"):
        make(ttorch, params()[0])


@pytest.mark.parametrize("make", [
    lambda lib, ps: lib.optim.SGD(ps[0], lr=0.1),
    lambda lib, ps: lib.optim.SGD([], lr=0.1),
    lambda lib, ps: lib.optim.SGD([{"params": set(ps)}], lr=0.1),
    lambda lib, ps: lib.optim.SGD([ps[0], 3], lr=0.1),
    lambda lib, ps: lib.optim.SGD([ps[0] * 2], lr=0.1),
    lambda lib, ps: lib.optim.SGD([{"params": ps[:1]}, {"params": ps}], lr=0.1),
    lambda lib, ps: lib.optim.SGD([("a", ps[0]), ps[1]], lr=0.1),
    lambda lib, ps: lib.optim.SGD(ps, lr=0.1).add_param_group([ps[0]]),
], ids=["tensor", "empty", "set", "not-a-tensor", "non-leaf", "shared", "names", "not-a-dict"])
def test_construction_errors_like_torch(make):
    _both_raise(make)


def test_a_failed_step_leaves_parameters_and_state_as_they_were():
    ours, _ = params(3)
    opt = ttorch.optim.Adam([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.1}], lr=0.01)
    grads_for(ours)
    opt.step()
    before = [p.array.copy() for p in ours]
    state_before = copy.deepcopy({k: {n: v.array.copy() for n, v in s.items()}
                                  for k, s in opt.state_dict()["state"].items()})
    grads_for(ours, seed=2)
    ours[2].grad = Tensor(np.ones((2, 3), np.float32))   # wrong shape, in the last group
    with pytest.raises(RuntimeError, match=r"param_groups\[1\]\['params'\]\[0\].*shape "
                                           r"\(2, 3\).*\(3, 2\)"):
        opt.step()
    for p, b in zip(ours, before):
        np.testing.assert_array_equal(p.array, b)
    after = opt.state_dict()["state"]
    for k, s in state_before.items():
        for n, v in s.items():
            np.testing.assert_array_equal(after[k][n].array, v)


def test_a_failed_first_step_creates_no_state():
    ours, _ = params(2)
    opt = ttorch.optim.RMSprop(ours, momentum=0.9)
    grads_for(ours)
    ours[1].grad = Tensor(np.ones((3, 2), np.float64))  # wrong dtype
    with pytest.raises(RuntimeError, match="dtype float64 but the parameter has dtype float32"):
        opt.step()
    assert len(opt.state) == 0 and opt.state_dict()["state"] == {}


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    ours, _ = params()
    opt = ttorch.optim.SGD(ours, lr=0.1)
    grads_for(ours)
    g = ours[0].grad
    opt.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert all(p.grad is None for p in ours)
    else:
        assert ours[0].grad is g and not g.array.any()


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_repr_and_state_dict_layout_match_torch(name):
    ours, theirs = params()
    opt = getattr(ttorch.optim, name)([{"params": ours[:1]}, {"params": ours[1:], "lr": 0.5}])
    ref = getattr(torch.optim, name)([{"params": theirs[:1]}, {"params": theirs[1:], "lr": 0.5}])
    assert repr(opt) == repr(ref)
    assert opt.defaults == ref.defaults
    assert opt.state_dict()["param_groups"] == ref.state_dict()["param_groups"]
    assert [list(g) for g in opt.state_dict()["param_groups"]] == \
        [list(g) for g in ref.state_dict()["param_groups"]]


def test_state_is_keyed_by_parameter_and_updated_in_place():
    ours, _ = params()
    opt = ttorch.optim.Adam(ours, lr=0.1)
    alias = ours[0].data
    array = ours[0].array
    grads_for(ours)
    opt.step()
    sd = opt.state_dict()
    exp_avg = opt.state[ours[0]]["exp_avg"]
    assert sd["state"][0]["exp_avg"] is exp_avg          # live tensors, as in torch
    assert ours[0].array is array                         # the parameter's memory is reused
    np.testing.assert_array_equal(alias.array, ours[0].array)
    snapshot = exp_avg.array.copy()
    grads_for(ours, seed=3)
    opt.step()
    assert not np.array_equal(sd["state"][0]["exp_avg"].array, snapshot)
    assert float(sd["state"][0]["step"].array) == 2.0


def test_add_param_group_later_and_named_parameters():
    a, b = params()[0]
    opt = ttorch.optim.SGD([("w", a)], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [("v", b)], "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0.9
    assert [g["param_names"] for g in opt.state_dict()["param_groups"]] == [["w"], ["v"]]
    with pytest.raises(ValueError, match="some parameters appear in more than one"):
        opt.add_param_group({"params": [("w2", a)]})
    with pytest.raises(ValueError, match="cannot add param group without names"):
        opt.add_param_group({"params": [Parameter(np.zeros(2, np.float32))]})


def test_load_state_dict_checks_the_layout():
    ours, _ = params(3)
    saved = ttorch.optim.SGD(ours, lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        ttorch.optim.SGD([{"params": ours[:1]}, {"params": ours[1:]}], lr=0.1).load_state_dict(
            saved)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        ttorch.optim.SGD(ours[:2], lr=0.1).load_state_dict(saved)


def test_load_state_dict_restores_group_options():
    ours, _ = params()
    opt = ttorch.optim.Adam(ours, lr=0.1)
    grads_for(ours)
    opt.step()
    saved = copy.deepcopy(opt.state_dict())
    fresh = ttorch.optim.Adam(ours, lr=0.5, betas=(0.5, 0.6))
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == 0.1 and fresh.param_groups[0]["betas"] == (0.9, 0.999)
    assert fresh.param_groups[0]["params"][0] is ours[0]
    assert list(fresh.state[ours[1]]) == ["step", "exp_avg", "exp_avg_sq"]


def test_step_hooks_run_around_step():
    ours, _ = params()
    opt = ttorch.optim.SGD(ours, lr=0.1)
    calls = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", o is opt)))
    grads_for(ours)
    opt.step()
    pre.remove()
    opt.step()
    assert calls == ["pre", ("post", True), ("post", True)]


def test_state_dict_hooks():
    ours, _ = params()
    opt = ttorch.optim.SGD(ours, lr=0.1)
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    seen = []
    opt.register_load_state_dict_pre_hook(lambda o, sd: seen.append(sorted(sd)))
    sd = opt.state_dict()
    assert sd["extra"] == 1
    opt.load_state_dict(sd)
    assert seen == [["extra", "param_groups", "state"]]


def test_adagrad_state_exists_before_the_first_step_like_torch():
    ours, theirs = params()
    opt = ttorch.optim.Adagrad(ours, initial_accumulator_value=0.3)
    ref = torch.optim.Adagrad(theirs, initial_accumulator_value=0.3)
    mine, expected = opt.state_dict()["state"], ref.state_dict()["state"]
    assert list(mine) == list(expected) == [0, 1]
    np.testing.assert_array_equal(mine[1]["sum"].array, expected[1]["sum"].numpy())


def test_required_hyperparameter_in_a_custom_optimizer():
    from frontends.torch_like.optim.optimizer import required

    class Custom(ttorch.optim.Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, {"lr": lr})

    assert repr(required) == "<required parameter>"
    with pytest.raises(ValueError, match="didn't specify a value of required optimization "
                                         "parameter lr"):
        Custom(params()[0])


def test_duplicate_parameters_warn_like_torch():
    a = params()[0][0]
    with pytest.warns(UserWarning, match="duplicate parameters"):
        ttorch.optim.SGD([a, a], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ttorch.optim.SGD([a], lr=0.1)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_differentiable_steps_are_refused_clearly(name):
    with pytest.raises(RuntimeError, match=rf"{name}\(differentiable=True\) is not supported"):
        getattr(ttorch.optim, name)(params()[0], differentiable=True)
