"""Cases for the fused optimizer updates. The references are hand-written per-element updates on
Python floats, transcribed from torch.optim's documented algorithms and keras/src/optimizers
(one function per optimizer, both formulas side by side); `reference_update` applies one to
every element. tests/backends/test_optim_reference.py runs them over several steps and checks
them against real torch.optim and keras.optimizers."""

from __future__ import annotations

import math

import numpy as np

from core_ir import ops

from . import OpCase, rand


def _prepare(p, g, lr, a):
    if a.get("maximize"):
        g = -g
    wd = a.get("weight_decay", 0.0)
    if wd and a.get("decoupled_weight_decay"):
        p = p * (1 - lr * wd)
    elif wd:
        g = g + wd * p
    return p, g


def sgd_ref(lr, t, p, g, s, a):
    p, g = _prepare(p, g, lr, a)
    mom = a.get("momentum", 0.0)
    if mom == 0:
        return p - lr * g, []
    if a.get("formula") == "keras":
        v = mom * s[0] - lr * g
        return (p + mom * v - lr * g if a.get("nesterov") else p + v), [v]
    buf = g if t == 1 else mom * s[0] + (1 - a.get("dampening", 0.0)) * g
    return p - lr * (g + mom * buf if a.get("nesterov") else buf), [buf]


def adam_ref(lr, t, p, g, s, a):
    p, g = _prepare(p, g, lr, a)
    b1, b2, eps = a.get("beta1", 0.9), a.get("beta2", 0.999), a.get("epsilon", 1e-8)
    m = b1 * s[0] + (1 - b1) * g
    v = b2 * s[1] + (1 - b2) * g * g
    v_hat = max(s[2], v) if a.get("amsgrad") else v
    if a.get("formula") == "keras":
        lr_t = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        p = p - lr_t * m / (math.sqrt(v_hat) + eps)
    else:
        p = p - lr / (1 - b1 ** t) * m / (math.sqrt(v_hat) / math.sqrt(1 - b2 ** t) + eps)
    return p, [m, v] + ([v_hat] if a.get("amsgrad") else [])


def rmsprop_ref(lr, t, p, g, s, a):
    p, g = _prepare(p, g, lr, a)
    rho, eps, mom = a.get("rho", 0.99), a.get("epsilon", 1e-8), a.get("momentum", 0.0)
    centered, keras = a.get("centered"), a.get("formula") == "keras"
    sq = rho * s[0] + (1 - rho) * g * g
    ga = rho * s[-1] + (1 - rho) * g if centered else 0.0
    var = sq - ga * ga
    step = lr * g / math.sqrt(var + eps) if keras else g / (math.sqrt(var) + eps)
    states = [sq]
    if mom > 0:
        step = mom * s[1] + step
        states.append(step)
    if centered:
        states.append(ga)
    return (p - step if keras else p - lr * step), states


def adagrad_ref(lr, t, p, g, s, a):
    p, g = _prepare(p, g, lr, a)
    total = s[0] + g * g
    eps = a.get("epsilon", 1e-10)
    if a.get("formula") == "keras":
        return p - lr * g / math.sqrt(total + eps), [total]
    clr = lr / (1 + (t - 1) * a.get("lr_decay", 0.0))
    return p - clr * g / (math.sqrt(total) + eps), [total]


def adamax_ref(lr, t, p, g, s, a):
    p, g = _prepare(p, g, lr, a)
    b1, b2, eps = a.get("beta1", 0.9), a.get("beta2", 0.999), a.get("epsilon", 1e-8)
    m = b1 * s[0] + (1 - b1) * g
    if a.get("formula") == "keras":
        u = max(b2 * s[1], abs(g))
        return p - lr * m / ((1 - b1 ** t) * (u + eps)), [m, u]
    u = max(b2 * s[1], abs(g) + eps)
    return p - lr / (1 - b1 ** t) * m / u, [m, u]


def nadam_ref(lr, t, p, g, s, a):
    p, g = _prepare(p, g, lr, a)
    b1, b2, eps = a.get("beta1", 0.9), a.get("beta2", 0.999), a.get("epsilon", 1e-8)
    psi = a.get("momentum_decay", 0.004)
    mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
    prod = s[2] * mu
    m = b1 * s[0] + (1 - b1) * g
    v = b2 * s[1] + (1 - b2) * g * g
    denom = math.sqrt(v / (1 - b2 ** t)) + eps
    p = p - lr * (1 - mu) / (1 - prod) * g / denom - lr * mu_next / (1 - prod * mu_next) * m / denom
    return p, [m, v, prod]


REFERENCES = {ops.sgd_update: sgd_ref, ops.adam_update: adam_ref,
              ops.rmsprop_update: rmsprop_ref, ops.adagrad_update: adagrad_ref,
              ops.adamax_update: adamax_ref, ops.nadam_update: nadam_ref}


def reference_update(op, lr, step, params, grads, states, attrs):
    """One update of every element: (new params, new state lists), as float64 arrays. A scalar
    state (Nadam's mu_product) is the same for every element of its parameter."""
    fn, t = REFERENCES[op], float(np.reshape(step, -1)[0])
    lr = float(np.reshape(lr, -1)[0])
    new_params, new_states = [], [[] for _ in states]
    for i, (p, g) in enumerate(zip(params, grads)):
        out_p, outs = np.zeros(p.shape), None
        for idx in np.ndindex(*p.shape):
            s = [float(st[i][idx] if st[i].shape == p.shape else np.reshape(st[i], -1)[0])
                 for st in states]
            out_p[idx], got = fn(lr, t, float(p[idx]), float(g[idx]), s, attrs)
            outs = outs or [np.zeros(st[i].shape) for st in states]
            for k, st in enumerate(states):
                outs[k][idx if st[i].shape == p.shape else ()] = got[k]
        new_params.append(out_p)
        for k in range(len(states)):
            new_states[k].append(outs[k] if outs else np.zeros(states[k][i].shape))
    return new_params, new_states


def op_reference(op, attrs):
    """The OpCase reference: flat outputs (params, then each state list)."""

    def ref(lr, step, *tensors):
        n_lists = 2 + len(op.states(**{**op.defaults, **attrs}))
        n = len(tensors) // n_lists
        lists = [list(tensors[k * n:(k + 1) * n]) for k in range(n_lists)]
        params, states = reference_update(op, lr, step, lists[0], lists[1], lists[2:], attrs)
        dtype = lists[0][0].dtype
        return tuple(x.astype(dtype) for x in params + [s for st in states for s in st])

    return ref


SHAPES = [(3, 2), (4,)]


def initial_states(op, attrs, shapes=SHAPES, dtype=np.float32, seed=0):
    """Plausible mid-training states: moments of either sign, positive second moments."""
    rng = np.random.default_rng(seed)
    lists = []
    for name, kind in op.states(**{**op.defaults, **attrs}):
        low = 0.0 if ("sq" in name or name in ("sum", "exp_inf", "square_avg")) else -0.5
        if kind == "scalar":  # Nadam's product of the mu's after a few steps
            lists.append([np.asarray(0.5, dtype) for _ in shapes])
        else:
            lists.append([rng.uniform(low, 0.5, s).astype(dtype) for s in shapes])
    if op is ops.rmsprop_update and attrs.get("centered"):  # keep sq - ga^2 > 0
        lists[0] = [s + 0.5 for s in lists[0]]
    return lists


def update_case(name, op, attrs=None, step=3.0, lr=0.01, step_dtype=np.float32):
    attrs = attrs or {}
    params = [rand(*s) for s in SHAPES]
    grads = [rand(*s) for s in SHAPES]
    states = [x for lst in initial_states(op, attrs) for x in lst]
    inputs = [np.asarray(lr, np.float32), np.asarray(step, step_dtype), *params, *grads, *states]
    return OpCase(name, op, inputs, op_reference(op, attrs), attrs=attrs, grad=False,
                  rtol=1e-5, atol=1e-6)


TORCH, KERAS = {"formula": "torch"}, {"formula": "keras"}
DECAY = {"weight_decay": 0.1}
DECOUPLED = {"weight_decay": 0.1, "decoupled_weight_decay": 1}

CASES = [
    update_case("sgd_plain", ops.sgd_update),
    update_case("sgd_torch_momentum_dampening_first_step", ops.sgd_update,
                {"momentum": 0.9, "dampening": 0.3}, step=1.0),
    update_case("sgd_torch_momentum_dampening_l2", ops.sgd_update,
                {"momentum": 0.9, "dampening": 0.3, **DECAY}),
    update_case("sgd_torch_nesterov_maximize", ops.sgd_update,
                {"momentum": 0.8, "nesterov": 1, "maximize": 1}, step_dtype=np.int64),
    update_case("sgd_keras_momentum_decoupled", ops.sgd_update,
                {"momentum": 0.9, **KERAS, **DECOUPLED}),
    update_case("sgd_keras_nesterov", ops.sgd_update, {"momentum": 0.9, "nesterov": 1, **KERAS}),
    update_case("adam_torch", ops.adam_update),
    update_case("adam_torch_amsgrad_l2", ops.adam_update, {"amsgrad": 1, **DECAY}),
    update_case("adamw_torch", ops.adam_update, DECOUPLED, step=7.0),
    update_case("adam_keras_amsgrad", ops.adam_update,
                {"amsgrad": 1, "epsilon": 1e-7, **KERAS}),
    update_case("adamw_keras", ops.adam_update, {"epsilon": 1e-7, **KERAS, **DECOUPLED}),
    update_case("rmsprop_torch", ops.rmsprop_update),
    update_case("rmsprop_torch_centered_momentum_l2", ops.rmsprop_update,
                {"centered": 1, "momentum": 0.5, **DECAY}),
    update_case("rmsprop_keras_centered_momentum", ops.rmsprop_update,
                {"rho": 0.9, "epsilon": 1e-7, "centered": 1, "momentum": 0.5, **KERAS}),
    update_case("adagrad_torch_lr_decay_l2", ops.adagrad_update, {"lr_decay": 0.1, **DECAY}),
    update_case("adagrad_keras", ops.adagrad_update, {"epsilon": 1e-7, **KERAS}),
    update_case("adamax_torch_l2", ops.adamax_update, DECAY),
    update_case("adamax_keras", ops.adamax_update, {"epsilon": 1e-7, **KERAS}),
    update_case("nadam_torch", ops.nadam_update),
    update_case("nadam_torch_decoupled", ops.nadam_update, DECOUPLED),
    update_case("nadam_keras_schedule", ops.nadam_update,
                {"momentum_decay": 1.0, "epsilon": 1e-7, **KERAS}),
]

__all__ = ["CASES", "REFERENCES", "reference_update", "initial_states"]
