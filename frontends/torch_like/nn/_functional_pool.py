"""Pooling functions of torch.nn.functional: max/avg pooling (1-3-D) and adaptive pooling.

torch's indices (return_indices=True) count within each (sample, channel) plane; the IR's
MaxPool indices count over the whole tensor, so they are taken modulo the plane size.
"""

from __future__ import annotations

import math

from core_ir import ops

from .._tensor import call
from .modules._util import constant

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d",
    "adaptive_max_pool2d_with_indices",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool2d_with_indices",
    "max_pool3d",
    "max_pool3d_with_indices",
]


def _tuple(value, n: int) -> tuple:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    return value * n if len(value) == 1 else value


def _batched(input, n: int, name: str):
    if input.ndim not in (n + 1, n + 2) or 0 in tuple(input.shape[1:]):
        raise RuntimeError(f"{name}: Expected {n + 1}D or {n + 2}D (batch mode) tensor with "
                           f"optional 0 dim batch size for input, but got: "
                           f"{list(input.shape)}")
    if input.ndim == n + 2:
        return input, False
    return call(ops.unsqueeze, input, ops.const_ints([0])), True


def _unbatch(t, added: bool):
    return call(ops.squeeze, t, ops.const_ints([0])) if added else t


def _out_size(size, k, s, p, d, ceil_mode) -> int:
    span = size + 2 * p - d * (k - 1) - 1
    if not ceil_mode:
        return span // s + 1
    out = -(-span // s) + 1
    return out - 1 if (out - 1) * s >= size + p else out


def _check_output(x, n, k, s, p, d, ceil_mode) -> None:
    spatial = x.shape[2:]
    if not all(isinstance(v, int) for v in spatial):
        return
    out = [_out_size(*a, ceil_mode) for a in zip(spatial, k, s, p, d)]
    if any(o < 1 for o in out):
        c = x.shape[1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (c, *spatial)))}). "
                           f"Calculated output size: ({'x'.join(map(str, (c, *out)))}). Output "
                           "size is too small")


def _plane_indices(indices, x):
    """Flat indices into the whole tensor -> flat indices within each (N, C) plane."""
    plane = math.prod(x.shape[2:])
    return call(ops.mod, indices, constant(plane, indices.dtype))


def _window(n, kernel_size, stride, padding, dilation):
    k = _tuple(kernel_size, n)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else _tuple(stride, n)
    return k, s, _tuple(padding, n), _tuple(dilation, n)


def _max_pool(n, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, added = _batched(input, n, f"max_pool{n}d")
    k, s, p, d = _window(n, kernel_size, stride, padding, dilation)
    for kk, pp, dd in zip(k, p, d):
        if pp > ((kk - 1) * dd + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={pp}, kernel_size={kk} and dilation={dd}")
    _check_output(x, n, k, s, p, d, ceil_mode)
    y, idx = call(ops.max_pool, x, kernel_shape=k, strides=s, pads=list(p) * 2, dilations=d,
                  ceil_mode=int(bool(ceil_mode)))
    if not return_indices:
        return _unbatch(y, added)
    return _unbatch(y, added), _unbatch(_plane_indices(idx, x), added)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows of (N, C, L); stride defaults to kernel_size; padding counts
    as -inf. With return_indices, also the flat index of each max within its L."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows of (N, C, H, W); indices count within each H*W plane."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _avg_pool(n, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    x, added = _batched(input, n, f"avg_pool{n}d")
    k, s, p, d = _window(n, kernel_size, stride, padding, 1)
    if any(pp > kk // 2 for pp, kk in zip(p, k)):
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but "
                           f"got padding={list(p)}, kernel_size={list(k)}")
    _check_output(x, n, k, s, p, d, ceil_mode)
    if divisor_override is not None:
        return _unbatch(_sum_pool(x, n, k, s, p, ceil_mode, divisor_override), added)
    y = call(ops.average_pool, x, kernel_shape=k, strides=s, pads=list(p) * 2,
             ceil_mode=int(bool(ceil_mode)), count_include_pad=int(bool(count_include_pad)))
    return _unbatch(y, added)


def _sum_pool(x, n, k, s, p, ceil_mode, divisor):
    """Window sums / divisor: the padded-mean times the window size, which is exact while every
    window lies inside the padded input (ceil_mode windows past the end would not be)."""
    if divisor == 0:
        raise RuntimeError("divisor must be not zero")
    if ceil_mode and any(_out_size(v, kk, ss, pp, 1, True) != _out_size(v, kk, ss, pp, 1, False)
                         for v, kk, ss, pp in zip(x.shape[2:], k, s, p)):
        raise ValueError("avg_pool with divisor_override and ceil_mode=True is not supported "
                         "in duet when a window extends past the padded input")
    y = call(ops.average_pool, x, kernel_shape=k, strides=s, pads=list(p) * 2,
             count_include_pad=1)
    return y * constant(math.prod(k) / divisor, x.dtype)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over sliding windows of (N, C, L); count_include_pad=True (torch's default)
    divides by the window size including zero padding."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over sliding windows of (N, C, H, W); divisor_override replaces the divisor."""
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


# -- adaptive ---------------------------------------------------------------------------------------
def _adaptive_input(input, n: int, name: str):
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{name}(): Expected {n + 1}D or {n + 2}D tensor, but got "
                           f"{list(input.shape)}")
    if input.ndim == n + 2:
        return input, False
    return call(ops.unsqueeze, input, ops.const_ints([0])), True


def _output_size(output_size, x, n: int) -> tuple:
    sizes = _tuple(output_size, n)
    return tuple(x.shape[2 + i] if o is None else o for i, o in enumerate(sizes))


def _adaptive_avg(n, input, output_size):
    x, added = _adaptive_input(input, n, f"adaptive_avg_pool{n}d")
    y = call(ops.adaptive_average_pool, x, output_size=_output_size(output_size, x, n))
    return _unbatch(y, added)


def adaptive_avg_pool1d(input, output_size):
    """Mean over output_size bins: bin i covers [floor(i*L/out), ceil((i+1)*L/out))."""
    return _adaptive_avg(1, input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Mean over an (oH, oW) grid of bins (None keeps that input size)."""
    return _adaptive_avg(2, input, output_size)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg(3, input, output_size)


def _adaptive_max(n, input, output_size, return_indices):
    x, added = _adaptive_input(input, n, f"adaptive_max_pool{n}d")
    y, idx = call(ops.adaptive_max_pool, x, output_size=_output_size(output_size, x, n))
    if not return_indices:
        return _unbatch(y, added)
    return _unbatch(y, added), _unbatch(_plane_indices(idx, x), added)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _adaptive_max(1, input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over an (oH, oW) grid of bins; indices count within each H*W plane."""
    return _adaptive_max(2, input, output_size, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool2d(input, output_size, True)
