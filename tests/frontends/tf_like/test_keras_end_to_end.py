"""End to end: Keras's MNIST convnet example (Conv2D 32 3x3 relu, MaxPooling2D, Conv2D 64 3x3
relu, MaxPooling2D, Flatten, Dropout(0.5), Dense softmax; categorical crossentropy, adam,
validation_split=0.1) trains on a small synthetic, learnable 28x28 digit-like dataset to at
least 85% test accuracy in a few seconds."""

from __future__ import annotations

import numpy as np
import pytest

from frontends.tf_like import keras
from frontends.tf_like.keras import layers

TEST_ACCURACY = 0.85  # the stated target (the run below reaches about 0.9)


def synthetic_digits(n, seed):
    """Class c is a bright 6x6 patch at one of ten fixed places of a noisy 28x28 image."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    x = rng.normal(0, 0.3, (n, 28, 28, 1)).astype("float32")
    spots = [(r, c) for r in (2, 11, 20) for c in (2, 11, 20)] + [(6, 15)]
    for i, c in enumerate(y):
        r0, c0 = spots[c]
        x[i, r0:r0 + 6, c0:c0 + 6, 0] += 1.0
    return x, keras.utils.to_categorical(y, 10)


def mnist_convnet(num_classes=10, input_shape=(28, 28, 1)):
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ])


def test_mnist_convnet_trains_to_the_stated_accuracy():
    x_train, y_train = synthetic_digits(512, seed=0)
    x_test, y_test = synthetic_digits(200, seed=1)
    keras.utils.set_random_seed(0)
    model = mnist_convnet()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=64, epochs=3, validation_split=0.1,
                        verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= TEST_ACCURACY
    predicted = model.predict(x_test, verbose=0)
    np.testing.assert_allclose(predicted.sum(axis=1), 1.0, rtol=1e-5)
    assert np.mean(predicted.argmax(1) == y_test.argmax(1)) == pytest.approx(accuracy)
    assert model.count_params() == 34826  # Keras's summary of this model (28x28 input)
