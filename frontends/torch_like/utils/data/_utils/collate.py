"""torch.utils.data._utils.collate: turning a list of samples into a batch.

`default_collate` keeps the structure of one sample and stacks its leaves along a new first
dimension: tensors are stacked, numpy arrays and numpy scalars become tensors of their own dtype,
Python floats float64 tensors, Python ints int64 (bools bool) tensors, strings stay lists;
tuples become lists, lists/namedtuples/dicts keep their type. `default_convert` (used when
automatic batching is off) only turns numpy arrays into tensors.
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable

import numpy as np

import core_ir
from core_ir import ops
from core_ir.ops.helpers import const_ints

from ...._tensor import Tensor, call

__all__ = ["collate", "default_collate", "default_collate_fn_map", "default_convert"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = ("default_collate: batch must contain tensors, numpy arrays, "
                                  "numbers, dicts or lists; found {}")


def _as_tensor(data) -> Tensor:
    """torch.as_tensor of a numpy array, numpy scalar or list of them: the numpy dtype is kept
    and an array's memory is shared."""
    return Tensor(np.asarray(data))


def default_convert(data):
    """Mirrors torch.utils.data.default_convert: numpy arrays and scalars inside `data` become
    tensors; everything else (numbers, strings, tensors) stays as it is."""
    if isinstance(data, Tensor):
        return data
    if type(data).__module__ == "numpy" and type(data).__name__ not in ("str_", "string_"):
        if isinstance(data, np.ndarray) and np_str_obj_array_pattern.search(data.dtype.str):
            return data
        return _as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # torch's backwards compatibility: a list
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def collate(batch, *, collate_fn_map: dict | None = None):
    """Mirrors torch.utils.data._utils.collate.collate: collate by the first element's type,
    looking the type (then its bases, in insertion order) up in `collate_fn_map`.

    Raises:
        RuntimeError: list elements of unequal length.
        TypeError: an element type neither the map nor the containers handle.
    """
    elem = batch[0]
    fn = _lookup(collate_fn_map, elem)
    if fn is not None:
        return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
                    for key in elem}
        return _rebuild_mapping(elem, collated)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(collate(list(s), collate_fn_map=collate_fn_map)
                            for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(e) != len(elem) for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        collated = [collate(list(s), collate_fn_map=collate_fn_map) for s in zip(*batch)]
        return collated if isinstance(elem, tuple) else _rebuild_sequence(elem, collated)
    raise TypeError(default_collate_err_msg_format.format(type(elem)))


def _lookup(collate_fn_map: dict | None, elem) -> Callable | None:
    if collate_fn_map is None:
        return None
    if type(elem) in collate_fn_map:
        return collate_fn_map[type(elem)]
    for collate_type, fn in collate_fn_map.items():
        if isinstance(elem, collate_type):
            return fn
    return None


def _rebuild_mapping(like, items: dict):
    """A mapping of `like`'s type holding `items` (a plain dict when that type can't be
    copied or rebuilt), as torch does."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            clone = copy.copy(like)
            clone.update(items)
            return clone
        return type(like)(items)
    except TypeError:
        return items


def _rebuild_sequence(like, items: list):
    try:
        if isinstance(like, collections.abc.MutableSequence):
            clone = copy.copy(like)
            for i, item in enumerate(items):
                clone[i] = item
            return clone
        return type(like)(items)
    except TypeError:  # e.g. range
        return items


# -- leaf collate functions ---------------------------------------------------------------------
def collate_tensor_fn(batch, *, collate_fn_map=None) -> Tensor:
    """torch.stack(batch, 0), with torch's error for unequal shapes."""
    shapes = [tuple(t.shape) for t in batch]
    for i, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shapes[0])} at entry 0 and {list(shape)} at entry {i}")
    if any(t.requires_grad for t in batch) and core_ir.is_grad_enabled():
        # through IR ops, so the batch stays differentiable
        axis0 = const_ints([0])
        return call(ops.concat, *[call(ops.unsqueeze, t, axis0) for t in batch], axis=0)
    return Tensor(np.stack([t.array for t in batch]))


def collate_numpy_array_fn(batch, *, collate_fn_map=None) -> Tensor:
    if np_str_obj_array_pattern.search(batch[0].dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(batch[0].dtype))
    return collate([_as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None) -> Tensor:
    return _as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None) -> Tensor:
    return Tensor(np.asarray(batch, dtype=np.float64))  # torch: Python floats -> float64


def collate_int_fn(batch, *, collate_fn_map=None) -> Tensor:
    array = np.asarray(batch)  # torch.tensor(batch): bool if all are bools, else int64
    return Tensor(array if array.dtype == np.bool_ else array.astype(np.int64))


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map: dict = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Mirrors torch.utils.data.default_collate: a list of samples -> one batch of the same
    structure, leaves stacked along a new first dimension.

    Example:
        >>> default_collate([(1, 2.0), (3, 4.0)])
        [tensor([1, 3]), tensor([2., 4.], dtype=torch.float64)]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
