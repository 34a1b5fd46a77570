"""torch.Tensor over the IR: a core_ir Tensor subclass with torch's API, type promotion,
autograd entry points and errors.

Every op goes through `call`, which binds the IR op (eager or traced, whichever interpreter is
current) and turns IR errors into torch's exception types, keeping the op, the module path and
the shapes in the message. The methods live in sibling modules that install themselves on
Tensor (_tensor_ops: operators; _tensor_methods: the rest).
"""

from __future__ import annotations

import builtins

import numpy as np

import core_ir
from backends.numpy import EAGER as _EAGER
from core_ir import ops
from core_ir.tensor import Tensor as _CoreTensor

from . import _dtypes
from ._convert import as_array
from ._device import CPU, Size, check_device, device  # noqa: F401  (importable from here)
from ._errors import broadcast_message, call, origin_suffix, torch_error  # noqa: F401


class Tensor(_CoreTensor):
    """Mirrors torch.Tensor (define-by-run). Differences: dtypes are numpy dtypes; the device is
    always the CPU; `torch.Tensor(ndarray)` keeps the array's dtype (torch makes it float32;
    use torch.tensor or torch.FloatTensor for that)."""

    __slots__ = ()
    __array_priority__ = 1000  # ndarray <op> tensor defers to the tensor's reflected operator

    def __init__(self, array=None, value=None, *sizes, requires_grad: bool = False):
        # The engine wraps every kernel result here: ndarrays and numpy scalars pass straight
        # through; anything else is torch's legacy constructor (torch.Tensor(2, 3), ([1., 2.])).
        wrapped = isinstance(array, (np.ndarray, np.generic)) or (
            array is None and value is not None)
        if sizes or isinstance(value, builtins.int) or not wrapped:
            array, value = _legacy_array(array, value, sizes), None
        self.array = array
        self.requires_grad = requires_grad
        if value is not None:
            self.value = value

    # -- metadata -------------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(_CoreTensor.shape.fget(self))

    def size(self, dim: int | None = None):
        shape = self.shape
        if dim is None:
            return shape
        try:
            return shape[dim]
        except IndexError:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-self.ndim}, {self.ndim - 1}], but got {dim})") from None

    @property
    def ndim(self) -> int:
        a = self.array
        return a.ndim if a is not None else len(self.value.shape)

    def dim(self) -> int:
        return self.ndim

    ndimension = dim

    def numel(self) -> int:
        return self.shape.numel()

    nelement = numel

    def element_size(self) -> int:
        return self.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.numel() * self.dtype.itemsize

    @property
    def device(self) -> device:
        return CPU

    is_cuda = False
    is_cpu = True
    is_sparse = False
    is_quantized = False
    is_meta = False

    @property
    def is_leaf(self) -> bool:
        return self.creator is None

    @property
    def grad_fn(self):
        from ._grad_fn import grad_fn_of
        return grad_fn_of(self)

    @property
    def _version(self) -> int:
        return self.version

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def is_signed(self) -> bool:
        return self.dtype.kind in "fi"

    def is_contiguous(self, memory_format=None) -> bool:
        a = self.array
        return True if a is None else builtins.bool(np.asarray(a).flags.c_contiguous)

    def is_shared(self) -> bool:
        return False

    def share_memory_(self) -> Tensor:
        return self  # one process, one memory: nothing to move

    def get_device(self) -> int:
        return -1  # torch's answer for CPU tensors

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
        if self.dtype.kind not in "iub" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return builtins.int(self.item())

    def __bool__(self) -> bool:
        if self.numel() != 1:
            amount = "no values" if self.numel() == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
        return builtins.bool(self.item())

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __contains__(self, element) -> bool:
        return builtins.bool((self == element).any().item())

    def __format__(self, spec: str) -> str:
        if self.ndim == 0 and self.array is not None:
            return self.item().__format__(spec)
        return object.__format__(repr(self), spec)

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self.array)
        return a if dtype is None else a.astype(dtype)

    def __hash__(self) -> int:
        return id(self)

    def __deepcopy__(self, memo):
        if self.creator is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        new = _rebuild(type(self), np.array(self.array, copy=True), self.requires_grad)
        memo[id(self)] = new
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        return new

    def __reduce_ex__(self, protocol):
        if self.creator is not None and self.requires_grad:
            raise RuntimeError("Can't pickle a Tensor that is not a graph leaf: detach() it "
                               "first")
        return _rebuild, (type(self), np.asarray(self.array), self.requires_grad)

    # -- autograd -------------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False,
                 inputs=None) -> None:
        from .autograd import backward
        backward([self], None if gradient is None else [gradient], retain_graph, create_graph,
                 inputs=inputs)

    def detach(self) -> Tensor:
        return Tensor(self.array) if self.array is not None else Tensor(value=self.value)

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

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; a returned tensor replaces
        the gradient. Returns a handle whose remove() unregisters it."""
        from .autograd.hooks import register_hook
        return register_hook(self, hook)

    def __repr__(self, *, tensor_contents=None) -> str:
        from ._printing import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__


def _rebuild(cls, array, requires_grad):
    """Unpickling and deepcopy: a leaf of class cls (Parameter keeps being a Parameter)."""
    if issubclass(cls, Parameter):
        return cls(Tensor(array), requires_grad)
    t = cls(array)
    t.requires_grad = requires_grad
    return t


def _legacy_array(data, second, sizes) -> np.ndarray:
    """torch.Tensor(...)'s legacy forms: sizes give an (uninitialized; here zero) float tensor,
    a sequence gives data converted to the default float dtype."""
    if data is None and second is None:
        return np.zeros((0,), _dtypes.get_default_dtype())
    dims = (data,) + ((second,) if second is not None else ()) + tuple(sizes)
    if all(isinstance(d, builtins.int) and not isinstance(d, builtins.bool) for d in dims):
        return np.zeros(dims, _dtypes.get_default_dtype())
    if isinstance(data, Size) and second is None:
        return np.zeros(tuple(data), _dtypes.get_default_dtype())
    if second is not None or sizes:
        raise TypeError("new(): invalid data type: expected sizes (ints) or one sequence")
    return as_array(data, _dtypes.get_default_dtype())


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

    def __deepcopy__(self, memo):
        new = Parameter(Tensor(np.array(self.array, copy=True)), self.requires_grad)
        memo[id(self)] = new
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        return new


def wrap(x, dtype=None) -> Tensor:
    """A Tensor from a Tensor (unchanged), an array or a Python number (torch.tensor rules)."""
    if isinstance(x, _CoreTensor):
        return x
    return Tensor(as_array(x, dtype))


_INT_CONSTANTS: dict[tuple, _CoreTensor] = {}


def const_ints(values) -> _CoreTensor:
    """An int64 constant (axes, shapes, starts): the IR passes these as tensor inputs. Eagerly
    the same tuple gives the same constant (kernels never write their inputs), which saves
    building one per op call; while tracing each is a new graph constant."""
    key = tuple(builtins.int(v) for v in values)
    if core_ir.interpreters.current_interpreter() is not _EAGER:
        return ops.const_ints(key)
    t = _INT_CONSTANTS.get(key)
    if t is None:
        if len(_INT_CONSTANTS) >= 4096:
            _INT_CONSTANTS.clear()
        t = _INT_CONSTANTS[key] = ops.const_ints(key)
    return t


_SCALARS: dict[tuple, Tensor] = {}


def scalar_operand(value, dtype) -> Tensor:
    """A Python number as a constant of the promoted dtype (in the current interpreter). Eagerly
    a number seen before reuses its constant, as const_ints does."""
    if not isinstance(value, (builtins.int, builtins.float, np.generic)) or \
            core_ir.interpreters.current_interpreter() is not _EAGER:
        return core_ir.constant(value, dtype, cls=Tensor)
    key = (type(value), value, dtype)
    t = _SCALARS.get(key)
    if t is None:
        if len(_SCALARS) >= 4096:
            _SCALARS.clear()
        t = _SCALARS[key] = core_ir.constant(value, dtype, cls=Tensor)
        t.array.flags.writeable = False  # shared: nobody may write into it
    return t


def binary_operands(a, b):
    """Promote two operands (tensors or Python numbers) to torch's result dtype."""
    da, db = getattr(a, "array", None), getattr(b, "array", None)
    if da is not None and db is not None and da.dtype == db.dtype:
        return a, b  # the common case: two eager tensors of one dtype
    dtype = _dtypes.result_type(a, b)
    return as_operand(a, dtype), as_operand(b, dtype)


def as_operand(x, dtype) -> Tensor:
    """x (a tensor, array or number) as a tensor of `dtype` (cast only when needed)."""
    if not isinstance(x, _CoreTensor):
        return scalar_operand(x, dtype)
    return x if x.dtype == dtype else call(ops.cast, x, to=dtype)
