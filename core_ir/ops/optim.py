"""Private fused optimizer updates: SGDUpdate, AdamUpdate, RMSpropUpdate, AdagradUpdate,
AdamaxUpdate and NadamUpdate. Each takes a whole list of parameters in one node and is
functional: it returns the new parameters and the new states, which the caller assigns back.

Inputs: lr, step, then params[0..n), grads[0..n) and each state list [0..n) in the order the op's
STATES names (a state's presence can depend on attributes, e.g. SGD's momentum buffer only with
momentum != 0). lr and step are scalar tensors, not attributes, so a learning-rate schedule or
the step count (Adam's bias correction) changes per step without recompiling a traced step;
step is this update's 1-based count (torch's state['step'] after its increment, Keras's
iterations + 1). Outputs: new params[0..n), then each new state list in the same order.
Hyperparameters are attributes.

`formula` picks the framework whose update is reproduced literally (CONVENTIONS.md):
- SGD: torch buf = momentum buf + (1 - dampening) g (the first step, step == 1, takes buf = g),
  p -= lr (g + momentum buf if nesterov else buf); keras v = momentum v - lr g,
  p += momentum v - lr g if nesterov else v.
- Adam: torch p -= lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps); keras
  p -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps); amsgrad uses max(v) so far.
- RMSprop: torch eps outside the sqrt, avg = sqrt(sq - ga^2) + eps, buf = momentum buf + g / avg;
  keras eps inside, sqrt(sq - ga^2 + eps), buf = momentum buf + lr g / that.
- Adagrad: torch p -= lr / (1 + (t - 1) lr_decay) g / (sqrt(sum) + eps); keras
  p -= lr g / sqrt(sum + eps) (initial_accumulator_value is the caller's initial state).
- Adamax: torch u = max(b2 u, |g| + eps), p -= lr / (1 - b1^t) m / u; keras u = max(b2 u, |g|),
  p -= lr m / ((1 - b1^t) (u + eps)).
- Nadam: mu_t = b1 (1 - 0.5 * 0.96^(t momentum_decay)), the product of the mu's a scalar state;
  p -= lr (1 - mu_t) / (1 - prod_t) g / d + lr mu_{t+1} / (1 - prod_t mu_{t+1}) m / d with
  d = sqrt(v / (1 - b2^t)) + eps. Keras's schedule is this one with momentum_decay=1.0 (torch's
  default 0.004); the two formulas differ only in how the floats are rounded.

weight_decay with decoupled_weight_decay=0 is torch's L2 term (g += wd p); with 1 it is torch
AdamW's p *= 1 - lr wd, applied before the update, which is also how every Keras optimizer
applies weight_decay (p -= p wd lr). maximize (torch) ascends. Not differentiable.
"""

from __future__ import annotations

from typing import Callable

from .. import dtypes
from ..errors import ShapeError, fmt_shape
from ..interpreters import TypeSpec
from ..op import PRIVATE_DOMAIN, Attr, defop
from ..shape_rules import check_dtype

FORMULAS = ("torch", "keras")
COMMON_ATTRS = {
    "weight_decay": Attr("float", 0.0),
    "decoupled_weight_decay": Attr("int", 0, (0, 1)),
    "maximize": Attr("int", 0, (0, 1)),
    "formula": Attr("str", "torch", FORMULAS),
}
BETAS = {"beta1": Attr("float", 0.9), "beta2": Attr("float", 0.999)}

# state name -> 'param' (shaped like its parameter) or 'scalar' (shape ())
StateList = list[tuple[str, str]]


def sgd_states(momentum=0.0, **attrs) -> StateList:
    return [("momentum_buffer", "param")] if momentum != 0 else []


def adam_states(amsgrad=0, **attrs) -> StateList:
    return [("exp_avg", "param"), ("exp_avg_sq", "param")] + (
        [("max_exp_avg_sq", "param")] if amsgrad else [])


def rmsprop_states(momentum=0.0, centered=0, **attrs) -> StateList:
    return [("square_avg", "param")] + ([("momentum_buffer", "param")] if momentum > 0 else []) \
        + ([("grad_avg", "param")] if centered else [])


def adagrad_states(**attrs) -> StateList:
    return [("sum", "param")]


def adamax_states(**attrs) -> StateList:
    return [("exp_avg", "param"), ("exp_inf", "param")]


def nadam_states(**attrs) -> StateList:
    return [("exp_avg", "param"), ("exp_avg_sq", "param"), ("mu_product", "scalar")]


def _check_scalar(t, what: str, allowed) -> None:
    check_dtype(t, allowed, what)
    if t.ndim > 1 or (t.ndim == 1 and t.shape[0] != 1):
        raise ShapeError(f"{what} must be a scalar tensor, got shape {fmt_shape(t.shape)}")


def update_infer(states: Callable[..., StateList]):
    """The shape rule of an update op: outputs mirror the params and the states."""

    def rule(lr, step, *tensors, **attrs):
        _check_scalar(lr, "lr", dtypes.FLOATS)
        _check_scalar(step, "step", dtypes.NUMERIC)
        kinds = states(**attrs)
        names = ["params", "grads"] + [name for name, _ in kinds]
        group = len(names)
        if not tensors or len(tensors) % group:
            raise ShapeError(f"expected lr, step and {group} lists of equal length ("
                             f"{', '.join(names)}), got {len(tensors)} tensors after lr and step")
        n = len(tensors) // group
        params = tensors[:n]
        for k, name in enumerate(names[1:], start=1):
            scalar = k >= 2 and kinds[k - 2][1] == "scalar"
            for i, (p, t) in enumerate(zip(params, tensors[k * n:(k + 1) * n])):
                _check_like(p, t, f"{name}[{i}]", f"params[{i}]", scalar)
        outs = [TypeSpec(p.dtype, tuple(p.shape)) for p in params]
        return outs + [TypeSpec(t.dtype, tuple(t.shape)) for t in tensors[2 * n:]]

    return rule


def _check_like(param, t, what: str, param_what: str, scalar: bool) -> None:
    check_dtype(param, dtypes.FLOATS, param_what)
    check_dtype(t, dtypes.FLOATS, what)
    want = () if scalar else tuple(param.shape)
    if tuple(t.shape) != want and not (scalar and tuple(t.shape) == (1,)):
        raise ShapeError(f"{what} has shape {fmt_shape(t.shape)}, expected {fmt_shape(want)} "
                         f"({param_what} has shape {fmt_shape(param.shape)})")
    if not scalar and t.dtype != param.dtype:
        raise ShapeError(f"{what} has dtype {t.dtype} but {param_what} has {param.dtype} "
                         f"(shapes {fmt_shape(t.shape)} and {fmt_shape(param.shape)})")


def _update_op(name: str, states: Callable[..., StateList], attrs: dict):
    op = defop(name, domain=PRIVATE_DOMAIN, infer=update_infer(states),
               attrs={**attrs, **COMMON_ATTRS}, num_outputs=-1, vjp=None)
    op.states = states  # the state lists the op takes, given its attributes
    return op


sgd_update = _update_op("SGDUpdate", sgd_states, {
    "momentum": Attr("float", 0.0), "dampening": Attr("float", 0.0),
    "nesterov": Attr("int", 0, (0, 1))})
adam_update = _update_op("AdamUpdate", adam_states, {
    **BETAS, "epsilon": Attr("float", 1e-8), "amsgrad": Attr("int", 0, (0, 1))})
rmsprop_update = _update_op("RMSpropUpdate", rmsprop_states, {
    "rho": Attr("float", 0.99), "epsilon": Attr("float", 1e-8), "momentum": Attr("float", 0.0),
    "centered": Attr("int", 0, (0, 1))})
adagrad_update = _update_op("AdagradUpdate", adagrad_states, {
    "lr_decay": Attr("float", 0.0), "epsilon": Attr("float", 1e-10)})
adamax_update = _update_op("AdamaxUpdate", adamax_states, {
    **BETAS, "epsilon": Attr("float", 1e-8)})
nadam_update = _update_op("NadamUpdate", nadam_states, {
    **BETAS, "epsilon": Attr("float", 1e-8), "momentum_decay": Attr("float", 0.004)})

__all__ = ["sgd_update", "adam_update", "rmsprop_update", "adagrad_update", "adamax_update",
           "nadam_update", "sgd_states", "adam_states", "rmsprop_states", "adagrad_states",
           "adamax_states", "nadam_states"]
