"""keras.layers.MultiHeadAttention (Keras 3): EinsumDense projections named query, key, value
and attention_output, and the attention itself on the IR's fused Attention op."""

from __future__ import annotations

import math
import string

from .. import constraints, initializers, ops, regularizers
from ..backend import _state
from ..backend._keras_tensor import compute_output_spec
from . import _attention_ops as A
from ._layer import Layer
from ._utils import ser_constraint, ser_initializer, ser_regularizer
from .einsum_dense import EinsumDense
from .regularization import Dropout


def _positive_int(value, name: str, allow_none: bool = False) -> None:
    if allow_none and value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        extra = " or `None`" if allow_none else ""
        raise ValueError(f"Received an invalid value for argument `{name}`, expected a positive "
                         f"integer{extra}. Received: {name}={value}")


class MultiHeadAttention(Layer):
    """Mirrors keras.layers.MultiHeadAttention: project query/key/value to `num_heads` heads
    (query, key: key_dim; value: value_dim), softmax(Q K^T / sqrt(key_dim) + masks) V per head,
    then project back (to the query's last dim, or `output_shape`).

    Weights (get_weights order): query/kernel (dim, N, key_dim), query/bias (N, key_dim), key/...,
    value/..., attention_output/kernel (N, value_dim, out), attention_output/bias (out,).
    call(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
    attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False):
    masks come from Keras masks on the inputs (which the call removes, as Keras does) and from
    `attention_mask` (B, T, S), True = may attend; scores are (B, N, T, S).

    Differences: the default (single attention axis) case runs on the fused op; other
    `attention_axes` use einsum + softmax like Keras. Masked scores get -1e9 added, where Keras's
    score-returning path substitutes -1e9: equal unless a whole row is masked and its raw scores
    exceed ~32 in size. `flash_attention` changes nothing (same math).
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        _positive_int(num_heads, "num_heads")
        _positive_int(key_dim, "key_dim")
        _positive_int(value_dim, "value_dim", allow_none=True)
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads, self._key_dim = num_heads, key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout, self._use_bias, self._use_gate = dropout, use_bias, use_gate
        self._output_shape = _standardize_output_shape(output_shape)
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self._attention_axes = _standardize_axes(attention_axes)
        if sliding_window is not None:
            _positive_int(sliding_window, "sliding_window", allow_none=True)
        self._sliding_window = sliding_window
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))
        if flash_attention and dropout > 0.0:
            raise ValueError("Dropout is not supported when flash attention is enabled. Please "
                             "set dropout to 0.0 to use flash attention.")

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    # -- building -----------------------------------------------------------------------------
    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"All dimensions of `value` and `key`, except the last one, must be "
                             f"equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape} (layer '{self.name}')")
        heads = [self._num_heads, self._key_dim]
        self._query_dense = self._projection(len(query_shape), heads, "query", query_shape)
        self._key_dense = self._projection(len(key_shape), heads, "key", key_shape)
        if self._use_gate:
            self._gate_dense = self._projection(len(query_shape), [self._num_heads,
                                                                   self._value_dim], "gate",
                                                query_shape, activation="sigmoid")
        self._value_dense = self._projection(len(value_shape),
                                             [self._num_heads, self._value_dim], "value",
                                             value_shape)
        self._build_attention(len(query_shape) + 1)
        out = list(self._output_shape) if self._output_shape else [query_shape[-1]]
        equation, bias_axes, rank = _proj_equation(len(query_shape) - 1, 2, len(out))
        self._output_dense = EinsumDense(equation, output_shape=_partial_shape(rank - 1, out),
                                         bias_axes=bias_axes if self._use_bias else None,
                                         name="attention_output", **self._sublayer_kwargs())
        inner = list(self._query_dense.compute_output_shape(tuple(query_shape)))
        inner[-1] = self._value_dim
        self._output_dense.build(tuple(inner))

    def _projection(self, rank: int, last_dims: list, name: str, shape, activation=None):
        equation, bias_axes, out_rank = _proj_equation(rank - 1, 1, 2)
        layer = EinsumDense(equation, output_shape=_partial_shape(out_rank - 1, last_dims),
                            bias_axes=bias_axes if self._use_bias else None,
                            activation=activation, name=name, **self._sublayer_kwargs())
        layer.build(tuple(shape))
        return layer

    def _sublayer_kwargs(self) -> dict:
        return {"kernel_regularizer": self._kernel_regularizer,
                "bias_regularizer": self._bias_regularizer,
                "activity_regularizer": self._activity_regularizer,
                "kernel_constraint": self._kernel_constraint,
                "bias_constraint": self._bias_constraint, "dtype": self.dtype,
                "kernel_initializer": _clone(self._kernel_initializer),
                "bias_initializer": _clone(self._bias_initializer)}

    def _build_attention(self, rank: int) -> None:
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a
                                         for a in self._attention_axes)
        self._dot_product_equation, self._combine_equation, scores_rank = \
            _attention_equations(rank, self._attention_axes)
        n = len(self._attention_axes)
        self._norm_axes = tuple(range(scores_rank - n, scores_rank))
        self._fused = rank == 4 and self._attention_axes == (1,)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype, seed=self.seed)

    # -- calling ------------------------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if self._flash_attention and return_attention_scores:
            raise ValueError("Returning attention scores is not supported when flash attention "
                             "is enabled. Please disable flash attention to access attention "
                             "scores.")
        # Keras's Layer.__call__ fills value_mask/key_mask from the inputs' Keras masks; the
        # call reads the query's mask itself, then removes all three from the inputs
        value_mask = _state.get_keras_mask(value) if value_mask is None else value_mask
        if key is not None and key_mask is None:
            key_mask = _state.get_keras_mask(key)
        key = value if key is None else key
        self._check_inputs(query=query, value=value, key=key)  # before touching the inputs
        self._check_mask(query, value, attention_mask)
        query_mask = _state.get_keras_mask(query)
        for t in (query, value, key):
            _state.set_keras_mask(t, None)
        causal_only = use_causal_mask and self._sliding_window is None and all(
            m is None for m in (query_mask, value_mask, key_mask, attention_mask))
        mask = None if causal_only else self._compute_attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self._use_gate else None
        out, scores = self._compute_attention(
            self._query_dense(query), self._key_dense(key), self._value_dense(value), mask,
            training, return_attention_scores, causal_only)
        out = self._output_dense(out if gate is None else ops.multiply(out, gate))
        if query_mask is not None:
            _state.set_keras_mask(out, query_mask)
        return (out, scores) if return_attention_scores else out

    def _compute_attention_mask(self, query, value, query_mask=None, value_mask=None,
                                key_mask=None, attention_mask=None, use_causal_mask=False):
        """Keras's merge: query mask (B, T, 1), value/key masks (B, 1, S), the causal and
        sliding-window masks (1, T, S) and attention_mask, ANDed."""
        q = None if query_mask is None else ops.expand_dims(ops.cast(query_mask, "bool"), -1)
        v = None if value_mask is None else ops.expand_dims(ops.cast(value_mask, "bool"), -2)
        k = None if key_mask is None else ops.expand_dims(ops.cast(key_mask, "bool"), -2)
        causal = A.causal_mask(query, value) if use_causal_mask else None
        band = None if self._sliding_window is None else A.band_mask(query, value,
                                                                      self._sliding_window)
        return A.merge_masks(attention_mask, A.merge_masks(q, v, k, causal, band))

    def _check_inputs(self, **inputs) -> None:
        """Each input's last dim must be the one its projection was built for."""
        dense = {"query": self._query_dense, "value": self._value_dense, "key": self._key_dense}
        for name, t in inputs.items():
            want = dense[name].kernel.shape[0]
            if t.shape[-1] != want:
                raise ValueError(f"Layer '{self.name}' (MultiHeadAttention): expected `{name}` "
                                 f"of shape (..., {want}) as when the layer was built, but "
                                 f"received {name} of shape {tuple(t.shape)}")

    def _check_mask(self, query, value, attention_mask) -> None:
        if attention_mask is None or query.ndim != 3:  # other ranks: Keras's Softmax checks
            return
        want = (query.shape[0], query.shape[1], value.shape[1])
        got = tuple(attention_mask.shape)
        fits = len(got) <= len(want) + 1 and all(
            g == 1 or not isinstance(g, int) or not isinstance(w, int) or g == w
            for g, w in zip(got[::-1], want[::-1]))
        if not fits:
            raise ValueError(f"Layer '{self.name}' (MultiHeadAttention): attention_mask of shape "
                             f"{got} is not broadcastable to the attention scores' (batch, "
                             f"query length, key length) = {want} (query shape "
                             f"{tuple(query.shape)}, value shape {tuple(value.shape)})")

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False, use_causal_mask=False):
        """Attention on projected (B, T, N, key_dim) / (B, S, N, ...) tensors: (output
        (B, T, N, value_dim), scores (B, N, T, S) or None)."""
        dropping = bool(training) and self._dropout > 0.0
        if not self._fused:
            return self._einsum_attention(query, key, value, attention_mask, training,
                                          use_causal_mask)
        bias = None
        if attention_mask is not None:
            while attention_mask.ndim < 4:  # Keras inserts the heads axis at -3
                attention_mask = ops.expand_dims(attention_mask, -3)
            bias = A.mask_bias(attention_mask, query.dtype)
        need = return_attention_scores or dropping or bool(training)
        y, probs = A.attend(A.flatten_heads(query), A.flatten_heads(key),
                            A.flatten_heads(value), bias, self._num_heads,
                            self._inverse_sqrt_key_dim, use_causal_mask, need)
        if dropping:
            dropped = self._dropout_layer(probs, training=training)
            return ops.einsum(self._combine_equation, dropped, value), probs
        return A.split_heads(y, self._num_heads), probs

    def _einsum_attention(self, query, key, value, mask, training, use_causal_mask):
        """Keras's general path (several attention axes): einsum scores, masked softmax over
        the attention axes, dropout, einsum back."""
        if use_causal_mask:
            mask = A.causal_mask(query, value)
        query = ops.multiply(query, ops.cast(self._inverse_sqrt_key_dim, query.dtype))
        scores = ops.einsum(self._dot_product_equation, key, query)
        if mask is not None:
            axis = -len(self._attention_axes) * 2 - 1
            for _ in range(scores.ndim - mask.ndim):
                mask = ops.expand_dims(mask, axis)
        axes = self._norm_axes if len(self._norm_axes) > 1 else self._norm_axes[0]
        scores = A.masked_softmax(scores, mask, axes)
        dropped = self._dropout_layer(scores, training=training) if self._dropout > 0 else scores
        return ops.einsum(self._combine_equation, dropped, value), scores

    def compute_output_spec(self, *args, **kwargs):
        """By tracing the call: the scores output and the query's mask come out right (the
        base class would pass every tensor argument's shape to compute_output_shape)."""
        return compute_output_spec(lambda *a, **kw: self._call(a, kw), *args, **kwargs)

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"All dimensions of `value` and `key`, except the last one, must be "
                             f"equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        query_shape = tuple(query_shape)
        return query_shape[:-1] + self._output_shape if self._output_shape else query_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "num_heads": self._num_heads, "key_dim": self._key_dim,
                "value_dim": self._value_dim, "dropout": self._dropout,
                "use_bias": self._use_bias, "use_gate": self._use_gate,
                "output_shape": self._output_shape, "attention_axes": self._attention_axes,
                "sliding_window": self._sliding_window,
                "kernel_initializer": ser_initializer(self._kernel_initializer),
                "bias_initializer": ser_initializer(self._bias_initializer),
                "kernel_regularizer": ser_regularizer(self._kernel_regularizer),
                "bias_regularizer": ser_regularizer(self._bias_regularizer),
                "activity_regularizer": ser_regularizer(self._activity_regularizer),
                "kernel_constraint": ser_constraint(self._kernel_constraint),
                "bias_constraint": ser_constraint(self._bias_constraint), "seed": self.seed}


def _clone(initializer):
    """A fresh initializer per sublayer, as Keras: a shared seeded one would repeat values."""
    return type(initializer).from_config(initializer.get_config())


# -- einsum equations (Keras's scheme: letters a, b, c, ... in axis order) ------------------------
def _standardize_output_shape(output_shape):
    if not output_shape:
        return output_shape
    if isinstance(output_shape, int):
        return (output_shape,)
    try:
        return tuple(output_shape)
    except TypeError:
        raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the "
                         "`output_shape` should be of type tuple, list, or int.") from None


def _standardize_axes(axes):
    if isinstance(axes, int):
        return (axes,)
    if axes and not isinstance(axes, (list, tuple)):
        raise ValueError(f"`attention_axes` must be an int, list, or tuple.Received: "
                         f"attention_axes={axes}")
    return None if axes is None else tuple(axes)


def _proj_equation(free_dims: int, bound_dims: int, output_dims: int):
    """'<free><bound>,<bound><out>-><free><out>', the bias axes (<out>) and the output rank."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    out = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out, free_dims + output_dims


def _partial_shape(output_rank: int, known_last_dims: list) -> list:
    return [None] * (output_rank - len(known_last_dims)) + list(known_last_dims)


def _attention_equations(rank: int, attn_axes: tuple):
    """(scores equation key,query->scores; combine equation scores,value->output; scores rank)
    for projected tensors (batch, <other dims>, <attention dims>, heads, channels)."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source, fresh = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += letters[fresh]
            fresh += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes]
                      + [source[i] for i in attn_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)
