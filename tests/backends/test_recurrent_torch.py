"""The recurrent ops against real PyTorch (nn.LSTM, nn.GRU, nn.RNN: one layer, both directions,
batch_first, initial states, packed variable-length sequences), plus their bad-input errors, the
refused double backward, and the gradient kernels' two paths (the forward's kept activations vs
recomputing them from Y) against each other.

torch's weights go into ONNX layout unchanged but for stacking the directions and packing the two
biases into B = bias_ih ++ bias_hh; the op's gate_order ("ifco" for LSTM, "rzh" for GRU) says how
torch stacks the gates, and GRU needs linear_before_reset=1.
"""

from __future__ import annotations

import numpy as np
import pytest

import core_ir as ir
from core_ir import ops
from core_ir.tensor import Tensor

RTOL, ATOL = 1e-9, 1e-10  # float64 on both sides
T, BATCH, INPUT, HIDDEN = 5, 3, 4, 6
MODES = ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def torch_module(torch, mode: str, bidirectional: bool, batch_first: bool):
    torch.manual_seed(0)
    cls = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}.get(mode, torch.nn.RNN)
    kw = {"nonlinearity": "relu" if mode == "RNN_RELU" else "tanh"} if mode.startswith("RNN") else {}
    return cls(INPUT, HIDDEN, bidirectional=bidirectional, batch_first=batch_first, **kw).double()


def onnx_weights(module, bidirectional: bool) -> list[np.ndarray]:
    """W, R, B in ONNX layout (gates still in torch's order) from torch's parameters."""
    suffixes = ["_l0", "_l0_reverse"] if bidirectional else ["_l0"]

    def stack(name):
        return np.stack([getattr(module, name + s).detach().numpy() for s in suffixes])

    B = np.concatenate([stack("bias_ih"), stack("bias_hh")], axis=1)
    return [stack("weight_ih"), stack("weight_hh"), B]


def op_and_attrs(mode: str, bidirectional: bool, batch_first: bool):
    attrs = {"direction": "bidirectional" if bidirectional else "forward", "hidden_size": HIDDEN,
             "layout": int(batch_first)}
    if mode == "LSTM":
        return ops.lstm, {**attrs, "gate_order": "ifco"}
    if mode == "GRU":
        return ops.gru, {**attrs, "gate_order": "rzh", "linear_before_reset": 1}
    return ops.rnn, {**attrs, "activations": ["Relu" if mode == "RNN_RELU" else "Tanh"]}


def to_torch_layout(Y: np.ndarray, batch_first: bool) -> np.ndarray:
    """ONNX Y [T, dirs, B, H] (layout 1: [B, T, dirs, H]) -> torch's [T, B, dirs*H] ([B, T, ...])."""
    if not batch_first:
        Y = Y.transpose(0, 2, 1, 3)
    return Y.reshape(Y.shape[0], Y.shape[1], -1)


def states_to_onnx(state: np.ndarray, batch_first: bool) -> np.ndarray:
    """torch keeps h0/c0 as [dirs, B, H] even with batch_first; ONNX layout=1 wants [B, dirs, H]."""
    return state.transpose(1, 0, 2).copy() if batch_first else state


def run_torch(torch, module, mode, x, states, cotangents):
    xt = torch.tensor(x, requires_grad=True)
    st = [torch.tensor(s, requires_grad=True) for s in states]
    out, final = module(xt, (st[0], st[1]) if mode == "LSTM" else st[0])
    finals = list(final) if mode == "LSTM" else [final]
    loss = sum((o * torch.tensor(c)).sum() for o, c in zip([out, *finals], cotangents))
    loss.backward()
    params = dict(module.named_parameters())
    return ([out.detach().numpy()] + [f.detach().numpy() for f in finals],
            {"x": xt.grad.numpy(), "states": [s.grad.numpy() for s in st],
             "params": {k: p.grad.numpy() for k, p in params.items()}})


@pytest.mark.parametrize("batch_first", [False, True], ids=["seq_first", "batch_first"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "bidirectional"])
@pytest.mark.parametrize("mode", MODES)
def test_matches_torch_outputs_states_and_gradients(torch, mode, bidirectional, batch_first):
    rng = np.random.default_rng(0)
    module = torch_module(torch, mode, bidirectional, batch_first)
    dirs, n_states = 1 + bidirectional, 2 if mode == "LSTM" else 1
    x = rng.standard_normal((BATCH, T, INPUT) if batch_first else (T, BATCH, INPUT))
    states = [rng.standard_normal((dirs, BATCH, HIDDEN)) for _ in range(n_states)]
    seq_shape = (BATCH, T, dirs * HIDDEN) if batch_first else (T, BATCH, dirs * HIDDEN)
    cotangents = [rng.standard_normal(seq_shape)] + [rng.standard_normal(s.shape) for s in states]
    want, want_grads = run_torch(torch, module, mode, x, states, cotangents)

    op, attrs = op_and_attrs(mode, bidirectional, batch_first)
    X = Tensor(x, requires_grad=True)
    W, R, B = (Tensor(a, requires_grad=True) for a in onnx_weights(module, bidirectional))
    S = [Tensor(states_to_onnx(s, batch_first), requires_grad=True) for s in states]
    optional = [S[0], S[1], None] if mode == "LSTM" else [S[0]]
    outs = op(X, W, R, B, None, *optional, **attrs)
    got = [to_torch_layout(outs[0].array, batch_first)] + [
        states_to_onnx(o.array, batch_first) for o in outs[1:]]  # the transpose is its own inverse
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)

    seeds = [Tensor(_y_cotangent(cotangents[0], dirs, batch_first))] + [
        Tensor(states_to_onnx(c, batch_first)) for c in cotangents[1:]]
    grads = ir.grad(list(outs), [X, W, R, B, *S], seeds)
    np.testing.assert_allclose(grads[0].array, want_grads["x"], rtol=RTOL, atol=ATOL)
    _check_param_grads(grads[1:4], want_grads["params"], bidirectional)
    for g, w in zip(grads[4:], want_grads["states"]):
        np.testing.assert_allclose(states_to_onnx(g.array, batch_first), w, rtol=RTOL, atol=ATOL)


def _y_cotangent(c: np.ndarray, dirs: int, batch_first: bool) -> np.ndarray:
    """torch's [T, B, dirs*H] cotangent in ONNX's Y layout."""
    c = c.reshape(c.shape[0], c.shape[1], dirs, HIDDEN)
    return c if batch_first else c.transpose(0, 2, 1, 3)


def _check_param_grads(grads, want: dict, bidirectional: bool) -> None:
    dW, dR, dB = (g.array for g in grads)
    g = dW.shape[1]
    for d, suffix in enumerate(["_l0", "_l0_reverse"][:1 + bidirectional]):
        np.testing.assert_allclose(dW[d], want["weight_ih" + suffix], rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(dR[d], want["weight_hh" + suffix], rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(dB[d, :g], want["bias_ih" + suffix], rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(dB[d, g:], want["bias_hh" + suffix], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("bidirectional", [False, True], ids=["forward", "bidirectional"])
@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_sequence_lens_match_torch_packed_sequences(torch, mode, bidirectional):
    """sequence_lens as torch's pack_padded_sequence: zeros past each end, final states at the
    last valid step, the reverse direction starting there."""
    rng = np.random.default_rng(1)
    module = torch_module(torch, mode, bidirectional, False)
    lens = np.array([T, 2, 4])
    x = rng.standard_normal((T, BATCH, INPUT))
    xt = torch.tensor(x, requires_grad=True)
    packed = torch.nn.utils.rnn.pack_padded_sequence(xt, torch.tensor(lens), enforce_sorted=False)
    out, final = module(packed)
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=T)
    h_n = final[0] if mode == "LSTM" else final
    (out.sum() + (h_n * 2).sum()).backward()

    op, attrs = op_and_attrs(mode, bidirectional, False)
    X = Tensor(x, requires_grad=True)
    W, R, B = (Tensor(a, requires_grad=True) for a in onnx_weights(module, bidirectional))
    outs = op(X, W, R, B, Tensor(lens.astype(np.int32)), **attrs)
    Y, Y_h = outs[0], outs[1]
    np.testing.assert_allclose(to_torch_layout(Y.array, False), out.detach().numpy(), rtol=RTOL,
                               atol=ATOL)
    np.testing.assert_allclose(Y_h.array, h_n.detach().numpy(), rtol=RTOL, atol=ATOL)
    grads = ir.grad([Y, Y_h], [X, W, R, B], [Tensor(np.ones(Y.shape)), Tensor(np.full(Y_h.shape, 2.0))])
    np.testing.assert_allclose(grads[0].array, xt.grad.numpy(), rtol=RTOL, atol=ATOL)
    params = {k: p.grad.numpy() for k, p in module.named_parameters()}
    _check_param_grads(grads[1:4], params, bidirectional)


def test_float32_forward_matches_torch(torch):
    module = torch_module(torch, "LSTM", True, True).float()
    x = np.random.default_rng(2).standard_normal((BATCH, T, INPUT)).astype(np.float32)
    want, (_, c_n) = module(torch.tensor(x))
    W, R, B = (Tensor(a) for a in onnx_weights(module, True))
    Y, _, Y_c = ops.lstm(Tensor(x), W, R, B, **op_and_attrs("LSTM", True, True)[1])
    assert Y.dtype == np.float32
    np.testing.assert_allclose(to_torch_layout(Y.array, True), want.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(Y_c.array.transpose(1, 0, 2), c_n.detach().numpy(), rtol=1e-5,
                               atol=1e-6)


# -- the gradient kernels' two paths ------------------------------------------------------------
KEPT_CASES = {
    "lstm_bidirectional_lens": (ops.lstm, "LSTM", {"direction": "bidirectional"}, [5, 2, 4]),
    "lstm_peepholes_coupled_layout1": (ops.lstm, "LSTM", {"input_forget": 1, "layout": 1}, None),
    "lstm_ifco_reverse": (ops.lstm, "LSTM", {"gate_order": "ifco", "direction": "reverse"}, None),
    "gru_lbr_bidirectional": (ops.gru, "GRU", {"linear_before_reset": 1,
                                               "direction": "bidirectional"}, [1, 5, 3]),
    "gru_rzh_layout1": (ops.gru, "GRU", {"gate_order": "rzh", "layout": 1}, None),
}


@pytest.mark.parametrize("name", sorted(KEPT_CASES))
def test_kept_activations_give_the_recomputed_gradients(name):
    """The VJP's gradient op finds the activations its forward kernel kept; the same op called
    with a copy of Y misses them and recomputes: both must agree."""
    from tests.op_cases.recurrent import make
    op, kind, attrs, lens = KEPT_CASES[name]
    inputs = make(kind, T=5, batch=3, H=4, dtype=np.float64, peep=kind == "LSTM",
                  direction=attrs.get("direction", "forward"), layout=attrs.get("layout", 0),
                  lens=lens)
    tensors = [None if x is None else Tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    outs = op(*tensors, **attrs)
    rng = np.random.default_rng(3)
    seeds = [Tensor(rng.standard_normal(o.shape)) for o in outs]
    floats = [t for t in tensors if t is not None and t.requires_grad]
    via_kept = ir.grad(list(outs), floats, seeds)
    grad_op = {"LSTM": ops.lstm_grad, "GRU": ops.gru_grad}[kind]
    recomputed = grad_op(*tensors, Tensor(outs[0].array.copy()), *seeds, **attrs)
    present = [g for g, t in zip(recomputed, [t for j, t in enumerate(tensors) if j != 4])
               if t is not None]
    assert len(present) == len(via_kept)
    for a, b in zip(via_kept, present):
        np.testing.assert_allclose(a.array, b.array, rtol=1e-10, atol=1e-12)


# -- errors ---------------------------------------------------------------------------------------
def f32(*shape):
    return Tensor(np.ones(shape, np.float32))


def test_input_of_the_wrong_rank_names_the_op_and_both_shapes():
    with ir.origin("encoder"), pytest.raises(
            ir.ShapeError, match=r"LSTM.*X of rank 3.*\(5, 3\).*\(1, 16, 3\).*\[in 'encoder'\]"):
        ops.lstm(f32(5, 3), f32(1, 16, 3), f32(1, 16, 4))


def test_weights_that_do_not_fit_hidden_size_or_input_size():
    with pytest.raises(ir.ShapeError, match=r"GRU W of shape \(1, 12, 3\) does not fit X of shape "
                                            r"\(5, 2, 3\) with hidden_size=5.*\(1, 15, 3\)"):
        ops.gru(f32(5, 2, 3), f32(1, 12, 3), f32(1, 12, 4), hidden_size=5)
    with pytest.raises(ir.ShapeError, match=r"RNN W of shape \(1, 4, 7\) does not fit X of shape "
                                            r"\(5, 2, 3\).*expected \(1, 4, 3\)"):
        ops.rnn(f32(5, 2, 3), f32(1, 4, 7), f32(1, 4, 4))


def test_traced_errors_name_the_op_at_trace_time():
    def fn(x):
        with ir.origin("rnn_1"):
            return ops.lstm(x, ir.constant(np.ones((2, 16, 3), np.float32)),
                            ir.constant(np.ones((2, 16, 4), np.float32)))[0]

    with pytest.raises(ir.ShapeError, match=r"LSTM W of shape \(2, 16, 3\) does not fit .*"
                                            r"direction='forward'.*\[in 'rnn_1'\]"):
        ir.trace(fn, [(np.float32, (5, "N", 3))])


def test_unknown_activation_is_a_clear_error():
    with pytest.raises(ir.OpAttributeError, match=r"RNN activation 'Gelu' is not one of"):
        ops.rnn(f32(5, 2, 3), f32(1, 4, 3), f32(1, 4, 4), activations=["Gelu"])


def test_double_backward_is_refused_rather_than_wrong():
    X, W, R = (Tensor(np.ones(s), requires_grad=True) for s in [(3, 2, 2), (1, 8, 2), (1, 8, 2)])
    Y = ops.lstm(X, W, R)[0]
    with pytest.raises(ir.GradientError, match="LSTM: differentiating its gradient"):
        ir.grad([Y], [W], [Tensor(np.ones(Y.shape))], create_graph=True)
