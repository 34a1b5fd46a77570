"""keras.layers.Attention (Luong, dot-product) and AdditiveAttention (Bahdanau), Keras 3.

The dot-product scores of rank-3 inputs run on the IR's fused Attention op (one head, scale 1,
the masks as Keras's -1e9 bias); concat and additive scores, and other ranks, are computed with
ops and go through the same masked softmax by hand.
"""

from __future__ import annotations

import numpy as np

import core_ir

from .. import ops
from ..backend._keras_tensor import compute_output_spec
from ..ops import _random
from . import _attention_ops as A
from ._layer import Layer


def _padding_bias(mask, dtype):
    """Keras's Attention layers subtract 1e9 (65504 in float16) from hidden scores."""
    big = 65504.0 if np.dtype(dtype) == np.float16 else 1.0e9
    mask = ops.cast(mask, "bool")
    zero = core_ir.constant(np.zeros((), dtype), cls=type(mask))
    return ops.where(mask, zero, core_ir.constant(np.asarray(-big, dtype), cls=type(mask)))


class Attention(Layer):
    """Mirrors keras.layers.Attention: scores = query @ key^T (score_mode="dot", times a
    learned scalar `scale` with use_scale=True) or concat_score_weight * sum(tanh(scale *
    (query + key))) (score_mode="concat"); weights = softmax(scores - 1e9 where masked);
    output = weights @ value, zeroed where the query mask is False.

    call(inputs=[query, value] or [query, value, key], mask=[query_mask, value_mask],
    training=False, return_attention_scores=False, use_causal_mask=False).
    Weights: scale () (use_scale), concat_score_weight () (concat), both initialized to ones.
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if self.score_mode not in ["dot", "concat"]:
            raise ValueError(f"Invalid value for argument score_mode. Expected one of {{'dot', "
                             f"'concat'}}. Received: score_mode={score_mode}")
        self.supports_masking = True

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones",
                                         dtype=self.dtype, trainable=True)
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones", dtype=self.dtype,
                                                       trainable=True)

    def _calculate_scores(self, query, key):
        """(batch, Tq, Tv) scores; only used where the fused op does not fit."""
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        summed = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))
        if self.scale is not None:
            summed = ops.multiply(self.scale, summed)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(summed), axis=-1))

    def _fits_op(self, query) -> bool:
        return type(self)._calculate_scores is Attention._calculate_scores and \
            self.score_mode == "dot" and query.ndim == 3

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        self._check_shapes(q, v, k)
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores_mask = self._score_mask(q, k, v_mask, use_causal_mask)
        if self._fits_op(q):
            out, weights = self._fused(q, k, v, scores_mask, training)
        else:
            out, weights = self._apply_scores(self._calculate_scores(q, k), v, scores_mask,
                                              training)
        if q_mask is not None:
            keep = ops.expand_dims(ops.cast(q_mask, "bool"), -1)
            out = ops.where(keep, out, ops.zeros_like(out))
        return (out, weights) if return_attention_scores else out

    def _score_mask(self, query, key, v_mask, use_causal_mask):
        """Keras's scores mask: the value mask (B, 1, Tv), ANDed with the causal (1, Tq, Tv)."""
        v_mask = None if v_mask is None else ops.expand_dims(ops.cast(v_mask, "bool"), -2)
        causal = A.causal_mask(query, key) if use_causal_mask else None
        return A.merge_masks(v_mask, causal)

    def _fused(self, q, k, v, scores_mask, training):
        dropping = bool(training) and self.dropout > 0
        bias = None if scores_mask is None else ops.expand_dims(
            _padding_bias(scores_mask, q.dtype), 1)
        q_scaled = q if self.scale is None else ops.multiply(q, self.scale)
        out, weights = A.attend(q_scaled, k, v, bias, 1, 1.0, False, True)
        weights = ops.squeeze(weights, 1)
        if dropping:
            return ops.matmul(_random.dropout(weights, self.dropout, None), v), weights
        return out, weights

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        """softmax(scores - 1e9 where masked) @ value, with dropout on the weights."""
        if scores_mask is not None:
            scores = ops.add(scores, _padding_bias(scores_mask, scores.dtype))
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = _random.dropout(weights, self.dropout, None)
        return ops.matmul(weights, value), weights

    def _check_shapes(self, q, v, k) -> None:
        bad = _differ(q.shape[-1], k.shape[-1])
        if bad or _differ(k.shape[-2], v.shape[-2]):
            what = "query and key must share the last dimension" if bad else \
                "key and value must share the sequence length"
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): {what}; received "
                             f"query shape {tuple(q.shape)}, value shape {tuple(v.shape)}, key "
                             f"shape {tuple(k.shape)}")

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs=inputs, mask=mask)
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def compute_output_spec(self, *args, **kwargs):
        """By tracing the call, so that return_attention_scores gives two outputs."""
        return compute_output_spec(lambda *a, **kw: self._call(a, kw), *args, **kwargs)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], input_shape[1][-1])

    def _validate_inputs(self, inputs, mask=None) -> None:
        name = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(  # noqa: TRY004  (Keras's type)
                f"{name} layer must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: inputs={inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely "
                             f"[query, value] or [query, value, key]. Received length: "
                             f"{len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, list):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, "
                                 f"value_mask]. Received: mask={mask}.")
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received: "
                                 f"inputs={inputs}, mask={mask}.")

    def get_config(self) -> dict:
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


def _differ(a, b) -> bool:
    return isinstance(a, int) and isinstance(b, int) and a != b


class AdditiveAttention(Attention):
    """Mirrors keras.layers.AdditiveAttention: scores = sum(scale * tanh(query[:, :, None] +
    key[:, None]), axis=-1) with a learned `scale` (dim,) (glorot_uniform) when use_scale=True;
    then masking, softmax and weights @ value as Attention."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        dim = input_shape[0][-1]
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=[dim],
                                         initializer="glorot_uniform", dtype=self.dtype,
                                         trainable=True)

    def _calculate_scores(self, query, key):
        tanh = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        return ops.sum(tanh if self.scale is None else ops.multiply(self.scale, tanh), axis=-1)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config
