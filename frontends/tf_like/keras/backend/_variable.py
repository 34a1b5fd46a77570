"""keras.Variable: a tf Variable with Keras 3's extras (path, regularizer, constraint)."""

from __future__ import annotations

import numpy as np

import backends.numpy as _engine
import core_ir

from ..._tensor import EagerTensor
from ..._tensor import Variable as _TFVariable
from . import _config, _state

_EAGER = _engine.EAGER


class Variable(_TFVariable):
    """Mirrors keras.Variable (Keras 3): `Variable(initializer, shape, dtype, trainable, name)`.

    `name` is the short name ("kernel"), `path` the name joined to the enclosing layers' scopes
    ("sequential/dense/kernel"). `regularizer` and `constraint` are set by `Layer.add_weight`;
    optimizers apply `constraint` after each update. Setting `trainable` also switches whether
    gradients are recorded for it. Differences: `dtype` is a numpy dtype (equal to its Keras
    string name); `aggregation`/`synchronization` are accepted and stored, not used; there is
    no `.value` property (the engine's tensors use that slot for the traced graph value while
    tracing): use `read_value()` or the variable itself.
    """

    __slots__ = ("_initializer", "autocast", "regularizer")
    result_class = EagerTensor  # v * 2 is a plain tensor

    def __init__(self, initializer, shape=None, dtype=None, trainable: bool = True,
                 autocast: bool = True, aggregation: str = "none",
                 synchronization: str = "auto", name: str | None = None):
        name = name or _state.auto_name(type(self).__name__)
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name}")
        dtype = np.dtype(_config.standardize_dtype(dtype)) if dtype is not None else None
        value = _initial_value(initializer, shape, dtype)
        super().__init__(value, trainable=trainable, name=name)
        parent = _state.current_path()
        self.path = f"{parent}/{name}" if parent else name
        self.regularizer = None
        self.constraint = None
        self.aggregation, self.synchronization = aggregation, synchronization
        self.autocast = autocast
        self._initializer = initializer if callable(initializer) else None

    def __repr__(self) -> str:
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype.name}, "
                f"value={np.asarray(self.array)}>")

    __str__ = __repr__


def _initial_value(initializer, shape, dtype) -> np.ndarray:
    """Run an initializer (or take a value) eagerly, even when called while tracing."""
    if callable(initializer):
        if shape is None:
            raise ValueError("When creating a Variable from an initializer, the `shape` "
                             f"argument should be specified. Received: initializer={initializer} "
                             "and shape={shape}")
        with core_ir.interpreter(_EAGER), core_ir.no_grad():
            value = initializer(tuple(int(d) for d in shape), dtype=dtype or _config.floatx())
    else:
        value = initializer
    array = np.asarray(value.array if isinstance(value, core_ir.Tensor) else value)
    if dtype is None and array.dtype.kind == "f" and not isinstance(value, (np.ndarray,
                                                                              core_ir.Tensor)):
        dtype = np.dtype(_config.floatx())
    if dtype is not None:
        array = array.astype(dtype)
    if shape is not None and tuple(array.shape) != tuple(shape):
        raise ValueError(f"Initializer produced shape {array.shape}, expected {tuple(shape)}")
    return array
