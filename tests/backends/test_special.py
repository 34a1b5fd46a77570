"""The vectorized erf kernel against math.erf (a correctly rounded-ish libm erf) over dense grids,
tails, tiny and subnormal values, region boundaries and IEEE special values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backends.numpy.kernels.special import _BLOCK, erf

F64_ATOL = 1e-15  # the brief for float64: ~1e-15 absolute and relative
F64_RTOL = 1e-15
F32_ATOL = 2e-7  # the cheaper float32 path may be off by ~3 ulp at 1
F16_ATOL = 1e-3  # float16 keeps 11 bits

_math_erf = np.vectorize(math.erf, otypes=[np.float64])


def _grid(dtype) -> np.ndarray:
    """Dense over [-8, 8] (both tails, both signs), tiny magnitudes, and the neighbours of every
    boundary where an implementation might switch formulas."""
    dense = np.linspace(-8.0, 8.0, 400_001)
    tiny = np.logspace(-300, 0, 3_001)
    edges = np.array([0.46875, 0.5, 1.0, 2.0, 3.92, 4.0, 5.9, 6.0, 9.0, 26.0, 1e3, 1e300])
    near = np.concatenate([np.nextafter(edges, 0), edges, np.nextafter(edges, np.inf)])
    x = np.concatenate([dense, tiny, near])
    x = np.concatenate([x, -x])
    return x[np.abs(x) <= np.finfo(dtype).max].astype(dtype)


def _reference(x: np.ndarray) -> np.ndarray:
    return _math_erf(x.astype(np.float64))


def test_float64_matches_math_erf():
    x = _grid(np.float64)
    got, want = erf(x), _reference(x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=0, atol=F64_ATOL)
    normal = np.abs(x) >= np.finfo(np.float64).tiny * 16  # subnormals have fewer digits
    np.testing.assert_allclose(got[normal], want[normal], rtol=F64_RTOL, atol=0)


def test_float64_random_normals():
    x = np.random.default_rng(0).standard_normal(200_000) * 3
    np.testing.assert_allclose(erf(x), _reference(x), rtol=F64_RTOL, atol=F64_ATOL)


def test_float64_subnormals_are_linear():
    x = np.array([5e-324, -5e-324, 1e-310, -2.5e-320])
    np.testing.assert_allclose(erf(x), _reference(x), rtol=0, atol=1e-323)


def test_float32_matches_math_erf():
    x = _grid(np.float32)
    got = erf(x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.astype(np.float64), _reference(x), rtol=0, atol=F32_ATOL)


def test_float32_small_values_keep_relative_accuracy():
    x = np.logspace(-30, -1, 1_000).astype(np.float32)
    x = np.concatenate([x, -x])
    np.testing.assert_allclose(erf(x).astype(np.float64), _reference(x), rtol=2e-7, atol=0)


def test_float16():
    x = np.linspace(-5, 5, 2_001).astype(np.float16)
    got = erf(x)
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype(np.float64), _reference(x), rtol=0, atol=F16_ATOL)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16], ids=lambda d: d.__name__)
def test_special_values(dtype):
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0], dtype=dtype)
    got = erf(x)
    assert got.dtype == dtype
    assert got[0] == 1 and got[1] == -1
    assert np.isnan(got[2])
    assert got[3] == 0 and not np.signbit(got[3])
    assert got[4] == 0 and np.signbit(got[4])  # erf(-0.0) = -0.0, as math.erf


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: d.__name__)
def test_odd_bounded_and_monotone(dtype):
    x = np.linspace(0, 7, 300_001).astype(dtype)
    y = erf(x)
    np.testing.assert_array_equal(erf(-x), -y)
    assert np.all(np.abs(y) <= 1)
    assert np.all(np.diff(y) >= 0)


@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (7,), (5, 13), (2, _BLOCK + 3)],
                         ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=lambda d: d.__name__)
def test_shapes_and_blocks(shape, dtype):
    x = np.random.default_rng(1).uniform(-5, 5, size=shape).astype(dtype)
    got = erf(x)
    assert got.shape == x.shape and got.dtype == x.dtype
    np.testing.assert_allclose(got, _reference(x), rtol=0, atol=F32_ATOL)


def test_non_contiguous_input():
    x = np.random.default_rng(2).uniform(-3, 3, size=(40, 30)).astype(np.float32)
    np.testing.assert_array_equal(erf(x.T), erf(np.ascontiguousarray(x.T)))
    np.testing.assert_array_equal(erf(x[::3, ::2]), erf(x[::3, ::2].copy()))


def test_input_is_not_modified():
    x = np.linspace(-5, 5, 101)
    before = x.copy()
    erf(x)
    np.testing.assert_array_equal(x, before)
