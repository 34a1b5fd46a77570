"""keras.utils: to_categorical, normalize, set_random_seed, PyDataset, Progbar and the data
packing helpers."""

from __future__ import annotations

from .numerical import normalize, set_random_seed, to_categorical
from .progbar import Progbar
from .py_dataset import PyDataset, Sequence


def unpack_x_y_sample_weight(data):
    """keras.utils.unpack_x_y_sample_weight: `x`, `(x,)`, `(x, y)` or `(x, y, w)` ->
    (x, y, w) with None for what is missing."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) in (1, 2, 3):
        return tuple(data) + (None,) * (3 - len(data))
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """keras.utils.pack_x_y_sample_weight: the inverse of unpack_x_y_sample_weight."""
    if y is None:
        return x if not isinstance(x, (tuple, list)) else (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


__all__ = [
    "Progbar",
    "PyDataset",
    "Sequence",
    "normalize",
    "pack_x_y_sample_weight",
    "set_random_seed",
    "to_categorical",
    "unpack_x_y_sample_weight",
]
