"""torch.utils.data.sampler: the index streams a DataLoader reads its dataset with."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized

import numpy as np

from ..._tensor import Tensor
from . import _rng

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler",
           "SubsetRandomSampler", "WeightedRandomSampler"]


class Sampler:
    """Mirrors torch.utils.data.Sampler: the base class of index streams. Subclasses implement
    `__iter__` (and `__len__` where the length is known)."""

    def __iter__(self) -> Iterator:
        # torch's abstract method: the base class has no indices to give
        raise NotImplementedError


class SequentialSampler(Sampler):
    """Mirrors torch.utils.data.SequentialSampler: 0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Mirrors torch.utils.data.RandomSampler: a random permutation of the indices (repeated
    whole permutations if `num_samples` > len), or `num_samples` draws with replacement.

    Without a `generator`, each iteration seeds a fresh one from the global stream, as torch
    does: epochs differ, and `torch_like.manual_seed` makes the whole run reproducible. The
    random streams are not torch's (same seed, different order).
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError("replacement should be a boolean value, but got "
                            f"replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        generator = _rng.fresh_generator() if self.generator is None else self.generator
        if self.replacement:
            yield from _rng.randint(n, self.num_samples, generator)
            return
        for _ in range(self.num_samples // n):
            yield from _rng.randperm(n, generator)
        yield from _rng.randperm(n, generator)[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """Mirrors torch.utils.data.SubsetRandomSampler: the given indices in random order."""

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in _rng.randperm(len(self.indices), self.generator):
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Mirrors torch.utils.data.WeightedRandomSampler: `num_samples` indices drawn with
    probabilities proportional to `weights` (as torch.multinomial; float64 weights)."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError("replacement should be a boolean value, but got "  # noqa: TRY004
                             f"replacement={replacement}")  # (torch's type: ValueError)
        weights_array = np.asarray(weights, dtype=np.float64)
        if weights_array.ndim != 1:
            raise ValueError("weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights_array.shape)}")
        self.weights = Tensor(weights_array)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        yield from _rng.multinomial(self.weights, self.num_samples, self.replacement,
                                    self.generator)

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Mirrors torch.utils.data.BatchSampler: groups another sampler's indices into lists of
    `batch_size`; the last, shorter list is dropped when `drop_last`.

    Example:
        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int,
                 drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(  # noqa: TRY004  (torch's type)
                f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        sampler_iter = iter(self.sampler)
        batch = list(itertools.islice(sampler_iter, self.batch_size))
        while batch and (len(batch) == self.batch_size or not self.drop_last):
            yield batch
            batch = list(itertools.islice(sampler_iter, self.batch_size))

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
