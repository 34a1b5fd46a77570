"""torch.optim.NAdam over the fused NadamUpdate op."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from .._tensor import Tensor
from ._fused import FusedOptimizer, check_betas, check_lr, check_nonneg, step_state, zeros_state

__all__ = ["NAdam"]


class NAdam(FusedOptimizer):
    """Mirrors torch.optim.NAdam (Adam with Nesterov momentum).

    mu_t = b1 (1 - 0.5 * 0.96^(t momentum_decay)); mu_product *= mu_t;
    p -= lr (1 - mu_t) / (1 - mu_product) g / d + lr mu_{t+1} / (1 - mu_product mu_{t+1}) m / d
    with d = sqrt(v / (1 - b2^t)) + eps.

    Args:
        params, lr (2e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (0),
        momentum_decay (4e-3), decoupled_weight_decay (False), maximize (False); foreach,
        capturable recorded (differentiable=True raises).

    State: 'step', 'mu_product' (a float32 scalar), 'exp_avg', 'exp_avg_sq'.
    """

    _op = ops.nadam_update

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonneg(eps, "epsilon")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay")
        check_nonneg(momentum_decay, "momentum_decay")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _attrs(self, group: dict) -> dict:
        b1, b2 = group["betas"]
        return {"beta1": float(b1), "beta2": float(b2), "epsilon": float(group["eps"]),
                "momentum_decay": float(group["momentum_decay"]),
                "weight_decay": float(group["weight_decay"]),
                "decoupled_weight_decay": int(group["decoupled_weight_decay"]),
                "maximize": int(group["maximize"])}

    def _new_state(self, p, group: dict) -> dict:
        return {"step": step_state(), "mu_product": Tensor(np.ones((), dtype=np.float32)),
                "exp_avg": zeros_state(p), "exp_avg_sq": zeros_state(p)}
