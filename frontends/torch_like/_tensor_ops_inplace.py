"""torch's in-place semantics: `x.add_(y)`, `x += y`, `out=` arguments.

Outside autograd the result is written into x's memory, so views and `.data` aliases see it;
inside autograd x takes over the result's place on the tape (the record that read the old x
keeps a stand-in holding the old array). A leaf that requires grad refuses in-place changes
while grad mode is on, as in torch.
"""

from __future__ import annotations

import numpy as np

import core_ir
from core_ir import ops

from . import _dtypes
from ._tensor import Tensor, call, const_ints


def check_inplace(self) -> None:
    if self.requires_grad and self.creator is None and core_ir.is_grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def _can_cast(src: np.dtype, dst: np.dtype) -> bool:
    """torch's canCast: no float -> integral and no non-bool -> bool."""
    if src.kind == "f" and dst.kind != "f":
        return False
    return not (dst.kind == "b" and src.kind != "b")


def apply_inplace(self: Tensor, compute, resize: bool = False) -> Tensor:
    """self = compute(source), in place. `source` reads self's current value: while recording,
    it is a new tensor that takes over self's old place on the tape, so every record compute
    makes refers to the old value and self can become the result's output."""
    check_inplace(self)
    source = _alias(self) if core_ir.is_grad_enabled() else self
    result = compute(source)
    if result is source:
        return self
    result = _conform(self, result, resize)
    if self.array is not None and not result.requires_grad and self.creator is None:
        _write(self, result)
    else:
        if source is not self and self.creator is not None:
            _replace_output(self.creator, self, source)
        _become(self, result)
    self.version += 1
    return self


def _alias(self: Tensor) -> Tensor:
    source = Tensor(self.array) if self.array is not None else Tensor(value=self.value)
    source.requires_grad = self.requires_grad
    source.creator = self.creator
    return source


def _replace_output(rec, old, new) -> None:
    if rec.outputs is not None:
        rec.outputs = tuple(new if o is old else o for o in rec.outputs)


def _become(self: Tensor, result: Tensor) -> None:
    """self takes result's value and its place on the tape."""
    if result.creator is not None:
        _replace_output(result.creator, result, self)
    self.array = result.array
    if result.array is None:
        self.value = result.value
    self.requires_grad = result.requires_grad
    self.creator = result.creator


def _conform(self: Tensor, result: Tensor, resize: bool) -> Tensor:
    """result in self's dtype (torch's casting rule) and, unless resizing, self's shape."""
    if result.dtype != self.dtype:
        if not _can_cast(result.dtype, self.dtype):
            raise RuntimeError(f"result type {_dtypes.legacy_name(result.dtype)} can't be cast "
                               f"to the desired output type {_dtypes.legacy_name(self.dtype)}")
        result = call(ops.cast, result, to=self.dtype)
    if resize or tuple(result.shape) == tuple(self.shape):
        return result
    if self.array is not None:
        try:
            wanted = tuple(np.broadcast_shapes(tuple(result.shape), tuple(self.shape)))
        except ValueError:
            wanted = tuple(result.shape)
        if wanted != tuple(self.shape):
            raise RuntimeError(f"output with shape {_list(self.shape)} doesn't match the "
                               f"broadcast shape {_list(wanted)}")
        return call(ops.expand, result, const_ints(self.shape))
    return call(ops.expand, result, ops.shape_tensor(self))


def assign_inplace(self: Tensor, result: Tensor, resize: bool = False) -> Tensor:
    """Make `self` hold `result` (torch in-place semantics) when result was computed without
    reading self, or read it only in the op that made result (else use apply_inplace).
    `resize`: the in-place shape changes (unsqueeze_, t_, ...) may change self's shape."""
    check_inplace(self)
    result = _conform(self, result, resize)
    if self.array is not None and not result.requires_grad and self.creator is None:
        _write(self, result)
    else:
        _take_over(self, result)
    self.version += 1
    return self


def _list(shape) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def _write(self: Tensor, result: Tensor) -> None:
    a = self.array
    if isinstance(a, np.ndarray) and a.flags.writeable:
        np.copyto(a, result.array)
    else:  # a numpy scalar or a read-only (broadcast) view: a new buffer instead
        self.array = np.array(np.broadcast_to(result.array, self.shape))


def _take_over(self: Tensor, result: Tensor) -> None:
    """self becomes result on the tape. The record that produced result keeps reading the old
    self through a stand-in that holds the old array."""
    rec = result.creator
    stand_in = _alias(self)
    if self.creator is not None:
        _replace_output(self.creator, self, stand_in)
    if rec is not None and rec.inputs is not None:
        rec.inputs = tuple(stand_in if t is self else t for t in rec.inputs)
    _become(self, result)


def inplace(fn, resize: bool = False):
    """The in-place form of a function of (self, *args): x.add_(y) is x = x + y, in place."""
    def method(self, *args, **kwargs):
        return apply_inplace(self, lambda source: fn(source, *args, **kwargs), resize)
    method.__name__ = f"{getattr(fn, '__name__', 'op')}_"
    return method


def assign_out(out: Tensor, result: Tensor) -> Tensor:
    """torch's out=: out takes the result's shape and its own dtype (resized if needed)."""
    if tuple(out.shape) != tuple(result.shape) and out.array is not None:
        out.array = np.zeros(result.shape, out.dtype)
    return assign_inplace(out, result)
