"""The recurrent layers' surface: weight names and order, initializers, get_config/from_config
(against Keras's own config), dropout semantics, bad inputs, stateful, functional use, and an
LSTM text classifier that learns."""

from __future__ import annotations

import time

import numpy as np
import pytest

from frontends.tf_like import keras as dk

from ._keras_rnn_pairs import rand, real_keras

B, T, F, U = 4, 6, 3, 5


@pytest.mark.parametrize("cls,prefix", [("LSTM", "lstm"), ("GRU", "gru"),
                                        ("SimpleRNN", "simple_rnn")])
def test_weight_paths_and_order_match_keras(cls, prefix):
    keras = real_keras()
    paths = []
    for lib in (dk, keras):
        lib.backend.clear_session()
        layer = getattr(lib.layers, cls)(U)
        layer(rand(B, T, F))
        paths.append([w.path for w in layer.weights])
    assert paths[0] == paths[1] == [f"{prefix}/{prefix}_cell/{n}"
                                    for n in ("kernel", "recurrent_kernel", "bias")]
    dk.backend.clear_session()
    stack = dk.layers.RNN([dk.layers.LSTMCell(3), dk.layers.GRUCell(2)])
    stack(rand(B, T, F))
    assert [w.path for w in stack.weights] == [
        "rnn/stacked_rnn_cells/lstm_cell/kernel", "rnn/stacked_rnn_cells/lstm_cell/recurrent_kernel",
        "rnn/stacked_rnn_cells/lstm_cell/bias", "rnn/stacked_rnn_cells/gru_cell/kernel",
        "rnn/stacked_rnn_cells/gru_cell/recurrent_kernel", "rnn/stacked_rnn_cells/gru_cell/bias"]


@pytest.mark.parametrize("cls,gates", [("LSTM", 4), ("GRU", 3), ("SimpleRNN", 1)])
def test_initializers(cls, gates):
    units, features = 16, 8
    layer = getattr(dk.layers, cls)(units)
    layer(rand(2, T, features))
    kernel, recurrent, bias = layer.get_weights()
    assert kernel.shape == (features, gates * units)
    # recurrent_kernel orthogonal (Keras's Orthogonal on (u, gates*u): orthonormal rows)
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(units), atol=1e-5)
    limit = np.sqrt(6 / (features + gates * units))  # glorot_uniform
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.8 * limit
    assert abs(kernel.std() - limit / np.sqrt(3)) < 0.15 * limit
    expected_bias = np.zeros((2, 3 * units) if cls == "GRU" else (gates * units,))
    if cls == "LSTM":  # unit_forget_bias: ones in the forget block
        expected_bias[units:2 * units] = 1
    np.testing.assert_array_equal(bias, expected_bias)
    other = dk.layers.LSTM(units, unit_forget_bias=False)
    other(rand(2, T, features))
    np.testing.assert_array_equal(other.get_weights()[2], 0)
    gru = dk.layers.GRU(units, reset_after=False)
    gru(rand(2, T, features))
    assert gru.get_weights()[2].shape == (3 * units,)


LAYER_ARGS = {
    "LSTM": {"units": 4, "activation": "relu", "recurrent_activation": "tanh", "use_bias": False,
                 "unit_forget_bias": False, "dropout": 0.25, "recurrent_dropout": 0.5,
                 "kernel_regularizer": "l2", "recurrent_constraint": "non_neg", "return_sequences": True,
                 "go_backwards": True, "seed": 3},
    "GRU": {"units": 4, "reset_after": False, "return_state": True, "kernel_initializer": "he_normal",
                "bias_regularizer": "l2"},
    "SimpleRNN": {"units": 4, "activation": "linear", "recurrent_dropout": 0.1, "unroll": True},
}


@pytest.mark.parametrize("cls", list(LAYER_ARGS))
def test_get_config_matches_keras_and_round_trips(cls):
    keras = real_keras()
    args = LAYER_ARGS[cls]
    ours, theirs = getattr(dk.layers, cls)(**args), getattr(keras.layers, cls)(**args)
    mine, want = ours.get_config(), theirs.get_config()
    mine.pop("name"), want.pop("name")
    assert mine == want
    clone = getattr(dk.layers, cls).from_config(ours.get_config())
    assert clone.get_config() == ours.get_config()
    # each library reads the other's config
    assert getattr(keras.layers, cls).from_config(ours.get_config()).get_config() == \
        theirs.__class__.from_config(ours.get_config()).get_config()
    assert getattr(dk.layers, cls).from_config(theirs.get_config()).units == 4


def test_cell_and_rnn_configs_match_keras():
    keras = real_keras()
    for lib in (dk, keras):
        lib.backend.clear_session()
    ours = dk.layers.RNN([dk.layers.LSTMCell(3, dropout=0.1), dk.layers.GRUCell(2)],
                         return_sequences=True)
    theirs = keras.layers.RNN([keras.layers.LSTMCell(3, dropout=0.1), keras.layers.GRUCell(2)],
                              return_sequences=True)
    mine, want = ours.get_config(), theirs.get_config()
    assert mine == want
    clone = dk.layers.RNN.from_config(mine)
    clone(rand(B, T, F))
    assert [type(c).__name__ for c in clone.cell.cells] == ["LSTMCell", "GRUCell"]
    assert dk.layers.SimpleRNNCell(3).get_config().keys() == \
        keras.layers.SimpleRNNCell(3).get_config().keys()


def test_input_dropout_mask_is_shared_across_steps():
    """SimpleRNN with identity kernel, no recurrence, linear: outputs are the inputs times the
    dropout mask, the same mask at every step (Keras's DropoutRNNCell), kept values 1/(1-rate)."""
    layer = dk.layers.SimpleRNN(8, activation="linear", dropout=0.5, return_sequences=True)
    x = np.ones((64, T, 8), np.float32)
    layer(x)
    layer.set_weights([np.eye(8, dtype=np.float32), np.zeros((8, 8), np.float32),
                       np.zeros(8, np.float32)])
    y = np.asarray(layer(x, training=True))
    assert set(np.unique(y)) <= {0.0, 2.0}
    np.testing.assert_array_equal(y, np.repeat(y[:, :1], T, axis=1))
    assert 0.35 < (y == 0).mean() < 0.65
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)


def test_recurrent_dropout_in_training_only():
    """h_t = h_{t-1} * m (identity recurrent kernel, zero inputs after t=0): the recurrent mask
    is drawn once per call and applied at every step."""
    layer = dk.layers.SimpleRNN(8, activation="linear", recurrent_dropout=0.5,
                                return_sequences=True)
    x = np.zeros((32, T, 8), np.float32)
    x[:, 0] = 1
    layer(x)
    eye = np.eye(8, dtype=np.float32)
    layer.set_weights([eye, eye, np.zeros(8, np.float32)])
    y = np.asarray(layer(x, training=True))
    m = y[:, 1] / y[:, 0]
    assert set(np.unique(m)) <= {0.0, 2.0}
    for t in range(2, T):
        np.testing.assert_allclose(y[:, t], y[:, 0] * m ** t, rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(layer(x)), np.repeat(x[:, :1], T, axis=1))


@pytest.mark.parametrize("cls", ["LSTM", "GRU"])
def test_dropout_layers_train_with_fit(cls):
    dk.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, T, F)).astype(np.float32)
    y = (x[:, :, 0].sum(axis=1) > 0).astype(np.float32)[:, None]
    model = dk.Sequential([dk.layers.Input((T, F)),
                           getattr(dk.layers, cls)(8, dropout=0.2, recurrent_dropout=0.2),
                           dk.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=dk.optimizers.Adam(0.02), loss="binary_crossentropy")
    history = model.fit(x, y, batch_size=16, epochs=6, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][-1] < history.history["loss"][0]


@pytest.mark.parametrize("make", [lambda: dk.layers.LSTM(U), lambda: dk.layers.GRU(U),
                                  lambda: dk.layers.SimpleRNN(U),
                                  lambda: dk.layers.RNN(dk.layers.LSTMCell(U))])
def test_bad_inputs_raise_clear_errors_and_corrupt_nothing(make):
    layer = make()
    x = rand(B, T, F)
    before = np.asarray(layer(x))
    weights = layer.get_weights()
    with pytest.raises(ValueError, match=rf"{layer.name}.*\(4, 6\)|\(4, 6\).*{layer.name}"):
        layer(rand(B, T))
    with pytest.raises(ValueError) as err:
        layer(x, mask=np.ones((B, T - 1), bool))
    assert layer.name in str(err.value) and "(4, 5)" in str(err.value) and \
        "(4, 6, 3)" in str(err.value)
    with pytest.raises(ValueError, match=layer.name):
        layer(x, mask=np.ones((B, T, 1), bool))
    np.testing.assert_array_equal(np.asarray(layer(x)), before)
    for a, b in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


def test_stateful_raises_and_unroll_is_accepted():
    with pytest.raises(ValueError, match="stateful=True is not supported by Duet"):
        dk.layers.LSTM(U, stateful=True)
    with pytest.raises(ValueError, match="stateful"):
        dk.layers.RNN(dk.layers.GRUCell(U), stateful=True)
    a, b = dk.layers.GRU(U, unroll=True), dk.layers.GRU(U)
    x = rand(B, T, F)
    a(x), b(x)
    b.set_weights(a.get_weights())
    np.testing.assert_allclose(np.asarray(a(x)), np.asarray(b(x)), rtol=1e-6)


def test_functional_initial_state_and_masks():
    """States as functional inputs (an encoder-decoder); masks flow from Masking."""
    enc_in = dk.layers.Input((T, F))
    masked = dk.layers.Masking(0.0)(enc_in)
    _, h, c = dk.layers.LSTM(U, return_state=True)(masked)
    dec_in = dk.layers.Input((4, F))
    dec = dk.layers.LSTM(U, return_sequences=True)(dec_in, initial_state=[h, c])
    out = dk.layers.TimeDistributed(dk.layers.Dense(2))(dec)
    model = dk.Model([enc_in, dec_in], out)
    assert out.shape == (None, 4, 2)
    x = rand(B, T, F)
    x[:, 4:] = 0
    y = np.asarray(model([x, rand(B, 4, F)]))
    assert y.shape == (B, 4, 2)
    # the masked tail changes nothing: same as running on the first 4 steps only
    encoder = next(layer for layer in model.layers if isinstance(layer, dk.layers.LSTM))
    full = encoder(dk.layers.Masking(0.0)(dk.ops.convert_to_tensor(x)))
    short = encoder(dk.ops.convert_to_tensor(x[:, :4]))
    for a, b in zip(full, short):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-7)


def _token_task(n, rng, vocab=20, max_len=12):
    """Variable-length token sequences (right-padded with 0); label 1 when token 1 occurs."""
    lens = rng.integers(3, max_len + 1, n)
    x = rng.integers(2, vocab, (n, max_len))
    y = rng.integers(0, 2, n)
    for i in np.flatnonzero(y):
        x[i, rng.integers(0, lens[i])] = 1
    x[np.arange(max_len)[None, :] >= lens[:, None]] = 0
    return x.astype(np.int32), y.astype(np.float32)[:, None]


def test_lstm_text_classifier_learns():
    """Embedding(mask_zero) -> LSTM -> Dense on a synthetic variable-length task: >= 0.9
    validation accuracy within a few seconds of fit."""
    dk.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    x, y = _token_task(768, rng)
    x_val, y_val = _token_task(256, rng)
    model = dk.Sequential([dk.layers.Input((None,), dtype="int32"),
                           dk.layers.Embedding(20, 16, mask_zero=True),
                           dk.layers.LSTM(16), dk.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=dk.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    elapsed = time.perf_counter() - start
    _, accuracy = model.evaluate(x_val, y_val, verbose=0)
    assert accuracy >= 0.9, accuracy
    assert elapsed < 30, elapsed
