"""Tensor creation: tensor, as_tensor, from_numpy (shares memory), zeros/ones/full/empty/arange/
linspace/logspace/eye/meshgrid, the *_like forms, and the legacy FloatTensor/LongTensor/...
constructors. New tensors are leaves built from NumPy arrays (constants, outside the op graph);
`requires_grad=True` is allowed for floating dtypes only and `device='cuda'` is a RuntimeError,
as in a CPU-only torch."""

from __future__ import annotations

import builtins
import math

import numpy as np

from . import _dtypes
from ._shape_ops import size_args
from ._tensor import Size, Tensor, as_array, check_device


def _finish(array: np.ndarray, requires_grad: bool, device=None, cls=Tensor) -> Tensor:
    check_device(device)
    t = cls(array)
    if requires_grad:
        if array.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t.requires_grad = True
    return t


def _float_dtype(dtype):
    return _dtypes.as_dtype(dtype) or _dtypes.get_default_dtype()


def _shape(size, name: str) -> tuple:
    shape = size_args(size)
    if builtins.any(d < 0 for d in shape):
        raise RuntimeError(f"{name}: Dimension size must be non-negative.")
    return shape


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new leaf tensor copying data (Python floats -> default float, ints -> int64, numpy
    arrays and scalars keep their dtype)."""
    _check_ragged(data)
    return _finish(as_array(data, dtype), requires_grad, device)


def _check_ragged(data, depth: int = 0) -> None:
    if not isinstance(data, (list, tuple)) or not data:
        return
    lengths = {len(e) if isinstance(e, (list, tuple)) else None for e in data}
    if len(lengths) > 1:
        first = len(data[0]) if isinstance(data[0], (list, tuple)) else None
        other = next(len(e) for e in data if isinstance(e, (list, tuple)) and len(e) != first)
        raise ValueError(f"expected sequence of length {first} at dim {depth + 1} (got {other})")
    for e in data:
        _check_ragged(e, depth + 1)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Shares memory with a Tensor or an ndarray of the same dtype; copies otherwise."""
    check_device(device)
    dtype = _dtypes.as_dtype(dtype)
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype == dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype):
        return Tensor(data)
    return Tensor(as_array(data, dtype))


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad: bool = False) -> Tensor:
    t = tensor(obj, dtype=dtype) if copy else as_tensor(obj, dtype, device)
    return t.requires_grad_(requires_grad) if requires_grad else t


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing ndarray's memory (writes through either show in both)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype.kind not in "biuf":
        raise TypeError(f"can't convert np.ndarray of type numpy.{ndarray.dtype}. The only "
                        "supported types are: float64, float32, float16, int64, int32, int16, "
                        "int8, uint8, and bool.")
    return Tensor(ndarray)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.asarray(s, _float_dtype(dtype)), requires_grad, device)


def _filled(name, value):
    def make(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
             pin_memory: bool = False, memory_format=None):
        a = np.full(_shape(size, name), value, _float_dtype(dtype))
        return _finish(a, requires_grad, device)
    make.__name__ = name
    make.__doc__ = f"torch.{name}(*size): a tensor of {value}s (the default float dtype)."
    return make


zeros = _filled("zeros", 0)
ones = _filled("ones", 1)
empty = _filled("empty", 0)  # torch leaves it uninitialized; zeros are one valid content


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """The dtype follows fill_value when not given (bool, int64 or the default float)."""
    if dtype is None:
        dtype = as_array(fill_value).dtype if not isinstance(fill_value, Tensor) else \
            fill_value.dtype
    a = np.full(_shape((size,) if isinstance(size, int) else (tuple(size),), "full"),
                np.asarray(fill_value.array if isinstance(fill_value, Tensor) else fill_value),
                _dtypes.as_dtype(dtype))
    return _finish(a, requires_grad, device)


def _like(name, fill):
    def make(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
             memory_format=None):
        d = _dtypes.as_dtype(dtype) or input.dtype
        return _finish(np.full(tuple(input.shape), fill, d), requires_grad, device)
    make.__name__ = name
    return make


zeros_like = _like("zeros_like", 0)
ones_like = _like("ones_like", 1)
empty_like = _like("empty_like", 0)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    d = _dtypes.as_dtype(dtype) or input.dtype
    value = np.asarray(fill_value).astype(d) if d.kind != "f" else fill_value
    return _finish(np.full(tuple(input.shape), value, d), requires_grad, device)


def _number(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """[start, end) by step; int64 when all three are integers, else the default float. The
    values are start + i * step computed in float64, then cast (as torch)."""
    start, end, step = _number(start), _number(end), _number(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    ints = builtins.all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    d = _dtypes.as_dtype(dtype) or (_dtypes.int64 if ints else _dtypes.get_default_dtype())
    n = math.ceil((end - start) / step) if not ints else -((start - end) // step)
    values = start + np.arange(n, dtype=np.int64 if ints else np.float64) * step
    return _finish(values.astype(d), requires_grad, device)


def range(start=0, end=None, step=1, *, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """Deprecated torch.range: like arange but including `end` (default float dtype)."""
    if end is None:
        start, end = 0, start
    n = math.floor((end - start) / step) + 1
    d = _float_dtype(dtype)
    return _finish((start + np.arange(n, dtype=np.float64) * step).astype(d), requires_grad,
                   device)


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """`steps` points from start to end: each half is computed from its own end in the output
    dtype, as torch does (so the values match it to the last bit)."""
    start, end = _number(start), _number(end)
    d = _float_dtype(dtype)
    work = d if d.kind == "f" else np.dtype(np.float32)
    s, e = work.type(start), work.type(end)
    if steps == 1:
        values = np.asarray([s], work)
    else:
        step = work.type((e - s) / work.type(steps - 1))
        i = np.arange(steps)
        half = steps // 2
        values = np.where(i < half, s + step * i.astype(work),
                          e - step * (steps - 1 - i).astype(work))
    return _finish(np.asarray(values, work).astype(d), requires_grad, device)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    d = _float_dtype(dtype)
    exponents = np.asarray(linspace(start, end, steps, dtype=np.float64).array)
    return _finish(np.power(base, exponents).astype(d), requires_grad, device)


def eye(n: int, m: int | None = None, *, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    return _finish(np.eye(n, n if m is None else m, dtype=_float_dtype(dtype)), requires_grad,
                   device)


def meshgrid(*tensors, indexing: str = "ij"):
    """Coordinate grids (expanded views of the inputs, so gradients reach them)."""
    tensors = list(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) \
        else list(tensors)
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    shape = [t.numel() for t in tensors]
    grids = []
    for i, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[i] = -1
        grids.append(t.reshape(*view).expand(*shape))
    if indexing == "xy" and len(tensors) >= 2:  # the first two axes in (y, x) order
        grids = [g.transpose(0, 1) for g in grids]
    return tuple(grids)


# -- legacy typed constructors --------------------------------------------------------------------


class _LegacyType(type):
    """torch.FloatTensor and friends: callable like the old constructors, and
    isinstance(x, torch.FloatTensor) checks the dtype."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *args, device=None):
        check_device(device)
        if len(args) == 1 and isinstance(args[0], Tensor):
            return args[0].to(cls.dtype)
        if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)) \
                and not isinstance(args[0], Size):
            return Tensor(as_array(args[0], cls.dtype))
        return Tensor(np.zeros(size_args(args), cls.dtype))

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy(name: str, dtype) -> type:
    return _LegacyType(name, (), {"dtype": dtype, "__doc__": f"torch.{name} ({dtype} tensors)."})


FloatTensor = _legacy("FloatTensor", _dtypes.float32)
DoubleTensor = _legacy("DoubleTensor", _dtypes.float64)
HalfTensor = _legacy("HalfTensor", _dtypes.float16)
LongTensor = _legacy("LongTensor", _dtypes.int64)
IntTensor = _legacy("IntTensor", _dtypes.int32)
ShortTensor = _legacy("ShortTensor", _dtypes.int16)
CharTensor = _legacy("CharTensor", _dtypes.int8)
ByteTensor = _legacy("ByteTensor", _dtypes.uint8)
BoolTensor = _legacy("BoolTensor", _dtypes.bool)

LEGACY_TYPES = {t.dtype: t for t in (FloatTensor, DoubleTensor, HalfTensor, LongTensor,
                                     IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor)}

__all__ = [
    "BoolTensor",
    "ByteTensor",
    "CharTensor",
    "DoubleTensor",
    "FloatTensor",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "ShortTensor",
    "arange",
    "as_tensor",
    "asarray",
    "empty",
    "empty_like",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "logspace",
    "meshgrid",
    "ones",
    "ones_like",
    "range",
    "scalar_tensor",
    "tensor",
    "zeros",
    "zeros_like",
]
