"""A variable assigned twice in one traced train step (the optimizer update, then its
constraint) keeps the last value: fit with a weight constraint."""

from __future__ import annotations

import numpy as np

from frontends.tf_like import keras


def test_fit_applies_a_kernel_constraint_after_the_update():
    rng = np.random.default_rng(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_constraint="non_neg")])
    model.compile(optimizer=keras.optimizers.SGD(1.0), loss="mse")
    x = rng.random((16, 3)).astype("float32")
    y = -10 * rng.random((16, 2)).astype("float32")  # pushes the kernel negative
    model.fit(x, y, epochs=3, verbose=0)
    kernel = model.get_weights()[0]
    assert (kernel >= 0).all() and (kernel == 0).any()
