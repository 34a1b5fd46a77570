"""The tf_like/keras names the broader test files do not reach by name: Keras's layer aliases
(the same classes under a second name, as in real Keras), LossFunctionWrapper, CallbackList and
ProgbarLogger, tf.data's Iterator and Options."""

from __future__ import annotations

import os

import numpy as np
import pytest

import frontends.tf_like as tf
from frontends.tf_like import keras as dk

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

ALIASES = [("AvgPool1D", "AveragePooling1D"), ("AvgPool2D", "AveragePooling2D"),
           ("AvgPool3D", "AveragePooling3D"), ("MaxPool1D", "MaxPooling1D"),
           ("MaxPool2D", "MaxPooling2D"), ("MaxPool3D", "MaxPooling3D"),
           ("GlobalAvgPool1D", "GlobalAveragePooling1D"),
           ("GlobalAvgPool2D", "GlobalAveragePooling2D"),
           ("GlobalAvgPool3D", "GlobalAveragePooling3D"),
           ("GlobalMaxPool1D", "GlobalMaxPooling1D"), ("GlobalMaxPool2D", "GlobalMaxPooling2D"),
           ("GlobalMaxPool3D", "GlobalMaxPooling3D"), ("Convolution1D", "Conv1D"),
           ("Convolution2D", "Conv2D"), ("Convolution3D", "Conv3D"),
           ("Convolution1DTranspose", "Conv1DTranspose"),
           ("Convolution2DTranspose", "Conv2DTranspose"),
           ("Convolution3DTranspose", "Conv3DTranspose"),
           ("SeparableConvolution1D", "SeparableConv1D"),
           ("SeparableConvolution2D", "SeparableConv2D")]


@pytest.mark.parametrize("alias, canonical", ALIASES)
def test_layer_aliases_are_the_same_classes_as_in_keras(alias, canonical):
    assert getattr(keras.layers, alias) is getattr(keras.layers, canonical)
    assert getattr(dk.layers, alias) is getattr(dk.layers, canonical)


def test_loss_function_wrapper_matches_keras():
    def scaled_mse(y_true, y_pred, scale=1.0):
        return scale * (y_true - y_pred) ** 2

    y_true = np.array([[0.0, 1.0], [1.0, 2.0]], np.float32)
    y_pred = np.array([[0.5, 1.0], [0.0, 2.5]], np.float32)
    ours = dk.losses.LossFunctionWrapper(scaled_mse, name="s", scale=3.0)
    from keras.src.losses.losses import LossFunctionWrapper  # not re-exported by keras.losses
    theirs = LossFunctionWrapper(scaled_mse, name="s", scale=3.0)
    np.testing.assert_allclose(float(ours(y_true, y_pred)),
                               float(theirs(y_true, y_pred)), rtol=1e-6)


def test_callback_list_dispatches_to_each_callback_in_order():
    calls = []

    class Recorder(dk.callbacks.Callback):
        def __init__(self, tag):
            super().__init__()
            self.tag = tag

        def on_epoch_end(self, epoch, logs=None):
            calls.append((self.tag, epoch, sorted(logs or {})))

    callbacks = dk.callbacks.CallbackList([Recorder("a"), Recorder("b")])
    callbacks.on_epoch_end(0, {"loss": 1.0})
    assert calls == [("a", 0, ["loss"]), ("b", 0, ["loss"])]


@pytest.mark.parametrize("lib", [keras, dk], ids=["keras", "duet"])
def test_a_given_progbar_logger_replaces_the_default_one(lib, capsys):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    x, y = np.ones((8, 3), np.float32), np.zeros((8, 1), np.float32)
    model.fit(x, y, epochs=2, batch_size=4, verbose=2,
              callbacks=[lib.callbacks.ProgbarLogger()])
    out = capsys.readouterr().out
    assert out.count("Epoch 1/2") == 1 and out.count("Epoch 2/2") == 1 and "loss:" in out


def test_dataset_iterator_and_options():
    ds = tf.data.Dataset.from_tensor_slices(np.arange(4)).batch(2)
    it = iter(ds)
    assert isinstance(it, tf.data.Iterator)
    assert next(it).numpy().tolist() == [0, 1]
    options = tf.data.Options()
    options.deterministic = True
    assert [b.numpy().tolist() for b in ds.with_options(options)] == [[0, 1], [2, 3]]


@pytest.mark.parametrize("filename, weights_only", [("best.keras", False),
                                                    ("best.weights.h5", True)])
def test_model_checkpoint_writes_keras_formats_that_load_back(tmp_path, filename, weights_only):
    pytest.importorskip("h5py")
    model = dk.Sequential([dk.Input((3,)), dk.layers.Dense(2)])
    model.compile(loss="mse", optimizer="adam")
    x, y = np.ones((8, 3), np.float32), np.zeros((8, 2), np.float32)
    path = str(tmp_path / filename)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        dk.callbacks.ModelCheckpoint(path, monitor="loss", save_weights_only=weights_only)])
    if weights_only:
        restored = dk.Sequential([dk.Input((3,)), dk.layers.Dense(2)])
        restored.load_weights(path)
    else:
        restored = dk.models.load_model(path)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))
