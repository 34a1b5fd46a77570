"""nn.RNN / LSTM / GRU and the cells beyond the numbers: parameter names and state_dict order,
init bounds, reprs, all_weights, constructor checks and input errors (against real PyTorch 2.13's
exception types and messages), and a character-level LSTM language model that learns."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import frontends.torch_like as tt
from frontends.torch_like import nn as tnn

CONFIGS = [
    ("RNN", (10, 20), {}),
    ("RNN", (10, 20, 2), {"nonlinearity": "relu", "bidirectional": True}),
    ("LSTM", (10, 20), {"num_layers": 2, "batch_first": True}),
    ("LSTM", (10, 20, 3), {"bias": False, "dropout": 0.25, "bidirectional": True}),
    ("GRU", (10, 20), {"num_layers": 2, "bias": False, "dropout": 0.5, "bidirectional": True}),
    ("GRU", (7, 3), {"batch_first": True}),
    ("RNNCell", (10, 20), {"nonlinearity": "relu"}),
    ("RNNCell", (10, 20), {"bias": False}),
    ("LSTMCell", (10, 20), {}),
    ("GRUCell", (10, 20), {"bias": False}),
]
IDS = [f"{c}-{i}" for i, (c, _, _) in enumerate(CONFIGS)]


def both(name, args, kwargs):
    return getattr(torch.nn, name)(*args, **kwargs), getattr(tnn, name)(*args, **kwargs)


@pytest.mark.parametrize(("name", "args", "kwargs"), CONFIGS, ids=IDS)
def test_parameter_names_shapes_order_and_repr_match_torch(name, args, kwargs):
    theirs, ours = both(name, args, kwargs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize(("name", "args", "kwargs"), CONFIGS, ids=IDS)
def test_init_is_uniform_within_one_over_sqrt_hidden_like_torch(name, args, kwargs):
    _, ours = both(name, args, kwargs)
    bound = 1 / np.sqrt(args[1])
    values = np.concatenate([np.asarray(p.array).ravel() for p in ours.parameters()])
    assert values.dtype == np.float32
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.95 * bound  # spread over the whole interval, not zeros
    assert abs(values.mean()) < 0.1 * bound


def test_all_weights_flat_weights_and_flatten_parameters_match_torch():
    theirs, ours = both("LSTM", (4, 5, 2), {"bidirectional": True})
    assert [[tuple(p.shape) for p in group] for group in ours.all_weights] == \
        [[tuple(p.shape) for p in group] for group in theirs.all_weights]
    assert ours.all_weights[3][1] is ours.weight_hh_l1_reverse
    assert ours._flat_weights_names == theirs._flat_weights_names
    assert ours._flat_weights[0] is ours.weight_ih_l0
    before = [np.array(p.array) for p in ours.parameters()]
    assert ours.flatten_parameters() is None
    assert all(np.array_equal(a, p.array) for a, p in zip(before, ours.parameters()))
    assert (ours.mode, ours.proj_size, ours.dropout) == (theirs.mode, theirs.proj_size, 0.0)


def test_double_converts_every_weight_and_runs_in_float64():
    lstm = tnn.LSTM(3, 4, 2).double()
    y, (h, c) = lstm(tt.Tensor(np.ones((2, 1, 3))))
    assert y.dtype == np.float64 and h.dtype == np.float64 and c.dtype == np.float64
    assert all(p.dtype == np.float64 for p in lstm._flat_weights)


# -- constructor checks ---------------------------------------------------------------------------
BAD_CONFIGS = [
    ("LSTM", (10, 20), {"dropout": 2}),
    ("LSTM", (10, 20), {"dropout": True}),
    ("GRU", (10, 20), {"proj_size": 2}),
    ("RNN", (10, 20), {"proj_size": 2}),
    ("RNN", (10, 20), {"nonlinearity": "gelu"}),
    ("GRU", (10.0, 20), {}),
    ("GRU", (10, 0), {}),
    ("LSTM", (10, 20, 0), {}),
    ("LSTM", (10, 20), {"proj_size": -1}),
    ("LSTM", (10, 20), {"proj_size": 20}),
    ("LSTM", (10, 20), {"batch_first": 1}),
    ("GRU", (10, 20), {"foo": 1}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), BAD_CONFIGS,
                         ids=[f"{c}-{list(k) or a}" for c, a, k in BAD_CONFIGS])
def test_bad_constructor_arguments_raise_like_torch(name, args, kwargs):
    with pytest.raises(Exception) as theirs:
        getattr(torch.nn, name)(*args, **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        getattr(tnn, name)(*args, **kwargs)
    if "foo" not in kwargs:
        assert str(ours.value) == str(theirs.value)


def test_projections_are_refused_with_a_clear_value_error():
    with pytest.raises(ValueError, match="proj_size=5.*not supported in Duet"):
        tnn.LSTM(10, 20, proj_size=5)


def test_dropout_with_one_layer_warns_like_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        tnn.GRU(3, 4, dropout=0.5)


# -- input errors ---------------------------------------------------------------------------------
class Encoder(tnn.Module):
    def __init__(self, cls, **kwargs):
        super().__init__()
        self.rnn = cls(10, 20, num_layers=2, **kwargs)

    def forward(self, x, hx=None):
        return self.rnn(x, hx)


def _hx(name, *shapes):
    states = [np.zeros(s, np.float32) for s in shapes]
    return states if name == "LSTM" else states[:1]


BAD_INPUTS = {  # case -> (input shape, hx shapes or None, the part of the message both share)
    "feature_size": ((5, 3, 7), None,
                     "input.size(-1) must be equal to input_size. Expected 10, got 7"),
    "h0_batch": ((5, 3, 10), [(2, 4, 20), (2, 4, 20)], "size (2, 3, 20), got [2, 4, 20]"),
    "h0_hidden": ((5, 3, 10), [(2, 3, 21), (2, 3, 20)], "size (2, 3, 20), got [2, 3, 21]"),
    "c0_layers": ((5, 3, 10), [(2, 3, 20), (1, 3, 20)], "size (2, 3, 20), got [1, 3, 20]"),
    "rank_4": ((5, 3, 10, 1), None, "Expected input to be 2D or 3D, got 4D"),
    "rank_1": ((10,), None, "Expected input to be 2D or 3D, got 1D"),
    "hx_rank": ((5, 3, 10), [(3, 20), (3, 20)], "For batched 3-D input, hx"),
    "unbatched_hx_rank": ((5, 10), [(2, 1, 20), (2, 1, 20)], "For unbatched 2-D input, hx"),
}


INPUT_CASES = [(name, case) for name in ("RNN", "LSTM", "GRU") for case in BAD_INPUTS
               if name == "LSTM" or case != "c0_layers"]  # only the LSTM has a cell state


@pytest.mark.parametrize(("name", "case"), INPUT_CASES, ids=[f"{n}-{c}" for n, c in INPUT_CASES])
def test_bad_input_raises_torchs_error_naming_module_and_shapes(name, case):
    shape, hx_shapes, shared = BAD_INPUTS[case]
    theirs, ours = Encoder(getattr(torch.nn, name)), Encoder(getattr(tnn, name))
    before = {k: np.array(v.array) for k, v in ours.state_dict().items()}
    args_t, args_o = [torch.zeros(shape)], [tt.zeros(*shape)]
    if hx_shapes is not None:
        hx = _hx(name, *hx_shapes)
        ht, ho = [torch.tensor(h) for h in hx], [tt.Tensor(h) for h in hx]
        args_t.append(tuple(ht) if name == "LSTM" else ht[0])
        args_o.append(tuple(ho) if name == "LSTM" else ho[0])
    with pytest.raises(Exception) as err_t:
        theirs(*args_t)
    with pytest.raises(type(err_t.value)) as err_o:
        ours(*args_o)
    message = str(err_o.value)
    assert shared in str(err_t.value) and shared in message
    assert message.startswith(str(err_t.value).partition(" (")[0])  # torch's words come first
    assert f"[in {name} 'rnn']" in message
    if case == "feature_size":  # torch names neither shape here; we add both
        assert "(5, 3, 7)" in message and "(5, 3, 10)" in message
    if case.startswith("rank"):
        assert str(shape) in message
    assert all(np.array_equal(before[k], v.array) for k, v in ours.state_dict().items())
    assert all(p.grad is None for p in ours.parameters())


def test_dtype_mismatch_raises_torchs_value_error():
    with pytest.raises(ValueError) as theirs:
        torch.nn.GRU(3, 4)(torch.zeros(2, 1, 3, dtype=torch.float64))
    with pytest.raises(ValueError) as ours:
        tnn.GRU(3, 4)(tt.zeros(2, 1, 3, dtype=tt.float64))
    assert str(theirs.value) in str(ours.value)


CELL_ERRORS = [  # (cell, input shape, hx shapes) -> torch's RuntimeError / ValueError
    ("LSTMCell", (3, 7), None),
    ("LSTMCell", (3, 10), [(5, 20), (3, 20)]),
    ("LSTMCell", (3, 10), [(3, 15), (3, 20)]),
    ("LSTMCell", (3, 10), [(3, 20), (3, 15)]),
    ("LSTMCell", (10,), [(3, 20), (3, 20)]),
    ("LSTMCell", (2, 3, 10), None),
    ("GRUCell", (3, 10), [(3, 15)]),
    ("GRUCell", (3, 10), [(20,)]),
    ("RNNCell", (3, 10), [(2, 3, 20)]),
]


@pytest.mark.parametrize(("name", "shape", "hx_shapes"), CELL_ERRORS,
                         ids=[f"{n}-{s}-{h}" for n, s, h in CELL_ERRORS])
def test_cell_errors_match_torch(name, shape, hx_shapes):
    theirs, ours = getattr(torch.nn, name)(10, 20), getattr(tnn, name)(10, 20)
    args_t, args_o = [torch.zeros(shape)], [tt.zeros(*shape)]
    if hx_shapes is not None:
        ht = [torch.zeros(s) for s in hx_shapes]
        ho = [tt.zeros(*s) for s in hx_shapes]
        args_t.append(tuple(ht) if name == "LSTMCell" else ht[0])
        args_o.append(tuple(ho) if name == "LSTMCell" else ho[0])
    with pytest.raises(Exception) as err_t:
        theirs(*args_t)
    with pytest.raises(type(err_t.value)) as err_o:
        ours(*args_o)
    assert str(err_t.value) in str(err_o.value)
    assert f"[in {name}]" in str(err_o.value)


def test_rnn_cell_with_unknown_nonlinearity_fails_at_forward_like_torch():
    cell = tnn.RNNCell(3, 4, nonlinearity="foo")  # accepted by the constructor, as in torch
    with pytest.raises(RuntimeError, match="Unknown nonlinearity: foo"):
        cell(tt.zeros(2, 3))


# -- a character-level language model -------------------------------------------------------------
class CharLM(tnn.Module):
    def __init__(self, vocab: int):
        super().__init__()
        self.embed = tnn.Embedding(vocab, 16)
        self.lstm = tnn.LSTM(16, 64, batch_first=True)
        self.head = tnn.Linear(64, vocab)

    def forward(self, x):
        y, _ = self.lstm(self.embed(x))
        return self.head(y)


def test_char_lstm_language_model_learns_a_repetitive_text():
    """Embedding -> LSTM -> Linear on a repeated sentence, 60 Adam steps (about a second on one
    core). The first loss is about ln(vocab) = 3.3; measured after 60 steps: 0.04."""
    text = "the quick brown fox jumps over the lazy dog. " * 40
    vocab = sorted(set(text))
    ids = np.array([vocab.index(c) for c in text])
    tt.manual_seed(0)
    model = CharLM(len(vocab))
    opt = tt.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = tnn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    losses = []
    for _ in range(60):
        starts = rng.integers(0, len(ids) - 33, 16)
        x = np.stack([ids[s:s + 32] for s in starts])
        y = np.stack([ids[s + 1:s + 33] for s in starts])
        loss = loss_fn(model(tt.tensor(x)).reshape(-1, len(vocab)), tt.tensor(y).reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[0] > 3.0
    assert np.mean(losses[-5:]) < 0.2
