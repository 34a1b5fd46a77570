"""Small helpers shared by the nn modules and functional: torch's tuple expanders, type names
for messages, parameter allocation and in-place writes into a tensor's array."""

from __future__ import annotations

import collections.abc
import math
from itertools import repeat

import numpy as np

import core_ir
from core_ir.tensor import Tensor as _CoreTensor

from ... import _dtypes
from ..._tensor import Parameter, Tensor
from ..._tensor import check_device as _check_device

# torch's scalar type names, as its messages print them (torch.FloatTensor, "got Float")
SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _ntuple(n: int, name: str = "parse"):
    def parse(x):
        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
            return tuple(x)
        return tuple(repeat(x, n))
    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")


def scalar_name(dtype) -> str:
    return SCALAR_NAMES.get(str(np.dtype(dtype)), str(dtype))


def typename(value) -> str:
    """torch.typename: 'torch.FloatTensor' for a tensor, the qualified class name otherwise."""
    if isinstance(value, _CoreTensor):
        return f"torch.{scalar_name(value.dtype)}Tensor"
    cls = type(value)
    module = cls.__module__
    if module in ("builtins", "__builtin__", None):
        return cls.__qualname__
    return f"{module}.{cls.__qualname__}"


def check_device(dev) -> None:
    """Only the CPU exists: any other device is a clear RuntimeError (torch_like's check)."""
    _check_device(dev)


def factory_dtype(dtype) -> np.dtype:
    return _dtypes.get_default_dtype() if dtype is None else _dtypes.as_dtype(dtype)


def empty_parameter(shape, dtype=None, device=None) -> Parameter:
    """torch.empty(...) wrapped in a Parameter: zeros here, the caller's init fills it."""
    check_device(device)
    return Parameter(np.zeros(tuple(shape), factory_dtype(dtype)))


def new_tensor(array, dtype=None) -> Tensor:
    return Tensor(np.asarray(array, dtype=None if dtype is None else _dtypes.as_dtype(dtype)))


def write_array(t: _CoreTensor, values) -> None:
    """Overwrite t's contents in place, outside autograd (init, load_state_dict, buffers): the
    same Tensor object keeps its identity, so optimizers and aliases see the new values."""
    values = np.asarray(values, dtype=t.dtype)
    a = t.array
    if isinstance(a, np.ndarray) and a.flags.writeable and a.shape == values.shape:
        np.copyto(a, values)
    else:
        t.array = np.array(np.broadcast_to(values, t.shape))
    t.version += 1


def prod(values) -> int:
    return math.prod(int(v) for v in values)


def concrete(t) -> bool:
    return isinstance(t, _CoreTensor) and t.array is not None


def constant(value, dtype) -> Tensor:
    """A literal in the current interpreter (a graph constant while tracing)."""
    return core_ir.constant(value, dtype, cls=Tensor)


def check_name(name, kind: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {typename(name)}")
    if "." in name:
        raise KeyError(f"{kind} name can't contain \".\"")
    if name == "":
        raise KeyError(f"{kind} name can't be empty string \"\"")


def remove_from(name: str, *stores) -> None:
    for d in stores:
        if name in d:
            if isinstance(d, dict):
                del d[name]
            else:
                d.discard(name)


def convert(t, fn) -> None:
    new = fn(t)
    if new is not None:
        t.array = new
        t.version += 1


def parse_to(args, kwargs):
    """The dtype of Module.to(device), to(dtype), to(device, dtype), to(tensor); devices other
    than the CPU raise."""
    dtype = kwargs.pop("dtype", None)
    check_device(kwargs.pop("device", None))
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, _CoreTensor):
            dtype = a.dtype
        elif isinstance(a, (np.dtype, type)) and not isinstance(a, str):
            dtype = a
        elif isinstance(a, bool):
            continue
        else:
            check_device(a)
    return None if dtype is None else _dtypes.as_dtype(dtype)
