"""Reductions, scans and ordering against torch 2.13, values and gradients: dim/keepdim/dtype,
int64 sums, torch.max(x, dim) named tuples (gradient to the chosen index) vs torch.max(x)
(split among ties), var/std corrections, norms, logsumexp, cumsum/cumprod, sort/topk/unique/
nonzero."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as ours
from tests.frontends.torch_like.test_functions_harness import compare, same_error, torch

R = np.random.default_rng(4)
X = R.standard_normal((3, 4, 5)).astype(np.float32)
X64 = X.astype(np.float64)
I = R.integers(-5, 6, (3, 4)).astype(np.int64)
B = np.array([[True, False], [True, True]])

REDUCE = {
    "sum": lambda T, x: x.sum(),
    "sum dim": lambda T, x: T.sum(x, 1),
    "sum dims keepdim": lambda T, x: x.sum((0, 2), keepdim=True),
    "sum dtype": lambda T, x: x.sum(-1, dtype=T.float64),
    "mean": lambda T, x: T.mean(x),
    "mean dim": lambda T, x: x.mean(dim=[1, 2]),
    "mean keepdim": lambda T, x: x.mean(0, keepdim=True),
    "nansum": lambda T, x: T.nansum(x, 1),
    "prod": lambda T, x: x.prod(),
    "prod dim": lambda T, x: T.prod(x, 2, keepdim=True),
    "max": lambda T, x: x.max(),
    "max dim": lambda T, x: T.max(x, 1),
    "max dim keepdim": lambda T, x: x.max(dim=2, keepdim=True),
    "min dim": lambda T, x: x.min(0),
    "max indices legacy": lambda T, x: T.max(x, 1)[1],
    "amax": lambda T, x: x.amax(),
    "amax dims": lambda T, x: T.amax(x, (0, 1)),
    "amin keepdim": lambda T, x: x.amin(-1, keepdim=True),
    "aminmax": lambda T, x: T.aminmax(x, dim=1),
    "argmax": lambda T, x: x.argmax(),
    "argmax dim": lambda T, x: T.argmax(x, 1, keepdim=True),
    "argmin dim": lambda T, x: x.argmin(dim=-1),
    "var": lambda T, x: x.var(),
    "var dim": lambda T, x: T.var(x, 1),
    "var biased": lambda T, x: x.var(1, unbiased=False),
    "var correction": lambda T, x: T.var(x, (0, 2), correction=0, keepdim=True),
    "var legacy positional": lambda T, x: x.var(0, False),
    "std": lambda T, x: x.std(),
    "std dim": lambda T, x: T.std(x, -1, keepdim=True),
    "std correction 2": lambda T, x: x.std(2, correction=2),
    "var_mean": lambda T, x: T.var_mean(x, 1),
    "std_mean": lambda T, x: T.std_mean(x, (0, 1), correction=0),
    "norm": lambda T, x: x.norm(),
    "norm p1": lambda T, x: T.norm(x, 1),
    "norm dim": lambda T, x: x.norm(dim=1),
    "norm p3": lambda T, x: T.norm(x, 3, dim=(1, 2), keepdim=True),
    "norm inf": lambda T, x: x.norm(float("inf"), dim=0),
    "norm -inf": lambda T, x: x.norm(float("-inf")),
    "norm p0": lambda T, x: x.norm(0),
    "logsumexp": lambda T, x: T.logsumexp(x, 1),
    "logsumexp dims": lambda T, x: x.logsumexp((0, 2), keepdim=True),
    "cumsum": lambda T, x: x.cumsum(1),
    "cumsum -1": lambda T, x: T.cumsum(x, -1),
    "cumprod": lambda T, x: x.cumprod(2),
    "cumprod dim 0": lambda T, x: T.cumprod(x, 0),
    "cummax": lambda T, x: x.cummax(1),
    "cummin": lambda T, x: T.cummin(x, 2),
    "median": lambda T, x: x.median(),
    "median dim": lambda T, x: T.median(x, 1),
    "median keepdim": lambda T, x: x.median(2, keepdim=True),
    "all": lambda T, x: (x > -3).all(),
    "any dim": lambda T, x: T.any(x > 1, 1),
    "all dim keepdim": lambda T, x: x.all(2, keepdim=True),
    "count_nonzero": lambda T, x: T.count_nonzero(x > 0, 1),
    "nanmean": lambda T, x: T.nanmean(x, 1),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", REDUCE)
def test_reductions(name, dtype):
    compare(REDUCE[name], X if dtype == "float32" else X64)


INT_REDUCE = {
    "sum": lambda T, x: x.sum(), "sum dim": lambda T, x: x.sum(0),
    "prod": lambda T, x: x.prod(1), "max": lambda T, x: x.max(), "max dim": lambda T, x: x.max(1),
    "amin": lambda T, x: x.amin(0), "argmax": lambda T, x: x.argmax(1),
    "cumsum": lambda T, x: x.cumsum(1), "cumprod": lambda T, x: x.cumprod(0),
    "all": lambda T, x: x.all(1), "any": lambda T, x: x.any(),
    "count_nonzero": lambda T, x: T.count_nonzero(x),
    "mean dtype": lambda T, x: x.mean(dtype=T.float32),
}


@pytest.mark.parametrize("name", INT_REDUCE)
def test_integer_and_bool_reductions(name):
    compare(INT_REDUCE[name], I)
    if name in ("sum", "all", "any", "max", "cumsum", "count_nonzero"):
        compare(INT_REDUCE[name], B)
    compare(INT_REDUCE[name], I.astype(np.int32))


def test_max_gradient_conventions_at_ties():
    tied = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], np.float32)
    compare(lambda T, x: x.max(), tied)  # split among ties
    compare(lambda T, x: x.amax(1), tied)  # split among ties
    compare(lambda T, x: x.max(1).values, tied)  # all to the returned index
    compare(lambda T, x: x.prod(1), np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.0]], np.float32))


def test_named_tuple_repr_and_fields():
    mine = ours.max(ours.tensor([[1.0, 3.0], [4.0, 2.0]]), 1)
    theirs = torch.max(torch.tensor([[1.0, 3.0], [4.0, 2.0]]), 1)
    assert repr(mine) == repr(theirs)
    assert mine.values.tolist() == [3.0, 4.0] and mine.indices.tolist() == [1, 0]
    _, indices = mine
    assert indices.dtype == ours.int64


def test_reduction_errors():
    same_error(lambda T, x: x.mean(), I, match="mean(): could not infer output dtype. Input "
                                               "dtype must be either a floating point or "
                                               "complex dtype. Got: Long")
    same_error(lambda T, x: x.sum((0, 0)), X, match="appears multiple times in the list of dims")
    same_error(lambda T, x: T.zeros(0).max(), X, match="Expected reduction dim to be specified "
                                                       "for input.numel() == 0")


ORDER = {
    "sort": lambda T, x: x.sort(),
    "sort dim descending": lambda T, x: T.sort(x, 0, descending=True),
    "sort stable": lambda T, x: x.sort(dim=1, stable=True),
    "argsort": lambda T, x: x.argsort(1, descending=True),
    "msort": lambda T, x: T.msort(x),
    "topk": lambda T, x: x.topk(2),
    "topk smallest": lambda T, x: T.topk(x, 3, dim=1, largest=False),
    "kthvalue": lambda T, x: x.kthvalue(2, 1),
    "kthvalue keepdim": lambda T, x: T.kthvalue(x, 3, 2, keepdim=True),
}


@pytest.mark.parametrize("name", ORDER)
def test_ordering(name):
    compare(ORDER[name], X)


def test_sort_ties_keep_their_order():
    tied = np.array([[3, 1, 3, 1, 2], [0, 0, 0, 1, 1]], np.int64)
    compare(lambda T, x: x.sort(dim=1, stable=True), tied)
    compare(lambda T, x: x.sort(dim=1, descending=True, stable=True), tied)
    compare(lambda T, x: x.sort(0), np.array([True, False, True]))


def test_data_dependent_functions():
    data = np.array([[3, 1, 3], [1, 2, 3], [3, 1, 3]], np.int64)
    compare(lambda T, x: T.unique(x), data)
    compare(lambda T, x: x.unique(return_inverse=True, return_counts=True), data)
    compare(lambda T, x: T.unique(x, dim=0, return_counts=True), data)
    compare(lambda T, x: T.unique_consecutive(x.flatten(), return_counts=True,
                                              return_inverse=True), data)
    compare(lambda T, x: x.nonzero(), data - 1)
    compare(lambda T, x: T.nonzero(x > 2, as_tuple=True), data)
    compare(lambda T, x: T.argwhere(x), data - 3)
    compare(lambda T, x: T.where(x > 2), data)
    compare(lambda T, x: T.bincount(x.flatten()), data)
    compare(lambda T, x: T.bincount(x.flatten(), weights=x.flatten().double()), data)
    compare(lambda T, x: T.searchsorted(T.tensor([1, 3, 5, 7]), x), data)
    compare(lambda T, x: T.bucketize(x, T.tensor([1, 3, 5, 7]), right=True), data)
    compare(lambda T, x: T.nonzero(x), np.asarray(5))
