"""keras.optimizers.schedules against real Keras 3: learning-rate sequences over steps, config
round trips, argument errors, custom LearningRateSchedule subclasses (eagerly and in fit)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from frontends.tf_like import keras as dk

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

SCHEDULES = {
    "exponential": ("ExponentialDecay", {
        "initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.7}),
    "exponential-staircase": ("ExponentialDecay", {
        "initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.7, "staircase": True}),
    "piecewise": ("PiecewiseConstantDecay", {
        "boundaries": [3, 7], "values": [1.0, 0.5, 0.1]}),
    "polynomial": ("PolynomialDecay", {
        "initial_learning_rate": 0.1, "decay_steps": 8, "end_learning_rate": 0.01,
        "power": 2.0}),
    "polynomial-cycle": ("PolynomialDecay", {
        "initial_learning_rate": 0.1, "decay_steps": 4, "cycle": True}),
    "inverse-time": ("InverseTimeDecay", {
        "initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5}),
    "inverse-time-staircase": ("InverseTimeDecay", {
        "initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5, "staircase": True}),
    "cosine": ("CosineDecay", {
        "initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.1}),
    "cosine-warmup": ("CosineDecay", {
        "initial_learning_rate": 0.0, "decay_steps": 6, "warmup_target": 0.2,
        "warmup_steps": 4}),
    "cosine-restarts": ("CosineDecayRestarts", {
        "initial_learning_rate": 0.1, "first_decay_steps": 3, "t_mul": 2.0, "m_mul": 0.8}),
    "cosine-restarts-t1": ("CosineDecayRestarts", {
        "initial_learning_rate": 0.1, "first_decay_steps": 3, "t_mul": 1.0}),
}


@pytest.mark.parametrize("case", sorted(SCHEDULES))
def test_learning_rate_sequence_matches_keras(case):
    name, kwargs = SCHEDULES[case]
    ours = getattr(dk.optimizers.schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    steps = range(25)
    got = [float(ours(np.int64(s))) for s in steps]
    want = [float(theirs(torch.tensor(s))) for s in steps]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize("case", sorted(SCHEDULES))
def test_config_round_trip(case):
    name, kwargs = SCHEDULES[case]
    schedule = getattr(dk.optimizers.schedules, name)(**kwargs)
    again = dk.optimizers.schedules.deserialize(dk.optimizers.schedules.serialize(schedule))
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()


def test_optimizer_reads_the_schedule_at_its_iteration():
    schedule = dk.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    var = dk.backend.Variable(np.zeros(1, "float32"), name="v")
    opt = dk.optimizers.SGD(schedule)
    rates = []
    for _ in range(3):
        rates.append(float(opt.learning_rate))
        opt.apply_gradients([(np.ones(1, "float32"), var)])
    np.testing.assert_allclose(rates, [0.1, 0.05, 0.025], rtol=1e-6)
    np.testing.assert_allclose(var.numpy(), [-0.175], rtol=1e-6)
    config = opt.get_config()
    assert config["learning_rate"]["class_name"] == "ExponentialDecay"


def test_custom_schedule_subclass_in_fit_matches_keras():
    """A user schedule written with keras.ops runs inside the traced train step."""
    from ._keras_pairs import assert_history_close, assert_weights_close, binary_data, mlp_pair

    def make(lib):
        class Halving(lib.optimizers.schedules.LearningRateSchedule):
            def __call__(self, step):
                halvings = lib.ops.cast(lib.ops.floor_divide(step, 2), "float32")
                return 0.2 * lib.ops.power(0.5, halvings)

            def get_config(self):
                return {}
        return Halving()

    assert float(make(dk)(np.int64(5))) == pytest.approx(float(make(keras)(torch.tensor(5))))
    x, y = binary_data(64)
    theirs, ours = mlp_pair(keras)
    histories = []
    for model, lib in ((theirs, keras), (ours, dk)):
        model.compile(loss="binary_crossentropy", optimizer=lib.optimizers.SGD(make(lib)))
        histories.append(model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False))
    assert_history_close(*histories)
    assert_weights_close(theirs, ours)


def test_schedule_errors_match_keras():
    with pytest.raises(ValueError, match="Argument `decay_steps` must be > 0"):
        dk.optimizers.schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5)
    with pytest.raises(ValueError, match="The length of boundaries should be 1 less"):
        dk.optimizers.schedules.PiecewiseConstantDecay([1, 2], [0.1])
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        dk.optimizers.schedules.LearningRateSchedule()(0)
