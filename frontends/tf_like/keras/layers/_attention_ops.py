"""Math shared by MultiHeadAttention, Attention and AdditiveAttention, on the IR's fused
`Attention` op (ONNX opset 23 semantics) where it fits and on einsum/softmax where it does not.

Keras masks by pushing hidden scores down by a large negative number (-1e9; -3e4 in float16):
its torch backend adds `where(mask, 0, -1e9)` to the scores, the Attention layers subtract 1e9,
MultiHeadAttention's explicit path substitutes -1e9. The op gets the same thing as a float
bias, so a row that every mask hides comes out (nearly) uniform, as in Keras, instead of the
op's zeros for -inf. Scores and masks keep Keras's (batch, heads, query, key) layout.
"""

from __future__ import annotations

import numpy as np

import core_ir
from core_ir import ops as ir

from ..._tensor import call
from .. import ops


def large_negative(dtype) -> float:
    """Keras's stand-in for -inf in masked scores."""
    return -3e4 if np.dtype(dtype) == np.float16 else -1e9


def mask_bias(mask, dtype):
    """A bool (or 0/1) mask -> the additive bias Keras's masking amounts to."""
    mask = ops.cast(mask, "bool")
    zero = core_ir.constant(np.zeros((), dtype), cls=type(mask))
    neg = core_ir.constant(np.asarray(large_negative(dtype), dtype), cls=type(mask))
    return call(ir.where, mask, zero, neg)


def positions(x, axis: int):
    """0..n-1 (int64) along `axis` of x; n may be known only at run time."""
    n = x.shape[axis]
    if isinstance(n, int):
        return core_ir.constant(np.arange(n, dtype=np.int64), cls=type(x))
    axis %= x.ndim
    size = call(ir.squeeze, call(ir.shape, x, start=axis, end=axis + 1), ir.const_ints([0]))
    return call(ir.range_, ir.const_ints(0), size, ir.const_ints(1))


def causal_mask(query, value):
    """Keras's (1, T, S) causal mask: query i sees key j iff j <= i (top-left aligned)."""
    rows = ops.expand_dims(positions(query, 1), -1)
    return ops.expand_dims(ops.greater_equal(rows, positions(value, 1)), 0)


def band_mask(query, value, window: int):
    """Keras's (1, T, S) sliding-window mask: |i - j| < window."""
    diff = ops.subtract(ops.expand_dims(positions(query, 1), -1), positions(value, 1))
    return ops.expand_dims(ops.less(ops.abs(diff), window), 0)


def merge_masks(*masks):
    """Logical AND of the given bool masks (None entries skipped); None if there are none."""
    out = None
    for m in masks:
        if m is not None:
            m = ops.cast(m, "bool")
            out = m if out is None else ops.logical_and(out, m)
    return out


def flatten_heads(x):
    """(B, T, N, H) -> (B, T, N * H): the op's 3-D layout (the batch and T may be symbolic)."""
    return call(ir.reshape, x, ir.const_ints([0, 0, -1]))


def split_heads(x, heads: int):
    """(B, T, N * H) -> (B, T, N, H)."""
    return call(ir.reshape, x, ir.const_ints([0, 0, heads, -1]))


def attend(q, k, v, bias, heads: int, scale: float, is_causal: bool, need_probs: bool):
    """The op on 3-D [B, T, heads * d] tensors: (output [B, T, heads * dv], weights
    [B, heads, T, S] or None). Asking for the weights (output 3) also makes the op's VJP
    reuse them instead of recomputing the softmax."""
    y, _, _, probs = call(ir.attention, q, k, v, bias, q_num_heads=heads, kv_num_heads=heads,
                          scale=float(scale), is_causal=int(is_causal),
                          qk_matmul_output_mode=3 if need_probs else 0)
    return y, (probs if need_probs else None)


def masked_softmax(scores, mask, axis):
    """Keras's Softmax layer with a mask: hidden scores replaced by -1e9, then softmax."""
    if mask is not None:
        neg = core_ir.constant(np.asarray(large_negative(scores.dtype), scores.dtype),
                               cls=type(scores))
        scores = ops.where(ops.cast(mask, "bool"), scores, neg)
    return ops.softmax(scores, axis=axis)
