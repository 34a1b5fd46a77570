"""Optimizers in training loops, against real torch 2.13 step by step: the issue's seed example
(nn.Linear + sigmoid + BCELoss + Adam, evaluation under no_grad) with only the import changed,
an MLP with CrossEntropyLoss, SGD momentum and a scheduler, and Optimizer subclasses written the
way torch users write them (defaults, per-parameter state, closures, `p.data.add_`)."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as ttorch

torch = pytest.importorskip("torch")
RTOL, ATOL = 1e-5, 1e-6  # float32; losses are means over a batch, summed in different orders


@pytest.fixture(autouse=True)
def _seeded():
    """torch initializes the weights (copied into ours): seed it so each run is the same."""
    torch.manual_seed(0)


def copy_weights(ours, theirs) -> None:
    """torch's weights into our module (never RNG-matched)."""
    ours.load_state_dict({k: ttorch.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})


def assert_same_params(ours, theirs, rtol=RTOL, atol=ATOL) -> None:
    mine, ref = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(mine) == list(ref)
    for name, value in ref.items():
        np.testing.assert_allclose(mine[name].detach().numpy(), value.detach().numpy(),
                                   rtol=rtol, atol=atol, err_msg=name)


def seed_example(torch):
    """The issue's seed program, written once against whichever `torch` it is given."""
    nn, optim = torch.nn, torch.optim

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(10, 1)

        def forward(self, x):
            return torch.sigmoid(self.linear(x))

    return Model, nn.BCELoss(), optim.Adam


def test_seed_example_matches_torch_step_by_step():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 10)).astype(np.float32)
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype(np.float32)
    runs = {}
    for lib in (torch, ttorch):
        Model, criterion, Adam = seed_example(lib)
        model = Model()
        runs[lib] = (model, criterion, Adam(model.parameters(), lr=0.01))
    copy_weights(runs[ttorch][0], runs[torch][0])
    for epoch in range(10):
        losses = {}
        for lib, (model, criterion, opt) in runs.items():
            opt.zero_grad()
            loss = criterion(model(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            opt.step()
            losses[lib] = loss.item()
        assert losses[ttorch] == pytest.approx(losses[torch], rel=RTOL), f"epoch {epoch}"
        assert_same_params(runs[ttorch][0], runs[torch][0])
    preds = {}
    for lib, (model, _, _) in runs.items():
        model.eval()
        with lib.no_grad():
            preds[lib] = model(lib.tensor(x)).detach().numpy()
    np.testing.assert_allclose(preds[ttorch], preds[torch], rtol=RTOL, atol=ATOL)


def test_mlp_with_cross_entropy_sgd_momentum_and_a_scheduler():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 6)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    runs = {}
    for lib in (torch, ttorch):
        nn = lib.nn
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True,
                            weight_decay=1e-4)
        sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
        runs[lib] = (model, nn.CrossEntropyLoss(label_smoothing=0.1), opt, sched)
    copy_weights(runs[ttorch][0], runs[torch][0])
    for step in range(10):
        for lib, (model, criterion, opt, sched) in runs.items():
            for batch in range(0, 64, 16):
                opt.zero_grad()
                loss = criterion(model(lib.tensor(x[batch:batch + 16])),
                                 lib.tensor(y[batch:batch + 16]))
                loss.backward()
                opt.step()
            sched.step()
        assert_same_params(runs[ttorch][0], runs[torch][0])
    assert runs[ttorch][3].get_last_lr() == runs[torch][3].get_last_lr()


def user_optimizers(torch):
    """Optimizer subclasses in the style of torch tutorials, for whichever `torch`."""

    class MomentumSGD(torch.optim.Optimizer):
        def __init__(self, params, lr=0.01, momentum=0.9):
            if lr < 0.0:
                raise ValueError(f"Invalid learning rate: {lr}")
            super().__init__(params, {"lr": lr, "momentum": momentum})

        @torch.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if len(state) == 0:
                        state["step"] = 0
                        state["buf"] = torch.zeros_like(p)
                    state["step"] += 1
                    buf = state["buf"]
                    buf.mul_(group["momentum"]).add_(p.grad)
                    p.data.add_(buf, alpha=-group["lr"])
            return loss

    class TinyAdam(torch.optim.Optimizer):
        def __init__(self, params, lr=1e-2, betas=(0.9, 0.99), eps=1e-8):
            super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

        def step(self, closure=None):
            loss = closure() if closure is not None else None
            with torch.no_grad():
                for group in self.param_groups:
                    b1, b2 = group["betas"]
                    for p in group["params"]:
                        if p.grad is None:
                            continue
                        state = self.state[p]
                        if not state:
                            state["t"] = 0
                            state["m"] = torch.zeros_like(p)
                            state["v"] = torch.zeros_like(p)
                        state["t"] += 1
                        state["m"].mul_(b1).add_(p.grad, alpha=1 - b1)
                        state["v"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                        m_hat = state["m"] / (1 - b1 ** state["t"])
                        v_hat = state["v"] / (1 - b2 ** state["t"])
                        p.addcdiv_(m_hat, v_hat.sqrt().add_(group["eps"]), value=-group["lr"])
            return loss

    return MomentumSGD, TinyAdam


@pytest.mark.parametrize("which", [0, 1], ids=["MomentumSGD", "TinyAdam"])
def test_user_written_optimizers_match_torch(which):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((16, 4)).astype(np.float32)
    y = rng.standard_normal((16, 2)).astype(np.float32)
    runs = {}
    for lib in (torch, ttorch):
        model = lib.nn.Linear(4, 2)
        cls = user_optimizers(lib)[which]
        opt = cls([{"params": [model.weight]}, {"params": [model.bias], "lr": 0.05}])
        runs[lib] = (model, opt)
    copy_weights(runs[ttorch][0], runs[torch][0])
    for _ in range(6):
        for lib, (model, opt) in runs.items():
            def closure(model=model, opt=opt, lib=lib):
                opt.zero_grad()
                loss = lib.nn.functional.mse_loss(model(lib.tensor(x)), lib.tensor(y))
                loss.backward()
                return loss

            opt.step(closure)
    assert_same_params(runs[ttorch][0], runs[torch][0])
    mine, ref = runs[ttorch][1].state_dict(), runs[torch][1].state_dict()
    assert mine["param_groups"] == ref["param_groups"]
    assert [sorted(s) for s in mine["state"].values()] == \
        [sorted(s) for s in ref["state"].values()]


def test_user_optimizer_validation_and_state_dict_round_trip():
    MomentumSGD, _ = user_optimizers(ttorch)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        MomentumSGD([ttorch.nn.Parameter(ttorch.zeros(2))], lr=-1)
    p = ttorch.nn.Parameter(ttorch.ones(3))
    opt = MomentumSGD([p], lr=0.1)
    p.grad = ttorch.ones(3)
    opt.step()
    q = ttorch.nn.Parameter(ttorch.ones(3))
    opt2 = MomentumSGD([q], lr=0.5)
    opt2.load_state_dict(opt.state_dict())
    assert opt2.param_groups[0]["lr"] == 0.1 and opt2.state[q]["step"] == 1
    np.testing.assert_array_equal(opt2.state[q]["buf"].numpy(), np.ones(3, np.float32))


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("history_size", [100, 3])
def test_lbfgs_matches_torch(line_search_fn, history_size):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 5)).astype(np.float32)
    y = (x @ rng.standard_normal((5, 2)) + 0.1 * rng.standard_normal((40, 2))).astype(np.float32)
    runs = {}
    for lib in (torch, ttorch):
        model = lib.nn.Sequential(lib.nn.Linear(5, 8), lib.nn.Tanh(), lib.nn.Linear(8, 2))
        runs[lib] = (model, lib.optim.LBFGS(model.parameters(), lr=0.5, max_iter=10,
                                            history_size=history_size,
                                            line_search_fn=line_search_fn))
    copy_weights(runs[ttorch][0], runs[torch][0])
    for _ in range(2):
        losses = {}
        for lib, (model, opt) in runs.items():
            def closure(model=model, opt=opt, lib=lib):
                opt.zero_grad()
                loss = lib.nn.functional.mse_loss(model(lib.tensor(x)), lib.tensor(y))
                loss.backward()
                return loss

            losses[lib] = opt.step(closure).item()
        assert losses[ttorch] == pytest.approx(losses[torch], rel=1e-4)
    # 20 quasi-Newton iterations: near convergence the directions come from gradient
    # differences of ~1e-6, so float32 summation-order differences grow to ~1e-4 (measured over
    # a dozen seeds: at most 1e-3 relative); the iteration and evaluation counts agree exactly
    assert_same_params(runs[ttorch][0], runs[torch][0], rtol=1e-3, atol=1e-4)
    mine = runs[ttorch][1].state[runs[ttorch][1].param_groups[0]["params"][0]]
    ref = runs[torch][1].state[runs[torch][1].param_groups[0]["params"][0]]
    assert (mine["func_evals"], mine["n_iter"]) == (ref["func_evals"], ref["n_iter"])
    assert len(mine["old_dirs"]) == len(ref["old_dirs"])


def test_lbfgs_rejects_param_groups_and_unknown_line_search():
    a, b = ttorch.nn.Parameter(ttorch.zeros(2)), ttorch.nn.Parameter(ttorch.zeros(2))
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        ttorch.optim.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = ttorch.optim.LBFGS([a], line_search_fn="armijo")

    def closure():
        opt.zero_grad()
        loss = ((a - 1.0) ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
