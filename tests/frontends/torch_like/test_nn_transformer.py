"""TransformerEncoder(Layer), TransformerDecoder(Layer) and Transformer against real torch
2.13 (state_dicts copied; outputs, gradients, parameters after steps), and a small Transformer
encoder classifier that trains. Torch runs in training mode (dropout=0) or with gradients
enabled, which keeps it off its eval-mode fast path (a native kernel, and nested tensors that
zero padded positions); the one eval-mode test compares only the unpadded positions, at 1e-5."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as tt

from ._attention_helpers import (
    FORWARD,
    STEPS,
    both_grads,
    close,
    copy_state,
    leaves,
    rand,
    torch,
)


# -- Transformer encoder / decoder ----------------------------------------------------------------
def pair_of(cls_name: str, *args, **kw):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, cls_name)(*args, **kw)
    ours = getattr(tt.nn, cls_name)(*args, **kw)
    copy_state(theirs, ours)
    return ours, theirs


ENCODER_CASES = [
    {"bf": False, "norm_first": False, "act": "relu", "mask": None},
    {"bf": True, "norm_first": True, "act": "gelu", "mask": "kpm"},
    {"bf": True, "norm_first": False, "act": "gelu", "mask": "causal"},
    {"bf": False, "norm_first": True, "act": "relu", "mask": "both"},
    {"bf": True, "norm_first": False, "act": "callable", "mask": "float"},
]


def encoder_masks(kind, lib, n=3, s=6):
    kpm = np.zeros((n, s), bool)
    kpm[0, 4:] = True
    causal = lib.nn.Transformer.generate_square_subsequent_mask(s)
    return {None: (None, None), "kpm": (None, lib.tensor(kpm)), "causal": (causal, None),
            "both": (causal, lib.tensor(kpm)),
            "float": (lib.tensor(rand(s, s, seed=8)), None)}[kind]


@pytest.mark.parametrize("case", ENCODER_CASES, ids=lambda c: "-".join(map(str, c.values())))
def test_encoder_layer_matches_torch(case):
    act = {"relu": "relu", "gelu": "gelu", "callable": None}[case["act"]]
    kw = {"dim_feedforward": 16, "dropout": 0.0, "batch_first": case["bf"],
              "norm_first": case["norm_first"]}
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(8, 2, activation=act or torch.nn.functional.silu,
                                              **kw)
    ours = tt.nn.TransformerEncoderLayer(8, 2, activation=act or tt.nn.functional.silu, **kw)
    copy_state(theirs, ours)
    x = rand(3, 6, 8) if case["bf"] else rand(6, 3, 8)
    (ox,), (tx,) = leaves(x)
    mask, kpm = encoder_masks(case["mask"], tt)
    tmask, tkpm = encoder_masks(case["mask"], torch)
    y = ours(ox, src_mask=mask, src_key_padding_mask=kpm)
    ty = theirs(tx, src_mask=tmask, src_key_padding_mask=tkpm)
    close(y, ty, FORWARD)
    both_grads(y, ty, [ox], [tx], ours, theirs)


def test_encoder_stack_with_final_norm_and_causal_detection_matches_torch():
    torch.manual_seed(0)
    layer_t = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    theirs = torch.nn.TransformerEncoder(layer_t, 2, norm=torch.nn.LayerNorm(8))
    layer_o = tt.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    ours = tt.nn.TransformerEncoder(layer_o, 2, norm=tt.nn.LayerNorm(8))
    copy_state(theirs, ours)
    assert ours.layers[0] is not ours.layers[1]  # deep copies, as torch
    x = rand(2, 5, 8)
    (ox,), (tx,) = leaves(x)
    kpm = np.zeros((2, 5), bool)
    kpm[1, 3:] = True
    causal = np.triu(np.ones((5, 5), bool), 1)  # a bool causal mask is detected as causal too
    y = ours(ox, mask=tt.tensor(causal), src_key_padding_mask=tt.tensor(kpm))
    ty = theirs(tx, mask=torch.tensor(causal), src_key_padding_mask=torch.tensor(kpm))
    close(y, ty, FORWARD)
    both_grads(y, ty, [ox], [tx], ours, theirs)


def test_encoder_in_eval_mode_matches_torch_fast_path_on_unpadded_positions():
    """torch's eval fast path (native kernel + nested tensors) zeroes padded positions and sums
    in another order: compare the real positions at 1e-5."""
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(
        8, 2, 16, batch_first=True), 2).eval()
    ours = tt.nn.TransformerEncoder(tt.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True),
                                    2).eval()
    copy_state(theirs, ours)
    x, kpm = rand(2, 5, 8), np.zeros((2, 5), bool)
    kpm[0, 3:] = True
    with torch.no_grad():
        ty = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
    y = ours(tt.tensor(x), src_key_padding_mask=tt.tensor(kpm)).detach().numpy()
    np.testing.assert_allclose(y[~kpm], ty.numpy()[~kpm], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("bf", [False, True])
def test_decoder_stack_matches_torch(norm_first, bf):
    torch.manual_seed(0)
    kw = {"dim_feedforward": 16, "dropout": 0.0, "batch_first": bf, "norm_first": norm_first,
              "activation": "gelu"}
    theirs = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, **kw), 2,
                                         norm=torch.nn.LayerNorm(8))
    ours = tt.nn.TransformerDecoder(tt.nn.TransformerDecoderLayer(8, 2, **kw), 2,
                                    norm=tt.nn.LayerNorm(8))
    copy_state(theirs, ours)
    tgt, mem = (rand(3, 4, 8, seed=1), rand(3, 6, 8, seed=2)) if bf else \
        (rand(4, 3, 8, seed=1), rand(6, 3, 8, seed=2))
    (ot, om), (tt_, tm) = leaves(tgt, mem)
    mkpm = np.zeros((3, 6), bool)
    mkpm[2, 5:] = True
    tkpm = np.zeros((3, 4), bool)
    tkpm[1, 3:] = True
    y = ours(ot, om, tgt_mask=tt.nn.Transformer.generate_square_subsequent_mask(4),
             memory_key_padding_mask=tt.tensor(mkpm), tgt_key_padding_mask=tt.tensor(tkpm))
    ty = theirs(tt_, tm, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(4),
                memory_key_padding_mask=torch.tensor(mkpm),
                tgt_key_padding_mask=torch.tensor(tkpm))
    close(y, ty, FORWARD)
    both_grads(y, ty, [ot, om], [tt_, tm], ours, theirs)


def test_transformer_matches_torch_and_trains_the_same():
    ours, theirs = pair_of("Transformer", 8, 2, 2, 1, 16, dropout=0.0, batch_first=True)
    assert repr(ours) == repr(theirs)
    src, tgt = rand(2, 5, 8, seed=1), rand(2, 4, 8, seed=2)
    opt, topt = tt.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9), torch.optim.SGD(
        theirs.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        for mod, o, lib in ((ours, opt, tt), (theirs, topt, torch)):
            o.zero_grad()
            mask = lib.nn.Transformer.generate_square_subsequent_mask(4)
            y = mod(lib.tensor(src), lib.tensor(tgt), tgt_mask=mask)
            (y[..., :3] ** 2).mean().backward()
            o.step()
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        close(p, named[name], STEPS, name)
    mask = tt.nn.Transformer.generate_square_subsequent_mask(4)
    close(mask, torch.nn.Transformer.generate_square_subsequent_mask(4), FORWARD)


def test_transformer_init_is_xavier_for_matrices():
    model = tt.nn.Transformer(16, 2, 1, 1, 32)
    w = model.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound


# -- a small classifier trains --------------------------------------------------------------------
class Classifier(tt.nn.Module):
    """Embedding + learned positions + TransformerEncoder + masked mean pool + Linear."""

    def __init__(self, vocab=8, d=16, seq=10):
        super().__init__()
        self.embed = tt.nn.Embedding(vocab, d, padding_idx=0)
        self.pos = tt.nn.Parameter(tt.randn(1, seq, d) * 0.1)
        layer = tt.nn.TransformerEncoderLayer(d, 2, 32, dropout=0.0, batch_first=True)
        self.encoder = tt.nn.TransformerEncoder(layer, 1)
        self.head = tt.nn.Linear(d, 2)

    def forward(self, ids):
        pad = ids == 0
        h = self.encoder(self.embed(ids) + self.pos, src_key_padding_mask=pad)
        keep = (~pad).unsqueeze(-1).float()
        return self.head((h * keep).sum(1) / keep.sum(1))


def synthetic_task(n, seq=10, seed=0):
    """Label 1 iff token 1 occurs before token 2 in the (padded) sequence: order matters, so
    the positions must be used."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(3, 8, size=(n, seq))
    lengths = rng.integers(5, seq + 1, size=n)
    labels = rng.integers(0, 2, size=n)
    for i in range(n):
        a, b = sorted(rng.choice(lengths[i], 2, replace=False))
        ids[i, a], ids[i, b] = (1, 2) if labels[i] else (2, 1)
        ids[i, lengths[i]:] = 0
    return ids, labels


def test_transformer_classifier_learns_token_order():
    tt.manual_seed(0)
    model = Classifier()
    opt = tt.optim.Adam(model.parameters(), lr=3e-3)
    x, y = synthetic_task(512)
    for epoch in range(12):
        for i in range(0, 512, 64):
            opt.zero_grad()
            loss = tt.nn.functional.cross_entropy(model(tt.tensor(x[i:i + 64])),
                                                  tt.tensor(y[i:i + 64]))
            loss.backward()
            opt.step()
    model.eval()
    xt, yt = synthetic_task(256, seed=1)
    with tt.no_grad():
        acc = (model(tt.tensor(xt)).argmax(-1).numpy() == yt).mean()
    assert acc >= 0.9, acc
