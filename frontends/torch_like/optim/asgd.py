"""torch.optim.ASGD (no fused op: its update is written in IR ops on tensors)."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._fused import ComposedOptimizer, check_lr, check_nonneg, step_state, zeros_state

__all__ = ["ASGD"]


def _scalar(value) -> Tensor:
    """torch keeps eta and mu as float32 scalar tensors."""
    return Tensor(np.array(value, dtype=np.float32))


class ASGD(ComposedOptimizer):
    """Mirrors torch.optim.ASGD (averaged SGD).

    p *= 1 - lambd eta; p -= eta g; ax averages p once t > t0 (ax = p before);
    eta = lr / (1 + lambd lr t)^alpha; mu = 1 / max(1, t - t0).

    Args:
        params, lr (1e-2), lambd (1e-4), alpha (0.75), t0 (1e6), weight_decay (0), maximize
        (False); foreach and capturable recorded (differentiable=True raises).

    State: 'step', 'eta', 'mu' (float32 scalars), 'ax'. Difference: one IR update per
    parameter, as there is no fused ASGD op.
    """

    _state_keys = ("eta", "mu", "ax")

    def __init__(self, params, lr=1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach=None,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        check_lr(lr)
        check_nonneg(weight_decay, "weight_decay")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _new_state(self, p, group: dict) -> dict:
        return {"step": step_state(), "eta": _scalar(float(group["lr"])), "mu": _scalar(1.0),
                "ax": zeros_state(p)}

    def _update(self, p, g, state, group, t):
        lr, lambd, alpha, t0 = float(group["lr"]), group["lambd"], group["alpha"], group["t0"]
        if group["weight_decay"] != 0:
            g = g + p * group["weight_decay"]
        eta = float(state["eta"].array)
        p = p * (1 - lambd * eta) - g * eta
        ax = state["ax"]
        ax = ax + (p - ax) * state["mu"] if float(state["mu"].array) != 1 else p
        new_eta = _scalar(lr / ((1 + lambd * lr * t) ** alpha))
        return p, {"eta": new_eta, "mu": _scalar(1 / max(1, t - t0)), "ax": ax}
