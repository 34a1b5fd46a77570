"""torch.optim.RAdam (no fused op: its update is written in IR ops on tensors)."""

from __future__ import annotations

import math

from core_ir import ops

from .._tensor import call
from ._fused import ComposedOptimizer, check_betas, check_lr, check_nonneg, step_state, zeros_state

__all__ = ["RAdam"]


class RAdam(ComposedOptimizer):
    """Mirrors torch.optim.RAdam (rectified Adam).

    m, v as Adam; rho_inf = 2 / (1 - b2) - 1, rho_t = rho_inf - 2 t b2^t / (1 - b2^t); when
    rho_t > 5, p -= lr m / (1 - b1^t) * sqrt(1 - b2^t) / (sqrt(v) + eps) * r_t with the
    rectification r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)),
    else p -= lr m / (1 - b1^t).

    Args:
        params, lr (1e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (0),
        decoupled_weight_decay (False), maximize (False); foreach and capturable
        recorded (differentiable=True raises).

    State: 'step', 'exp_avg', 'exp_avg_sq'. Difference: one IR update per parameter, as there
    is no fused RAdam op.
    """

    _state_keys = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach=None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonneg(eps, "epsilon")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _new_state(self, p, group: dict) -> dict:
        return {"step": step_state(), "exp_avg": zeros_state(p), "exp_avg_sq": zeros_state(p)}

    def _update(self, p, g, state, group, t):
        lr, wd, eps = float(group["lr"]), group["weight_decay"], group["eps"]
        beta1, beta2 = (float(b) for b in group["betas"])
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p = p * (1 - lr * wd)
            else:
                g = g + p * wd
        m = state["exp_avg"] + (g - state["exp_avg"]) * (1 - beta1)
        v = state["exp_avg_sq"] * beta2 + g * g * (1 - beta2)
        bc1, bc2 = 1 - beta1 ** t, 1 - beta2 ** t
        m_hat = m / bc1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * (beta2 ** t) / bc2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive = (bc2 ** 0.5) / (call(ops.sqrt, v) + eps)
            p = p - m_hat * lr * adaptive * rect
        else:
            p = p - m_hat * lr
        return p, {"exp_avg": m, "exp_avg_sq": v}
