"""Tensor repr against torch 2.13, character for character: int/fixed/scientific float modes,
widths and padding, nan/inf, line wrapping at 80 columns, summarization past 1000 elements,
dtype suffixes, empty tensors, requires_grad/grad_fn suffixes, Parameter, set_printoptions."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as ours
from tests.frontends.torch_like.test_functions_harness import torch

R = np.random.default_rng(5)

DATA = {
    "floats": np.array([1.5, 2.25, 3.0], np.float32),
    "small and one": np.array([1e-5, 1.0], np.float32),
    "large and one": np.array([1e10, 1.0], np.float32),
    "int-valued": np.array([1.0, 1000.0, 2.0], np.float32),
    "wide int-valued": np.array([1.0, 1001.0, 2.0], np.float32),
    "nan inf int mode": np.array([np.nan, 1.0, np.inf], np.float32),
    "nan inf fixed": np.array([np.nan, 1.5, -np.inf], np.float32),
    "negative zero": np.array([-0.0, 0.0], np.float32),
    "all zero": np.zeros(3, np.float32),
    "mixed signs": np.array([0.1, -0.25], np.float32),
    "1e-4": np.array([1e-4, 0.5], np.float32),
    "2e8": np.array([2e8], np.float32),
    "1e8": np.array([1e8], np.float32),
    "ints 2d": np.array([[1, -20], [300, 4]], np.int64),
    "int32": np.array([0, 7], np.int32),
    "uint8": np.array([0, 255], np.uint8),
    "bools": np.array([[True, False]]),
    "float64": np.array([0.1, 2.0]),
    "float16": np.array([1.0, 2.0], np.float16),
    "scalar float": np.asarray(3.5, np.float32),
    "scalar int": np.asarray(3, np.int64),
    "scalar bool": np.asarray(True),
    "scalar float64": np.asarray(-2.0),
    "empty": np.zeros(0, np.float32),
    "empty 2d": np.zeros((0, 3), np.float32),
    "empty int": np.zeros(0, np.int64),
    "empty 2d int32": np.zeros((2, 0), np.int32),
    "wrapped rows": np.arange(30, dtype=np.float32).reshape(3, 10) / 7,
    "long row": np.ones((3, 40), np.float32) * 1.123,
    "summarized floats": np.arange(2000, dtype=np.float32),
    "summarized ints 2d": np.arange(5000).reshape(50, 100),
    "summarized 3d": R.standard_normal((20, 10, 10)).astype(np.float32),
    "3d": R.standard_normal((2, 3, 4)).astype(np.float32),
    "4d": R.standard_normal((2, 1, 2, 2)).astype(np.float32),
    "normal floats": R.standard_normal((4, 5)).astype(np.float32),
    "huge range": np.array([1e-8, 1e8, -3.0], np.float32),
}


@pytest.mark.parametrize("name", DATA)
def test_repr_matches_torch(name):
    a = DATA[name]
    assert repr(ours.tensor(a)) == repr(torch.tensor(a))
    assert str(ours.tensor(a)) == str(torch.tensor(a))


def test_requires_grad_and_grad_fn_suffixes():
    a = np.array([1.0, 2.0], np.float32)
    x, tx = ours.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    assert repr(x) == repr(tx)
    cases = [lambda t: t * 2, lambda t: (t * 2).sum(), lambda t: t.mean(), lambda t: t + 1,
             lambda t: t / 2, lambda t: t ** 2, lambda t: t.exp(), lambda t: t.sigmoid(),
             lambda t: t.relu(), lambda t: t.tanh(), lambda t: t.view(2, 1),
             lambda t: t.unsqueeze(0), lambda t: t.sum(0), lambda t: t.double(),
             lambda t: t.clone(), lambda t: t.expand(3, 2), lambda t: t.reshape(1, 2).t()]
    for f in cases:
        assert repr(f(x)) == repr(f(tx))
    x64, tx64 = ours.tensor(a.astype(np.float64), requires_grad=True), \
        torch.tensor(a.astype(np.float64), requires_grad=True)
    assert repr(x64 * 3) == repr(tx64 * 3)
    w, tw = ours.ones(2, 3, requires_grad=True), torch.ones(2, 3, requires_grad=True)
    assert repr(ours.ones(4, 2) @ w) == repr(torch.ones(4, 2) @ tw)


def test_parameter_repr():
    p, tp = ours.nn.Parameter(ours.ones(2)), torch.nn.Parameter(torch.ones(2))
    assert repr(p) == repr(tp)


def test_set_printoptions():
    a = np.array([1.123456, 2.5, 1e-5], np.float32)
    try:
        for kwargs in ({"precision": 2}, {"sci_mode": False}, {"profile": "short"},
                       {"linewidth": 30}, {"threshold": 5, "edgeitems": 1}):
            ours.set_printoptions(**kwargs)
            torch.set_printoptions(**kwargs)
            for data in (a, np.arange(12, dtype=np.float32) * 1.5):
                assert repr(ours.tensor(data)) == repr(torch.tensor(data)), kwargs
    finally:
        ours.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
