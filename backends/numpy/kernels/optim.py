"""Kernels of the fused optimizer updates (formulas in core_ir/ops/optim.py's docstring). Each
framework's update is written the way that framework writes it, so the floats round alike.

Scalar math (bias corrections, schedules) is done on Python floats, which numpy treats as weak
types: a float32 parameter stays float32. Inputs are never modified; every output is a new array.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from core_ir import ops


def _fused(per_param: Callable, op) -> Callable:
    """The kernel over the whole list. NOTE: a Python loop over the parameters (a short, static
    list); each update is vectorized over its parameter's elements."""

    def kernel(lr, step, *tensors, **attrs):
        group = 2 + len(op.states(**attrs))
        if len(tensors) % group:  # the shape rule explains it (see diagnose)
            raise ValueError(f"{len(tensors)} tensors do not form lists of {group}")
        n = len(tensors) // group
        lists = [tensors[k * n:(k + 1) * n] for k in range(group)]
        lr_, t = float(np.reshape(lr, -1)[0]), float(np.reshape(step, -1)[0])
        results = [per_param(lr_, t, *args, **attrs) for args in zip(*lists)]
        return tuple(r[k] for k in range(group - 1) for r in results)

    return kernel


def _prepare(p, g, lr, weight_decay, decoupled_weight_decay, maximize, formula):
    """Ascent, then weight decay: torch's L2 term into g, or decoupled shrinking of p."""
    if maximize:
        g = -g
    if weight_decay:
        if not decoupled_weight_decay:
            g = g + weight_decay * p
        elif formula == "keras":
            p = p - p * weight_decay * lr
        else:
            p = p * (1 - lr * weight_decay)
    return p, g


def _sgd(lr, t, p, g, *buf, momentum, dampening, nesterov, formula, **common):
    p, g = _prepare(p, g, lr, formula=formula, **common)
    if momentum == 0:
        return (p - lr * g,)
    (b,) = buf
    if formula == "keras":
        b = momentum * b - lr * g
        return (p + (momentum * b - lr * g) if nesterov else p + b), b
    b = g.copy() if t == 1 else momentum * b + (1 - dampening) * g  # torch: first buf is g
    return p - lr * (g + momentum * b if nesterov else b), b


def _adam(lr, t, p, g, m, v, *v_max, beta1, beta2, epsilon, amsgrad, formula, **common):
    p, g = _prepare(p, g, lr, formula=formula, **common)
    if formula == "keras":
        m = m + (g - m) * (1 - beta1)
        v = v + (g * g - v) * (1 - beta2)
    else:
        m = m + (1 - beta1) * (g - m)
        v = beta2 * v + (1 - beta2) * (g * g)
    denom_v, extra = v, ()
    if amsgrad:
        denom_v = np.maximum(v_max[0], v)
        extra = (denom_v,)
    bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
    if formula == "keras":
        alpha = lr * math.sqrt(bc2) / bc1
        p = p - m * alpha / (np.sqrt(denom_v) + epsilon)
    else:
        p = p - (lr / bc1) * m / (np.sqrt(denom_v) / math.sqrt(bc2) + epsilon)
    return (p, m, v, *extra)


def _rmsprop(lr, t, p, g, sq, *rest, rho, epsilon, momentum, centered, formula, **common):
    p, g = _prepare(p, g, lr, formula=formula, **common)
    buf = rest[0] if momentum > 0 else None
    avg_g = rest[-1] if centered else None
    sq = rho * sq + (1 - rho) * (g * g)
    if formula == "keras":  # eps inside the sqrt, lr inside the momentum
        if centered:
            avg_g = rho * avg_g + (1 - rho) * g
        step = lr * g / np.sqrt((sq - avg_g * avg_g if centered else sq) + epsilon)
    else:  # torch: eps outside the sqrt, lr outside the momentum
        if centered:
            avg_g = avg_g + (1 - rho) * (g - avg_g)
        step = g / (np.sqrt(sq - avg_g * avg_g if centered else sq) + epsilon)
    if buf is not None:
        buf = momentum * buf + step
        step = buf
    p = p - step if formula == "keras" else p - lr * step
    return (p, sq, *(() if buf is None else (buf,)), *(() if avg_g is None else (avg_g,)))


def _adagrad(lr, t, p, g, total, *, lr_decay, epsilon, formula, **common):
    p, g = _prepare(p, g, lr, formula=formula, **common)
    total = total + g * g
    if formula == "keras":
        return p - lr * g / np.sqrt(total + epsilon), total
    clr = lr / (1 + (t - 1) * lr_decay)
    return p - clr * g / (np.sqrt(total) + epsilon), total


def _adamax(lr, t, p, g, m, u, *, beta1, beta2, epsilon, formula, **common):
    p, g = _prepare(p, g, lr, formula=formula, **common)
    bc1 = 1 - beta1 ** t
    if formula == "keras":
        m = m + (g - m) * (1 - beta1)
        u = np.maximum(beta2 * u, np.abs(g))
        return p - lr * m / (bc1 * (u + epsilon)), m, u
    m = m + (1 - beta1) * (g - m)
    u = np.maximum(beta2 * u, np.abs(g) + epsilon)
    return p - (lr / bc1) * m / u, m, u


def _nadam(lr, t, p, g, m, v, mu_product, *, beta1, beta2, epsilon, momentum_decay, formula,
           **common):
    p, g = _prepare(p, g, lr, formula=formula, **common)
    mu = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    # the product is kept in the state's dtype (float32 in torch and Keras) and read back
    product = np.asarray(float(np.reshape(mu_product, -1)[0]) * mu, mu_product.dtype)
    prod, prod_next = float(product), float(product) * mu_next
    bc2 = 1 - beta2 ** t
    if formula == "keras":
        m = m + (g - m) * (1 - beta1)
        v = v + (g * g - v) * (1 - beta2)
        m_hat = mu_next * m / (1 - prod_next) + (1 - mu) * g / (1 - prod)
        p = p - m_hat * lr / (np.sqrt(v / bc2) + epsilon)
    else:
        m = m + (1 - beta1) * (g - m)
        v = beta2 * v + (1 - beta2) * (g * g)
        denom = np.sqrt(v / bc2) + epsilon
        p = p - (lr * (1 - mu) / (1 - prod)) * g / denom
        p = p - (lr * mu_next / (1 - prod_next)) * m / denom
    return p, m, v, product.reshape(mu_product.shape)


KERNELS = {
    ops.sgd_update: _fused(_sgd, ops.sgd_update),
    ops.adam_update: _fused(_adam, ops.adam_update),
    ops.rmsprop_update: _fused(_rmsprop, ops.rmsprop_update),
    ops.adagrad_update: _fused(_adagrad, ops.adagrad_update),
    ops.adamax_update: _fused(_adamax, ops.adamax_update),
    ops.nadam_update: _fused(_nadam, ops.nadam_update),
}
