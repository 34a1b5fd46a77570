"""Differential tests: our Conv/ConvTranspose/pooling ops on the NumPy backend against real
torch.nn.functional, in float32, outputs and gradients (input, weight, bias) for a random
upstream gradient. Weights are copied across; skipped when torch is absent."""

from __future__ import annotations

import numpy as np
import pytest

import core_ir as ir
from core_ir import ops
from core_ir.tensor import Tensor

torch = pytest.importorskip("torch")
F = torch.nn.functional

RTOL, ATOL = 1e-4, 1e-4  # float32: sums of a few hundred products


def _rng(seed: int):
    return np.random.default_rng(seed)


def _close(ours, theirs, what: str) -> None:
    np.testing.assert_allclose(np.asarray(ours), theirs.detach().numpy(), rtol=RTOL, atol=ATOL,
                               err_msg=what)


def _run_both(our_fn, torch_fn, arrays: list, seed: int):
    """Run both on the same float32 arrays; compare outputs and gradients of every array."""
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    theirs = torch_fn(*theirs_in)
    g = _rng(seed + 1).standard_normal(tuple(theirs.shape)).astype(np.float32)
    theirs.backward(torch.tensor(g))
    ours_in = [Tensor(a, requires_grad=True) for a in arrays]
    ours = our_fn(*ours_in)
    _close(ours.array, theirs, "output")
    grads = ir.grad([ours], ours_in, [Tensor(g)])
    for i, (mine, t) in enumerate(zip(grads, theirs_in)):
        _close(mine.array, t.grad, f"gradient of input {i}")


def _arrays(seed: int, *shapes):
    rng = _rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _pairs(p, n):
    return (p,) * n if isinstance(p, int) else tuple(p)


# -- convolution ----------------------------------------------------------------------------------
CONV2D = [  # (in_ch, out_ch, kernel, stride, padding, dilation, groups, size)
    (3, 8, 3, 1, 0, 1, 1, (12, 12)),
    (3, 8, 3, 2, 1, 1, 1, (13, 11)),
    (4, 6, (3, 2), (2, 1), (1, 0), (2, 1), 2, (11, 9)),
    (6, 6, 3, 1, 1, 1, 6, (8, 8)),  # depthwise
    (4, 8, 3, 2, 2, 2, 4, (15, 14)),  # depthwise x2, strided, dilated
    (2, 4, 1, 1, 0, 1, 1, (5, 7)),
    (3, 5, 5, 3, 2, 1, 1, (16, 16)),
]


@pytest.mark.parametrize("cfg", CONV2D, ids=str)
def test_conv2d(cfg):
    cin, cout, k, s, p, d, g, size = cfg
    k, s, p, d = (_pairs(v, 2) for v in (k, s, p, d))
    arrays = _arrays(0, (4, cin, *size), (cout, cin // g, *k), (cout,))
    _run_both(lambda x, w, b: ops.conv(x, w, b, strides=s, pads=p + p, dilations=d, group=g),
              lambda x, w, b: F.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=g),
              arrays, 1)


@pytest.mark.parametrize("cfg", [(3, 4, 3, 1, 0, 1, 1), (4, 6, 5, 2, 2, 1, 2),
                                 (4, 4, 3, 3, 1, 2, 4)], ids=str)
def test_conv1d(cfg):
    cin, cout, k, s, p, d, g = cfg
    arrays = _arrays(2, (3, cin, 20), (cout, cin // g, k), (cout,))
    _run_both(lambda x, w, b: ops.conv(x, w, b, strides=(s,), pads=(p, p), dilations=(d,),
                                       group=g),
              lambda x, w, b: F.conv1d(x, w, b, stride=s, padding=p, dilation=d, groups=g),
              arrays, 3)


def test_conv2d_channels_last_hwio_matches_torch_on_permuted_data():
    """Keras layouts: NHWC data and an HWIO kernel compute torch's conv2d."""
    x, w, b = _arrays(4, (2, 3, 9, 10), (6, 3, 3, 3), (6,))
    theirs = F.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride=2, padding=1)
    ours = ops.conv(Tensor(x.transpose(0, 2, 3, 1)), Tensor(w.transpose(2, 3, 1, 0)), Tensor(b),
                    strides=(2, 2), pads=(1, 1, 1, 1), data_format="NHWC", kernel_format="HWIO")
    _close(ours.array.transpose(0, 3, 1, 2), theirs, "NHWC output")


CONV_TRANSPOSE2D = [  # (in_ch, out_ch, kernel, stride, padding, output_padding, dilation, groups)
    (3, 4, 3, 1, 0, 0, 1, 1),
    (3, 4, 3, 2, 1, 1, 1, 1),
    (4, 6, (3, 2), (2, 3), (1, 0), (1, 2), 1, 2),
    (4, 4, 3, 2, 1, 1, 2, 4),
    (2, 3, 4, 2, 1, 0, 1, 1),
]


@pytest.mark.parametrize("cfg", CONV_TRANSPOSE2D, ids=str)
def test_conv_transpose2d(cfg):
    cin, cout, k, s, p, op, d, g = cfg
    k, s, p, op, d = (_pairs(v, 2) for v in (k, s, p, op, d))
    arrays = _arrays(5, (3, cin, 6, 5), (cin, cout // g, *k), (cout,))
    _run_both(lambda x, w, b: ops.conv_transpose(x, w, b, strides=s, pads=p + p,
                                                 output_padding=op, dilations=d, group=g),
              lambda x, w, b: F.conv_transpose2d(x, w, b, stride=s, padding=p,
                                                 output_padding=op, groups=g, dilation=d),
              arrays, 6)


# -- pooling --------------------------------------------------------------------------------------
MAX_POOL2D = [  # (kernel, stride, padding, dilation, ceil_mode)
    (2, 2, 0, 1, False),
    (3, 2, 1, 1, False),
    (3, 2, 1, 1, True),
    (2, 3, 1, 1, True),
    (3, 1, 1, 2, False),
    ((3, 2), (2, 1), (1, 0), (1, 2), True),
]


@pytest.mark.parametrize("cfg", MAX_POOL2D, ids=str)
def test_max_pool2d(cfg):
    k, s, p, d, ceil = cfg
    k, s, p, d = (_pairs(v, 2) for v in (k, s, p, d))
    attrs = {"kernel_shape": k, "strides": s, "pads": p + p, "dilations": d,
             "ceil_mode": int(ceil)}
    (x,) = _arrays(7, (3, 4, 11, 10))
    _run_both(lambda x_: ops.max_pool(x_, **attrs)[0],
              lambda x_: F.max_pool2d(x_, k, s, p, d, ceil_mode=ceil), [x], 8)
    _, theirs = F.max_pool2d(torch.tensor(x), k, s, p, d, ceil_mode=ceil, return_indices=True)
    _, ours = ops.max_pool(Tensor(x), **attrs)
    # ONNX Indices count over the whole tensor, torch's within each (n, c) plane
    np.testing.assert_array_equal(ours.array % (11 * 10), theirs.numpy())


@pytest.mark.parametrize("cfg", [(2, 2, 0, False), (3, 2, 1, False), (3, 2, 1, True),
                                 (2, 3, 1, True), ((3, 2), (2, 1), (1, 0), True)], ids=str)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d(cfg, count_include_pad):
    k, s, p, ceil = cfg
    k, s, p = (_pairs(v, 2) for v in (k, s, p))
    attrs = {"kernel_shape": k, "strides": s, "pads": p + p, "ceil_mode": int(ceil),
             "count_include_pad": int(count_include_pad)}
    (x,) = _arrays(9, (3, 4, 11, 10))
    _run_both(lambda x_: ops.average_pool(x_, **attrs),
              lambda x_: F.avg_pool2d(x_, k, s, p, ceil_mode=ceil,
                                      count_include_pad=count_include_pad), [x], 10)


ADAPTIVE = [(1, 1), (3, 3), (4, 5), (5, 3), (11, 10), (2, 7)]


@pytest.mark.parametrize("size", ADAPTIVE, ids=str)
def test_adaptive_avg_pool2d(size):
    (x,) = _arrays(11, (3, 4, 11, 10))
    _run_both(lambda x_: ops.adaptive_average_pool(x_, output_size=size),
              lambda x_: F.adaptive_avg_pool2d(x_, size), [x], 12)


@pytest.mark.parametrize("size", ADAPTIVE, ids=str)
def test_adaptive_max_pool2d(size):
    (x,) = _arrays(13, (3, 4, 11, 10))
    _run_both(lambda x_: ops.adaptive_max_pool(x_, output_size=size)[0],
              lambda x_: F.adaptive_max_pool2d(x_, size), [x], 14)
    _, theirs = F.adaptive_max_pool2d(torch.tensor(x), size, return_indices=True)
    _, ours = ops.adaptive_max_pool(Tensor(x), output_size=size)
    np.testing.assert_array_equal(ours.array % (11 * 10), theirs.numpy())


def test_max_pool_ties_go_to_the_first_maximum_like_torch():
    x = np.zeros((1, 1, 4, 4), np.float32)  # every window is one big tie
    _run_both(lambda x_: ops.max_pool(x_, kernel_shape=(2, 2), strides=(1, 1))[0],
              lambda x_: F.max_pool2d(x_, 2, 1), [x], 15)


def test_global_pools_match_torch():
    (x,) = _arrays(16, (2, 3, 5, 6))
    _run_both(lambda x_: ops.global_average_pool(x_),
              lambda x_: F.adaptive_avg_pool2d(x_, 1), [x], 17)
    _run_both(lambda x_: ops.global_max_pool(x_), lambda x_: torch.amax(x_, (2, 3), True), [x], 18)
