"""keras.optimizers against real Keras 3 (torch backend): the same initial weights and the same
gradients fed for 5 steps through apply_gradients give the same variables; options (clipping,
weight decay, EMA, gradient accumulation, loss scaling, schedules), variable names, errors."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

import frontends.tf_like as tf
from frontends.tf_like import keras as dk

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

# NOTE: Keras computes Adam's bias corrections with beta_2 cast to float32 (1 - 0.999 is then
# 0.00099998713); the fused kernel uses the float64 betas, so after a few steps at a large
# learning rate the weights differ by ~lr * 2e-5: ATOL allows for that.
RTOL, ATOL = 1e-5, 1e-5
STEPS = 5


def _setup(seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((3, 4)).astype("float32"),
               rng.standard_normal((4,)).astype("float32")]
    grads = [[rng.standard_normal(w.shape).astype("float32") for w in weights]
             for _ in range(STEPS)]
    return weights, grads


def _run_pair(make, seed=0, constraint=None):
    weights, grads = _setup(seed)
    theirs_vars = [keras.Variable(w.copy(), name=f"w{i}") for i, w in enumerate(weights)]
    ours_vars = [dk.backend.Variable(w.copy(), name=f"w{i}") for i, w in enumerate(weights)]
    if constraint is not None:
        theirs_vars[0].constraint = getattr(keras.constraints, constraint)()
        ours_vars[0].constraint = getattr(dk.constraints, constraint)()
    theirs, ours = make(keras), make(dk)
    for g in grads:
        theirs.apply_gradients(zip([torch.tensor(x) for x in g], theirs_vars))
        ours.apply_gradients(zip(g, ours_vars))
    return theirs, ours, theirs_vars, ours_vars


CASES = {
    "sgd": lambda k: k.optimizers.SGD(0.1),
    "sgd-momentum": lambda k: k.optimizers.SGD(0.1, momentum=0.9),
    "sgd-nesterov": lambda k: k.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda k: k.optimizers.Adam(0.01),
    "adam-amsgrad": lambda k: k.optimizers.Adam(0.01, amsgrad=True),
    "adamw": lambda k: k.optimizers.AdamW(0.01),
    "adamw-wd": lambda k: k.optimizers.AdamW(0.05, weight_decay=0.1),
    "rmsprop": lambda k: k.optimizers.RMSprop(0.01),
    "rmsprop-centered-momentum": lambda k: k.optimizers.RMSprop(0.01, centered=True,
                                                                momentum=0.5),
    "adagrad": lambda k: k.optimizers.Adagrad(0.1),
    "adagrad-initial": lambda k: k.optimizers.Adagrad(0.1, initial_accumulator_value=0.5),
    "adamax": lambda k: k.optimizers.Adamax(0.01),
    "nadam": lambda k: k.optimizers.Nadam(0.01),
    "adadelta": lambda k: k.optimizers.Adadelta(1.0),
    "ftrl": lambda k: k.optimizers.Ftrl(0.1, l1_regularization_strength=0.01,
                                        l2_regularization_strength=0.01, beta=0.1),
    "lion": lambda k: k.optimizers.Lion(0.01),
    "clipnorm": lambda k: k.optimizers.SGD(0.1, clipnorm=1.0),
    "clipvalue": lambda k: k.optimizers.SGD(0.1, clipvalue=0.5),
    "global-clipnorm": lambda k: k.optimizers.Adam(0.1, global_clipnorm=1.0),
    "weight-decay": lambda k: k.optimizers.SGD(0.1, weight_decay=0.1),
    "rmsprop-weight-decay": lambda k: k.optimizers.RMSprop(0.01, weight_decay=0.05),
    "ema": lambda k: k.optimizers.SGD(0.1, use_ema=True, ema_overwrite_frequency=2),
    "gradient-accumulation": lambda k: k.optimizers.Adam(0.1, gradient_accumulation_steps=2),
    "loss-scale-factor": lambda k: k.optimizers.SGD(0.1, loss_scale_factor=4.0),
    "exponential-decay": lambda k: k.optimizers.SGD(
        k.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5)),
    "cosine-warmup": lambda k: k.optimizers.Adam(
        k.optimizers.schedules.CosineDecay(0.1, 3, warmup_target=0.2, warmup_steps=2)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_five_steps_match_keras(case):
    theirs, ours, theirs_vars, ours_vars = _run_pair(CASES[case])
    for a, b in zip(theirs_vars, ours_vars):
        np.testing.assert_allclose(b.numpy(), np.asarray(a.numpy()), rtol=RTOL, atol=ATOL)
    assert int(ours.iterations.numpy()) == int(np.asarray(theirs.iterations.numpy()))
    def strip(path):  # the unique suffixes of auto-generated names differ between the two runs
        return re.sub(r"^variable_\d+$", "variable", path.split("/", 1)[-1])

    assert [strip(v.path) for v in ours.variables] == [strip(v.path) for v in theirs.variables]
    for a, b in zip(theirs.variables, ours.variables):
        np.testing.assert_allclose(b.numpy(), np.asarray(a.numpy()), rtol=1e-4, atol=1e-5)


def test_constraints_are_applied_after_the_update():
    _, _, theirs_vars, ours_vars = _run_pair(lambda k: k.optimizers.SGD(1.0),
                                                     constraint="NonNeg")
    assert (ours_vars[0].numpy() >= 0).all()
    np.testing.assert_allclose(ours_vars[0].numpy(), np.asarray(theirs_vars[0].numpy()),
                               rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", ["AdamW", "Nadam", "Adadelta"])
def test_exclude_from_weight_decay_matches_keras(name):
    def make(k):
        opt = getattr(k.optimizers, name)(0.05, weight_decay=0.2)
        opt.exclude_from_weight_decay(var_names=["w1"])
        return opt
    _, _, theirs_vars, ours_vars = _run_pair(make)
    for a, b in zip(theirs_vars, ours_vars):
        np.testing.assert_allclose(b.numpy(), np.asarray(a.numpy()), rtol=RTOL, atol=ATOL)


def test_defaults_match_keras():
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "Nadam", "Adadelta",
                 "Ftrl", "Lion"):
        ours = getattr(dk.optimizers, name)().get_config()
        theirs = getattr(keras.optimizers, name)().get_config()
        ours.pop("name"), theirs.pop("name")
        assert ours == pytest.approx(theirs), name


def test_learning_rate_is_settable_and_read_as_a_tensor():
    opt = dk.optimizers.Adam(0.01)
    assert float(opt.learning_rate) == pytest.approx(0.01)
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == pytest.approx(0.5)
    scheduled = dk.optimizers.SGD(dk.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        scheduled.learning_rate = 0.3


def test_apply_with_gradients_only_after_build():
    var = dk.backend.Variable(np.ones(3, "float32"), name="v")
    opt = dk.optimizers.SGD(0.5)
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([np.ones(3, "float32")])
    opt.build([var])
    opt.apply([np.ones(3, "float32")])
    np.testing.assert_allclose(var.numpy(), 0.5)


def test_unknown_variable_and_missing_gradients():
    a = dk.backend.Variable(np.ones(2, "float32"), name="a")
    b = dk.backend.Variable(np.ones(2, "float32"), name="b")
    opt = dk.optimizers.SGD(0.1)
    with pytest.warns(UserWarning, match="Gradients do not exist for variables"):
        opt.apply_gradients([(np.ones(2, "float32"), a), (None, b)])
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply_gradients([(np.ones(2, "float32"), dk.backend.Variable(np.ones(2, "float32")))])
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.apply_gradients([(None, a)])


def test_argument_errors_match_keras():
    with pytest.raises(ValueError, match="Argument `learning_rate` should be float"):
        dk.optimizers.Adam(learning_rate=1)
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and"):
        dk.optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="`momentum` must be a float between"):
        dk.optimizers.SGD(momentum=2.0)
    with pytest.raises(ValueError, match="Argument\\(s\\) not recognized"):
        dk.optimizers.Adam(betas=(0.9, 0.99))


def test_get_is_case_insensitive_and_lists_valid_names():
    assert isinstance(dk.optimizers.get("Adam"), dk.optimizers.Adam)
    assert isinstance(dk.optimizers.get("rmsprop"), dk.optimizers.RMSprop)
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: nope.*adam"):
        dk.optimizers.get("nope")
    opt = dk.optimizers.Nadam(0.3)
    again = dk.optimizers.deserialize(dk.optimizers.serialize(opt))
    assert type(again) is dk.optimizers.Nadam and float(again.learning_rate) == pytest.approx(0.3)


def test_custom_optimizer_subclass_with_update_step():
    class HalfStep(dk.optimizers.Optimizer):
        def __init__(self):
            super().__init__(learning_rate=1.0)

        def update_step(self, gradient, variable, learning_rate):
            self.assign_sub(variable, gradient * 0.5)

    var = dk.backend.Variable(np.full(2, 3.0, "float32"), name="v")
    opt = HalfStep()
    opt.apply_gradients([(np.ones(2, "float32"), var)])
    np.testing.assert_allclose(var.numpy(), 2.5)


def test_the_same_update_runs_inside_a_traced_function():
    """The optimizer math is IR ops: traced by tf.function it gives the eager result."""
    weights, grads = _setup(3)
    eager_vars = [dk.backend.Variable(w.copy(), name=f"e{i}") for i, w in enumerate(weights)]
    traced_vars = [dk.backend.Variable(w.copy(), name=f"t{i}") for i, w in enumerate(weights)]
    eager_opt, traced_opt = dk.optimizers.Adam(0.05), dk.optimizers.Adam(0.05)
    traced_opt.build(traced_vars)

    @tf.function
    def step(g0, g1):
        traced_opt.apply_gradients(zip([g0, g1], traced_vars))

    for g in grads:
        eager_opt.apply_gradients(zip(g, eager_vars))
        step(tf.constant(g[0]), tf.constant(g[1]))
    for a, b in zip(eager_vars, traced_vars):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-6, atol=1e-7)
    assert int(traced_opt.iterations.numpy()) == STEPS
