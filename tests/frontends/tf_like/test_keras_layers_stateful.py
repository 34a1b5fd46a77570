"""Layers with state or randomness: BatchNormalization's moving statistics, trainable=False,
Normalization.adapt, Dropout family statistics, and the numpy references for cases Keras's
torch backend computes differently ('same' average pooling with asymmetric padding,
LayerNormalization over a non-trailing axis)."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.tf_like as tf
from frontends.tf_like import keras as dk
from frontends.tf_like.keras import layers as L
from frontends.tf_like.keras import ops

from ._keras_layers_diff import rand, real_keras


def test_batchnorm_moving_statistics_match_keras():
    keras = real_keras()
    torch = pytest.importorskip("torch")
    x = rand(8, 5, 5, 3) * 2 + 1
    theirs = keras.layers.BatchNormalization(momentum=0.9)
    ours = L.BatchNormalization(momentum=0.9)
    theirs(torch.tensor(x), training=False)
    ours(x, training=False)
    ours.set_weights(theirs.get_weights())
    for _ in range(3):
        y_t = theirs(torch.tensor(x), training=True)
        y_o = ours(x, training=True)
    np.testing.assert_allclose(np.asarray(y_o), y_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    want_mean = x.mean(axis=(0, 1, 2)) * (1 - 0.9 ** 3)
    np.testing.assert_allclose(ours.moving_mean.numpy(), want_mean, rtol=1e-5)


def test_batchnorm_frozen_runs_in_inference_mode():
    x = rand(6, 4) * 3 + 2
    bn = L.BatchNormalization()
    bn(x)
    bn.trainable = False
    y = bn(x, training=True)
    np.testing.assert_allclose(np.asarray(y), x / np.sqrt(1 + 1e-3), rtol=1e-5)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), np.zeros(4))


def test_batchnorm_update_inside_gradient_tape_and_mask():
    x = rand(4, 6, 3)
    mask = np.array([[1, 1, 1, 0, 0, 0]] * 4, bool)
    bn = L.BatchNormalization(momentum=0.0)
    bn(x, training=True, mask=tf.constant(mask))
    np.testing.assert_allclose(bn.moving_mean.numpy(), x[:, :3].reshape(-1, 3).mean(0),
                               rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), x[:, :3].reshape(-1, 3).var(0),
                               rtol=1e-5)


def test_normalization_adapt_matches_keras():
    keras = real_keras()
    data = rand(50, 4) * 3 + 2
    theirs, ours = keras.layers.Normalization(), L.Normalization()
    theirs.adapt(data)
    ours.adapt(data)
    for a, b in zip(ours.get_weights()[:2], theirs.get_weights()[:2]):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    x = rand(3, 4, seed=9)
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-5)
    batches = [data[:20], data[20:]]
    ours2 = L.Normalization(axis=None)
    ours2.adapt(batches)
    np.testing.assert_allclose(np.asarray(ours2.adapt_mean), data.mean(), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(ours2.adapt_variance), data.var(), rtol=1e-4)
    inv = L.Normalization(mean=2.0, variance=4.0, invert=True)
    np.testing.assert_allclose(np.asarray(inv(np.zeros((1, 2), np.float32))), [[2.0, 2.0]])


def test_dropout_statistics_and_scaling():
    x = np.ones((200, 500), np.float32)
    y = np.asarray(L.Dropout(0.3)(x, training=True))
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / 0.7], rtol=1e-6)
    assert abs((y == 0).mean() - 0.3) < 0.01
    np.testing.assert_array_equal(np.asarray(L.Dropout(0.3)(x)), x)


def test_dropout_gradient_follows_the_mask():
    x = tf.constant(np.ones((50, 40), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = L.Dropout(0.5)(x, training=True)
        loss = ops.sum(y)
    g = np.asarray(tape.gradient(loss, x))
    np.testing.assert_allclose(g, np.asarray(y))


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((20, 4, 5, 30), np.float32)
    y = np.asarray(L.SpatialDropout2D(0.5)(x, training=True))
    per_channel = y.reshape(20, 20, 30)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))
    y1 = np.asarray(L.SpatialDropout1D(0.5)(np.ones((20, 7, 30), np.float32), training=True))
    assert np.all(y1.min(axis=1) == y1.max(axis=1))
    noise = np.asarray(L.Dropout(0.5, noise_shape=(None, 1, 30))(
        np.ones((20, 7, 30), np.float32), training=True))
    assert np.all(noise.min(axis=1) == noise.max(axis=1))


def test_gaussian_layers_statistics():
    x = np.ones((400, 500), np.float32)
    noisy = np.asarray(L.GaussianNoise(0.5)(x, training=True)) - 1
    assert abs(noisy.std() - 0.5) < 0.01 and abs(noisy.mean()) < 0.01
    mult = np.asarray(L.GaussianDropout(0.2)(x, training=True))
    assert abs(mult.std() - np.sqrt(0.2 / 0.8)) < 0.01 and abs(mult.mean() - 1) < 0.01
    np.testing.assert_array_equal(np.asarray(L.GaussianNoise(0.5)(x)), x)


def _avg_pool_reference(x, k, s):
    """TF 'same' average pooling: windows clipped to the input, divided by their size."""
    n, h, w, c = x.shape
    oh, ow = -(-h // s), -(-w // s)
    ph, pw = max((oh - 1) * s + k - h, 0), max((ow - 1) * s + k - w, 0)
    top, left = ph // 2, pw // 2
    out = np.zeros((n, oh, ow, c), np.float32)
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * s - top, j * s - left
            win = x[:, max(r0, 0):min(r0 + k, h), max(c0, 0):min(c0 + k, w)]
            out[:, i, j] = win.mean(axis=(1, 2))
    return out


@pytest.mark.parametrize("k,s", [(4, 1), (2, 3), (3, 2)])
def test_average_pooling_same_excludes_padding(k, s):
    x = rand(2, 7, 6, 3)
    y = L.AveragePooling2D(k, s, padding="same")(x)
    np.testing.assert_allclose(np.asarray(y), _avg_pool_reference(x, k, s), rtol=1e-5)


def test_layer_normalization_over_a_middle_axis():
    x = rand(3, 7, 5)
    layer = L.LayerNormalization(axis=1, scale=True)
    y = np.asarray(layer(x))
    mean, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    assert layer.gamma.shape == (7,)


def test_group_normalization_channels_first():
    x = rand(2, 6, 4, 5)
    y = np.asarray(L.GroupNormalization(groups=3, axis=1)(x))
    g = x.reshape(2, 3, 2, 4, 5)
    want = (g - g.mean(axis=(2, 3, 4), keepdims=True)) / np.sqrt(
        g.var(axis=(2, 3, 4), keepdims=True) + 1e-3)
    np.testing.assert_allclose(y, want.reshape(x.shape), rtol=1e-4, atol=1e-5)


def test_lambda_layer_with_arguments_and_mask():
    layer = L.Lambda(lambda x, k: ops.multiply(x, k), arguments={"k": 3.0})
    np.testing.assert_allclose(np.asarray(layer(np.ones((1, 2), np.float32))), [[3.0, 3.0]])
    inp = L.Input((3,))
    out = L.Lambda(lambda x: ops.square(x))(inp)
    assert out.shape == (None, 3)


def test_embedding_weights_argument_and_errors():
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    layer = L.Embedding(4, 3, weights=[table])
    np.testing.assert_array_equal(np.asarray(layer(np.array([[3, 0]]))), table[[[3, 0]]])
    with pytest.raises(ValueError, match="`input_dim` must be a positive integer"):
        L.Embedding(0, 3)


def test_alpha_dropout_keeps_selu_statistics():
    x = np.random.default_rng(0).standard_normal((400, 500)).astype(np.float32)
    y = np.asarray(L.AlphaDropout(0.2)(x, training=True))
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    np.testing.assert_array_equal(np.asarray(L.AlphaDropout(0.2)(x)), x)


def test_einsum_dense_shapes_and_errors():
    layer = L.EinsumDense("abc,cd->abd", output_shape=(None, 8), bias_axes="d")
    y = layer(rand(2, 5, 3))
    assert y.shape == (2, 5, 8)
    assert [tuple(w.shape) for w in layer.weights] == [(3, 8), (8,)]
    with pytest.raises(ValueError, match="Invalid einsum equation"):
        L.EinsumDense("ab->b", output_shape=2)(rand(2, 3))
    with pytest.raises(ValueError, match="Bias dimension 'z' was requested"):
        L.EinsumDense("ab,bc->ac", output_shape=2, bias_axes="z")(rand(2, 3))


def test_time_distributed_in_a_functional_model():
    inp = L.Input((7, 5))
    out = L.TimeDistributed(L.Dense(3))(inp)
    assert out.shape == (None, 7, 3)
    model = dk.Model(inp, out)
    assert np.asarray(model(rand(2, 7, 5))).shape == (2, 7, 3)
