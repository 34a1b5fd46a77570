"""Helpers for the Keras training tests: the same small model in real Keras and in tf_like with
the same weights (copied with set_weights), and small learnable datasets."""

from __future__ import annotations

import numpy as np

from frontends.tf_like import keras as dk

HISTORY_RTOL, HISTORY_ATOL = 2e-5, 2e-6  # float32, accumulated over a few epochs
WEIGHT_ATOL = 2e-5


def binary_data(n=200, features=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, features)).astype("float32")
    y = (x[:, : features // 2].sum(1) > x[:, features // 2:].sum(1)).astype("float32")
    return x, y


def classes_data(n=150, features=6, classes=3, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = np.argmax(x[:, :classes] + 0.3 * rng.normal(size=(n, classes)), axis=1)
    return x, y


def mlp_pair(keras, inputs=8, hidden=10, outputs=1, activation="sigmoid"):
    """Sequential([Dense(hidden, relu), Dense(outputs, activation)]) in Keras and in tf_like,
    built for `inputs` features, with Keras's initial weights copied into ours."""
    theirs = keras.Sequential([keras.layers.Dense(hidden, activation="relu"),
                               keras.layers.Dense(outputs, activation=activation)])
    ours = dk.Sequential([dk.layers.Dense(hidden, activation="relu"),
                          dk.layers.Dense(outputs, activation=activation)])
    theirs.build((None, inputs))
    ours.build((None, inputs))
    ours.set_weights(theirs.get_weights())
    return theirs, ours


def assert_history_close(theirs, ours, rtol=HISTORY_RTOL, atol=HISTORY_ATOL):
    assert sorted(ours.history) == sorted(theirs.history)
    for key in theirs.history:
        np.testing.assert_allclose(ours.history[key], theirs.history[key], rtol=rtol, atol=atol,
                                   err_msg=key)


def assert_weights_close(theirs_model, ours_model, atol=WEIGHT_ATOL):
    for a, b in zip(theirs_model.get_weights(), ours_model.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=atol)
