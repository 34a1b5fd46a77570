"""keras.initializers, activations, regularizers and constraints against real Keras 3:
initializer statistics and configs, activation values, penalties and projections."""

from __future__ import annotations

import numpy as np
import pytest

from frontends.tf_like import keras as dk
from frontends.tf_like.keras import activations, constraints, initializers, regularizers

from ._keras_layers_diff import rand, real_keras

SHAPE = (60, 80)
INITS = ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
         "lecun_normal", "random_uniform", "random_normal", "truncated_normal", "zeros", "ones",
         "orthogonal", "variance_scaling", "identity"]


def _stats(a):
    a = np.asarray(a, np.float64)
    return a.mean(), a.std(), a.min(), a.max()


@pytest.mark.parametrize("name", INITS)
def test_initializer_statistics_match_keras(name):
    keras = real_keras()
    ours = initializers.get(name)
    theirs = keras.initializers.get(name)
    a = np.asarray(ours(SHAPE))
    b = np.asarray(theirs(SHAPE))
    assert a.dtype == np.float32 and a.shape == b.shape
    ma, sa, lo_a, hi_a = _stats(a)
    mb, sb, lo_b, hi_b = _stats(b)
    assert abs(ma - mb) < 0.1 * max(sb, 1e-3) + 1e-6
    assert abs(sa - sb) < 0.05 * max(sb, 1e-6) + 1e-6
    if name.endswith("uniform"):  # the same bounds
        assert max(abs(lo_a - lo_b), abs(hi_a - hi_b)) < 0.05 * (hi_b - lo_b)
    if name == "truncated_normal":
        assert np.abs(a).max() <= 2 * 0.05 + 1e-6


@pytest.mark.parametrize("name", INITS)
def test_initializer_config_matches_keras(name):
    keras = real_keras()
    mine = initializers.serialize(initializers.get(name))
    want = keras.initializers.serialize(keras.initializers.get(name))
    assert mine == want


def test_seeded_initializers_repeat_and_differ_by_seed():
    a = initializers.GlorotUniform(seed=3)((4, 5))
    b = initializers.GlorotUniform(seed=3)((4, 5))
    c = initializers.GlorotUniform(seed=4)((4, 5))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), np.asarray(c))
    init = initializers.RandomNormal()
    np.testing.assert_array_equal(np.asarray(init((3,))), np.asarray(init((3,))))


def test_orthogonal_identity_constant():
    q = np.asarray(initializers.Orthogonal(gain=2.0)((6, 4)))
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(4), atol=1e-5)
    q = np.asarray(initializers.Orthogonal()((3, 3, 2, 8)))
    flat = q.reshape(-1, 8)
    np.testing.assert_allclose(flat.T @ flat, np.eye(8), atol=1e-5)
    np.testing.assert_array_equal(np.asarray(initializers.Identity(3.0)((2, 3))),
                                  3 * np.eye(2, 3))
    np.testing.assert_array_equal(np.asarray(initializers.Constant(2.5)((2,))), [2.5, 2.5])
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: foo"):
        initializers.get("foo")


def test_layer_default_initializations():
    dense = dk.layers.Dense(300)
    dense.build((None, 200))
    limit = np.sqrt(6 / 500)
    k = dense.kernel.numpy()
    assert k.min() >= -limit and k.max() <= limit and abs(k.std() - limit / np.sqrt(3)) < 0.003
    np.testing.assert_array_equal(dense.bias.numpy(), np.zeros(300))
    conv = dk.layers.Conv2D(16, 3)
    conv.build((None, 8, 8, 4))
    limit = np.sqrt(6 / (9 * 4 + 9 * 16))
    assert np.abs(conv.kernel.numpy()).max() <= limit
    emb = dk.layers.Embedding(1000, 50)
    emb.build()
    e = emb.embeddings.numpy()
    assert e.min() >= -0.05 and e.max() <= 0.05 and abs(e.std() - 0.1 / np.sqrt(12)) < 0.001
    bn = dk.layers.BatchNormalization()
    bn.build((None, 3))
    assert [w.numpy().tolist() for w in bn.weights] == [[1, 1, 1], [0, 0, 0], [0, 0, 0],
                                                        [1, 1, 1]]


ACTIVATIONS = ["relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "elu", "selu",
               "gelu", "silu", "swish", "softplus", "softsign", "hard_sigmoid", "leaky_relu",
               "exponential", "linear", "mish", "celu", "hard_silu", "log_sigmoid",
               "hard_tanh", "soft_shrink", "tanh_shrink", "squareplus", "sparse_plus"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_values_match_keras(name):
    keras = real_keras()
    torch = pytest.importorskip("torch")
    x = rand(4, 5) * 3
    got = np.asarray(activations.get(name)(x))
    want = keras.activations.get(name)(torch.tensor(x))
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-6)
    assert activations.serialize(activations.get(name)) == \
        keras.activations.serialize(keras.activations.get(name))


def test_relu_options_and_get_errors_match_keras():
    keras = real_keras()
    torch = pytest.importorskip("torch")
    x = rand(5, 6) * 2
    for kw in ({"negative_slope": 0.1}, {"max_value": 1.0}, {"threshold": 0.5},
               {"negative_slope": 0.2, "threshold": 0.3, "max_value": 2.0}):
        np.testing.assert_allclose(np.asarray(activations.relu(x, **kw)),
                                   np.asarray(keras.activations.relu(torch.tensor(x), **kw)),
                                   rtol=1e-5, atol=1e-6)
    assert activations.get(None) is activations.linear
    with pytest.raises(ValueError, match="Could not interpret activation function identifier"):
        activations.get("foo")


REGULARIZERS = [("L1", {"l1": 0.3}), ("L2", {"l2": 0.2}), ("L1L2", {"l1": 0.1, "l2": 0.05}),
                ("OrthogonalRegularizer", {"factor": 0.5})]


@pytest.mark.parametrize("name,kwargs", REGULARIZERS, ids=[r[0] for r in REGULARIZERS])
def test_regularizers_match_keras(name, kwargs):
    keras = real_keras()
    torch = pytest.importorskip("torch")
    w = rand(6, 4)
    got = float(getattr(regularizers, name)(**kwargs)(w))
    want = float(getattr(keras.regularizers, name)(**kwargs)(torch.tensor(w)))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    assert getattr(regularizers, name)(**kwargs).get_config() == \
        getattr(keras.regularizers, name)(**kwargs).get_config() or name == "L1"


def test_regularizer_strings_and_errors():
    assert regularizers.get("l2").get_config() == {"l2": 0.01}
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    with pytest.raises(ValueError, match="expected a non-negative float"):
        regularizers.L2(-1)


CONSTRAINTS = [("MaxNorm", {"max_value": 1.5, "axis": 0}), ("NonNeg", {}),
               ("UnitNorm", {"axis": 1}),
               ("MinMaxNorm", {"min_value": 0.5, "max_value": 1.0, "rate": 0.7})]


@pytest.mark.parametrize("name,kwargs", CONSTRAINTS, ids=[c[0] for c in CONSTRAINTS])
def test_constraints_match_keras(name, kwargs):
    keras = real_keras()
    torch = pytest.importorskip("torch")
    w = rand(5, 4)
    got = np.asarray(getattr(constraints, name)(**kwargs)(w))
    want = np.asarray(getattr(keras.constraints, name)(**kwargs)(torch.tensor(w)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert getattr(constraints, name)(**kwargs).get_config() == \
        getattr(keras.constraints, name)(**kwargs).get_config()


def test_constraint_is_attached_to_the_variable():
    layer = dk.layers.Dense(3, kernel_constraint="max_norm", bias_constraint=constraints.NonNeg())
    layer.build((None, 2))
    assert isinstance(layer.kernel.constraint, constraints.MaxNorm)
    assert isinstance(layer.bias.constraint, constraints.NonNeg)
    projected = layer.kernel.constraint(layer.kernel)
    assert np.all(np.linalg.norm(np.asarray(projected), axis=0) <= 2 + 1e-6)


def test_set_random_seed_makes_initial_weights_repeat():
    def run():
        dk.utils.set_random_seed(7)
        model = dk.Sequential([dk.Input((5,)), dk.layers.Dense(4), dk.layers.Dropout(0.5),
                               dk.layers.Embedding(3, 2)])
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_random_layers_draw_from_the_engine_generator():
    import backends.numpy as engine

    def run():
        engine.manual_seed(3)
        x = np.ones((4, 6), np.float32)
        return [np.asarray(layer(x, training=True)) for layer in (
            dk.layers.Dropout(0.5), dk.layers.GaussianNoise(0.3), dk.layers.GaussianDropout(0.3),
            dk.layers.AlphaDropout(0.3))]

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)
