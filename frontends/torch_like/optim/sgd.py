"""torch.optim.SGD over the fused SGDUpdate op."""

from __future__ import annotations

from core_ir import ops

from ._fused import FusedOptimizer, check_lr, check_nonneg, zeros_state

__all__ = ["SGD"]


class SGD(FusedOptimizer):
    """Mirrors torch.optim.SGD: stochastic gradient descent, optionally with momentum.

    With g = grad (+ weight_decay * p, negated when maximize):
    buf = g on the first step, else momentum * buf + (1 - dampening) * g;
    p -= lr * (g + momentum * buf if nesterov else buf) (p -= lr * g without momentum).

    Args:
        params: parameters or parameter groups. lr (default 1e-3), momentum (0),
        dampening (0), weight_decay (0), nesterov (False), maximize (False); foreach and
        fused are accepted and recorded (one fused op runs either way); differentiable=True
        raises (the fused update is not differentiable).

    State: 'momentum_buffer' per parameter when momentum != 0 (no 'step', as in torch).

    Example:
        >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    _op = ops.sgd_update
    _counts_step = False

    def __init__(self, params, lr=1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay=0, nesterov: bool = False, *, maximize: bool = False,
                 foreach=None, differentiable: bool = False, fused=None) -> None:
        check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        check_nonneg(weight_decay, "weight_decay")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    def _attrs(self, group: dict) -> dict:
        return {"momentum": float(group["momentum"]), "dampening": float(group["dampening"]),
                "nesterov": int(group["nesterov"]),
                "weight_decay": float(group["weight_decay"]),
                "maximize": int(group["maximize"])}

    def _new_state(self, p, group: dict) -> dict:
        return {"momentum_buffer": zeros_state(p)} if group["momentum"] != 0 else {}

    def _step_count(self, p, state: dict) -> float:
        # the op's step 1 means torch's "no buffer yet": the buffer starts as the gradient
        return 2.0 if "momentum_buffer" in self.state.get(p, {}) else 1.0
