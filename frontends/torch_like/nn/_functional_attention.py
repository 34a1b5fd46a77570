"""torch.nn.functional.scaled_dot_product_attention and multi_head_attention_forward, lowered
onto the IR's fused `Attention` op (ONNX opset 23 semantics).

torch's `is_causal` is top-left aligned (query i sees key j iff j <= i), as the op's is without
a KV cache, and it combines with an explicit mask (torch 2.13 ANDs them too). One convention
differs and is bridged here: MultiheadAttention's masks say True = *hidden* (key_padding_mask,
bool attn_mask) where SDPA's and the op's bool masks say True = *takes part*; they become float
masks with -inf, as torch's own `_canonical_mask` does.
A query row that every mask hides gets zero weights and a zero output (torch 2.13's SDPA does
the same; its need_weights path in MultiheadAttention gives nan there).
"""

from __future__ import annotations

import warnings

import numpy as np

from core_ir import ops

from .._tensor import call
from ._functional_misc import dropout
from .modules._util import constant

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]


# -- scaled dot-product attention -----------------------------------------------------------------
def _as_4d(t):
    """(..., H, L, E) -> (B, H, L, E); 3-D (H, L, E) and 2-D (L, E) get unit batch/heads."""
    if t.ndim == 4:
        return t
    if t.ndim < 4:
        return t.reshape((1,) * (4 - t.ndim) + tuple(t.shape))
    return t.reshape(-1, *t.shape[-3:])


def _mask_4d(mask, q):
    """A mask broadcastable to (..., Hq, L, S) in the 4-D layout _as_4d gives q."""
    if q.ndim <= 4:
        return mask
    tail = ((1, 1, 1) + tuple(mask.shape))[-3:]  # (heads, L, S), broadcastable
    lead = tuple(mask.shape)[:-3]
    mask = mask.reshape(*lead, *tail).expand(*q.shape[:-3], *tail)
    return mask.reshape(-1, *tail)


def _check_sdpa(query, key, value, enable_gqa: bool) -> None:
    if query.ndim < 2 or not query.ndim == key.ndim == value.ndim:
        raise RuntimeError(f"scaled_dot_product_attention: expected query, key and value of "
                           f"the same rank (>= 2), got query {tuple(query.shape)}, key "
                           f"{tuple(key.shape)}, value {tuple(value.shape)}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: query and key must share the head "
                           f"size and key and value the sequence length, got query "
                           f"{tuple(query.shape)}, key {tuple(key.shape)}, value "
                           f"{tuple(value.shape)}")
    if query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        hq, hkv = query.shape[-3], key.shape[-3]
        if not enable_gqa or hkv == 0 or hq % hkv:
            raise RuntimeError(f"The size of tensor a ({hq}) must match the size of tensor b "
                               f"({hkv}) at non-singleton dimension {query.ndim - 3} "
                               f"(scaled_dot_product_attention: query {tuple(query.shape)}, key "
                               f"{tuple(key.shape)}; grouped-query attention needs "
                               f"enable_gqa=True and query heads a multiple of key heads)")


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(Q K^T * scale + mask) V, as torch.nn.functional.scaled_dot_product_attention.

    Args:
        query: (N, ..., Hq, L, E); key: (N, ..., H, S, E); value: (N, ..., H, S, Ev).
        attn_mask: bool (True = takes part) or float (added to the scores), broadcastable to
            (N, ..., Hq, L, S).
        dropout_p: dropout on the attention weights (always applied when > 0, as torch).
        is_causal: hide key j from query i when j > i (top-left aligned; combines with a mask).
        scale: default 1 / sqrt(E). enable_gqa: Hq may be a multiple of H (grouped-query).
    Returns: (N, ..., Hq, L, Ev). A query row every mask hides gives zeros.
    """
    _check_sdpa(query, key, value, enable_gqa)
    q4, k4, v4 = _as_4d(query), _as_4d(key), _as_4d(value)
    mask = None if attn_mask is None else _mask_4d(attn_mask, query)
    attrs = {"is_causal": int(bool(is_causal)), "scale": None if scale is None else float(scale)}
    if dropout_p > 0.0:
        y = _attend_with_dropout(q4, k4, v4, mask, dropout_p, attrs)
    else:
        y = call(ops.attention, q4, k4, v4, mask, **attrs)[0]
    return y.reshape(*query.shape[:-1], value.shape[-1])


def _attend_with_dropout(q4, k4, v4, mask, p: float, attrs: dict):
    """Dropout sits between the softmax and the product with V: the op gives the weights."""
    probs = call(ops.attention, q4, k4, v4, mask, qk_matmul_output_mode=3, **attrs)[3]
    probs = dropout(probs, p, True)
    rep = q4.shape[1] // v4.shape[1]
    if rep > 1:  # grouped-query: each key/value head serves `rep` query heads
        v4 = v4.repeat_interleave(rep, dim=1)
    return probs @ v4


# -- multi-head attention -------------------------------------------------------------------------
def _canonical_mask(mask, name: str, other, other_name: str, dtype, check_other=True):
    """torch's F._canonical_mask: a bool mask (True = hidden) becomes a float mask with -inf
    there; a float mask passes; a mismatch with the other mask's type only warns."""
    if mask is None:
        return None
    if mask.dtype != np.dtype(bool) and mask.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if check_other and other is not None and other.dtype != mask.dtype:
        warnings.warn(f"Support for mismatched {name} and {other_name} is deprecated. Use "
                      f"same type for both instead.", stacklevel=4)
    if mask.dtype == np.dtype(bool):
        zeros = constant(np.zeros((), dtype), dtype)
        return call(ops.where, mask, constant(np.asarray(-np.inf, dtype), dtype), zeros)
    return mask if mask.dtype == dtype else call(ops.cast, mask, to=dtype)


def _check_attn_mask(mask, bsz: int, num_heads: int, q_len: int, src_len: int):
    if mask.ndim == 2:
        if tuple(mask.shape) != (q_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is torch.Size("
                               f"{list(mask.shape)}), but should be {(q_len, src_len)}.")
        return mask
    if mask.ndim == 3:
        want = (bsz * num_heads, q_len, src_len)
        if tuple(mask.shape) != want:
            raise RuntimeError(f"The shape of the 3D attn_mask is torch.Size("
                               f"{list(mask.shape)}), but should be {want}.")
        return mask.reshape(bsz, num_heads, q_len, src_len)
    raise RuntimeError(f"attn_mask's dimension {mask.ndim} is not supported")


def _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """torch's _mha_shape_check: True when the inputs are batched."""
    if query.ndim not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received "
                             f"{query.ndim}-D query tensor")
    batched = query.ndim == 3
    if key.ndim != query.ndim or value.ndim != query.ndim:
        kind = "batched (3-D)" if batched else "unbatched (2-D)"
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be "
                             f"{query.ndim}-D but found {key.ndim}-D and {value.ndim}-D tensors "
                             f"respectively")
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise AssertionError(f"For {'batched' if batched else 'unbatched'} `query`, expected "
                             f"`key_padding_mask` to be `None` or {query.ndim - 1}-D but found "
                             f"{key_padding_mask.ndim}-D tensor instead")
    if attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise AssertionError(f"Expected `attn_mask` to be `None`, 2-D or 3-D but found "
                             f"{attn_mask.ndim}-D tensor instead")
    if not batched and attn_mask is not None and attn_mask.ndim == 3 \
            and attn_mask.shape[0] != num_heads:
        want = (num_heads, query.shape[0], key.shape[0])
        raise AssertionError(f"Expected `attn_mask` shape to be {want} but got "
                             f"{tuple(attn_mask.shape)}")
    return batched


def _project(query, key, value, in_w, in_b, q_w, k_w, v_w, embed_dim: int):
    """The input projections (torch's _in_projection_packed / _in_projection)."""
    from ._functional_conv import linear
    e = embed_dim
    b_q, b_k, b_v = (None, None, None) if in_b is None else (in_b[:e], in_b[e:2 * e], in_b[2 * e:])
    if in_w is None:
        return linear(query, q_w, b_q), linear(key, k_w, b_k), linear(value, v_w, b_v)
    if query is key and key is value:  # self-attention: one GEMM, then split
        qkv = linear(query, in_w, in_b)
        return qkv[..., :e], qkv[..., e:2 * e], qkv[..., 2 * e:]
    return (linear(query, in_w[:e], b_q), linear(key, in_w[e:2 * e], b_k),
            linear(value, in_w[2 * e:], b_v))


def _append_keys(k, v, masks, bias_k, bias_v, add_zero_attn: bool):
    """add_bias_kv / add_zero_attn: one more key/value column (learned, or zeros), and the
    masks padded with a column that hides nothing."""
    from .._join_ops import cat
    extra = []
    if bias_k is not None:
        extra.append((bias_k.reshape(1, 1, -1).expand(k.shape[0], 1, -1),
                      bias_v.reshape(1, 1, -1).expand(v.shape[0], 1, -1)))
    if add_zero_attn:
        extra.append((k.new_zeros((k.shape[0], 1, k.shape[2])),
                      v.new_zeros((v.shape[0], 1, v.shape[2]))))
    for ek, ev in extra:
        k, v = cat([k, ek], dim=1), cat([v, ev], dim=1)
        masks = [None if m is None else _pad_last(m) for m in masks]
    return k, v, masks


def _pad_last(mask):
    from .._join_ops import cat
    return cat([mask, mask.new_zeros((*mask.shape[:-1], 1))], dim=-1)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """torch.nn.functional.multi_head_attention_forward: inputs (L, N, E) / (S, N, kdim) or
    unbatched (L, E); masks as torch (key_padding_mask (N, S), attn_mask (L, S) or
    (N * num_heads, L, S); bool True = hidden, float added). Returns (output (L, N, E),
    weights (N, L, S) averaged over heads, (N, num_heads, L, S), or None)."""
    batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = same_map(lambda t: t.unsqueeze(1), query, key, value)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    _check_embed(query, key, value, embed_dim_to_check, num_heads, use_separate_proj_weight,
                 in_proj_weight, q_proj_weight)
    q, k, v = same_map(lambda t: t.transpose(0, 1), query, key, value)
    out, weights = mha_batch_first(
        q, k, v, num_heads, in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
        dropout_p, out_proj_weight, out_proj_bias, training, key_padding_mask, need_weights,
        attn_mask, None if not use_separate_proj_weight else (q_proj_weight, k_proj_weight,
                                                              v_proj_weight),
        static_k, static_v, average_attn_weights, is_causal, batched)
    out = out.transpose(0, 1)
    return (out if batched else out.squeeze(1)), weights


def same_map(fn, query, key, value):
    """fn applied to each input, once per distinct object: self-attention stays recognizable
    (`q is k is v`) and gets the one-GEMM projection."""
    q = fn(query)
    k = q if key is query else fn(key)
    v = k if value is key else q if value is query else fn(value)
    return q, k, v


def _check_embed(query, key, value, embed_dim_to_check, num_heads, separate, in_w, q_w):
    embed_dim = query.shape[-1]
    if embed_dim != embed_dim_to_check:
        w = q_w if separate else in_w
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim} (multi_head_attention_forward: query of shape "
                             f"{tuple(query.shape)}, projection weight of shape "
                             f"{None if w is None else tuple(w.shape)})")
    if embed_dim % num_heads:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if separate and tuple(key.shape[:2]) != tuple(value.shape[:2]):
        raise AssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} do not "
                             f"match value's {tuple(value.shape[:2])}")
    if not separate and tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape "
                             f"{value.shape}")


def mha_batch_first(q, k, v, num_heads, in_w, in_b, bias_k, bias_v, add_zero_attn, dropout_p,
                    out_w, out_b, training, key_padding_mask, need_weights, attn_mask,
                    separate_w, static_k, static_v, average_attn_weights, is_causal, batched):
    """The body of multi_head_attention_forward on batch-first (N, L, E) inputs (the op's
    3-D layout, so nothing is transposed per head). Returns (output (N, L, E), weights)."""
    from ._functional_conv import linear
    bsz, q_len, embed_dim = q.shape
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    kpm = _canonical_mask(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask",
                          q.dtype)
    mask = _canonical_mask(attn_mask, "attn_mask", None, "", q.dtype, check_other=False)
    hint_causal = bool(is_causal) and kpm is None and not need_weights
    q, k, v = _project(q, k, v, in_w, in_b, *(separate_w or (None, None, None)), embed_dim)
    if mask is not None:
        mask = _check_attn_mask(mask, bsz, num_heads, q_len, k.shape[1])
    k = k if static_k is None else _from_static(static_k, bsz, num_heads)
    v = v if static_v is None else _from_static(static_v, bsz, num_heads)
    k, v, (mask, kpm) = _append_keys(k, v, [mask, kpm], bias_k, bias_v, add_zero_attn)
    src_len = k.shape[1]
    if kpm is not None:
        if tuple(kpm.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but "
                                 f"got {tuple(kpm.shape)}")
        kpm = kpm.reshape(bsz, 1, 1, src_len)
        mask = kpm if mask is None else mask + kpm
    if hint_causal:
        mask = None  # torch trusts the hint over the mask: the op builds the causal one
    p = dropout_p if training else 0.0
    y, weights = _attend(q, k, v, mask, num_heads, p, need_weights, hint_causal and mask is None)
    out = linear(y, out_w, out_b)
    if weights is not None:
        weights = weights.mean(dim=1) if average_attn_weights else weights
        weights = weights if batched else weights.squeeze(0)
    return out, weights


def _from_static(t, bsz: int, num_heads: int):
    """static_k / static_v (N * num_heads, S, head_dim) -> (N, S, E)."""
    return t.reshape(bsz, num_heads, t.shape[1], t.shape[2]).transpose(1, 2).reshape(
        bsz, t.shape[1], -1)


def _attend(q, k, v, mask, num_heads: int, p: float, need_weights: bool, is_causal: bool):
    """The op on [N, L, H * D] tensors: output (N, L, H * Dv) and the weights (N, H, L, S)
    when asked (output 3: its VJP then reuses them)."""
    heads = {"q_num_heads": num_heads, "kv_num_heads": num_heads, "is_causal": int(is_causal)}
    if p == 0.0:
        mode = 3 if need_weights else 0
        y, _, _, w = call(ops.attention, q, k, v, mask, qk_matmul_output_mode=mode, **heads)
        return y, (w if need_weights else None)
    w = call(ops.attention, q, k, v, mask, qk_matmul_output_mode=3, **heads)[3]
    w = dropout(w, p, True)
    bsz, src_len, _ = v.shape
    v4 = v.reshape(bsz, src_len, num_heads, -1).transpose(1, 2)
    y = (w @ v4).transpose(1, 2).reshape(bsz, q.shape[1], -1)
    return y, (w if need_weights else None)
