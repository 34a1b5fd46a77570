"""Every layer type of both frontends, one small model each: export -> onnx.checker (full) ->
onnxruntime equals duet at the example batch size and two others (dynamic batch). Layers that
cannot be exported, or only with a static batch, are listed with the written reason."""

from __future__ import annotations

import os

import numpy as np
import onnx
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

import frontends.torch_like as ttorch
from frontends.tf_like import keras as dk
from frontends.tf_like import onnx as tf2onnx

ort = pytest.importorskip("onnxruntime")
nn, L = ttorch.nn, dk.layers
BATCHES = (2, 1, 5)
RTOL, ATOL = 1e-4, 2e-5  # float32; onnxruntime sums in another order


def rand(shape, seed=0, kind="f"):
    rng = np.random.default_rng(seed)
    if kind == "i":
        return rng.integers(0, 10, shape).astype(np.int64)
    return rng.standard_normal(shape).astype(np.float32)


def run_ort(proto, xs):
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {i.name: x for i, x in zip(session.get_inputs(), xs)})


def flat(out) -> list:
    return [t for o in out for t in flat(o)] if isinstance(out, (tuple, list)) else [out]


# id -> (constructor, input shapes without the batch, input kinds)
T = {
    "Linear": (lambda: nn.Linear(6, 4), [(6,)]),
    "Bilinear": (lambda: nn.Bilinear(3, 4, 2), [(3,), (4,)]),
    "Identity": (lambda: nn.Identity(), [(6,)]),
    **{name: (lambda name=name, a=a: getattr(nn, name)(*a), [(6,)]) for name, a in [
        ("CELU", ()), ("ELU", ()), ("GELU", ()), ("SELU", ()), ("Hardshrink", ()),
        ("Hardsigmoid", ()), ("Hardswish", ()), ("Hardtanh", ()), ("LeakyReLU", ()),
        ("LogSigmoid", ()), ("LogSoftmax", (1,)), ("Mish", ()), ("PReLU", ()), ("ReLU", ()),
        ("ReLU6", ()), ("SiLU", ()), ("Sigmoid", ()), ("Softmax", (1,)), ("Softmin", (1,)),
        ("Softplus", ()), ("Softshrink", ()), ("Softsign", ()), ("Tanh", ()), ("Tanhshrink", ()),
        ("Threshold", (0.1, 2.0)), ("GLU", ()), ("Dropout", ()), ("AlphaDropout", ()),
        ("BatchNorm1d", (6,)), ("LayerNorm", (6,)), ("Flatten", ())]},
    "GELU_tanh": (lambda: nn.GELU("tanh"), [(6,)]),
    "Softmax2d": (lambda: nn.Softmax2d(), [(3, 4, 4)]),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 3)), [(6,)]),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), [(3, 4, 4)]),
    "BatchNorm3d": (lambda: nn.BatchNorm3d(2), [(2, 3, 3, 3)]),
    "Conv1d": (lambda: nn.Conv1d(3, 4, 3, padding=1), [(3, 8)]),
    "Conv2d": (lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), [(3, 8, 8)]),
    "Conv2d_depthwise": (lambda: nn.Conv2d(3, 6, 3, groups=3, dilation=2), [(3, 8, 8)]),
    "Conv3d": (lambda: nn.Conv3d(2, 3, 3), [(2, 5, 5, 5)]),
    "ConvTranspose1d": (lambda: nn.ConvTranspose1d(3, 2, 3, stride=2), [(3, 5)]),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1,
                                                   output_padding=1), [(3, 4, 4)]),
    "ConvTranspose3d": (lambda: nn.ConvTranspose3d(2, 2, 2, stride=2), [(2, 3, 3, 3)]),
    "Dropout2d": (lambda: nn.Dropout2d(), [(3, 4, 4)]),
    "InstanceNorm1d": (lambda: nn.InstanceNorm1d(3, affine=True), [(3, 8)]),
    "InstanceNorm2d": (lambda: nn.InstanceNorm2d(3), [(3, 4, 4)]),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), [(4, 3, 3)]),
    "AdaptiveAvgPool2d_global": (lambda: nn.AdaptiveAvgPool2d(1), [(3, 4, 4)]),
    "AdaptiveMaxPool2d_global": (lambda: nn.AdaptiveMaxPool2d(1), [(3, 4, 4)]),
    "AvgPool1d": (lambda: nn.AvgPool1d(2), [(3, 8)]),
    "AvgPool2d_pad": (lambda: nn.AvgPool2d(3, 2, padding=1), [(3, 7, 7)]),
    "AvgPool3d": (lambda: nn.AvgPool3d(2), [(2, 4, 4, 4)]),
    "MaxPool1d": (lambda: nn.MaxPool1d(2), [(3, 8)]),
    "MaxPool2d_ceil": (lambda: nn.MaxPool2d(3, 2, ceil_mode=True), [(3, 8, 8)]),
    "MaxPool3d": (lambda: nn.MaxPool3d(2), [(2, 4, 4, 4)]),
    "Embedding": (lambda: nn.Embedding(10, 4), [(5,)], "i"),
    "PixelShuffle": (lambda: nn.PixelShuffle(2), [(8, 3, 3)]),
    "PixelUnshuffle": (lambda: nn.PixelUnshuffle(2), [(2, 4, 4)]),
    "Upsample_nearest": (lambda: nn.Upsample(scale_factor=2), [(3, 4, 4)]),
    "Upsample_bilinear": (lambda: nn.UpsamplingBilinear2d(scale_factor=2), [(3, 4, 4)]),
    "CosineSimilarity": (lambda: nn.CosineSimilarity(), [(6,), (6,)]),
    "PairwiseDistance": (lambda: nn.PairwiseDistance(), [(6,), (6,)]),
    "MultiheadAttention": (lambda: nn.MultiheadAttention(8, 2, batch_first=True),
                           [(5, 8), (5, 8), (5, 8)]),
    "TransformerEncoderLayer": (lambda: nn.TransformerEncoderLayer(8, 2, 16, batch_first=True),
                                [(5, 8)]),
    "TransformerDecoderLayer": (lambda: nn.TransformerDecoderLayer(8, 2, 16, batch_first=True),
                                [(4, 8), (5, 8)]),
    "RNN": (lambda: nn.RNN(3, 4, batch_first=True), [(5, 3)]),
    "LSTM": (lambda: nn.LSTM(3, 4, batch_first=True), [(5, 3)]),
    "GRU": (lambda: nn.GRU(3, 4, batch_first=True), [(5, 3)]),
}
# id -> why only the example batch size is checked
T_STATIC = {"GroupNorm": "torch_like's group_norm divides the batch size (an int) while tracing"}
T_STATIC.update({name: "torch_like's pixel_(un)shuffle reshapes with the batch size as an int"
                 for name in ("PixelShuffle", "PixelUnshuffle")})


def _torch_case(name):
    entry = T[name]
    ctor, shapes, kind = entry if len(entry) == 3 else (*entry, "f")
    return ctor, shapes, kind


@pytest.mark.parametrize("name", sorted(T))
def test_torch_layer_exports_and_runs(name):
    ctor, shapes, kind = _torch_case(name)
    ttorch.manual_seed(0)
    module = ctor().eval()
    static = name in T_STATIC
    xs = [rand((2, *s), i, kind) for i, s in enumerate(shapes)]
    names = [f"x{i}" for i in range(len(xs))]
    axes = None if static else {n: {0: "batch"} for n in names}
    proto = ttorch.onnx.export(module, tuple(ttorch.tensor(x) for x in xs), None,
                               input_names=names, dynamic_axes=axes)
    onnx.checker.check_model(proto, full_check=True)
    for n in (2,) if static else BATCHES:
        xs = [rand((n, *s), i + n, kind) for i, s in enumerate(shapes)]
        with ttorch.no_grad():
            want = [t.numpy() for t in flat(module(*[ttorch.tensor(x) for x in xs]))]
        got = run_ort(proto, xs)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", sorted(T_STATIC))
def test_static_only_torch_layers_still_refuse_a_dynamic_batch(name):
    """Keeps T_STATIC honest: when a layer starts tracing with a symbolic batch, this fails and
    the entry must go."""
    ctor, shapes, kind = _torch_case(name)
    xs = tuple(ttorch.tensor(rand((2, *s), i, kind)) for i, s in enumerate(shapes))
    with pytest.raises(ttorch.onnx.ExportError, match="dynamic axes"):
        ttorch.onnx.export(ctor().eval(), xs, None, input_names=["x0"],
                           dynamic_axes={"x0": {0: "batch"}})


# id -> (constructor, input shapes without the batch, input kinds)
K = {
    "Dense": (lambda: L.Dense(4, activation="relu"), [(6,)]),
    "EinsumDense": (lambda: L.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c"), [(6,)]),
    "Activation_gelu": (lambda: L.Activation("gelu"), [(6,)]),
    "ELU": (lambda: L.ELU(), [(6,)]),
    "LeakyReLU": (lambda: L.LeakyReLU(), [(6,)]),
    "PReLU": (lambda: L.PReLU(), [(6,)]),
    "ReLU": (lambda: L.ReLU(max_value=1.0), [(6,)]),
    "Softmax": (lambda: L.Softmax(), [(6,)]),
    "Conv1D": (lambda: L.Conv1D(4, 3, padding="same"), [(8, 3)]),
    "Conv2D_strided_same": (lambda: L.Conv2D(4, 3, strides=2, padding="same"), [(7, 7, 3)]),
    "Conv3D": (lambda: L.Conv3D(3, 2), [(4, 4, 4, 2)]),
    "Conv1DTranspose": (lambda: L.Conv1DTranspose(2, 3, strides=2), [(5, 3)]),
    "Conv2DTranspose": (lambda: L.Conv2DTranspose(2, 3, strides=2, padding="same"), [(4, 4, 3)]),
    "Conv3DTranspose": (lambda: L.Conv3DTranspose(2, 2, strides=2), [(3, 3, 3, 2)]),
    "DepthwiseConv2D": (lambda: L.DepthwiseConv2D(3, depth_multiplier=2), [(6, 6, 3)]),
    "DepthwiseConv1D": (lambda: L.DepthwiseConv1D(3), [(6, 3)]),
    "SeparableConv2D": (lambda: L.SeparableConv2D(4, 3), [(6, 6, 3)]),
    "SeparableConv1D": (lambda: L.SeparableConv1D(4, 3), [(6, 3)]),
    "MaxPooling1D": (lambda: L.MaxPooling1D(), [(8, 3)]),
    "MaxPooling2D_same": (lambda: L.MaxPooling2D(3, 2, padding="same"), [(7, 7, 3)]),
    "MaxPooling3D": (lambda: L.MaxPooling3D(), [(4, 4, 4, 2)]),
    "AveragePooling1D": (lambda: L.AveragePooling1D(2), [(8, 3)]),
    "AveragePooling2D_same": (lambda: L.AveragePooling2D(3, 2, padding="same"), [(7, 7, 3)]),
    "AveragePooling3D": (lambda: L.AveragePooling3D(2), [(4, 4, 4, 2)]),
    "GlobalAveragePooling1D": (lambda: L.GlobalAveragePooling1D(), [(8, 3)]),
    "GlobalAveragePooling2D": (lambda: L.GlobalAveragePooling2D(), [(4, 4, 3)]),
    "GlobalMaxPooling2D": (lambda: L.GlobalMaxPooling2D(), [(4, 4, 3)]),
    "GlobalMaxPooling3D": (lambda: L.GlobalMaxPooling3D(), [(3, 3, 3, 2)]),
    "BatchNormalization": (lambda: L.BatchNormalization(), [(4, 4, 3)]),
    "LayerNormalization": (lambda: L.LayerNormalization(), [(5, 6)]),
    "GroupNormalization": (lambda: L.GroupNormalization(2), [(4, 4, 4)]),
    "RMSNormalization": (lambda: L.RMSNormalization(), [(6,)]),
    "UnitNormalization": (lambda: L.UnitNormalization(), [(6,)]),
    "Dropout": (lambda: L.Dropout(0.5), [(6,)]),
    "SpatialDropout2D": (lambda: L.SpatialDropout2D(0.5), [(4, 4, 3)]),
    "GaussianNoise": (lambda: L.GaussianNoise(0.5), [(6,)]),
    "Flatten": (lambda: L.Flatten(), [(4, 4, 3)]),
    "Reshape": (lambda: L.Reshape((3, 2)), [(6,)]),
    "Permute": (lambda: L.Permute((2, 1)), [(3, 4)]),
    "Cropping2D": (lambda: L.Cropping2D(1), [(5, 5, 2)]),
    "ZeroPadding2D": (lambda: L.ZeroPadding2D(1), [(3, 3, 2)]),
    "Embedding": (lambda: L.Embedding(10, 4), [(5,)], "i"),
    "SimpleRNN": (lambda: L.SimpleRNN(4), [(5, 3)]),
    "LSTM": (lambda: L.LSTM(4, return_sequences=True), [(5, 3)]),
    "GRU_reset_before": (lambda: L.GRU(4, reset_after=False), [(5, 3)]),
    "Bidirectional_GRU": (lambda: L.Bidirectional(L.GRU(4)), [(5, 3)]),
    "TimeDistributed": (lambda: L.TimeDistributed(L.Dense(2)), [(5, 3)]),
    "Rescaling": (lambda: L.Rescaling(0.5, 1.0), [(6,)]),
    "Identity": (lambda: L.Identity(), [(6,)]),
    "Add": (lambda: L.Add(), [(6,), (6,)]),
    "Concatenate": (lambda: L.Concatenate(), [(6,), (3,)]),
    "Dot": (lambda: L.Dot(axes=1), [(6,), (6,)]),
    "Multiply": (lambda: L.Multiply(), [(6,), (6,)]),
    "Maximum": (lambda: L.Maximum(), [(6,), (6,)]),
    "Attention": (lambda: L.Attention(), [(4, 6), (5, 6)]),
    "AdditiveAttention": (lambda: L.AdditiveAttention(), [(4, 6), (5, 6)]),
    "MultiHeadAttention": (lambda: L.MultiHeadAttention(2, 4), [(4, 6), (5, 6)]),
}


def _keras_model(name):
    entry = K[name]
    ctor, shapes, kind = entry if len(entry) == 3 else (*entry, "f")
    dtype = "int64" if kind == "i" else "float32"
    inputs = [dk.Input(s, dtype=dtype) for s in shapes]
    layer = ctor()
    out = layer(*inputs) if name == "MultiHeadAttention" else \
        layer(inputs if len(inputs) > 1 else inputs[0])
    return dk.Model(inputs if len(inputs) > 1 else inputs[0], out), shapes, kind


@pytest.mark.parametrize("name", sorted(K))
def test_keras_layer_exports_and_runs(name):
    dk.utils.set_random_seed(0)
    model, shapes, kind = _keras_model(name)
    for w in model.weights:  # non-trivial statistics and biases
        if w.path.endswith(("moving_variance", "bias", "beta", "moving_mean")):
            w.assign(np.abs(rand(w.shape, 7)) + 0.5)
    proto, _ = tf2onnx.from_keras(model)
    onnx.checker.check_model(proto, full_check=True)
    for n in BATCHES:
        xs = [rand((n, *s), i + n, kind) for i, s in enumerate(shapes)]
        want = flat(model(xs if len(xs) > 1 else xs[0], training=False))
        got = run_ort(proto, xs)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, np.asarray(w), rtol=RTOL, atol=ATOL)

