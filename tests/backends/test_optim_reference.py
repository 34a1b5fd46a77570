"""The fused optimizer updates over several steps, with a learning rate that changes every step:
- against the hand-written per-element references of tests/op_cases/optim.py (float64);
- against real torch.optim and real keras.optimizers (KERAS_BACKEND=torch): the same gradients
  fed to both, parameters (and torch's states, which share our names) compared after 5 steps;
- a traced update: lr and step are inputs, so one compiled plan serves every step.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import core_ir as ir
from backends.numpy import Plan
from core_ir import ops
from core_ir.tensor import Tensor
from tests.op_cases.optim import reference_update

STEPS = 5
LRS = [0.01, 0.02, 0.005, 0.012, 0.03]  # a schedule: the lr changes every step
SHAPES = [(3, 4), (5,), (2, 1, 3)]
RTOL32, ATOL32 = 2e-5, 2e-6
RTOL64, ATOL64 = 1e-10, 1e-12


def fresh_states(op, attrs, shapes, dtype, accumulator=0.0):
    """What torch and Keras start from: zeros, Adagrad's initial accumulator, Nadam's product 1."""
    lists = []
    for name, kind in op.states(**op.resolve_attrs(attrs)):
        if kind == "scalar":
            lists.append([np.asarray(1.0, dtype) for _ in shapes])
        else:
            fill = accumulator if name == "sum" else 0.0
            lists.append([np.full(s, fill, dtype) for s in shapes])
    return lists


def gradients(shapes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(STEPS)]


def initial_params(shapes, dtype, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def run_ours(op, attrs, params, grads_per_step, states, lrs=LRS):
    """STEPS updates through the op, eagerly; returns (params, state lists)."""
    dtype = params[0].dtype
    n = len(params)
    for t, (grads, lr) in enumerate(zip(grads_per_step, lrs), start=1):
        flat = [x for lst in states for x in lst]
        outs = op(Tensor(np.asarray(lr, dtype)), Tensor(np.asarray(t, dtype)),
                  *map(Tensor, params), *map(Tensor, grads), *map(Tensor, flat), **attrs)
        outs = [o.array for o in outs]
        params, states = outs[:n], [outs[(k + 1) * n:(k + 2) * n] for k in range(len(states))]
    return params, states


# -- every formula against the per-element reference ---------------------------------------------
FORMULAS = [
    ("sgd", ops.sgd_update, {}),
    ("sgd_torch_momentum_dampening_l2", ops.sgd_update,
     {"momentum": 0.9, "dampening": 0.2, "weight_decay": 0.05}),
    ("sgd_torch_nesterov_maximize", ops.sgd_update,
     {"momentum": 0.9, "nesterov": 1, "maximize": 1}),
    ("sgd_keras_momentum", ops.sgd_update, {"momentum": 0.9, "formula": "keras"}),
    ("sgd_keras_nesterov_decoupled", ops.sgd_update,
     {"momentum": 0.9, "nesterov": 1, "formula": "keras", "weight_decay": 0.05,
      "decoupled_weight_decay": 1}),
    ("adam_torch", ops.adam_update, {}),
    ("adam_torch_amsgrad_l2", ops.adam_update, {"amsgrad": 1, "weight_decay": 0.05}),
    ("adamw_torch", ops.adam_update, {"weight_decay": 0.05, "decoupled_weight_decay": 1}),
    ("adam_keras_amsgrad", ops.adam_update, {"formula": "keras", "amsgrad": 1, "epsilon": 1e-7}),
    ("adamw_keras", ops.adam_update, {"formula": "keras", "epsilon": 1e-7, "weight_decay": 0.004,
                                      "decoupled_weight_decay": 1}),
    ("rmsprop_torch", ops.rmsprop_update, {}),
    ("rmsprop_torch_centered_momentum_l2", ops.rmsprop_update,
     {"centered": 1, "momentum": 0.5, "weight_decay": 0.05}),
    ("rmsprop_keras", ops.rmsprop_update, {"formula": "keras", "rho": 0.9, "epsilon": 1e-7}),
    ("rmsprop_keras_centered_momentum", ops.rmsprop_update,
     {"formula": "keras", "rho": 0.9, "epsilon": 1e-7, "centered": 1, "momentum": 0.5}),
    ("adagrad_torch_lr_decay_l2", ops.adagrad_update, {"lr_decay": 0.1, "weight_decay": 0.05}),
    ("adagrad_keras", ops.adagrad_update, {"formula": "keras", "epsilon": 1e-7}),
    ("adamax_torch_l2", ops.adamax_update, {"weight_decay": 0.05}),
    ("adamax_keras", ops.adamax_update, {"formula": "keras", "epsilon": 1e-7}),
    ("nadam_torch", ops.nadam_update, {}),
    ("nadam_torch_decoupled", ops.nadam_update,
     {"weight_decay": 0.05, "decoupled_weight_decay": 1}),
    ("nadam_keras", ops.nadam_update, {"formula": "keras", "momentum_decay": 1.0,
                                       "epsilon": 1e-7}),
]


@pytest.mark.parametrize("op, attrs", [f[1:] for f in FORMULAS], ids=[f[0] for f in FORMULAS])
def test_formula_matches_the_per_element_reference_over_several_steps(op, attrs):
    dtype = np.float64
    params, grads = initial_params(SHAPES, dtype), gradients(SHAPES, dtype)
    states = fresh_states(op, attrs, SHAPES, dtype, accumulator=0.1)
    got_p, got_s = run_ours(op, attrs, params, grads, states)
    want_p, want_s = params, states
    for t, (g, lr) in enumerate(zip(grads, LRS), start=1):
        want_p, want_s = reference_update(op, lr, t, want_p, g, want_s, attrs)
    flat = [x for lst in got_s for x in lst]
    want_flat = [x for lst in want_s for x in lst]
    for got, want in zip(got_p + flat, want_p + want_flat):
        np.testing.assert_allclose(got, want, rtol=RTOL64, atol=ATOL64)


# -- against real torch.optim ---------------------------------------------------------------------
def _torch_cases():
    return [
        ("SGD", {"momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}, ops.sgd_update,
         {"momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
        ("SGD", {"momentum": 0.9, "nesterov": True}, ops.sgd_update,
         {"momentum": 0.9, "nesterov": 1}),
        ("SGD", {"maximize": True}, ops.sgd_update, {"maximize": 1}),
        ("Adam", {}, ops.adam_update, {}),
        ("Adam", {"amsgrad": True, "weight_decay": 0.01}, ops.adam_update,
         {"amsgrad": 1, "weight_decay": 0.01}),
        ("AdamW", {}, ops.adam_update, {"weight_decay": 0.01, "decoupled_weight_decay": 1}),
        ("AdamW", {"amsgrad": True, "weight_decay": 0.1}, ops.adam_update,
         {"amsgrad": 1, "weight_decay": 0.1, "decoupled_weight_decay": 1}),
        ("RMSprop", {}, ops.rmsprop_update, {}),
        ("RMSprop", {"centered": True, "momentum": 0.5, "weight_decay": 0.01, "alpha": 0.9},
         ops.rmsprop_update, {"centered": 1, "momentum": 0.5, "weight_decay": 0.01, "rho": 0.9}),
        ("Adagrad", {"lr_decay": 0.05, "weight_decay": 0.01, "initial_accumulator_value": 0.1},
         ops.adagrad_update, {"lr_decay": 0.05, "weight_decay": 0.01}),
        ("Adamax", {"weight_decay": 0.01}, ops.adamax_update, {"weight_decay": 0.01}),
        ("NAdam", {}, ops.nadam_update, {}),
        # a large eps makes its placement (inside or outside the sqrt) visible in float32
        ("Adam", {"eps": 0.1}, ops.adam_update, {"epsilon": 0.1}),
        ("RMSprop", {"eps": 0.1}, ops.rmsprop_update, {"epsilon": 0.1}),
        ("Adagrad", {"eps": 0.1}, ops.adagrad_update, {"epsilon": 0.1}),
        ("Adamax", {"eps": 0.1}, ops.adamax_update, {"epsilon": 0.1}),
        ("NAdam", {"eps": 0.1}, ops.nadam_update, {"epsilon": 0.1}),
        ("NAdam", {"weight_decay": 0.01, "decoupled_weight_decay": True}, ops.nadam_update,
         {"weight_decay": 0.01, "decoupled_weight_decay": 1}),
    ]


def _case_id(case):
    name, kwargs = case[0], case[1]
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


@pytest.mark.parametrize("case", _torch_cases(), ids=_case_id)
def test_matches_torch_optim_after_five_steps(case):
    torch = pytest.importorskip("torch")
    name, kwargs, op, attrs = case
    params, grads = initial_params(SHAPES, np.float32), gradients(SHAPES, np.float32)
    tparams = [torch.nn.Parameter(torch.tensor(p)) for p in params]
    opt = getattr(torch.optim, name)(tparams, lr=LRS[0], **kwargs)
    for g, lr in zip(grads, LRS):
        for group in opt.param_groups:
            group["lr"] = lr
        for tp, gi in zip(tparams, g):
            tp.grad = torch.tensor(gi)
        opt.step()
    accumulator = kwargs.get("initial_accumulator_value", 0.0)
    states = fresh_states(op, attrs, SHAPES, np.float32, accumulator)
    got_p, got_s = run_ours(op, attrs, params, grads, states)
    for tp, p in zip(tparams, got_p):
        np.testing.assert_allclose(p, tp.detach().numpy(), rtol=RTOL32, atol=ATOL32)
    for (state_name, _), ours in zip(op.states(**op.resolve_attrs(attrs)), got_s):
        for tp, s in zip(tparams, ours):
            want = opt.state[tp][state_name].detach().numpy()
            np.testing.assert_allclose(s, want.reshape(s.shape), rtol=RTOL32, atol=ATOL32,
                                       err_msg=state_name)


# -- against real keras.optimizers ----------------------------------------------------------------
def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip(f"keras runs on {keras.backend.backend()}, these tests need torch")
    return keras


KERAS_EPS = {"epsilon": 1e-7, "formula": "keras"}
KERAS_CASES = [
    ("SGD", {}, ops.sgd_update, {"formula": "keras"}),
    ("SGD", {"momentum": 0.9}, ops.sgd_update, {"momentum": 0.9, "formula": "keras"}),
    ("SGD", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, ops.sgd_update,
     {"momentum": 0.9, "nesterov": 1, "formula": "keras", "weight_decay": 0.01,
      "decoupled_weight_decay": 1}),
    ("Adam", {}, ops.adam_update, KERAS_EPS),
    ("Adam", {"amsgrad": True}, ops.adam_update, {"amsgrad": 1, **KERAS_EPS}),
    ("AdamW", {}, ops.adam_update,
     {"weight_decay": 0.004, "decoupled_weight_decay": 1, **KERAS_EPS}),
    ("RMSprop", {}, ops.rmsprop_update, {"rho": 0.9, **KERAS_EPS}),
    ("RMSprop", {"centered": True, "momentum": 0.5}, ops.rmsprop_update,
     {"rho": 0.9, "centered": 1, "momentum": 0.5, **KERAS_EPS}),
    ("Adagrad", {}, ops.adagrad_update, KERAS_EPS),
    ("Adamax", {}, ops.adamax_update, KERAS_EPS),
    ("Nadam", {}, ops.nadam_update, {"momentum_decay": 1.0, **KERAS_EPS}),
    # a large epsilon makes its placement (inside or outside the sqrt) visible in float32
    ("Adam", {"epsilon": 0.1}, ops.adam_update, {**KERAS_EPS, "epsilon": 0.1}),
    ("RMSprop", {"epsilon": 0.1}, ops.rmsprop_update, {"rho": 0.9, **KERAS_EPS, "epsilon": 0.1}),
    ("Adagrad", {"epsilon": 0.1}, ops.adagrad_update, {**KERAS_EPS, "epsilon": 0.1}),
    ("Adamax", {"epsilon": 0.1}, ops.adamax_update, {**KERAS_EPS, "epsilon": 0.1}),
    ("Nadam", {"epsilon": 0.1}, ops.nadam_update,
     {"momentum_decay": 1.0, **KERAS_EPS, "epsilon": 0.1}),
    ("Nadam", {"weight_decay": 0.01}, ops.nadam_update,
     {"momentum_decay": 1.0, "weight_decay": 0.01, "decoupled_weight_decay": 1, **KERAS_EPS}),
]


@pytest.mark.parametrize("case", KERAS_CASES, ids=_case_id)
def test_matches_keras_optimizers_after_five_steps(case):
    keras = _keras()
    name, kwargs, op, attrs = case
    params, grads = initial_params(SHAPES, np.float32), gradients(SHAPES, np.float32)
    kvars = [keras.Variable(p) for p in params]
    opt = getattr(keras.optimizers, name)(learning_rate=LRS[0], **kwargs)
    for g, lr in zip(grads, LRS):
        opt.learning_rate = lr
        opt.apply_gradients(zip([keras.ops.convert_to_tensor(x) for x in g], kvars))
    accumulator = 0.1 if name == "Adagrad" else 0.0  # Keras's initial_accumulator_value
    got_p, _ = run_ours(op, attrs, params, grads,
                        fresh_states(op, attrs, SHAPES, np.float32, accumulator))
    for kv, p in zip(kvars, got_p):
        np.testing.assert_allclose(p, keras.ops.convert_to_numpy(kv), rtol=RTOL32, atol=ATOL32)


# -- traced: the learning rate is an input, not a constant baked into the plan ---------------------
def test_a_traced_update_serves_every_learning_rate_with_one_plan():
    op, attrs = ops.adam_update, {"weight_decay": 0.01, "decoupled_weight_decay": 1}
    f32 = np.float32
    shapes = [("N", 3), (3,)]
    specs = [(f32, ()), (f32, ())] + [(f32, s) for s in shapes] * 4  # params, grads, m, v

    def step_fn(lr, t, *tensors):
        return list(op(lr, t, *tensors, **attrs))

    graph, _, outs = ir.trace(step_fn, specs)
    assert [o.shape for o in outs] == [("N", 3), (3,)] * 3
    plan = Plan(graph)
    concrete = [(4, 3), (3,)]
    params, grads = initial_params(concrete, f32), gradients(concrete, f32)
    states = fresh_states(op, attrs, concrete, f32)
    want_p, _ = run_ours(op, attrs, params, grads, states)
    got, flat_states = params, [x for lst in states for x in lst]
    for t, (g, lr) in enumerate(zip(grads, LRS), start=1):
        outs, _ = plan([np.asarray(lr, f32), np.asarray(t, f32), *got, *g, *flat_states])
        got, flat_states = list(outs[:2]), list(outs[2:])
    for a, b in zip(got, want_p):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


# -- bad input -------------------------------------------------------------------------------------
def test_a_missing_state_list_is_a_clear_error():
    p = Tensor(np.zeros((2, 3), np.float32))
    lr, t = Tensor(np.asarray(0.1, np.float32)), Tensor(np.asarray(1.0, np.float32))
    with pytest.raises(ir.ShapeError, match=r"AdamUpdate: expected lr, step and 4 lists of equal "
                                            r"length \(params, grads, exp_avg, exp_avg_sq\), "
                                            r"got 3 tensors"):
        ops.adam_update(lr, t, p, p, p)


def test_a_gradient_of_the_wrong_shape_names_both_shapes():
    lr, t = Tensor(np.asarray(0.1, np.float32)), Tensor(np.asarray(1.0, np.float32))
    p, g = Tensor(np.zeros((2, 3), np.float32)), Tensor(np.zeros((3, 2), np.float32))
    match = r"SGDUpdate: grads\[0\] has shape \(3, 2\), expected \(2, 3\).*\[in 'optimizer'\]"
    with ir.origin("optimizer"), pytest.raises(ir.ShapeError, match=match):
        ops.sgd_update(lr, t, p, g)
