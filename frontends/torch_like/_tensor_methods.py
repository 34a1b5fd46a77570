"""Tensor methods: conversions (.to/.float/.long/.type/...), clone/contiguous, in-place
fillers (zero_, fill_, copy_, fill_diagonal_), new_* constructors, and every torch function
that is also a method (x.sum(), x.view(), ...) with its in-place twin (x.add_(), ...)."""

from __future__ import annotations

import numpy as np

import core_ir
from core_ir import ops

from . import (_dtypes, _join_ops, _linalg, _math_ops, _reductions, _select_ops, _shape_ops,
               _sorting, _tensor_ops, _trig_ops)
from ._creation import LEGACY_TYPES
from ._creation import tensor as _new_tensor
from ._tensor import Tensor, as_operand, call, check_device, const_ints
from ._tensor import device as _device
from ._tensor_ops_inplace import apply_inplace, assign_inplace, inplace

# -- conversions ----------------------------------------------------------------------------------


def _parse_to(args, kwargs):
    """(dtype, device, copy) from torch's overloads: to(dtype), to(device[, dtype]),
    to(tensor), keyword dtype=/device=/copy=/non_blocking=."""
    dtype, dev = kwargs.get("dtype"), kwargs.get("device")
    for a in args:
        if isinstance(a, Tensor):
            dtype, dev = a.dtype, "cpu"
        elif isinstance(a, (_device, str)) and not str(a).startswith("torch.") and \
                str(a).partition(":")[0] in ("cpu", "cuda", "mps", "meta", "xpu"):
            dev = a
        elif isinstance(a, int) and not isinstance(a, bool):
            dev = a  # a CUDA device index
        elif a is not None:
            dtype = a
    return _dtypes.as_dtype(dtype), dev, kwargs.get("copy", False)


def to(self, *args, **kwargs):
    dtype, dev, copy = _parse_to(args, kwargs)
    check_device(dev)
    if dtype is not None and dtype != self.dtype:
        return call(ops.cast, self, to=dtype)
    return clone(self) if copy else self


def _caster(dtype):
    def convert(self, memory_format=None):
        return self if self.dtype == dtype else call(ops.cast, self, to=dtype)
    return convert


def type(self, dtype=None, non_blocking: bool = False):
    """No argument: the legacy type name ('torch.FloatTensor'); else a cast."""
    if dtype is None:
        return f"torch.{_dtypes.legacy_name(self.dtype)}Tensor"
    if isinstance(dtype, str) and dtype.endswith("Tensor"):
        name = dtype.rpartition(".")[2]
        dtype = next(t.dtype for t in LEGACY_TYPES.values() if t.__name__ == name)
    elif getattr(dtype, "dtype", None) is not None and dtype in LEGACY_TYPES.values():
        dtype = dtype.dtype
    return to(self, _dtypes.as_dtype(dtype))


def type_as(self, other):
    return to(self, other.dtype)


def cpu(self, memory_format=None):
    return self


def cuda(self, device=None, non_blocking: bool = False, memory_format=None):
    check_device("cuda" if device is None else device if not isinstance(device, int) else
                 f"cuda:{device}")
    return self


def clone(self, *, memory_format=None):
    """A copy with its own memory that stays in the graph (CloneBackward0)."""
    out = call(ops.identity, self)
    if out.array is not None:
        out.array = np.array(out.array, copy=True)
    return out


def contiguous(self, memory_format=None):
    if self.is_contiguous():
        return self
    out = call(ops.identity, self)
    out.array = np.ascontiguousarray(out.array)
    return out


def data_ptr(self) -> int:
    return np.asarray(self.array).__array_interface__["data"][0]


def stride(self, dim=None):
    a = np.asarray(self.array)
    strides = tuple(s // a.itemsize for s in a.strides)
    return strides if dim is None else strides[dim]


def _t_prop(self):
    if self.ndim != 2 and self.ndim != 0:
        return _shape_ops.permute(self, *reversed(range(self.ndim)))
    return _shape_ops.t(self)


def _mt_prop(self):
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self.ndim}-D tensor.")
    return _shape_ops.transpose(self, -2, -1)


# -- in-place fillers -----------------------------------------------------------------------------


def _overwrite(self, value):
    """self = value (broadcast to self's shape, cast to its dtype), in place. While recording,
    and if self or value requires grad, self stays in the graph as torch's does: the old value
    gets a zero gradient and value the incoming one (a where() on a constant True)."""
    value = value if value.dtype == self.dtype else call(ops.cast, value, to=self.dtype)
    if core_ir.is_grad_enabled() and (self.requires_grad or value.requires_grad):
        keep = as_operand(True, _dtypes.bool)
        return apply_inplace(self, lambda source: call(ops.where, keep, value, source))
    value = call(ops.expand, value, const_ints(tuple(self.shape)))
    if value.array is not None:
        value.array = np.array(value.array)  # its own memory, not a view of the source
    return assign_inplace(self, value)


def zero_(self):
    return _overwrite(self, Tensor(np.zeros((), self.dtype)))


def fill_(self, value):
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.ndim} dimensions.")
    if not isinstance(value, Tensor):
        value = Tensor(np.asarray(value).astype(self.dtype))
    return _overwrite(self, value)


def copy_(self, src, non_blocking: bool = False):
    """self's values become src's (broadcast, cast to self's dtype); differentiable in src."""
    src = src if isinstance(src, Tensor) else Tensor(np.asarray(src))
    _shape_ops.expanded_shape(tuple(src.shape), tuple(self.shape), src.dtype)  # torch's errors
    return _overwrite(self, src)


def fill_diagonal_(self, fill_value, wrap: bool = False):
    if self.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    shape = tuple(self.shape)
    if self.ndim > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if self.ndim == 2 and wrap:
        positions = np.arange(0, self.numel(), shape[1] + 1)
        index = (positions // shape[1], positions % shape[1])
    else:
        n = min(shape)
        index = tuple(np.arange(n) for _ in shape)
    self[tuple(Tensor(i.astype(np.int64)) for i in index)] = fill_value
    return self


def apply_(self, callable):
    """Apply a Python function to every element, in place (CPU only, no gradient)."""
    values = np.vectorize(callable, otypes=[self.dtype])(np.asarray(self.array))
    return assign_inplace(self, Tensor(values.astype(self.dtype)))


def unfold(self, dimension: int, size: int, step: int):
    """Sliding windows of `size` every `step` along dimension, as a new last axis."""
    d = _shape_ops.norm_dim(dimension, self.ndim)
    n = (self.shape[d] - size) // step + 1
    index = (np.arange(n)[:, None] * step + np.arange(size)[None, :]).astype(np.int64)
    windows = call(ops.gather, self, Tensor(index), axis=d)  # (..., n, size, ...)
    return _shape_ops.movedim(windows, d + 1, -1)


# -- new_* ----------------------------------------------------------------------------------------


def new_tensor(self, data, *, dtype=None, device=None, requires_grad: bool = False):
    return _new_tensor(data, dtype=dtype or self.dtype, device=device,
                       requires_grad=requires_grad)


def _new_filled(value):
    def make(self, *size, dtype=None, device=None, requires_grad: bool = False, **_):
        check_device(device)
        shape = _shape_ops.size_args(size)
        t = Tensor(np.full(shape, value, _dtypes.as_dtype(dtype) or self.dtype))
        return t.requires_grad_(True) if requires_grad else t
    return make


def new(self, *args, device=None):
    """Legacy x.new(...): torch.Tensor's constructor forms, in self's dtype."""
    check_device(device)
    if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)):
        return Tensor(np.array(args[0], dtype=self.dtype))
    return Tensor(np.zeros(_shape_ops.size_args(args) if args else (0,), self.dtype))


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False):
    check_device(device)
    t = Tensor(np.full(tuple(size), fill_value, _dtypes.as_dtype(dtype) or self.dtype))
    return t.requires_grad_(True) if requires_grad else t


def addcmul(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 * tensor2 if value != 1 else input + tensor1 * tensor2


def addcdiv(input, tensor1, tensor2, *, value=1):
    return input + value * (tensor1 / tensor2) if value != 1 else input + tensor1 / tensor2


def where_method(self, condition, other):
    return _select_ops.where(condition, self, other)


# -- installation ---------------------------------------------------------------------------------

# torch functions that are also methods (the tensor is their first argument)
_FROM_MODULES = {
    _tensor_ops: "add sub mul div true_divide floor_divide remainder fmod pow float_power eq ne "
                 "lt le gt ge less less_equal greater greater_equal not_equal equal logical_not "
                 "logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor "
                 "bitwise_not neg",
    _trig_ops: "tan asin acos atan atan2 arcsin arccos arctan arctan2 sinh cosh asinh acosh "
               "atanh",
    _math_ops: "exp exp2 expm1 log log2 log10 log1p sqrt rsqrt square abs absolute sign sgn "
               "sin cos tanh sigmoid logit relu erf reciprocal floor ceil round trunc fix "
               "frac isnan isinf isposinf isneginf isfinite isclose allclose nan_to_num "
               "maximum minimum fmax fmin lerp hypot logaddexp xlogy softmax log_softmax "
               "deg2rad rad2deg",
    _linalg: "matmul mm bmm mv dot outer ger addmm addmv baddbmm addbmm diag diagonal trace",
    _shape_ops: "view view_as reshape reshape_as flatten unflatten squeeze unsqueeze permute "
                "transpose swapaxes swapdims t movedim moveaxis expand expand_as broadcast_to "
                "repeat tile repeat_interleave flip fliplr flipud roll rot90",
    _join_ops: "split chunk tensor_split unbind narrow select hsplit vsplit",
    _select_ops: "gather scatter scatter_add scatter_reduce index_select index_add index_copy "
                 "index_fill masked_fill masked_select take take_along_dim clamp clip "
                 "clamp_min clamp_max tril triu",
    _reductions: "sum nansum mean nanmean prod max min amax amin aminmax argmax argmin all any "
                 "count_nonzero var std norm logsumexp cumsum cumprod cummax cummin median",
    _sorting: "sort argsort msort topk kthvalue unique unique_consecutive nonzero argwhere "
              "bincount",
}

# methods with a trailing-underscore in-place form
_INPLACE = ("add sub mul div true_divide floor_divide remainder fmod pow float_power neg exp "
            "expm1 log log2 log10 log1p sqrt rsqrt square abs absolute sign sin cos tan asin "
            "acos atan atan2 sinh cosh tanh asinh acosh atanh sigmoid logit relu erf reciprocal "
            "floor ceil round trunc fix frac nan_to_num lerp hypot xlogy clamp clip clamp_min "
            "clamp_max masked_fill index_fill index_add index_copy scatter scatter_add "
            "scatter_reduce tril triu t transpose swapaxes swapdims unsqueeze squeeze "
            "logical_not logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor "
            "bitwise_not addcmul addcdiv eq ne lt le gt ge deg2rad rad2deg cumsum cumprod")

_RESHAPING = {"t", "transpose", "swapaxes", "swapdims", "unsqueeze", "squeeze"}

_CONVERSIONS = {"float": _dtypes.float32, "double": _dtypes.float64, "half": _dtypes.float16,
                "long": _dtypes.int64, "int": _dtypes.int32, "short": _dtypes.int16,
                "char": _dtypes.int8, "byte": _dtypes.uint8, "bool": _dtypes.bool}


def _install() -> None:
    for module, names in _FROM_MODULES.items():
        for name in names.split():
            setattr(Tensor, name, getattr(module, name))
    for name, fn in {"to": to, "type": type, "type_as": type_as, "cpu": cpu, "cuda": cuda,
                     "clone": clone, "contiguous": contiguous, "data_ptr": data_ptr,
                     "stride": stride, "zero_": zero_, "fill_": fill_, "copy_": copy_,
                     "fill_diagonal_": fill_diagonal_, "apply_": apply_, "unfold": unfold,
                     "new_tensor": new_tensor, "new_zeros": _new_filled(0),
                     "new_ones": _new_filled(1), "new_empty": _new_filled(0),
                     "new_full": new_full, "new": new, "diff": _join_ops.diff,
                     "addcmul": addcmul, "addcdiv": addcdiv,
                     "where": where_method, "pin_memory": cpu, "bernoulli": _bernoulli,
                     "multinomial": _multinomial}.items():
        setattr(Tensor, name, fn)
    for name, dtype in _CONVERSIONS.items():
        setattr(Tensor, name, _caster(dtype))
    for name in _INPLACE.split():
        setattr(Tensor, f"{name}_", inplace(getattr(Tensor, name), name in _RESHAPING))
    Tensor.T = property(_t_prop)
    Tensor.mT = property(_mt_prop)
    Tensor.H = property(_t_prop)  # real tensors: the conjugate transpose is the transpose
    Tensor.mH = property(_mt_prop)


def _bernoulli(self, p=None, *, generator=None):
    from ._random import bernoulli
    return bernoulli(self, p, generator=generator)


def _multinomial(self, num_samples, replacement=False, *, generator=None):
    from ._random import multinomial
    return multinomial(self, num_samples, replacement, generator=generator)


_install()
