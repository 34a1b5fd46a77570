"""torch.optim.Adagrad over the fused AdagradUpdate op."""

from __future__ import annotations

import numpy as np

from core_ir import ops

from .._tensor import Tensor
from ._fused import FusedOptimizer, check_lr, check_nonneg, step_state

__all__ = ["Adagrad"]


class Adagrad(FusedOptimizer):
    """Mirrors torch.optim.Adagrad.

    sum += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps).

    Args:
        params, lr (1e-2), lr_decay (0), weight_decay (0), initial_accumulator_value (0),
        eps (1e-10), maximize (False); foreach and fused recorded (differentiable=True
        raises).

    State: 'step' and 'sum', created by the constructor as in torch (so state_dict() lists
    every parameter before the first step).
    """

    _op = ops.adagrad_update

    def __init__(self, params, lr=1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None) -> None:
        check_lr(lr)
        check_nonneg(lr_decay, "lr_decay")
        check_nonneg(weight_decay, "weight_decay")
        check_nonneg(initial_accumulator_value, "initial_accumulator_value")
        check_nonneg(eps, "epsilon")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p].update(self._new_state(p, group))

    def _attrs(self, group: dict) -> dict:
        return {"lr_decay": float(group["lr_decay"]), "epsilon": float(group["eps"]),
                "weight_decay": float(group["weight_decay"]),
                "maximize": int(group["maximize"])}

    def _new_state(self, p, group: dict) -> dict:
        init = group["initial_accumulator_value"]
        return {"step": step_state(),
                "sum": Tensor(np.full_like(np.asarray(p.array), init))}
