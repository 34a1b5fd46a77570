"""SimpleRNN, LSTM and GRU against real Keras 3 (torch backend): outputs, states and gradients
for every combination of return_sequences, return_state, go_backwards, masks (none,
right-padded, arbitrary with fully masked rows) and initial_state; GRU both reset_after ways;
the per-step loop (activations the fused ops lack); weights after fit."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from frontends.tf_like import keras as dk

from ._keras_rnn_pairs import compare, masks, rand, real_keras

B, T, F, U = 4, 6, 3, 5

KINDS = {
    "simple_rnn": ("SimpleRNN", {}, 1),
    "lstm": ("LSTM", {}, 2),
    "gru": ("GRU", {}, 1),
    "gru_reset_before": ("GRU", {"reset_after": False}, 1),
}


def _pair(kind, **kwargs):
    keras = real_keras()
    cls, extra, n_states = KINDS[kind]
    args = {**extra, **kwargs}
    return getattr(dk.layers, cls)(U, **args), getattr(keras.layers, cls)(U, **args), n_states


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("return_sequences,return_state",
                         list(itertools.product([False, True], [False, True])))
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("mask_kind", ["none", "right", "arbitrary"])
@pytest.mark.parametrize("with_state", [False, True])
def test_layer_matches_keras(kind, return_sequences, return_state, go_backwards, mask_kind,
                             with_state):
    ours, theirs, n_states = _pair(kind, return_sequences=return_sequences,
                                   return_state=return_state, go_backwards=go_backwards)
    init = [rand(B, U, seed=10 + i) for i in range(n_states)] if with_state else None
    compare(ours, theirs, rand(B, T, F), mask=masks(B, T, mask_kind), initial_state=init)


@pytest.mark.parametrize("kind", list(KINDS))
def test_nondefault_arguments_match_keras(kind):
    """relu activation, no bias, unit_forget_bias off, non-zero biases (set via weights)."""
    extra = {"activation": "relu", "use_bias": False}
    if kind == "lstm":
        extra = {"recurrent_activation": "tanh", "unit_forget_bias": False}
    ours, theirs, _ = _pair(kind, return_sequences=True, **extra)
    compare(ours, theirs, rand(B, T, F, seed=3), mask=masks(B, T, "arbitrary", seed=4))


@pytest.mark.parametrize("kind", ["simple_rnn", "lstm", "gru"])
@pytest.mark.parametrize("mask_kind", ["none", "arbitrary"])
def test_step_loop_path_matches_keras(kind, mask_kind):
    """An activation the fused ops lack (selu) runs the per-step loop: same results."""
    ours, theirs, _ = _pair(kind, activation="selu", return_sequences=True, return_state=True,
                            go_backwards=True)
    compare(ours, theirs, rand(B, T, F, seed=5), mask=masks(B, T, mask_kind, seed=6))


def test_loop_and_fused_paths_agree():
    layer = dk.layers.LSTM(U, return_sequences=True)
    x, m = rand(B, T, F), masks(B, T, "arbitrary")
    fused = np.asarray(layer(x, mask=m))
    cell = layer.cell
    from frontends.tf_like.keras.layers.rnn import _execution
    looped, _ = _execution.run_loop(layer._step_fn(False), dk.ops.convert_to_tensor(x),
                                    cell.get_initial_state(B), dk.ops.convert_to_tensor(m),
                                    layer.name)
    np.testing.assert_allclose(fused, np.asarray(looped), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", list(KINDS))
def test_zero_output_for_mask_matches_keras(kind):
    ours, theirs, _ = _pair(kind, return_sequences=True, zero_output_for_mask=True)
    compare(ours, theirs, rand(B, T, F, seed=7), mask=masks(B, T, "arbitrary", seed=8))


@pytest.mark.parametrize("kind", ["lstm", "gru", "gru_reset_before", "simple_rnn",
                                  "bidirectional_gru"])
@pytest.mark.parametrize("masked", [False, True])
def test_fit_matches_keras(kind, masked):
    """Embedding(mask_zero) (or plain inputs) -> recurrent layer -> Dense, a few Adam steps:
    the same history and the same weights after."""
    keras = real_keras()
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, (16, 1)).astype(np.float32)
    cls, extra, _ = KINDS[kind.replace("bidirectional_", "")]

    def model(lib):
        layers = lib.layers
        rec = getattr(layers, cls)(U, **extra)
        if kind.startswith("bidirectional"):
            rec = layers.Bidirectional(rec, merge_mode="ave")
        if masked:
            return lib.Sequential([layers.Input((T,), dtype="int32"),
                                   layers.Embedding(7, 4, mask_zero=True), rec,
                                   layers.Dense(1, activation="sigmoid")])
        return lib.Sequential([layers.Input((T, F)), rec, layers.Dense(1, activation="sigmoid")])

    if masked:
        x = rng.integers(1, 7, (16, T)).astype(np.int32)
        x[np.arange(T)[None, :] >= rng.integers(1, T + 1, (16, 1))] = 0
        x[3, :] = 0  # a fully masked row too
    else:
        x = rng.standard_normal((16, T, F)).astype(np.float32)
    keras.utils.set_random_seed(0)  # a fixed starting point, so runs repeat
    ours, theirs = model(dk), model(keras)
    ours.set_weights(theirs.get_weights())
    for m, lib in ((ours, dk), (theirs, keras)):
        m.compile(optimizer=lib.optimizers.Adam(0.01), loss="binary_crossentropy")
    h_ours = ours.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
