"""keras.utils.PyDataset (and its old name Sequence)."""

from __future__ import annotations

import warnings


class PyDataset:
    """Mirrors keras.utils.PyDataset: subclass it with `__len__` (batches per epoch) and
    `__getitem__(index)` returning a batch `(x, y)` or `(x, y, sample_weight)`; `fit` calls
    `on_epoch_end()` after each epoch. Differences: `workers`/`use_multiprocessing`/
    `max_queue_size` are accepted and stored, batches are always loaded in the main thread.

    Example:
        >>> class Batches(keras.utils.PyDataset):
        ...     def __init__(self, x, y, batch_size, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.x, self.y, self.batch_size = x, y, batch_size
        ...     def __len__(self):
        ...         return -(-len(self.x) // self.batch_size)
        ...     def __getitem__(self, i):
        ...         s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        ...         return self.x[s], self.y[s]
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        if not hasattr(self, "_workers"):
            warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in "
                          "its constructor. `**kwargs` can include `workers`, "
                          "`use_multiprocessing`, `max_queue_size`. Do not pass these arguments "
                          "to `fit()`, as they will be ignored.", stacklevel=2)

    @property
    def workers(self):
        return getattr(self, "_workers", 1)

    @property
    def use_multiprocessing(self):
        return getattr(self, "_use_multiprocessing", False)

    @property
    def max_queue_size(self):
        return getattr(self, "_max_queue_size", 10)

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    @property
    def num_batches(self):
        """The number of batches per epoch (`len(self)`), or None for an infinite dataset."""
        if hasattr(self, "__len__"):
            return len(self)
        return None

    def on_epoch_begin(self):
        """Called at the start of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch."""


Sequence = PyDataset
