"""torch.optim.Adamax over the fused AdamaxUpdate op."""

from __future__ import annotations

from core_ir import ops

from ._fused import FusedOptimizer, check_betas, check_lr, check_nonneg, step_state, zeros_state

__all__ = ["Adamax"]


class Adamax(FusedOptimizer):
    """Mirrors torch.optim.Adamax (Adam with the infinity norm).

    m = b1 m + (1 - b1) g; u = max(b2 u, |g| + eps); p -= lr / (1 - b1^t) * m / u.

    Args:
        params, lr (2e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (0), maximize
        (False); foreach and capturable recorded (differentiable=True raises).

    State: 'step', 'exp_avg', 'exp_inf'.
    """

    _op = ops.adamax_update

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_lr(lr)
        check_nonneg(eps, "epsilon")
        check_betas(betas)
        check_nonneg(weight_decay, "weight_decay")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _attrs(self, group: dict) -> dict:
        b1, b2 = group["betas"]
        return {"beta1": float(b1), "beta2": float(b2), "epsilon": float(group["eps"]),
                "weight_decay": float(group["weight_decay"]),
                "maximize": int(group["maximize"])}

    def _new_state(self, p, group: dict) -> dict:
        return {"step": step_state(), "exp_avg": zeros_state(p), "exp_inf": zeros_state(p)}
