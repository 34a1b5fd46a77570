"""Scaled dot-product attention: ONNX `Attention` (opset 23-25 semantics), a composite with a
fused kernel and its own VJP.

Inputs Q, K, V are 4-D [batch, heads, seq, head_size] or 3-D [batch, seq, heads * head_size]
(then q_num_heads and kv_num_heads say how to split them), with optional attn_mask (bool: True
takes part; float: added to the scores), past_key/past_value (a KV cache, concatenated in front
of K and V) and nonpad_kv_seqlen (valid keys per batch of an external cache). Attributes:
is_causal (bottom-right aligned: query i sees key j iff j <= i + offset, offset = the past length
or nonpad_kv_seqlen - q_len), scale (default 1/sqrt(head_size)), softcap (c * tanh(s / c) before
the mask), left/right_window_size (sliding windows, opset 25), grouped-query attention when
q_num_heads is a multiple of kv_num_heads, softmax_precision, and qk_matmul_output_mode for the
4th output (0 raw scaled QK^T, 1 after softcap, 2 plus the mask, 3 the attention weights).
A query row that every mask hides gives zero weights and a zero output, not nan.

Outputs are always the four ONNX ones: Y, present_key, present_value, qk_matmul_output.
torch's scaled_dot_product_attention is output 0; MultiheadAttention's need_weights is output 3
with qk_matmul_output_mode=3, which frontends should pass when they train: the VJP then reuses
the weights instead of recomputing them (one QK^T product and a softmax less).

The fused kernel and VJP exist for speed, memory and stability: the decomposition builds the
masks as graph nodes and the softmax at full size, and differentiated, the nan softmax of a fully
hidden row (zeroed by a Where) would still poison the gradient (nan * 0).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .. import dtypes
from ..errors import ShapeError, fmt_shape
from ..interpreters import TypeSpec, constant
from ..op import Attr, defop
from ..shape_rules import check_dtype, same_dtypes

# TensorProto codes softmax_precision may name (onnx is not imported in core_ir).
SOFTMAX_PRECISIONS = {1: "float32", 10: "float16", 11: "float64", 16: "bfloat16"}

ATTENTION_ATTRS = {
    "is_causal": Attr("int", 0, (0, 1)),
    "scale": Attr("float", None, optional=True),
    "softcap": Attr("float", 0.0),
    "q_num_heads": Attr("int", None, optional=True),
    "kv_num_heads": Attr("int", None, optional=True),
    "qk_matmul_output_mode": Attr("int", 0, (0, 1, 2, 3)),
    "softmax_precision": Attr("int", None, tuple(SOFTMAX_PRECISIONS), optional=True),
    "left_window_size": Attr("int", -1),
    "right_window_size": Attr("int", -1),
}


class Geometry(NamedTuple):
    """The sizes of one attention call in the 4-D head layout."""

    batch: object
    q_heads: object
    kv_heads: object
    q_len: object
    kv_len: object  # of K and V as given (without the past)
    past_len: object
    head_size: object
    v_head_size: object

    @property
    def total_len(self):
        if isinstance(self.kv_len, int) and isinstance(self.past_len, int):
            return self.kv_len + self.past_len
        return None


# -- shape rule -----------------------------------------------------------------------------------
def _same(a, b) -> bool:
    return a == b or not isinstance(a, int) or not isinstance(b, int)


def _divide(total, parts, what: str, shape_: tuple):
    if not isinstance(total, int) or not isinstance(parts, int):
        return None
    if parts <= 0 or total % parts:
        raise ShapeError(f"{what} {total} of shape {fmt_shape(shape_)} is not divisible by "
                         f"{parts} heads")
    return total // parts


def geometry(q, k, v, past_key=None, q_num_heads=None, kv_num_heads=None) -> Geometry:
    shapes = f"Q {fmt_shape(q.shape)}, K {fmt_shape(k.shape)}, V {fmt_shape(v.shape)}"
    if not q.ndim == k.ndim == v.ndim or q.ndim not in (3, 4):
        raise ShapeError(f"Q, K and V must all be 4-D (batch, heads, seq, head_size) or all 3-D "
                         f"(batch, seq, hidden), got {shapes}")
    if q.ndim == 3:
        if q_num_heads is None or kv_num_heads is None:
            raise ShapeError(f"3-D Q, K and V need the q_num_heads and kv_num_heads attributes "
                             f"({shapes})")
        hq, hkv = q_num_heads, kv_num_heads
        d = _divide(q.shape[2], hq, "Q's hidden size", q.shape)
        dk = _divide(k.shape[2], hkv, "K's hidden size", k.shape)
        dv = _divide(v.shape[2], hkv, "V's hidden size", v.shape)
        lens = (q.shape[1], k.shape[1], v.shape[1])
    else:
        hq, hkv, d, dk, dv = q.shape[1], k.shape[1], q.shape[3], k.shape[3], v.shape[3]
        lens = (q.shape[2], k.shape[2], v.shape[2])
        given = (q_num_heads, kv_num_heads)
        if any(n is not None and not _same(n, h) for n, h in zip(given, (hq, hkv))) \
                or not _same(v.shape[1], hkv):
            raise ShapeError(f"head counts do not match: {shapes}, q_num_heads={q_num_heads}, "
                             f"kv_num_heads={kv_num_heads}")
    if not (_same(q.shape[0], k.shape[0]) and _same(q.shape[0], v.shape[0])
            and _same(d, dk) and _same(lens[1], lens[2])):
        raise ShapeError(f"Q, K and V must share the batch size, Q and K the head size and K and "
                         f"V the sequence length, got {shapes}")
    if isinstance(hq, int) and isinstance(hkv, int) and (hkv <= 0 or hq % hkv):
        raise ShapeError(f"{hq} query heads cannot be grouped over {hkv} key/value heads "
                         f"({shapes})")
    past_len = 0 if past_key is None else past_key.shape[2]
    return Geometry(q.shape[0], hq, hkv, lens[0], lens[1], past_len, d, dv)


def _check_cache(geo: Geometry, q, past_key, past_value, nonpad_kv_seqlen) -> None:
    if (past_key is None) != (past_value is None):
        raise ShapeError("past_key and past_value must be given together")
    if past_key is not None:
        same_dtypes(q, past_key, past_value)
        want_k = (geo.batch, geo.kv_heads, past_key.shape[2], geo.head_size)
        want_v = (geo.batch, geo.kv_heads, past_key.shape[2], geo.v_head_size)
        for t, want in ((past_key, want_k), (past_value, want_v)):
            if t.ndim != 4 or not all(map(_same, t.shape, want)):
                raise ShapeError(f"past_key {fmt_shape(past_key.shape)} and past_value "
                                 f"{fmt_shape(past_value.shape)} must be (batch, kv_heads, "
                                 f"past_len, head_size) = {fmt_shape(want_k)}, "
                                 f"{fmt_shape(want_v)}")
    if nonpad_kv_seqlen is not None:
        check_dtype(nonpad_kv_seqlen, {dtypes.int64}, "nonpad_kv_seqlen")
        if past_key is not None:
            raise ShapeError("nonpad_kv_seqlen cannot be combined with past_key/past_value")
        if nonpad_kv_seqlen.ndim != 1 or not _same(nonpad_kv_seqlen.shape[0], geo.batch):
            raise ShapeError(f"nonpad_kv_seqlen must have shape ({geo.batch},), got "
                             f"{fmt_shape(nonpad_kv_seqlen.shape)}")


def _check_mask(geo: Geometry, q, mask) -> None:
    if mask.dtype != dtypes.bool_:
        same_dtypes(q, mask)
    full = (geo.batch, geo.q_heads, geo.q_len, geo.total_len)
    last = mask.shape[-1] if mask.ndim else None
    fits = 1 <= mask.ndim <= 4 and all(d == 1 or _same(d, f) for d, f in
                                       zip(mask.shape[-2::-1], full[-2::-1]))
    if not fits or (isinstance(last, int) and isinstance(full[3], int) and last > full[3]):
        raise ShapeError(f"attn_mask of shape {fmt_shape(mask.shape)} does not broadcast to the "
                         f"scores' shape {fmt_shape(full)} (its last dim may be shorter)")


def _attention_infer(q, k, v, attn_mask=None, past_key=None, past_value=None,
                     nonpad_kv_seqlen=None, **attrs) -> list[TypeSpec]:
    check_dtype(q, dtypes.FLOATS, "Q")
    same_dtypes(q, k, v)
    geo = geometry(q, k, v, past_key, attrs["q_num_heads"], attrs["kv_num_heads"])
    _check_cache(geo, q, past_key, past_value, nonpad_kv_seqlen)
    if attn_mask is not None:
        _check_mask(geo, q, attn_mask)
    if min(attrs["left_window_size"], attrs["right_window_size"]) < -1:
        raise ShapeError("left_window_size and right_window_size must be -1 or >= 0")
    if attrs["scale"] is None and not isinstance(geo.head_size, int):
        raise ShapeError(f"the default scale 1/sqrt(head_size) needs a static head size, got "
                         f"Q of shape {fmt_shape(q.shape)}")
    b, t = geo.batch, geo.total_len
    y = (b, geo.q_heads, geo.q_len, geo.v_head_size) if q.ndim == 4 else \
        (b, geo.q_len, geo.q_heads * geo.v_head_size if isinstance(geo.v_head_size, int) else None)
    return [TypeSpec(q.dtype, y),
            TypeSpec(q.dtype, (b, geo.kv_heads, t, geo.head_size)),
            TypeSpec(q.dtype, (b, geo.kv_heads, t, geo.v_head_size)),
            TypeSpec(q.dtype, (b, geo.q_heads, geo.q_len, t))]


def attention_scale(scale, head_size) -> float:
    return 1.0 / math.sqrt(head_size) if scale is None else scale


# -- the head layout and grouped-query attention, in IR ops ---------------------------------------
def to_heads(x, n_heads: int):
    """[batch, seq, heads * size] -> [batch, heads, seq, size]."""
    return transpose(reshape(x, const_ints([0, 0, n_heads, -1])), perm=(0, 2, 1, 3))


def from_heads(x):
    """[batch, heads, seq, size] -> [batch, seq, heads * size]."""
    return reshape(transpose(x, perm=(0, 2, 1, 3)), const_ints([0, 0, -1]))


def fold_groups(x, kv_heads: int):
    """[b, q_heads, s, x] -> [b, kv_heads, rep * s, x]: the query heads that share a key/value
    head ride along the sequence axis, so grouped-query attention needs no copy of K and V."""
    return reshape(x, const_ints([0, kv_heads, -1, 0]))


def unfold_groups(x, q_heads: int):
    return reshape(x, const_ints([0, q_heads, -1, 0]))


def _grouped_matmul(a, b, geo: Geometry):
    """a [b, q_heads, s, .] times b [b, kv_heads, ., .] with q heads grouped over kv heads."""
    if geo.q_heads == geo.kv_heads:
        return matmul(a, b)
    return unfold_groups(matmul(fold_groups(a, geo.kv_heads), b), geo.q_heads)


# -- VJP ------------------------------------------------------------------------------------------
def _attention_vjp(g, out, q, k, v, attn_mask=None, past_key=None, past_value=None,
                   nonpad_kv_seqlen=None, **attrs):
    """With S0 = scale Q K^T, S1 = softcap(S0), S2 = S1 + bias, P = softmax(S2), Y = P V:
    dV = P^T dY, dP = dY V^T, dS2 = P (dP - rowsum(dP P)), dS0 = dS2 (1 - tanh^2) under a
    softcap, dQ = scale dS0 K, dK = scale dS0^T Q. K and V here are the present (cache-extended)
    ones, outputs 1 and 2; their cotangents add in and are split back onto past and new."""
    g_y, g_pk, g_pv, g_qk = g
    mode, heads3 = attrs["qk_matmul_output_mode"], q.ndim == 3
    geo = geometry(q, k, v, past_key, attrs["q_num_heads"], attrs["kv_num_heads"])
    present_k, present_v = out[1], out[2]
    probs = out[3] if mode == 3 else attention(
        q, k, v, attn_mask, past_key, past_value, nonpad_kv_seqlen,
        **{**attrs, "qk_matmul_output_mode": 3})[3]
    q4 = to_heads(q, geo.q_heads) if heads3 else q
    scale = attention_scale(attrs["scale"], geo.head_size)
    d_probs = g_qk if mode == 3 else None
    d_v = g_pv
    if g_y is not None:
        g_y4 = to_heads(g_y, geo.q_heads) if heads3 else g_y
        term = _grouped_matmul(g_y4, swap_last(present_v), geo)
        d_probs = term if d_probs is None else d_probs + term
        pv = matmul(swap_last(_fold(probs, geo)), _fold(g_y4, geo))
        d_v = pv if d_v is None else d_v + pv
    d_s = None if d_probs is None else probs * (
        d_probs - reduce_sum(d_probs * probs, const_ints([-1]), keepdims=1))
    d_s = _add(d_s, g_qk if mode == 2 else None)
    d_mask = d_s if attn_mask is not None and attn_mask.dtype.kind == "f" else None
    d_s = _add(d_s, g_qk if mode == 1 else None)
    if d_s is not None and attrs["softcap"] > 0:
        raw = _grouped_matmul(q4 * scale, swap_last(present_k), geo)
        capped = tanh(raw / attrs["softcap"])
        d_s = d_s * (1.0 - capped * capped)
    d_s = _add(d_s, g_qk if mode == 0 else None)
    d_q = d_k = None
    if d_s is not None:
        d_q = _grouped_matmul(d_s, present_k, geo) * scale
        d_k = matmul(swap_last(_fold(d_s, geo)), _fold(q4, geo)) * scale
    d_k_new, d_k_past = _split_cache(_add(d_k, g_pk), past_key, heads3)
    d_v_new, d_v_past = _split_cache(d_v, past_value, heads3)
    if heads3 and d_q is not None:
        d_q = from_heads(d_q)
    return d_q, d_k_new, d_v_new, _mask_grad(d_mask, attn_mask), d_k_past, d_v_past, None


def _add(a, b):
    return b if a is None else a if b is None else a + b


def _fold(x, geo: Geometry):
    return x if geo.q_heads == geo.kv_heads else fold_groups(x, geo.kv_heads)


def _split_cache(d, past, heads3: bool):
    """A present K (or V) cotangent -> (the new keys' part in the input layout, the past's)."""
    if d is None or past is None:
        return (from_heads(d) if heads3 and d is not None else d), None
    n = past.shape[2]
    if not isinstance(n, int):
        raise ShapeError(f"differentiating Attention through a cache needs a static past "
                         f"length, got past of shape {fmt_shape(past.shape)}")
    old = slice_(d, const_ints([0]), const_ints([n]), const_ints([2]))
    new = slice_(d, const_ints([n]), const_ints([TO_THE_END]), const_ints([2]))
    return (from_heads(new) if heads3 else new), old


def _mask_grad(d_mask, mask):
    """A float mask shorter than the keys was padded with -inf: its cotangent is the front part."""
    if d_mask is None:
        return None
    n, total = mask.shape[-1], d_mask.shape[-1]
    if isinstance(n, int) and isinstance(total, int) and n < total:
        return slice_(d_mask, const_ints([0]), const_ints([n]), const_ints([-1]))
    return d_mask


# -- decomposition --------------------------------------------------------------------------------
def _positions(x, axis: int, shape_: tuple):
    """0..n-1 (int64) along `axis` of x, shaped to broadcast as `shape_` says (-1 marks it)."""
    n = x.shape[axis]
    if isinstance(n, int):
        return constant(np.arange(n).reshape(shape_), dtypes.int64)
    size_ = squeeze(shape(x, start=axis % x.ndim, end=axis % x.ndim + 1), const_ints([0]))
    ids = range_(const_ints(0), size_, const_ints(1))
    return reshape(ids, const_ints(list(shape_)))


def _and(a, b):
    return b if a is None else a if b is None else and_(a, b)


def _pad_keys(mask, total_len):
    """A mask shorter than the keys is padded with -inf (False for a bool mask), as ONNX says."""
    n = mask.shape[-1]
    if not isinstance(n, int) or not isinstance(total_len, int) or n == total_len:
        return mask
    fill = False if mask.dtype == dtypes.bool_ else -np.inf
    return pad(mask, const_ints([0, total_len - n]), constant(np.asarray(fill, mask.dtype)),
               const_ints([-1]))


def _allowed(q4, k4, past_key, nonpad_kv_seqlen, attrs):
    """Where the causal frontier, the windows and the key padding let query i see key j (bool,
    broadcastable to the scores), or None when nothing hides anything."""
    is_causal, left, right = (attrs["is_causal"], attrs["left_window_size"],
                              attrs["right_window_size"])
    allowed = None
    if is_causal or left >= 0 or right >= 0:
        i = _positions(q4, 2, (-1, 1))
        j = _positions(k4, 2, (1, -1))
        if past_key is not None:
            i = i + const_ints(past_key.shape[2])
        elif nonpad_kv_seqlen is not None:  # an external cache: offset per batch
            offset = nonpad_kv_seqlen - cast(shape(q4, start=2, end=3), to=dtypes.int64)
            i = i + reshape(offset, const_ints([-1, 1, 1, 1]))
        diff = i - j  # how far key j lies behind query i
        if is_causal:
            allowed = greater_or_equal(diff, const_ints(0))
        if left >= 0:
            allowed = _and(allowed, less_or_equal(diff, const_ints(left)))
        if right >= 0:
            allowed = _and(allowed, greater_or_equal(diff, const_ints(-right)))
    if nonpad_kv_seqlen is not None:
        keys = _positions(k4, 2, (1, 1, 1, -1))
        allowed = _and(allowed, less(keys, reshape(nonpad_kv_seqlen, const_ints([-1, 1, 1, 1]))))
    return allowed


def attention_bias(q4, k4, attn_mask, past_key, nonpad_kv_seqlen, attrs):
    """The additive bias of the scores: the float mask, plus -inf wherever a bool mask, the
    causal frontier, a window or the key padding hides a key; None when there is none."""
    mask = None if attn_mask is None else _pad_keys(attn_mask, k4.shape[2])
    allowed = _allowed(q4, k4, past_key, nonpad_kv_seqlen, attrs)
    if mask is not None and mask.dtype == dtypes.bool_:
        allowed, mask = _and(mask, allowed), None
    if allowed is None:
        return mask
    zero = constant(np.zeros((), q4.dtype))
    hidden = where(allowed, zero, constant(np.asarray(-np.inf, q4.dtype)))
    return hidden if mask is None else mask + hidden


def _softmax_in(x, precision):
    """softmax in the dtype softmax_precision names. NOTE: numpy has no bfloat16; its code (16)
    computes in float32, whose range is the same and whose precision is higher."""
    if precision is None:
        return softmax(x, axis=-1)
    dtype = np.dtype("float32" if precision == 16 else SOFTMAX_PRECISIONS[precision])
    if dtype == x.dtype:
        return softmax(x, axis=-1)
    return cast(softmax(cast(x, to=dtype), axis=-1), to=x.dtype)


def _attention_decompose(q, k, v, attn_mask=None, past_key=None, past_value=None,
                         nonpad_kv_seqlen=None, **attrs):
    geo = geometry(q, k, v, past_key, attrs["q_num_heads"], attrs["kv_num_heads"])
    heads3 = q.ndim == 3
    if heads3:
        q, k, v = to_heads(q, geo.q_heads), to_heads(k, geo.kv_heads), to_heads(v, geo.kv_heads)
    if past_key is not None:
        k, v = concat(past_key, k, axis=2), concat(past_value, v, axis=2)
    raw = _grouped_matmul(q * attention_scale(attrs["scale"], geo.head_size), swap_last(k), geo)
    cap = attrs["softcap"]
    capped = raw if cap <= 0 else tanh(raw / cap) * cap
    bias = attention_bias(q, k, attn_mask, past_key, nonpad_kv_seqlen, attrs)
    scores = capped if bias is None else capped + bias
    probs = _softmax_in(scores, attrs["softmax_precision"])
    if bias is not None:  # a row the bias hides entirely: zero weights (softmax gave nan)
        hidden = is_inf(reduce_max(bias, const_ints([-1]), keepdims=1), detect_positive=0)
        probs = where(hidden, zeros_like(probs), probs)
    y = _grouped_matmul(probs, v, geo)
    qk = (raw, capped, scores, probs)[attrs["qk_matmul_output_mode"]]
    return (from_heads(y) if heads3 else y), k, v, qk


attention = defop("Attention", infer=_attention_infer, attrs=ATTENTION_ATTRS, num_outputs=4,
                  vjp=_attention_vjp, decompose=_attention_decompose)

__all__ = ["attention", "attention_bias", "attention_scale", "geometry", "to_heads",
           "from_heads", "fold_groups", "unfold_groups", "Geometry", "SOFTMAX_PRECISIONS"]

from .activation import softmax  # noqa: E402
from .elementwise import (and_, cast, greater_or_equal, is_inf, less, less_or_equal,  # noqa: E402
                          tanh, where)
from .helpers import const_ints, zeros_like  # noqa: E402
from .indexing import range_  # noqa: E402
from .linalg import matmul, swap_last  # noqa: E402
from .reduction import reduce_max, reduce_sum  # noqa: E402
from .shape import reshape, shape, squeeze, transpose  # noqa: E402
from .slicing import TO_THE_END, concat, pad, slice_  # noqa: E402
