"""TF's EagerTensor and Variable over the IR, with the conversion rules and TF's operators.

TF does not promote between tensors: float32 + int32 is an InvalidArgumentError, and a Python
number takes the other operand's dtype (2.5 cannot become an int32: TypeError). `/` on integers
is true division into float64 (float32 for 8/16-bit ints), `//` floors and `%` is floormod.
Every op goes through `call`, which binds the IR op and raises TF's error types.
"""

from __future__ import annotations

import numpy as np

import core_ir
from core_ir import ops
from core_ir.errors import IRError
from core_ir.interpreters import TracingInterpreter, current_interpreter
from core_ir.tensor import Tensor as _CoreTensor

from . import _strings
from . import dtypes as _dtypes
from ._shape import TensorShape, TensorSpec  # noqa: F401  (re-exported)
from .errors import InvalidArgumentError, OperatorNotAllowedInGraphError, tf_error

DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"


def call(op, *inputs, **attrs):
    """Bind an IR op; IR errors become TF's error types."""
    try:
        return op(*inputs, **attrs)
    except IRError as err:
        raise tf_error(err) from None


def is_tracing() -> bool:
    """True inside tf.function (or any IR trace): tensors are symbolic."""
    return isinstance(current_interpreter(), TracingInterpreter)


def _numpy_text(a: np.ndarray, is_repr: bool) -> str:
    # TF prints numpy's own text; a scalar as numpy 1.x printed it (1.0, not np.float32(1.0))
    with np.printoptions(legacy="1.25"):
        value = a[()] if a.ndim == 0 else a
        text = repr(value) if is_repr else str(value)
    return "\n" + text if "\n" in text else text


class EagerTensor(_CoreTensor):
    """Mirrors TF's EagerTensor (`tf.Tensor`), and a symbolic tensor while tracing (inside
    tf.function). Differences: dtypes are numpy dtypes (`tf.float32` is `np.dtype('float32')`);
    tensors are hashable by identity (TF asks for `.ref()`), `ref()` works too."""

    __slots__ = ()
    __array_priority__ = 100  # numpy_array + tensor calls the tensor's __radd__

    @property
    def shape(self) -> TensorShape:
        return TensorShape(_CoreTensor.shape.fget(self))

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def device(self) -> str:
        return DEVICE

    def numpy(self):
        a = self.array
        if a is None:
            raise NotImplementedError(
                "numpy() is only available when eager execution is enabled (this tensor is "
                "symbolic: it is being traced by tf.function or Keras)")
        return np.asarray(a) if np.ndim(a) else np.asarray(a)[()]

    def _concrete(self, what: str) -> np.ndarray:
        if self.array is None:
            raise OperatorNotAllowedInGraphError(
                f"{what} a symbolic `tf.Tensor` is not allowed: AutoGraph is not available "
                f"(tf.function traces Python control flow once, with symbolic tensors)")
        return np.asarray(self.array)

    def __array__(self, dtype=None, copy=None):
        if self.array is None:
            raise NotImplementedError(f"Cannot convert a symbolic tf.Tensor ({self!r}) to a "
                                      f"numpy array.")
        a = np.asarray(self.array)
        return a if dtype is None else a.astype(dtype)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len is not well defined for a rank-0 tensor")
        if self.shape[0] is None:
            raise TypeError("len is not well defined for symbolic Tensors with an unknown "
                            "first dimension")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("Cannot iterate over a scalar tensor.")
        if self.shape[0] is None:
            self._concrete("Iterating over")
        return (self[i] for i in range(self.shape[0]))

    def __bool__(self) -> bool:
        return bool(self._concrete("Using as a Python `bool`"))

    def __float__(self) -> float:
        return float(self._concrete("Converting to float"))

    def __int__(self) -> int:
        return int(self._concrete("Converting to int"))

    def __index__(self) -> int:
        a = self._concrete("Using as an index")
        if a.dtype.kind not in "iu" or a.ndim:
            raise TypeError("Only integer scalar tensors can be converted to an index")
        return int(a)

    def __hash__(self) -> int:
        return id(self)

    def ref(self) -> "Reference":
        return Reference(self)

    experimental_ref = ref

    def __getitem__(self, key):
        from ._indexing import getitem
        return getitem(self, key)

    def __repr__(self) -> str:
        if self.array is None:
            return f"<tf.Tensor shape={self.shape} dtype={self.dtype.name}>"
        text = _numpy_text(np.asarray(self.array), True)
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={text}>"

    def __str__(self) -> str:
        if self.array is None:
            return repr(self)
        text = _numpy_text(np.asarray(self.array), False)
        return f"tf.Tensor({text}, shape={self.shape}, dtype={self.dtype.name})"


class Reference:
    """What `tensor.ref()` returns: hashable, compares by identity; `deref()` gives it back."""

    __slots__ = ("_tensor",)

    def __init__(self, tensor):
        self._tensor = tensor

    def deref(self):
        return self._tensor

    def __eq__(self, other) -> bool:
        return isinstance(other, Reference) and other._tensor is self._tensor

    def __hash__(self) -> int:
        return id(self._tensor)


# -- conversion -----------------------------------------------------------------------------------
def _python_default(a: np.ndarray) -> np.ndarray:
    """TF's dtypes for Python values: floats float32, ints int32 (int64 when too big)."""
    if a.dtype.kind == "f":
        return a.astype(np.float32)
    if a.dtype.kind in "iu":
        info = np.iinfo(np.int32)
        fits = a.size == 0 or (a.min() >= info.min and a.max() <= info.max)
        return a.astype(np.int32 if fits else np.int64)
    return a


def _check_lossless(a: np.ndarray, dtype: np.dtype, value) -> None:
    if dtype.kind in "iub" and a.dtype.kind == "f" and np.any(a != np.round(a)):
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")


def _to_array(value, dtype=None) -> np.ndarray:
    """tf.constant's conversion of a Python or numpy value to an array."""
    if isinstance(value, _CoreTensor):
        if value.array is None:
            raise TypeError(f"Cannot use a symbolic tensor {value!r} as a constant value")
        a = value.array
    else:
        a = np.asarray(value)
        if a.dtype.kind in "USO":
            raise TypeError(f"Cannot convert {value!r} to a tensor: only numeric and bool "
                            f"tensors exist here (no string or object tensors)")
        if not isinstance(value, (np.ndarray, np.generic)):
            if dtype is not None:
                _check_lossless(a, np.dtype(dtype), value)
            a = _python_default(a)
    if dtype is not None:
        a = a.astype(_dtypes.as_dtype(dtype))
    return np.array(a)  # a private copy


def _contains_tensor(value) -> bool:
    if isinstance(value, _CoreTensor):
        return True
    return isinstance(value, (list, tuple)) and any(_contains_tensor(v) for v in value)


def _pack(value, dtype=None):
    """A (nested) list holding tensors becomes one tensor, as TF packs it (tf.stack)."""
    if not isinstance(value, (list, tuple)):
        return convert_to_tensor(value, dtype)
    parts = [_pack(v, dtype) for v in value]
    like = next((p for p in parts if p.dtype.kind == "f"), parts[0])
    parts = [p if p.dtype == like.dtype else convert_to_tensor(p.numpy(), like.dtype)
             for p in parts]
    packed = call(ops.concat, *[call(ops.unsqueeze, p, ops.const_ints([0])) for p in parts],
                  axis=0)
    if packed.array is None and all(p.ndim == 0 for p in parts):
        from ._helpers import keep_known, known_dims  # a shape vector keeps its known dims
        dims = [known_dims(p) for p in parts]
        if all(d is not None for d in dims):
            keep_known(packed, [d[0] for d in dims])
    return packed


def constant(value, dtype=None, shape=None, name=None) -> EagerTensor:
    """tf.constant: Python floats become float32 and ints int32; numpy arrays keep their dtype.
    With `shape`, a scalar is broadcast and anything else reshaped."""
    if _strings.is_string_value(value):  # strings live on the host, outside the IR
        return _strings.string_constant(value, shape, dtype)
    if _contains_tensor(value) and is_tracing():
        t = _pack(value, dtype)
        return t if shape is None else call(ops.reshape, t, ops.const_ints(list(shape)))
    a = _to_array(value, dtype)
    if shape is not None:
        shape = tuple(TensorShape(shape))
        if a.size == 1:
            a = np.broadcast_to(a.reshape(()), shape).copy()
        elif a.size != int(np.prod(shape)):
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Value has "
                            f"{a.size} elements, shape is {shape} with "
                            f"{int(np.prod(shape))} elements.")
        else:
            a = a.reshape(shape)
    return core_ir.constant(a, cls=EagerTensor)  # a graph constant while tracing


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """tf.convert_to_tensor: tensors pass through (a dtype mismatch is a ValueError, as in TF);
    a list holding tensors is packed; `dtype_hint` applies when the value allows it."""
    if isinstance(value, _strings.StringTensor):
        return value
    if isinstance(value, _CoreTensor):
        if dtype is not None and _dtypes.as_dtype(dtype) != value.dtype:
            raise ValueError(f"Tensor conversion requested dtype {np.dtype(dtype).name} for "
                             f"Tensor with dtype {value.dtype.name}: {value!r}")
        return value if isinstance(value, EagerTensor) else _as_eager(value)
    if _contains_tensor(value):
        return _pack(value, dtype)
    if dtype is None and dtype_hint is not None:
        a = np.asarray(value)
        hint = _dtypes.as_dtype(dtype_hint)
        if not isinstance(value, (np.ndarray, np.generic)) and a.dtype.kind in "iuf" and not (
                hint.kind in "iu" and a.dtype.kind == "f"):
            dtype = hint
    return constant(value, dtype)


def _as_eager(t: _CoreTensor) -> EagerTensor:
    """Another frontend's (or the core's) tensor seen as an EagerTensor: an identity op keeps
    it on the tape; the fresh result can change class (all tensor classes share one layout)."""
    out = call(ops.identity, t)
    out.__class__ = EagerTensor
    return out


# -- binary operators -----------------------------------------------------------------------------
def operand(x, like) -> _CoreTensor:
    """A Python number or array as a constant of like's dtype (TF's binary-op conversion)."""
    if isinstance(x, _CoreTensor):
        return x
    if _contains_tensor(x):
        return convert_to_tensor(x)
    a = np.asarray(x)
    if a.dtype.kind in "USO":
        raise TypeError(f"Cannot convert {x!r} to EagerTensor of dtype {like.dtype.name}")
    _check_lossless(a, like.dtype, x)
    return core_ir.constant(a.astype(like.dtype), cls=like.result_class)


def operands(a, b):
    """Both operands as tensors: a Python value takes the other tensor's dtype (when neither
    is a tensor, the first converts by tf.constant's rules)."""
    if not isinstance(a, _CoreTensor):
        a = operand(a, b) if isinstance(b, _CoreTensor) else convert_to_tensor(a)
    return a, operand(b, a)


def binary(op, a, b, tf_name: str | None = None):
    """A TF binary op: numbers take the tensor's dtype; two tensors must already agree."""
    a, b = operands(a, b)
    if a.dtype != b.dtype:
        name = tf_name or op.name
        raise InvalidArgumentError(
            None, None, f"cannot compute {name} as input #1(zero-based) was expected to be a "
            f"{_dtypes.tf_name(a.dtype)} tensor but is a {_dtypes.tf_name(b.dtype)} tensor "
            f"[Op:{name}] name: ")
    out = call(op, a, b)
    if out.array is None and op in _SHAPE_ARITH and a.known is not None and b.known is not None:
        from ._helpers import known_arith  # shape arithmetic keeps what tracing knows
        known_arith(out, a, b, _SHAPE_ARITH[op])
    return out


_SHAPE_ARITH = {ops.add: "+", ops.sub: "-", ops.mul: "*"}


def true_divide(a, b):
    """TF's `/`: integers are cast to float64 (float32 for 8/16-bit ints) first."""
    a, b = operands(a, b)
    if a.dtype.kind in "iu" and a.dtype == b.dtype:
        to = np.float32 if a.dtype.itemsize <= 2 else np.float64
        a, b = call(ops.cast, a, to=to), call(ops.cast, b, to=to)
    return binary(ops.div, a, b, "RealDiv")


def floor_divide(a, b):
    """TF's `//` (FloorDiv): floor(a / b); exact for integers."""
    a, b = operands(a, b)
    if a.dtype.kind == "f":
        return call(ops.floor, binary(ops.div, a, b, "FloorDiv"))
    # a - a mod b is a multiple of b, so the truncating integer Div is exact
    out = call(ops.div, binary(ops.sub, a, binary(ops.mod, a, b, "FloorDiv")), b)
    if out.array is None and a.known is not None and b.known is not None:
        from ._helpers import known_arith
        known_arith(out, a, b, "//")
    return out


def _equality(a, b, equal: bool):
    """TF's `==`: elementwise; None or an unconvertible value compares unequal, incompatible
    shapes give a scalar False (TF's incompatible_shape_error=False)."""
    if b is None:
        return not equal
    try:
        b = operand(b, a)
    except (TypeError, ValueError):
        return not equal
    if a.dtype == b.dtype:
        try:
            return call(ops.equal if equal else _not_equal, a, b)
        except InvalidArgumentError:
            if _broadcastable(a.shape, b.shape):
                raise
            return constant(not equal)
    return binary(ops.equal, a, b, "Equal" if equal else "NotEqual")


def _not_equal(a, b):
    return ops.not_(ops.equal(a, b))


def _broadcastable(s1, s2) -> bool:
    return all(x == y or 1 in (x, y) or None in (x, y) for x, y in zip(s1[::-1], s2[::-1]))


_OPERATORS = {"add": (ops.add, "AddV2"), "sub": (ops.sub, "Sub"), "mul": (ops.mul, "Mul"),
              "pow": (ops.pow, "Pow"), "mod": (ops.mod, "FloorMod"),
              "matmul": (ops.matmul, "MatMul"), "and": (ops.and_, "LogicalAnd"),
              "or": (ops.or_, "LogicalOr"), "xor": (ops.xor, "LogicalXor")}
_COMPARISONS = {"lt": (ops.less, "Less"), "le": (ops.less_or_equal, "LessEqual"),
                "gt": (ops.greater, "Greater"), "ge": (ops.greater_or_equal, "GreaterEqual")}


def _install_operators() -> None:
    for name, (op, tf_name) in _OPERATORS.items():
        setattr(EagerTensor, f"__{name}__", lambda a, b, op=op, n=tf_name: binary(op, a, b, n))
        setattr(EagerTensor, f"__r{name}__", lambda a, b, op=op, n=tf_name: binary(op, b, a, n))
    for name, (op, tf_name) in _COMPARISONS.items():
        setattr(EagerTensor, f"__{name}__", lambda a, b, op=op, n=tf_name: binary(op, a, b, n))
    EagerTensor.__truediv__ = lambda a, b: true_divide(a, b)
    EagerTensor.__rtruediv__ = lambda a, b: true_divide(b, a)
    EagerTensor.__floordiv__ = lambda a, b: floor_divide(a, b)
    EagerTensor.__rfloordiv__ = lambda a, b: floor_divide(b, a)
    EagerTensor.__eq__ = lambda a, b: _equality(a, b, True)
    EagerTensor.__ne__ = lambda a, b: _equality(a, b, False)
    EagerTensor.__neg__ = lambda a: call(ops.neg, a)
    EagerTensor.__pos__ = lambda a: a
    EagerTensor.__abs__ = lambda a: call(ops.abs_, a)
    EagerTensor.__invert__ = lambda a: call(ops.not_, a)


_install_operators()

from ._variable import Variable  # noqa: E402,F401  (Variable subclasses EagerTensor)
