"""Optimizers without a fused op: Adadelta, Ftrl, Lion. Their `update_step` is Keras's, written
with IR ops and variable assignments (eagerly or traced into the train step alike)."""

from __future__ import annotations

from ..losses import _math as K
from .fused import _base_kwargs
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Mirrors keras.optimizers.Adadelta: acc_g = rho acc_g + (1 - rho) g^2;
    delta = -sqrt(acc_d + eps) g / sqrt(acc_g + eps); acc_d = rho acc_d + (1 - rho) delta^2;
    w += lr delta. Defaults lr 0.001, rho 0.95, epsilon 1e-7."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_kwargs(locals()), **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, grad, variable, learning_rate):
        lr = K.cast(learning_rate, variable.dtype)
        i = self._get_variable_index(variable)
        acc_grad, acc_delta = self._accumulated_grads[i], self._accumulated_delta_vars[i]
        rho = self.rho
        rms = lambda x: K.sqrt(x + self.epsilon)
        self.assign(acc_grad, self._read(acc_grad) * rho + K.square(grad) * (1 - rho))
        delta = -(rms(self._read(acc_delta)) * grad / rms(self._read(acc_grad)))
        self.assign(acc_delta, self._read(acc_delta) * rho + K.square(delta) * (1 - rho))
        self.assign_add(variable, lr * delta)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Ftrl(Optimizer):
    """Mirrors keras.optimizers.Ftrl (Follow The Regularized Leader, McMahan et al. 2013),
    with Keras's l1/l2/l2-shrinkage regularization and beta."""

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_kwargs(locals()), **kwargs)
        _check_nonnegative("initial_accumulator_value", initial_accumulator_value)
        if learning_rate_power > 0.0:
            raise ValueError(f"`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        _check_nonnegative("l1_regularization_strength", l1_regularization_strength)
        _check_nonnegative("l2_regularization_strength", l2_regularization_strength)
        _check_nonnegative("l2_shrinkage_regularization_strength",
                           l2_shrinkage_regularization_strength)
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"],
            initializer=[float(self.initial_accumulator_value), "zeros"])

    def update_step(self, gradient, variable, learning_rate):
        lr = K.cast(learning_rate, variable.dtype)
        i = self._get_variable_index(variable)
        accum, linear = self._accumulators[i], self._linears[i]
        power = -self.learning_rate_power
        l2_reg = self.beta / (lr * 2.0) + self.l2_regularization_strength
        w = self._read(variable)
        grad_to_use = gradient + w * (2 * self.l2_shrinkage_regularization_strength)
        old_accum = self._read(accum)
        new_accum = old_accum + K.square(gradient)
        sigma = (K.power(new_accum, power) - K.power(old_accum, power)) / lr
        self.assign(linear, self._read(linear) + (grad_to_use - sigma * w))
        quadratic = K.power(new_accum, power) / lr + l2_reg * 2.0
        l1 = self.l1_regularization_strength
        linear_now = self._read(linear)
        self.assign(variable, (K.clip(linear_now, -l1, l1) - linear_now) / quadratic)
        self.assign(accum, new_accum)

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength":
                    self.l2_shrinkage_regularization_strength,
                "beta": self.beta}


def _check_nonnegative(name, value):
    if value < 0.0:
        raise ValueError(f"`{name}` needs to be positive or zero. Received: {name}={value}.")


class Lion(Optimizer):
    """Mirrors keras.optimizers.Lion: w -= lr sign(b1 m + (1 - b1) g); m = b2 m + (1 - b2) g.
    Defaults lr 0.001, beta_1 0.9, beta_2 0.99."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_kwargs(locals()), **kwargs)
        self.beta_1, self.beta_2 = beta_1, beta_2
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(f"Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        lr = K.cast(learning_rate, variable.dtype)
        m = self._momentums[self._get_variable_index(variable)]
        m_now = self._read(m)
        self.assign_sub(variable, lr * K.sign(m_now * self.beta_1 + gradient * (1.0 - self.beta_1)))
        self.assign(m, m_now * self.beta_2 + gradient * (1.0 - self.beta_2))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
