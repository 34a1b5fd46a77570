"""Normalization and distance functions of torch.nn.functional: batch_norm, instance_norm,
layer_norm, group_norm, normalize, cosine_similarity, pairwise_distance.

torch's BatchNorm momentum m updates running = (1 - m) * running + m * batch and stores the
unbiased batch variance; the IR op takes the ONNX/Keras form, so it gets momentum 1 - m and
running_var_unbiased=1 (CONVENTIONS.md).
"""

from __future__ import annotations

import math

import numpy as np

import core_ir
from core_ir import ops

from .._tensor import Tensor, call
from .modules._util import constant

__all__ = [
    "batch_norm",
    "cosine_similarity",
    "group_norm",
    "instance_norm",
    "layer_norm",
    "normalize",
    "pairwise_distance",
]


def _filled(value: float, n, dtype) -> Tensor:
    return constant(np.full((n,), value), dtype)


def _verify_batch_size(size) -> None:
    if math.prod(size[:1] + size[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"torch.Size({list(size)})")


def _check_stat(name: str, t, channels) -> None:
    if t is not None and math.prod(t.shape) != channels:
        raise RuntimeError(f"{name} should contain {channels} elements not "
                           f"{math.prod(t.shape)}")


def _update(buffer, new) -> None:
    """Write a running statistic in place (a graph update while tracing)."""
    with core_ir.no_grad():
        core_ir.assign(buffer, new if new.dtype == buffer.dtype else
                       call(ops.cast, new, to=buffer.dtype))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel (dim 1). Training uses the
    batch statistics and updates running_mean/running_var in place (momentum, unbiased var);
    otherwise the running statistics are used."""
    if input.ndim < 2:
        raise ValueError(f"Expected 2D or higher input to batch_norm (got {input.ndim}D input)")
    c = input.shape[1]
    if training:
        _verify_batch_size(tuple(input.shape))
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_stat(name, t, c)
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    dt = input.dtype
    w = weight if weight is not None else _filled(1.0, c, dt)
    b = bias if bias is not None else _filled(0.0, c, dt)
    mean = running_mean if running_mean is not None else _filled(0.0, c, dt)
    var = running_var if running_var is not None else _filled(1.0, c, dt)
    out = call(ops.batch_normalization, input, w, b, mean, var, epsilon=eps,
               momentum=1.0 - momentum, training_mode=int(bool(training)), axis=1,
               running_var_unbiased=1)
    if training and running_mean is not None:
        _update(running_mean, out[1])
    if training and running_var is not None:
        _update(running_var, out[2])
    return out[0]


def _spatial(x):
    return ops.const_ints(list(range(2, x.ndim)))


def _update_instance_stats(x, running_mean, running_var, momentum: float) -> None:
    """torch: each (sample, channel) plane updates the running stats as a BatchNorm channel
    would (unbiased variance), then the per-sample results are averaged over the batch."""
    with core_ir.no_grad():
        axes = _spatial(x)
        n = math.prod(x.shape[2:])
        mean = call(ops.reduce_mean, x, axes, keepdims=0)
        centered = x - call(ops.reduce_mean, x, axes, keepdims=1)
        var = call(ops.reduce_mean, centered * centered, axes, keepdims=0)
        var = var * constant(n / (n - 1), x.dtype)
        batch = ops.const_ints([0])
        m = constant(momentum, x.dtype)
        keep = constant(1 - momentum, x.dtype)
        if running_mean is not None:
            _update(running_mean, running_mean * keep + call(ops.reduce_mean, mean, batch,
                                                                keepdims=0) * m)
        if running_var is not None:
            _update(running_var, running_var * keep + call(ops.reduce_mean, var, batch,
                                                              keepdims=0) * m)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalize each (sample, channel) plane of an (N, C, ...) input over its spatial dims;
    with use_input_stats=False use the running statistics instead."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher input to instance_norm (got {input.ndim}D "
                         "input)")
    c = input.shape[1]
    if use_input_stats and math.prod(input.shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"torch.Size({list(input.shape)})")
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    dt = input.dtype
    w = weight if weight is not None else _filled(1.0, c, dt)
    b = bias if bias is not None else _filled(0.0, c, dt)
    y = call(ops.instance_normalization, input, w, b, epsilon=eps)
    if running_mean is not None or running_var is not None:
        _update_instance_stats(input, running_mean, running_var, momentum)
    return y


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the trailing dims given by normalized_shape, then scale and shift
    elementwise. Raises RuntimeError when the input's trailing dims differ."""
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if input.ndim < len(ns) or tuple(input.shape[input.ndim - len(ns):]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*, {', '.join(map(str, ns))}], but got input of size"
                           f"{list(input.shape)}")
    scale = weight if weight is not None else constant(np.ones(ns), input.dtype)
    return call(ops.layer_normalization, input, scale, bias, axis=-len(ns), epsilon=eps)[0]


def group_norm(input, num_groups: int, weight=None, bias=None, eps=1e-5):
    """Normalize over groups of channels (and the spatial dims), then a per-channel affine."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    c = input.shape[1]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    _verify_batch_size([input.shape[0] * c // num_groups, num_groups, *input.shape[2:]])
    dt = input.dtype
    w = weight if weight is not None else _filled(1.0, c, dt)
    b = bias if bias is not None else _filled(0.0, c, dt)
    return call(ops.group_normalization, input, w, b, num_groups=num_groups, epsilon=eps)


# -- norms and distances ----------------------------------------------------------------------------
def vector_norm(x, p: float, dim, keepdim: bool):
    """The p-norm of x over dim (an int or a list)."""
    axes = ops.const_ints([dim] if isinstance(dim, int) else list(dim))
    keep = int(bool(keepdim))
    if p == 2:
        return call(ops.reduce_l2, x, axes, keepdims=keep)
    if p == 1:
        return call(ops.reduce_l1, x, axes, keepdims=keep)
    if p == math.inf:
        return call(ops.reduce_max, call(ops.abs_, x), axes, keepdims=keep)
    if p == -math.inf:
        return call(ops.reduce_min, call(ops.abs_, x), axes, keepdims=keep)
    if p == 0:
        nonzero = call(ops.cast, call(ops.not_, call(ops.equal, x, ops.const_like(0, x))),
                       to=x.dtype)
        return call(ops.reduce_sum, nonzero, axes, keepdims=keep)
    powered = call(ops.pow, call(ops.abs_, x), ops.const_like(p, x))
    return call(ops.pow, call(ops.reduce_sum, powered, axes, keepdims=keep),
                ops.const_like(1.0 / p, x))


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):
    """input / max(||input||_p over dim, eps)."""
    norm = vector_norm(input, p, dim, True)
    y = input / call(ops.clip, norm, ops.const_like(eps, norm))
    if out is not None:
        from .._tensor_ops import assign_inplace
        return assign_inplace(out, y)
    return y


def _clamped_norm(x, dim: int, eps: float):
    """||x|| clamped below at eps in value; torch clamps in place under no_grad, so the
    gradient is the unclamped norm's."""
    n = vector_norm(x, 2, dim, True)
    with core_ir.no_grad():
        shift = call(ops.clip, n, ops.const_like(eps, n)) - n
    return n + shift.detach()


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """sum(x1 / ||x1|| * x2 / ||x2||) over dim, each norm clamped below at eps."""
    a = x1 / _clamped_norm(x1, dim, eps)
    b = x2 / _clamped_norm(x2, dim, eps)
    return call(ops.reduce_sum, a * b, ops.const_ints([dim]), keepdims=0)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """||x1 - x2 + eps||_p over the last dim."""
    diff = x1 - x2 + eps
    return vector_norm(diff, p, -1 if diff.ndim else 0, keepdim) if diff.ndim else \
        call(ops.abs_, diff)
