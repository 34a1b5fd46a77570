"""torch.Tensor over the IR: a core_ir Tensor subclass with torch's API, type promotion,
autograd entry points and errors.

Every op goes through `call`, which binds the IR op (eager or traced, whichever interpreter is
current) and turns IR errors into torch's exception types, keeping the op, the module path and
the shapes in the message.
"""

from __future__ import annotations

import builtins

import numpy as np

import core_ir
from core_ir import ops
from core_ir.errors import IndexOutOfRange, IRError, OpAttributeError
from core_ir.tensor import Tensor as _CoreTensor

from . import _dtypes


def call(op, *inputs, **attrs):
    """Bind an IR op with torch's error types (RuntimeError for shapes and dtypes, IndexError
    for index values, TypeError for bad arguments)."""
    try:
        return op(*inputs, **attrs)
    except IRError as err:
        raise torch_error(err) from None


def torch_error(err: IRError) -> Exception:
    if isinstance(err, IndexOutOfRange):
        return IndexError(str(err))
    if isinstance(err, OpAttributeError):
        return TypeError(str(err))
    return RuntimeError(str(err))


class Size(tuple):
    """torch.Size: a tuple of ints."""

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(d) for d in self)}])"


class device:  # noqa: N801  (torch.device)
    """Only the CPU exists here; asking for another device is a clear error."""

    def __init__(self, type: str = "cpu", index: int | None = None):  # noqa: A002
        name = str(type).split(":")[0]
        if name != "cpu":
            raise RuntimeError(f"device '{type}' is not available: duet runs on the CPU through "
                               "NumPy only")
        self.type, self.index = "cpu", index

    def __eq__(self, other) -> bool:
        return str(other) == "cpu" or isinstance(other, device)

    def __hash__(self) -> int:
        return hash("cpu")

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"


CPU = device("cpu")


class Tensor(_CoreTensor):
    """Mirrors torch.Tensor (define-by-run). Differences: dtypes are numpy dtypes; the device is
    always the CPU."""

    __slots__ = ()

    # -- metadata -------------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(_CoreTensor.shape.fget(self))

    def size(self, dim: int | None = None):
        shape = self.shape
        return shape if dim is None else shape[dim]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return self.shape.numel()

    nelement = numel

    @property
    def device(self) -> device:
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_leaf(self) -> bool:
        return self.creator is None

    @property
    def grad_fn(self):
        return None if self.creator is None else GradFn(self.creator)

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    # -- data access ----------------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's memory, outside autograd (torch's `.data`)."""
        return Tensor(self.array)

    @data.setter
    def data(self, other) -> None:
        self.array = other.array if isinstance(other, _CoreTensor) else np.asarray(other)

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return np.asarray(self.array)

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to "
                               "Scalar")
        return np.asarray(self.array).reshape(()).item()

    def tolist(self):
        return np.asarray(self.array).tolist()

    def __float__(self) -> float:
        return builtins.float(self.item())

    def __int__(self) -> int:
        return builtins.int(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iu" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return builtins.int(self.item())

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self.item())

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self.array)
        return a if dtype is None else a.astype(dtype)

    def __hash__(self) -> int:
        return id(self)

    # -- autograd -------------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False,
                 inputs=None) -> None:
        from .autograd import backward
        backward([self], None if gradient is None else [gradient], retain_graph, create_graph,
                 inputs=inputs)

    def detach(self) -> Tensor:
        return Tensor(self.array) if self.array is not None else type(self)(value=self.value)

    def detach_(self) -> Tensor:
        self.creator = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't "
                               "require differentiation use var_no_grad = var.detach().")
        if requires_grad and self.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if not self.is_leaf:
            self.retains_grad = True

    def __repr__(self) -> str:
        from ._printing import tensor_repr
        return tensor_repr(self)


class GradFn:
    """What `tensor.grad_fn` shows: the backward node of the op that made the tensor."""

    __slots__ = ("record",)

    def __init__(self, record):
        self.record = record

    def name(self) -> str:
        return f"{self.record.op.name}Backward0"

    @property
    def next_functions(self) -> tuple:
        inputs = self.record.inputs or ()
        return tuple((None if t is None or t.creator is None else GradFn(t.creator), 0)
                     for t in inputs)

    def __repr__(self) -> str:
        return f"<{self.name()} object>"

    def __eq__(self, other) -> bool:
        return isinstance(other, GradFn) and other.record is self.record

    def __hash__(self) -> int:
        return id(self.record)


class Parameter(Tensor):
    """torch.nn.Parameter: a leaf tensor that requires grad (unless told otherwise) and that a
    Module registers when assigned as an attribute."""

    __slots__ = ()
    result_class = Tensor  # w * 2 is a plain Tensor

    def __new__(cls, data=None, requires_grad: bool = True):
        t = object.__new__(cls)
        array = np.zeros(0, _dtypes.get_default_dtype()) if data is None else (
            data.array if isinstance(data, _CoreTensor) else np.asarray(data))
        _CoreTensor.__init__(t, array, requires_grad=requires_grad)
        return t

    def __init__(self, data=None, requires_grad: bool = True):
        pass  # everything happened in __new__ (so Tensor ops can still build Parameters by class)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


def wrap(x, dtype=None) -> Tensor:
    """A Tensor from a Tensor (unchanged), an array or a Python number (torch.tensor rules)."""
    if isinstance(x, _CoreTensor):
        return x
    return Tensor(as_array(x, dtype))


def as_array(x, dtype=None) -> np.ndarray:
    """torch.tensor's conversion: Python floats become the default float dtype, ints int64."""
    dtype = _dtypes.as_dtype(dtype)
    if isinstance(x, _CoreTensor):
        a = x.array
        return a if dtype is None else a.astype(dtype)
    if isinstance(x, (list, tuple)) and any(isinstance(e, _CoreTensor) for e in _flatten(x)):
        x = _nested_arrays(x)
    a = np.asarray(x)
    if dtype is not None:
        return np.array(a, dtype=dtype)
    if a.dtype.kind == "f" and not isinstance(x, np.ndarray):
        return a.astype(_dtypes.get_default_dtype())
    if a.dtype.kind in "iu" and not isinstance(x, np.ndarray):
        return a.astype(_dtypes.int64)
    return np.array(a)


def _flatten(x):
    for e in x:
        if isinstance(e, (list, tuple)):
            yield from _flatten(e)
        else:
            yield e


def _nested_arrays(x):
    if isinstance(x, (list, tuple)):
        return [_nested_arrays(e) for e in x]
    return np.asarray(x.array) if isinstance(x, _CoreTensor) else x


def scalar_operand(value, dtype) -> Tensor:
    """A Python number as a constant of the promoted dtype (in the current interpreter)."""
    return core_ir.constant(value, dtype, cls=Tensor)


def binary_operands(a, b):
    """Promote two operands (tensors or Python numbers) to torch's result dtype."""
    dtype = _dtypes.result_type(a, b)
    return _as_operand(a, dtype), _as_operand(b, dtype)


def _as_operand(x, dtype) -> Tensor:
    if not isinstance(x, _CoreTensor):
        return scalar_operand(x, dtype)
    return x if x.dtype == dtype else call(ops.cast, x, to=dtype)
