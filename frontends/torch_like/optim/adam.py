"""torch.optim.Adam and AdamW over the fused AdamUpdate op."""

from __future__ import annotations

from core_ir import ops

from ._fused import FusedOptimizer, check_betas, check_lr, check_nonneg, step_state, zeros_state

__all__ = ["Adam", "AdamW"]


def _check_adam(lr, betas, eps, weight_decay) -> None:
    check_lr(lr)
    check_nonneg(eps, "epsilon")
    check_betas(betas)
    check_nonneg(weight_decay, "weight_decay")


class Adam(FusedOptimizer):
    """Mirrors torch.optim.Adam.

    With g = grad (+ weight_decay * p unless decoupled; negated when maximize):
    m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2 (amsgrad: v_max = max(v_max, v));
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). decoupled_weight_decay=True
    shrinks p by (1 - lr * weight_decay) first instead (AdamW).

    Args:
        params, lr (1e-3), betas ((0.9, 0.999)), eps (1e-8), weight_decay (0), amsgrad (False),
        maximize, decoupled_weight_decay (False); foreach, capturable and fused are accepted
        and recorded (differentiable=True raises).

    State: 'step', 'exp_avg', 'exp_avg_sq' (+ 'max_exp_avg_sq' with amsgrad).
    """

    _op = ops.adam_update

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused=None, decoupled_weight_decay: bool = False) -> None:
        _check_adam(lr, betas, eps, weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)

    def _attrs(self, group: dict) -> dict:
        b1, b2 = group["betas"]
        return {"beta1": float(b1), "beta2": float(b2), "epsilon": float(group["eps"]),
                "amsgrad": int(group["amsgrad"]), "weight_decay": float(group["weight_decay"]),
                "decoupled_weight_decay": int(group["decoupled_weight_decay"]),
                "maximize": int(group["maximize"])}

    def _new_state(self, p, group: dict) -> dict:
        state = {"step": step_state(), "exp_avg": zeros_state(p),
                 "exp_avg_sq": zeros_state(p)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = zeros_state(p)
        return state


class AdamW(Adam):
    """Mirrors torch.optim.AdamW: Adam with decoupled weight decay (p *= 1 - lr * weight_decay
    before the update); weight_decay defaults to 1e-2."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach=None, capturable: bool = False, differentiable: bool = False,
                 fused=None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
