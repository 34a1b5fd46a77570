"""tf.data.Dataset over in-memory data: a re-iterable pipeline description.

Each Dataset holds a function that starts a fresh Python iterator over its elements (nested
tuples/dicts of numpy arrays), its element_spec and its cardinality. Iterating yields
EagerTensors; user functions (map, filter, ...) receive EagerTensors and run eagerly once per
element (TF traces them once into a graph; here their Python side effects run per element)."""

from __future__ import annotations

import itertools
from typing import Callable, Iterator

import numpy as np

from .._tensor import EagerTensor
from ..errors import InvalidArgumentError, OutOfRangeError
from . import _structure as S
from ._batching import BatchingMethods
from ._sources import SourceConstructors

from ._structure import AUTOTUNE, INFINITE, UNKNOWN  # noqa: F401,E402


class Dataset(BatchingMethods, SourceConstructors):
    """Mirrors tf.data.Dataset for in-memory data (see the module docstring). Sources are the
    static constructors; transformations return new datasets; iteration restarts from the
    source each time (so a shuffle reshuffles, a cache replays)."""

    def __init__(self, make_iter: Callable[[], Iterator], spec, cardinality: int,
                 kind: str = "Dataset"):
        self._make_iter = make_iter
        self._spec = spec
        self._cardinality = int(cardinality)
        self._kind = kind

    # -- introspection ------------------------------------------------------------------------
    @property
    def element_spec(self):
        """The TensorSpec structure of an element (a callable is resolved on first use)."""
        if callable(self._spec):
            self._spec = self._spec()
        return self._spec

    def cardinality(self):
        """The number of elements as an int64 scalar tensor; -1 infinite, -2 unknown."""
        return EagerTensor(np.asarray(self._cardinality, dtype=np.int64))

    def __len__(self) -> int:
        if self._cardinality == INFINITE:
            raise TypeError("The dataset is infinite.")
        if self._cardinality == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return self._cardinality

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> "OwnedIterator":
        return OwnedIterator(self)

    def _elements(self) -> Iterator:
        return self._make_iter()

    def as_numpy_iterator(self) -> Iterator:
        """Elements as numpy arrays (numpy scalars for rank 0), in the same structure."""
        for element in self._elements():
            yield S.map_leaves(lambda a: a[()] if a.ndim == 0 else a, element)

    def __repr__(self) -> str:
        return f"<_{self._kind}Dataset element_spec={self.element_spec}>"

    def _derive(self, make_iter, spec=None, cardinality=None, kind="Dataset") -> "Dataset":
        return Dataset(make_iter, self._spec if spec is None else spec,
                       self._cardinality if cardinality is None else cardinality, kind)

    # -- element-wise --------------------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply map_func to each element (a tuple element is passed as separate arguments)."""
        source = self

        def run():
            for element in source._elements():
                yield S.from_user(_apply(map_func, element))

        return self._derive(run, spec=lambda: _first_spec(run), kind="Map")

    def filter(self, predicate, name=None):
        """Keep the elements for which predicate returns True (a scalar bool)."""
        source = self

        def run():
            for element in source._elements():
                keep = np.asarray(S.to_array(_apply(predicate, element)))
                if keep.shape != () or keep.dtype != np.bool_:
                    raise ValueError(f"Invalid `predicate`. `predicate` must return a `tf.bool` "
                                     f"scalar tensor, but its return type is a tensor of dtype "
                                     f"{keep.dtype} and shape {keep.shape}.")
                if keep:
                    yield element

        return self._derive(run, cardinality=UNKNOWN, kind="Filter")

    def flat_map(self, map_func, name=None):
        """Map each element to a dataset and flatten the results."""
        source = self

        def run():
            for element in source._elements():
                yield from _apply(map_func, element)._elements()

        return Dataset(run, lambda: _first_spec(run), UNKNOWN, "FlatMap")

    def enumerate(self, start=0, name=None):
        """(int64 index, element) pairs."""
        source = self

        def run():
            for i, element in enumerate(source._elements(), int(start)):
                yield (np.asarray(i, dtype=np.int64), element)

        from .._shape import TensorSpec
        return self._derive(run, spec=lambda: (TensorSpec([], np.int64), self.element_spec),
                            kind="Enumerate")

    # -- counting ------------------------------------------------------------------------------
    def take(self, count, name=None):
        """The first `count` elements (all for -1)."""
        count = int(count)
        source = self
        card = self._cardinality if count < 0 else _min_card(self._cardinality, count)
        return self._derive(lambda: itertools.islice(source._elements(), None if count < 0
                                                     else count), cardinality=card, kind="Take")

    def skip(self, count, name=None):
        """All but the first `count` elements (-1 skips everything)."""
        count = int(count)
        source = self
        n = self._cardinality
        card = 0 if count < 0 else (n if n < 0 else max(n - count, 0))

        def run():
            if count >= 0:
                yield from itertools.islice(source._elements(), count, None)

        return self._derive(run, cardinality=card, kind="Skip")

    def take_while(self, predicate, name=None):
        """Elements while predicate holds."""
        source = self

        def run():
            for element in source._elements():
                if not bool(np.asarray(S.to_array(_apply(predicate, element)))):
                    return
                yield element

        return self._derive(run, cardinality=UNKNOWN, kind="TakeWhile")

    def repeat(self, count=None, name=None):
        """The elements `count` times (forever for None or -1)."""
        count = -1 if count is None else int(count)
        source = self

        def run():
            for _ in (itertools.count() if count < 0 else range(count)):
                yield from source._elements()

        n = self._cardinality
        card = (INFINITE if n != 0 else 0) if count < 0 else (n if n < 0 else n * count)
        return self._derive(run, cardinality=card, kind="Repeat")

    def shard(self, num_shards, index, name=None):
        """Every num_shards-th element, starting at index."""
        num_shards, index = int(num_shards), int(index)
        if not 0 <= index < num_shards:
            raise InvalidArgumentError(None, None, f"Index must be in [0, {num_shards}), got "
                                       f"{index}")
        source = self
        n = self._cardinality
        card = n if n < 0 else max(-(-(n - index) // num_shards), 0)
        return self._derive(lambda: itertools.islice(source._elements(), index, None,
                                                     num_shards), cardinality=card, kind="Shard")

    def concatenate(self, dataset, name=None):
        """This dataset's elements, then dataset's."""
        a, b = self, dataset
        n, m = a._cardinality, b._cardinality
        card = INFINITE if INFINITE in (n, m) else (UNKNOWN if UNKNOWN in (n, m) else n + m)
        return Dataset(lambda: itertools.chain(a._elements(), b._elements()),
                       lambda: S.relax(a.element_spec, b.element_spec), card, "Concatenate")

    # -- buffering (no threads here: prefetch is a pass-through) --------------------------------
    def prefetch(self, buffer_size, name=None):
        """A pass-through (elements are produced on demand, in this thread)."""
        return self._derive(self._make_iter, kind="Prefetch")

    def cache(self, filename="", name=None):
        """Remember the elements of the first complete iteration and replay them after."""
        source, store = self, {}

        def run():
            if "done" in store:
                yield from store["done"]
                return
            seen = []
            for element in source._elements():
                seen.append(element)
                yield element
            store["done"] = seen

        return self._derive(run, kind="Cache")

    def apply(self, transformation_func):
        """transformation_func(self)."""
        return transformation_func(self)

    def with_options(self, options, name=None):
        return self

    def options(self):
        from . import Options
        return Options()

    def reduce(self, initial_state, reduce_func, name=None):
        """Fold the elements: state = reduce_func(state, element)."""
        state = S.normalize(initial_state)
        for element in self._elements():
            state = S.from_user(reduce_func(S.to_tensors(state), *_as_args(element)))
        return S.to_tensors(state)

    def get_single_element(self, name=None):
        """The only element (InvalidArgumentError unless there is exactly one)."""
        it = self._elements()
        first = next(it, None)
        if first is None or next(it, None) is not None:
            raise InvalidArgumentError(None, None, "Dataset had no elements" if first is None
                                       else "Dataset had more than one element.")
        return S.to_tensors(first)



def _as_args(element) -> tuple:
    tensors = S.to_tensors(element)
    return tuple(tensors) if isinstance(tensors, tuple) and not hasattr(tensors, "_fields") \
        else (tensors,)


def _apply(fn, element):
    return fn(*_as_args(element))


def _first_spec(run):
    """A spec found by producing one element: the user function runs once more for it (TF
    finds it by tracing the function instead)."""
    first = next(iter(run()), None)
    if first is None:
        raise ValueError("cannot infer the element_spec of an empty mapped dataset")
    return S.spec_of(first)


def _min_card(n: int, count: int) -> int:
    if n == INFINITE:
        return count
    if n == UNKNOWN:
        return UNKNOWN
    return min(n, count)


class OwnedIterator:
    """Mirrors tf.data's OwnedIterator: next() yields EagerTensors; get_next() raises
    tf.errors.OutOfRangeError at the end."""

    def __init__(self, dataset: Dataset):
        self._dataset = dataset
        self._it = dataset._elements()

    @property
    def element_spec(self):
        return self._dataset.element_spec

    def __iter__(self):
        return self

    def __next__(self):
        return S.to_tensors(next(self._it))

    def get_next(self):
        try:
            return next(self)
        except StopIteration:
            raise OutOfRangeError(None, None, "End of sequence") from None
