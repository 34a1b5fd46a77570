"""TF's EagerTensor and Variable over the IR, with TensorShape and the conversion rules.

TF does not promote between tensors: float32 + int32 is an InvalidArgumentError, and a Python
number takes the other operand's dtype. Every op goes through `call`, which binds the IR op and
raises TF's error types.
"""

from __future__ import annotations

import numpy as np

import core_ir
from core_ir import ops
from core_ir.errors import IRError
from core_ir.tensor import Tensor as _CoreTensor

from .errors import InvalidArgumentError, tf_error


def call(op, *inputs, **attrs):
    try:
        return op(*inputs, **attrs)
    except IRError as err:
        raise tf_error(err) from None


class TensorShape(tuple):
    """tf.TensorShape: dims are ints or None (unknown)."""

    def __new__(cls, dims=()):
        if dims is None:
            dims = ()
        return super().__new__(cls, (None if d is None or isinstance(d, str) else int(d)
                                     for d in dims))

    @property
    def rank(self) -> int:
        return len(self)

    @property
    def ndims(self) -> int:
        return len(self)

    def as_list(self) -> list:
        return list(self)

    def num_elements(self):
        n = 1
        for d in self:
            if d is None:
                return None
            n *= d
        return n

    def is_fully_defined(self) -> bool:
        return all(d is not None for d in self)

    def __repr__(self) -> str:
        return f"TensorShape({list(self)})"

    def __str__(self) -> str:
        return "(" + ", ".join("None" if d is None else str(d) for d in self) + \
            ("," if len(self) == 1 else "") + ")"


class EagerTensor(_CoreTensor):
    """Mirrors tf's EagerTensor (and a symbolic tensor while tracing). Differences: dtypes are
    numpy dtypes (`tf.float32` is `np.dtype('float32')`)."""

    __slots__ = ()

    @property
    def shape(self) -> TensorShape:
        return TensorShape(_CoreTensor.shape.fget(self))

    def get_shape(self) -> TensorShape:
        return self.shape

    def numpy(self):
        a = self.array
        if a is None:
            raise NotImplementedError(
                "numpy() is only available when eager execution is enabled (this tensor is "
                "symbolic: it is being traced by tf.function or Keras)")
        return np.asarray(a) if np.ndim(a) else np.asarray(a)[()]

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self.array)
        return a if dtype is None else a.astype(dtype)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len is not well defined for a rank-0 tensor")
        return self.shape[0]

    def __bool__(self) -> bool:
        return bool(np.asarray(self.array))

    def __float__(self) -> float:
        return float(np.asarray(self.array))

    def __int__(self) -> int:
        return int(np.asarray(self.array))

    def __index__(self) -> int:
        return int(np.asarray(self.array))

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        if self.array is None:
            return f"<tf.Tensor shape={self.shape} dtype={self.dtype.name}>"
        return (f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy=\n"
                f"{np.asarray(self.array)!r}>").replace("numpy=\n", "numpy=", 1) \
            if np.ndim(self.array) == 0 else (
                f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy=\n"
                f"{np.asarray(self.array)!r}>")

    def __str__(self) -> str:
        if self.array is None:
            return repr(self)
        return f"tf.Tensor(\n{np.asarray(self.array)}, shape={self.shape}, dtype={self.dtype.name})"


def _to_array(value, dtype=None) -> np.ndarray:
    """tf.constant's conversion: Python floats -> float32, Python ints -> int32."""
    if isinstance(value, _CoreTensor):
        a = value.array
        return a if dtype is None else a.astype(dtype)
    a = np.asarray(value)
    if dtype is not None:
        return np.array(a, dtype=np.dtype(dtype))
    if not isinstance(value, np.ndarray) and not isinstance(value, np.generic):
        if a.dtype.kind == "f":
            return a.astype(np.float32)
        if a.dtype.kind in "iu":
            return a.astype(np.int32)
    return np.array(a)


def constant(value, dtype=None, shape=None, name=None) -> EagerTensor:
    """tf.constant."""
    a = _to_array(value, dtype)
    if shape is not None:
        a = np.broadcast_to(a, tuple(shape)).copy() if a.size == 1 else a.reshape(shape)
    return core_ir.constant(a, cls=EagerTensor)  # a graph constant while tracing


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """tf.convert_to_tensor: tensors pass through (a dtype mismatch is an error, as in TF)."""
    if isinstance(value, _CoreTensor):
        if dtype is not None and np.dtype(dtype) != value.dtype:
            raise ValueError(f"Tensor conversion requested dtype {np.dtype(dtype).name} for "
                             f"Tensor with dtype {value.dtype.name}")
        return value
    if dtype is None and dtype_hint is not None:
        a = np.asarray(value)
        if a.dtype.kind in "iuf" and not isinstance(value, np.ndarray):
            dtype = dtype_hint
    return constant(value, dtype)


def operand(x, like) -> _CoreTensor:
    """A Python number or array as a constant of like's dtype (TF's binary-op conversion)."""
    if isinstance(x, _CoreTensor):
        return x
    return core_ir.constant(np.asarray(x, dtype=like.dtype), cls=like.result_class)


def binary(op, a, b):
    """A TF binary op: numbers take the tensor's dtype; two tensors must already agree."""
    if not isinstance(a, _CoreTensor):
        a = operand(a, b)
    b = operand(b, a)
    if a.dtype != b.dtype:
        raise InvalidArgumentError(
            f"cannot compute {op.name} as input #1(zero-based) was expected to be a "
            f"{a.dtype.name} tensor but is a {b.dtype.name} tensor [Op:{op.name}]")
    return call(op, a, b)


def _install_operators() -> None:
    for name, op in {"add": ops.add, "sub": ops.sub, "mul": ops.mul, "truediv": ops.div,
                     "pow": ops.pow, "mod": ops.mod}.items():
        setattr(EagerTensor, f"__{name}__", lambda a, b, op=op: binary(op, a, b))
        setattr(EagerTensor, f"__r{name}__", lambda a, b, op=op: binary(op, b, a))
    for name, op in {"lt": ops.less, "le": ops.less_or_equal, "gt": ops.greater,
                     "ge": ops.greater_or_equal}.items():
        setattr(EagerTensor, f"__{name}__", lambda a, b, op=op: binary(op, a, b))
    EagerTensor.__matmul__ = lambda a, b: binary(ops.matmul, a, b)
    EagerTensor.__rmatmul__ = lambda a, b: binary(ops.matmul, b, a)
    EagerTensor.__neg__ = lambda a: call(ops.neg, a)
    EagerTensor.__abs__ = lambda a: call(ops.abs_, a)
    EagerTensor.__invert__ = lambda a: call(ops.not_, a)
    EagerTensor.__and__ = lambda a, b: binary(ops.and_, a, b)
    EagerTensor.__or__ = lambda a, b: binary(ops.or_, a, b)


_install_operators()


class Variable(EagerTensor):
    """Mirrors tf.Variable / keras.Variable: a named, mutable tensor. Trainable variables
    require grad, so GradientTape sees them; inside tf.function or a Keras train step, `assign`
    becomes a graph update that the compiled plan writes back."""

    __slots__ = ("name", "trainable", "path")
    result_class = EagerTensor  # v * 2 is a plain tensor

    def __init__(self, initial_value=None, trainable: bool = True, name: str | None = None,
                 dtype=None, shape=None):
        if callable(initial_value):
            initial_value = initial_value()
        array = np.array(_to_array(initial_value, dtype))  # a private copy
        super().__init__(array, requires_grad=bool(trainable) and array.dtype.kind == "f")
        self.trainable = bool(trainable)
        self.name = name or "Variable"
        self.path = self.name

    def assign(self, value, use_locking=None, name=None, read_value=True):
        new = convert_to_tensor(value, dtype=self.dtype) if not isinstance(
            value, _CoreTensor) else value
        if tuple(new.shape) != tuple(self.shape):
            raise ValueError(f"Cannot assign value to variable ' {self.name}': Shape mismatch."
                             f"The variable shape {TensorShape(self.shape)}, and the assigned "
                             f"value shape {TensorShape(new.shape)} are incompatible.")
        core_ir.assign(self, new if new.dtype == self.dtype else call(ops.cast, new,
                                                                      to=self.dtype))
        return self if read_value else None

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self.assign(binary(ops.add, self.value_tensor(), delta), read_value=read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self.assign(binary(ops.sub, self.value_tensor(), delta), read_value=read_value)

    def value_tensor(self) -> EagerTensor:
        """The current value as a tensor (tf's `read_value()`); recorded like any use."""
        return call(ops.identity, self)

    read_value = value_tensor

    @property
    def dtype(self):
        return _CoreTensor.dtype.fget(self)

    def numpy(self):
        return np.array(self.array)

    def __repr__(self) -> str:
        return (f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy=\n{np.asarray(self.array)!r}>")
