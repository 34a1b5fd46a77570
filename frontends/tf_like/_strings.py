"""String tensors (dtype tf.string), carried outside the IR.

The IR has no string dtype, so a string tensor is a small host object around a numpy object
array of `bytes` (what TF's `.numpy()` returns). It never enters an IR graph: layers that read
strings (TextVectorization, StringLookup, Hashing) run on the host and hand integer tensors
to the IR. `tf.constant(["a b"])`, `tf.convert_to_tensor` and tf.data elements produce it.
"""

from __future__ import annotations

import numpy as np

from ._shape import TensorShape

string = np.dtype(object)  # tf.string: numpy's object dtype holding bytes


def is_string_value(value) -> bool:
    """True for str/bytes values, (nested) lists of them and numpy string/bytes arrays."""
    if isinstance(value, StringTensor):
        return True
    if isinstance(value, (str, bytes)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "US" or (value.dtype == object and value.size > 0 and
                                              isinstance(value.flat[0], (str, bytes)))
    if isinstance(value, (list, tuple)) and value:
        first = value[0]
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        return isinstance(first, (str, bytes, np.str_, np.bytes_))
    return False


def _encode(x) -> bytes:
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode("utf-8")
    raise TypeError(f"Cannot convert {x!r} to a string tensor element")


def as_string_array(value) -> np.ndarray:
    """A numpy object array of bytes (TF's representation of a string tensor)."""
    if isinstance(value, StringTensor):
        return value.array
    a = np.asarray(value, dtype=object)
    out = np.empty(a.shape, dtype=object)
    flat = out.reshape(-1)
    for i, x in enumerate(a.reshape(-1)):  # strings have no vectorized numpy conversion
        flat[i] = _encode(x)
    return out


def to_text(value, encoding: str = "utf-8") -> np.ndarray:
    """Any string value as a numpy array of Python str (decoded)."""
    a = as_string_array(value)
    out = np.empty(a.shape, dtype=object)
    out.reshape(-1)[:] = [x.decode(encoding) for x in a.reshape(-1)]
    return out


class StringTensor:
    """Mirrors an eager `tf.Tensor` of dtype `tf.string`: shape, dtype, numpy() (an object
    array of bytes), indexing, iteration and TF's repr. Differences: it is a host value (no IR
    op accepts it; string layers take it and produce integer tensors), and it cannot be traced
    as a tf.function input."""

    __array_priority__ = 100

    def __init__(self, array: np.ndarray):
        self.array = array

    dtype = string

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self.array.shape)

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def get_shape(self) -> TensorShape:
        return self.shape

    def numpy(self):
        return self.array.copy() if self.array.ndim else self.array[()]

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)

    def __len__(self) -> int:
        if not self.array.ndim:
            raise TypeError("len is not well defined for a rank-0 tensor")
        return len(self.array)

    def __getitem__(self, key):
        return StringTensor(np.asarray(self.array[key], dtype=object))

    def __iter__(self):
        if not self.array.ndim:
            raise TypeError("Cannot iterate over a scalar tensor.")
        return (self[i] for i in range(len(self.array)))

    def __eq__(self, other):
        return np.equal(self.array, as_string_array(other))

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        value = self.array[()] if self.array.ndim == 0 else self.array
        text = repr(value)
        text = "\n" + text if "\n" in text else text
        return f"<tf.Tensor: shape={self.shape}, dtype=string, numpy={text}>"

    def __str__(self) -> str:
        value = self.array[()] if self.array.ndim == 0 else self.array
        return f"tf.Tensor({value}, shape={self.shape}, dtype=string)"


def string_constant(value, shape=None, dtype=None) -> StringTensor:
    """tf.constant for string values (a numeric `dtype` cannot hold them: TypeError)."""
    if dtype is not None and not (dtype == "string" or np.dtype(dtype) == string):
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype "
                        f"{np.dtype(dtype).name}")
    a = as_string_array(value)
    if shape is not None:
        shape = tuple(TensorShape(shape))
        a = np.broadcast_to(a.reshape(()), shape).copy() if a.size == 1 else a.reshape(shape)
    return StringTensor(a)


def wrap(a: np.ndarray):
    """A pipeline array as the tensor users see: StringTensor for strings, else EagerTensor."""
    if isinstance(a, (bytes, str)):  # a scalar sliced out of an object array
        return StringTensor(as_string_array(a))
    if a.dtype == object or a.dtype.kind in "US":
        return StringTensor(as_string_array(a))
    from ._tensor import EagerTensor
    return EagerTensor(a)


def fit_rank(value, rank: int) -> StringTensor:
    """A string model input at the Input's rank: a trailing axis of 1 added or squeezed."""
    a = as_string_array(value)
    if a.ndim == rank + 1 and a.shape[-1] == 1:
        a = a.reshape(a.shape[:-1])
    elif a.ndim == rank - 1:
        a = a.reshape(a.shape + (1,))
    return StringTensor(a)
