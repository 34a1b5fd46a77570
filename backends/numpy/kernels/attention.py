"""Fused kernel of ONNX Attention: one QK^T GEMM, the masks folded into one small additive bias
(built at its broadcast shape, never at the scores' shape), an in-place max-shifted softmax and
one PV GEMM. Grouped-query attention folds the query heads that share a key/value head into the
sequence axis, so K and V are never repeated. Same order of steps as core_ir/ops/attention.py's
decomposition, which is the definition."""

from __future__ import annotations

import numpy as np

from core_ir import ops

PRECISIONS = {1: np.float32, 10: np.float16, 11: np.float64, 16: np.float32}  # no bfloat16


def _to_heads(x: np.ndarray, n_heads: int) -> np.ndarray:
    b, s, hidden = x.shape
    return x.reshape(b, s, n_heads, hidden // n_heads).transpose(0, 2, 1, 3)


def _grouped_matmul(a: np.ndarray, b: np.ndarray, q_heads: int) -> np.ndarray:
    """a [B, q_heads, S, .] @ b [B, kv_heads, ., .], each kv head serving q_heads/kv_heads."""
    batch, kv_heads, rows = a.shape[0], b.shape[1], a.shape[2]
    if kv_heads == q_heads:
        return np.matmul(a, b)
    # explicit sizes: heads that do not group evenly fail here (then the shape rule explains)
    folded = a.reshape(batch, kv_heads, q_heads // kv_heads * rows, a.shape[-1])
    return np.matmul(folded, b).reshape(batch, q_heads, rows, b.shape[-1])


def _and(a, b):
    return b if a is None else a if b is None else a & b


def _allowed(q_len: int, total: int, past_len: int, nonpad, is_causal: int, left: int,
             right: int):
    """Bool (broadcastable to the scores) where the causal frontier, the windows and the key
    padding let query i see key j; None when nothing hides anything."""
    allowed = None
    if is_causal or left >= 0 or right >= 0:
        i = np.arange(q_len)[:, None]
        if nonpad is not None:  # an external cache: the frontier is offset per batch
            i = i + (nonpad - q_len).reshape(-1, 1, 1, 1)
        else:
            i = i + past_len
        diff = i - np.arange(total)  # how far key j lies behind query i
        allowed = diff >= 0 if is_causal else None
        if left >= 0:
            allowed = _and(allowed, diff <= left)
        if right >= 0:
            allowed = _and(allowed, diff >= -right)
    if nonpad is not None:
        allowed = _and(allowed, np.arange(total) < nonpad.reshape(-1, 1, 1, 1))
    return allowed


def _pad_keys(mask: np.ndarray, total: int) -> np.ndarray:
    n = mask.shape[-1]
    if n >= total:
        return mask
    fill = False if mask.dtype == np.bool_ else -np.inf
    return np.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, total - n)], constant_values=fill)


def _bias(mask, q_len, total, past_len, nonpad, dtype, attrs):
    """The additive bias at its own (small) broadcast shape, or None."""
    mask = None if mask is None else _pad_keys(mask, total)
    allowed = _allowed(q_len, total, past_len, nonpad, attrs["is_causal"],
                       attrs["left_window_size"], attrs["right_window_size"])
    if mask is not None and mask.dtype == np.bool_:
        allowed, mask = _and(mask, allowed), None
    if allowed is None:
        return mask
    hidden = np.where(allowed, dtype.type(0), dtype.type(-np.inf))
    return hidden if mask is None else mask + hidden


def _softmax_rows(x: np.ndarray) -> np.ndarray:
    """In place (x is ours). A row of -inf only gives zeros instead of nan (guarded later)."""
    m = x.max(axis=-1, keepdims=True)
    m[np.isneginf(m)] = 0
    x -= m
    np.exp(x, out=x)
    total = x.sum(axis=-1, keepdims=True)
    total[total == 0] = 1
    x /= total
    return x


def _softmax(scores: np.ndarray, precision) -> np.ndarray:
    dtype = scores.dtype if precision is None else np.dtype(PRECISIONS[precision])
    if dtype == scores.dtype:
        return _softmax_rows(scores)
    return _softmax_rows(scores.astype(dtype)).astype(scores.dtype)


def _attention(q, k, v, attn_mask=None, past_key=None, past_value=None, nonpad_kv_seqlen=None,
               **attrs):
    heads3 = q.ndim == 3
    if heads3:
        q = _to_heads(q, attrs["q_num_heads"])
        k, v = _to_heads(k, attrs["kv_num_heads"]), _to_heads(v, attrs["kv_num_heads"])
    past_len = 0
    if past_key is not None:
        past_len = past_key.shape[2]
        k, v = np.concatenate((past_key, k), axis=2), np.concatenate((past_value, v), axis=2)
    b, hq, q_len, head_size = q.shape
    mode, cap = attrs["qk_matmul_output_mode"], attrs["softcap"]
    scale = attrs["scale"] if attrs["scale"] is not None else 1.0 / np.sqrt(head_size)
    # NOTE: Q and K each scaled by sqrt(scale), as ONNX specifies: in float16 the rounding of
    # the scores then matches other runtimes (scaling Q alone differs by an ulp)
    root = q.dtype.type(np.sqrt(scale))
    scores = _grouped_matmul(q * root, (k * root).swapaxes(-1, -2), hq)
    qk = scores.copy() if mode == 0 or (mode == 1 and cap <= 0) else None
    if cap > 0:
        scores = np.tanh(scores / q.dtype.type(cap)) * q.dtype.type(cap)
        qk = scores.copy() if mode == 1 else qk
    bias = _bias(attn_mask, q_len, k.shape[2], past_len, nonpad_kv_seqlen, q.dtype, attrs)
    if bias is not None:
        scores += bias
    if mode == 2:
        qk = scores.copy()
    probs = _softmax(scores, attrs["softmax_precision"])
    if bias is not None:  # rows the bias hides entirely get zero weights
        hidden = np.isneginf(bias.max(axis=-1, keepdims=True))
        if hidden.any():
            probs = np.where(hidden, probs.dtype.type(0), probs)
    y = _grouped_matmul(probs, v, hq)
    if heads3:
        y = y.transpose(0, 2, 1, 3).reshape(b, q_len, -1)
    return y, k, v, probs if mode == 3 else qk


KERNELS = {
    ops.attention: _attention,
}
