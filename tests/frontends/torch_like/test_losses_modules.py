"""Loss modules (configuration, buffers, reprs, the deprecated size_average/reduce arguments)
and the losses' errors: torch's exception types and messages, checked against real torch."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import frontends.torch_like.nn.functional as F
from frontends.torch_like import Tensor
from frontends.torch_like.nn import modules
from frontends.torch_like.nn.modules import loss as L

torch = pytest.importorskip("torch")
RTOL, ATOL = 1e-5, 1e-6


def ours(a, grad=False):
    t = Tensor(np.array(a))
    t.requires_grad = grad
    return t


def normal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


X, Y = normal((4, 5), 0), normal((4, 5), 1)
T = np.array([0, 4, 2, 1])
W = np.linspace(0.5, 2.0, 5).astype(np.float32)

MODULES = [
    ("MSELoss", {}, (X, Y)),
    ("L1Loss", {"reduction": "sum"}, (X, Y)),
    ("SmoothL1Loss", {"beta": 0.5}, (X, Y)),
    ("HuberLoss", {"delta": 0.4, "reduction": "none"}, (X, Y)),
    ("SoftMarginLoss", {}, (X, np.sign(Y))),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, (X, Y)),
    ("PoissonNLLLoss", {"full": True}, (X, np.abs(Y) * 3)),
    ("GaussianNLLLoss", {"full": True}, (X, Y, np.abs(Y) + 0.1)),
    ("BCELoss", {"weight": W}, (1 / (1 + np.exp(-X)), 1 / (1 + np.exp(-Y)))),
    ("BCEWithLogitsLoss", {"weight": W, "pos_weight": W[::-1].copy()}, (X, 1 / (1 + np.exp(-Y)))),
    ("NLLLoss", {"weight": W, "ignore_index": 2}, (X, T)),
    ("CrossEntropyLoss", {"weight": W, "label_smoothing": 0.1}, (X, T)),
    ("CrossEntropyLoss", {"reduction": "sum"}, (X, np.exp(Y) / np.exp(Y).sum(1, keepdims=True))),
    ("MultiLabelSoftMarginLoss", {"weight": W}, (X, (Y > 0).astype(np.float32))),
    ("MultiLabelMarginLoss", {}, (X, np.array([[1, 2, -1, 0, 0]] * 4))),
    ("HingeEmbeddingLoss", {"margin": 0.3}, (X, np.sign(Y))),
    ("CosineEmbeddingLoss", {"margin": 0.1}, (X, Y, np.array([1.0, -1.0, -1.0, 1.0], np.float32))),
    ("MarginRankingLoss", {"margin": 0.2}, (X[0], Y[0], np.sign(Y[1]))),
    ("MultiMarginLoss", {"p": 2, "weight": W}, (X, T)),
    ("TripletMarginLoss", {"margin": 0.5, "p": 1.0}, (X, Y, normal((4, 5), 2))),
    ("TripletMarginWithDistanceLoss", {"swap": True}, (X, Y, normal((4, 5), 2))),
]


@pytest.mark.parametrize("name, kwargs, inputs", MODULES,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MODULES)])
def test_loss_module_matches_torch(name, kwargs, inputs):
    mine = getattr(L, name)(**{k: ours(v) if isinstance(v, np.ndarray) else v
                               for k, v in kwargs.items()})
    ref = getattr(torch.nn, name)(**{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                                     for k, v in kwargs.items()})
    a = [ours(x, x.dtype.kind == "f" and i == 0) for i, x in enumerate(inputs)]
    b = [torch.tensor(x, requires_grad=x.dtype.kind == "f" and i == 0)
         for i, x in enumerate(inputs)]
    out, expected = mine(*a), ref(*b)
    np.testing.assert_allclose(out.array, expected.detach().numpy(), rtol=RTOL, atol=ATOL)
    cot = normal(tuple(expected.shape), 5)
    out.backward(Tensor(cot))
    expected.backward(torch.tensor(cot))
    np.testing.assert_allclose(a[0].grad.array, b[0].grad.numpy(), rtol=RTOL, atol=ATOL)
    assert list(mine.state_dict()) == list(ref.state_dict())
    if not (name == "TripletMarginWithDistanceLoss" and not hasattr(modules, "PairwiseDistance")):
        assert repr(mine) == repr(ref)  # (its default distance module prints as a child)


@pytest.mark.parametrize("size_average, reduce", [(None, False), (False, None), (True, True),
                                                  (False, True), (None, True), (True, False)])
def test_deprecated_size_average_and_reduce(size_average, reduce):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mine = L.MSELoss(size_average=size_average, reduce=reduce)
        ref = torch.nn.MSELoss(size_average=size_average, reduce=reduce)
        functional = F.l1_loss(ours(X), ours(Y), size_average, reduce)
        expected = torch.nn.functional.l1_loss(torch.tensor(X), torch.tensor(Y), size_average,
                                               reduce)
    assert mine.reduction == ref.reduction
    np.testing.assert_allclose(functional.array, expected.numpy(), rtol=RTOL, atol=ATOL)
    with pytest.warns(UserWarning, match=f"reduction='{ref.reduction}' instead"):
        L.L1Loss(size_average=size_average, reduce=reduce)


def test_weight_is_a_buffer_and_moves_with_state_dict():
    m = L.CrossEntropyLoss(weight=ours(W))
    assert list(m.state_dict()) == ["weight"]
    assert L.CrossEntropyLoss().weight is None
    assert list(L.BCEWithLogitsLoss(pos_weight=ours(W)).state_dict()) == ["pos_weight"]


def _errors(fn, *args, **kwargs):
    """(exception type, message) torch raises for the same call, and ours."""
    conv = lambda lib, v: (ours(v) if lib == "ours" else torch.tensor(v)) \
        if isinstance(v, np.ndarray) else v
    found = {}
    for lib, module in (("torch", torch.nn.functional), ("ours", F)):
        with pytest.raises(Exception) as info, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(module, fn)(*[conv(lib, a) for a in args],
                                **{k: conv(lib, v) for k, v in kwargs.items()})
        found[lib] = info
    return found["torch"], found["ours"]


ERRORS = [
    ("cross_entropy", (X, np.array([1, 7, 2, 3])), {}),
    ("nll_loss", (X, np.array([1, -3, 2, 3])), {}),
    ("cross_entropy", (X, np.array([1, 2, 2, 3], np.int32)), {}),
    ("cross_entropy", (X, np.array([1.0, 2.0, 2.0, 3.0], np.float32)), {}),
    ("cross_entropy", (X, np.array([1, 2, 2])), {}),
    ("cross_entropy", (X, T), {"weight": np.ones(4, np.float32)}),
    ("cross_entropy", (X, T), {"weight": np.ones(5, np.float64)}),
    ("cross_entropy", (X, normal((4, 5)) ** 2), {"ignore_index": 1}),
    ("cross_entropy", (X, np.ones((4, 5), np.int64)), {}),
    ("cross_entropy", (X, T), {"label_smoothing": 1.5}),
    ("cross_entropy", (normal((2, 5, 3)), np.zeros((2, 4), np.int64)), {}),
    ("nll_loss", (np.array(1.0, np.float32), np.array(1)), {}),
    ("nll_loss", (X[0], np.array([1, 2])), {}),
    ("nll_loss", (X, np.zeros((4, 2), np.int64)), {}),
    ("mse_loss", (X, Y), {"reduction": "bad"}),
    ("mse_loss", (X, normal((4, 3))), {}),
    ("l1_loss", (X, Y), {"weight": np.ones(5, np.float32)}),
    ("smooth_l1_loss", (X, Y), {"beta": -1.0}),
    ("huber_loss", (X, Y), {"delta": 0.0}),
    ("binary_cross_entropy", (np.full(3, 0.5, np.float32), np.full((3, 1), 0.5, np.float32)), {}),
    ("binary_cross_entropy", (np.array([1.5], np.float32), np.array([1.0], np.float32)), {}),
    ("binary_cross_entropy_with_logits", (X[0], Y), {}),
    ("binary_cross_entropy_with_logits", (X[0], T[:1].repeat(5)), {}),
    ("kl_div", (X, Y), {"reduction": "bad"}),
    ("multi_margin_loss", (X, np.array([1, 7, 2, 3])), {}),
    ("multi_margin_loss", (X, T), {"p": 3}),
    ("multi_margin_loss", (X, T), {"weight": np.ones((5, 1), np.float32)}),
    ("multilabel_margin_loss", (X, np.array([[1, 2, 7, -1, 0]] * 4)), {}),
    ("margin_ranking_loss", (X[0], X[:1], X[0]), {}),
    ("cosine_embedding_loss", (X, Y, np.ones((4, 1), np.float32)), {}),
    ("cosine_embedding_loss", (X, Y, np.array(1.0, np.float32)), {}),
    ("triplet_margin_loss", (X, Y, X[0]), {}),
    ("triplet_margin_loss", (X, Y, X), {"margin": 0.0}),
    ("gaussian_nll_loss", (X, Y, np.ones((4, 2), np.float32)), {}),
    ("gaussian_nll_loss", (X, Y, -np.ones((4, 5), np.float32)), {}),
    ("poisson_nll_loss", (X, Y), {"reduction": "bad"}),
    ("multilabel_soft_margin_loss", (X, Y), {"reduction": "bad"}),
]


@pytest.mark.parametrize("fn, args, kwargs", ERRORS, ids=[f"{e[0]}-{i}" for i, e in
                                                          enumerate(ERRORS)])
def test_errors_match_torch(fn, args, kwargs):
    theirs, mine = _errors(fn, *args, **kwargs)
    assert mine.type is theirs.type, f"{mine.type.__name__}: {mine.value}"
    assert str(mine.value) == str(theirs.value)


def test_module_constructor_errors_match_torch():
    for name, kwargs in (("MultiMarginLoss", {"p": 3}), ("TripletMarginLoss", {"margin": -1}),
                         ("TripletMarginWithDistanceLoss", {"margin": 0}),
                         ("HuberLoss", {"delta": "1"})):
        with pytest.raises(Exception) as theirs:
            getattr(torch.nn, name)(**kwargs)
        with pytest.raises(theirs.type, match=re.escape(str(theirs.value))):
            getattr(L, name)(**kwargs)


def test_kl_div_mean_warns_like_torch():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(ours(X), ours(Y))


def test_mse_broadcast_warns_like_torch():
    with pytest.warns(UserWarning, match=re.escape(
            "Using a target size (torch.Size([5])) that is different to the input size "
            "(torch.Size([4, 5]))")):
        F.mse_loss(ours(X), ours(Y[0]))
