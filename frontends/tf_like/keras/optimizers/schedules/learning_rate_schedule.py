"""Keras 3's learning-rate schedules (keras/src/optimizers/schedules/learning_rate_schedule.py).

A schedule maps the optimizer's step (its `iterations` variable) to a float32 rate with IR
ops, so inside a traced train step the rate is computed in the graph from the step each run.
"""

from __future__ import annotations

import math

import numpy as np

from ...losses import _math as K


class LearningRateSchedule:
    """Mirrors keras.optimizers.schedules.LearningRateSchedule: subclass it and implement
    `__call__(self, step)` (step is an int64 tensor) and `get_config()`.

    Example:
        >>> class MyLRSchedule(LearningRateSchedule):
        ...     def __call__(self, step):
        ...         return 0.1 / (ops.cast(step, "float32") + 1.0)
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{self.__class__.__name__}' must "
                                  "override `__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{self.__class__.__name__}' must "
                                  "override `get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _float(step):
    return K.cast(K.convert(step), "float32")


def _check_decay_steps(decay_steps, name="decay_steps"):
    if decay_steps <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={decay_steps}")


class ExponentialDecay(LearningRateSchedule):
    """Mirrors keras.optimizers.schedules.ExponentialDecay:
    initial_learning_rate * decay_rate ^ (step / decay_steps) (floored with staircase)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name
        _check_decay_steps(decay_steps)

    def __call__(self, step):
        p = _float(step) / float(self.decay_steps)
        if self.staircase:
            p = K.floor(p)
        rate = K.convert(np.float32(self.decay_rate))
        return K.power(rate, p) * float(self.initial_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """Mirrors keras.optimizers.schedules.PiecewiseConstantDecay: values[i] while
    boundaries[i-1] < step <= boundaries[i]."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"The length of boundaries should be 1 less than the length of "
                             f"values. Received: boundaries={boundaries} of length "
                             f"{len(boundaries)}, and values={values} of length {len(values)}.")
        self.boundaries, self.values, self.name = boundaries, values, name

    def __call__(self, step):
        step = K.convert(step)
        bounds = [K.like(b, step) for b in self.boundaries]
        dtype = np.asarray(self.values[0]).dtype
        dtype = np.float32 if dtype.kind == "f" else dtype
        value = lambda v: K.convert(np.asarray(v, dtype))
        hit = lambda c: K.cast(c, dtype)
        result = hit(K.less_equal(step, bounds[0])) * value(self.values[0])
        result = result + hit(K.greater(step, bounds[-1])) * value(self.values[-1])
        for low, high, v in zip(bounds[:-1], bounds[1:], self.values[1:-1]):
            inside = K.logical_and(K.greater(step, low), K.less_equal(step, high))
            result = result + hit(inside) * value(v)
        return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Mirrors keras.optimizers.schedules.PolynomialDecay:
    (initial - end) * (1 - step / decay_steps) ^ power + end (cycling restarts with `cycle`)."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle = end_learning_rate, power, cycle
        self.name = name
        _check_decay_steps(decay_steps)

    def __call__(self, step):
        step = _float(step)
        decay_steps = K.like(self.decay_steps, step)
        if self.cycle:
            multiplier = K.where(K.equal(step, 0.0), K.like(1, step),
                                 K.ceil(step / float(self.decay_steps)))
            decay_steps = decay_steps * multiplier
        else:
            step = K.minimum(step, decay_steps)
        p = step / decay_steps
        span = float(np.float32(self.initial_learning_rate) - np.float32(self.end_learning_rate))
        return K.power(1.0 - p, float(self.power)) * span + float(self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """Mirrors keras.optimizers.schedules.InverseTimeDecay:
    initial_learning_rate / (1 + decay_rate * step / decay_steps)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name
        _check_decay_steps(decay_steps)

    def __call__(self, step):
        p = _float(step) / float(self.decay_steps)
        if self.staircase:
            p = K.floor(p)
        initial = K.like(self.initial_learning_rate, p)
        return initial / (p * float(self.decay_rate) + 1.0)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Mirrors keras.optimizers.schedules.CosineDecay: an optional linear warmup from
    initial_learning_rate to warmup_target over warmup_steps, then
    lr * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha)."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate, self.decay_steps, self.alpha = (initial_learning_rate,
                                                                    decay_steps, alpha)
        self.name, self.warmup_target, self.warmup_steps = name, warmup_target, warmup_steps
        _check_decay_steps(decay_steps)

    def _decay(self, step, decay_steps, decay_from_lr):
        fraction = step / decay_steps
        cosine = (K.cos(fraction * float(np.float32(math.pi))) + 1.0) * 0.5
        return decay_from_lr * (cosine * (1.0 - self.alpha) + self.alpha)

    def __call__(self, step):
        step = _float(step)
        initial = K.like(self.initial_learning_rate, step)
        decay_steps = K.like(self.decay_steps, step)
        if self.warmup_target is None:
            return self._decay(K.minimum(step, decay_steps), decay_steps, initial)
        target = K.like(self.warmup_target, step)
        warmup_steps = K.like(self.warmup_steps, step)
        step = K.minimum(step, decay_steps + warmup_steps)
        warm = (target - initial) * (step / warmup_steps) + initial
        decayed = self._decay(step - warmup_steps, decay_steps, target)
        return K.where(K.less(step, warmup_steps), warm, decayed)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Mirrors keras.optimizers.schedules.CosineDecayRestarts (SGDR): cosine cycles whose
    length grows by t_mul and whose height shrinks by m_mul at each restart."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        self.initial_learning_rate, self.first_decay_steps = (initial_learning_rate,
                                                              first_decay_steps)
        self._t_mul, self._m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name
        _check_decay_steps(first_decay_steps, "first_decay_steps")

    def __call__(self, step):
        fraction = _float(step) / float(self.first_decay_steps)
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            restarts = K.floor(fraction)
            fraction = fraction - restarts
        else:
            restarts = K.floor(K.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            done = (1.0 - K.power(K.like(t_mul, fraction), restarts)) / (1.0 - t_mul)
            fraction = (fraction - done) / K.power(K.like(t_mul, fraction), restarts)
        m_fac = K.power(K.like(self._m_mul, fraction), restarts)
        cosine = m_fac * 0.5 * (K.cos(fraction * float(np.float32(math.pi))) + 1.0)
        decayed = cosine * (1.0 - self.alpha) + self.alpha
        return decayed * float(self.initial_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


def serialize(learning_rate_schedule):
    """keras.optimizers.schedules.serialize."""
    return {"module": "keras.optimizers.schedules",
            "class_name": type(learning_rate_schedule).__name__,
            "config": learning_rate_schedule.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """keras.optimizers.schedules.deserialize."""
    table = {c.__name__: c for c in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                     InverseTimeDecay, CosineDecay, CosineDecayRestarts)}
    table.update(custom_objects or {})
    cls = table.get(config["class_name"])
    if cls is None:
        raise ValueError(f"Unknown decay: '{config['class_name']}'")
    return cls.from_config(config["config"])
