"""tf.Variable: a named, mutable tensor."""

from __future__ import annotations

import weakref

import numpy as np

import core_ir
from core_ir import ops
from core_ir.interpreters import current_interpreter
from core_ir.tensor import Tensor as _CoreTensor

from ._shape import TensorShape
from ._tensor import (EagerTensor, TracingInterpreter, _numpy_text, _to_array, binary, call,
                      convert_to_tensor)

# Variables assigned while tracing read their new graph value until the trace ends
# (see Variable._write); tf.function forgets those values after each trace.
# Keyed by id: a WeakSet would compare two weak references with the tensors' elementwise ==.
assigned_in_trace: "dict[int, weakref.ref[Variable]]" = {}


class Variable(EagerTensor):
    """Mirrors tf.Variable: a named, mutable tensor. Trainable float variables require grad, so
    GradientTape sees them; inside tf.function (or a Keras train step) `assign` becomes a graph
    update that the compiled plan writes back, and later reads in the same function see the new
    value. Differences: `.name` is the name as given (TF appends ':0'; the repr shows it);
    `value()` is spelled `read_value()` (`.value` is the IR's slot for the graph value)."""

    __slots__ = ("name", "_trainable", "path", "constraint", "synchronization", "aggregation")
    result_class = EagerTensor  # v * 2 is a plain tensor

    def __init__(self, initial_value=None, trainable=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None, import_scope=None,
                 constraint=None, synchronization="auto", aggregation="none", shape=None,
                 experimental_enable_variable_lifting=True):
        if initial_value is None:
            raise ValueError("The initial value must be specified.")
        if callable(initial_value):
            initial_value = initial_value()
        array = _to_array(_known_value(initial_value), dtype)
        if shape is not None and validate_shape:
            TensorShape(shape).assert_is_compatible_with(array.shape)
        super().__init__(array)
        self.name = name or "Variable"
        self.path = self.name
        self.trainable = True if trainable is None else bool(trainable)
        self.constraint = constraint
        self.synchronization, self.aggregation = synchronization, aggregation

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        self.requires_grad = self._trainable and self.array.dtype.kind == "f"

    # -- writes --------------------------------------------------------------------------------
    def assign(self, value, use_locking=None, name=None, read_value=True):
        """Write `value` (same shape; converted to the variable's dtype) into the variable."""
        new = convert_to_tensor(value, dtype=self.dtype)
        if tuple(new.shape) != tuple(self.shape):
            raise ValueError(f"Cannot assign value to variable ' {self.name}:0': Shape mismatch."
                             f"The variable shape {self.shape}, and the assigned value shape "
                             f"{new.shape} are incompatible.")
        self._write(new)
        return self if read_value else None

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self.assign(binary(ops.add, self.read_value(), delta, "AssignAddVariableOp"),
                           read_value=read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self.assign(binary(ops.sub, self.read_value(), delta, "AssignSubVariableOp"),
                           read_value=read_value)

    def _write(self, new) -> None:
        interp = current_interpreter()
        if not isinstance(interp, TracingInterpreter):
            core_ir.assign(self, new)
            return
        self.value = None  # so the tracer resolves the variable to its captured param
        core_ir.assign(self, new)
        self.value = interp.value_of(new)  # later reads in this trace see the new value
        assigned_in_trace[id(self)] = weakref.ref(self)

    # -- reads ---------------------------------------------------------------------------------
    def read_value(self) -> EagerTensor:
        """The current value as a tensor (tf's `read_value()`); recorded like any use."""
        return call(ops.identity, self)

    value_tensor = read_value

    def numpy(self):
        if self.array is None:
            return super().numpy()
        return np.array(self.array)

    def __repr__(self) -> str:
        text = _numpy_text(np.asarray(self.array), True)
        return (f"<tf.Variable '{self.name}:0' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy={text}>")

    __str__ = __repr__


def _known_value(value):
    """A tensor made while tracing (tf.zeros inside tf.function) can still initialize a
    variable when its content is known at trace time."""
    if isinstance(value, _CoreTensor) and value.array is None:
        known = value.known
        if not isinstance(known, np.ndarray):
            raise ValueError("A tf.Variable created inside tf.function needs an initial value "
                             "known at trace time (a constant or a Python/numpy value).")
        return known
    return value


def forget_traced_values() -> None:
    """After a trace: variables read their arrays again, not the trace's graph values."""
    for ref in list(assigned_in_trace.values()):
        v = ref()
        if v is not None:
            v.value = None
    assigned_in_trace.clear()


__all__ = ["Variable"]
