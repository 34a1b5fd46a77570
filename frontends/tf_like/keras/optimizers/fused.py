"""The optimizers with a fused update op: SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, Nadam.

Each hands its whole parameter list to one op (core_ir/ops/optim.py) with formula="keras",
which reproduces Keras 3's update literally (CONVENTIONS.md); decoupled weight decay
(w -= w * wd * lr, applied before the update as Keras does) is an attribute of the same op.
Variables excluded from weight decay go through a second call without it.
"""

from __future__ import annotations

import numpy as np

from core_ir import ops

from ..._tensor import call
from ..losses import _math as K
from .optimizer import Optimizer


class FusedOptimizer(Optimizer):
    """An Optimizer whose `update_step` for all variables is one fused op call. Subclasses set
    `_op`, `_slot_names` (in the op's state order) and `_attrs()`.

    Difference: the fused kernels compute the scalar coefficients (Adam's bias corrections,
    Nadam's momentum schedule) from the float64 hyperparameters, where Keras first casts beta_1
    and beta_2 to float32; the updates agree to about 1e-5 relative after a few steps."""

    _op = None
    _slot_names: tuple = ()

    def _attrs(self) -> dict:
        return {}

    def _slots(self) -> list[list]:
        """One list of slot variables per state of the op (aligned with the trainables)."""
        return [getattr(self, f"_{name}") for name in self._slot_names]

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        lr = K.cast(learning_rate, "float32")
        step = self.iterations + 1
        decayed = [self.weight_decay is not None and self._use_weight_decay(v)
                   for v in trainable_variables]
        for with_decay in (True, False):
            chosen = [i for i, d in enumerate(decayed) if d == with_decay]
            if chosen:
                self._fused_update([grads[i] for i in chosen],
                                   [trainable_variables[i] for i in chosen], lr, step,
                                   self.weight_decay if with_decay else 0.0)

    def _fused_update(self, grads, variables, lr, step, weight_decay):
        index = [self._get_variable_index(v) for v in variables]
        states = [[slot[i] for i in index] for slot in self._slots()]
        flat_states = [s for group in states for s in group]
        outs = call(self._op, lr, step, *variables, *grads, *flat_states, formula="keras",
                    weight_decay=float(weight_decay), decoupled_weight_decay=1, **self._attrs())
        outs = list(outs) if isinstance(outs, tuple) else [outs]
        for target, new in zip(list(variables) + flat_states, outs):
            self.assign(target, new)


class SGD(FusedOptimizer):
    """Mirrors keras.optimizers.SGD: v = momentum * v - lr * g; w += v (nesterov:
    w += momentum * v - lr * g); plain w -= lr * g without momentum. Defaults lr 0.01."""

    _op = ops.sgd_update

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum, self.nesterov = momentum, nesterov

    @property
    def _slot_names(self):
        return ("momentums",) if self.momentum != 0 else ()

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums = []
        if self.momentum != 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")

    @property
    def momentums(self):
        return self._momentums

    def _attrs(self):
        return {"momentum": float(self.momentum), "nesterov": int(bool(self.nesterov))}

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


def _base_kwargs(local: dict) -> dict:
    keys = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "use_ema", "ema_momentum",
            "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps", "name")
    return {k: local[k] for k in keys}


class Adam(FusedOptimizer):
    """Mirrors keras.optimizers.Adam: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
    w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps) (amsgrad: max of v). Defaults
    lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7."""

    _op = ops.adam_update

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_kwargs(locals()), **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    @property
    def _slot_names(self):
        return ("momentums", "velocities") + (("velocity_hats",) if self.amsgrad else ())

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _attrs(self):
        return {"beta1": float(self.beta_1), "beta2": float(self.beta_2),
                "epsilon": float(self.epsilon), "amsgrad": int(bool(self.amsgrad))}

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Mirrors keras.optimizers.AdamW: Adam with decoupled weight decay (default 0.004)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, **_base_kwargs(locals()), **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")


class RMSprop(FusedOptimizer):
    """Mirrors keras.optimizers.RMSprop: v = rho v + (1 - rho) g^2;
    step = lr g / sqrt(v (- mean_g^2 if centered) + eps); with momentum m = momentum m + step.
    Defaults lr 0.001, rho 0.9, momentum 0.0, epsilon 1e-7."""

    _op = ops.rmsprop_update

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_kwargs(locals()), **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    @property
    def _slot_names(self):
        return (("velocities",) + (("momentums",) if self.momentum > 0 else ())
                + (("average_gradients",) if self.centered else ()))

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(var_list, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(var_list, "average_gradient")

    def _attrs(self):
        return {"rho": float(self.rho), "epsilon": float(self.epsilon),
                "momentum": float(self.momentum), "centered": int(bool(self.centered))}

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(FusedOptimizer):
    """Mirrors keras.optimizers.Adagrad: acc += g^2; w -= lr g / sqrt(acc + eps). Defaults
    lr 0.001, initial_accumulator_value 0.1, epsilon 1e-7."""

    _op = ops.adagrad_update
    _slot_names = ("accumulators",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_kwargs(locals()), **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=float(self.initial_accumulator_value))

    def _attrs(self):
        return {"epsilon": float(self.epsilon)}

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adamax(FusedOptimizer):
    """Mirrors keras.optimizers.Adamax: m += (g - m)(1 - b1); u = max(b2 u, |g|);
    w -= lr m / ((1 - b1^t)(u + eps)). Defaults lr 0.001, 0.9, 0.999, 1e-7."""

    _op = ops.adamax_update
    _slot_names = ("m", "u")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_kwargs(locals()), **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def _attrs(self):
        return {"beta1": float(self.beta_1), "beta2": float(self.beta_2),
                "epsilon": float(self.epsilon)}

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Nadam(FusedOptimizer):
    """Mirrors keras.optimizers.Nadam (Dozat's schedule mu_t = b1 (1 - 0.5 * 0.96^t), its
    running product kept in one float variable). Defaults lr 0.001, 0.9, 0.999, 1e-7."""

    _op = ops.nadam_update
    _slot_names = ("momentums", "velocities")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_kwargs(locals()), **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, var_list):
        if self.built:
            return
        dtype = var_list[0].dtype if var_list else np.dtype("float32")
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        # Keras leaves it unnamed ("variable", "variable_1", ...) and adds no scope of its own
        self._u_product = self._make_variable(np.asarray(1.0, dtype), None, scoped=False)

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        # the running product advances once per step, however many op calls the step takes
        self._product_before = self._read(self._u_product)
        super()._backend_update_step(grads, trainable_variables, learning_rate)

    def _fused_update(self, grads, variables, lr, step, weight_decay):
        """The op takes the running product once per parameter (all the same value)."""
        n = len(variables)
        index = [self._get_variable_index(v) for v in variables]
        states = [self._momentums[i] for i in index] + [self._velocities[i] for i in index]
        outs = call(self._op, lr, step, *variables, *grads, *states, *[self._product_before] * n,
                    formula="keras", weight_decay=float(weight_decay), decoupled_weight_decay=1,
                    **self._attrs())
        for target, new in zip(list(variables) + states, outs[:3 * n]):
            self.assign(target, new)
        self.assign(self._u_product, outs[3 * n])

    def _attrs(self):
        return {"beta1": float(self.beta_1), "beta2": float(self.beta_2),
                "epsilon": float(self.epsilon), "momentum_decay": 1.0}

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
