"""Differential tests of torch_like's nn.RNN / LSTM / GRU and the cells against real PyTorch 2.13:
torch's parameters copied across through numpy, then outputs, final states, gradients of the input,
the initial states and every parameter, and the parameters after three optimizer steps."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import frontends.torch_like as tt
from core_ir.interpreters import evaluate_graph, trace
from frontends.torch_like import nn as tnn
from frontends.torch_like.nn.modules import _recurrent

# float32 tolerances. A recurrence sums over features and feeds each step's rounding into the next
# (and the backward pass sums over time), in a different order than torch's kernels.
FORWARD = {"rtol": 1e-5, "atol": 2e-6}
GRADS = {"rtol": 1e-4, "atol": 1e-5}
STEPS = {"rtol": 1e-4, "atol": 2e-5}  # three Adam steps divide gradients by their own sqrt(v)
T, B, N_IN, HIDDEN = 5, 3, 4, 6


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def copy_state(theirs, ours) -> None:
    state = {k: tt.Tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    result = ours.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys


def close(ours, theirs, tol, what: str) -> None:
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    np.testing.assert_allclose(np.asarray(ours.array), theirs, err_msg=what, **tol)


def pair(a: np.ndarray):
    return tt.Tensor(a.copy(), requires_grad=True), torch.tensor(a, requires_grad=True)


def states_of(mode: str, result):
    """(h_n,) or (h_n, c_n) from a module's (output, hidden) result."""
    return tuple(result[1]) if mode == "LSTM" else (result[1],)


def objective(mode: str, result, cotangents: list):
    """A scalar mixing the output and every final state with fixed random weights, so that every
    gradient path (through Y, h_n and c_n) is exercised."""
    parts = [result[0], *states_of(mode, result)]
    total = 0
    for p, g in zip(parts, cotangents):
        total = total + (p * g).sum()
    return total


def build(nn, mode: str, layers: int, bi: bool, bf: bool, **kw):
    cls = {"RNN_TANH": nn.RNN, "RNN_RELU": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[mode]
    if mode.startswith("RNN"):
        kw["nonlinearity"] = mode[4:].lower()
    return cls(N_IN, HIDDEN, num_layers=layers, bidirectional=bi, batch_first=bf, **kw)


def initial_states(mode: str, layers: int, bi: bool, seed: int = 5) -> list:
    shape = (layers * (2 if bi else 1), B, HIDDEN)
    n = 2 if mode == "LSTM" else 1
    return [rand(*shape, seed=seed + k) * 0.5 for k in range(n)]


def as_hx(mode: str, states: list):
    if not states:
        return None
    return tuple(states) if mode == "LSTM" else states[0]


CONFIGS = [(mode, layers, bi, bf, h0)
           for mode in ("RNN_TANH", "LSTM", "GRU") for layers in (1, 2) for bi in (False, True)
           for bf in (False, True) for h0 in (False, True)]


def _id(c) -> str:
    mode, layers, bi, bf, h0 = c
    return (f"{mode}-L{layers}-{'bi' if bi else 'uni'}-{'bf' if bf else 'tf'}-"
            f"{'h0' if h0 else 'zeros'}")


@pytest.mark.parametrize("config", CONFIGS, ids=[_id(c) for c in CONFIGS])
def test_module_matches_torch(config):
    mode, layers, bi, bf, with_h0 = config
    theirs, ours = build(torch.nn, mode, layers, bi, bf), build(tnn, mode, layers, bi, bf)
    copy_state(theirs, ours)
    xo, xt = pair(rand(*((B, T, N_IN) if bf else (T, B, N_IN)), seed=1))
    h0 = [pair(s) for s in initial_states(mode, layers, bi)] if with_h0 else []
    ro = ours(xo, as_hx(mode, [o for o, _ in h0]))
    rt = theirs(xt, as_hx(mode, [t for _, t in h0]))
    close(ro[0], rt[0], FORWARD, "output")
    for k, (so, st) in enumerate(zip(states_of(mode, ro), states_of(mode, rt))):
        close(so, st, FORWARD, f"final state {k}")
    cot = [rand(*t.shape, seed=10 + k) for k, t in enumerate([rt[0], *states_of(mode, rt)])]
    objective(mode, ro, [tt.Tensor(c) for c in cot]).backward()
    objective(mode, rt, [torch.tensor(c) for c in cot]).backward()
    close(xo.grad, xt.grad, GRADS, "input grad")
    for k, (o, t) in enumerate(h0):
        close(o.grad, t.grad, GRADS, f"initial state {k} grad")
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        close(ours_params[name].grad, p.grad, GRADS, f"grad of {name}")


@pytest.mark.parametrize("config", CONFIGS, ids=[_id(c) for c in CONFIGS])
def test_parameters_after_three_steps_match_torch(config):
    """SGD with momentum when h0 is given, Adam otherwise: both optimizers over every layout."""
    mode, layers, bi, bf, with_h0 = config
    theirs, ours = build(torch.nn, mode, layers, bi, bf), build(tnn, mode, layers, bi, bf)
    copy_state(theirs, ours)
    if with_h0:
        opt_o = tt.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
        opt_t = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    else:
        opt_o = tt.optim.Adam(ours.parameters(), lr=0.01)
        opt_t = torch.optim.Adam(theirs.parameters(), lr=0.01)
    states = initial_states(mode, layers, bi) if with_h0 else []
    for step in range(3):
        x = rand(*((B, T, N_IN) if bf else (T, B, N_IN)), seed=20 + step)
        ro = ours(tt.Tensor(x), as_hx(mode, [tt.Tensor(s) for s in states]))
        rt = theirs(torch.tensor(x), as_hx(mode, [torch.tensor(s) for s in states]))
        cot = [rand(*t.shape, seed=30 + k) for k, t in enumerate([rt[0], *states_of(mode, rt)])]
        for opt, r, lib in ((opt_o, ro, tt), (opt_t, rt, torch)):
            opt.zero_grad()
            objective(mode, r, [lib.tensor(c) for c in cot]).backward()
            opt.step()
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        close(ours_params[name], p, STEPS, f"{name} after 3 steps")


@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
@pytest.mark.parametrize("bf", [False, True], ids=["time_first", "batch_first"])
@pytest.mark.parametrize("with_h0", [False, True], ids=["zeros", "h0"])
def test_unbatched_input_matches_torch(mode, bf, with_h0):
    theirs, ours = build(torch.nn, mode, 2, True, bf), build(tnn, mode, 2, True, bf)
    copy_state(theirs, ours)
    xo, xt = pair(rand(T, N_IN, seed=2))
    h0 = [pair(s[:, 0]) for s in initial_states(mode, 2, True)] if with_h0 else []
    ro = ours(xo, as_hx(mode, [o for o, _ in h0]))
    rt = theirs(xt, as_hx(mode, [t for _, t in h0]))
    assert tuple(ro[0].shape) == tuple(rt[0].shape)
    close(ro[0], rt[0], FORWARD, "output")
    for so, st in zip(states_of(mode, ro), states_of(mode, rt)):
        assert tuple(so.shape) == tuple(st.shape)
        close(so, st, FORWARD, "final state")
    cot = [rand(*t.shape, seed=10 + k) for k, t in enumerate([rt[0], *states_of(mode, rt)])]
    objective(mode, ro, [tt.Tensor(c) for c in cot]).backward()
    objective(mode, rt, [torch.tensor(c) for c in cot]).backward()
    close(xo.grad, xt.grad, GRADS, "input grad")


@pytest.mark.parametrize("mode", ["RNN_RELU", "LSTM", "GRU"])
def test_without_bias_matches_torch(mode):
    theirs = build(torch.nn, mode, 2, True, False, bias=False)
    ours = build(tnn, mode, 2, True, False, bias=False)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_state(theirs, ours)
    xo, xt = pair(rand(T, B, N_IN, seed=3))
    ro, rt = ours(xo), theirs(xt)
    close(ro[0], rt[0], FORWARD, "output")
    ro[0].sum().backward()
    rt[0].sum().backward()
    close(xo.grad, xt.grad, GRADS, "input grad")
    close(ours.weight_hh_l0_reverse.grad, theirs.weight_hh_l0_reverse.grad, GRADS, "w_hh grad")


# -- dropout between layers -----------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_dropout_in_eval_mode_is_the_identity_like_torch(mode):
    theirs = build(torch.nn, mode, 3, True, False, dropout=0.5).eval()
    ours = build(tnn, mode, 3, True, False, dropout=0.5).eval()
    copy_state(theirs, ours)
    x = rand(T, B, N_IN, seed=4)
    close(ours(tt.Tensor(x))[0], theirs(torch.tensor(x))[0], FORWARD, "eval output")


def test_dropout_one_in_training_zeroes_the_upper_layers_input_like_torch():
    """p=1 is deterministic: the second layer sees only zeros, in both libraries."""
    theirs = build(torch.nn, "LSTM", 2, False, False, dropout=1.0).train()
    ours = build(tnn, "LSTM", 2, False, False, dropout=1.0).train()
    copy_state(theirs, ours)
    x = rand(T, B, N_IN, seed=4)
    (yo, (ho, _)), (yt, (ht, _)) = ours(tt.Tensor(x)), theirs(torch.tensor(x))
    close(yo, yt, FORWARD, "output")
    close(ho, ht, FORWARD, "h_n")


def test_dropout_in_training_zeroes_at_the_rate_and_rescales(monkeypatch):
    seen = []
    original = _recurrent.F.dropout

    def spy(x, p, training):
        y = original(x, p, training)
        seen.append((np.asarray(x.array), np.asarray(y.array), p))
        return y

    monkeypatch.setattr(_recurrent.F, "dropout", spy)
    ours = tnn.GRU(N_IN, 64, num_layers=3, dropout=0.3)
    ours(tt.Tensor(rand(50, 8, N_IN, seed=6)))
    assert len(seen) == 2  # between layers only: not after the last
    for x, y, p in seen:
        assert p == 0.3
        dropped = (y == 0) & (x != 0)
        assert abs(dropped.mean() - 0.3) < 0.02  # 25600 draws: 4.6 standard deviations
        kept = ~dropped
        np.testing.assert_allclose(y[kept], x[kept] / 0.7, rtol=1e-6)
    seen.clear()
    ours.eval()(tt.Tensor(rand(50, 8, N_IN, seed=6)))
    assert not seen


# -- cells ------------------------------------------------------------------------------------------
CELLS = {
    "rnn_tanh": lambda nn: nn.RNNCell(N_IN, HIDDEN),
    "rnn_relu": lambda nn: nn.RNNCell(N_IN, HIDDEN, nonlinearity="relu"),
    "rnn_no_bias": lambda nn: nn.RNNCell(N_IN, HIDDEN, bias=False),
    "lstm": lambda nn: nn.LSTMCell(N_IN, HIDDEN),
    "lstm_no_bias": lambda nn: nn.LSTMCell(N_IN, HIDDEN, bias=False),
    "gru": lambda nn: nn.GRUCell(N_IN, HIDDEN),
    "gru_no_bias": lambda nn: nn.GRUCell(N_IN, HIDDEN, bias=False),
}


@pytest.mark.parametrize("name", list(CELLS))
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("with_hx", [True, False], ids=["hx", "no_hx"])
def test_cell_matches_torch(name, batched, with_hx):
    theirs, ours = CELLS[name](torch.nn), CELLS[name](tnn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_state(theirs, ours)
    lstm = name.startswith("lstm")
    lead = (B,) if batched else ()
    xo, xt = pair(rand(*lead, N_IN, seed=7))
    hx = [pair(rand(*lead, HIDDEN, seed=8 + k)) for k in range(2 if lstm else 1)] \
        if with_hx else []
    hx_o = (tuple(o for o, _ in hx) if lstm else hx[0][0]) if hx else None
    hx_t = (tuple(t for _, t in hx) if lstm else hx[0][1]) if hx else None
    ro, rt = ours(xo, hx_o), theirs(xt, hx_t)
    ro, rt = (ro if lstm else (ro,)), (rt if lstm else (rt,))
    total_o = total_t = 0
    for k, (a, b) in enumerate(zip(ro, rt)):
        assert tuple(a.shape) == tuple(b.shape)
        close(a, b, FORWARD, f"state {k}")
        g = rand(*b.shape, seed=20 + k)
        total_o, total_t = total_o + (a * tt.Tensor(g)).sum(), total_t + (b * torch.tensor(g)).sum()
    total_o.backward()
    total_t.backward()
    close(xo.grad, xt.grad, GRADS, "input grad")
    for k, (o, t) in enumerate(hx):
        close(o.grad, t.grad, GRADS, f"hx[{k}] grad")
    ours_params = dict(ours.named_parameters())
    for pname, p in theirs.named_parameters():
        close(ours_params[pname].grad, p.grad, GRADS, f"grad of {pname}")


def test_cell_unrolled_over_time_equals_the_module():
    """An LSTMCell stepped by hand computes what nn.LSTM computes, with the same weights."""
    cell, lstm = tnn.LSTMCell(N_IN, HIDDEN), tnn.LSTM(N_IN, HIDDEN)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(lstm, name + "_l0").data = getattr(cell, name).data
    x = tt.Tensor(rand(T, B, N_IN, seed=9))
    h = c = tt.zeros(B, HIDDEN)
    outs = []
    for t in range(T):
        h, c = cell(x[t], (h, c))
        outs.append(h)
    y, (_, c_n) = lstm(x)
    np.testing.assert_allclose(tt.stack(outs).numpy(force=True), y.numpy(force=True), **FORWARD)
    np.testing.assert_allclose(c.numpy(force=True), c_n[0].numpy(force=True), **FORWARD)


# -- lowering -------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
@pytest.mark.parametrize("bf", [False, True], ids=["time_first", "batch_first"])
def test_each_layer_lowers_to_one_fused_op_and_traces_with_a_symbolic_batch(mode, bf):
    """Both directions of a layer run in one RNN/LSTM/GRU node; the traced graph (batch 'N')
    computes what eager mode computes."""
    ours = build(tnn, mode, 2, True, bf)
    states = [tt.Tensor(s) for s in initial_states(mode, 2, True)]

    def fn(x, *hx):
        y, h = ours(x, as_hx(mode, list(hx)))
        return (y, *h) if mode == "LSTM" else (y, h)

    shape = ("N", T, N_IN) if bf else (T, "N", N_IN)
    specs = [(np.float32, shape)] + [(np.float32, (4, "N", HIDDEN))] * len(states)
    graph, params, _ = trace(fn, specs, cls=tt.Tensor)
    assert [n.op.name for n in graph.nodes].count(mode[:3] if mode != "LSTM" else mode) == 2
    assert graph.outputs[0].shape == (shape[0], shape[1], 2 * HIDDEN)
    x = tt.Tensor(rand(*((B, T, N_IN) if bf else (T, B, N_IN)), seed=12))
    for traced, eager in zip(evaluate_graph(graph, [x, *states], params), fn(x, *states)):
        np.testing.assert_array_equal(traced.array, eager.array)
