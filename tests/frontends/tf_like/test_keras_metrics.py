"""keras.metrics against real Keras 3 (torch backend): results after several update_state
calls with and without sample weights, reset_state, the compile-string API, and the split of
update_state into `_stats` increments that Keras fit runs inside the compiled step."""

from __future__ import annotations

import os

import numpy as np
import pytest

from frontends.tf_like import keras as dk
from frontends.tf_like.keras.metrics.metric import uses_stats

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

RTOL, ATOL = 1e-5, 1e-6
N = 24


def _data():
    rng = np.random.default_rng(7)
    y_bin = rng.integers(0, 2, (N, 1)).astype("float32")
    p_bin = rng.random((N, 1)).astype("float32")
    onehot = np.eye(5, dtype="float32")[rng.integers(0, 5, N)]
    scores = rng.random((N, 5)).astype("float32")
    labels = rng.integers(0, 5, N)
    multi = rng.integers(0, 2, (N, 5)).astype("float32")
    sw = rng.uniform(0.1, 2.0, N).astype("float32")
    return {"y_bin": y_bin, "p_bin": p_bin, "onehot": onehot, "scores": scores,
            "labels": labels, "multi": multi, "sw": sw}


D = _data()
BIN, CAT, SPARSE, MULTI = ("y_bin", "p_bin"), ("onehot", "scores"), ("labels", "scores"), \
    ("multi", "scores")

# (class name, constructor kwargs, (y_true key, y_pred key))
CASES = [
    ("Accuracy", {}, ("labels", "labels")),
    ("BinaryAccuracy", {}, BIN),
    ("BinaryAccuracy", {"threshold": 0.7}, BIN),
    ("CategoricalAccuracy", {}, CAT),
    ("SparseCategoricalAccuracy", {}, SPARSE),
    ("TopKCategoricalAccuracy", {"k": 2}, CAT),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, SPARSE),
    ("Precision", {}, BIN),
    ("Precision", {"thresholds": [0.2, 0.5, 0.8]}, BIN),
    ("Precision", {"top_k": 2}, MULTI),
    ("Recall", {}, BIN),
    ("Recall", {"class_id": 2}, MULTI),
    ("TruePositives", {}, BIN),
    ("FalsePositives", {"thresholds": [0.3, 0.6]}, BIN),
    ("TrueNegatives", {}, BIN),
    ("FalseNegatives", {}, BIN),
    ("AUC", {}, BIN),
    ("AUC", {"curve": "PR"}, BIN),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, BIN),
    ("AUC", {"summation_method": "minoring", "num_thresholds": 37}, BIN),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, BIN),
    ("AUC", {"multi_label": True}, MULTI),
    ("AUC", {"from_logits": True}, BIN),
    ("SensitivityAtSpecificity", {"specificity": 0.5}, BIN),
    ("SpecificityAtSensitivity", {"sensitivity": 0.5}, BIN),
    ("PrecisionAtRecall", {"recall": 0.6}, BIN),
    ("RecallAtPrecision", {"precision": 0.5, "num_thresholds": 50}, BIN),
    ("MeanSquaredError", {}, CAT),
    ("MeanAbsoluteError", {}, CAT),
    ("MeanAbsolutePercentageError", {}, ("scores", "onehot")),
    ("MeanSquaredLogarithmicError", {}, CAT),
    ("RootMeanSquaredError", {}, CAT),
    ("CosineSimilarity", {}, CAT),
    ("LogCoshError", {}, CAT),
    ("R2Score", {}, ("scores", "multi")),
    ("BinaryCrossentropy", {}, BIN),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, CAT),
    ("SparseCategoricalCrossentropy", {}, SPARSE),
    ("KLDivergence", {}, CAT),
    ("Poisson", {}, CAT),
    ("Hinge", {}, BIN),
    ("SquaredHinge", {}, BIN),
    ("CategoricalHinge", {}, CAT),
]


def _ids(cases):
    return [f"{n}-{'-'.join(map(str, k.values())) or 'default'}" for n, k, _ in cases]


def _feed(metric, keys, weighted):
    y_true, y_pred = D[keys[0]], D[keys[1]]
    halves = [slice(0, N // 3), slice(N // 3, N)]
    for i, s in enumerate(halves):
        sw = D["sw"][s] if weighted and i == 1 else None
        metric.update_state(y_true[s], y_pred[s], sample_weight=sw)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name,kwargs,keys", CASES, ids=_ids(CASES))
def test_metric_results_match_keras(name, kwargs, keys, weighted):
    ours, theirs = getattr(dk.metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    _feed(ours, keys, weighted)
    _feed(theirs, keys, weighted)
    np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()),
                               rtol=RTOL, atol=ATOL)
    assert ours.name == theirs.name
    assert [v.name for v in ours.variables] == [v.name for v in theirs.variables]


@pytest.mark.parametrize("name,kwargs,keys", CASES[:8], ids=_ids(CASES[:8]))
def test_reset_state_starts_over(name, kwargs, keys):
    metric = getattr(dk.metrics, name)(**kwargs)
    _feed(metric, keys, weighted=True)
    metric.reset_state()
    fresh = getattr(dk.metrics, name)(**kwargs)
    y_true, y_pred = D[keys[0]][:5], D[keys[1]][:5]
    metric.update_state(y_true, y_pred)
    fresh.update_state(y_true, y_pred)
    np.testing.assert_allclose(np.asarray(metric.result()), np.asarray(fresh.result()))


def test_mean_and_sum_with_weights_of_every_rank():
    values = np.arange(12, dtype="float32").reshape(4, 3)
    for weights in (None, np.array([1.0, 0.0, 2.0, 1.0], "float32"), np.ones((4, 3), "float32"),
                    np.float32(2.0)):
        for name in ("Mean", "Sum"):
            ours, theirs = getattr(dk.metrics, name)(), getattr(keras.metrics, name)()
            ours.update_state(values, sample_weight=weights)
            theirs.update_state(values, sample_weight=weights)
            np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()),
                                       rtol=RTOL)


def test_mean_metric_wrapper_of_a_custom_function():
    def low(y_true, y_pred):
        return (np.asarray(y_pred) < 0.5).astype("float32")

    ours, theirs = dk.metrics.MeanMetricWrapper(low, name="low"), \
        keras.metrics.MeanMetricWrapper(low, name="low")
    for m in (ours, theirs):
        m.update_state(D["y_bin"], D["p_bin"], sample_weight=D["sw"])
    np.testing.assert_allclose(float(ours.result()), float(theirs.result()), rtol=RTOL)


def test_calling_a_metric_updates_it_and_returns_the_result():
    m = dk.metrics.Mean()
    assert float(m([1.0, 3.0])) == pytest.approx(2.0)
    assert float(m([5.0])) == pytest.approx(3.0)


def test_built_in_metrics_expose_traceable_increments():
    for name, kwargs, _ in CASES:
        assert uses_stats(getattr(dk.metrics, name)(**kwargs)), name


def test_a_subclass_overriding_update_state_is_updated_eagerly():
    class Count(dk.metrics.Metric):
        def __init__(self):
            super().__init__(name="count")
            self.n = self.add_variable(shape=(), initializer="zeros", name="n")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.n.assign(self.n.numpy() + len(np.asarray(y_true)))

        def result(self):
            return self.n.read_value()

    m = Count()
    assert not uses_stats(m)
    m.update_state(np.zeros(3), np.zeros(3))
    assert float(m.result()) == 3.0
    assert m.variables[0].path == "count/n"


@pytest.mark.parametrize("identifier,cls", [
    ("mse", "MeanSquaredError"), ("MAE", "MeanAbsoluteError"), ("auc", "AUC"),
    ("binary_accuracy", "BinaryAccuracy"), ("AUC", "AUC"), ("top_k_categorical_accuracy",
                                                            "TopKCategoricalAccuracy")])
def test_get_resolves_keras_strings(identifier, cls):
    assert type(dk.metrics.get(identifier)).__name__ == cls


def test_unknown_metric_string_lists_the_valid_ones():
    with pytest.raises(ValueError, match="Could not interpret metric identifier: nope.*accuracy"):
        dk.metrics.get("nope")


def test_serialize_round_trip():
    m = dk.metrics.AUC(num_thresholds=50, curve="PR", name="pr")
    again = dk.metrics.deserialize(dk.metrics.serialize(m))
    assert (again.num_thresholds, again.curve, again.name) == (50, "PR", "pr")


def test_metric_argument_errors_match_keras():
    with pytest.raises(ValueError, match="Threshold values must be in"):
        dk.metrics.Precision(thresholds=[1.5])
    with pytest.raises(ValueError, match="num_thresholds"):
        dk.metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match='Invalid AUC curve value: "ROCX"'):
        dk.metrics.AUC(curve="ROCX")
    with pytest.raises(ValueError, match="`specificity` must be in the range"):
        dk.metrics.SensitivityAtSpecificity(1.5)
