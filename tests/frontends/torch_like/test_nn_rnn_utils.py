"""nn.utils.rnn (PackedSequence, pack/pad helpers) and packed input to nn.RNN/LSTM/GRU, against
real PyTorch 2.13: the packed data, batch sizes and permutations, padded results, and forward and
backward through the recurrent modules."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.nn.utils import rnn as torch_rnn

import frontends.torch_like as tt
from frontends.torch_like import nn as tnn
from frontends.torch_like.nn.utils import rnn as ours_rnn

EXACT = {"rtol": 0, "atol": 0}  # packing and padding only move values
FORWARD = {"rtol": 1e-5, "atol": 2e-6}
GRADS = {"rtol": 1e-4, "atol": 1e-5}  # recurrences accumulate in another order than torch's


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def pair(a: np.ndarray):
    return tt.Tensor(a.copy(), requires_grad=True), torch.tensor(a, requires_grad=True)


def close(ours, theirs, tol=EXACT, what: str = "") -> None:
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    np.testing.assert_allclose(np.asarray(ours.array), theirs, err_msg=what, **tol)


def same_packed(po, pt) -> None:
    close(po.data, pt.data, what="data")
    close(po.batch_sizes, pt.batch_sizes, what="batch_sizes")
    for name in ("sorted_indices", "unsorted_indices"):
        a, b = getattr(po, name), getattr(pt, name)
        assert (a is None) == (b is None), name
        if a is not None:
            close(a, b, what=name)


LENGTHS = {"sorted": [6, 5, 3, 2], "unsorted": [3, 6, 2, 5], "ties": [4, 6, 4, 1]}


# -- pack / pad ---------------------------------------------------------------------------------
@pytest.mark.parametrize("lengths", list(LENGTHS))
@pytest.mark.parametrize("batch_first", [False, True], ids=["time_first", "batch_first"])
@pytest.mark.parametrize("as_tensor", [False, True], ids=["list", "tensor"])
def test_pack_padded_and_pad_packed_match_torch(lengths, batch_first, as_tensor):
    lens = LENGTHS[lengths]
    enforce = lengths == "sorted"
    x = rand(*((4, 6, 3) if batch_first else (6, 4, 3)), seed=1)
    xo, xt = pair(x)
    lo = tt.tensor(lens) if as_tensor else lens
    lt = torch.tensor(lens) if as_tensor else lens
    po = ours_rnn.pack_padded_sequence(xo, lo, batch_first=batch_first, enforce_sorted=enforce)
    pt = torch_rnn.pack_padded_sequence(xt, lt, batch_first=batch_first, enforce_sorted=enforce)
    if lengths == "ties":  # torch's unstable sort may order equal lengths either way
        close(po.batch_sizes, pt.batch_sizes)
    else:
        same_packed(po, pt)
    (yo, len_o), (yt, len_t) = [m.pad_packed_sequence(p, batch_first=batch_first,
                                                      padding_value=-1.0, total_length=7)
                                for m, p in ((ours_rnn, po), (torch_rnn, pt))]
    close(yo, yt, what="padded")
    close(len_o, len_t, what="lengths")
    g = rand(*yt.shape, seed=2)
    (yo * tt.Tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    close(xo.grad, xt.grad, what="grad through pack and pad")


def test_pack_padded_sequence_errors_match_torch():
    x = tt.zeros(5, 3, 4)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order when "
                                           "`enforce_sorted` is True"):
        ours_rnn.pack_padded_sequence(x, [2, 5, 1])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        ours_rnn.pack_padded_sequence(x, [5, 2, 0])
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to "
                                           r"batch_size, but got 2 \(batch_size=3\)"):
        ours_rnn.pack_padded_sequence(x, [5, 2])
    with pytest.raises(RuntimeError, match="a length of 6 exceeds the 5 time steps"):
        ours_rnn.pack_padded_sequence(x, [6, 2, 1])
    packed = ours_rnn.pack_padded_sequence(x, [5, 2, 1])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 5"):
        ours_rnn.pad_packed_sequence(packed, total_length=2)


@pytest.mark.parametrize("batch_first", [False, True], ids=["time_first", "batch_first"])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, side):
    arrays = [rand(n, 2, 3, seed=n) for n in (3, 5, 1)]
    pairs = [pair(a) for a in arrays]
    yo = ours_rnn.pad_sequence([o for o, _ in pairs], batch_first, 0.5, side)
    yt = torch_rnn.pad_sequence([t for _, t in pairs], batch_first, 0.5, side)
    close(yo, yt, what="padded")
    g = rand(*yt.shape, seed=9)
    (yo * tt.Tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    for k, (o, t) in enumerate(pairs):
        close(o.grad, t.grad, what=f"grad of sequence {k}")


def test_pad_sequence_errors_match_torch():
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right, "
                                           "but got middle."):
        ours_rnn.pad_sequence([tt.zeros(2, 3)], padding_side="middle")
    with pytest.raises(RuntimeError, match="received an empty list of sequences"):
        ours_rnn.pad_sequence([])
    with pytest.raises(RuntimeError, match="Expected iterable for input sequences"):
        ours_rnn.pad_sequence(3)
    with pytest.raises(RuntimeError, match="needs a time axis"):
        ours_rnn.pad_sequence([tt.tensor(1.0)])


def test_pad_sequence_of_a_tensor_iterates_its_first_axis_like_torch():
    x = rand(3, 4, 2, seed=4)
    close(ours_rnn.pad_sequence(tt.Tensor(x), batch_first=True),
          torch_rnn.pad_sequence(torch.tensor(x), batch_first=True))


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_unpack_and_unpad_match_torch(enforce_sorted):
    lens = [5, 4, 2] if enforce_sorted else [2, 5, 4]
    arrays = [rand(n, 3, seed=n) for n in lens]
    po = ours_rnn.pack_sequence([tt.Tensor(a) for a in arrays], enforce_sorted)
    pt = torch_rnn.pack_sequence([torch.tensor(a) for a in arrays], enforce_sorted)
    same_packed(po, pt)
    for o, t, a in zip(ours_rnn.unpack_sequence(po), torch_rnn.unpack_sequence(pt), arrays):
        close(o, t)
        close(o, a)
    padded = rand(5, 3, 2, seed=3)
    lengths = [5, 2, 4]
    for o, t in zip(ours_rnn.unpad_sequence(tt.Tensor(padded), tt.tensor(lengths)),
                    torch_rnn.unpad_sequence(torch.tensor(padded), torch.tensor(lengths))):
        close(o, t)


def test_packed_sequence_is_a_namedtuple_like_torchs():
    p = ours_rnn.pack_sequence([tt.ones(3, 2), tt.ones(2, 2)])
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert p._fields == torch_rnn.PackedSequence._fields
    assert data is p.data and sorted_indices is None and unsorted_indices is None
    assert batch_sizes.dtype == np.int64 and batch_sizes.tolist() == [2, 2, 1]
    assert p.is_cuda is False and p.to(tt.float32) is p
    doubled = p.double()
    assert doubled.data.dtype == np.float64 and doubled.batch_sizes is p.batch_sizes
    with pytest.raises(RuntimeError):
        p.cuda()
    q = ours_rnn.PackedSequence(p.data, p.batch_sizes, tt.tensor([1, 0]))
    assert q.unsorted_indices.tolist() == [1, 0]  # inverted from sorted_indices, as torch
    assert ours_rnn.invert_permutation(tt.tensor([2, 0, 1])).tolist() == [1, 2, 0]


# -- packed input to the recurrent modules ----------------------------------------------------------
def _module(nn, mode, bi):
    cls = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}[mode]
    return cls(3, 5, num_layers=2, bidirectional=bi)


def _h0(mode, bi, batch):
    shape = (2 * (2 if bi else 1), batch, 5)
    states = [pair(rand(*shape, seed=40 + k) * 0.5) for k in range(2 if mode == "LSTM" else 1)]
    if mode == "LSTM":
        return states, tuple(o for o, _ in states), tuple(t for _, t in states)
    return states, states[0][0], states[0][1]


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bi", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("lengths", ["sorted", "unsorted"])
@pytest.mark.parametrize("with_h0", [False, True], ids=["zeros", "h0"])
def test_packed_input_matches_torch(mode, bi, lengths, with_h0):
    lens = LENGTHS[lengths]
    theirs, ours = _module(torch.nn, mode, bi), _module(tnn, mode, bi)
    ours.load_state_dict({k: tt.Tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})
    xo, xt = pair(rand(6, 4, 3, seed=5))
    enforce = lengths == "sorted"
    po = ours_rnn.pack_padded_sequence(xo, lens, enforce_sorted=enforce)
    pt = torch_rnn.pack_padded_sequence(xt, lens, enforce_sorted=enforce)
    states, hx_o, hx_t = _h0(mode, bi, 4) if with_h0 else ([], None, None)
    (yo, ho), (yt, ht) = ours(po, hx_o), theirs(pt, hx_t)
    assert isinstance(yo, ours_rnn.PackedSequence)
    close(yo.data, yt.data, FORWARD, "packed output")
    assert yo.batch_sizes is po.batch_sizes and yo.sorted_indices is po.sorted_indices
    ho, ht = (ho if mode == "LSTM" else (ho,)), (ht if mode == "LSTM" else (ht,))
    for k, (a, b) in enumerate(zip(ho, ht)):
        close(a, b, FORWARD, f"final state {k} (each sequence's last valid step)")
    pad_o, _ = ours_rnn.pad_packed_sequence(yo, batch_first=True)
    pad_t, _ = torch_rnn.pad_packed_sequence(yt, batch_first=True)
    close(pad_o, pad_t, FORWARD, "padded output")
    g = rand(*pad_t.shape, seed=6)
    total_o, total_t = (pad_o * tt.Tensor(g)).sum(), (pad_t * torch.tensor(g)).sum()
    for k, (a, b) in enumerate(zip(ho, ht)):
        gk = rand(*b.shape, seed=7 + k)
        total_o, total_t = total_o + (a * tt.Tensor(gk)).sum(), total_t + (b * torch.tensor(gk)).sum()
    total_o.backward()
    total_t.backward()
    close(xo.grad, xt.grad, GRADS, "input grad")
    for k, (o, t) in enumerate(states):
        close(o.grad, t.grad, GRADS, f"h0[{k}] grad")
    ours_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        close(ours_params[name].grad, p.grad, GRADS, f"grad of {name}")


def test_packed_input_with_wrong_hidden_batch_raises_like_torch():
    lstm = tnn.LSTM(3, 5)
    packed = ours_rnn.pack_sequence([tt.ones(3, 3), tt.ones(2, 3)])
    bad = (tt.zeros(1, 3, 5), tt.zeros(1, 2, 5))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 2, 5\), got "
                                           r"\[1, 3, 5\]"):
        lstm(packed, bad)
