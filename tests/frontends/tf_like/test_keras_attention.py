"""MultiHeadAttention, Attention and AdditiveAttention against real Keras 3 (torch backend):
weights copied with set_weights, then outputs, attention scores, GradientTape gradients (vs
torch autograd on Keras's tensors), weights after fit, configs and errors.

Tolerances: the fused op scales Q and K by sqrt(1/sqrt(key_dim)) each where Keras scales Q
once, and sums heads in another order: forward ~1e-6, gradients ~1e-5."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

import frontends.tf_like as tf
from frontends.tf_like import keras as dk

from ._keras_layers_diff import _torch, rand, real_keras, to_numpy

FORWARD = {"rtol": 1e-5, "atol": 2e-6}
GRADS = {"rtol": 1e-4, "atol": 2e-5}


def compare(ours, theirs, inputs, kwargs=None, grads=True, seed=0):
    """Build both, copy Keras's weights, compare every output and the gradients of
    sum(y * w) (fixed random w) w.r.t. the inputs and the trainable weights."""
    kwargs = kwargs or {}
    t_kw = {k: _torch(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    o_kw = {k: tf.constant(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    theirs(*[_torch(x) for x in inputs], **t_kw)
    ours(*inputs, **o_kw)
    # auto-generated layer names depend on what ran before: compare the paths below them
    assert [w.path.removeprefix(f"{ours.name}/") for w in ours.weights] == \
        [w.path.removeprefix(f"{theirs.name}/") for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    t_in = [_torch(x, requires_grad=True) for x in inputs]
    t_out = theirs(*t_in, **t_kw)
    t_out = list(t_out) if isinstance(t_out, (list, tuple)) else [t_out]
    o_in = [tf.constant(x) for x in inputs]
    rng = np.random.default_rng(seed)
    cts = [rng.standard_normal(tuple(y.shape)).astype(np.float32) for y in t_out]
    with tf.GradientTape() as tape:
        for x in o_in:
            tape.watch(x)
        o_out = ours(*o_in, **o_kw)
        o_out = list(o_out) if isinstance(o_out, (list, tuple)) else [o_out]
        loss = sum(dk.ops.sum(dk.ops.multiply(y, c)) for y, c in zip(o_out, cts))
    for a, b in zip(o_out, t_out, strict=True):
        np.testing.assert_allclose(np.asarray(a), to_numpy(b), **FORWARD)
    if not grads:
        return
    torch = pytest.importorskip("torch")
    for v in theirs.trainable_weights:  # torch accumulates .grad across calls
        v.value.grad = None
    sum((y * torch.tensor(c)).sum() for y, c in zip(t_out, cts)).backward()
    got = tape.gradient(loss, o_in + list(ours.trainable_weights))
    want = [t.grad for t in t_in] + [v.value.grad for v in theirs.trainable_weights]
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        np.testing.assert_allclose(np.asarray(g), to_numpy(w), err_msg=f"gradient {i}", **GRADS)


# -- MultiHeadAttention ---------------------------------------------------------------------------
MHA_CASES = {
    "self": ({}, {}, "self"),
    "cross_scores": ({}, {"return_attention_scores": True}, "cross"),
    "key_value_dims": ({"value_dim": 5, "output_shape": 7}, {"return_attention_scores": True},
                       "kv"),
    "no_bias": ({"use_bias": False}, {}, "cross"),
    "causal_self": ({}, {"use_causal_mask": True}, "self"),
    "causal_cross": ({}, {"use_causal_mask": True, "return_attention_scores": True}, "cross"),
    "attention_mask": ({}, {"attention_mask": "tts", "return_attention_scores": True}, "cross"),
    "masks_causal": ({}, {"attention_mask": "tts", "use_causal_mask": True}, "kv"),
    "value_mask": ({}, {"value_mask": "s", "query_mask": "t"}, "cross"),
    "training_no_dropout": ({}, {"training": True, "return_attention_scores": True}, "cross"),
    "sliding_window": ({"sliding_window": 2}, {"return_attention_scores": True}, "self"),
    "gate": ({"use_gate": True}, {}, "cross"),
    "attention_axes_2d": ({"attention_axes": (1, 2)}, {"return_attention_scores": True},
                          "image"),
}


def mha_inputs(kind: str):
    q = rand(2, 4, 6, seed=1)
    return {"self": [q, q], "cross": [q, rand(2, 5, 6, seed=2)],
            "kv": [q, rand(2, 5, 3, seed=2), rand(2, 5, 4, seed=3)],
            "image": [rand(2, 3, 4, 6, seed=1), rand(2, 3, 4, 6, seed=2)]}[kind]


def mha_kwargs(kwargs: dict, inputs) -> dict:
    t, s = inputs[0].shape[1], inputs[1].shape[1]
    masks = {"tts": np.random.default_rng(4).random((2, t, s)) > 0.3,
             "s": np.array([[1] * (s - 2) + [0, 0], [1] * s], bool),
             "t": np.array([[1] * (t - 1) + [0], [1] * t], bool)}
    return {k: masks[v] if isinstance(v, str) else v for k, v in kwargs.items()}


@pytest.mark.parametrize("name", MHA_CASES)
def test_multi_head_attention_matches_keras(name):
    keras = real_keras()
    config, kwargs, kind = MHA_CASES[name]
    inputs = mha_inputs(kind)
    ours = dk.layers.MultiHeadAttention(2, 3, **config)
    theirs = keras.layers.MultiHeadAttention(2, 3, **config)
    compare(ours, theirs, inputs, mha_kwargs(kwargs, inputs))


def test_multi_head_attention_config_round_trips_like_keras():
    keras = real_keras()
    kw = {"value_dim": 4, "dropout": 0.1, "output_shape": (5,), "attention_axes": (1,),
          "kernel_initializer": "he_normal", "seed": 3, "name": "mha"}
    ours, theirs = dk.layers.MultiHeadAttention(2, 3, **kw), keras.layers.MultiHeadAttention(
        2, 3, **kw)
    assert ours.get_config() == theirs.get_config()
    again = dk.layers.MultiHeadAttention.from_config(ours.get_config())
    assert again.get_config() == ours.get_config()


def test_keras_masks_on_inputs_are_used_and_removed_like_keras():
    keras = real_keras()
    ids = np.array([[1, 2, 0, 0], [3, 4, 5, 6]])
    t_emb, o_emb = keras.layers.Embedding(10, 6, mask_zero=True), dk.layers.Embedding(
        10, 6, mask_zero=True)
    t_mha, o_mha = keras.layers.MultiHeadAttention(2, 3), dk.layers.MultiHeadAttention(2, 3)
    tx, ox = t_emb(_torch(ids)), o_emb(tf.constant(ids))
    t_mha(tx, tx)
    o_mha(ox, ox)
    o_emb.set_weights(t_emb.get_weights())
    o_mha.set_weights(t_mha.get_weights())
    tx, ox = t_emb(_torch(ids)), o_emb(tf.constant(ids))
    ty, oy = t_mha(tx, tx), o_mha(ox, ox)
    np.testing.assert_allclose(np.asarray(oy), to_numpy(ty), **FORWARD)
    from frontends.tf_like.keras.backend import _state
    np.testing.assert_array_equal(np.asarray(_state.get_keras_mask(oy)), ids != 0)
    assert _state.get_keras_mask(ox) is None and getattr(tx, "_keras_mask", None) is None


def test_attention_weights_after_fit_match_keras():
    keras = real_keras()
    x, y = rand(32, 5, 8, seed=1), rand(32, 4, seed=2)

    def model(lib):
        inp = lib.layers.Input((5, 8))
        h = lib.layers.MultiHeadAttention(2, 4, name="mha")(inp, inp, use_causal_mask=True)
        a = lib.layers.Attention(use_scale=True, score_mode="concat")([inp, inp])
        b = lib.layers.AdditiveAttention()([inp, inp], use_causal_mask=True)
        h = lib.layers.GlobalAveragePooling1D()(lib.layers.Add()([inp, h, a, b]))
        m = lib.Model(inp, lib.layers.Dense(4)(h))
        m.compile(optimizer=lib.optimizers.Adam(1e-2), loss="mse")
        return m

    theirs, ours = model(keras), model(dk)
    ours.set_weights(theirs.get_weights())
    th = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    oh = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(oh.history["loss"], th.history["loss"], rtol=1e-4)
    for w, a, b in zip(ours.weights, ours.get_weights(), theirs.get_weights(), strict=True):
        if w.path == "mha/key/bias":
            # its true gradient is 0 (it shifts a whole row of scores alike): Adam turns the
            # rounding noise of both libraries into lr-sized steps, so only the size is pinned
            assert np.abs(a).max() < 1e-2 * 8 and np.abs(b).max() < 1e-2 * 8
            continue
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5, err_msg=w.path)


def test_dropout_in_training_drops_scores_only_in_training():
    mha = dk.layers.MultiHeadAttention(2, 3, dropout=0.5, seed=1)
    q = rand(2, 4, 6)
    out_eval = np.asarray(mha(q, q))
    np.testing.assert_array_equal(np.asarray(mha(q, q, training=False)), out_eval)
    assert not np.allclose(np.asarray(mha(q, q, training=True)), out_eval)


# -- Attention / AdditiveAttention ----------------------------------------------------------------
ATTENTION_CASES = {
    "dot": ("Attention", {}, {}),
    "dot_scale": ("Attention", {"use_scale": True}, {"return_attention_scores": True}),
    "dot_masks_causal": ("Attention", {}, {"mask": "qv", "use_causal_mask": True,
                                           "return_attention_scores": True}),
    "concat": ("Attention", {"score_mode": "concat", "use_scale": True},
               {"mask": "qv", "return_attention_scores": True}),
    "additive": ("AdditiveAttention", {}, {"mask": "qv", "return_attention_scores": True}),
    "additive_causal": ("AdditiveAttention", {"use_scale": False}, {"use_causal_mask": True}),
}


class _ListCall:
    """Calls an Attention layer with its list input (compare passes inputs positionally)."""

    def __init__(self, layer):
        self.layer = layer

    def __call__(self, *inputs, **kwargs):
        return self.layer(list(inputs), **kwargs)

    def __getattr__(self, name):
        return getattr(self.layer, name)


@pytest.mark.parametrize("name", ATTENTION_CASES)
def test_attention_layers_match_keras(name):
    keras = real_keras()
    cls, config, kwargs = ATTENTION_CASES[name]
    inputs = [rand(2, 4, 6, seed=1), rand(2, 5, 3, seed=2), rand(2, 5, 6, seed=3)]
    if kwargs.get("mask") == "qv":
        kwargs = {**kwargs, "mask": None}
        masks = [np.array([[1, 1, 1, 0], [1] * 4], bool), np.array([[1, 1, 0, 0, 0], [1] * 5],
                                                                   bool)]
    else:
        masks = None
    ours, theirs = getattr(dk.layers, cls)(**config), getattr(keras.layers, cls)(**config)
    kw = {k: v for k, v in kwargs.items() if k != "mask"}
    if masks is not None:
        ours = _MaskedCall(ours, [tf.constant(m) for m in masks])
        theirs = _MaskedCall(theirs, [_torch(m) for m in masks])
    else:
        ours, theirs = _ListCall(ours), _ListCall(theirs)
    compare(ours, theirs, inputs, kw)
    if config.get("use_scale", cls == "AdditiveAttention"):  # move the scale off its init
        new = [w + 0.3 for w in theirs.get_weights()]
        theirs.set_weights(new)
        compare(ours, theirs, inputs, kw)


class _MaskedCall(_ListCall):
    def __init__(self, layer, masks):
        super().__init__(layer)
        self.masks = masks

    def __call__(self, *inputs, **kwargs):
        return self.layer(list(inputs), mask=list(self.masks), **kwargs)


def test_attention_configs_match_keras():
    keras = real_keras()
    for cls, kw in (("Attention", {"use_scale": True, "score_mode": "concat", "dropout": 0.2,
                                   "name": "att"}),
                    ("AdditiveAttention", {"use_scale": False, "seed": 4, "name": "add"})):
        ours, theirs = getattr(dk.layers, cls)(**kw), getattr(keras.layers, cls)(**kw)
        assert ours.get_config() == theirs.get_config()
        again = getattr(dk.layers, cls).from_config(ours.get_config())
        assert again.get_config() == ours.get_config()


def test_attention_output_keeps_the_query_mask():
    layer = dk.layers.Attention()
    q, v = rand(2, 4, 6), rand(2, 5, 6)
    qm = np.array([[1, 1, 0, 0], [1] * 4], bool)
    out = layer([q, v], mask=[tf.constant(qm), None])
    from frontends.tf_like.keras.backend import _state
    np.testing.assert_array_equal(np.asarray(_state.get_keras_mask(out)), qm)
    np.testing.assert_array_equal(np.asarray(out)[0, 2:], 0)


# -- bad input ------------------------------------------------------------------------------------
def test_bad_inputs_raise_value_errors_naming_layer_and_shapes():
    q, v = rand(2, 4, 6), rand(2, 5, 6)
    mha = dk.layers.MultiHeadAttention(2, 3, name="mha")
    with pytest.raises(ValueError, match=r"value_shape=\(2, 5, 6\) and key_shape=\(2, 6, 6\) "
                       r"\(layer 'mha'\)"):
        mha(q, v, key=rand(2, 6, 6))
    mha(q, v)
    before = [w.copy() for w in mha.get_weights()]
    with pytest.raises(ValueError, match=r"Layer 'mha' \(MultiHeadAttention\): expected `query` "
                       r"of shape \(\.\.\., 6\) as when the layer was built, but received query "
                       r"of shape \(2, 4, 5\)"):
        mha(rand(2, 4, 5), v)
    with pytest.raises(ValueError, match=r"attention_mask of shape \(2, 4, 6\) is not "
                       r"broadcastable .* = \(2, 4, 5\)"):
        mha(q, v, attention_mask=np.ones((2, 4, 6), bool))
    for a, b in zip(mha.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"Layer 'att' \(Attention\): query and key must share "
                       r"the last dimension; received query shape \(2, 4, 6\), value shape "
                       r"\(2, 5, 3\), key shape \(2, 5, 4\)"):
        dk.layers.Attention(name="att")([q, rand(2, 5, 3), rand(2, 5, 4)])
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        dk.layers.AdditiveAttention()(q)
    with pytest.raises(ValueError, match="expected a positive integer. Received: num_heads=0"):
        dk.layers.MultiHeadAttention(0, 3)
    with pytest.raises(ValueError, match="Expected one of {'dot', 'concat'}"):
        dk.layers.Attention(score_mode="general")


# -- symbolic use and a Transformer encoder block -------------------------------------------------
def test_symbolic_calls_give_scores_and_take_mask_inputs():
    L = dk.layers
    q, v, am = L.Input((5, 6)), L.Input((7, 6)), L.Input((5, 7), dtype="bool")
    o, s = L.MultiHeadAttention(2, 3)(q, v, attention_mask=am, return_attention_scores=True)
    a, w = L.Attention()([q, v], return_attention_scores=True)
    assert (o.shape, s.shape, a.shape, w.shape) == ((None, 5, 6), (None, 2, 5, 7),
                                                    (None, 5, 6), (None, 5, 7))
    model = dk.Model([q, v, am], [o, s, a, w])
    x = [rand(2, 5, 6), rand(2, 7, 6, seed=1), np.random.default_rng(2).random((2, 5, 7)) > .2]
    got = model.predict(x, verbose=0)
    assert [g.shape for g in got] == [(2, 5, 6), (2, 2, 5, 7), (2, 5, 6), (2, 5, 7)]
    np.testing.assert_array_equal(got[1][..., ~x[2][0]][:1].sum(), 0)


def test_functional_model_with_unknown_sequence_length_matches_eager():
    inp = dk.layers.Input((None, 6))
    layer = dk.layers.MultiHeadAttention(2, 3)
    model = dk.Model(inp, layer(inp, inp, use_causal_mask=True))
    for length in (3, 7):
        x = rand(2, length, 6, seed=length)
        np.testing.assert_allclose(model.predict(x, verbose=0),
                                   np.asarray(layer(x, x, use_causal_mask=True)), **FORWARD)


class PositionEmbedding(dk.layers.Layer):
    """Adds a learned (length, dim) position table (a block of the test model)."""

    def build(self, input_shape):
        self.table = self.add_weight(shape=tuple(input_shape[1:]), initializer="random_normal",
                                     name="table")

    def call(self, x):
        return dk.ops.add(x, self.table)

    def compute_mask(self, inputs, previous_mask):
        return previous_mask


def synthetic_task(n, seq=10, seed=0):
    """Label 1 iff token 1 comes before token 2 (padded with 0): needs order and masking."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(3, 8, size=(n, seq))
    lengths = rng.integers(5, seq + 1, size=n)
    labels = rng.integers(0, 2, size=n)
    for i in range(n):
        a, b = sorted(rng.choice(lengths[i], 2, replace=False))
        ids[i, a], ids[i, b] = (1, 2) if labels[i] else (2, 1)
        ids[i, lengths[i]:] = 0
    return ids, labels


def encoder_classifier(seq=10, d=16):
    L = dk.layers
    inp = L.Input((seq,), dtype="int32")
    x = PositionEmbedding()(L.Embedding(8, d, mask_zero=True)(inp))
    attn = L.MultiHeadAttention(2, d // 2)(x, x)
    x = L.LayerNormalization()(L.Add()([x, attn]))
    ff = L.Dense(d)(L.Dense(32, activation="relu")(x))
    x = L.LayerNormalization()(L.Add()([x, ff]))
    out = L.Dense(2, activation="softmax")(L.GlobalAveragePooling1D()(x))
    model = dk.Model(inp, out)
    model.compile(optimizer=dk.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_transformer_encoder_block_learns_token_order():
    dk.utils.set_random_seed(0)
    model = encoder_classifier()
    x, y = synthetic_task(512)
    model.fit(x, y, batch_size=64, epochs=25, verbose=0)
    xt, yt = synthetic_task(256, seed=1)
    _, acc = model.evaluate(xt, yt, verbose=0)
    assert acc >= 0.9, acc


def attention_model(lib):
    q, v = lib.layers.Input((5, 6)), lib.layers.Input((7, 6))
    outs = [lib.layers.MultiHeadAttention(2, 3)(q, v, use_causal_mask=True),
            lib.layers.Attention(use_scale=True)([q, v]),
            lib.layers.AdditiveAttention()([q, v])]
    return lib.Model([q, v], outs)


def test_keras_files_with_attention_layers_load_both_ways(tmp_path):
    keras = real_keras()
    x = [rand(2, 5, 6, seed=1), rand(2, 7, 6, seed=2)]
    theirs = attention_model(keras)
    theirs.save(tmp_path / "theirs.keras")
    ours = dk.models.load_model(tmp_path / "theirs.keras")
    for a, b in zip(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), strict=True):
        np.testing.assert_allclose(a, b, **FORWARD)
    mine = attention_model(dk)
    mine.save(tmp_path / "ours.keras")
    back = keras.models.load_model(tmp_path / "ours.keras")
    for a, b in zip(mine.predict(x, verbose=0), back.predict(x, verbose=0), strict=True):
        np.testing.assert_allclose(a, b, **FORWARD)
