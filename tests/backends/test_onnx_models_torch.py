"""Models exported by REAL PyTorch (torch.onnx.export, TorchScript exporter: dynamo=False since
onnxscript is not installed) import into duet and match PyTorch at three batch sizes; imported
models fine-tune in torch_like and in tf_like (loss goes down; a gradient matches central finite
differences in float64)."""

from __future__ import annotations

import io
import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

import frontends.torch_like as ttorch
from backends.onnx import import_model, run_model
from frontends.tf_like import keras as dk
from frontends.tf_like import onnx as tf2onnx

torch = pytest.importorskip("torch")
nn = torch.nn
RTOL, ATOL = 1e-5, 1e-5  # float32, different summation orders


class View(nn.Module):
    def forward(self, x):
        return x.reshape(-1, 8, 2, 2)


class EncoderBlock(nn.Module):
    """A Transformer encoder block from Linear/LayerNorm/softmax matmuls (torch's
    nn.TransformerEncoderLayer does not go through its TorchScript exporter in 2.13)."""

    def __init__(self, d=8, ff=16):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff1, self.ff2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.scale = 1.0 / d ** 0.5

    def forward(self, x):
        scores = torch.softmax(self.q(x) @ self.k(x).transpose(1, 2) * self.scale, dim=-1)
        x = self.norm1(x + self.o(scores @ self.v(x)))
        return self.norm2(x + self.ff2(torch.relu(self.ff1(x))))


def models():
    torch.manual_seed(0)
    return {
        "mlp": (nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(), nn.Linear(16, 3)), (6,)),
        "cnn": (nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Conv2d(4, 6, 3), nn.ReLU(), nn.Flatten(),
                              nn.Linear(24, 5)), (3, 8, 8)),
        "lstm_bidirectional": (nn.LSTM(3, 5, num_layers=2, batch_first=True,
                                       bidirectional=True), (4, 3)),
        "gru_bidirectional": (nn.GRU(3, 5, batch_first=True, bidirectional=True), (4, 3)),
        "gru_time_major": (nn.GRU(3, 5), (2, 3)),  # (seq, batch, feat): batch is axis 1
        "gan_generator": (nn.Sequential(nn.Linear(4, 32), View(),
                                        nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1),
                                        nn.BatchNorm2d(4), nn.ReLU(),
                                        nn.ConvTranspose2d(4, 1, 4, stride=2, padding=1),
                                        nn.Tanh()), (4,)),
        "encoder_block": (EncoderBlock(), (5, 8)),
    }


def torch_export(model, shape, batch_axis=0, dtype=torch.float32) -> bytes:
    model.eval()
    example = torch.randn(*_shape(2, shape, batch_axis), dtype=dtype)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), buffer, dynamo=False, input_names=["x"],
                          dynamic_axes={"x": {batch_axis: "batch"}}, opset_version=17)
    return buffer.getvalue()


def _shape(n, shape, batch_axis):
    return (n, *shape) if batch_axis == 0 else (shape[0], n, *shape[1:])


def _first(out):
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("name", list(models()))
def test_pytorch_export_imports_and_matches_pytorch(name):
    model, shape = models()[name]
    axis = 1 if name == "gru_time_major" else 0
    if name == "cnn":  # non-trivial running statistics
        model.train()
        model(torch.randn(8, *shape))
    data = torch_export(model, shape, axis)
    module = ttorch.onnx.load_module(data)
    for n in (2, 1, 7):
        x = np.random.default_rng(n).standard_normal(_shape(n, shape, axis)).astype(np.float32)
        with torch.no_grad():
            want = _first(model(torch.tensor(x))).numpy()
        np.testing.assert_allclose(run_model(data, [x])[0], want, rtol=RTOL, atol=ATOL)
        got = _first(module(ttorch.tensor(x))).detach().numpy()
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def test_initializers_keep_pytorch_state_dict_names():
    model, shape = models()["mlp"]
    imported = import_model(torch_export(model, shape))
    assert set(imported.params) == {"0.weight", "0.bias", "3.weight", "3.bias"}
    module = ttorch.onnx.load_module(torch_export(model, shape))
    np.testing.assert_array_equal(module.state_dict()["0.weight"].numpy(),
                                  model.state_dict()["0.weight"].numpy())


# -- fine-tuning imported models ---------------------------------------------------------------------
def _regression_data(dtype=np.float32):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 6)).astype(dtype)
    return x, np.tanh(x[:, :3] * 2.0).astype(dtype)


def _tanh_mlp(dtype=torch.float32):
    torch.manual_seed(2)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3)).to(dtype)


def test_imported_model_fine_tunes_in_torch_like():
    module = ttorch.onnx.load_module(torch_export(_tanh_mlp(), (6,)))
    x, y = (ttorch.tensor(a) for a in _regression_data())
    opt = ttorch.optim.SGD(module.parameters(), lr=0.1)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = ((module(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < 0.5 * losses[0]


def test_imported_model_gradient_matches_finite_differences_torch_like():
    module = ttorch.onnx.load_module(torch_export(_tanh_mlp(torch.float64), (6,),
                                                  dtype=torch.float64))
    x, y = (ttorch.tensor(a) for a in _regression_data(np.float64))
    weight = module.get_parameter("0.weight")
    assert weight.dtype == np.float64

    def loss():
        return ((module(x) - y) ** 2).mean()

    loss().backward()
    analytic = weight.grad.numpy()[3, 2]
    eps = 1e-6
    with ttorch.no_grad():
        weight[3, 2] += eps
        up = float(loss())
        weight[3, 2] -= 2 * eps
        down = float(loss())
        weight[3, 2] += eps
    np.testing.assert_allclose(analytic, (up - down) / (2 * eps), rtol=1e-6, atol=1e-9)


def test_imported_model_fine_tunes_in_tf_like_with_fit():
    layer = tf2onnx.load_layer(torch_export(_tanh_mlp(), (6,)))
    assert [tuple(w.shape) for w in layer.trainable_weights] == [(16, 6), (16,), (3, 16), (3,)]
    model = dk.Sequential([dk.Input((6,)), layer])
    model.compile(dk.optimizers.SGD(0.1), "mse")
    x, y = _regression_data()
    history = model.fit(x, y, batch_size=32, epochs=20, verbose=0).history["loss"]
    assert history[-1] < 0.5 * history[0]
    # the weights moved, and a Functional model around it still runs
    inp = dk.Input((6,))
    out = dk.layers.Dense(1)(layer(inp))
    assert dk.Model(inp, out).predict(x, verbose=0).shape == (32, 1)


def test_imported_model_gradient_matches_finite_differences_tf_like():
    import frontends.tf_like as tf

    layer = tf2onnx.load_layer(torch_export(_tanh_mlp(torch.float64), (6,),
                                            dtype=torch.float64), dtype="float64")
    x, y = _regression_data(np.float64)
    kernel = layer.trainable_weights[2]

    def loss():
        return tf.reduce_mean((layer(x) - y) ** 2)

    with tf.GradientTape() as tape:
        value = loss()
    analytic = np.asarray(tape.gradient(value, kernel))[1, 5]
    eps, base = 1e-6, kernel.numpy()
    shifted = []
    for sign in (1, -1):
        w = base.copy()
        w[1, 5] += sign * eps
        kernel.assign(w)
        shifted.append(float(loss()))
    kernel.assign(base)
    np.testing.assert_allclose(analytic, (shifted[0] - shifted[1]) / (2 * eps), rtol=1e-6,
                               atol=1e-9)
