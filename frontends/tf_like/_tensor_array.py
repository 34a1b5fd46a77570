"""tf.TensorArray: a list of same-dtype tensors, written one index at a time, then stacked.

It is a Python list of tensors, not a resource: `stack`/`concat`/`gather` lower to
Unsqueeze + Concat in the IR, so gradients flow through it like through any op. Eagerly, writes
mutate the array and return it (TF's eager TensorArray does the same); while tracing, each
write returns a new TensorArray and leaves the old one as it was (TF's graph semantics), which
also lets tf.cond trace both branches and select their arrays element by element.
Indices must be known when the op runs: eager values, or values known while tracing
(constants and unrolled loop counters); an index that depends on data raises GraphFallback
(tf.function then runs eagerly).
"""

from __future__ import annotations

import numpy as np

from core_ir import ops
from core_ir.tensor import Tensor as _CoreTensor

from . import dtypes as _dtypes
from ._control_flow import GraphFallback, static_value
from ._creation_ops import zeros
from ._shape import TensorShape
from ._shape_ops import concat as _concat
from ._shape_ops import split as _split
from ._shape_ops import stack as _stack
from ._shape_ops import unstack as _unstack
from ._tensor import call, constant, convert_to_tensor, is_tracing
from .errors import InvalidArgumentError, OutOfRangeError


def _static_int(value, what: str) -> int:
    a = static_value(value)
    if a is None:
        raise GraphFallback(f"TensorArray {what} depends on tensor values not known while "
                            f"tracing")
    return int(a)


class TensorArray:
    """Mirrors tf.TensorArray(dtype, size=None, dynamic_size=None, clear_after_read=None,
    tensor_array_name=None, handle=None, flow=None, infer_shape=True, element_shape=None,
    colocate_with_first_write_call=True, name=None).

    Methods: write, read, stack, unstack, gather, scatter, concat, split, size, close,
    identity. An element never written reads as zeros of the element shape. Differences: no
    `handle`/`flow` (there is no resource), `clear_after_read` is enforced eagerly only (as in
    TF 2, whose graph TensorArrays ignore it), and indices must be known (see the module).

    Example::

        ta = tf.TensorArray(tf.float32, size=3)
        for i in range(3):
            ta = ta.write(i, tf.constant(float(i)))
        ta.stack()  # [0., 1., 2.]
    """

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        if size is None and not dynamic_size:
            raise ValueError("Size must be provided if handle is not provided")
        self._dtype = _dtypes.as_dtype(dtype)
        n = 0 if size is None else _static_int(size, "size")
        self._elements: list = [None] * n
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = bool(infer_shape)
        self._element_shape = None if element_shape is None else TensorShape(element_shape)
        self._cleared: set = set()

    # -- properties ----------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    @property
    def element_shape(self):
        return self._element_shape

    def size(self, name=None):
        return constant(len(self._elements), dtype=np.int32)

    # -- writing -------------------------------------------------------------------------------
    def _updated(self) -> TensorArray:
        """Eagerly the array itself (mutated); while tracing a copy (functional update)."""
        if not is_tracing():
            return self
        new = object.__new__(TensorArray)
        new.__dict__.update(self.__dict__)
        new._elements, new._cleared = list(self._elements), set(self._cleared)
        return new

    def write(self, index, value, name=None) -> TensorArray:
        """Write value at index; returns the TensorArray to use from now on."""
        out = self._updated()
        out._put(_static_int(index, "index"), value)
        return out

    def _put(self, i: int, value) -> None:
        if i < 0:
            raise OutOfRangeError(None, None, f"Writing to negative indices (index {i}) is not "
                                  f"allowed.")
        if i >= len(self._elements):
            if not self._dynamic_size:
                raise OutOfRangeError(None, None, f"Tried to write to index {i} but array is "
                                      f"not resizeable and size is: {len(self._elements)}")
            self._elements.extend([None] * (i + 1 - len(self._elements)))
        value = self._converted(value)
        self._elements[i] = value
        self._cleared.discard(i)

    def _converted(self, value):
        value = self._converted_whole(value)
        shape = TensorShape(value.shape)
        if self._element_shape is not None and not self._element_shape.is_compatible_with(shape):
            raise ValueError(f"Incompatible shape for value ({shape}), expected "
                             f"({self._element_shape})")
        if self._infer_shape or self._element_shape is None:
            known = self._element_shape
            self._element_shape = shape if known is None else TensorShape(
                a if a is not None else b for a, b in zip(known, shape))
        return value

    def unstack(self, value, name=None) -> TensorArray:
        """Replace the contents by the slices of value along its first axis."""
        value = self._converted_whole(value)
        parts = _unstack(value) if value.shape[0] != 0 else []
        if len(parts) > len(self._elements) and not self._dynamic_size:
            raise ValueError(f"Cannot unstack {len(parts)} tensors into a TensorArray of static "
                             f"size {len(self._elements)} ")
        out = self._updated()
        out._elements = [None] * max(len(parts), len(out._elements))
        for i, p in enumerate(parts):
            out._put(i, p)
        return out

    def scatter(self, indices, value, name=None) -> TensorArray:
        """Write value[k] at indices[k]."""
        idx = self._indices(indices)
        value = self._converted_whole(value)
        out = self._updated()
        for k, p in zip(idx, _unstack(value, num=len(idx)) if idx else []):
            out._put(k, p)
        return out

    def split(self, value, lengths, name=None) -> TensorArray:
        """Write consecutive pieces of value (along axis 0) of the given lengths."""
        sizes = self._indices(lengths)
        value = self._converted_whole(value)
        if value.shape[0] is not None and sum(sizes) != value.shape[0]:
            raise InvalidArgumentError(None, None, f"Expected sum of lengths to be equal to "
                                       f"values.shape[0], but sum of lengths is {sum(sizes)} "
                                       f"and value's shape is: {value.shape} ")
        if len(sizes) != len(self._elements) and not self._dynamic_size:
            raise InvalidArgumentError(None, None, f"TensorArray's size is not equal to the "
                                       f"size of lengths ({len(self._elements)} vs. "
                                       f"{len(sizes)}), and the TensorArray is not marked as "
                                       f"dynamically resizeable.")
        out = self._updated()
        # pieces differ in their first dim: TF writes them without merging element shapes
        out._elements = list(_split(value, sizes)) if len(sizes) > 1 else [value]
        out._element_shape = TensorShape((None, *value.shape[1:]))
        return out

    def _converted_whole(self, value):
        if not isinstance(value, _CoreTensor):
            value = convert_to_tensor(value, dtype=self._dtype)
        if value.dtype != self._dtype:
            raise InvalidArgumentError(None, None, f"TensorArray dtype is {self._dtype.name} "
                                       f"but Op is trying to write dtype {value.dtype.name}")
        return value

    # -- reading -------------------------------------------------------------------------------
    def read(self, index, name=None):
        """The element at index (zeros of the element shape if never written)."""
        i = _static_int(index, "index")
        value = self._peek(i)
        if self._clear_after_read and not is_tracing():
            self._elements[i] = None
            self._cleared.add(i)
        return value

    def _peek(self, i: int):
        if i < 0:
            raise OutOfRangeError(None, None, f"Reading from negative indices (index {i}) is "
                                  f"not allowed.")
        if i >= len(self._elements):
            raise OutOfRangeError(None, None, f"Tried to read from index {i} but array size "
                                  f"is: {len(self._elements)} ")
        value = self._elements[i]
        if value is None:
            if i in self._cleared:
                raise InvalidArgumentError(None, None, f"Could not read index {i} twice because "
                                           f"it was cleared after a previous read (perhaps try "
                                           f"setting clear_after_read = false?)")
            return self._zeros()
        return value

    def _zeros(self, leading=()):
        shape = self._element_shape
        if shape is None or not shape.is_fully_defined():
            raise ValueError(f"TensorArray has an unwritten element and its element_shape "
                             f"{shape} is not fully defined (pass element_shape)")
        return zeros((*leading, *shape), dtype=self._dtype)

    def stack(self, name=None):
        """All elements stacked along a new first axis: shape (size, *element_shape)."""
        if not self._elements:
            return self._zeros((0,))
        return _stack([self._peek(i) for i in range(len(self._elements))])

    def gather(self, indices, name=None):
        """The elements at indices, stacked."""
        idx = self._indices(indices)
        if not idx:
            return self._zeros((0,))
        return _stack([self._peek(i) for i in idx])

    def concat(self, name=None):
        """The elements joined along their first axis."""
        if not self._elements:
            shape = self._element_shape
            return self._zeros((0,)) if shape is None else zeros((0, *shape[1:]), self._dtype)
        return _concat([self._peek(i) for i in range(len(self._elements))], axis=0)

    def _indices(self, indices) -> list[int]:
        a = static_value(indices)
        if a is None:
            raise GraphFallback("TensorArray indices depend on tensor values not known while "
                                "tracing")
        return [int(i) for i in np.asarray(a).reshape(-1)]

    def close(self, name=None):
        """No resource to release (kept for API compatibility)."""
        return

    def identity(self) -> TensorArray:
        return self

    # -- tf.cond on TensorArrays --------------------------------------------------------------
    def _select(self, pred, other: TensorArray) -> TensorArray:
        """Elementwise Where(pred, self, other): the two branch results of a traced tf.cond."""
        if len(self._elements) != len(other._elements) or self._dtype != other._dtype:
            raise GraphFallback("tf.cond branches return TensorArrays of different sizes or "
                                "dtypes")
        out = self._updated()
        for i, (a, b) in enumerate(zip(self._elements, other._elements)):
            if a is None or b is None or a is b:
                if a is not b:
                    raise GraphFallback("tf.cond branches write different TensorArray indices")
                continue
            if tuple(a.shape) != tuple(b.shape):
                raise GraphFallback("tf.cond branches write TensorArray elements of different "
                                    "shapes")
            out._elements[i] = call(ops.where, pred, a, b)
        return out

    def __repr__(self) -> str:
        return (f"<TensorArray dtype={self._dtype.name} size={len(self._elements)} "
                f"element_shape={self._element_shape}>")


__all__ = ["TensorArray"]
