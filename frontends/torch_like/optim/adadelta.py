"""torch.optim.Adadelta (no fused op: its update is written in IR ops on tensors)."""

from __future__ import annotations

from core_ir import ops

from .._tensor import call
from ._fused import ComposedOptimizer, check_lr, check_nonneg, step_state, zeros_state

__all__ = ["Adadelta"]


class Adadelta(ComposedOptimizer):
    """Mirrors torch.optim.Adadelta.

    sq = rho sq + (1 - rho) g^2; delta = sqrt(acc + eps) / sqrt(sq + eps) * g;
    acc = rho acc + (1 - rho) delta^2; p -= lr delta.

    Args:
        params, lr (1.0), rho (0.9), eps (1e-6), weight_decay (0), maximize (False);
        foreach and capturable recorded (differentiable=True raises).

    State: 'step', 'square_avg', 'acc_delta'. Difference: one IR update per parameter, as
    there is no fused Adadelta op.
    """

    _state_keys = ("square_avg", "acc_delta")

    def __init__(self, params, lr=1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach=None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonneg(eps, "epsilon")
        check_nonneg(weight_decay, "weight_decay")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _new_state(self, p, group: dict) -> dict:
        return {"step": step_state(), "square_avg": zeros_state(p), "acc_delta": zeros_state(p)}

    def _update(self, p, g, state, group, t):
        lr, rho, eps, wd = float(group["lr"]), group["rho"], group["eps"], group["weight_decay"]
        if wd != 0:
            g = g + p * wd
        sq = state["square_avg"] * rho + g * g * (1 - rho)
        std = call(ops.sqrt, sq + eps)
        delta = call(ops.sqrt, state["acc_delta"] + eps) / std * g
        acc = state["acc_delta"] * rho + delta * delta * (1 - rho)
        return p - delta * lr, {"square_avg": sq, "acc_delta": acc}
