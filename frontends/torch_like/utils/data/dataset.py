"""torch.utils.data.dataset: map-style and iterable-style datasets, Subset, random_split."""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Sequence

import numpy as np

from ..._random import default_generator
from ..._tensor import Tensor
from . import _rng

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]


class Dataset:
    """Mirrors torch.utils.data.Dataset: a map-style dataset, `dataset[i]` gives sample i.

    Subclasses implement `__getitem__` and usually `__len__` (the DataLoader's default samplers
    need it); like torch, the base class has no `__len__`. `a + b` concatenates.
    """

    def __getitem__(self, index):
        # torch's abstract method: the base class itself holds no samples
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset, Iterable):
    """Mirrors torch.utils.data.IterableDataset: a stream of samples given by `__iter__`.

    A DataLoader over it takes no sampler and no shuffle; `a + b` chains two streams.
    """

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Mirrors torch.utils.data.TensorDataset: sample i is `tuple(t[i] for t in tensors)`.

    Raises:
        AssertionError: the tensors differ in their first dimension (torch's "Size mismatch").
    """

    def __init__(self, *tensors) -> None:
        if any(tensors[0].size(0) != tensor.size(0) for tensor in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(_take(tensor, index) for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)


def _take(tensor, index):
    """`tensor[index]`. A DataLoader reads a TensorDataset one sample at a time, so a plain
    integer index into a tensor outside autograd is a numpy view (as torch's is a view): the
    same value as the indexing op at a fraction of the dispatch cost. Anything else (slices,
    masks, tensors that require grad) goes through Tensor indexing."""
    plain_int = isinstance(index, (int, np.integer)) and not isinstance(index, bool)
    if plain_int and isinstance(tensor, Tensor) and not tensor.requires_grad \
            and tensor.array is not None and -len(tensor) <= index < len(tensor):
        return Tensor(tensor.array[index, ...])
    return tensor[index]  # torch's errors for out-of-range and unusual indices


class StackDataset(Dataset):
    """Mirrors torch.utils.data.StackDataset: zips equal-length datasets, as a tuple
    (`StackDataset(a, b)`) or a dict (`StackDataset(x=a, y=b)`)."""

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via "
                             "``kwargs``) like input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        parts = list(args or kwargs.values())
        self._length = len(parts[0])
        if any(self._length != len(dataset) for dataset in parts):
            raise ValueError("Size mismatch between datasets")
        self.datasets = args or kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: dataset[index] for k, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """Mirrors torch.utils.data.ConcatDataset: map-style datasets one after another;
    `cumulative_sizes[k]` is the total length of the first k+1 datasets."""

    @staticmethod
    def cumsum(sequence) -> list[int]:
        return list(itertools.accumulate(len(e) for e in sequence))

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[dataset_idx - 1] if dataset_idx > 0 else 0
        return self.datasets[dataset_idx][idx - start]


class ChainDataset(IterableDataset):
    """Mirrors torch.utils.data.ChainDataset: iterable datasets streamed one after another."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            _check_iterable(d)
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            _check_iterable(d)
            total += len(d)
        return total


def _check_iterable(d) -> None:
    if not isinstance(d, IterableDataset):
        raise AssertionError("ChainDataset only supports IterableDataset")  # noqa: TRY004  (torch)


class Subset(Dataset):
    """Mirrors torch.utils.data.Subset: `subset[i]` is `dataset[indices[i]]`."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        # the DataLoader fetches through __getitems__, which would bypass a custom __getitem__
        if (type(self).__getitem__ is not Subset.__getitem__
                and type(self).__getitems__ is Subset.__getitems__):
            raise NotImplementedError(
                f"{type(self).__name__} overrides __getitem__ but not __getitems__. When "
                "subclassing Subset and overriding __getitem__, you must also override "
                "__getitems__ to ensure DataLoader works correctly with your custom logic. "
                "A simple implementation:\n\ndef __getitems__(self, indices):\n"
                "    return [self.__getitem__(idx) for idx in indices]")

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        # batched fetching when the parent dataset supports it, as torch's fetcher does
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[idx] for idx in indices])
        return [self.dataset[self.indices[idx]] for idx in indices]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator=default_generator) -> list[Subset]:
    """Mirrors torch.utils.data.random_split: non-overlapping random Subsets of `dataset`.

    Args:
        dataset: the map-style dataset to split.
        lengths: the subset lengths, or fractions summing to 1 (each subset gets
            floor(len * fraction) items, then the remainder is dealt out round-robin from the
            first subset, as torch does).
        generator: the torch_like Generator of the permutation; by default the global one, so
            `manual_seed` makes the split reproducible (the permutation is not torch's).

    Returns:
        One Subset per length, in order.

    Raises:
        ValueError: a fraction outside [0, 1], or lengths not summing to len(dataset).

    Example:
        >>> train, val = random_split(range(10), [0.8, 0.2], generator=Generator().manual_seed(0))
        >>> len(train), len(val)
        (8, 2)
    """
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _fraction_lengths(len(dataset), lengths)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = _rng.randperm(sum(lengths), generator)
    return [Subset(dataset, indices[offset - length:offset])
            for offset, length in zip(itertools.accumulate(lengths), lengths)]


def _fraction_lengths(n: int, fractions: Sequence[float]) -> list[int]:
    lengths = []
    for i, frac in enumerate(fractions):
        if frac < 0 or frac > 1:
            raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        lengths.append(math.floor(n * frac))
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"Length of split at index {i} is 0. This might result in an empty "
                          "dataset.", stacklevel=3)
    return lengths
