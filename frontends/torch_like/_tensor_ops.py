"""Tensor operators with torch's type promotion and Python-scalar operands: arithmetic,
comparisons, reflected and in-place forms. Installed on Tensor at import."""

from __future__ import annotations

import numpy as np

import core_ir
from core_ir import ops

from . import _dtypes
from ._tensor import Tensor, binary_operands, call


def _binary(op):
    def method(self, other):
        a, b = binary_operands(self, other)
        return call(op, a, b)
    return method


def _reflected(op):
    def method(self, other):
        b, a = binary_operands(self, other)
        return call(op, a, b)
    return method


def true_divide(a, b):
    """torch's `/` always gives a float result (int / int -> default float)."""
    dtype = _dtypes.result_type(a, b)
    if dtype.kind != "f":
        dtype = _dtypes.get_default_dtype()
    x = a if isinstance(a, Tensor) and a.dtype == dtype else _to(a, dtype)
    y = b if isinstance(b, Tensor) and b.dtype == dtype else _to(b, dtype)
    return call(ops.div, x, y)


def _to(x, dtype):
    if isinstance(x, Tensor):
        return call(ops.cast, x, to=dtype)
    return core_ir.constant(x, dtype, cls=Tensor)


def _compare(op):
    def method(self, other):
        a, b = binary_operands(self, other)
        return call(op, a, b)
    return method


def _check_inplace(self) -> None:
    if self.requires_grad and self.creator is None and core_ir.is_grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def assign_inplace(self: Tensor, result: Tensor) -> Tensor:
    """Make `self` hold `result` (torch in-place semantics). Outside autograd the write goes into
    self's memory, so views and `.data` aliases see it; inside autograd self takes over the
    result's place on the tape."""
    _check_inplace(self)
    if result.dtype != self.dtype:
        if self.dtype.kind != "f" and result.dtype.kind == "f":
            raise RuntimeError(f"result type {result.dtype} can't be cast to the desired output "
                               f"type {self.dtype}")
        result = call(ops.cast, result, to=self.dtype)
    if self.array is not None and not result.requires_grad and self.creator is None:
        np.copyto(self.array, result.array) if _writable(self.array) else setattr(
            self, "array", np.array(np.broadcast_to(result.array, self.shape)))
    else:
        _take_over(self, result)
    self.version += 1
    return self


def _writable(a) -> bool:
    return isinstance(a, np.ndarray) and a.flags.writeable


def _take_over(self: Tensor, result: Tensor) -> None:
    """self becomes result on the tape. The record that produced result keeps reading the old
    self through a stand-in that holds the old array."""
    rec = result.creator
    if rec is not None and rec.inputs is not None:
        stand_in = Tensor(self.array)
        stand_in.requires_grad = self.requires_grad
        stand_in.creator = self.creator
        if self.creator is not None and self.creator.outputs is not None:
            self.creator.outputs = tuple(stand_in if o is self else o for o in self.creator.outputs)
        rec.inputs = tuple(stand_in if t is self else t for t in rec.inputs)
        rec.outputs = tuple(self if o is result else o for o in rec.outputs)
    self.array = result.array
    if result.array is None:
        self.value = result.value
    self.requires_grad = result.requires_grad
    self.creator = rec


def _inplace(method):
    def inplace_method(self, other):
        return assign_inplace(self, method(self, other))
    return inplace_method


def _install() -> None:
    arithmetic = {"add": ops.add, "sub": ops.sub, "mul": ops.mul}
    for name, op in arithmetic.items():
        setattr(Tensor, f"__{name}__", _binary(op))
        setattr(Tensor, f"__r{name}__", _reflected(op))
        setattr(Tensor, f"__i{name}__", _inplace(_binary(op)))
    Tensor.__truediv__ = lambda self, other: true_divide(self, other)
    Tensor.__rtruediv__ = lambda self, other: true_divide(other, self)
    Tensor.__itruediv__ = _inplace(lambda self, other: true_divide(self, other))
    Tensor.__pow__ = _binary(ops.pow)
    Tensor.__rpow__ = _reflected(ops.pow)
    Tensor.__ipow__ = _inplace(_binary(ops.pow))
    Tensor.__matmul__ = lambda self, other: call(ops.matmul, *binary_operands(self, other))
    Tensor.__rmatmul__ = lambda self, other: call(ops.matmul, *binary_operands(other, self))
    Tensor.__neg__ = lambda self: call(ops.neg, self)
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = lambda self: call(ops.abs_, self)
    comparisons = {"eq": ops.equal, "ne": None, "lt": ops.less, "le": ops.less_or_equal,
                   "gt": ops.greater, "ge": ops.greater_or_equal}
    for name, op in comparisons.items():
        if op is not None:
            setattr(Tensor, f"__{name}__", _compare(op))
    Tensor.__ne__ = lambda self, other: call(ops.not_, _compare(ops.equal)(self, other))
    Tensor.__hash__ = lambda self: id(self)
    Tensor.__invert__ = lambda self: call(ops.not_, self)
    Tensor.__and__ = _binary(ops.and_)
    Tensor.__or__ = _binary(ops.or_)
    Tensor.__xor__ = _binary(ops.xor)


_install()
