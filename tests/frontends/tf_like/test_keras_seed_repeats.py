"""keras.utils.set_random_seed makes a fit with Dropout repeat exactly (the engine's generator,
which the traced dropout draws from, is seeded too)."""

from __future__ import annotations

import numpy as np

from frontends.tf_like import keras


def _history(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dropout(0.5), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.arange(32, dtype="float32").reshape(8, 4) / 32
    return model.fit(x, np.ones((8, 1), "float32"), epochs=3, verbose=0).history["loss"]


def test_identical_runs_give_identical_numbers():
    assert _history(3) == _history(3)
    assert _history(3) != _history(4)
