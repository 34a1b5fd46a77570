"""Layers on a symbolic batch: every single-input keras.layers class built on keras.Input with a
None batch, run at two batch sizes and compared with real Keras 3 (weights copied with
set_weights); RepeatVector/UpSampling models exported to ONNX; pooling signatures vs Keras."""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest

from frontends.tf_like import keras as dk

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

ATOL, RTOL = 2e-5, 2e-5

# class name -> (args, kwargs, input shape without the batch, input kind). Sublayer arguments
# are given as (class name, args, kwargs) and built in each library.
CASES = {
    "Activation": (("relu",), {}, (5,), "float"),
    "ActivityRegularization": ((), {"l1": 0.01}, (5,), "float"),
    "AdaptiveAveragePooling1D": ((2,), {}, (6, 3), "float"),
    "AdaptiveAveragePooling2D": ((2,), {}, (5, 6, 3), "float"),
    "AdaptiveAveragePooling3D": ((2,), {}, (4, 4, 5, 2), "float"),
    "AdaptiveMaxPooling1D": ((2,), {}, (6, 3), "float"),
    "AdaptiveMaxPooling2D": ((2,), {}, (5, 6, 3), "float"),
    "AdaptiveMaxPooling3D": ((2,), {}, (4, 4, 5, 2), "float"),
    "AlphaDropout": ((0.2,), {}, (5,), "float"),
    "AveragePooling1D": ((2,), {"padding": "same"}, (7, 3), "float"),
    "AveragePooling2D": ((2,), {}, (6, 6, 3), "float"),
    "AveragePooling3D": ((2,), {}, (4, 4, 4, 2), "float"),
    "BatchNormalization": ((), {}, (6, 4), "float"),
    "Bidirectional": ((), {"layer": ("LSTM", (3,), {}), "merge_mode": "sum"}, (5, 4), "float"),
    "CategoryEncoding": ((), {"num_tokens": 6, "output_mode": "multi_hot"}, (3,), "int"),
    "Conv1D": ((2, 3), {}, (7, 3), "float"),
    "Conv1DTranspose": ((2, 3), {"strides": 2}, (5, 3), "float"),
    "Conv2D": ((2, 3), {"strides": 2}, (7, 7, 3), "float"),
    "Conv2DTranspose": ((2, 3), {}, (4, 4, 3), "float"),
    "Conv3D": ((2, 3), {}, (4, 4, 4, 2), "float"),
    "Conv3DTranspose": ((2, 3), {}, (3, 3, 3, 2), "float"),
    "Cropping1D": ((1,), {}, (6, 3), "float"),
    "Cropping2D": ((1,), {}, (5, 6, 3), "float"),
    "Cropping3D": ((1,), {}, (4, 4, 4, 2), "float"),
    "Dense": ((3,), {"activation": "tanh"}, (5,), "float"),
    "DepthwiseConv1D": ((3,), {}, (7, 3), "float"),
    "DepthwiseConv2D": ((3,), {}, (6, 6, 3), "float"),
    "Discretization": ((), {"bin_boundaries": [-0.5, 0.0, 0.5]}, (5,), "float"),
    "Dropout": ((0.3,), {}, (5,), "float"),
    "ELU": ((), {}, (5,), "float"),
    "EinsumDense": (("ab,bc->ac",), {"output_shape": 4}, (5,), "float"),
    "Embedding": ((10, 4), {}, (6,), "int"),
    "Flatten": ((), {}, (3, 4, 2), "float"),
    "GRU": ((3,), {"return_sequences": True}, (5, 4), "float"),
    "GaussianDropout": ((0.2,), {}, (5,), "float"),
    "GaussianNoise": ((0.1,), {}, (5,), "float"),
    "GlobalAveragePooling1D": ((), {}, (6, 3), "float"),
    "GlobalAveragePooling2D": ((), {}, (5, 6, 3), "float"),
    "GlobalAveragePooling3D": ((), {"keepdims": True}, (4, 4, 4, 2), "float"),
    "GlobalMaxPooling1D": ((), {}, (6, 3), "float"),
    "GlobalMaxPooling2D": ((), {}, (5, 6, 3), "float"),
    "GlobalMaxPooling3D": ((), {}, (4, 4, 4, 2), "float"),
    "GroupNormalization": ((), {"groups": 2}, (5, 4), "float"),
    "Identity": ((), {}, (5,), "float"),
    "IntegerLookup": ((), {"vocabulary": [1, 2, 3]}, (4,), "int"),
    "LSTM": ((3,), {}, (5, 4), "float"),
    "LayerNormalization": ((), {}, (6, 4), "float"),
    "LeakyReLU": ((), {"negative_slope": 0.2}, (5,), "float"),
    "Masking": ((), {"mask_value": 0.0}, (5, 3), "float"),
    "MaxPooling1D": ((), {}, (6, 3), "float"),
    "MaxPooling2D": ((), {"padding": "same"}, (5, 5, 3), "float"),
    "MaxPooling3D": ((), {}, (4, 4, 4, 2), "float"),
    "Normalization": ((), {"mean": 1.0, "variance": 4.0}, (5,), "float"),
    "PReLU": ((), {}, (5,), "float"),
    "Permute": (((2, 1),), {}, (4, 3), "float"),
    "RMSNormalization": ((), {}, (6, 4), "float"),
    "RNN": ((), {"cell": ("SimpleRNNCell", (3,), {})}, (5, 4), "float"),
    "RandomContrast": ((0.2,), {"seed": 1}, (4, 4, 3), "float"),
    "RandomFlip": ((), {"seed": 1}, (4, 4, 3), "float"),
    "RandomRotation": ((0.1,), {"seed": 1}, (4, 4, 3), "float"),
    "RandomTranslation": ((0.1, 0.1), {"seed": 1}, (4, 4, 3), "float"),
    "RandomZoom": ((0.1,), {"seed": 1}, (4, 4, 3), "float"),
    "ReLU": ((), {"max_value": 6.0}, (5,), "float"),
    "RepeatVector": ((3,), {}, (5,), "float"),
    "Rescaling": ((1 / 255,), {"offset": -1.0}, (5,), "float"),
    "Reshape": (((2, 3),), {}, (6,), "float"),
    "SeparableConv1D": ((2, 3), {}, (7, 3), "float"),
    "SeparableConv2D": ((2, 3), {}, (6, 6, 3), "float"),
    "SimpleRNN": ((3,), {}, (5, 4), "float"),
    "Softmax": ((), {"axis": -1}, (5,), "float"),
    "SpatialDropout1D": ((0.2,), {}, (5, 3), "float"),
    "SpatialDropout2D": ((0.2,), {}, (4, 4, 3), "float"),
    "SpatialDropout3D": ((0.2,), {}, (3, 3, 3, 2), "float"),
    "TimeDistributed": ((), {"layer": ("Dense", (2,), {})}, (5, 4), "float"),
    "UnitNormalization": ((), {}, (5,), "float"),
    "UpSampling1D": ((2,), {}, (5, 3), "float"),
    "UpSampling2D": ((2,), {}, (4, 5, 3), "float"),
    "UpSampling3D": ((2,), {}, (3, 3, 3, 2), "float"),
    "ZeroPadding1D": ((1,), {}, (5, 3), "float"),
    "ZeroPadding2D": ((1,), {}, (4, 5, 3), "float"),
    "ZeroPadding3D": ((1,), {}, (3, 3, 3, 2), "float"),
}

# layers on inputs whose time or spatial sizes are unknown too (None, run with size 6)
UNKNOWN_SIZES = {
    "Conv1D/unknown": ((2, 3), {"padding": "same"}, (None, 3), "float"),
    "Conv2D/unknown": ((2, 3), {"strides": 2}, (None, None, 3), "float"),
    "Conv2DTranspose/unknown": ((2, 3), {"strides": 2}, (None, None, 3), "float"),
    "SeparableConv2D/unknown": ((2, 3), {}, (None, None, 3), "float"),
    "MaxPooling2D/unknown": ((), {"padding": "same"}, (None, None, 3), "float"),
    "AveragePooling1D/unknown": ((3,), {"strides": 2}, (None, 3), "float"),
    "GlobalAveragePooling2D/unknown": ((), {}, (None, None, 3), "float"),
    "GlobalMaxPooling1D/unknown": ((), {"keepdims": True}, (None, 3), "float"),
    "AdaptiveAveragePooling2D/unknown": ((3,), {}, (None, None, 2), "float"),
    "Cropping2D/unknown": ((1,), {}, (None, None, 3), "float"),
    "ZeroPadding1D/unknown": ((2,), {}, (None, 3), "float"),
    "UpSampling2D/unknown": (((2, 3),), {"interpolation": "bilinear"}, (None, None, 2), "float"),
    "Reshape/unknown": (((-1, 2),), {}, (None, 4), "float"),
    "Permute/unknown": (((2, 1),), {}, (None, 3), "float"),
    "Embedding/unknown": ((10, 4), {}, (None,), "int"),
    "LSTM/unknown": ((3,), {"return_sequences": True}, (None, 4), "float"),
    "GRU/unknown": ((3,), {}, (None, 4), "float"),
    "TimeDistributed/unknown": ((), {"layer": ("Dense", (2,), {})}, (None, 4), "float"),
    "LayerNormalization/unknown": ((), {}, (None, 4), "float"),
    "GroupNormalization/unknown": ((), {"groups": 2}, (None, None, 4), "float"),
    "Softmax/unknown": ((), {"axis": 1}, (None, 3), "float"),
    "Conv2D/unknown-same": ((2, 3), {"strides": 2, "padding": "same"}, (None, None, 3),
                            "float"),
    "AveragePooling2D/unknown-same": ((3,), {"strides": 2, "padding": "same"},
                                      (None, None, 3), "float"),
    "Conv1DTranspose/unknown": ((2, 3), {"strides": 2, "padding": "same"}, (None, 3), "float"),
    "Conv3D/unknown": ((2, 2), {}, (None, None, None, 2), "float"),
    "DepthwiseConv2D/unknown": ((3,), {"padding": "same"}, (None, None, 3), "float"),
    "Flatten/unknown": ((), {}, (None, 3), "float"),
    "Dense/unknown": ((3,), {}, (None, 4), "float"),
    "EinsumDense/unknown": (("abc,cd->abd",), {"output_shape": (None, 3)}, (None, 4), "float"),
    "BatchNormalization/unknown": ((), {}, (None, None, 3), "float"),
    "Masking/unknown": ((), {}, (None, 3), "float"),
    "Cropping1D/unknown": ((1,), {}, (None, 3), "float"),
    "ZeroPadding2D/unknown": ((1,), {}, (None, None, 3), "float"),
    "UpSampling1D/unknown": ((2,), {}, (None, 3), "float"),
    "UpSampling3D/unknown": ((2,), {}, (None, None, None, 2), "float"),
    "SpatialDropout1D/unknown": ((0.2,), {}, (None, 3), "float"),
    "Bidirectional/unknown": ((), {"layer": ("GRU", (3,), {"return_sequences": True})},
                              (None, 4), "float"),
    "SimpleRNN/unknown": ((3,), {"go_backwards": True}, (None, 4), "float"),
    "GlobalAveragePooling1D/unknown": ((), {}, (None, 3), "float"),
    "UnitNormalization/unknown": ((), {"axis": 1}, (None, 3), "float"),
    "RMSNormalization/unknown": ((), {}, (None, 4), "float"),
    "PReLU/unknown": ((), {"shared_axes": [1]}, (None, 3), "float"),
}
ALL_CASES = {**CASES, **UNKNOWN_SIZES}

# exported classes not covered here, with the reason
NOT_SINGLE_INPUT = {
    "Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract",
    "Attention", "AdditiveAttention", "MultiHeadAttention",  # several inputs
    "GRUCell", "LSTMCell", "SimpleRNNCell", "StackedRNNCells",  # (inputs, states)
    "InputLayer", "Layer", "Wrapper",  # no computation of their own
    "Lambda", "TorchModuleWrapper",  # wrap user code of one library
    "StringLookup", "TextVectorization",  # string inputs: Keras's torch backend has no strings
    # hashes on the host (outside the IR), so it refuses symbolic tensors with a clear error
    # and belongs in the tf.data pipeline
    "Hashing",
}


def _build(lib, spec):
    name, args, kwargs = spec
    kwargs = {k: _build(lib, v) if isinstance(v, tuple) and v and isinstance(v[0], str)
              and hasattr(lib.layers, v[0]) and k in ("layer", "cell") else v
              for k, v in kwargs.items()}
    return getattr(lib.layers, name)(*args, **kwargs)


def _model(lib, case):
    args, kwargs, shape, kind = ALL_CASES[case]
    inp = lib.Input(shape=shape, dtype="int32" if kind == "int" else "float32")
    return lib.Model(inp, _build(lib, (case.split("/")[0], args, kwargs))(inp))


def _randomized_weights(model, rng):
    """Keras's weights replaced by random values (variances kept positive) so that zero biases
    or unit scales cannot hide a wrong weight order."""
    out = []
    for w in model.weights:
        shape = tuple(w.shape)
        if "variance" in w.path or "count" in w.path:
            out.append(rng.uniform(0.5, 1.5, shape).astype(w.dtype))
        elif "float" in str(w.dtype):
            out.append(rng.uniform(-1, 1, shape).astype("float32"))
        else:
            out.append(np.asarray(w.numpy()))
    return out


def _inputs(name, batch, rng):
    shape, kind = ALL_CASES[name][2], ALL_CASES[name][3]
    shape = tuple(6 if d is None else d for d in shape)
    if kind == "int":
        return rng.integers(0, 5, (batch, *shape)).astype("int32")
    x = rng.normal(size=(batch, *shape)).astype("float32")
    if name == "Masking":
        x[:, 1] = 0.0  # one fully masked step
    return x


def test_every_exported_layer_class_is_covered():
    exported = {cls.__name__ for n in dir(dk.layers)
                if inspect.isclass(cls := getattr(dk.layers, n))
                and issubclass(cls, dk.layers.Layer)}
    assert exported - set(CASES) - NOT_SINGLE_INPUT == set()


# Keras 3 on its torch backend averages uneven 'same' windows differently from TensorFlow's
# definition (padded cells excluded), which Duet's kernel follows (like ONNX's AveragePool with
# count_include_pad=0): on these sizes the oracle itself is off. The case is checked against
# TF's definition in test_uneven_same_average_pool_follows_tensorflow instead.
KNOWN_FAILURES = {"AveragePooling2D/unknown-same": pytest.mark.xfail(
    strict=True, raises=AssertionError, reason="Keras's torch backend: uneven 'same' average")}


def test_uneven_same_average_pool_follows_tensorflow():
    x = np.random.default_rng(0).normal(size=(1, 7, 6, 1)).astype(np.float32)
    model = dk.Sequential([dk.Input((None, None, 1)),
                           dk.layers.AveragePooling2D(3, strides=2, padding="same")])
    out_rows, out_cols = 4, 3  # ceil(7 / 2), ceil(6 / 2)
    pad_top, pad_left = ((out_rows - 1) * 2 + 3 - 7) // 2, ((out_cols - 1) * 2 + 3 - 6) // 2
    expected = np.zeros((out_rows, out_cols), np.float32)
    for i in range(out_rows):
        for j in range(out_cols):
            r, c = i * 2 - pad_top, j * 2 - pad_left
            expected[i, j] = x[0, max(r, 0):r + 3, max(c, 0):c + 3, 0].mean()
    np.testing.assert_allclose(model.predict(x, verbose=0)[0, :, :, 0], expected, rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("name", [pytest.param(n, marks=KNOWN_FAILURES.get(n, ()))
                                  for n in sorted(ALL_CASES)])
def test_layer_on_a_symbolic_batch_matches_keras(name):
    rng = np.random.default_rng(0)
    ours = _model(dk, name)
    try:
        theirs = _model(keras, name)
    except ImportError:  # Keras's IntegerLookup needs TensorFlow: check ours alone
        theirs = None
    if theirs is not None:
        assert tuple(ours.output.shape) == tuple(theirs.output.shape)
        weights = _randomized_weights(theirs, rng)
        theirs.set_weights(weights)
        ours.set_weights(weights)
    for batch in (1, 3):
        x = _inputs(name, batch, rng)
        got = ours.predict(x, batch_size=batch, verbose=0)
        if theirs is None:  # the symbolic-batch model agrees with the layer run eagerly
            expected = np.asarray(ours.layers[-1](x))
        else:  # training=False: Keras's random preprocessing layers default to training=True
            expected = keras.ops.convert_to_numpy(theirs(x, training=False))
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=name)
        np.testing.assert_allclose(np.asarray(ours(x, training=False)), expected, rtol=RTOL,
                                   atol=ATOL)


# -- RepeatVector / UpSampling on a symbolic batch ------------------------------------------------
def _upsampling_stack(lib, interpolation="nearest", data_format="channels_last"):
    """Dense -> RepeatVector -> UpSampling1D -> Reshape -> UpSampling2D -> Conv2D, Functional."""
    L = lib.layers
    inp = lib.Input(shape=(4,))
    x = L.Dense(6, activation="tanh")(inp)
    x = L.RepeatVector(3)(x)
    x = L.UpSampling1D(2)(x)                                  # (6, 6)
    x = L.Reshape((6, 6, 1) if data_format == "channels_last" else (1, 6, 6))(x)
    x = L.UpSampling2D((2, 3), data_format=data_format, interpolation=interpolation)(x)
    out = L.Conv2D(2, 3, data_format=data_format)(x)
    return lib.Model(inp, out)


def _sequential_stack(lib):
    L = lib.layers
    return lib.Sequential([lib.Input(shape=(5,)), L.RepeatVector(4), L.UpSampling1D(3),
                           L.Reshape((12, 5, 1)), L.UpSampling2D(2), L.Flatten(), L.Dense(3)])


@pytest.mark.parametrize("kind", ["nearest", "bilinear", "channels_first", "sequential"])
def test_upsampling_models_predict_and_fit_like_keras(kind):
    if kind == "sequential":
        theirs, ours = _sequential_stack(keras), _sequential_stack(dk)
    else:
        interp = "nearest" if kind == "channels_first" else kind
        fmt = "channels_first" if kind == "channels_first" else "channels_last"
        theirs, ours = _upsampling_stack(keras, interp, fmt), _upsampling_stack(dk, interp, fmt)
    n_in = 4 if kind != "sequential" else 5
    out_shape = tuple(theirs.compute_output_shape((None, n_in)))
    assert tuple(ours.compute_output_shape((None, n_in))) == out_shape
    ours.set_weights(theirs.get_weights())
    rng = np.random.default_rng(1)
    for batch in (1, 3):
        x = rng.normal(size=(batch, n_in)).astype("float32")
        np.testing.assert_allclose(ours.predict(x, verbose=0),
                                   keras.ops.convert_to_numpy(theirs(x)), rtol=RTOL, atol=ATOL)
    x = rng.normal(size=(12, n_in)).astype("float32")
    y = rng.normal(size=(12, *out_shape[1:])).astype("float32")
    for model, lib in ((theirs, keras), (ours, dk)):
        model.compile(optimizer=lib.optimizers.SGD(0.05), loss="mse")
    h_theirs = theirs.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=2e-5)
    for a, b in zip(theirs.get_weights(), ours.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=2e-5)


def test_upsampling_keeps_unknown_spatial_sizes_like_keras():
    for lib_shapes in ((None, None, 3), (None, 3)):
        outs = []
        for lib in (keras, dk):
            inp = lib.Input(shape=lib_shapes)
            layer = lib.layers.UpSampling2D((2, 3)) if len(lib_shapes) == 3 else (
                lib.layers.UpSampling1D(3))
            outs.append(lib.Model(inp, layer(inp)))
        theirs, ours = outs
        assert tuple(ours.output.shape) == tuple(theirs.output.shape)
        x = np.random.default_rng(2).normal(size=(2, 4, 5, 3) if len(lib_shapes) == 3 else (
            2, 4, 3)).astype("float32")
        np.testing.assert_allclose(ours.predict(x, verbose=0),
                                   keras.ops.convert_to_numpy(theirs(x)))


@pytest.mark.parametrize("kind", ["nearest", "bilinear", "sequential"])
def test_upsampling_models_export_to_onnx(kind, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    model = _sequential_stack(dk) if kind == "sequential" else _upsampling_stack(dk, kind)
    n_in = 5 if kind == "sequential" else 4
    path = tmp_path / "model.onnx"
    model.export(str(path), format="onnx")
    session = ort.InferenceSession(str(path))
    name = session.get_inputs()[0].name
    rng = np.random.default_rng(3)
    for batch in (1, 2, 5):
        x = rng.normal(size=(batch, n_in)).astype("float32")
        (got,) = session.run(None, {name: x})
        np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


# -- pooling signatures ----------------------------------------------------------------------------
POOLING_NAMES = sorted(n for n in dir(keras.layers) if "Pool" in n)


def test_every_keras_pooling_layer_is_exported():
    assert [n for n in POOLING_NAMES if not hasattr(dk.layers, n)] == []


@pytest.mark.parametrize("name", POOLING_NAMES)
def test_pooling_signature_matches_keras(name):
    """Same parameters, order, kinds and defaults (Keras 3 gives max pooling a default
    pool_size and requires it for average pooling)."""
    ours = inspect.signature(getattr(dk.layers, name))
    theirs = inspect.signature(getattr(keras.layers, name))
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
        (p.name, p.kind, p.default) for p in theirs.parameters.values()]
