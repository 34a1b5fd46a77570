"""Cases for Conv, ConvTranspose and ConvWeightGrad.

The references evaluate the definitions directly, one output cell (or one input cell and tap)
at a time, on explicitly padded arrays: no strided views, no GEMM reshapes, no col2im. Pads of
the auto_pad cases are worked out by hand in the case (the SAME rule: out = ceil(n / s), total =
(out - 1) * s + k - n, the odd cell at the end for SAME_UPPER). Layout cases convert to NCHW/OIHW
with transposes and back.
"""

from __future__ import annotations

import itertools
from functools import partial

import numpy as np

from core_ir import ops

from . import OpCase, rand

TOL = {"rtol": 1e-4, "atol": 1e-4}  # float32 kernels against float64 references


def _pad(x: np.ndarray, pads) -> np.ndarray:
    """Pad (or, for a negative pad, crop) the spatial axes of a channels-first array."""
    x = np.pad(x, [(0, 0), (0, 0)] + [(max(b, 0), max(e, 0)) for b, e in pads])
    crop = tuple(slice(max(-b, 0), n - max(-e, 0)) for (b, e), n in zip(pads, x.shape[2:]))
    return x[(slice(None), slice(None), *crop)]


def _cells(sizes):
    return itertools.product(*(range(n) for n in sizes))


def conv_ref(x, w, b=None, *, strides, pads, dilations=None, group=1):
    """NCHW / OIHW: y[n, o, p] = sum over c, t of xp[n, c, p * s + t * d] * w[o, c, t]."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    nsp = x.ndim - 2
    dilations = dilations or (1,) * nsp
    xp = _pad(x, pads)
    kernel = w.shape[2:]
    out = [(xp.shape[2 + i] - (kernel[i] - 1) * dilations[i] - 1) // strides[i] + 1
           for i in range(nsp)]
    o, cg = w.shape[0], w.shape[1]
    og = o // group
    y = np.zeros((x.shape[0], o, *out))
    for pos in _cells(out):
        window = tuple(slice(p * s, p * s + (k - 1) * d + 1, d)
                       for p, s, k, d in zip(pos, strides, kernel, dilations))
        patch = xp[(slice(None), slice(None), *window)]
        for gi in range(group):
            part = patch[:, gi * cg:(gi + 1) * cg]
            y[(slice(None), slice(gi * og, (gi + 1) * og), *pos)] = np.tensordot(
                part, w[gi * og:(gi + 1) * og], axes=(range(1, nsp + 2), range(1, nsp + 2)))
    if b is not None:
        y += b.reshape(-1, *(1,) * nsp)
    return y


def conv_transpose_ref(x, w, b=None, *, strides, pads, dilations=None, group=1,
                       output_padding=None):
    """NCHW / IOHW: every input cell p adds x[n, c, p] * w[c, o, t] to y[p * s + t * d]; then
    the pads are cut off (output_padding cells stay zero before that)."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    nsp = x.ndim - 2
    dilations = dilations or (1,) * nsp
    output_padding = output_padding or (0,) * nsp
    c, og, kernel = w.shape[0], w.shape[1], w.shape[2:]
    cg = c // group
    full = [(n - 1) * s + (k - 1) * d + 1 + op for n, s, k, d, op
            in zip(x.shape[2:], strides, kernel, dilations, output_padding)]
    y = np.zeros((x.shape[0], og * group, *full))
    for pos in _cells(x.shape[2:]):
        for tap in _cells(kernel):
            at = tuple(p * s + t * d for p, s, t, d in zip(pos, strides, tap, dilations))
            for gi in range(group):
                contrib = x[(slice(None), slice(gi * cg, (gi + 1) * cg), *pos)] \
                    @ w[(slice(gi * cg, (gi + 1) * cg), slice(None), *tap)]
                y[(slice(None), slice(gi * og, (gi + 1) * og), *at)] += contrib
    y = _pad(y, [(-b_, -e) for b_, e in pads])
    if b is not None:
        y += b.reshape(-1, *(1,) * nsp)
    return y


def weight_grad_ref(x, g, *, kernel, strides, pads, dilations=None, group=1):
    """NCHW -> OIHW: dW[o, c, t] = sum over n, p of g[n, o, p] * xp[n, c, p * s + t * d]."""
    x, g = x.astype(np.float64), g.astype(np.float64)
    nsp = x.ndim - 2
    dilations = dilations or (1,) * nsp
    xp = _pad(x, pads)
    o, out = g.shape[1], g.shape[2:]
    cg, og = x.shape[1] // group, o // group
    dw = np.zeros((o, cg, *kernel))
    for tap in _cells(kernel):
        cells = tuple(slice(t * d, t * d + (n - 1) * s + 1, s)
                      for t, d, n, s in zip(tap, dilations, out, strides))
        patch = xp[(slice(None), slice(None), *cells)]
        for gi in range(group):
            dw[(slice(gi * og, (gi + 1) * og), slice(None), *tap)] = np.tensordot(
                g[:, gi * og:(gi + 1) * og], patch[:, gi * cg:(gi + 1) * cg],
                axes=([0, *range(2, nsp + 2)], [0, *range(2, nsp + 2)]))
    return dw


# -- layout adapters ------------------------------------------------------------------------------
def _cf(x):  # channels last -> first
    return np.moveaxis(x, -1, 1)


def _cl(y):  # channels first -> last
    return np.moveaxis(y, 1, -1)


def _oihw(w):  # HWIO -> OIHW, HWOI -> IOHW
    return np.moveaxis(np.moveaxis(w, -1, 0), -1, 1)


def _hwio(w):  # OIHW -> HWIO
    return np.moveaxis(np.moveaxis(w, 0, -1), 0, -2)


def nhwc(ref, **kw):
    """A reference for NHWC data and a HWIO/HWOI weight, from the NCHW one."""
    return lambda x, w, b=None: _cl(ref(_cf(x), _oihw(w), b, **kw))


def pairs(*flat):
    n = len(flat) // 2
    return tuple(zip(flat[:n], flat[n:]))


# -- cases ----------------------------------------------------------------------------------------
def _conv(id_, shapes, attrs, ref_kw, *, bias=True, second_order=False, layout=False):
    x, w = rand(*shapes[0]), rand(*shapes[1])
    inputs = [x, w, rand(shapes[1][-1] if layout else shapes[1][0])] if bias else [x, w]
    ref = (nhwc if layout else partial)(conv_ref, **ref_kw)
    return OpCase(id_, ops.conv, inputs, ref, attrs, second_order=second_order, **TOL)


def _convt(id_, shapes, attrs, ref_kw, *, second_order=False, layout=False):
    x, w = rand(*shapes[0]), rand(*shapes[1])
    out_ch = (shapes[1][-2] if layout else shapes[1][1]) * attrs.get("group", 1)
    ref = (nhwc if layout else partial)(conv_transpose_ref, **ref_kw)
    return OpCase(id_, ops.conv_transpose, [x, w, rand(out_ch)], ref, attrs,
                  second_order=second_order, **TOL)


S1, S2 = {"strides": (1, 1)}, {"strides": (2, 2)}
NO_PADS = ((0, 0), (0, 0))

CONV_CASES = [
    _conv("conv2d", [(2, 3, 7, 6), (4, 3, 3, 3)], {}, {**S1, "pads": NO_PADS},
          second_order=True),
    _conv("conv2d_strided_asymmetric_pads", [(2, 3, 8, 7), (4, 3, 3, 2)],
          {"strides": (2, 3), "pads": (1, 0, 2, 1)}, {"strides": (2, 3), "pads": pairs(1, 0, 2, 1)},
          second_order=True),
    _conv("conv2d_dilated", [(2, 2, 9, 8), (3, 2, 3, 2)],
          {"dilations": (2, 3), "pads": (2, 1, 2, 1)},
          {**S1, "dilations": (2, 3), "pads": pairs(2, 1, 2, 1)}),
    _conv("conv2d_grouped_strided", [(2, 4, 7, 7), (6, 2, 3, 3)],
          {"group": 2, "strides": (2, 2), "pads": (1, 1, 1, 1)},
          {**S2, "group": 2, "pads": pairs(1, 1, 1, 1)}, second_order=True),
    _conv("conv2d_depthwise_multiplier2", [(2, 3, 6, 6), (6, 1, 3, 3)],
          {"group": 3, "pads": (1, 1, 1, 1)}, {**S1, "group": 3, "pads": pairs(1, 1, 1, 1)}),
    _conv("conv2d_no_bias", [(2, 3, 5, 5), (4, 3, 1, 1)], {}, {**S1, "pads": NO_PADS},
          bias=False),
    _conv("conv1d_strided_padded", [(2, 3, 11), (4, 3, 3)], {"strides": (2,), "pads": (1, 2)},
          {"strides": (2,), "pads": ((1, 2),)}),
    _conv("conv3d", [(2, 2, 5, 4, 5), (3, 2, 2, 3, 2)],
          {"strides": (1, 2, 1), "pads": (1, 0, 0, 0, 1, 1)},
          {"strides": (1, 2, 1), "pads": pairs(1, 0, 0, 0, 1, 1)}),
    _conv("conv2d_nhwc_hwio_strided", [(2, 7, 6, 3), (3, 3, 3, 4)],
          {"strides": (2, 2), "pads": (1, 0, 1, 1), "data_format": "NHWC", "kernel_format": "HWIO"},
          {**S2, "pads": pairs(1, 0, 1, 1)}, layout=True, second_order=True),
    _conv("conv2d_nhwc_hwio_depthwise", [(2, 6, 6, 4), (3, 3, 1, 4)],
          {"group": 4, "data_format": "NHWC", "kernel_format": "HWIO"},
          {**S1, "group": 4, "pads": NO_PADS}, layout=True),
    # SAME: n=8, k=3, s=2 -> out 4, total 1; n=7 -> out 4, total 2
    _conv("conv2d_same_upper", [(2, 3, 8, 7), (4, 3, 3, 3)],
          {"auto_pad": "SAME_UPPER", "strides": (2, 2)}, {**S2, "pads": ((0, 1), (1, 1))}),
    _conv("conv2d_same_lower", [(2, 3, 8, 7), (4, 3, 3, 3)],
          {"auto_pad": "SAME_LOWER", "strides": (2, 2)}, {**S2, "pads": ((1, 0), (1, 1))}),
    _conv("conv2d_valid", [(2, 3, 8, 7), (4, 3, 3, 3)],
          {"auto_pad": "VALID", "strides": (2, 2), "kernel_shape": (3, 3)},
          {**S2, "pads": NO_PADS}),
]

CONV_TRANSPOSE_CASES = [
    _convt("conv_transpose2d", [(2, 3, 4, 5), (3, 4, 3, 3)], {}, {**S1, "pads": NO_PADS},
           second_order=True),
    _convt("conv_transpose2d_strided_output_padding", [(2, 3, 4, 3), (3, 2, 3, 2)],
           {"strides": (2, 3), "pads": (1, 0, 0, 1), "output_padding": (1, 2)},
           {"strides": (2, 3), "pads": pairs(1, 0, 0, 1), "output_padding": (1, 2)},
           second_order=True),
    _convt("conv_transpose2d_dilated_grouped", [(2, 4, 3, 4), (4, 3, 2, 3)],
           {"group": 2, "dilations": (2, 1), "strides": (2, 1), "pads": (0, 1, 1, 0)},
           {"group": 2, "dilations": (2, 1), "strides": (2, 1), "pads": pairs(0, 1, 1, 0)}),
    _convt("conv_transpose2d_depthwise", [(2, 3, 4, 4), (3, 1, 3, 3)],
           {"group": 3, "strides": (2, 2), "pads": (1, 1, 1, 1), "output_padding": (1, 1)},
           {**S2, "group": 3, "pads": pairs(1, 1, 1, 1), "output_padding": (1, 1)}),
    _convt("conv_transpose1d", [(2, 3, 5), (3, 2, 4)], {"strides": (3,), "pads": (1, 2)},
           {"strides": (3,), "pads": ((1, 2),)}),
    _convt("conv_transpose3d", [(1, 2, 3, 2, 3), (2, 2, 2, 2, 2)], {"strides": (2, 1, 2)},
           {"strides": (2, 1, 2), "pads": ((0, 0),) * 3}),
    _convt("conv_transpose2d_nhwc_hwoi", [(2, 4, 3, 3), (3, 3, 2, 3)],
           {"strides": (2, 2), "pads": (1, 1, 0, 0), "output_padding": (1, 0),
            "data_format": "NHWC", "kernel_format": "HWOI"},
           {**S2, "pads": pairs(1, 1, 0, 0), "output_padding": (1, 0)}, layout=True,
           second_order=True),
    # output_shape (8, 7): full sizes 2*(4-1)+3 = 9 and 2*(3-1)+3 = 7 -> pads (1, 0), (0, 0)
    _convt("conv_transpose2d_output_shape", [(2, 3, 4, 3), (3, 2, 3, 3)],
           {"strides": (2, 2), "output_shape": (8, 7)}, {**S2, "pads": ((1, 0), (0, 0))}),
    # SAME_UPPER: out = in * s = (8, 6): totals 9 - 8 = 1 and 7 - 6 = 1 -> begin 0, end 1
    _convt("conv_transpose2d_same_upper", [(2, 3, 4, 3), (3, 2, 3, 3)],
           {"strides": (2, 2), "auto_pad": "SAME_UPPER"}, {**S2, "pads": ((0, 1), (0, 1))}),
]


def _wgrad(id_, x_shape, g_shape, attrs, ref_kw, *, layout=False, second_order=False):
    ref = partial(weight_grad_ref, kernel=attrs["kernel_shape"], **ref_kw)
    if layout:
        def ref(x, g, inner=ref):
            return _hwio(inner(_cf(x), _cf(g)))
    return OpCase(id_, ops.conv_weight_grad, [rand(*x_shape), rand(*g_shape)], ref, attrs,
                  second_order=second_order, **TOL)


WEIGHT_GRAD_CASES = [
    _wgrad("conv_weight_grad", (2, 3, 7, 6), (2, 4, 4, 3),
           {"kernel_shape": (3, 2), "strides": (2, 2), "pads": (1, 0, 1, 0)},
           {**S2, "pads": pairs(1, 0, 1, 0)}, second_order=True),
    _wgrad("conv_weight_grad_grouped_dilated", (2, 4, 7, 7), (2, 6, 3, 6),
           {"kernel_shape": (3, 2), "dilations": (2, 1), "group": 2},
           {**S1, "dilations": (2, 1), "group": 2, "pads": NO_PADS}),
    # a negative end pad (how a ConvTranspose's output_padding reaches this op): 7 cells, 6 used
    _wgrad("conv_weight_grad_negative_pad", (2, 3, 7, 5), (2, 4, 2, 3),
           {"kernel_shape": (2, 3), "strides": (3, 1), "pads": (1, 0, -2, 0)},
           {"strides": (3, 1), "pads": pairs(1, 0, -2, 0)}),
    _wgrad("conv_weight_grad_nhwc_hwio", (2, 6, 5, 3), (2, 5, 4, 4),
           {"kernel_shape": (2, 2), "data_format": "NHWC", "kernel_format": "HWIO"},
           {**S1, "pads": NO_PADS}, layout=True, second_order=True),
]

CASES = CONV_CASES + CONV_TRANSPOSE_CASES + WEIGHT_GRAD_CASES
