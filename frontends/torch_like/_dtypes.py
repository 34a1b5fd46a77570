"""torch dtypes. They are numpy dtype objects (the IR's type tags), so `x.dtype == torch.float32`
and `x.to(torch.int64)` work and cost nothing to translate; they print as numpy names
("float32", not "torch.float32") — a documented difference. Tensor reprs and error messages
still spell them the torch way (`dtype=torch.int32`, "Long")."""

from __future__ import annotations

import builtins

import numpy as np

float32 = float = np.dtype("float32")
float64 = double = np.dtype("float64")
float16 = half = np.dtype("float16")
int64 = long = np.dtype("int64")
int32 = int = np.dtype("int32")
int16 = short = np.dtype("int16")
int8 = np.dtype("int8")
uint8 = np.dtype("uint8")
uint16 = np.dtype("uint16")
uint32 = np.dtype("uint32")
uint64 = np.dtype("uint64")
bool = np.dtype("bool")

_default_float = float32

# torch's scalar-type names, used in its error messages ("result type Float can't be cast ...")
_LEGACY = {float32: "Float", float64: "Double", float16: "Half", int64: "Long", int32: "Int",
           int16: "Short", int8: "Char", uint8: "Byte", bool: "Bool", uint16: "UInt16",
           uint32: "UInt32", uint64: "UInt64"}
# the C names torch prints in matmul's dtype error ("float != long int")
_C_NAMES = {float32: "float", float64: "double", float16: "c10::Half", int64: "long int",
            int32: "int", int16: "short int", int8: "signed char", uint8: "unsigned char",
            bool: "bool"}


def get_default_dtype() -> np.dtype:
    return _default_float


def set_default_dtype(d) -> None:
    global _default_float
    d = np.dtype(d)
    if d.kind != "f":
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def as_dtype(d) -> np.dtype | None:
    """torch dtype, numpy dtype, Python type or string -> np.dtype (None stays None)."""
    if d is None:
        return None
    if d is builtins.float:
        return _default_float
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    if isinstance(d, str) and d.startswith("torch."):
        d = d[len("torch."):]
    return np.dtype(d)


def torch_name(d) -> str:
    """'torch.float32': how torch prints a dtype."""
    return f"torch.{np.dtype(d).name}"


def legacy_name(d) -> str:
    """'Float', 'Long': torch's scalar-type names in error messages and tensor type strings."""
    d = np.dtype(d)
    return _LEGACY.get(d, d.name)


def c_name(d) -> str:
    d = np.dtype(d)
    return _C_NAMES.get(d, d.name)


def is_floating_point_dtype(d) -> builtins.bool:
    return np.dtype(d).kind == "f"


def promote_types(type1, type2) -> np.dtype:
    """torch.promote_types: the smallest dtype both convert to (category first, then size)."""
    a, b = as_dtype(type1), as_dtype(type2)
    if _category(a) == _category(b):
        return np.promote_types(a, b)
    return a if _category(a) > _category(b) else b


def _category(d: np.dtype) -> builtins.int:
    return {"b": 0, "u": 1, "i": 1, "f": 2}[d.kind]


def result_type(a, b) -> np.dtype:
    """torch's type promotion for a binary op. Dimensioned tensors win within a category; a
    scalar-like operand (a Python number or a 0-d tensor) only matters when its category is
    higher, and then a Python float means the default float (int tensor + 2.5 -> float32)."""
    da, a_scalar = _kind_of(a)
    db, b_scalar = _kind_of(b)
    if da == db:
        return da
    return _promote(a, b, da, a_scalar, db, b_scalar)


def _promote(a, b, da, a_scalar, db, b_scalar) -> np.dtype:
    if a_scalar == b_scalar:
        if _category(da) == _category(db):
            return np.promote_types(da, db)
        return da if _category(da) > _category(db) else db
    (tensor_d, _), (scalar_d, scalar) = ((da, a), (db, b)) if b_scalar else ((db, b), (da, a))
    if _category(scalar_d) <= _category(tensor_d):
        return tensor_d
    if isinstance(scalar, (builtins.float, np.floating)):
        return _default_float
    return scalar_d


def result_type_many(*operands) -> np.dtype:
    """result_type over several operands (torch.cat, torch.where): tensors with dims first, then
    0-d tensors, then Python numbers, each group only raising the category."""
    groups = ([x for x in operands if _kind_of(x)[1] is False],
              [x for x in operands if _is_zero_dim_tensor(x)],
              [x for x in operands if _is_number(x)])
    out = None
    for group in groups:
        for x in group:
            d = _kind_of(x)[0]
            if out is None or (group is groups[0] and _category(d) == _category(out)):
                out = d if out is None else np.promote_types(out, d)
            elif _category(d) > _category(out):
                out = d
    return out


def _is_number(x) -> builtins.bool:
    return isinstance(x, (builtins.bool, builtins.int, builtins.float, np.generic))


def _is_zero_dim_tensor(x) -> builtins.bool:
    return not _is_number(x) and x.ndim == 0


_PYTHON_KINDS = {builtins.bool: (bool, True), builtins.int: (int64, True)}


def _kind_of(x):
    """(dtype, is_scalar_like) of an operand: Python numbers and 0-d tensors are scalar-like."""
    kind = _PYTHON_KINDS.get(type(x))
    if kind is not None:
        return kind
    if isinstance(x, (builtins.float, np.floating)):  # numpy scalars act as Python numbers
        return _default_float, True
    if isinstance(x, (builtins.bool, np.bool_)):
        return bool, True
    if isinstance(x, (builtins.int, np.integer)):
        return int64, True
    a = getattr(x, "array", None)
    if a is not None:  # an eager tensor: read the array, not the (slower) properties
        return a.dtype, a.ndim == 0
    return x.dtype, len(x.shape) == 0


class finfo:
    """Mirrors torch.finfo: machine limits of a floating dtype (numpy's numbers)."""

    def __init__(self, type=None):
        d = as_dtype(_default_float if type is None else type)
        info = np.finfo(d)
        self.dtype, self.bits = d.name, info.bits
        self.eps, self.max, self.min = builtins.float(info.eps), builtins.float(info.max), \
            builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = builtins.float(info.resolution)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Mirrors torch.iinfo: the range of an integer dtype."""

    def __init__(self, type):
        d = as_dtype(type)
        info = np.iinfo(d)
        self.dtype, self.bits = d.name, info.bits
        self.min, self.max = builtins.int(info.min), builtins.int(info.max)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
