"""Cases for the pooling ops and their private gradients.

The references walk the output cells one at a time: each window's input positions are listed,
positions outside the input are dropped (max: -inf never wins; average: they count only with
count_include_pad, and only inside the explicit pads), the first maximum in tap order wins, as
in torch. Adaptive bins use torch's start = floor(i * n / out), end = ceil((i + 1) * n / out).
"""

from __future__ import annotations

import itertools
import math
from functools import partial

import numpy as np

from core_ir import ops

from . import OpCase, rand

TOL = {"rtol": 1e-5, "atol": 1e-5}


def _out_size(n, b, e, k, s, d, ceil_mode):
    span = (n + b + e - (k - 1) * d - 1) / s
    out = (math.ceil(span) if ceil_mode else math.floor(span)) + 1
    # a window may not start in the end padding
    return out - 1 if ceil_mode and (out - 1) * s >= n + b else out


def _windows(shape, kernel, strides, pads, dilations, ceil_mode):
    """Yield (output cell, list of per-axis tap positions) for every window."""
    dilations = dilations or (1,) * len(kernel)
    out = [_out_size(n, b, e, k, s, d, ceil_mode)
           for n, (b, e), k, s, d in zip(shape, pads, kernel, strides, dilations)]
    for cell in itertools.product(*(range(o) for o in out)):
        yield cell, out, [[p * s - b + t * d for t in range(k)]
                          for p, s, (b, _), k, d in zip(cell, strides, pads, kernel, dilations)]


def max_pool_ref(x, *, kernel, strides, pads, dilations=None, ceil_mode=0, storage_order=0,
                 nhwc=False):
    xc = np.moveaxis(x, -1, 1) if nhwc else x
    n, c, spatial = xc.shape[0], xc.shape[1], xc.shape[2:]
    ys, idx = {}, {}
    for cell, out, positions in _windows(spatial, kernel, strides, pads, dilations, ceil_mode):
        taps = [t for t in itertools.product(*positions)
                if all(0 <= p < size for p, size in zip(t, spatial))]
        values = np.stack([xc[(slice(None), slice(None), *t)] for t in taps], axis=-1)
        first = values.argmax(axis=-1)  # argmax returns the first maximum
        ys[cell] = values.max(axis=-1)
        idx[cell] = np.array(taps)[first]  # (N, C, rank) positions of the winners
    y = np.zeros((n, c, *out), x.dtype)
    flat = np.zeros((n, c, *out), np.int64)
    nn, cc = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    for cell, value in ys.items():
        y[(slice(None), slice(None), *cell)] = value
        pos = [idx[cell][..., i] for i in range(len(spatial))]
        if storage_order:  # ONNX: the spatial dims count column-major among themselves
            within = np.ravel_multi_index(pos[::-1], spatial[::-1])
            flat[(slice(None), slice(None), *cell)] = (
                (nn * math.prod(spatial) + within) * c + cc if nhwc
                else (nn * c + cc) * math.prod(spatial) + within)
        elif nhwc:
            flat[(slice(None), slice(None), *cell)] = np.ravel_multi_index(
                (nn, *pos, cc), x.shape)
        else:
            flat[(slice(None), slice(None), *cell)] = np.ravel_multi_index((nn, cc, *pos), x.shape)
    return (np.moveaxis(y, 1, -1) if nhwc else y), (np.moveaxis(flat, 1, -1) if nhwc else flat)


def _average_weights(spatial, kernel, strides, pads, dilations, ceil_mode, count_include_pad):
    """Yield (output cell, inside taps, divisor)."""
    for cell, _, positions in _windows(spatial, kernel, strides, pads, dilations, ceil_mode):
        taps = list(itertools.product(*positions))
        inside = [t for t in taps if all(0 <= p < n for p, n in zip(t, spatial))]
        if count_include_pad:
            divisor = sum(all(-b <= p < n + e for p, n, (b, e) in zip(t, spatial, pads))
                          for t in taps)
        else:
            divisor = len(inside)
        yield cell, inside, divisor


def _pool_out(spatial, kernel, strides, pads, dilations, ceil_mode):
    dilations = dilations or (1,) * len(kernel)
    return [_out_size(n, b, e, k, s, d, ceil_mode)
            for n, (b, e), k, s, d in zip(spatial, pads, kernel, strides, dilations)]


def average_pool_ref(x, *, kernel, strides, pads, dilations=None, ceil_mode=0,
                     count_include_pad=0, nhwc=False):
    xc = (np.moveaxis(x, -1, 1) if nhwc else x).astype(np.float64)
    spatial = xc.shape[2:]
    y = np.zeros((*xc.shape[:2], *_pool_out(spatial, kernel, strides, pads, dilations,
                                             ceil_mode)))
    for cell, inside, divisor in _average_weights(spatial, kernel, strides, pads, dilations,
                                                  ceil_mode, count_include_pad):
        total = sum(xc[(slice(None), slice(None), *t)] for t in inside)
        y[(slice(None), slice(None), *cell)] = total / divisor
    return np.moveaxis(y, 1, -1) if nhwc else y


def average_pool_grad_ref(g, x, *, kernel, strides, pads, dilations=None, ceil_mode=0,
                          count_include_pad=0):
    """The adjoint of average_pool_ref: each output's g, shared out over its window."""
    dx = np.zeros(x.shape)
    for cell, inside, divisor in _average_weights(x.shape[2:], kernel, strides, pads, dilations,
                                                  ceil_mode, count_include_pad):
        for t in inside:
            dx[(slice(None), slice(None), *t)] += g[(slice(None), slice(None), *cell)] / divisor
    return dx


def max_pool_grad_ref(g, indices, x):
    dx = np.zeros(x.size)
    np.add.at(dx, indices.ravel(), g.ravel())
    return dx.reshape(x.shape)


def _bins(n, out):
    return [(math.floor(i * n / out), math.ceil((i + 1) * n / out)) for i in range(out)]


def _bin_cells(spatial, output_size):
    for cell in itertools.product(*(range(o) for o in output_size)):
        yield cell, tuple(slice(*_bins(n, o)[i]) for n, o, i in zip(spatial, output_size, cell))


def adaptive_average_ref(x, *, output_size, nhwc=False):
    xc = np.moveaxis(x, -1, 1) if nhwc else x
    y = np.zeros((*xc.shape[:2], *output_size))
    axes = tuple(range(2, xc.ndim))
    for cell, window in _bin_cells(xc.shape[2:], output_size):
        y[(slice(None), slice(None), *cell)] = xc[(slice(None), slice(None), *window)].mean(axes)
    return np.moveaxis(y, 1, -1) if nhwc else y


def adaptive_average_grad_ref(g, x):
    dx = np.zeros(x.shape)
    for cell, window in _bin_cells(x.shape[2:], g.shape[2:]):
        size = math.prod(s.stop - s.start for s in window)
        dx[(slice(None), slice(None), *window)] += \
            g[(slice(None), slice(None), *cell)].reshape(*g.shape[:2], *(1,) * len(window)) / size
    return dx


def adaptive_max_ref(x, *, output_size):
    y = np.zeros((*x.shape[:2], *output_size))
    flat = np.zeros(y.shape, np.int64)
    for cell, window in _bin_cells(x.shape[2:], output_size):
        block = x[(slice(None), slice(None), *window)].reshape(*x.shape[:2], -1)
        first = block.argmax(-1)
        y[(slice(None), slice(None), *cell)] = block.max(-1)
        within = np.unravel_index(first, tuple(s.stop - s.start for s in window))
        pos = [w + s.start for w, s in zip(within, window)]
        nn, cc = np.meshgrid(np.arange(x.shape[0]), np.arange(x.shape[1]), indexing="ij")
        flat[(slice(None), slice(None), *cell)] = np.ravel_multi_index((nn, cc, *pos), x.shape)
    return y, flat


# -- cases ----------------------------------------------------------------------------------------
def pairs(*flat):
    n = len(flat) // 2
    return tuple(zip(flat[:n], flat[n:]))


def _ref_kw(attrs: dict) -> dict:
    """The reference's arguments from the op's attributes (pads as pairs, explicit strides)."""
    k = attrs["kernel_shape"]
    kw = {"kernel": k, "strides": attrs.get("strides", (1,) * len(k)),
          "pads": pairs(*attrs["pads"]) if "pads" in attrs else ((0, 0),) * len(k)}
    for name in ("dilations", "ceil_mode", "count_include_pad", "storage_order"):
        if name in attrs:
            kw[name] = attrs[name]
    if attrs.get("data_format") == "NHWC":
        kw["nhwc"] = True
    return kw


def _max(id_, shape, attrs, **kw):
    ref_kw = {**_ref_kw(attrs), **kw.pop("ref_kw", {})}
    return OpCase(id_, ops.max_pool, [rand(*shape)], partial(max_pool_ref, **ref_kw), attrs,
                  **TOL, **kw)


def _avg(id_, shape, attrs, **kw):
    return OpCase(id_, ops.average_pool, [rand(*shape)],
                  partial(average_pool_ref, **_ref_kw(attrs)), attrs, **TOL, **kw)


K2S2 = {"kernel_shape": (2, 2), "strides": (2, 2)}
K3S2_ASYM = {"kernel_shape": (3, 3), "strides": (2, 2), "pads": (1, 0, 1, 1), "ceil_mode": 1}

MAX_POOL_CASES = [
    _max("max_pool2d_k2s2_reshape_path", (2, 3, 6, 8), K2S2, second_order=True),
    _max("max_pool2d_k2s2_odd_size", (2, 3, 7, 5), K2S2),
    _max("max_pool2d_asymmetric_pads_ceil", (2, 3, 8, 9), K3S2_ASYM),
    _max("max_pool2d_dilated_overlapping", (2, 2, 7, 7),
         {"kernel_shape": (2, 3), "dilations": (2, 1), "pads": (1, 1, 0, 1)}),
    _max("max_pool1d", (2, 3, 9), {"kernel_shape": (3,), "strides": (2,), "pads": (1, 1)}),
    _max("max_pool3d", (1, 2, 4, 5, 4), {"kernel_shape": (2, 2, 2), "strides": (2, 1, 2)}),
    _max("max_pool2d_nhwc", (2, 7, 6, 3), {**K3S2_ASYM, "data_format": "NHWC"}),
    # SAME_UPPER: 7 -> out 4, total (4 - 1) * 2 + 3 - 7 = 2 -> pads (1, 1); 6 -> total 1: (0, 1)
    _max("max_pool2d_same_upper", (2, 3, 7, 6),
         {"kernel_shape": (3, 3), "strides": (2, 2), "auto_pad": "SAME_UPPER"},
         ref_kw={"pads": ((1, 1), (0, 1))}),
    _max("max_pool2d_storage_order_column_major", (2, 3, 5, 6),
         {"kernel_shape": (2, 2), "strides": (1, 2), "storage_order": 1}),
    _max("max_pool2d_nhwc_storage_order_column_major", (2, 5, 6, 3),
         {"kernel_shape": (2, 3), "strides": (2, 1), "storage_order": 1, "data_format": "NHWC"}),
    OpCase("max_pool2d_uint8", ops.max_pool,
           [np.random.default_rng(3).integers(0, 255, (2, 3, 5, 5)).astype(np.uint8)],
           partial(max_pool_ref, kernel=(2, 2), strides=(1, 1), pads=pairs(1, 0, 0, 1)),
           {"kernel_shape": (2, 2), "pads": (1, 0, 0, 1)}, grad=False),
]

AVERAGE_POOL_CASES = [
    _avg("average_pool2d_k2s2_reshape_path", (2, 3, 6, 8), K2S2),
    _avg("average_pool2d_asymmetric_pads_ceil_exclude_pad", (2, 3, 8, 9), K3S2_ASYM),
    _avg("average_pool2d_asymmetric_pads_ceil_include_pad", (2, 3, 8, 9),
         {**K3S2_ASYM, "count_include_pad": 1}),
    _avg("average_pool2d_padded_include_pad", (2, 3, 5, 5),
         {"kernel_shape": (3, 3), "pads": (1, 1, 1, 1), "count_include_pad": 1}),
    _avg("average_pool2d_dilated", (2, 2, 7, 8),
         {"kernel_shape": (2, 2), "dilations": (2, 3), "pads": (1, 0, 0, 1), "ceil_mode": 1,
          "strides": (2, 2)}),
    _avg("average_pool1d", (2, 3, 9), {"kernel_shape": (4,), "strides": (3,), "pads": (2, 1)}),
    _avg("average_pool3d", (1, 2, 4, 5, 4), {"kernel_shape": (2, 3, 2), "strides": (2, 1, 2)}),
    _avg("average_pool2d_nhwc", (2, 8, 9, 3),
         {**K3S2_ASYM, "count_include_pad": 1, "data_format": "NHWC"}),
]

GLOBAL_CASES = [
    OpCase("global_average_pool", ops.global_average_pool, [rand(2, 3, 4, 5)],
           lambda x: x.mean(axis=(2, 3), keepdims=True), **TOL),
    OpCase("global_average_pool_nhwc_1d", ops.global_average_pool, [rand(2, 7, 3)],
           lambda x: x.mean(axis=1, keepdims=True), {"data_format": "NHWC"}, **TOL),
    OpCase("global_max_pool", ops.global_max_pool, [rand(2, 3, 4, 5)],
           lambda x: x.max(axis=(2, 3), keepdims=True)),
    OpCase("global_max_pool_nhwc", ops.global_max_pool, [rand(2, 4, 5, 3)],
           lambda x: x.max(axis=(1, 2), keepdims=True), {"data_format": "NHWC"}),
]

ADAPTIVE_CASES = [
    OpCase("adaptive_average_pool2d_overlapping_bins", ops.adaptive_average_pool,
           [rand(2, 3, 7, 5)], partial(adaptive_average_ref, output_size=(3, 4)),
           {"output_size": (3, 4)}, **TOL),
    OpCase("adaptive_average_pool2d_nhwc", ops.adaptive_average_pool, [rand(2, 6, 6, 3)],
           partial(adaptive_average_ref, output_size=(2, 3), nhwc=True),
           {"output_size": (2, 3), "data_format": "NHWC"}, **TOL),
    OpCase("adaptive_average_pool1d_to_1", ops.adaptive_average_pool, [rand(2, 3, 7)],
           partial(adaptive_average_ref, output_size=(1,)), {"output_size": (1,)}, **TOL),
    OpCase("adaptive_max_pool2d_overlapping_bins", ops.adaptive_max_pool, [rand(2, 3, 7, 5)],
           partial(adaptive_max_ref, output_size=(3, 4)), {"output_size": (3, 4)},
           second_order=True),
    OpCase("adaptive_max_pool2d_exact_bins", ops.adaptive_max_pool, [rand(2, 3, 6, 4)],
           partial(adaptive_max_ref, output_size=(3, 2)), {"output_size": (3, 2)}),
]


def _max_pool_grad_case(id_, x_shape, attrs, overlapping):
    x = rand(*x_shape)
    _, indices = max_pool_ref(x, **_ref_kw(attrs))
    return OpCase(id_, ops.max_pool_grad, [rand(*indices.shape), indices, x],
                  lambda g, i, x_: max_pool_grad_ref(g, i, x_), {"overlapping": overlapping},
                  wrt=(0,), **TOL)


def _average_pool_grad_case(id_, x_shape, attrs):
    x = rand(*x_shape)
    g = rand(*average_pool_ref(x, **_ref_kw(attrs)).shape)
    return OpCase(id_, ops.average_pool_grad, [g, x],
                  partial(average_pool_grad_ref, **_ref_kw(attrs)), attrs, wrt=(0,), **TOL)


GRAD_CASES = [
    _max_pool_grad_case("max_pool_grad_disjoint", (2, 3, 6, 8), K2S2, overlapping=0),
    _max_pool_grad_case("max_pool_grad_overlapping", (2, 3, 8, 9), K3S2_ASYM, overlapping=1),
    _average_pool_grad_case("average_pool_grad", (2, 3, 8, 9), K3S2_ASYM),
    _average_pool_grad_case("average_pool_grad_include_pad", (2, 3, 8, 9),
                            {**K3S2_ASYM, "count_include_pad": 1}),
    OpCase("adaptive_average_pool_grad", ops.adaptive_average_pool_grad,
           [rand(2, 3, 3, 4), rand(2, 3, 7, 5)], adaptive_average_grad_ref, wrt=(0,), **TOL),
]

CASES = MAX_POOL_CASES + AVERAGE_POOL_CASES + GLOBAL_CASES + ADAPTIVE_CASES + GRAD_CASES
