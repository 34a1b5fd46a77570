"""CategoryEncoding and Discretization against real Keras 3 (torch backend): outputs of every
output_mode, adapt's quantile boundaries, configs; inside a traced model."""

import os

import numpy as np
import pytest

from frontends.tf_like import keras as dk

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

ATOL = 1e-6

ENCODING_CASES = [
    ("one_hot_vector", {"num_tokens": 4, "output_mode": "one_hot"}, [3, 2, 0, 1]),
    ("one_hot_column", {"num_tokens": 5, "output_mode": "one_hot"}, [[1], [3]]),
    ("one_hot_matrix", {"num_tokens": 5, "output_mode": "one_hot"}, [[1, 2], [3, 4]]),
    ("multi_hot", {"num_tokens": 4}, [[0, 1], [0, 0], [1, 2], [3, 1]]),
    ("multi_hot_vector", {"num_tokens": 5, "output_mode": "multi_hot"}, [1, 3, 3]),
    ("count", {"num_tokens": 4, "output_mode": "count"}, [[0, 1], [0, 0], [1, 2], [3, 1]]),
    ("binary_alias", {"num_tokens": 3, "output_mode": "binary"}, [[0, 2], [2, 2]]),
]


@pytest.mark.parametrize("kwargs,data", [c[1:] for c in ENCODING_CASES],
                         ids=[c[0] for c in ENCODING_CASES])
def test_category_encoding(kwargs, data):
    ours, theirs = dk.layers.CategoryEncoding(**kwargs), keras.layers.CategoryEncoding(**kwargs)
    x = np.array(data)
    out, ref = ours(x).numpy(), np.asarray(theirs(x))
    assert out.shape == ref.shape and out.dtype == ref.dtype
    np.testing.assert_allclose(out, ref, atol=ATOL)
    assert ours.compute_output_shape(x.shape) == theirs.compute_output_shape(x.shape)
    assert ours.get_config().keys() == theirs.get_config().keys()


def test_category_encoding_count_weights():
    x = np.array([[0, 1], [0, 0], [1, 2], [3, 1]])
    w = np.array([[0.1, 0.2], [0.1, 0.1], [0.2, 0.3], [0.4, 0.2]], np.float32)
    ours = dk.layers.CategoryEncoding(num_tokens=4, output_mode="count")
    theirs = keras.layers.CategoryEncoding(num_tokens=4, output_mode="count")
    np.testing.assert_allclose(ours(x, count_weights=w).numpy(),
                               np.asarray(theirs(x, count_weights=w)), atol=ATOL)
    with pytest.raises(ValueError, match="`count_weights` is not used"):
        dk.layers.CategoryEncoding(num_tokens=4)(x, count_weights=w)


def test_category_encoding_errors():
    with pytest.raises(ValueError, match="num_tokens must be set"):
        dk.layers.CategoryEncoding()
    with pytest.raises(ValueError, match="Unknown arg for output_mode"):
        dk.layers.CategoryEncoding(3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="'enc'.*CategoryEncoding.*integer inputs"):
        dk.layers.CategoryEncoding(3, name="enc")(np.array(["a"]))


def _keras_adapt(layer, batches):
    """Keras's adapt() minus its tf.data type check (which imports TensorFlow): the same
    update_state per batch, then finalize_state."""
    layer.reset_state()
    for batch in batches:
        layer.update_state(batch)
    layer.finalize_state()


ADAPT_CASES = [
    ("normal_4", {"num_bins": 4}, lambda r: r.normal(size=(1000, 1))),
    ("exp_fine_eps", {"num_bins": 5, "epsilon": 0.001}, lambda r: r.exponential(size=(2000, 3))),
    ("tiny", {"num_bins": 3}, lambda r: np.array([[1.0], [2.0], [3.0], [4.0], [5.0]])),
    ("uniform_vector", {"num_bins": 10, "epsilon": 0.05}, lambda r: r.uniform(size=777)),
    ("ties", {"num_bins": 4}, lambda r: r.integers(0, 3, size=(50, 2)).astype(float)),
]


@pytest.mark.parametrize("kwargs,make", [c[1:] for c in ADAPT_CASES],
                         ids=[c[0] for c in ADAPT_CASES])
def test_discretization_adapt_boundaries(kwargs, make):
    data = make(np.random.default_rng(0))
    ours, theirs = dk.layers.Discretization(**kwargs), keras.layers.Discretization(**kwargs)
    ours.adapt(data)
    _keras_adapt(theirs, [data])
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    x = data[:7].astype(np.float32)
    np.testing.assert_array_equal(ours(x).numpy(), np.asarray(theirs(x)))


def test_discretization_adapt_on_a_dataset_of_batches():
    import frontends.tf_like as tf
    data = np.random.default_rng(1).normal(size=(300, 2)).astype(np.float32)
    ours = dk.layers.Discretization(num_bins=3)
    ours.adapt(tf.data.Dataset.from_tensor_slices(data).batch(64))
    theirs = keras.layers.Discretization(num_bins=3)
    _keras_adapt(theirs, [data[i:i + 64] for i in range(0, 300, 64)])  # the same batches
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_output_modes(mode):
    kwargs = {"bin_boundaries": [0.0, 1.0, 2.5], "output_mode": mode}
    x = np.array([-1.0, 0.0, 1.0, 2.5, 3.0], np.float32) if mode == "one_hot" else \
        np.array([[-1.0, 0.0, 1.0], [2.5, 3.0, 0.5]], np.float32)
    ours, theirs = dk.layers.Discretization(**kwargs), keras.layers.Discretization(**kwargs)
    out, ref = ours(x).numpy(), np.asarray(theirs(x))
    assert out.dtype == ref.dtype and out.shape == ref.shape
    np.testing.assert_allclose(out, ref, atol=ATOL)
    assert ours.get_config() == {**theirs.get_config(), "name": ours.name}


def test_discretization_errors_and_config_round_trip():
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        dk.layers.Discretization()
    with pytest.raises(ValueError, match="Both `num_bins` and `bin_boundaries`"):
        dk.layers.Discretization(bin_boundaries=[1.0], num_bins=2)
    with pytest.raises(ValueError, match="Cannot adapt a Discretization layer"):
        dk.layers.Discretization(bin_boundaries=[1.0]).adapt(np.zeros(3))
    layer = dk.layers.Discretization(num_bins=3)
    with pytest.raises(ValueError, match="call `adapt"):
        layer(np.zeros(2, np.float32))
    layer.adapt(np.arange(9.0))
    clone = dk.layers.Discretization.from_config(layer.get_config())
    assert clone.bin_boundaries == layer.bin_boundaries and clone.num_bins == 3


def test_encoders_run_inside_a_fitted_model():
    inp = dk.Input((3,))
    bins = dk.layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="count")(inp)
    hot = dk.layers.CategoryEncoding(3, output_mode="multi_hot")(
        dk.layers.Discretization(bin_boundaries=[0.5, 1.5])(inp))
    out = dk.layers.Dense(1)(dk.layers.Concatenate()([bins, hot]))
    model = dk.Model(inp, out)
    model.compile("sgd", "mse")
    x = np.array([[-1.0, 0.5, 2.0], [1.0, 1.0, 1.0], [0.2, 3.0, -4.0]], np.float32)
    history = model.fit(x, np.ones((3, 1), np.float32), epochs=3, verbose=0).history["loss"]
    assert history[-1] < history[0]
    features = np.concatenate([keras.layers.Discretization(
        bin_boundaries=[0.0, 1.0], output_mode="count")(x), keras.layers.CategoryEncoding(
        3, output_mode="multi_hot")(keras.layers.Discretization(bin_boundaries=[0.5, 1.5])(x))],
        axis=-1)
    dense = model.layers[-1]
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               features @ dense.kernel.numpy() + dense.bias.numpy(), atol=1e-5)
