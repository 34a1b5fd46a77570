"""The Layer base: names, weights (creation, tracking, order, trainable), set_weights and
count_params errors, InputSpec errors, losses, masks, the training flag, IR origins."""

from __future__ import annotations

import numpy as np
import pytest

import core_ir
import frontends.tf_like as tf
from frontends.tf_like import keras as dk
from frontends.tf_like.keras import layers as L
from frontends.tf_like.keras import ops

from ._keras_layers_diff import rand, real_keras

LAYER_NAMES = [("Dense", (1,)), ("Dense", (1,)), ("Conv2D", (1, 1)), ("MaxPooling2D", ()),
               ("BatchNormalization", ()), ("GlobalAveragePooling1D", ()),
               ("Conv2DTranspose", (1, 1)), ("ReLU", ()), ("PReLU", ()), ("UpSampling2D", ())]


def test_auto_names_match_keras_after_clear_session():
    keras = real_keras()
    keras.backend.clear_session()
    dk.backend.clear_session()
    want = [getattr(keras.layers, n)(*a).name for n, a in LAYER_NAMES]
    got = [getattr(L, n)(*a).name for n, a in LAYER_NAMES]
    assert got == want == ["dense", "dense_1", "conv2d", "max_pooling2d", "batch_normalization",
                           "global_average_pooling1d", "conv2d_transpose", "re_lu", "p_re_lu",
                           "up_sampling2d"]


def test_weight_errors_match_keras():
    keras = real_keras()
    for lib in (keras, dk):
        lib.backend.clear_session()
    messages = []
    for lib in (keras, dk):
        d = lib.layers.Dense(2)
        d.build((None, 3))
        row = []
        for fn in (lambda d=d: d.set_weights([np.zeros((3, 2))]),
                   lambda d=d: d.set_weights([np.zeros((3, 3)), np.zeros(2)]),
                   lambda lib=lib: lib.layers.Dense(2, name="unbuilt").count_params(),
                   lambda lib=lib: lib.layers.Dense(2, foo=1)):
            with pytest.raises(ValueError) as err:
                fn()
            row.append(str(err.value))
        messages.append(row)
    assert messages[0] == messages[1]


def test_dense_input_spec_error_message():
    model = dk.Sequential([dk.Input((784,)), L.Dense(64, name="dense")])
    with pytest.raises(ValueError, match=r'Input 0 of layer "dense" is incompatible with the layer: '
                       r"expected axis -1 of input shape to have value 784, but received input "
                       r"with shape \(32, 100\)"):
        model(np.zeros((32, 100), np.float32))


@pytest.mark.parametrize("layer,x,tail", [
    (lambda: L.Conv2D(2, 3), np.ones((2, 5, 5), np.float32),
     "expected min_ndim=4, found ndim=3. Full shape received: (2, 5, 5)"),
    (lambda: L.MaxPooling2D(), np.ones((2, 5), np.float32),
     "expected ndim=4, found ndim=2. Full shape received: (2, 5)"),
])
def test_input_spec_errors_match_keras_text(layer, x, tail):
    keras = real_keras()
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        {"conv2d": keras.layers.Conv2D(2, 3), "max": keras.layers.MaxPooling2D()}[
            "conv2d" if x.ndim == 3 else "max"](torch.tensor(x))
    with pytest.raises(ValueError) as ours:
        layer()(x)
    assert str(ours.value).endswith(tail)
    assert tail in str(theirs.value)


def test_add_weight_keras3_and_keras2_orders():
    class Scale(L.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w",
                                     regularizer="l2", constraint="non_neg")
            self.b = self.add_weight("b", (input_shape[-1],), "zeros")
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         trainable=False)

        def call(self, x):
            return ops.add(ops.multiply(x, self.w), self.b)

    layer = Scale(name="scale")
    y = layer(np.ones((2, 3), np.float32))
    np.testing.assert_allclose(np.asarray(y), np.ones((2, 3)))
    assert [w.name for w in layer.weights] == ["w", "b", "count"]
    assert [w.path for w in layer.weights] == ["scale/w", "scale/b", "scale/count"]
    assert layer.count.dtype == np.int64 and not layer.count.trainable
    assert isinstance(layer.w.constraint, dk.constraints.NonNeg)
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), 0.01 * 3, rtol=1e-6)


def test_trainable_flag_matches_keras():
    keras = real_keras()
    for lib in (keras, dk):
        inner = lib.layers.BatchNormalization()
        inner.build((None, 3))
        assert len(inner.trainable_weights) == 2 and len(inner.non_trainable_weights) == 2
        inner.trainable = False
        assert len(inner.trainable_weights) == 0 and len(inner.non_trainable_weights) == 4
        assert [w.name for w in inner.non_trainable_weights] == [
            "gamma", "beta", "moving_mean", "moving_variance"]
        assert not inner.weights[0].trainable
    model = dk.Sequential([dk.Input((3,)), L.Dense(2, name="a"), L.Dense(1, name="b")],
                          name="seq")
    model.layers[0].trainable = False
    assert [w.path for w in model.trainable_weights] == ["seq/b/kernel", "seq/b/bias"]
    assert [w.path for w in model.non_trainable_weights] == ["seq/a/kernel", "seq/a/bias"]


def test_frozen_variables_get_no_gradient():
    layer = L.Dense(2)
    layer(np.ones((1, 3), np.float32))
    layer.trainable = False
    x = tf.constant(np.ones((1, 3), np.float32))
    with tf.GradientTape() as tape:
        y = ops.sum(layer(x))
    assert tape.gradient(y, layer.kernel) is None


def test_regularization_and_activity_losses_match_keras():
    keras = real_keras()
    torch = pytest.importorskip("torch")
    kw = {"kernel_regularizer": "l2", "activity_regularizer": "l1"}
    theirs = keras.layers.Dense(3, **kw)
    x = rand(4, 5)
    theirs(torch.tensor(x))
    ours = L.Dense(3, kernel_regularizer=dk.regularizers.L2(),
                   activity_regularizer=dk.regularizers.L1())
    ours(x)
    ours.set_weights([w for w in theirs.get_weights()])
    ours(x)
    theirs(torch.tensor(x))
    got = [float(v) for v in ours.losses]
    want = [float(v.detach()) for v in theirs.losses]
    np.testing.assert_allclose(got, want, rtol=1e-5)
    ours(x)
    assert len(ours.losses) == 2  # each call replaces the activity loss


def test_activity_regularization_layer_losses():
    layer = L.ActivityRegularization(l1=0.1, l2=0.01)
    x = rand(4, 3)
    y = layer(x)
    np.testing.assert_allclose(np.asarray(y), x)
    want = (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 4
    np.testing.assert_allclose(float(layer.losses[0]), want, rtol=1e-5)


def test_training_flag_propagates_from_outer_call():
    seen = []

    class Probe(L.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class Outer(dk.Model):
        def __init__(self):
            super().__init__()
            self.probe = Probe()
            self.dense = L.Dense(2)

        def call(self, x):
            return self.dense(self.probe(x))

    model = Outer()
    model(np.ones((1, 2), np.float32), training=True)
    model(np.ones((1, 2), np.float32))
    model(np.ones((1, 2), np.float32), training=False)
    assert seen == [True, None, False]


def test_dropout_training_only_through_the_model():
    model = dk.Sequential([dk.Input((1000,)), L.Dropout(0.5)])
    x = np.ones((2, 1000), np.float32)
    np.testing.assert_array_equal(np.asarray(model(x)), x)
    y = np.asarray(model(x, training=True))
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.4 < (y == 0).mean() < 0.6


def test_masks_flow_from_embedding_to_pooling_like_keras():
    keras = real_keras()
    torch = pytest.importorskip("torch")
    tokens = np.array([[3, 1, 0, 0], [2, 0, 0, 0], [5, 6, 7, 1]], np.int32)

    def build(lib):
        inp = lib.Input((4,), dtype="int32")
        h = lib.layers.Embedding(8, 3, mask_zero=True)(inp)
        return lib.Model(inp, lib.layers.GlobalAveragePooling1D()(h))

    theirs, ours = build(keras), build(dk)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(tokens)),
                               theirs(torch.tensor(tokens)).detach().numpy(), rtol=1e-6)
    emb = ours.layers[1]
    out = emb(tokens)
    np.testing.assert_array_equal(np.asarray(dk.backend.get_keras_mask(out)), tokens != 0)


def test_masking_layer_mask_and_zeroing():
    x = rand(2, 4, 3)
    x[0, 1] = 0.0
    layer = L.Masking(0.0)
    y = layer(x)
    mask = np.asarray(dk.backend.get_keras_mask(y))
    np.testing.assert_array_equal(mask, np.any(x != 0, axis=-1))
    np.testing.assert_allclose(np.asarray(y), x * mask[..., None])


def test_ir_nodes_carry_the_layer_names():
    model = dk.Sequential([dk.Input((3,)), L.Dense(4, name="fc1"), L.Dense(2, name="fc2")],
                          name="net")

    def fn(x):
        return model(x)

    graph, _, _ = core_ir.trace(fn, [(np.float32, ("N", 3))], cls=tf.Tensor)
    origins = {node.origin for node in graph.nodes}
    assert {"net.fc1", "net.fc2"} <= origins


def test_shape_errors_inside_call_name_the_layer():
    class Bad(L.Layer):
        def call(self, x):
            return ops.matmul(x, ops.ones((5, 2)))

    with pytest.raises(ValueError, match="bad_layer"):
        Bad(name="bad_layer")(np.ones((2, 3), np.float32))


def test_variables_assigned_as_attributes_are_tracked():
    class Holder(L.Layer):
        def __init__(self):
            super().__init__()
            self.v = dk.Variable(np.ones((2,), np.float32), name="v")
            self.frozen = dk.Variable(np.zeros((1,), np.float32), trainable=False, name="f")
            self.inner = [L.Dense(1), L.Dense(1)]

        def call(self, x):
            return self.inner[1](self.inner[0](x))

    layer = Holder()
    layer(np.ones((1, 2), np.float32))
    assert [w.name for w in layer.weights] == ["v", "f", "kernel", "bias", "kernel", "bias"]
    assert len(layer.trainable_weights) == 5


def test_layer_repr_and_variable_repr():
    layer = L.Dense(2, name="d")
    assert repr(layer) == "<Dense name=d, built=False>"
    layer.build((None, 3))
    assert repr(layer) == "<Dense name=d, built=True>"
    assert repr(layer.bias) == "<Variable path=d/bias, shape=(2,), dtype=float32, value=[0. 0.]>"


def test_numpy_float64_inputs_are_cast_to_float32():
    y = L.Dense(2)(np.ones((1, 3)))
    assert y.dtype == np.float32


def test_backend_config():
    assert dk.backend.epsilon() == 1e-7
    assert dk.backend.floatx() == "float32"
    assert dk.backend.image_data_format() == "channels_last"
    dk.backend.set_floatx("float64")
    try:
        assert L.Dense(2)(np.ones((1, 3))).dtype == np.float64
    finally:
        dk.backend.set_floatx("float32")
    with pytest.raises(ValueError):
        dk.backend.set_image_data_format("nhwc")
