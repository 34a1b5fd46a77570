"""torch.optim.Rprop (no fused op: its update is written in IR ops on tensors)."""

from __future__ import annotations

import numpy as np

import core_ir
from core_ir import ops

from .._tensor import Tensor, call
from ._fused import ComposedOptimizer, check_lr, step_state, zeros_state

__all__ = ["Rprop"]


class Rprop(ComposedOptimizer):
    """Mirrors torch.optim.Rprop (resilient backpropagation).

    Each element's step size grows by etaplus while the gradient keeps its sign, shrinks by
    etaminus when it flips (and that element's gradient is then taken as 0), clamped to
    step_sizes; p -= sign(g) * step_size.

    Args:
        params, lr (1e-2, the initial step size), etas ((0.5, 1.2)), step_sizes ((1e-6, 50)),
        maximize (False); foreach and capturable recorded (differentiable=True raises).

    State: 'step', 'prev', 'step_size'. Difference: one IR update per parameter, as there is
    no fused Rprop op.
    """

    _state_keys = ("prev", "step_size")

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _new_state(self, p, group: dict) -> dict:
        size = Tensor(np.full_like(np.asarray(p.array), float(group["lr"])))
        return {"step": step_state(), "prev": zeros_state(p), "step_size": size}

    def _update(self, p, g, state, group, t):
        etaminus, etaplus = group["etas"]
        low, high = group["step_sizes"]
        sign = call(ops.sign, g * state["prev"])
        factor = call(ops.where, sign > 0, _const(etaplus, g),
                      call(ops.where, sign < 0, _const(etaminus, g), _const(1.0, g)))
        step_size = call(ops.clip, state["step_size"] * factor, _const(low, g),
                         _const(high, g))
        # where the sign flipped, this step does not move and `prev` forgets the gradient
        g = call(ops.where, factor == etaminus, _const(0.0, g), g)
        return p - call(ops.sign, g) * step_size, {"prev": g, "step_size": step_size}


def _const(value, like) -> Tensor:
    return core_ir.constant(value, like.dtype, cls=Tensor)
