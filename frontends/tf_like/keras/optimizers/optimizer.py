"""keras.optimizers.Optimizer: Keras 3's base optimizer (keras/src/optimizers/base_optimizer.py).

The update math is written with IR ops and Variable assignments, so the same code runs eagerly
(`apply_gradients` in a custom loop) and inside Keras's traced train step, where every
`assign` becomes a graph update of the compiled plan. Within one `apply` the writes are staged
(`self.assign` records, `self._read` sees the staged value) and each variable is written once
at the end: weight decay, the update, the constraint and gradient accumulation compose into one
graph update per variable. The built-in optimizers hand their whole parameter list to one
fused update op (core_ir/ops/optim.py, formula="keras"); learning rate and step are tensors,
so schedules and `optimizer.learning_rate = ...` change the rate without retracing.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

import core_ir

from ..backend import _state
from ..backend._variable import Variable
from ..losses import _math as K
from .options import check_options, clip_by_global_norm
from .schedules.learning_rate_schedule import LearningRateSchedule
from .schedules.learning_rate_schedule import serialize as _serialize_lr


class Optimizer:
    """Mirrors keras.optimizers.Optimizer (the base class; subclass it and implement
    `build(var_list)` and `update_step(gradient, variable, learning_rate)` for a custom one).

    Args:
        learning_rate: a float, a LearningRateSchedule or a callable returning the rate.
        weight_decay: decoupled decay, `w -= w * weight_decay * lr` before each update.
        clipnorm / clipvalue / global_clipnorm: gradient clipping (at most one of them).
        use_ema, ema_momentum, ema_overwrite_frequency: keep an exponential moving average of
            the weights (written into the model at the end of `fit`).
        loss_scale_factor: the loss is multiplied by it and the gradients divided by it.
        gradient_accumulation_steps: update every N steps with the mean of N gradients.
        name: default the snake-cased class name, made unique.

    Example:
        >>> opt = keras.optimizers.SGD(learning_rate=0.1)
        >>> opt.apply_gradients([(grad, var)])

    Differences: `iterations` is an int64 variable (int32 under Keras's torch backend); a custom
    `update_step` that reads a variable it already wrote in the same step should read it with
    `self._read(variable)` (writes are staged until the end of `apply`, see the module notes).
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        check_options(gradient_accumulation_steps, use_ema, ema_momentum,
                       ema_overwrite_frequency, clipnorm, clipvalue, global_clipnorm)
        self.name = name or _state.auto_name(self.__class__.__name__)
        self.weight_decay, self.clipnorm, self.global_clipnorm = (weight_decay, clipnorm,
                                                                  global_clipnorm)
        self.clipvalue, self.use_ema, self.ema_momentum = clipvalue, use_ema, ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables: list = []
        self._trainable_variables: list = []
        self._trainable_variables_indices: dict = {}
        self._iterations = self._make_variable(np.asarray(0, np.int64), "iteration")
        self._learning_rate = self._make_learning_rate(learning_rate)

    def _make_variable(self, value, name, scoped=True):
        if scoped:
            with _state.name_scope(self.name, caller=self):
                var = Variable(value, trainable=False, name=name)
        else:
            var = Variable(value, trainable=False, name=name)
        self._variables.append(var)
        return var

    def _make_learning_rate(self, learning_rate):
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            return learning_rate
        if not isinstance(learning_rate, float):
            raise ValueError(  # noqa: TRY004  (Keras's type)
                "Argument `learning_rate` should be float, or an instance of "
                "LearningRateSchedule, or a callable (that takes in the current iteration value "
                "and returns the corresponding learning rate value). Received instead: "
                f"learning_rate={learning_rate}")
        return self._make_variable(np.asarray(learning_rate, np.float32), "learning_rate")

    # -- state ------------------------------------------------------------------------------------
    @property
    def iterations(self):
        if self.gradient_accumulation_steps:
            return K.cast(K.floor(K.cast(self._iterations, "float32")
                                  / float(self.gradient_accumulation_steps)), "int64")
        return self._iterations

    @property
    def variables(self) -> list:
        return self._variables[:]

    def build(self, variables):
        """Create the optimizer's state for `variables` (subclasses add their slots)."""
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(variables,
                                                                                "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = [self.add_variable_from_reference(
                v, name="gradient_accumulator") for v in variables]
        for i, v in enumerate(variables):
            self._trainable_variables_indices[id(v)] = i
        self._trainable_variables = list(variables)
        self.built = True

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     layout=None, name=None):
        dtype = np.dtype(dtype or "float32")
        if callable(initializer):
            value = np.asarray(initializer(tuple(shape), dtype=dtype), dtype)
        else:
            fill = {"zeros": 0.0, "ones": 1.0}.get(initializer, initializer)
            value = np.full(tuple(shape), fill, dtype)
        return self._make_variable(value, name or "variable")

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A slot shaped like `reference_variable`, named `<its path with _>_<name>`."""
        name = name or "var"
        ref = getattr(reference_variable, "path", None) or str(reference_variable.name)
        name = f"{ref.replace('/', '_').replace(':', '_')}_{name}"
        return self.add_variable(shape=reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype, name=name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable for each name; a tuple of lists when `name` is a list."""
        names = [name] if isinstance(name, str) else list(name)
        inits = initializer if isinstance(initializer, (list, tuple)) else [initializer] * len(
            names)
        if len(names) != len(inits):
            raise ValueError(f"The number of provided names must match the number of provided "
                             f"initializers.  Received name='{name}', "
                             f"initializer='{initializer}'")
        slots = tuple([] for _ in names)
        for v in trainable_variables:
            for i, (n, init) in enumerate(zip(names, inits)):
                slots[i].append(self.add_variable_from_reference(v, name=n, initializer=init))
        return slots[0] if isinstance(name, str) else slots

    def _get_variable_index(self, variable) -> int:
        return self._trainable_variables_indices[id(variable)]

    # -- learning rate --------------------------------------------------------------------------
    @property
    def learning_rate(self):
        return self._get_current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            if isinstance(self._learning_rate, Variable):
                self._variables.remove(self._learning_rate)
            self._learning_rate = learning_rate
            return
        if not isinstance(self._learning_rate, Variable):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as "
                            "its `learning_rate` constructor argument, hence its learning rate "
                            "is not settable. If you need the learning rate to be settable, you "
                            "should instantiate the optimizer with a float `learning_rate` "
                            "argument.")
        with core_ir.no_grad():
            self._learning_rate.assign(np.asarray(learning_rate, np.float32))

    def _get_current_learning_rate(self):
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            return lr(self._iterations)
        if isinstance(lr, Variable):
            return lr
        return lr() if callable(lr) else lr

    # -- applying gradients -----------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Apply (gradient, variable) pairs; returns `iterations`."""
        grads, variables = zip(*grads_and_vars)
        self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """One update step: clip, decay, update, constrain, then `iterations += 1`."""
        if len(grads) == 0:
            return
        variables = self._resolve_variables(grads, trainable_variables)
        with core_ir.no_grad(), _state.name_scope(self.name, caller=self):
            grads, variables = self._filter_empty_gradients(grads, variables)
            grads = [K.convert(g, v.dtype) for g, v in zip(grads, variables)]
            if self.loss_scale_factor is not None:
                grads = [g / float(self.loss_scale_factor) for g in grads]
            self._staged = {}
            try:
                if self.gradient_accumulation_steps:
                    self._accumulate_and_apply(grads, variables)
                else:
                    self._apply_now(grads, variables)
                self.assign(self._iterations, self._iterations.read_value() + 1)
                for var, value in self._staged.values():
                    var.assign(value)
            finally:
                self._staged = None

    def _resolve_variables(self, grads, trainable_variables) -> list:
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first. ")
            if len(grads) != len(self._trainable_variables_indices):
                raise ValueError(f"When passing `grads` as a list of gradient tensors, the "
                                 f"gradients must match `optimizer.variables` one-to-on. Received "
                                 f"a list of {len(grads)} gradients, but the optimizer is "
                                 f"tracking {len(self._trainable_variables)} trainable "
                                 "variables.")
            return self._trainable_variables
        variables = list(trainable_variables)
        if not self.built:
            with _state.name_scope(self.name, caller=self):
                self.build(variables)
            self.built = True
        for v in variables:
            if id(v) not in self._trainable_variables_indices:
                raise ValueError(f"Unknown variable: {v}. This optimizer can only be called for "
                                 "the variables it was originally built with. When working with "
                                 "a new set of variables, you should recreate a new optimizer "
                                 "instance.")
        return variables

    def _apply_now(self, grads, variables):
        self._backend_update_step(self._clip_gradients(grads), variables, self.learning_rate)
        self._finish_step(variables)

    def _finish_step(self, variables):
        """What Keras does after the update on every call: the moving average, then the
        variables' constraints."""
        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables)
        for v in variables:
            if getattr(v, "constraint", None) is not None:
                self.assign(v, v.constraint(self._read(v)))

    def _accumulate_and_apply(self, grads, variables):
        """Every N-th call applies the mean of the last N gradients; the others only add to the
        accumulators. Both branches are computed and selected with Where (one traced graph)."""
        steps = self.gradient_accumulation_steps
        zero = K.like(0, self._iterations)
        is_update = K.equal((self._iterations.read_value() + 1) % steps, zero)
        accs = [self._accumulated_gradients[self._get_variable_index(v)] for v in variables]
        mean_grads = [(g + a.read_value()) / float(steps) for g, a in zip(grads, accs)]
        self._backend_update_step(self._clip_gradients(mean_grads), variables,
                                  self.learning_rate)
        for var, value in list(self._staged.values()):  # nothing is written yet: var is old
            self.assign(var, K.where(is_update, value, var.read_value()))
        for g, a in zip(grads, accs):
            self.assign(a, K.where(is_update, K.like(0, a), a.read_value() + g))
        self._finish_step(variables)

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        """Weight decay, then `update_step` per variable (the fused optimizers override this
        with one op over the whole list)."""
        self._apply_weight_decay(trainable_variables)
        for grad, var in zip(grads, trainable_variables):
            self.update_step(grad, var, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  "update_step(gradient, variable, learning_rate)")

    # During `apply` every write is staged and each variable is written once at the end, so a
    # traced step assigns each variable once; `_read` sees the staged values.
    _staged = None

    def assign(self, variable, value):
        if self._staged is None:
            variable.assign(value)
        else:
            self._staged[id(variable)] = (variable, K.cast(value, variable.dtype))

    def assign_add(self, variable, value):
        self.assign(variable, self._read(variable) + value)

    def assign_sub(self, variable, value):
        self.assign(variable, self._read(variable) - value)

    def _read(self, variable):
        """The variable's value in this update step (its staged write, if any)."""
        staged = self._staged.get(id(variable)) if self._staged is not None else None
        return staged[1] if staged is not None else variable.read_value()

    def _filter_empty_gradients(self, grads, variables):
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        missing = [getattr(v, "path", v.name) for g, v in zip(grads, variables) if g is None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss. If using `model.compile()`, did you forget to provide a `loss` "
                          "argument?")
        return [g for g, _ in kept], [v for _, v in kept]

    # -- clipping, weight decay, EMA ---------------------------------------------------------------
    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [self._clip_by_norm(g) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return [K.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _clip_by_norm(self, values):
        l2sum = K.sum_(K.square(values), keepdims=True)
        positive = K.greater(l2sum, 0.0)
        l2norm = K.where(positive, K.sqrt(K.where(positive, l2sum, K.like(1, l2sum))), l2sum)
        return values * float(self.clipnorm) / K.maximum(l2norm, float(self.clipnorm))

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exclude variables (by identity, or by a name pattern) from weight decay."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_from_weight_decay = {id(v) for v in var_list or []}
        self._exclude_from_weight_decay_pattern = (
            re.compile("|".join(set(var_names))) if var_names else None)

    def _use_weight_decay(self, variable) -> bool:
        if id(variable) in getattr(self, "_exclude_from_weight_decay", set()):
            return False
        pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
        return pattern is None or re.search(pattern, variable.name) is None

    def _apply_weight_decay(self, variables):
        if self.weight_decay is None:
            return
        lr = K.cast(self.learning_rate, "float32")
        for v in variables:
            if self._use_weight_decay(v):
                value = self._read(v)
                self.assign(v, value - value * K.cast(lr, v.dtype) * float(self.weight_decay))

    def _update_model_variables_moving_average(self, variables):
        not_first = K.cast(K.logical_not(K.equal(self._iterations, K.like(0, self._iterations))),
                           "float32")
        momentum = not_first * float(self.ema_momentum)
        for var, average in zip(variables, self._model_variables_moving_average):
            m = K.cast(momentum, var.dtype)
            self.assign(average, m * self._read(average) + (1.0 - m) * self._read(var))
        if self.ema_overwrite_frequency:
            due = K.equal((self.iterations + 1) % self.ema_overwrite_frequency,
                          K.like(0, self._iterations))
            for var, average in zip(variables, self._model_variables_moving_average):
                self.assign(var, K.where(due, self._read(average), self._read(var)))

    def finalize_variable_values(self, var_list):
        """With use_ema, write the moving averages into the variables (end of `fit`)."""
        if self.use_ema:
            for var, average in zip(var_list, self._model_variables_moving_average):
                var.assign(average.numpy())

    def scale_loss(self, loss):
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    # -- weights and config -----------------------------------------------------------------------
    def set_weights(self, weights):
        if not self.built:
            raise ValueError("You are calling `set_weights()` on an optimizer that has not yet "
                             "been built. Please call `optimizer.build(trainable_variables)` to "
                             "create the optimizer weights before calling `set_weights()`.")
        for v, w in zip(self._variables, weights):
            if tuple(v.shape) != tuple(np.shape(w)):
                raise ValueError(f"Optimizer variable {id(v)} has shape {tuple(v.shape)} not "
                                 f"compatible with provided weight shape {np.shape(w)}.")
            v.assign(np.asarray(w, v.dtype))

    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            learning_rate = _serialize_lr(lr)
        elif isinstance(lr, Variable):
            learning_rate = float(lr.numpy())
        else:
            learning_rate = lr
        return {"name": self.name, "learning_rate": learning_rate,
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            from .schedules import deserialize
            config["learning_rate"] = deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"
