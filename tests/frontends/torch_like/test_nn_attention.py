"""nn.MultiheadAttention, F.multi_head_attention_forward and F.scaled_dot_product_attention
against real torch 2.13: weights copied via state_dict, then outputs, attention weights, input
and parameter gradients and parameters after optimizer steps compared at float32 tolerance
(see _attention_helpers). Torch runs in training mode or with gradients enabled, which keeps it
off its eval-mode fast path; bad input raises torch's exception types."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as tt

from ._attention_helpers import (
    FORWARD,
    GRADS,
    STEPS,
    both_grads,
    close,
    copy_state,
    leaves,
    rand,
    torch,
)


# -- MultiheadAttention ---------------------------------------------------------------------------
def masks_for(kind: str, n: int, heads: int, lq: int, ls: int):
    """(key_padding_mask, attn_mask) numpy arrays for a named mask kind."""
    kpm = np.zeros((n, ls), bool)
    kpm[0, ls - 2:] = True
    tril = ~np.tril(np.ones((lq, ls), bool))
    return {"none": (None, None), "kpm_bool": (kpm, None),
            "kpm_float": (np.where(kpm, -np.inf, 0).astype(np.float32), None),
            "attn_bool": (None, tril), "attn_float": (None, np.where(tril, -1e4, 0.5 * rand(
                lq, ls, seed=3)).astype(np.float32)),
            "attn_3d": (None, rand(n * heads, lq, ls, seed=4)),
            "both": (kpm, tril)}[kind]


def mha_inputs(bf: bool, n=3, lq=5, ls=6, e=8, kdim=8, vdim=8, self_attn=False):
    shape = (lambda L, d: (n, L, d)) if bf else (lambda L, d: (L, n, d))
    q = rand(*shape(lq, e), seed=1)
    if self_attn:
        return q, q, q
    return q, rand(*shape(ls, kdim), seed=2), rand(*shape(ls, vdim), seed=3)


MHA_CASES = [
    {"bf": False, "kind": "none"}, {"bf": True, "kind": "none"}, {"bf": True, "kind": "kpm_bool"},
    {"bf": False, "kind": "kpm_float"}, {"bf": True, "kind": "attn_bool"},
    {"bf": False, "kind": "attn_float"}, {"bf": True, "kind": "attn_3d"},
    {"bf": False, "kind": "both"}, {"bf": True, "kind": "both", "average": False},
    {"bf": True, "kind": "none", "kdim": 4, "vdim": 6},
    {"bf": False, "kind": "kpm_bool", "bias_kv": True},
    {"bf": True, "kind": "attn_bool", "zero_attn": True, "bias_kv": True},
    {"bf": False, "kind": "none", "bias": False},
    {"bf": True, "kind": "kpm_bool", "self_attn": True},
]


def case_id(case: dict) -> str:
    return "-".join(f"{k}={v}" for k, v in case.items())


@pytest.mark.parametrize("case", MHA_CASES, ids=case_id)
def test_multihead_attention_matches_torch(case):
    bf, kdim, vdim = case["bf"], case.get("kdim", 8), case.get("vdim", 8)
    kw = {"batch_first": bf, "bias": case.get("bias", True), "kdim": kdim, "vdim": vdim,
          "add_bias_kv": case.get("bias_kv", False), "add_zero_attn": case.get("zero_attn", False)}
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(8, 2, **kw)
    ours = tt.nn.MultiheadAttention(8, 2, **kw)
    copy_state(theirs, ours)
    arrays = mha_inputs(bf, kdim=kdim, vdim=vdim, self_attn=case.get("self_attn", False))
    kpm, attn = masks_for(case["kind"], 3, 2, 5, 5 if case.get("self_attn") else 6)
    avg = case.get("average", True)
    ours_in, theirs_in = leaves(*arrays[:1 if case.get("self_attn") else 3])
    oq = ours_in * 3 if case.get("self_attn") else ours_in
    tq = theirs_in * 3 if case.get("self_attn") else theirs_in
    mk = (lambda lib, a: None if a is None else lib.tensor(a))
    y, w = ours(*oq, key_padding_mask=mk(tt, kpm), attn_mask=mk(tt, attn),
                average_attn_weights=avg)
    ty, tw = theirs(*tq, key_padding_mask=mk(torch, kpm), attn_mask=mk(torch, attn),
                    average_attn_weights=avg)
    close(y, ty, FORWARD, "output")
    close(w, tw, FORWARD, "weights")
    both_grads(y, ty, ours_in, theirs_in, ours, theirs)


def test_multihead_attention_state_dict_names_and_init_follow_torch():
    ours = tt.nn.MultiheadAttention(16, 4, add_bias_kv=True)
    theirs = torch.nn.MultiheadAttention(16, 4, add_bias_kv=True)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    np.testing.assert_array_equal(ours.in_proj_bias.detach().numpy(), 0)
    np.testing.assert_array_equal(ours.out_proj.bias.detach().numpy(), 0)
    bound = np.sqrt(6 / (16 + 48))  # xavier_uniform of the (48, 16) in_proj_weight
    w = ours.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    sep = tt.nn.MultiheadAttention(16, 4, kdim=5, vdim=7, bias=False)
    assert list(sep.state_dict()) == list(torch.nn.MultiheadAttention(
        16, 4, kdim=5, vdim=7, bias=False).state_dict())
    assert sep.in_proj_weight is None and tuple(sep.k_proj_weight.shape) == (16, 5)


def test_unbatched_multihead_attention_and_need_weights_false():
    torch.manual_seed(1)
    theirs, ours = torch.nn.MultiheadAttention(8, 4), tt.nn.MultiheadAttention(8, 4)
    copy_state(theirs, ours)
    q, k = rand(5, 8, seed=1), rand(7, 8, seed=2)
    kpm = np.zeros(7, bool)
    kpm[5:] = True
    y, w = ours(tt.tensor(q), tt.tensor(k), tt.tensor(k), key_padding_mask=tt.tensor(kpm),
                average_attn_weights=False)
    ty, tw = theirs(torch.tensor(q), torch.tensor(k), torch.tensor(k),
                    key_padding_mask=torch.tensor(kpm), average_attn_weights=False)
    close(y, ty, FORWARD)
    close(w, tw, FORWARD)
    y2, w2 = ours(tt.tensor(q), tt.tensor(k), tt.tensor(k), need_weights=False)
    assert w2 is None and tuple(y2.shape) == (5, 8)


def test_multihead_attention_is_causal_hint_needs_a_mask_and_uses_it():
    torch.manual_seed(2)
    theirs = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    ours = tt.nn.MultiheadAttention(8, 2, batch_first=True)
    copy_state(theirs, ours)
    x = rand(2, 6, 8)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        ours(tt.tensor(x), tt.tensor(x), tt.tensor(x), is_causal=True)
    mask = tt.nn.Transformer.generate_square_subsequent_mask(6)
    y, _ = ours(tt.tensor(x), tt.tensor(x), tt.tensor(x), attn_mask=mask, is_causal=True,
                need_weights=False)
    ty, _ = theirs(torch.tensor(x), torch.tensor(x), torch.tensor(x), need_weights=False,
                   attn_mask=torch.nn.Transformer.generate_square_subsequent_mask(6),
                   is_causal=True)
    close(y, ty, FORWARD)


def test_multihead_attention_parameters_after_adam_steps_match_torch():
    torch.manual_seed(3)
    theirs = torch.nn.MultiheadAttention(8, 2, batch_first=True, add_bias_kv=True)
    ours = tt.nn.MultiheadAttention(8, 2, batch_first=True, add_bias_kv=True)
    copy_state(theirs, ours)
    opt, topt = tt.optim.Adam(ours.parameters(), lr=1e-2), torch.optim.Adam(
        theirs.parameters(), lr=1e-2)
    q, k = rand(3, 4, 8, seed=5), rand(3, 6, 8, seed=6)
    kpm = np.zeros((3, 6), bool)
    kpm[1, 4:] = True
    for _ in range(3):
        for mod, o, lib in ((ours, opt, tt), (theirs, topt, torch)):
            o.zero_grad()
            y, w = mod(lib.tensor(q), lib.tensor(k), lib.tensor(k),
                       key_padding_mask=lib.tensor(kpm))
            ((y ** 2).mean() + (w * w).sum()).backward()
            o.step()
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        close(p, named[name], STEPS, name)


def test_dropout_drops_attention_weights_in_training_only():
    tt.manual_seed(0)
    mha = tt.nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = tt.tensor(rand(2, 4, 8))
    _, w_train = mha(x, x, x)
    mha.eval()
    _, w_eval = mha(x, x, x)
    kept = w_train.detach().numpy()
    assert (kept == 0).any()
    np.testing.assert_allclose(w_eval.detach().numpy().sum(-1), 1, rtol=1e-5)


# -- scaled_dot_product_attention -----------------------------------------------------------------
SDPA_CASES = {
    "plain": {}, "causal": {"is_causal": True}, "causal_rect": {"is_causal": True, "ls": 7},
    "bool_mask": {"mask": "bool"}, "float_mask": {"mask": "float"},
    "causal_and_mask": {"is_causal": True, "mask": "bool"}, "scale": {"scale": 0.3},
    "gqa": {"kv_heads": 2, "enable_gqa": True}, "gqa_causal": {"kv_heads": 1, "enable_gqa": True,
                                                                "is_causal": True, "ls": 7},
    "3d": {"rank": 3}, "5d": {"rank": 5, "mask": "bool"}, "value_dim": {"ev": 3},
    "5d_batched_mask": {"rank": 5, "mask": "lead"},
}


@pytest.mark.parametrize("name", SDPA_CASES)
def test_scaled_dot_product_attention_matches_torch(name):
    c = SDPA_CASES[name]
    lq, ls, e, ev, heads = 5, c.get("ls", 5), 8, c.get("ev", 8), 4
    lead = {3: (), 4: (2,), 5: (2, 3)}[c.get("rank", 4)]
    kvh = c.get("kv_heads", heads)
    arrays = (rand(*lead, heads, lq, e, seed=1), rand(*lead, kvh, ls, e, seed=2),
              rand(*lead, kvh, ls, ev, seed=3))
    mask = {None: None, "bool": rand(lq, ls, seed=4) > -0.5,
            "float": rand(heads, lq, ls, seed=5),
            "lead": rand(1, 3, 1, lq, ls, seed=6) > -0.5}[c.get("mask")]
    kw = {k: c[k] for k in ("is_causal", "scale", "enable_gqa") if k in c}
    ours_in, theirs_in = leaves(*arrays)
    y = tt.nn.functional.scaled_dot_product_attention(
        *ours_in, attn_mask=None if mask is None else tt.tensor(mask), **kw)
    ty = torch.nn.functional.scaled_dot_product_attention(
        *theirs_in, attn_mask=None if mask is None else torch.tensor(mask), **kw)
    close(y, ty, FORWARD)
    ct = rand(*ty.shape, seed=7)
    (y * tt.tensor(ct)).sum().backward()
    (ty * torch.tensor(ct)).sum().backward()
    for a, b in zip(ours_in, theirs_in):
        close(a.grad, b.grad, GRADS)


def test_sdpa_fully_masked_row_gives_zeros_like_torch():
    q, k = rand(1, 1, 3, 4, seed=1), rand(1, 1, 5, 4, seed=2)
    mask = np.ones((3, 5), bool)
    mask[1] = False
    y = tt.nn.functional.scaled_dot_product_attention(tt.tensor(q), tt.tensor(k), tt.tensor(k),
                                                      attn_mask=tt.tensor(mask))
    ty = torch.nn.functional.scaled_dot_product_attention(
        torch.tensor(q), torch.tensor(k), torch.tensor(k), attn_mask=torch.tensor(mask))
    close(y, ty, FORWARD)
    assert not np.isnan(y.numpy()).any()


def test_sdpa_dropout_zeroes_weights_and_one_keeps_nothing():
    q = tt.tensor(rand(2, 2, 4, 8))
    tt.manual_seed(0)
    assert np.all(tt.nn.functional.scaled_dot_product_attention(q, q, q, dropout_p=1.0).numpy()
                  == 0)
    y = tt.nn.functional.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert y.shape == q.shape and not np.allclose(
        y.numpy(), tt.nn.functional.scaled_dot_product_attention(q, q, q).numpy())


def test_sdpa_bad_shapes_raise_runtime_error_naming_both_shapes():
    q, k = tt.tensor(rand(2, 4, 5, 8)), tt.tensor(rand(2, 2, 6, 8))
    with pytest.raises(RuntimeError, match=r"query \(2, 4, 5, 8\), key \(2, 2, 6, 8\)"):
        tt.nn.functional.scaled_dot_product_attention(q, k, k)
    bad = tt.tensor(rand(2, 4, 6, 7))
    with pytest.raises(RuntimeError, match=r"query \(2, 4, 5, 8\), key \(2, 4, 6, 7\)"):
        tt.nn.functional.scaled_dot_product_attention(q, bad, bad)
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(5, 7\)"):
        k4 = tt.tensor(rand(2, 4, 6, 8))
        tt.nn.functional.scaled_dot_product_attention(q, k4, k4,
                                                      attn_mask=tt.ones(5, 7, dtype=tt.bool))


# -- bad input --------------------------------------------------------------------------------
def test_embed_dim_mismatch_is_an_assertion_error_naming_op_and_shapes():
    mha = tt.nn.MultiheadAttention(8, 2)
    before = {k: v.detach().numpy().copy() for k, v in mha.state_dict().items()}
    x = tt.tensor(rand(5, 2, 6))
    with pytest.raises(AssertionError, match=r"embedding dimension of 8, but got 6 "
                       r"\(multi_head_attention_forward: query of shape \(5, 2, 6\), "
                       r"projection weight of shape \(24, 8\)\)"):
        mha(x, x, x)
    for k, v in mha.state_dict().items():
        np.testing.assert_array_equal(v.detach().numpy(), before[k])
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        tt.nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        tt.nn.MultiheadAttention(0, 2)


def test_masks_of_the_wrong_shape_raise_like_torch():
    mha = tt.nn.MultiheadAttention(8, 2)
    x = tt.tensor(rand(5, 2, 8))
    with pytest.raises(RuntimeError, match=r"2D attn_mask is torch.Size\(\[4, 5\]\), but "
                       r"should be \(5, 5\). \[in MultiheadAttention"):
        mha(x, x, x, attn_mask=tt.ones(4, 5, dtype=tt.bool))
    with pytest.raises(RuntimeError, match=r"3D attn_mask is torch.Size\(\[2, 5, 5\]\), but "
                       r"should be \(4, 5, 5\)"):
        mha(x, x, x, attn_mask=tt.zeros(2, 5, 5))
    with pytest.raises(AssertionError, match=r"key_padding_mask shape of \(2, 5\), but got "
                       r"\(2, 4\)"):
        mha(x, x, x, key_padding_mask=tt.zeros(2, 4, dtype=tt.bool))
    with pytest.raises(AssertionError, match=r"key shape torch.Size\(\[5, 2, 8\]\) does not "
                       r"match value shape torch.Size\(\[6, 2, 8\]\)"):
        mha(x, x, tt.tensor(rand(6, 2, 8)))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        tt.nn.TransformerEncoderLayer(8, 2, activation="tanh")
    model = tt.nn.Transformer(8, 2, 1, 1, 16, batch_first=True)
    with pytest.raises(RuntimeError, match=r"batch number of src and tgt must be equal "
                       r"\(Transformer: src \(2, 5, 8\), tgt \(3, 4, 8\)\)"):
        model(tt.tensor(rand(2, 5, 8)), tt.tensor(rand(3, 4, 8)))
    with pytest.raises(RuntimeError, match=r"d_model \(Transformer: d_model=8, src "
                       r"\(2, 5, 6\)"):
        model(tt.tensor(rand(2, 5, 6)), tt.tensor(rand(2, 4, 8)))


def test_functional_multi_head_attention_forward_with_separate_weights_matches_torch():
    rng = np.random.default_rng(0)
    e, heads = 8, 2
    ws = [rng.standard_normal(s).astype(np.float32) * 0.3 for s in
          [(e, e), (e, 5), (e, 3), (3 * e,), (e, e), (e,), (1, 1, e), (1, 1, e)]]
    q, k, v = rand(4, 2, e, seed=1), rand(6, 2, 5, seed=2), rand(6, 2, 3, seed=3)
    kpm = np.zeros((2, 6), bool)
    kpm[1, 4:] = True

    def run(lib, F):
        t = [lib.tensor(w) for w in ws]
        return F.multi_head_attention_forward(
            lib.tensor(q), lib.tensor(k), lib.tensor(v), e, heads, None, t[3], t[6], t[7], True,
            0.0, t[4], t[5], key_padding_mask=lib.tensor(kpm), use_separate_proj_weight=True,
            q_proj_weight=t[0], k_proj_weight=t[1], v_proj_weight=t[2],
            average_attn_weights=False)

    (y, w), (ty, tw) = run(tt, tt.nn.functional), run(torch, torch.nn.functional)
    close(y, ty, FORWARD)
    close(w, tw, FORWARD)


def test_unbatched_input_with_per_head_mask_matches_torch():
    torch.manual_seed(4)
    theirs, ours = torch.nn.MultiheadAttention(8, 2), tt.nn.MultiheadAttention(8, 2)
    copy_state(theirs, ours)
    q, k, mask = rand(3, 8, seed=1), rand(4, 8, seed=2), rand(2, 3, 4, seed=3)
    y, w = ours(tt.tensor(q), tt.tensor(k), tt.tensor(k), attn_mask=tt.tensor(mask))
    ty, tw = theirs(torch.tensor(q), torch.tensor(k), torch.tensor(k),
                    attn_mask=torch.tensor(mask))
    close(y, ty, FORWARD)
    close(w, tw, FORWARD)
