"""nn.MultiheadAttention (torch.nn.modules.activation.MultiheadAttention), on the IR's fused
Attention op through F.multi_head_attention_forward."""

from __future__ import annotations

from .. import _functional_attention as FA
from .. import init
from ._util import empty_parameter
from .linear import Linear
from .module import Module

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """Mirrors torch.nn.modules.linear.NonDynamicallyQuantizableLinear: a Linear under another
    name (torch uses the name to keep MultiheadAttention's out_proj out of dynamic
    quantization); MultiheadAttention's out_proj prints as it."""


class MultiheadAttention(Module):
    """Mirrors torch.nn.MultiheadAttention: softmax(Q K^T / sqrt(head_dim) + masks) V over
    `num_heads` heads, with input projections and an output projection.

    Parameters as torch: in_proj_weight (3E, E) and in_proj_bias (3E,) when kdim == vdim ==
    embed_dim, else q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim);
    out_proj (Linear E -> E); bias_k/bias_v (1, 1, E) with add_bias_kv. Init: xavier_uniform
    projection weights, zero biases, xavier_normal bias_k/bias_v.

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights or None).
    Shape: query (L, N, E) or (N, L, E) with batch_first, or unbatched (L, E); key (S, N, kdim),
    value (S, N, vdim); key_padding_mask (N, S) (True = ignore); attn_mask (L, S) or
    (N * num_heads, L, S) (bool True = not allowed, float added); weights (N, L, S) averaged
    or (N, num_heads, L, S).

    Differences: no eval-mode "fast path" (torch's native kernel, same numbers at float32
    tolerance); a query row that every mask hides gets zero weights and output, where torch's
    need_weights path gives nan.

    >>> mha = MultiheadAttention(16, 4, batch_first=True)
    >>> out, w = mha(x, x, x)   # x: (N, L, 16) -> out (N, L, 16), w (N, L, L)
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        self._make_projections(bias, dtype, device)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = empty_parameter((1, 1, embed_dim), dtype, device)
            self.bias_v = empty_parameter((1, 1, embed_dim), dtype, device)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _make_projections(self, bias: bool, dtype, device) -> None:
        e = self.embed_dim
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = empty_parameter((e, e), dtype, device)
            self.k_proj_weight = empty_parameter((e, self.kdim), dtype, device)
            self.v_proj_weight = empty_parameter((e, self.vdim), dtype, device)
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = empty_parameter((3 * e, e), dtype, device)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        self.register_parameter("in_proj_bias", empty_parameter((3 * e,), dtype, device)
                                if bias else None)

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        if not (self.batch_first and query.ndim == 3):
            return FA.multi_head_attention_forward(*self._args(query, key, value),
                                                   **self._kwargs(locals()))
        # batch-first is the op's own layout: skip torch's transposes to (L, N, E) and back
        FA._check_shapes(query, key, value, key_padding_mask, attn_mask, self.num_heads)
        FA._check_embed(query, key, value, self.embed_dim, self.num_heads,
                        not self._qkv_same_embed_dim, self.in_proj_weight, self.q_proj_weight)
        kw = self._kwargs(locals())
        return FA.mha_batch_first(
            query, key, value, self.num_heads, self.in_proj_weight, self.in_proj_bias,
            self.bias_k, self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight,
            self.out_proj.bias, self.training, key_padding_mask, need_weights, attn_mask,
            None if self._qkv_same_embed_dim else (self.q_proj_weight, self.k_proj_weight,
                                                   self.v_proj_weight),
            None, None, average_attn_weights, kw["is_causal"], True)

    def _args(self, query, key, value) -> tuple:
        return (query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
                self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
                self.out_proj.weight, self.out_proj.bias)

    def _kwargs(self, scope: dict) -> dict:
        separate = not self._qkv_same_embed_dim
        return {"training": self.training, "key_padding_mask": scope["key_padding_mask"],
                    "need_weights": scope["need_weights"], "attn_mask": scope["attn_mask"],
                    "use_separate_proj_weight": separate, "q_proj_weight": self.q_proj_weight,
                    "k_proj_weight": self.k_proj_weight, "v_proj_weight": self.v_proj_weight,
                    "average_attn_weights": scope["average_attn_weights"],
                    "is_causal": scope["is_causal"]}
