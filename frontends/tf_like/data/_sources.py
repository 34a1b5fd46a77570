"""Dataset sources (static constructors mixed into Dataset): from_tensor_slices, from_tensors,
from_generator, range and zip."""

from __future__ import annotations

import builtins

import numpy as np

from .. import dtypes as _dtypes
from .._shape import TensorSpec
from . import _structure as S


def _dataset():
    from ._dataset import Dataset
    return Dataset


def _from_signature(output_types, output_shapes):
    """The deprecated output_types/output_shapes pair as a TensorSpec structure."""
    if isinstance(output_types, dict):
        shapes = output_shapes or {k: None for k in output_types}
        return {k: _from_signature(v, shapes[k]) for k, v in output_types.items()}
    if isinstance(output_types, tuple):
        shapes = output_shapes or (None,) * len(output_types)
        return tuple(_from_signature(t, s) for t, s in zip(output_types, shapes))
    return _AnyShape(output_types) if output_shapes is None else \
        TensorSpec(output_shapes, output_types)


class _AnyShape(TensorSpec):
    """output_types without output_shapes: any shape is accepted."""

    def __init__(self, dtype):
        super().__init__([], dtype)

    def is_compatible_with(self, spec_or_value) -> bool:
        return True


class SourceConstructors:
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per slice along the first axis of every component (all components must
        have the same first dim)."""
        element = S.normalize(tensors)
        leaves, tree = S.flatten(element)
        if any(a.ndim == 0 for a in leaves):
            raise ValueError("Unbatching a tensor is only supported for rank >= 1")
        n = leaves[0].shape[0]
        for a in leaves[1:]:
            if a.shape[0] != n:
                raise ValueError(f"Dimensions {n} and {a.shape[0]} are not compatible")

        def run():
            for i in builtins.range(n):
                # a[i, ...] keeps a string slice a 0-d object array (a[i] would be bytes)
                yield S.unflatten(tree, [a[i, ...] if a.dtype == object else a[i]
                                         for a in leaves])

        return _dataset()(run, S.unbatched_spec(S.spec_of(element)), n, "TensorSlice")

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of one element."""
        element = S.normalize(tensors)
        return _dataset()(lambda: iter([element]), S.spec_of(element), 1, "Tensor")

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """Elements yielded by generator(*args), converted to output_signature (dtype cast,
        shape checked at iteration)."""
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        if output_signature is None:
            if output_types is None:
                raise TypeError("The `output_signature` argument must be set.")
            output_signature = _from_signature(output_types, output_shapes)
        spec = output_signature
        args = () if args is None else tuple(args)

        def run():
            for value in generator(*args):
                yield S.check_matches(value, spec)

        return _dataset()(run, spec, S.UNKNOWN, "FlatMap")

    @staticmethod
    def range(*args, output_type=_dtypes.int64, name=None):
        """range(stop), range(start, stop[, step]) as int64 scalars."""
        r = builtins.range(*[int(a) for a in args])
        dtype = _dtypes.as_dtype(output_type)
        return _dataset()(lambda: (np.asarray(i, dtype=dtype) for i in r), TensorSpec([], dtype),
                          len(r), "Range")

    @staticmethod
    def zip(*datasets, name=None):
        """Elements of several datasets side by side (a tuple, or the given structure of
        datasets); stops with the shortest."""
        structure = datasets[0] if len(datasets) == 1 else datasets
        if not isinstance(structure, (tuple, dict)) or not structure:
            raise TypeError("Dataset.zip expects a (nested) tuple or dict of datasets")
        members, tree = S.flatten(structure)
        cards = [d._cardinality for d in members]
        finite = [c for c in cards if c >= 0]
        card = min(finite) if finite else (S.UNKNOWN if S.UNKNOWN in cards else S.INFINITE)
        if S.UNKNOWN in cards and (not finite or min(finite) > 0):
            card = S.UNKNOWN

        def run():
            for items in builtins.zip(*[d._elements() for d in members]):
                yield S.unflatten(tree, list(items))

        return _dataset()(run, lambda: S.unflatten(tree, [d.element_spec for d in members]),
                          card, "Zip")
