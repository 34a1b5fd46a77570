"""torch.optim.RMSprop over the fused RMSpropUpdate op."""

from __future__ import annotations

from core_ir import ops

from ._fused import FusedOptimizer, check_lr, check_nonneg, step_state, zeros_state

__all__ = ["RMSprop"]


class RMSprop(FusedOptimizer):
    """Mirrors torch.optim.RMSprop.

    sq = alpha sq + (1 - alpha) g^2; avg = sqrt(sq) + eps (centered: sqrt(sq - ga^2) + eps with
    ga = alpha ga + (1 - alpha) g); with momentum, buf = momentum buf + g / avg and p -= lr buf,
    else p -= lr g / avg. eps is outside the sqrt (Keras puts it inside).

    Args:
        params, lr (1e-2), alpha (0.99), eps (1e-8), weight_decay (0), momentum (0),
        centered (False), maximize (False); capturable and foreach recorded
        (differentiable=True raises).

    State: 'step', 'square_avg' (+ 'momentum_buffer' when momentum > 0, 'grad_avg' when
    centered).
    """

    _op = ops.rmsprop_update

    def __init__(self, params, lr=1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonneg(eps, "epsilon")
        check_nonneg(momentum, "momentum")
        check_nonneg(weight_decay, "weight_decay")
        check_nonneg(alpha, "alpha")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _attrs(self, group: dict) -> dict:
        return {"rho": float(group["alpha"]), "epsilon": float(group["eps"]),
                "momentum": float(group["momentum"]), "centered": int(group["centered"]),
                "weight_decay": float(group["weight_decay"]),
                "maximize": int(group["maximize"])}

    def _new_state(self, p, group: dict) -> dict:
        state = {"step": step_state(), "square_avg": zeros_state(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_state(p)
        if group["centered"]:
            state["grad_avg"] = zeros_state(p)
        return state
