"""Dropout, embedding, one_hot and pixel shuffles of torch.nn.functional."""

from __future__ import annotations

import warnings

import numpy as np

import core_ir
from core_ir import ops

from .. import _dtypes
from .._tensor import call
from .._tensor_ops import assign_inplace
from .modules._util import constant, scalar_name

__all__ = [
    "alpha_dropout",
    "dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "embedding",
    "one_hot",
    "pixel_shuffle",
    "pixel_unshuffle",
]


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _out(input, y, inplace: bool):
    return assign_inplace(input, y) if inplace else y


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Inverted dropout: when training, zero each element with probability p and scale the
    rest by 1 / (1 - p); otherwise the identity."""
    _check_p(p)
    if not training or p == 0:
        return input
    y = call(ops.dropout, input, constant(p, input.dtype), constant(True, _dtypes.bool))[0]
    return _out(input, y, inplace)


def _feature_dropout(input, p: float, training: bool, inplace: bool, batched: bool):
    """Zero whole channels: one Bernoulli draw per (sample, channel), broadcast over the rest."""
    _check_p(p)
    if not training or p == 0:
        return input
    lead = 2 if batched else 1
    shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    if p == 1:
        return _out(input, input * constant(0.0, input.dtype), inplace)
    keep = constant(np.full(shape, 1.0 - p), input.dtype)
    mask = call(ops.bernoulli, keep)
    return _out(input, input * (mask * constant(1.0 / (1.0 - p), input.dtype)), inplace)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Channel dropout for (N, C, L) or unbatched (C, L) inputs."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D "
                           "input. Note that dropout1d exists to provide channel-wise dropout "
                           "on inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, input.ndim == 3)


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Channel dropout for (N, C, H, W) inputs; a 3-D input is taken as (N, C, L), as torch
    does (with its warning)."""
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. Note "
                      "that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 3D or 4D inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape (C, "
                      "H, W). To maintain the 1D channel-wise dropout behavior, please switch to "
                      "using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, input.ndim >= 2)


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Channel dropout for (N, C, D, H, W) or unbatched (C, D, H, W) inputs."""
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is "
                      "deprecated and will result in an error in a future release.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, input.ndim == 5)


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """SELU-preserving dropout: dropped units take the SELU saturation value, then an affine
    map restores zero mean and unit variance."""
    _check_p(p)
    if not training or p == 0:
        return input
    if p == 1:
        return _out(input, input * constant(0.0, input.dtype), inplace)
    alpha_p = -1.7580993408473766  # -selu_alpha * selu_scale, the negative saturation value
    a = (1.0 / ((1 - p) * (1 + p * alpha_p ** 2))) ** 0.5
    b = -a * alpha_p * p
    keep = call(ops.bernoulli, constant(np.full(tuple(input.shape), 1.0 - p), input.dtype))
    dropped = constant(1.0, input.dtype) - keep
    y = (input * keep + dropped * constant(alpha_p, input.dtype)) * constant(a, input.dtype)
    return _out(input, y + constant(b, input.dtype), inplace)


# -- embedding ------------------------------------------------------------------------------------
def _normalize_padding_idx(padding_idx, num: int):
    if padding_idx is None:
        return None
    if padding_idx > 0 and padding_idx >= num:
        raise AssertionError("Padding_idx must be within num_embeddings")
    if padding_idx < 0:
        if padding_idx < -num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx += num
    return padding_idx


def _renorm_rows(weight, input, max_norm: float, norm_type: float) -> None:
    """torch.embedding_renorm_: rows looked up whose norm exceeds max_norm are rescaled in place
    (outside autograd) to max_norm."""
    rows = np.unique(np.asarray(input.array).reshape(-1))
    w = np.asarray(weight.array)
    norms = np.linalg.norm(w[rows].astype(np.float64), ord=norm_type, axis=1)
    big = norms > max_norm
    w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
    weight.version += 1


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False):
    """Rows of weight at the indices in input: output shape input.shape + (embedding_dim,).
    The padding_idx row receives no gradient. Difference: sparse=True still gives a dense
    gradient; scale_grad_by_freq is not supported (ValueError)."""
    if input.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"torch.{scalar_name(input.dtype)}Tensor instead (while checking "
                           "arguments for embedding)")
    if scale_grad_by_freq:
        raise ValueError("embedding: scale_grad_by_freq=True is not supported by duet")
    num = weight.shape[0]
    padding_idx = _normalize_padding_idx(padding_idx, num)
    concrete = input.array is not None
    if concrete and input.array.size and (input.array.min() < 0 or input.array.max() >= num):
        raise IndexError("index out of range in self")
    if max_norm is not None and concrete:
        _renorm_rows(weight, input, max_norm, norm_type)
    idx = input if input.dtype == _dtypes.int64 else call(ops.cast, input, to=_dtypes.int64)
    y = call(ops.gather, weight, idx, axis=0)
    if padding_idx is None or not y.requires_grad:
        return y
    at_pad = call(ops.equal, idx, constant(padding_idx, _dtypes.int64))
    at_pad = call(ops.unsqueeze, at_pad, ops.const_ints([-1]))
    return call(ops.where, at_pad, y.detach(), y)  # the padding row's gradient is zero


def one_hot(tensor, num_classes: int = -1):
    """Int64 one-hot vectors along a new last dim; num_classes=-1 means max(tensor) + 1."""
    if tensor.dtype != _dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    values = tensor.array
    if num_classes == -1:
        if values is None:
            raise RuntimeError("one_hot needs num_classes when the values are not known "
                               "(while tracing)")
        if values.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(values.max()) + 1
    if values is not None and values.size:
        if values.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if values.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    with core_ir.no_grad():
        return call(ops.one_hot, tensor, ops.const_ints([num_classes]), ops.const_ints([0, 1]),
                    axis=-1)


# -- pixel shuffles ------------------------------------------------------------------------------
def _reshape(x, shape):
    return call(ops.reshape, x, ops.const_ints(list(shape)))


def pixel_shuffle(input, upscale_factor: int):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    r = upscale_factor
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    k = len(batch)
    x = _reshape(input, (*batch, c // (r * r), r, r, h, w))
    perm = (*range(k), k, k + 3, k + 1, k + 4, k + 2)
    x = call(ops.transpose, x, perm=perm)
    return _reshape(x, (*batch, c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor: int):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    r = downscale_factor
    *batch, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by "
                           f"downscale_factor, but got input of size {list(input.shape)} and "
                           f"downscale_factor={r}")
    k = len(batch)
    x = _reshape(input, (*batch, c, h // r, r, w // r, r))
    perm = (*range(k), k, k + 2, k + 4, k + 1, k + 3)
    x = call(ops.transpose, x, perm=perm)
    return _reshape(x, (*batch, c * r * r, h // r, w // r))
