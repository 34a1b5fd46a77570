"""tf.TensorShape and tf.TensorSpec."""

from __future__ import annotations

import numpy as np

from . import dtypes as _dtypes


class TensorShape(tuple):
    """Mirrors tf.TensorShape: a tuple of dims, each an int or None (unknown). Indexing gives an
    int or None, slicing a TensorShape. Difference: an unknown rank (TensorShape(None)) is not
    represented; it reads as a scalar shape."""

    def __new__(cls, dims=()):
        if dims is None:
            dims = ()
        elif isinstance(dims, (int, np.integer)):
            dims = (dims,)
        return super().__new__(cls, (None if d is None or isinstance(d, str) else int(d)
                                     for d in dims))

    @property
    def rank(self) -> int:
        return len(self)

    ndims = rank

    @property
    def dims(self) -> list:
        return list(self)

    def as_list(self) -> list:
        return list(self)

    def __getitem__(self, key):
        got = tuple.__getitem__(self, key)
        return TensorShape(got) if isinstance(key, slice) else got

    def __add__(self, other):
        return self.concatenate(other)

    def __radd__(self, other):
        return TensorShape(other).concatenate(self)

    def concatenate(self, other) -> "TensorShape":
        return TensorShape(tuple(self) + tuple(TensorShape(other)))

    def num_elements(self):
        n = 1
        for d in self:
            if d is None:
                return None
            n *= d
        return n

    def is_fully_defined(self) -> bool:
        return all(d is not None for d in self)

    def is_compatible_with(self, other) -> bool:
        other = TensorShape(other)
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other))

    def assert_is_compatible_with(self, other) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {TensorShape(other)} are incompatible")

    def merge_with(self, other) -> "TensorShape":
        """The most specific shape compatible with both (ValueError if they conflict)."""
        other = TensorShape(other)
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape(a if a is not None else b for a, b in zip(self, other))

    def most_specific_compatible_shape(self, other) -> "TensorShape":
        """The most specific shape both are compatible with (differing dims become None)."""
        other = TensorShape(other)
        if len(self) != len(other):
            raise ValueError(f"Shapes {self} and {other} have different ranks")
        return TensorShape(a if a == b else None for a, b in zip(self, other))

    def with_rank(self, rank: int) -> "TensorShape":
        if len(self) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")
        return self

    def __repr__(self) -> str:
        return f"TensorShape({list(self)})"

    def __str__(self) -> str:
        inner = ", ".join("None" if d is None else str(d) for d in self)
        return f"({inner},)" if len(self) == 1 else f"({inner})"


class TensorSpec:
    """Mirrors tf.TensorSpec(shape, dtype=tf.float32, name=None): the type of a tensor, used by
    tf.function's input_signature and tf.data's element_spec. None dims match any size."""

    def __init__(self, shape, dtype=_dtypes.float32, name=None):
        self.shape = TensorShape(shape)
        self.dtype = _dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None) -> "TensorSpec":
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, spec_or_value) -> bool:
        other = spec_or_value
        if not hasattr(other, "dtype") or not hasattr(other, "shape"):
            other = np.asarray(other)
        return np.dtype(other.dtype) == self.dtype and \
            self.shape.is_compatible_with(TensorShape(other.shape))

    def most_specific_common_supertype(self, others) -> "TensorSpec | None":
        shape = self.shape
        for o in others:
            if o.dtype != self.dtype or len(o.shape) != len(shape):
                return None
            shape = shape.most_specific_compatible_shape(o.shape)
        return TensorSpec(shape, self.dtype, self.name)

    def __eq__(self, other) -> bool:
        return isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name) == (
            other.shape, other.dtype, other.name)

    def __hash__(self) -> int:
        return hash((tuple(self.shape), self.dtype, self.name))

    def __repr__(self) -> str:
        name = "None" if self.name is None else repr(self.name)
        return f"TensorSpec(shape={self.shape}, dtype={_dtypes.tf_repr(self.dtype)}, name={name})"


__all__ = ["TensorShape", "TensorSpec"]


def leaves_at_specs(spec, value) -> list:
    """The leaves of `value` at the TensorSpecs of a nested `spec` (dicts by sorted key; a list
    or tuple in `value` may stand for a tuple in `spec`; a TensorSpec takes the whole value)."""
    if isinstance(spec, TensorSpec):
        return [value]
    if isinstance(spec, dict):
        return [x for k in sorted(spec) for x in leaves_at_specs(spec[k], value[k])]
    if not isinstance(value, (list, tuple)) or len(value) != len(spec):
        raise TypeError(f"expected a sequence of {len(spec)}")
    return [x for s, v in zip(spec, value) for x in leaves_at_specs(s, v)]
