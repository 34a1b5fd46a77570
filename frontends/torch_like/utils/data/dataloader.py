"""torch.utils.data.dataloader: DataLoader, batches of a dataset in sampler order."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from ._utils.collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]


def get_worker_info():
    """Mirrors torch.utils.data.get_worker_info. Always None here: every DataLoader loads in the
    main process (see DataLoader's differences)."""
    return


class _InfiniteConstantSampler(Sampler):
    """The sampler of an IterableDataset: its indices are ignored, the dataset's own iterator
    decides what comes next and when to stop."""

    def __iter__(self):
        while True:
            yield None


_FROZEN_AFTER_INIT = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                      "persistent_workers")


class DataLoader:
    """Mirrors torch.utils.data.DataLoader: iterates over `dataset` in batches.

    Map-style datasets are read in `sampler` order (SequentialSampler, or RandomSampler with
    `generator` when `shuffle=True`), `batch_size` indices at a time (a BatchSampler; the last,
    shorter batch dropped when `drop_last`), and each list of samples goes through `collate_fn`
    (default_collate: stacked tensors, see torch_like.utils.data.default_collate).
    `batch_size=None` turns automatic batching off: samples come one by one through
    `default_convert`. An IterableDataset is read from its own iterator, without sampler or
    shuffle.

    Args:
        dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
        collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
        multiprocessing_context=None, generator=None, prefetch_factor=None,
        persistent_workers=False, pin_memory_device="", in_order=True: as torch's, validated
        with torch's errors.

    Differences from torch: no worker processes. `num_workers > 0` is accepted (with torch's
    argument checks) but loads in the main process, giving the same batches in the same order
    as torch's default `in_order=True` does for a map-style dataset; `worker_init_fn` is not
    called and `get_worker_info()` is None, so an IterableDataset is not split across workers
    (torch would replicate it per worker unless it shards itself). `pin_memory` and `timeout`
    have nothing to act on (CPU only, nothing to wait for). Shuffled orders are reproducible
    with a seeded generator but are not torch's orders.

    Example:
        >>> loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
        >>> for xb, yb in loader:
        ...     ...
    """

    __initialized = False

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable | None = None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        prefetch_factor = _check_worker_options(num_workers, timeout, prefetch_factor,
                                                persistent_workers, multiprocessing_context)
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self._is_iterable = isinstance(dataset, IterableDataset)
        shuffle = _check_dataset_options(self._is_iterable, shuffle, sampler, batch_sampler)
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            sampler = _default_sampler(dataset, self._is_iterable, shuffle, generator)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.__initialized = True

    def __setattr__(self, attr, val) -> None:
        if self.__initialized and attr in _FROZEN_AFTER_INIT:
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> _SingleProcessDataLoaderIter:
        return _SingleProcessDataLoaderIter(self)

    def __len__(self) -> int:
        if not self._is_iterable:
            return len(self._index_sampler)
        length = len(self.dataset)  # TypeError when the IterableDataset has no __len__
        if self.batch_size is None:
            return length
        return length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)


def _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers,
                          multiprocessing_context):
    """torch's checks of the multiprocessing options (kept, though loading is in-process)."""
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         "disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                         "let num_workers > 0 to enable multiprocessing, otherwise set "
                         "prefetch_factor to None.")
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if multiprocessing_context is not None and num_workers == 0:
        raise ValueError("multiprocessing_context can only be used with multi-process loading "
                         f"(num_workers > 0), but got num_workers={num_workers}")
    return 2 if num_workers > 0 and prefetch_factor is None else prefetch_factor


def _check_dataset_options(is_iterable: bool, shuffle, sampler, batch_sampler) -> bool | None:
    """torch checks these first: an IterableDataset takes no shuffle and no samplers."""
    if is_iterable:
        if shuffle not in {False, None}:
            raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                             f"option, but got shuffle={shuffle}")
        if sampler is not None:
            raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                             f"option, but got sampler={sampler}")
        if batch_sampler is not None:
            raise ValueError("DataLoader with IterableDataset: expected unspecified "
                             f"batch_sampler option, but got batch_sampler={batch_sampler}")
    else:
        shuffle = bool(shuffle)
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    return shuffle


def _default_sampler(dataset, is_iterable: bool, shuffle: bool, generator) -> Sampler:
    if is_iterable:
        return _InfiniteConstantSampler()
    if shuffle:
        return RandomSampler(dataset, generator=generator)
    return SequentialSampler(dataset)


class _SingleProcessDataLoaderIter:
    """One pass over a DataLoader: indices from its sampler, samples from its dataset, batches
    from its collate_fn."""

    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._index_sampler = loader._index_sampler
        self._auto_collation = loader._auto_collation
        self._collate_fn = loader.collate_fn
        self._drop_last = loader.drop_last
        self._sampler_iter = iter(self._index_sampler)
        self._dataset_iter = iter(loader.dataset) if loader._is_iterable else None

    def __iter__(self) -> _SingleProcessDataLoaderIter:
        return self

    def __next__(self):
        index = next(self._sampler_iter)  # StopIteration ends the epoch
        data = self._fetch(index) if self._dataset_iter is None else self._fetch_iterable(index)
        return self._collate_fn(data)

    def __len__(self) -> int:
        return len(self._index_sampler)

    def _fetch(self, index):
        """Map-style: one sample, or a list of samples for a list of indices (through the
        dataset's batched `__getitems__` when it has one, as torch's fetcher does)."""
        if not self._auto_collation:
            return self._dataset[index]
        if callable(getattr(self._dataset, "__getitems__", None)):
            return self._dataset.__getitems__(index)
        return [self._dataset[i] for i in index]

    def _fetch_iterable(self, index):
        if not self._auto_collation:
            return next(self._dataset_iter)
        data = []
        for _ in index:
            try:
                data.append(next(self._dataset_iter))
            except StopIteration:
                break
        if not data or (self._drop_last and len(data) < len(index)):
            raise StopIteration
        return data
