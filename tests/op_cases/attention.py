"""Cases for ONNX Attention: 4-D and 3-D layouts, float and bool masks (incl. masks shorter than
the keys and a fully hidden row), causal with and without a cache offset, sliding windows, key
padding (nonpad_kv_seqlen), grouped-query heads, softcap, explicit scale, softmax_precision and
every qk_matmul_output_mode. The reference walks query by query in Python (math.exp, explicit
rules for each mask), after the ONNX operator doc."""

from __future__ import annotations

import math

import numpy as np

from core_ir import ops

from . import OpCase, ints, rand

DEFAULTS = {"is_causal": 0, "scale": None, "softcap": 0.0, "q_num_heads": None,
            "kv_num_heads": None, "qk_matmul_output_mode": 0, "left_window_size": -1,
            "right_window_size": -1}


def _heads(x, n):
    b, s, hidden = x.shape
    return x.reshape(b, s, n, hidden // n).transpose(0, 2, 1, 3)


def _visible(j, i, offset, a, n_valid):
    """Whether query i may see key j by the causal frontier, the windows and the padding."""
    diff = i + offset - j
    return not ((a["is_causal"] and diff < 0) or (a["left_window_size"] >= 0 and diff >
                a["left_window_size"]) or (a["right_window_size"] >= 0 and -diff >
                a["right_window_size"]) or j >= n_valid)


def _softmax(scores, row_hidden):
    finite = [s for s in scores if s != -math.inf]
    if row_hidden or not finite:
        return [0.0] * len(scores)
    m = max(finite)
    e = [math.exp(s - m) if s != -math.inf else 0.0 for s in scores]
    return [x / sum(e) for x in e]


def _one_row(qv, keys, values, mask_row, visible, a, scale):
    """(y, [raw, capped, biased, probs]) of one query against all keys."""
    raw = [scale * float(np.dot(qv, kv)) for kv in keys]
    cap = a["softcap"]
    capped = [cap * math.tanh(r / cap) for r in raw] if cap > 0 else raw
    is_bool = mask_row is not None and mask_row.dtype == bool
    bias = []
    for j in range(len(keys)):
        base = 0.0 if mask_row is None or is_bool else float(mask_row[j])
        hide = (is_bool and not mask_row[j]) or not visible[j]
        bias.append(-math.inf if hide else base)
    biased = [c + bb for c, bb in zip(capped, bias)]
    probs = _softmax(biased, all(bb == -math.inf for bb in bias))
    y = sum(p * values[j].astype(np.float64) for j, p in enumerate(probs))
    return y, [raw, capped, biased, probs]


def attention_ref(**attrs):
    a = {**DEFAULTS, **attrs}

    def ref(q, k, v, mask=None, past_key=None, past_value=None, nonpad=None):
        three_d = q.ndim == 3
        if three_d:
            q, k, v = _heads(q, a["q_num_heads"]), _heads(k, a["kv_num_heads"]), \
                _heads(v, a["kv_num_heads"])
        if past_key is not None:
            k, v = np.concatenate([past_key, k], 2), np.concatenate([past_value, v], 2)
        b_, hq, sq, d = q.shape
        hkv, total = k.shape[1], k.shape[2]
        scale = a["scale"] if a["scale"] is not None else 1 / math.sqrt(d)
        if mask is not None and mask.shape[-1] < total:  # padded with -inf / False
            fill = False if mask.dtype == bool else -np.inf
            mask = np.concatenate([mask, np.full(mask.shape[:-1] + (total - mask.shape[-1],),
                                                 fill, mask.dtype)], -1)
        full_mask = None if mask is None else np.broadcast_to(mask, (b_, hq, sq, total))
        y = np.zeros((b_, hq, sq, v.shape[3]))
        qk = np.zeros((b_, hq, sq, total))
        for b, h, i in np.ndindex(b_, hq, sq):
            kh = h // (hq // hkv)
            offset = (past_key.shape[2] if past_key is not None else
                      int(nonpad[b]) - sq if nonpad is not None else 0)
            n_valid = int(nonpad[b]) if nonpad is not None else total
            visible = [_visible(j, i, offset, a, n_valid) for j in range(total)]
            row = None if full_mask is None else full_mask[b, h, i]
            y[b, h, i], stages = _one_row(q[b, h, i].astype(np.float64), k[b, kh], v[b, kh], row,
                                          visible, a, scale)
            qk[b, h, i] = stages[a["qk_matmul_output_mode"]]
        if three_d:
            y = y.transpose(0, 2, 1, 3).reshape(b_, sq, -1)
        return y.astype(q.dtype), k, v, qk.astype(q.dtype)

    return ref


def bool_mask(*shape, seed=5):
    m = np.random.default_rng(seed).random(shape) > 0.4
    m[..., 0] = True  # every row keeps a key
    return m


def _fully_hidden_row():
    m = bool_mask(3, 5)
    m[1] = False
    return m


A = ops.attention
Q4, K4, V4 = rand(2, 2, 3, 4), rand(2, 2, 5, 4), rand(2, 2, 5, 3)

CASES = [
    OpCase("attention_4d", A, [Q4, K4, V4], attention_ref()),
    OpCase("attention_4d_float_mask_mode3", A, [Q4, K4, V4, rand(3, 5)],
           attention_ref(qk_matmul_output_mode=3), attrs={"qk_matmul_output_mode": 3},
           second_order=True),
    OpCase("attention_4d_float_mask_mode2", A, [Q4, K4, V4, rand(2, 2, 3, 5)],
           attention_ref(qk_matmul_output_mode=2), attrs={"qk_matmul_output_mode": 2}),
    OpCase("attention_4d_bool_mask_4d_mode1", A, [Q4, K4, V4, bool_mask(2, 1, 3, 5)],
           attention_ref(qk_matmul_output_mode=1), attrs={"qk_matmul_output_mode": 1}),
    OpCase("attention_4d_bool_mask_fully_hidden_row", A, [Q4, K4, V4, _fully_hidden_row()],
           attention_ref(qk_matmul_output_mode=3), attrs={"qk_matmul_output_mode": 3}),
    OpCase("attention_4d_causal_square", A, [rand(1, 2, 4, 3), rand(1, 2, 4, 3), rand(1, 2, 4, 2)],
           attention_ref(is_causal=1), attrs={"is_causal": 1}),
    OpCase("attention_4d_causal_rectangular_float_mask", A, [Q4, K4, V4, rand(2, 1, 3, 5)],
           attention_ref(is_causal=1), attrs={"is_causal": 1}),
    OpCase("attention_4d_scale_softcap_mode1", A, [Q4 * 3, K4 * 3, V4],
           attention_ref(scale=0.7, softcap=2.5, qk_matmul_output_mode=1),
           attrs={"scale": 0.7, "softcap": 2.5, "qk_matmul_output_mode": 1}),
    OpCase("attention_3d_grouped_query_heads", A, [rand(2, 3, 8), rand(2, 5, 4), rand(2, 5, 6)],
           attention_ref(q_num_heads=4, kv_num_heads=2),
           attrs={"q_num_heads": 4, "kv_num_heads": 2}),
    OpCase("attention_4d_gqa_causal_softcap_mode0", A,
           [rand(1, 4, 3, 2), rand(1, 2, 3, 2), rand(1, 2, 3, 3)],
           attention_ref(is_causal=1, softcap=1.5), attrs={"is_causal": 1, "softcap": 1.5}),
    OpCase("attention_4d_past_causal_short_float_mask_mode3", A,
           [Q4, rand(2, 2, 3, 4), rand(2, 2, 3, 3), rand(3, 4), rand(2, 2, 2, 4),
            rand(2, 2, 2, 3)],
           attention_ref(is_causal=1, qk_matmul_output_mode=3),
           attrs={"is_causal": 1, "qk_matmul_output_mode": 3}),
    OpCase("attention_3d_past_bool_mask", A,
           [rand(2, 2, 4), rand(2, 2, 4), rand(2, 2, 2), bool_mask(2, 3), rand(2, 2, 1, 2),
            rand(2, 2, 1, 1)],
           attention_ref(q_num_heads=2, kv_num_heads=2),
           attrs={"q_num_heads": 2, "kv_num_heads": 2}),
    OpCase("attention_4d_nonpad_causal", A,
           [rand(2, 1, 2, 3), rand(2, 1, 6, 3), rand(2, 1, 6, 2), None, None, None, ints(4, 6)],
           attention_ref(is_causal=1), attrs={"is_causal": 1}),
    OpCase("attention_4d_window_left1_right1", A, [rand(1, 1, 5, 2), rand(1, 1, 5, 2),
                                                    rand(1, 1, 5, 2)],
           attention_ref(left_window_size=1, right_window_size=1),
           attrs={"left_window_size": 1, "right_window_size": 1}),
    OpCase("attention_4d_causal_window_left2", A, [rand(1, 2, 5, 2), rand(1, 2, 5, 2),
                                                   rand(1, 2, 5, 2), bool_mask(5, 5)],
           attention_ref(is_causal=1, left_window_size=2),
           attrs={"is_causal": 1, "left_window_size": 2}),
    OpCase("attention_4d_softmax_precision_double", A, [Q4, K4, V4],
           attention_ref(), attrs={"softmax_precision": 11}),
]
