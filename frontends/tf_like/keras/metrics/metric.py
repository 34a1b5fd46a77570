"""keras.metrics.Metric: the stateful base class (Keras 3's keras/src/metrics/metric.py).

Every built-in metric splits `update_state` in two: `_stats(...)` computes this batch's
increments in IR ops (sums of values and weights, confusion counts) and `_accumulators()` names
the state variables they add to. `update_state` is then `v += stat` for each pair. Keras `fit`
uses the split: it traces `_stats` into the compiled train step and adds the plan's outputs into
the variables with plain numpy, so metrics cost no extra op dispatch per batch. A user subclass
that overrides `update_state` is called eagerly with the batch's predictions instead.
"""

from __future__ import annotations

import numpy as np

from ... import _variable
from ..backend._state import auto_name
from ..losses import _math as K


def _zeros_initializer(shape, dtype):
    return np.zeros(shape, dtype)


class Metric:
    """Mirrors keras.metrics.Metric: state variables (`add_variable`), `update_state`,
    `result`, `reset_state`; calling a metric updates it and returns the result.

    Args:
        dtype: the dtype of the state and the result (float32 by default).
        name: the metric name (default: the snake-cased class name).

    Example:
        >>> m = keras.metrics.Mean()
        >>> m.update_state([1.0, 3.0])
        >>> float(m.result())
        2.0
    """

    _stats = None  # built-ins define `_stats(*args, **kwargs) -> list of increments`

    def __init__(self, dtype=None, name=None):
        self.name = name or auto_name(self.__class__.__name__)
        self._dtype = str(np.dtype(dtype or K.floatx()))
        self._variables: list = []
        self._metrics: list = []

    @property
    def dtype(self):
        return self._dtype

    # -- state ------------------------------------------------------------------------------------
    def add_variable(self, shape, initializer=None, dtype=None, aggregation="sum", name=None):
        """A non-trainable state variable named `<metric>/<name>`."""
        if not hasattr(self, "_variables"):
            raise RuntimeError("You forgot to call `super().__init__()` in the `__init__()` "
                               "method. Go add it!")
        dtype = np.dtype(dtype or self._dtype)
        init = initializer if callable(initializer) else _constant_initializer(initializer)
        value = np.asarray(init(tuple(shape), dtype), dtype)
        var = _variable.Variable(value, trainable=False, name=name or "variable",
                                 aggregation=aggregation)
        var.path = f"{self.name}/{var.name}"
        self._variables.append(var)
        return var

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self) -> list:
        found = list(self._variables)
        for m in self._metrics:
            found.extend(m.variables)
        return found

    def reset_state(self):
        for v in self.variables:
            v.assign(np.zeros(v.shape, v.dtype))

    # -- updates -----------------------------------------------------------------------------------
    def update_state(self, *args, **kwargs):
        if self._stats is None:
            raise NotImplementedError(f"{type(self).__name__} must implement update_state()")
        stats = self._stats(*args, **kwargs)  # first: it may create the state (lazy builds)
        for var, stat in zip(self._accumulators(), stats):
            var.assign(var.read_value() + K.cast(stat, var.dtype))

    def _accumulators(self) -> list:
        """The variables `_stats`'s increments add to, in order."""
        return self._variables

    def _add_arrays(self, stats) -> None:
        """Add precomputed increments (numpy arrays from a compiled step) into the state."""
        for var, stat in zip(self._accumulators(), stats):
            var.assign((var.numpy() + np.asarray(stat, var.dtype)).astype(var.dtype))

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    # -- config -----------------------------------------------------------------------------------
    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} name={self.name}>"

    __str__ = __repr__


def _constant_initializer(value):
    if value is None or value == "zeros":
        return _zeros_initializer
    if value == "ones":
        return lambda shape, dtype: np.ones(shape, dtype)
    return lambda shape, dtype: np.full(shape, value, dtype)


def uses_stats(metric) -> bool:
    """Whether `fit` may compute the metric's increments inside the compiled step."""
    return metric._stats is not None and type(metric).update_state is Metric.update_state
