"""Bidirectional (every merge_mode), keras.layers.RNN over cells and lists of cells, and
TimeDistributed on sequences, against real Keras 3 (torch backend)."""

from __future__ import annotations

import numpy as np
import pytest

from frontends.tf_like import keras as dk

from ._keras_rnn_pairs import compare, masks, rand, real_keras

B, T, F, U = 4, 6, 3, 5


@pytest.mark.parametrize("layer", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("mask_kind", ["none", "arbitrary"])
def test_bidirectional_matches_keras(layer, merge_mode, return_sequences, mask_kind):
    keras = real_keras()
    ours = dk.layers.Bidirectional(getattr(dk.layers, layer)(U, return_sequences=return_sequences),
                                   merge_mode=merge_mode)
    theirs = keras.layers.Bidirectional(
        getattr(keras.layers, layer)(U, return_sequences=return_sequences), merge_mode=merge_mode)
    compare(ours, theirs, rand(B, T, F), mask=masks(B, T, mask_kind))


@pytest.mark.parametrize("merge_mode", ["concat", None])
def test_bidirectional_return_state_and_initial_state(merge_mode):
    keras = real_keras()
    ours = dk.layers.Bidirectional(dk.layers.LSTM(U, return_sequences=True, return_state=True),
                                   merge_mode=merge_mode)
    theirs = keras.layers.Bidirectional(
        keras.layers.LSTM(U, return_sequences=True, return_state=True), merge_mode=merge_mode)
    init = [rand(B, U, seed=i) for i in range(4)]
    out = compare(ours, theirs, rand(B, T, F), mask=masks(B, T, "right"), initial_state=init)
    assert len(out) == (6 if merge_mode is None else 5)


def test_bidirectional_backward_layer_weights_and_config():
    keras = real_keras()
    fwd = dk.layers.GRU(U, return_sequences=True)
    bwd = dk.layers.GRU(U, return_sequences=True, go_backwards=True, reset_after=False)
    ours = dk.layers.Bidirectional(fwd, backward_layer=bwd, merge_mode="sum")
    theirs = keras.layers.Bidirectional(
        keras.layers.GRU(U, return_sequences=True), merge_mode="sum",
        backward_layer=keras.layers.GRU(U, return_sequences=True, go_backwards=True,
                                        reset_after=False))
    compare(ours, theirs, rand(B, T, F), mask=masks(B, T, "arbitrary"))
    assert ours.forward_layer.name.startswith("forward_gru")
    assert [w.path.split("/", 1)[1] for w in ours.weights][:3] == [
        f"{ours.forward_layer.name}/gru_cell/{n}" for n in ("kernel", "recurrent_kernel", "bias")]
    clone = dk.layers.Bidirectional.from_config(ours.get_config())
    assert clone.backward_layer.go_backwards and clone.backward_layer.reset_after is False
    with pytest.raises(ValueError, match="go_backwards"):
        dk.layers.Bidirectional(fwd, backward_layer=dk.layers.GRU(U, return_sequences=True))
    with pytest.raises(ValueError, match="Invalid merge mode"):
        dk.layers.Bidirectional(fwd, merge_mode="max")


@pytest.mark.parametrize("cells", [["LSTMCell"], ["GRUCell"], ["SimpleRNNCell"],
                                   ["LSTMCell", "GRUCell"], ["GRUCell", "SimpleRNNCell",
                                                             "LSTMCell"]])
@pytest.mark.parametrize("return_state", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("mask_kind", ["none", "arbitrary"])
def test_rnn_over_cells_matches_keras(cells, return_state, go_backwards, mask_kind):
    keras = real_keras()

    def make(lib):
        built = [getattr(lib.layers, c)(U + i) for i, c in enumerate(cells)]
        return lib.layers.RNN(built if len(built) > 1 else built[0], return_sequences=True,
                              return_state=return_state, go_backwards=go_backwards)

    compare(make(dk), make(keras), rand(B, T, F), mask=masks(B, T, mask_kind))


def test_rnn_over_custom_cell_steps_like_keras():
    """A user-defined cell (not a built-in) runs step by step; the same cell in Keras."""
    keras = real_keras()

    def cell_class(lib):
        class MinimalCell(lib.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = self.state_size = units

            def build(self, input_shape):
                self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
                self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                        name="recurrent_kernel")

            def call(self, inputs, states):
                h = lib.ops.matmul(inputs, self.kernel)
                out = lib.ops.tanh(h + lib.ops.matmul(states[0], self.recurrent_kernel))
                return out, [out]
        return MinimalCell

    ours = dk.layers.RNN(cell_class(dk)(U), return_sequences=True, return_state=True)
    theirs = keras.layers.RNN(cell_class(keras)(U), return_sequences=True, return_state=True)
    compare(ours, theirs, rand(B, T, F), mask=masks(B, T, "arbitrary"),
            initial_state=[rand(B, U, seed=3)])


@pytest.mark.parametrize("mask_kind", ["none", "arbitrary"])
def test_time_distributed_dense_on_sequences(mask_kind):
    keras = real_keras()
    ours = dk.layers.TimeDistributed(dk.layers.Dense(4, activation="tanh"))
    theirs = keras.layers.TimeDistributed(keras.layers.Dense(4, activation="tanh"))
    compare(ours, theirs, rand(B, T, F), mask=masks(B, T, mask_kind))


def test_time_distributed_after_lstm_in_a_model_fits_like_keras():
    """Embedding(mask_zero) -> LSTM(return_sequences) -> TimeDistributed(Dense): a sequence
    tagger; the mask reaches the loss (masked steps do not count) in both."""
    keras = real_keras()
    rng = np.random.default_rng(0)
    x = rng.integers(1, 9, (12, T)).astype(np.int32)
    x[np.arange(T)[None, :] >= rng.integers(2, T + 1, (12, 1))] = 0
    y = (x % 3).astype(np.int32)

    def model(lib):
        layers = lib.layers
        return lib.Sequential([layers.Input((T,), dtype="int32"),
                               layers.Embedding(9, 4, mask_zero=True),
                               layers.LSTM(U, return_sequences=True),
                               layers.TimeDistributed(layers.Dense(3))])

    ours, theirs = model(dk), model(keras)
    ours.set_weights(theirs.get_weights())
    for m, lib in ((ours, dk), (theirs, keras)):
        m.compile(optimizer=lib.optimizers.SGD(0.5),
                  loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True))
    h_ours = ours.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)


def test_time_distributed_lstm_on_sequences_of_sequences():
    keras = real_keras()
    ours = dk.layers.TimeDistributed(dk.layers.LSTM(U, return_sequences=True))
    theirs = keras.layers.TimeDistributed(keras.layers.LSTM(U, return_sequences=True))
    compare(ours, theirs, rand(B, 3, T, F))
