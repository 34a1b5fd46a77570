"""Keras compile/fit/evaluate/predict against real Keras 3 (torch backend): same initial weights
(set_weights), shuffle=False, compared histories and final weights; sample and class weights,
validation data, metrics, several outputs, the *_on_batch methods, and how the train step is
compiled (one traced plan for every batch)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from frontends.tf_like import keras as dk

from ._keras_pairs import (
    assert_history_close,
    assert_weights_close,
    binary_data,
    classes_data,
    mlp_pair,
)

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")


def _both(theirs, ours, **compile_kwargs):
    """compile both models; optimizer/loss/metrics given as callables of the library."""
    for model, lib in ((theirs, keras), (ours, dk)):
        kwargs = {k: (v(lib) if callable(v) and not isinstance(v, type) else v)
                  for k, v in compile_kwargs.items()}
        model.compile(**kwargs)


def _fit_both(theirs, ours, *args, **kwargs):
    kwargs.setdefault("verbose", 0)
    kwargs.setdefault("shuffle", False)
    return theirs.fit(*args, **kwargs), ours.fit(*args, **kwargs)


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop", "adagrad", "adamw", "nadam",
                                       "adamax"])
def test_binary_classifier_history_and_weights_match_keras(optimizer):
    x, y = binary_data()
    theirs, ours = mlp_pair(keras)
    _both(theirs, ours, loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    h_theirs, h_ours = _fit_both(theirs, ours, x, y, epochs=5)
    assert_history_close(h_theirs, h_ours)
    assert_weights_close(theirs, ours)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0),
                               theirs.evaluate(x, y, verbose=0), rtol=2e-5)


def test_softmax_classifier_with_validation_data_and_metrics():
    x, y = classes_data()
    theirs, ours = mlp_pair(keras, inputs=6, hidden=12, outputs=3, activation="softmax")
    _both(theirs, ours, loss="sparse_categorical_crossentropy",
          optimizer=lambda lib: lib.optimizers.Adam(0.01),
          metrics=lambda lib: ["accuracy", lib.metrics.SparseTopKCategoricalAccuracy(k=2),
                               "sparse_categorical_crossentropy"])
    h_theirs, h_ours = _fit_both(theirs, ours, x[:120], y[:120], batch_size=20, epochs=4,
                                 validation_data=(x[120:], y[120:]))
    assert_history_close(h_theirs, h_ours)
    assert_weights_close(theirs, ours)


def test_one_hot_targets_with_validation_split_and_auc():
    x, y = classes_data(seed=4)
    onehot = np.eye(3, dtype="float32")[y]
    theirs, ours = mlp_pair(keras, inputs=6, outputs=3, activation="softmax")
    _both(theirs, ours, loss="categorical_crossentropy", optimizer="rmsprop",
          metrics=lambda lib: ["acc", lib.metrics.AUC(name="auc"), lib.metrics.Precision()])
    h_theirs, h_ours = _fit_both(theirs, ours, x, onehot, epochs=3, validation_split=0.3)
    assert_history_close(h_theirs, h_ours)


def test_sample_weight_and_weighted_metrics_match_keras():
    x, y = binary_data(150, seed=3)
    sw = np.random.default_rng(5).uniform(0.2, 2.0, len(x)).astype("float32")
    theirs, ours = mlp_pair(keras)
    _both(theirs, ours, loss="binary_crossentropy", optimizer="adam",
          metrics=["accuracy"], weighted_metrics=["accuracy", "mse"])
    h_theirs, h_ours = _fit_both(theirs, ours, x, y, sample_weight=sw, epochs=4,
                                 validation_split=0.2)
    assert_history_close(h_theirs, h_ours)
    assert_weights_close(theirs, ours)


def test_class_weight_matches_keras():
    x, y = classes_data(seed=2)
    theirs, ours = mlp_pair(keras, inputs=6, outputs=3, activation="softmax")
    _both(theirs, ours, loss="sparse_categorical_crossentropy", optimizer="adam",
          metrics=["accuracy"])
    weights = {0: 1.0, 1: 3.0, 2: 0.5}
    h_theirs, h_ours = _fit_both(theirs, ours, x, y, class_weight=weights, epochs=3)
    assert_history_close(h_theirs, h_ours)
    assert_weights_close(theirs, ours)


def test_regression_with_loss_objects_batch_size_and_initial_epoch():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(90, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 2))).astype("float32")
    theirs, ours = mlp_pair(keras, outputs=2, activation=None)
    _both(theirs, ours, loss=lambda lib: lib.losses.Huber(delta=0.5),
          optimizer=lambda lib: lib.optimizers.SGD(0.05, momentum=0.9),
          metrics=lambda lib: ["mae", "mse", lib.metrics.RootMeanSquaredError()])
    h_theirs, h_ours = _fit_both(theirs, ours, x, y, batch_size=25, epochs=4, initial_epoch=1)
    assert h_ours.epoch == [1, 2, 3]
    assert_history_close(h_theirs, h_ours)
    assert_weights_close(theirs, ours)


def test_steps_per_epoch_with_a_generator():
    x, y = binary_data(96)
    theirs, ours = mlp_pair(keras)
    _both(theirs, ours, loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

    def batches():
        while True:
            for i in range(0, 96, 16):
                yield x[i:i + 16], y[i:i + 16]

    h_theirs = theirs.fit(batches(), steps_per_epoch=6, epochs=3, verbose=0)
    h_ours = ours.fit(batches(), steps_per_epoch=6, epochs=3, verbose=0)
    assert_history_close(h_theirs, h_ours)


def test_py_dataset_input():
    x, y = binary_data(80)
    theirs, ours = mlp_pair(keras)
    _both(theirs, ours, loss="binary_crossentropy", optimizer="adam")

    def make(base):
        class Batches(base):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)

            def __len__(self):
                return 4

            def __getitem__(self, i):
                return x[i * 20:(i + 1) * 20], y[i * 20:(i + 1) * 20]
        return Batches()

    h_theirs = theirs.fit(make(keras.utils.PyDataset), epochs=2, verbose=0, shuffle=False)
    h_ours = ours.fit(make(dk.utils.PyDataset), epochs=2, verbose=0, shuffle=False)
    assert_history_close(h_theirs, h_ours)


def test_iterable_of_batches_like_a_dataset():
    """Anything iterable that yields (x, y) or (x, y, w) batches (what tf.data gives)."""
    x, y = binary_data(64)
    sw = np.linspace(0.5, 1.5, 64).astype("float32")

    class Batches:
        def __len__(self):
            return 4

        def __iter__(self):
            return ((x[i:i + 16], y[i:i + 16], sw[i:i + 16]) for i in range(0, 64, 16))

    theirs, ours = mlp_pair(keras)
    _both(theirs, ours, loss="binary_crossentropy", optimizer="sgd")
    theirs.fit(x, y, sample_weight=sw, batch_size=16, epochs=2, verbose=0, shuffle=False)
    ours.fit(Batches(), epochs=2, verbose=0)
    assert_weights_close(theirs, ours)
    assert ours.evaluate(Batches(), verbose=0) == pytest.approx(
        theirs.evaluate(x, y, sample_weight=sw, batch_size=16, verbose=0), rel=2e-5)


def test_multiple_outputs_with_dict_losses_weights_and_metrics():
    x, y = classes_data(seed=6)
    y_reg = x[:, :2].sum(1, keepdims=True).astype("float32")
    models = []
    for lib in (keras, dk):
        inputs = lib.Input((6,))
        hidden = lib.layers.Dense(8, activation="relu", name="hidden")(inputs)
        cls = lib.layers.Dense(3, activation="softmax", name="cls")(hidden)
        reg = lib.layers.Dense(1, name="reg")(hidden)
        models.append(lib.Model(inputs, [cls, reg]))
    theirs, ours = models
    ours.set_weights(theirs.get_weights())
    _both(theirs, ours, optimizer="adam",
          loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
          loss_weights={"cls": 1.0, "reg": 0.5}, metrics={"cls": ["accuracy"], "reg": ["mae"]})
    h_theirs, h_ours = _fit_both(theirs, ours, x, {"cls": y, "reg": y_reg}, epochs=3,
                                 validation_split=0.2)
    assert_history_close(h_theirs, h_ours)
    assert_weights_close(theirs, ours)


def test_evaluate_return_forms_and_metrics_names():
    x, y = binary_data(64)
    theirs, ours = mlp_pair(keras)
    _both(theirs, ours, loss="binary_crossentropy", optimizer="adam", metrics=["accuracy",
                                                                              "mse"])
    theirs.fit(x, y, epochs=1, verbose=0, shuffle=False)
    ours.fit(x, y, epochs=1, verbose=0, shuffle=False)
    assert ours.metrics_names == theirs.metrics_names == ["loss", "compile_metrics"]
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0),
                               rtol=2e-5)
    ours_dict = ours.evaluate(x, y, verbose=0, return_dict=True)
    theirs_dict = theirs.evaluate(x, y, verbose=0, return_dict=True)
    assert list(ours_dict) == list(theirs_dict)
    only_loss = dk.Sequential([dk.layers.Dense(1)])
    only_loss.compile(loss="mse", optimizer="sgd")
    assert isinstance(only_loss.evaluate(x, y, verbose=0), float)


def test_predict_matches_keras_for_every_batch_size():
    x, _ = binary_data(77)
    theirs, ours = mlp_pair(keras)
    for batch_size in (None, 10, 77):
        np.testing.assert_allclose(ours.predict(x, batch_size=batch_size, verbose=0),
                                   theirs.predict(x, batch_size=batch_size, verbose=0),
                                   rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.predict_on_batch(x[:5]), theirs.predict_on_batch(x[:5]),
                               rtol=1e-5, atol=1e-6)


def test_train_and_test_on_batch_match_keras():
    x, y = binary_data(64)
    theirs, ours = mlp_pair(keras)
    _both(theirs, ours, loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    for _ in range(3):
        np.testing.assert_allclose(ours.train_on_batch(x[:32], y[:32]),
                                   theirs.train_on_batch(x[:32], y[:32]), rtol=2e-5)
    assert ours.test_on_batch(x, y, return_dict=True) == pytest.approx(
        theirs.test_on_batch(x, y, return_dict=True), rel=2e-5)
    assert_weights_close(theirs, ours)


def test_regularization_losses_are_trained_and_reported():
    x, y = binary_data(64)
    models = []
    for lib in (keras, dk):
        model = lib.Sequential([lib.layers.Dense(6, activation="relu",
                                                 kernel_regularizer=lib.regularizers.l2(0.1)),
                                lib.layers.Dense(1, activation="sigmoid")])
        model.build((None, 8))
        models.append(model)
    theirs, ours = models
    ours.set_weights(theirs.get_weights())
    _both(theirs, ours, loss="binary_crossentropy", optimizer="sgd")
    h_theirs, h_ours = _fit_both(theirs, ours, x, y, epochs=3, validation_split=0.25)
    assert_history_close(h_theirs, h_ours)
    assert_weights_close(theirs, ours)


def test_the_train_step_is_traced_once_for_all_batch_sizes():
    x, y = binary_data(70)  # batches of 32, 32 and a partial 6
    _, ours = mlp_pair(keras)
    ours.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    ours.fit(x, y, epochs=2, verbose=0)
    ours.fit(x[:50], y[:50], batch_size=7, epochs=1, verbose=0)
    plans = ours.train_function._plans
    assert len(plans) == 1
    graph = next(iter(plans.values())).graph
    assert graph.inputs[0].shape[0] == "N"
    assert any(n.op.name == "AdamUpdate" for n in graph.nodes)


def test_run_eagerly_gives_the_compiled_results():
    x, y = binary_data(60)
    initial = mlp_pair(keras)[1].get_weights()
    results = []
    for eager in (False, True):
        _, ours = mlp_pair(keras)
        ours.set_weights(initial)
        ours.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"],
                     run_eagerly=eager)
        history = ours.fit(x, y, epochs=2, verbose=0, shuffle=False)
        results.append((history.history, ours.get_weights()))
    for key in results[0][0]:
        np.testing.assert_allclose(results[1][0][key], results[0][0][key], rtol=1e-6)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


def test_shuffle_is_reproducible_with_set_random_seed():
    x, y = binary_data(64)
    weights = []
    for _ in range(2):
        dk.utils.set_random_seed(3)
        _, ours = mlp_pair(keras)
        ours.compile(loss="binary_crossentropy", optimizer="adam")
        ours.fit(x, y, epochs=2, verbose=0, shuffle=True)
        weights.append(ours.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_compile_rejects_unknown_strings_with_the_valid_ones():
    model = dk.Sequential([dk.layers.Dense(1)])
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: adamm"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match="Could not interpret loss identifier: msee.*mse"):
        model.compile(optimizer="adam", loss="msee")
    with pytest.raises(ValueError, match="Could not interpret metric identifier: accuracyy"):
        model.compile(optimizer="adam", loss="mse", metrics=["accuracyy"])


def test_fit_before_compile_is_an_error():
    model = dk.Sequential([dk.layers.Dense(1)])
    with pytest.raises(ValueError, match="You must call `compile\\(\\)` before using the model"):
        model.fit(np.zeros((4, 3), "float32"), np.zeros((4, 1), "float32"), verbose=0)


def test_bad_input_errors_leave_the_model_unchanged():
    x, y = binary_data(40)
    _, ours = mlp_pair(keras)
    ours.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    before = [w.copy() for w in ours.get_weights()]
    with pytest.raises(ValueError, match="Data cardinality is ambiguous.*'x' sizes: 40\n"
                                         "'y' sizes: 39"):
        ours.fit(x, y[:-1], verbose=0)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 8, but "
                                         "received input with shape \\(32, 5\\)"):
        ours.fit(x[:, :5], y, verbose=0)
    for a, b in zip(before, ours.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(ours.optimizer.iterations.numpy()) == 0
    ours.fit(x, y, epochs=1, verbose=0)  # still trains afterwards
    assert int(ours.optimizer.iterations.numpy()) == 2


def test_dict_of_named_inputs_matches_keras():
    rng = np.random.default_rng(9)
    x = {"a": rng.normal(size=(64, 3)).astype("float32"),
         "b": rng.normal(size=(64, 2)).astype("float32")}
    y = (x["a"].sum(1) > x["b"].sum(1)).astype("float32")
    models = []
    for lib in (keras, dk):
        inputs = {"a": lib.Input((3,), name="a"), "b": lib.Input((2,), name="b")}
        merged = lib.layers.Concatenate()([inputs["a"], inputs["b"]])
        out = lib.layers.Dense(1, activation="sigmoid")(lib.layers.Dense(4, activation="relu")(
            merged))
        models.append(lib.Model(inputs, out))
    theirs, ours = models
    ours.set_weights(theirs.get_weights())
    _both(theirs, ours, loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    h_theirs, h_ours = _fit_both(theirs, ours, x, y, batch_size=16, epochs=3,
                                 validation_split=0.25)
    assert_history_close(h_theirs, h_ours)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_tf_data_dataset_for_fit_evaluate_and_predict():
    import frontends.tf_like as tf
    x, y = binary_data(70)
    theirs, ours = mlp_pair(keras)
    _both(theirs, ours, loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    h_ours = ours.fit(dataset, epochs=2, verbose=0, shuffle=False, validation_data=dataset,
                      validation_freq=2)
    h_theirs = theirs.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False,
                          validation_data=(x, y), validation_freq=2)
    assert_history_close(h_theirs, h_ours)
    assert ours.evaluate(dataset, verbose=0) == pytest.approx(
        theirs.evaluate(x, y, batch_size=16, verbose=0), rel=2e-5)
    features_only = tf.data.Dataset.from_tensor_slices(x).batch(16)
    np.testing.assert_allclose(ours.predict(features_only, verbose=0),
                               theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_dataset_inputs_refuse_separate_targets():
    x, y = binary_data(32)
    _, ours = mlp_pair(keras)
    ours.compile(loss="binary_crossentropy", optimizer="adam")

    def batches():
        yield x, y

    with pytest.raises(ValueError, match="When providing `x` as a generator, `y` should not be "
                                         "passed"):
        ours.fit(batches(), y, verbose=0)
    with pytest.raises(ValueError, match="Training data contains 1 samples, which is not "
                                         "sufficient to split"):
        ours.fit(x[:1], y[:1], validation_split=0.5, verbose=0)


def test_batch_normalization_statistics_are_updated_like_keras():
    x, y = classes_data(120)
    models = []
    for lib in (keras, dk):
        model = lib.Sequential([lib.layers.Dense(8), lib.layers.BatchNormalization(),
                                lib.layers.Activation("relu"), lib.layers.Dropout(0.0),
                                lib.layers.Dense(3, activation="softmax")])
        model.build((None, 6))
        models.append(model)
    theirs, ours = models
    ours.set_weights(theirs.get_weights())
    _both(theirs, ours, loss="sparse_categorical_crossentropy", optimizer="adam",
          metrics=["accuracy"])
    h_theirs, h_ours = _fit_both(theirs, ours, x, y, epochs=3, validation_split=0.2)
    assert_history_close(h_theirs, h_ours)
    assert_weights_close(theirs, ours, atol=1e-4)  # the moving variance drifts most


def test_frozen_layers_are_not_updated_and_unfreezing_retraces():
    x, y = binary_data(64)
    _, ours = mlp_pair(keras)
    ours.compile(loss="binary_crossentropy", optimizer="adam")
    ours.fit(x, y, epochs=1, verbose=0)
    ours.layers[0].trainable = False
    frozen = [w.copy() for w in ours.layers[0].get_weights()]
    ours.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(frozen, ours.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    ours.layers[0].trainable = True
    ours.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(frozen[0], ours.layers[0].get_weights()[0])


def test_embedding_model_with_integer_inputs_matches_keras():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, (64, 5))
    y = (x.sum(1) > 22).astype("float32")
    models = []
    for lib in (keras, dk):
        model = lib.Sequential([lib.layers.Embedding(10, 4), lib.layers.GlobalAveragePooling1D(),
                                lib.layers.Dense(1, activation="sigmoid")])
        model.build((None, 5))
        models.append(model)
    theirs, ours = models
    ours.set_weights(theirs.get_weights())
    _both(theirs, ours, loss="binary_crossentropy", optimizer="adam")
    assert_history_close(*_fit_both(theirs, ours, x, y, epochs=2))
    assert_weights_close(theirs, ours)


def test_an_overridden_train_step_is_called_with_the_batch():
    x, y = binary_data(48)

    import frontends.tf_like as tf

    class Custom(dk.Model):
        def __init__(self):
            super().__init__()
            self.hidden = dk.layers.Dense(6, activation="relu")
            self.out = dk.layers.Dense(1, activation="sigmoid")

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

        def train_step(self, data):
            xb, yb = data
            with tf.GradientTape() as tape:
                y_pred = self(xb, training=True)
                loss = self.compute_loss(y=yb, y_pred=y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            return {"loss": loss, "double": loss * 2.0}

    ours = Custom()
    ours.build((None, 8))
    ours.compile(loss="binary_crossentropy", optimizer=dk.optimizers.SGD(0.1))
    history = ours.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    assert sorted(history.history) == ["double", "loss"]
    np.testing.assert_allclose(history.history["double"], 2 * np.array(history.history["loss"]),
                               rtol=1e-6)
    assert int(ours.optimizer.iterations.numpy()) == 6


@pytest.mark.parametrize("optimizer", [
    lambda lib: lib.optimizers.SGD(0.1, weight_decay=0.05),
    lambda lib: lib.optimizers.Adadelta(1.0, weight_decay=0.05),
    lambda lib: lib.optimizers.Adam(0.01, gradient_accumulation_steps=2),
    lambda lib: lib.optimizers.RMSprop(0.01, use_ema=True, ema_overwrite_frequency=3),
], ids=["sgd-weight-decay", "adadelta-weight-decay", "adam-accumulation", "rmsprop-ema"])
def test_constraints_and_optimizer_options_inside_the_compiled_step(optimizer):
    x, y = binary_data(96)
    models = []
    for lib in (keras, dk):
        model = lib.Sequential([
            lib.layers.Dense(6, activation="relu", kernel_constraint=lib.constraints.NonNeg()),
            lib.layers.Dense(1, activation="sigmoid",
                             kernel_constraint=lib.constraints.MaxNorm(0.5))])
        model.build((None, 8))
        models.append(model)
    theirs, ours = models
    ours.set_weights(theirs.get_weights())
    _both(theirs, ours, loss="binary_crossentropy", optimizer=optimizer)
    assert_history_close(*_fit_both(theirs, ours, x, y, batch_size=16, epochs=2))
    assert_weights_close(theirs, ours)
    if not ours.optimizer.use_ema:  # fit ends by writing the averages (unconstrained) back
        assert (ours.layers[0].get_weights()[0] >= 0).all()
