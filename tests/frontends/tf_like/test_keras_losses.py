"""keras.losses against real Keras 3 (torch backend): values and gradients of every loss
function and class, reductions, sample weights, from_logits, label smoothing, axis,
ignore_class, and the string/serialization API."""

from __future__ import annotations

import os

import numpy as np
import pytest

import frontends.tf_like as tf
from frontends.tf_like import keras as dk

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-5, 1e-6  # float32


def _data(seed=0, shape=(6, 4)):
    rng = np.random.default_rng(seed)
    y_bin = rng.integers(0, 2, shape).astype("float32")
    probs = rng.uniform(0.02, 0.98, shape).astype("float32")
    logits = rng.normal(0, 2, shape).astype("float32")
    onehot = np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[0])]
    labels = rng.integers(0, shape[-1], shape[0])
    weights = rng.uniform(0.1, 2.0, shape[0]).astype("float32")
    return y_bin, probs, logits, onehot, labels, weights


def _ours_with_grad(fn, y_true, y_pred):
    pred = tf.constant(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(pred)
        value = fn(y_true, pred)
        total = tf.reduce_sum(value) if value.shape else value
    return value.numpy(), tape.gradient(total, pred).numpy()


def _keras_with_grad(fn, y_true, y_pred):
    pred = torch.tensor(y_pred, requires_grad=True)
    value = fn(torch.tensor(y_true), pred)
    value.sum().backward()
    return value.detach().numpy(), pred.grad.numpy()


# (name, kwargs, which y_true, which y_pred)
FUNCTIONS = [
    ("mean_squared_error", {}, "bin", "probs"),
    ("mean_absolute_error", {}, "bin", "logits"),
    ("mean_absolute_percentage_error", {}, "probs", "logits"),
    ("mean_squared_logarithmic_error", {}, "probs", "probs"),
    ("cosine_similarity", {}, "logits", "probs"),
    ("cosine_similarity", {"axis": 0}, "logits", "probs"),
    ("huber", {}, "bin", "logits"),
    ("huber", {"delta": 0.5}, "bin", "logits"),
    ("log_cosh", {}, "bin", "logits"),
    ("kl_divergence", {}, "probs", "probs"),
    ("poisson", {}, "bin", "probs"),
    ("hinge", {}, "bin", "logits"),
    ("squared_hinge", {}, "bin", "logits"),
    ("categorical_hinge", {}, "onehot", "logits"),
    ("binary_crossentropy", {}, "bin", "probs"),
    ("binary_crossentropy", {"from_logits": True}, "bin", "logits"),
    ("binary_crossentropy", {"label_smoothing": 0.2}, "bin", "probs"),
    ("binary_crossentropy", {"axis": 0}, "bin", "probs"),
    ("binary_focal_crossentropy", {}, "bin", "probs"),
    ("binary_focal_crossentropy", {"from_logits": True, "apply_class_balancing": True,
                                   "gamma": 3.0}, "bin", "logits"),
    ("categorical_crossentropy", {}, "onehot", "probs"),
    ("categorical_crossentropy", {"from_logits": True}, "onehot", "logits"),
    ("categorical_crossentropy", {"label_smoothing": 0.1}, "onehot", "probs"),
    ("categorical_crossentropy", {"axis": 0, "from_logits": True}, "bin", "logits"),
    ("categorical_focal_crossentropy", {}, "onehot", "probs"),
    ("sparse_categorical_crossentropy", {}, "labels", "probs"),
    ("sparse_categorical_crossentropy", {"from_logits": True}, "labels", "logits"),
    ("sparse_categorical_crossentropy", {"ignore_class": 1, "from_logits": True}, "labels",
     "logits"),
]


def _pick(which, data):
    y_bin, probs, logits, onehot, labels, _ = data
    return {"bin": y_bin, "probs": probs, "logits": logits, "onehot": onehot,
            "labels": labels}[which]


@pytest.mark.parametrize("name,kwargs,t,p", FUNCTIONS,
                         ids=[f"{n}-{'-'.join(map(str, k.values())) or 'default'}"
                              for n, k, _, _ in FUNCTIONS])
def test_loss_function_values_and_gradients_match_keras(name, kwargs, t, p):
    data = _data()
    y_true, y_pred = _pick(t, data), _pick(p, data)
    ours, our_grad = _ours_with_grad(lambda a, b: getattr(dk.losses, name)(a, b, **kwargs),
                                     y_true, y_pred)
    theirs, their_grad = _keras_with_grad(lambda a, b: getattr(keras.losses, name)(a, b,
                                                                                    **kwargs),
                                          y_true, y_pred)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-4, atol=1e-5)


CLASSES = [
    ("MeanSquaredError", {}, "bin", "probs"),
    ("MeanAbsoluteError", {}, "bin", "probs"),
    ("MeanAbsolutePercentageError", {}, "probs", "logits"),
    ("MeanSquaredLogarithmicError", {}, "probs", "probs"),
    ("CosineSimilarity", {}, "logits", "probs"),
    ("Huber", {"delta": 2.0}, "bin", "logits"),
    ("LogCosh", {}, "bin", "logits"),
    ("KLDivergence", {}, "probs", "probs"),
    ("Poisson", {}, "bin", "probs"),
    ("Hinge", {}, "bin", "logits"),
    ("SquaredHinge", {}, "bin", "logits"),
    ("CategoricalHinge", {}, "onehot", "logits"),
    ("BinaryCrossentropy", {}, "bin", "probs"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "bin", "logits"),
    ("BinaryFocalCrossentropy", {"alpha": 0.4}, "bin", "probs"),
    ("CategoricalCrossentropy", {}, "onehot", "probs"),
    ("CategoricalCrossentropy", {"from_logits": True}, "onehot", "logits"),
    ("CategoricalFocalCrossentropy", {}, "onehot", "probs"),
    ("SparseCategoricalCrossentropy", {}, "labels", "probs"),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 2}, "labels",
     "logits"),
]
REDUCTIONS = ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs,t,p", CLASSES,
                         ids=[f"{n}-{'-'.join(map(str, k.values())) or 'default'}"
                              for n, k, _, _ in CLASSES])
def test_loss_classes_with_reductions_and_sample_weights_match_keras(name, kwargs, t, p,
                                                                     reduction):
    data = _data(1)
    y_true, y_pred, weights = _pick(t, data), _pick(p, data), data[-1]
    ours = getattr(dk.losses, name)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)
    for sw in (None, weights):
        got = ours(y_true, y_pred, sample_weight=sw)
        want = theirs(y_true, y_pred, sample_weight=sw)
        np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=RTOL, atol=ATOL)


def test_loss_class_gradient_with_sample_weight_matches_keras():
    y_bin, probs, _, _, _, weights = _data(2)
    ours = dk.losses.BinaryCrossentropy()
    theirs = keras.losses.BinaryCrossentropy()
    got, got_grad = _ours_with_grad(lambda a, b: ours(a, b, sample_weight=weights), y_bin, probs)
    want, want_grad = _keras_with_grad(lambda a, b: theirs(a, b, sample_weight=weights), y_bin,
                                       probs)
    np.testing.assert_allclose(got, want, rtol=RTOL)
    np.testing.assert_allclose(got_grad, want_grad, rtol=1e-4, atol=1e-6)


def test_binary_crossentropy_clips_probabilities_like_keras():
    y_true = np.array([[1.0, 0.0, 1.0]], "float32")
    y_pred = np.array([[0.0, 1.0, 1.0]], "float32")  # log(0) without the clip
    got = dk.losses.binary_crossentropy(y_true, y_pred).numpy()
    want = np.asarray(keras.losses.binary_crossentropy(y_true, y_pred))
    np.testing.assert_allclose(got, want, rtol=RTOL)
    assert np.isfinite(got).all()


def test_categorical_crossentropy_renormalizes_probabilities():
    y_true = np.array([[0.0, 1.0, 0.0]], "float32")
    unnormalized = np.array([[1.0, 2.0, 1.0]], "float32")
    got = dk.losses.categorical_crossentropy(y_true, unnormalized).numpy()
    np.testing.assert_allclose(got, [-np.log(0.5)], rtol=RTOL)


def test_sparse_labels_with_a_trailing_axis_of_one():
    _, probs, _, _, labels, _ = _data(3)
    got = dk.losses.SparseCategoricalCrossentropy()(labels[:, None], probs)
    want = keras.losses.SparseCategoricalCrossentropy()(labels[:, None], probs)
    np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=RTOL)


@pytest.mark.parametrize("alias,function", [
    ("mse", "mean_squared_error"), ("mae", "mean_absolute_error"),
    ("MAPE", "mean_absolute_percentage_error"), ("msle", "mean_squared_logarithmic_error"),
    ("kld", "kl_divergence"), ("bce", "binary_crossentropy")])
def test_string_aliases_resolve_to_keras_functions(alias, function):
    assert dk.losses.get(alias) is getattr(dk.losses, function)


def test_get_instantiates_classes_and_passes_objects_through():
    assert isinstance(dk.losses.get("BinaryCrossentropy"), dk.losses.BinaryCrossentropy)
    loss = dk.losses.Huber(delta=3.0)
    assert dk.losses.get(loss) is loss
    config = {"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}}
    assert dk.losses.get(config).from_logits is True


def test_unknown_loss_string_lists_the_valid_ones():
    with pytest.raises(ValueError, match="Could not interpret loss identifier: nope.*"
                                         "binary_crossentropy.*mse"):
        dk.losses.get("nope")


def test_serialize_round_trip():
    loss = dk.losses.BinaryFocalCrossentropy(gamma=3.0, name="focal")
    config = dk.losses.serialize(loss)
    assert config["class_name"] == "BinaryFocalCrossentropy"
    again = dk.losses.deserialize(config)
    assert (again.gamma, again.name) == (3.0, "focal")
    assert dk.losses.serialize(dk.losses.mean_squared_error) == "mean_squared_error"


def test_default_names_and_config_match_keras():
    for name in ("MeanSquaredError", "Huber", "BinaryCrossentropy", "SparseCategoricalCrossentropy",
                 "KLDivergence", "LogCosh"):
        ours, theirs = getattr(dk.losses, name)(), getattr(keras.losses, name)()
        assert ours.name == theirs.name
        assert ours.get_config() == {k: v for k, v in theirs.get_config().items()
                                     if k != "dtype"}


def test_invalid_reduction_is_rejected():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        dk.losses.MeanSquaredError(reduction="average")


def test_subclassed_loss_uses_call_and_reduction():
    class Cube(dk.losses.Loss):
        def call(self, y_true, y_pred):
            d = y_pred - y_true
            return tf.reduce_mean(d * d * d, axis=-1)

    y_true = np.zeros((2, 2), "float32")
    y_pred = np.array([[1.0, 2.0], [0.0, 1.0]], "float32")
    assert float(Cube()(y_true, y_pred)) == pytest.approx((4.5 + 0.5) / 2)
    assert float(Cube(reduction="sum")(y_true, y_pred)) == pytest.approx(5.0)
