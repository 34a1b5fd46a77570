"""The issue's seed example, with only the import changed, against real Keras 3:

    model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation='relu'),
                                 tf.keras.layers.Dense(1, activation='sigmoid')])
    model.compile(loss='binary_crossentropy', optimizer='adam')
    model.fit(x_train, y_train, epochs=10)
    model.evaluate(x_test, y_test)
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import frontends.tf_like as tf

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")


def _data():
    rng = np.random.default_rng(2024)
    x = rng.normal(size=(500, 20)).astype("float32")
    w = rng.normal(size=20)
    y = (x @ w + 0.5 * rng.normal(size=500) > 0).astype("float32")
    return (x[:400], y[:400]), (x[400:], y[400:])


def _seed_model(lib):
    model = lib.Sequential([lib.layers.Dense(10, activation="relu"),
                            lib.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam")
    return model


def test_seed_example_matches_keras_history_weights_and_evaluation():
    (x_train, y_train), (x_test, y_test) = _data()
    theirs, ours = _seed_model(keras), _seed_model(tf.keras)
    theirs.build((None, 20))
    ours.build((None, 20))
    ours.set_weights(theirs.get_weights())
    h_theirs = theirs.fit(x_train, y_train, epochs=10, shuffle=False, verbose=0)
    h_ours = ours.fit(x_train, y_train, epochs=10, shuffle=False, verbose=0)
    assert list(h_ours.history) == ["loss"]
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=2e-5,
                               atol=1e-6)
    for a, b in zip(theirs.get_weights(), ours.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=2e-5)
    assert ours.evaluate(x_test, y_test, verbose=0) == pytest.approx(
        theirs.evaluate(x_test, y_test, verbose=0), rel=2e-5)


def test_seed_example_runs_verbatim_and_learns(capsys):
    (x_train, y_train), (x_test, y_test) = _data()
    model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="relu"),
                                 tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam")
    history = model.fit(x_train, y_train, epochs=10)
    loss = model.evaluate(x_test, y_test)
    out = capsys.readouterr().out
    assert "Epoch 10/10" in out and "13/13" in out and "step - loss:" in out
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert isinstance(loss, float) and loss < history.history["loss"][0]
