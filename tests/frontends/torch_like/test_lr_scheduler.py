"""Differential tests of torch_like.optim.lr_scheduler against real torch 2.13: every
scheduler's lr (and momentum / beta1) sequence over 30 steps, exactly (the schedulers are
pure Python over the same floats), plus state_dict round trips, user subclasses, the
closed form taken by step(epoch), ReduceLROnPlateau on metric sequences, and torch's errors
and warnings."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import frontends.torch_like as ttorch
from frontends.torch_like import Parameter

torch = pytest.importorskip("torch")
STEPS = 30


def optimizer(lib, name="SGD"):
    if lib is torch:
        ps = [torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2))]
    else:
        ps = [Parameter(np.zeros(2, np.float32)), Parameter(np.zeros(2, np.float32))]
    kwargs = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    groups = [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.05}]
    return getattr(lib.optim, name)(groups, **kwargs)


def S(lib):
    return lib.optim.lr_scheduler


SCHEDULERS = {
    "StepLR": lambda L, o: S(L).StepLR(o, 3, 0.5),
    "MultiStepLR": lambda L, o: S(L).MultiStepLR(o, [2, 5, 5, 9], 0.5),
    "ExponentialLR": lambda L, o: S(L).ExponentialLR(o, 0.9),
    "CosineAnnealingLR": lambda L, o: S(L).CosineAnnealingLR(o, 7, 0.001),
    "LambdaLR": lambda L, o: S(L).LambdaLR(o, lambda e: 1 / (e + 1)),
    "LambdaLR-per-group": lambda L, o: S(L).LambdaLR(o, [lambda e: 0.9 ** e, lambda e: e % 3]),
    "MultiplicativeLR": lambda L, o: S(L).MultiplicativeLR(o, lambda e: 0.95),
    "LinearLR": lambda L, o: S(L).LinearLR(o, 0.2, 0.9, 10),
    "LinearLR-default": lambda L, o: S(L).LinearLR(o),
    "ConstantLR": lambda L, o: S(L).ConstantLR(o, 0.5, 4),
    "PolynomialLR": lambda L, o: S(L).PolynomialLR(o, 12, 2.0),
    "OneCycleLR": lambda L, o: S(L).OneCycleLR(o, 0.5, total_steps=31),
    "OneCycleLR-linear": lambda L, o: S(L).OneCycleLR(o, [0.5, 0.2], epochs=3, steps_per_epoch=11,
                                                      anneal_strategy="linear", pct_start=0.4),
    "OneCycleLR-three-phase-betas": lambda L, o: S(L).OneCycleLR(
        o, 0.5, total_steps=31, three_phase=True, base_momentum=0.8, max_momentum=0.9),
    "CosineAnnealingWarmRestarts": lambda L, o: S(L).CosineAnnealingWarmRestarts(o, 3, 2, 0.01),
    "CosineAnnealingWarmRestarts-1": lambda L, o: S(L).CosineAnnealingWarmRestarts(o, 5),
    "CyclicLR": lambda L, o: S(L).CyclicLR(o, 0.01, 0.1, 4, 3),
    "CyclicLR-triangular2": lambda L, o: S(L).CyclicLR(o, [0.01, 0.02], 0.1, 4, 3,
                                                       mode="triangular2"),
    "CyclicLR-exp_range": lambda L, o: S(L).CyclicLR(o, 0.01, 0.1, 4, mode="exp_range",
                                                     gamma=0.9),
    "CyclicLR-scale_fn": lambda L, o: S(L).CyclicLR(o, 0.01, 0.1, 5, scale_fn=lambda x: 0.5 ** x,
                                                    scale_mode="iterations",
                                                    cycle_momentum=False),
    "SequentialLR": lambda L, o: S(L).SequentialLR(
        o, [S(L).LinearLR(o, 0.1, 1.0, 5), S(L).CosineAnnealingLR(o, 20)], [5]),
    "SequentialLR-3": lambda L, o: S(L).SequentialLR(
        o, [S(L).ConstantLR(o, 0.1, 3), S(L).ExponentialLR(o, 0.9), S(L).StepLR(o, 4)], [4, 12]),
    "ChainedScheduler": lambda L, o: S(L).ChainedScheduler(
        [S(L).ExponentialLR(o, 0.9), S(L).StepLR(o, 4, 0.5)]),
}
ADAM_SCHEDULERS = {"OneCycleLR-three-phase-betas", "CyclicLR-exp_range"}


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def run(lib, name, steps=STEPS):
    opt = optimizer(lib, "Adam" if name in ADAM_SCHEDULERS else "SGD")
    sched = SCHEDULERS[name](lib, opt)
    seq = [([g["lr"] for g in opt.param_groups], momenta(opt), list(sched.get_last_lr()))]
    for _ in range(steps):
        opt.step()
        sched.step()
        seq.append(([g["lr"] for g in opt.param_groups], momenta(opt),
                    list(sched.get_last_lr())))
    return opt, sched, seq


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_lr_sequence_matches_torch_exactly(name):
    _, _, ours = run(ttorch, name)
    _, _, theirs = run(torch, name)
    assert ours == theirs


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
                                  "LinearLR", "ConstantLR", "PolynomialLR",
                                  "CosineAnnealingWarmRestarts"])
def test_step_with_an_epoch_uses_the_closed_form_like_torch(name):
    results = []
    for lib in (ttorch, torch):
        opt = optimizer(lib)
        sched = SCHEDULERS[name](lib, opt)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in (3, 7, 2, 11, 11, 0, 20):
                sched.step(epoch)
                seq.append([g["lr"] for g in opt.param_groups])
        results.append(seq)
    assert results[0] == results[1]


@pytest.mark.parametrize("name", ["StepLR", "CosineAnnealingLR", "OneCycleLR", "CyclicLR",
                                  "LambdaLR", "SequentialLR", "ChainedScheduler",
                                  "CosineAnnealingWarmRestarts"])
def test_state_dict_round_trip_resumes_the_sequence(name):
    full = run(ttorch, name)[2]
    _, half_sched, _ = run(ttorch, name, steps=12)
    state = half_sched.state_dict()
    assert "optimizer" not in state
    opt2, sched2, _ = run(ttorch, name, steps=0)
    sched2.load_state_dict(state)
    for group, lr in zip(opt2.param_groups, full[12][0]):
        group["lr"] = lr  # the optimizer's state_dict would carry this
    seq = []
    for _ in range(STEPS - 12):
        opt2.step()
        sched2.step()
        seq.append(list(sched2.get_last_lr()))
    assert seq == [s[2] for s in full[13:]]


def test_state_dict_keys_match_torch():
    for name in ("StepLR", "OneCycleLR", "ReduceLROnPlateau"):
        keys = []
        for lib in (ttorch, torch):
            opt = optimizer(lib)
            sched = (S(lib).ReduceLROnPlateau(opt) if name == "ReduceLROnPlateau"
                     else SCHEDULERS[name](lib, opt))
            keys.append(sorted(sched.state_dict()))
        assert keys[0] == keys[1], name


METRICS = [1.0, 0.9, 0.95, 0.96, 0.97, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8,
           0.8, 0.8, 0.8, 0.79995, 0.8, 0.8, 0.8, 0.8, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8]


@pytest.mark.parametrize("kwargs", [
    {},
    {"factor": 0.5, "patience": 2},
    {"mode": "max", "factor": 0.5, "patience": 1, "cooldown": 2},
    {"factor": 0.5, "patience": 1, "cooldown": 1, "min_lr": [0.01, 0.02]},
    {"factor": 0.3, "patience": 0, "threshold": 0.05, "threshold_mode": "abs", "min_lr": 0.004},
    {"mode": "max", "factor": 0.5, "patience": 0, "threshold_mode": "abs", "eps": 0.03},
], ids=["default", "patience", "max-cooldown", "min_lrs", "abs", "max-abs-eps"])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    seqs = []
    for lib in (ttorch, torch):
        opt = optimizer(lib)
        sched = S(lib).ReduceLROnPlateau(opt, **kwargs)
        seq = []
        for m in METRICS:
            opt.step()
            sched.step(m)
            seq.append((list(sched.get_last_lr()), sched.num_bad_epochs, sched.cooldown_counter,
                        sched.best))
        seqs.append(seq)
    assert seqs[0] == seqs[1]


def test_user_subclass_overriding_get_lr():
    class Halving(ttorch.optim.lr_scheduler.LRScheduler):
        def __init__(self, optimizer, every, last_epoch=-1):
            self.every = every
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            return [base * 0.5 ** (self.last_epoch // self.every) for base in self.base_lrs]

    opt = optimizer(ttorch)
    sched = Halving(opt, 2)
    lrs = []
    for _ in range(6):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
    assert lrs == [[0.1 * 0.5 ** (e // 2), 0.05 * 0.5 ** (e // 2)] for e in range(1, 7)]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    assert sched.state_dict()["last_epoch"] == 6


def test_scheduler_before_optimizer_warns_like_torch():
    opt = optimizer(ttorch)
    sched = S(ttorch).StepLR(opt, 2)
    with pytest.warns(UserWarning, match=re.escape("Detected call of `lr_scheduler.step()` "
                                                   "before `optimizer.step()`")):
        sched.step()


def test_get_lr_outside_step_warns_like_torch():
    sched = S(ttorch).StepLR(optimizer(ttorch), 2)
    with pytest.warns(UserWarning, match=re.escape("please use `get_last_lr()`")):
        sched.get_lr()


def test_resuming_without_initial_lr_raises_key_error():
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\]"):
        S(ttorch).StepLR(optimizer(ttorch), 2, last_epoch=3)


ERRORS = [
    lambda L, o: S(L).StepLR(object(), 2),
    lambda L, o: S(L).ConstantLR(o, factor=2.0),
    lambda L, o: S(L).LinearLR(o, start_factor=0),
    lambda L, o: S(L).LinearLR(o, end_factor=1.5),
    lambda L, o: S(L).LambdaLR(o, [lambda e: 1.0]),
    lambda L, o: S(L).MultiplicativeLR(o, 0.5),
    lambda L, o: S(L).OneCycleLR(o, 0.1),
    lambda L, o: S(L).OneCycleLR(o, 0.1, total_steps=0),
    lambda L, o: S(L).OneCycleLR(o, 0.1, total_steps=10, pct_start=2.0),
    lambda L, o: S(L).OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"),
    lambda L, o: S(L).OneCycleLR(o, [0.1, 0.2, 0.3], total_steps=10),
    lambda L, o: S(L).CyclicLR(o, 0.01, 0.1, mode="nope"),
    lambda L, o: S(L).CosineAnnealingWarmRestarts(o, 0),
    lambda L, o: S(L).CosineAnnealingWarmRestarts(o, 2, T_mult=0),
    lambda L, o: S(L).SequentialLR(o, [S(L).StepLR(o, 2)], [3]),
    lambda L, o: S(L).SequentialLR(o, [], []),
    lambda L, o: S(L).ChainedScheduler([S(L).StepLR(o, 2), S(L).ReduceLROnPlateau(o)]),
    lambda L, o: S(L).ReduceLROnPlateau(o, factor=1.0),
    lambda L, o: S(L).ReduceLROnPlateau(o, mode="avg"),
    lambda L, o: S(L).ReduceLROnPlateau(o, threshold_mode="pct"),
    lambda L, o: S(L).ReduceLROnPlateau(o, min_lr=[0.1]),
]


@pytest.mark.parametrize("make", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_constructor_errors_match_torch(make):
    with pytest.raises(Exception) as expected:
        make(torch, optimizer(torch))
    with pytest.raises(expected.type, match=f"^{re.escape(str(expected.value))}$"):
        make(ttorch, optimizer(ttorch))


def test_one_cycle_past_total_steps_raises_like_torch():
    for lib in (torch, ttorch):
        opt = optimizer(lib)
        sched = S(lib).OneCycleLR(opt, 0.1, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of "
                                             "total steps is 3"):
            sched.step()


def test_cycle_momentum_needs_momentum_or_betas():
    opt = ttorch.optim.Adagrad([Parameter(np.zeros(2, np.float32))])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        S(ttorch).OneCycleLR(opt, 0.1, total_steps=10)


def test_scheduled_lr_drives_the_updates():
    """The lr the scheduler sets is the one the fused update uses (against torch)."""
    results = []
    for lib in (ttorch, torch):
        opt = optimizer(lib, "Adam")
        sched = S(lib).OneCycleLR(opt, 0.3, total_steps=8)
        for _ in range(8):
            for k, group in enumerate(opt.param_groups):
                for p in group["params"]:
                    g = np.full(2, k + 1.0, np.float32)
                    p.grad = torch.tensor(g) if lib is torch else ttorch.Tensor(g)
            opt.step()
            sched.step()
        results.append([np.asarray(p.detach().numpy() if lib is torch else p.array)
                        for g in opt.param_groups for p in g["params"]])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
