"""Across frontends: a torch_like module inside a tf_like Keras model (TorchModuleWrapper) and a
Keras model as a torch_like module (KerasModuleWrapper), trained from either side and equal to
the same computation built in one frontend; weight copies between Keras and torch layers
(frontends.interop.weights), checked on duet's layers and on real Keras/PyTorch."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

import frontends.tf_like as tf
import frontends.torch_like as ttorch
from frontends.interop import weights as W
from frontends.tf_like import keras as dk

nn = ttorch.nn
TOL = {"rtol": 1e-5, "atol": 1e-6}  # float32; both sides run the same IR ops


def data(n=32, d=4, out=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x, np.tanh(x[:, :out]).astype(np.float32)


def torch_mlp():
    ttorch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))


def keras_mlp_like(module):
    """The same MLP in Keras, weights copied from the torch module."""
    model = dk.Sequential([dk.Input((4,)), dk.layers.Dense(8, activation="tanh"),
                           dk.layers.Dense(2)])
    W.torch_to_keras(module[0], model.layers[0])
    W.torch_to_keras(module[2], model.layers[1])
    return model


# -- TorchModuleWrapper ----------------------------------------------------------------------------
def test_torch_module_wrapper_weights_are_the_module_parameters():
    module = torch_mlp()
    layer = dk.layers.TorchModuleWrapper(module)
    assert [w.name for w in layer.trainable_weights] == list(module.state_dict())
    with ttorch.no_grad():
        module[0].bias.fill_(0.5)
    np.testing.assert_array_equal(layer.trainable_weights[1].numpy(), np.full(8, 0.5))
    layer.trainable_weights[3].assign(np.ones(2, np.float32))
    np.testing.assert_array_equal(module[2].bias.detach().numpy(), np.ones(2))


def test_torch_module_inside_keras_model_trains_with_fit_like_pure_keras():
    module = torch_mlp()
    reference = keras_mlp_like(module)
    inp = dk.Input((4,))
    mixed = dk.Model(inp, dk.layers.TorchModuleWrapper(module)(inp))
    x, y = data()
    np.testing.assert_allclose(mixed.predict(x, verbose=0), reference.predict(x, verbose=0), **TOL)
    histories = []
    for model in (mixed, reference):
        model.compile(dk.optimizers.SGD(0.1), "mse")
        histories.append(model.fit(x, y, batch_size=8, epochs=3, shuffle=False,
                                   verbose=0).history["loss"])
    np.testing.assert_allclose(histories[0], histories[1], **TOL)
    assert histories[0][-1] < histories[0][0]
    # fit updated the torch module's own parameters
    np.testing.assert_allclose(module[0].weight.detach().numpy(),
                               reference.layers[0].kernel.numpy().T, **TOL)


def test_torch_module_wrapper_gradient_tape_matches_pure_keras():
    module = torch_mlp()
    reference = keras_mlp_like(module)
    layer = dk.layers.TorchModuleWrapper(module)
    x, y = data(8)
    grads = []
    for fn, weights in ((layer, layer.trainable_weights), (reference, reference.trainable_weights)):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((fn(x) - y) ** 2)
        grads.append([np.asarray(g) for g in tape.gradient(loss, weights)])
    np.testing.assert_allclose(grads[0][0], grads[1][0].T, **TOL)  # (out, in) vs (in, out)
    np.testing.assert_allclose(grads[0][3], grads[1][3], **TOL)


def test_torch_module_wrapper_sets_train_mode_from_training():
    module = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.9))
    layer = dk.layers.TorchModuleWrapper(module)
    x = np.ones((64, 4), np.float32)
    np.testing.assert_allclose(np.asarray(layer(x, training=False)),
                               module.eval()(ttorch.tensor(x)).detach().numpy(), **TOL)
    assert (np.asarray(layer(x, training=True)) == 0).mean() > 0.5
    assert not module.training  # restored


def test_torch_module_wrapper_config_round_trip():
    module = torch_mlp()
    layer = dk.layers.TorchModuleWrapper(module, name="wrapped")
    clone = dk.layers.TorchModuleWrapper.from_config(layer.get_config())
    x, _ = data(3)
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(layer(x)), **TOL)
    assert clone.name == "wrapped"


def test_keras_model_with_torch_module_exports_to_onnx():
    ort = pytest.importorskip("onnxruntime")
    from frontends.tf_like import onnx as tf2onnx

    inp = dk.Input((4,))
    model = dk.Model(inp, dk.layers.Dense(3)(dk.layers.TorchModuleWrapper(torch_mlp())(inp)))
    proto, _ = tf2onnx.from_keras(model)
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    for n in (1, 5):
        x, _ = data(n)
        (got,) = session.run(None, {session.get_inputs()[0].name: x})
        np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-4, atol=1e-5)


# -- KerasModuleWrapper ----------------------------------------------------------------------------
def keras_mlp():
    dk.utils.set_random_seed(0)
    return dk.Sequential([dk.Input((4,)), dk.layers.Dense(8, activation="tanh"),
                          dk.layers.Dense(2)])


def test_keras_model_as_torch_module_trains_like_pure_torch():
    kmodel = keras_mlp()
    wrapped = nn.KerasModuleWrapper(kmodel)
    reference = torch_mlp()
    W.keras_to_torch(kmodel.layers[0], reference[0])
    W.keras_to_torch(kmodel.layers[1], reference[2])
    assert [tuple(p.shape) for p in wrapped.parameters()] == [(4, 8), (8,), (8, 2), (2,)]
    x, y = (ttorch.tensor(a) for a in data())
    losses = []
    for module in (wrapped, reference):
        opt = ttorch.optim.SGD(module.parameters(), lr=0.1, momentum=0.9)
        run = []
        for _ in range(5):
            opt.zero_grad()
            loss = ((module(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            run.append(float(loss))
        losses.append(run)
    np.testing.assert_allclose(losses[0], losses[1], **TOL)
    assert losses[0][-1] < losses[0][0]
    # the torch optimizer trained the Keras model itself
    np.testing.assert_allclose(kmodel.layers[0].kernel.numpy(),
                               reference[0].weight.detach().numpy().T, **TOL)


def test_keras_module_wrapper_state_dict_and_batchnorm_statistics():
    kmodel = dk.Sequential([dk.Input((4,)), dk.layers.Dense(3), dk.layers.BatchNormalization()])
    wrapped = nn.KerasModuleWrapper(kmodel)
    keys = list(wrapped.state_dict())
    assert keys[0].endswith("dense.kernel") or keys[0].endswith(".kernel")
    assert any(k.endswith("moving_mean") for k in keys)
    assert {n for n, _ in wrapped.named_buffers()} == {k for k in keys if "moving" in k}
    x = ttorch.tensor(data()[0] * 3 + 1)
    wrapped.train()
    wrapped(x)  # training mode writes the moving statistics back into the Keras variables
    assert np.abs(kmodel.layers[1].moving_mean.numpy()).max() > 0
    wrapped.eval()
    np.testing.assert_allclose(wrapped(x).detach().numpy(),
                               np.asarray(kmodel(x.numpy(), training=False)), **TOL)


# -- weight copies ---------------------------------------------------------------------------------
def test_dense_and_conv_copies_both_ways():
    dense = dk.layers.Dense(3)
    dense(np.zeros((1, 4), np.float32))
    linear = nn.Linear(4, 3)
    W.keras_to_torch(dense, linear)
    x, _ = data(5)
    np.testing.assert_allclose(linear(ttorch.tensor(x)).detach().numpy(), np.asarray(dense(x)),
                               **TOL)
    conv, tconv = dk.layers.Conv2D(4, 3, strides=2), nn.Conv2d(2, 4, 3, stride=2)
    conv(np.zeros((1, 7, 7, 2), np.float32))
    W.torch_to_keras(tconv, conv)
    xi = np.random.default_rng(3).standard_normal((2, 7, 7, 2)).astype(np.float32)
    got = tconv(ttorch.tensor(xi.transpose(0, 3, 1, 2))).detach().numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(got, np.asarray(conv(xi)), **TOL)
    with pytest.raises(ValueError, match="bias"):
        W.keras_to_torch(dense, nn.Linear(4, 3, bias=False))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_recurrent_copies_both_ways(kind):
    x = np.random.default_rng(4).standard_normal((2, 5, 3)).astype(np.float32)
    layer = getattr(dk.layers, kind)(4, return_sequences=True)
    layer(x)
    module = getattr(nn, kind)(3, 4, batch_first=True)
    W.keras_to_torch(layer, module)
    np.testing.assert_allclose(module(ttorch.tensor(x))[0].detach().numpy(),
                               np.asarray(layer(x)), rtol=1e-5, atol=1e-5)
    W.torch_to_keras(getattr(nn, kind)(3, 4, batch_first=True), layer)
    assert not np.allclose(module(ttorch.tensor(x))[0].detach().numpy(), np.asarray(layer(x)))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_recurrent_array_conversions_on_real_keras_and_pytorch(kind):
    torch = pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(5).standard_normal((2, 5, 3)).astype(np.float32)
    klayer = getattr(keras.layers, kind)(4, return_sequences=True)
    want = np.asarray(klayer(x).detach().cpu())
    to_torch = W.lstm_to_torch if kind == "LSTM" else W.gru_to_torch
    tlayer = getattr(torch.nn, kind)(3, 4, batch_first=True)
    tlayer.load_state_dict({k: torch.tensor(v) for k, v in
                            to_torch(*[np.asarray(w) for w in klayer.get_weights()]).items()})
    np.testing.assert_allclose(tlayer(torch.tensor(x))[0].detach().numpy(), want, rtol=1e-5,
                               atol=1e-5)
    to_keras = W.lstm_to_keras if kind == "LSTM" else W.gru_to_keras
    sd = {k: v.numpy() for k, v in tlayer.state_dict().items()}
    klayer.set_weights(to_keras(sd["weight_ih_l0"], sd["weight_hh_l0"], sd["bias_ih_l0"],
                                sd["bias_hh_l0"]))
    np.testing.assert_allclose(np.asarray(klayer(x).detach().cpu()), want, rtol=1e-5, atol=1e-5)


def test_gru_without_reset_after_has_no_torch_form():
    with pytest.raises(ValueError, match="reset_after=False"):
        W.gru_to_torch(np.zeros((3, 12)), np.zeros((4, 12)), np.zeros(12), reset_after=False)


def test_keras_fit_updates_the_wrapping_torch_module():
    kmodel = keras_mlp()
    wrapped = nn.KerasModuleWrapper(kmodel)
    key = next(k for k in wrapped.state_dict() if k.endswith("kernel"))
    before = wrapped.state_dict()[key].numpy().copy()
    kmodel.compile(dk.optimizers.SGD(0.1), "mse")
    x, y = data()
    kmodel.fit(x, y, epochs=2, verbose=0)
    after = wrapped.state_dict()[key].numpy()
    assert not np.allclose(before, after)
    np.testing.assert_array_equal(after, kmodel.layers[0].kernel.numpy())
    np.testing.assert_allclose(wrapped(ttorch.tensor(x)).detach().numpy(),
                               kmodel.predict(x, verbose=0), **TOL)
