"""Differential tests of torch_like.nn.functional's losses against real torch 2.13: the same
inputs (copied across), every reduction, weights, ignore_index, label smoothing, probability
targets and K-dim inputs; outputs and the gradients of every differentiable input, under a
random cotangent."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest

import frontends.torch_like.nn.functional as F
from frontends.torch_like import Tensor

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RTOL, ATOL = 1e-5, 1e-6  # float32
REDUCTIONS = ("none", "mean", "sum")


def normal(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def uniform(shape, seed, low=0.05, high=0.95):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


def signs(shape, seed):
    return np.random.default_rng(seed).choice([-1.0, 1.0], shape).astype(np.float32)


def log_probs(shape, seed, axis=1):
    x = normal(shape, seed)
    return (x - np.log(np.exp(x).sum(axis, keepdims=True))).astype(np.float32)


def probs(shape, seed, axis=1):
    x = np.exp(normal(shape, seed))
    return (x / x.sum(axis, keepdims=True)).astype(np.float32)


def labels(shape, n_classes, seed, ignored=()):
    t = np.random.default_rng(seed).integers(0, n_classes, shape)
    for index in ignored:
        t[index] = -100
    return t


@dataclass
class Case:
    id: str
    fn: str
    inputs: list                       # (array, requires_grad)
    kwargs: dict = field(default_factory=dict)   # arrays become tensors without grad
    reductions: tuple = REDUCTIONS
    tol: tuple = (RTOL, ATOL)


CASES = [
    Case("mse", "mse_loss", [(normal((4, 3), 0), True), (normal((4, 3), 1), True)]),
    Case("mse_broadcast", "mse_loss", [(normal((4, 3), 0), True), (normal((3,), 1), False)]),
    Case("mse_weight", "mse_loss", [(normal((4, 3), 0), True), (normal((4, 3), 1), True)],
         {"weight": uniform((4, 3), 2)}),
    Case("l1", "l1_loss", [(normal((4, 3), 0), True), (normal((4, 3), 1), True)]),
    Case("l1_weight", "l1_loss", [(normal((4, 3), 0), True), (normal((4, 3), 1), False)],
         {"weight": uniform((4, 3), 2)}),
    Case("smooth_l1", "smooth_l1_loss", [(normal((5, 3), 0), True), (normal((5, 3), 1), True)]),
    Case("smooth_l1_beta", "smooth_l1_loss", [(normal((5, 3), 0), True),
                                              (normal((5, 3), 1), True)], {"beta": 0.5}),
    Case("smooth_l1_beta0", "smooth_l1_loss", [(normal((5, 3), 0), True),
                                               (normal((5, 3), 1), True)], {"beta": 0.0}),
    Case("huber", "huber_loss", [(normal((5, 3), 0), True), (normal((5, 3), 1), True)]),
    Case("huber_delta", "huber_loss", [(normal((5, 3), 0) * 2, True), (normal((5, 3), 1), True)],
         {"delta": 0.3}),
    Case("huber_weight", "huber_loss", [(normal((5, 3), 0), True), (normal((5, 3), 1), False)],
         {"weight": uniform((5, 3), 2)}),
    Case("bce", "binary_cross_entropy", [(uniform((4, 3), 0), True), (uniform((4, 3), 1), False)]),
    Case("bce_weight", "binary_cross_entropy", [(uniform((4, 3), 0), True),
                                                (uniform((4, 3), 1), False)],
         {"weight": uniform((3,), 2)}),
    Case("bce_logits", "binary_cross_entropy_with_logits",
         [(normal((4, 3), 0) * 3, True), (uniform((4, 3), 1), True)]),
    Case("bce_logits_weights", "binary_cross_entropy_with_logits",
         [(normal((4, 3), 0) * 3, True), (uniform((4, 3), 1), False)],
         {"weight": uniform((3,), 2), "pos_weight": uniform((3,), 3, 0.5, 3.0)}),
    Case("nll", "nll_loss", [(log_probs((6, 4), 0), True), (labels(6, 4, 1, [2]), False)]),
    Case("nll_weight_ignore", "nll_loss",
         [(log_probs((6, 4), 0), True), (labels(6, 4, 1), False)],
         {"weight": uniform((4,), 2), "ignore_index": 1}),
    Case("nll_kdim", "nll_loss", [(log_probs((2, 4, 3, 3), 0), True),
                                  (labels((2, 3, 3), 4, 1, [(0, 1, 1)]), False)],
         {"weight": uniform((4,), 2)}),
    Case("nll_unbatched", "nll_loss", [(log_probs((4,), 0, 0), True), (np.array(2), False)]),
    Case("ce", "cross_entropy", [(normal((6, 5), 0), True), (labels(6, 5, 1), False)]),
    Case("ce_weight_ignore", "cross_entropy",
         [(normal((6, 5), 0), True), (labels(6, 5, 1, [0, 3]), False)],
         {"weight": uniform((5,), 2)}),
    Case("ce_ignore_index", "cross_entropy", [(normal((6, 5), 0), True), (labels(6, 5, 1), False)],
         {"ignore_index": 2}),
    Case("ce_smoothing", "cross_entropy", [(normal((6, 5), 0), True), (labels(6, 5, 1), False)],
         {"label_smoothing": 0.2}),
    Case("ce_smoothing_weight_ignore", "cross_entropy",
         [(normal((6, 5), 0), True), (labels(6, 5, 1, [4]), False)],
         {"label_smoothing": 0.15, "weight": uniform((5,), 2)}),
    Case("ce_kdim", "cross_entropy", [(normal((2, 5, 3, 2), 0), True),
                                      (labels((2, 3, 2), 5, 1, [(1, 0, 1)]), False)],
         {"weight": uniform((5,), 2), "label_smoothing": 0.1}),
    Case("ce_unbatched", "cross_entropy", [(normal((5,), 0), True), (np.array(3), False)]),
    Case("ce_probs", "cross_entropy", [(normal((6, 5), 0), True), (probs((6, 5), 1), True)]),
    Case("ce_probs_weight_smoothing", "cross_entropy",
         [(normal((6, 5), 0), True), (probs((6, 5), 1), True)],
         {"weight": uniform((5,), 2), "label_smoothing": 0.3}),
    Case("ce_probs_kdim", "cross_entropy",
         [(normal((2, 5, 3), 0), True), (probs((2, 5, 3), 1), True)], {"weight": uniform((5,), 2)}),
    Case("ce_probs_unbatched", "cross_entropy",
         [(normal((5,), 0), True), (probs((5,), 1, 0), True)]),
    Case("kl_div", "kl_div", [(log_probs((4, 5), 0), True), (probs((4, 5), 1), True)],
         reductions=REDUCTIONS + ("batchmean",)),
    Case("kl_div_log_target", "kl_div", [(log_probs((4, 5), 0), True),
                                         (log_probs((4, 5), 1), True)],
         {"log_target": True}, reductions=REDUCTIONS + ("batchmean",)),
    Case("poisson", "poisson_nll_loss", [(normal((4, 3), 0), True),
                                         (uniform((4, 3), 1, 0, 4), True)]),
    Case("poisson_full", "poisson_nll_loss",
         [(uniform((4, 3), 0, 0.5, 3), True), (uniform((4, 3), 1, 0, 4), False)],
         {"log_input": False, "full": True}),
    Case("gaussian", "gaussian_nll_loss", [(normal((4, 3), 0), True), (normal((4, 3), 1), True),
                                           (uniform((4, 3), 2, 0.1, 2), True)]),
    Case("gaussian_homoscedastic_full", "gaussian_nll_loss",
         [(normal((4, 3), 0), True), (normal((4, 3), 1), True), (uniform((4,), 2, 0.1, 2), True)],
         {"full": True}),
    Case("gaussian_clamped_var", "gaussian_nll_loss",
         [(normal((4, 3), 0), True), (normal((4, 3), 1), True),
          (uniform((4, 3), 2, 0.0, 2e-6), True)]),
    Case("soft_margin", "soft_margin_loss",
         [(normal((4, 3), 0) * 3, True), (signs((4, 3), 1), False)]),
    Case("multilabel_soft_margin", "multilabel_soft_margin_loss",
         [(normal((4, 3), 0), True), (uniform((4, 3), 1), False)], {"weight": uniform((3,), 2)}),
    Case("hinge_embedding", "hinge_embedding_loss",
         [(normal((4, 3), 0), True), (signs((4, 3), 1), False)], {"margin": 0.5}),
    Case("cosine_embedding", "cosine_embedding_loss",
         [(normal((5, 4), 0), True), (normal((5, 4), 1), True), (signs(5, 2), False)],
         {"margin": 0.2}),
    Case("cosine_embedding_1d", "cosine_embedding_loss",
         [(normal((4,), 0), True), (normal((4,), 1), True), (np.float32(-1.0), False)]),
    Case("margin_ranking", "margin_ranking_loss",
         [(normal((6,), 0), True), (normal((6,), 1), True), (signs(6, 2), False)],
         {"margin": 0.1}),
    Case("triplet", "triplet_margin_loss",
         [(normal((5, 4), 0), True), (normal((5, 4), 1), True), (normal((5, 4), 2), True)]),
    Case("triplet_p1_swap", "triplet_margin_loss",
         [(normal((5, 4), 0), True), (normal((5, 4), 1), True), (normal((5, 4), 2), True)],
         {"p": 1, "swap": True, "margin": 2.0}),
    Case("triplet_p3", "triplet_margin_loss",
         [(normal((5, 4), 0), True), (normal((5, 4), 1), True), (normal((5, 4), 2), True)],
         {"p": 3}),
    Case("triplet_distance", "triplet_margin_with_distance_loss",
         [(normal((5, 4), 0), True), (normal((5, 4), 1), True), (normal((5, 4), 2), True)],
         {"swap": True, "margin": 3.0}),
    Case("multi_margin", "multi_margin_loss",
         [(normal((5, 4), 0), True), (labels(5, 4, 1), False)]),
    Case("multi_margin_p2_weight", "multi_margin_loss",
         [(normal((5, 4), 0), True), (labels(5, 4, 1), False)],
         {"p": 2, "margin": 0.7, "weight": uniform((4,), 2)}),
    Case("multilabel_margin", "multilabel_margin_loss",
         [(normal((3, 5), 0), True),
          (np.array([[3, 0, -1, 1, 2], [1, 4, 2, 0, 3], [-1, 1, 1, 1, 1]]), False)]),
]


def _ours(a, grad=False):
    t = Tensor(np.array(a))
    t.requires_grad = grad
    return t


def _theirs(a, grad=False):
    return torch.tensor(np.array(a), requires_grad=grad)


def _call(module, case, reduction, make):
    tensors = [make(a, g) for a, g in case.inputs]
    kwargs = {k: make(v) if isinstance(v, np.ndarray) else v for k, v in case.kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's 'mean' and the broadcasting warnings
        return tensors, getattr(module, case.fn)(*tensors, reduction=reduction, **kwargs)


PARAMS = [pytest.param(case, r, id=f"{case.id}-{r}") for case in CASES for r in case.reductions]


@pytest.mark.parametrize("case, reduction", PARAMS)
def test_loss_matches_torch(case, reduction):
    rtol, atol = case.tol
    ours, out = _call(F, case, reduction, _ours)
    theirs, ref = _call(TF, case, reduction, _theirs)
    assert tuple(out.shape) == tuple(ref.shape)
    np.testing.assert_allclose(out.array, ref.detach().numpy(), rtol=rtol, atol=atol)
    cot = normal(tuple(ref.shape), 99)
    out.backward(Tensor(cot))
    ref.backward(torch.tensor(cot))
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if t.requires_grad:
            assert o.grad is not None, f"no gradient for input {i}"
            np.testing.assert_allclose(o.grad.array, t.grad.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("beta", [0.5, 1.0])
def test_smooth_l1_and_huber_at_the_kink(beta):
    """Differences exactly at +-beta (and 0) take torch's one-sided gradients."""
    x = np.array([beta, -beta, 0.0, 2 * beta], np.float32)
    for fn, kw in (("smooth_l1_loss", {"beta": beta}), ("huber_loss", {"delta": beta})):
        a, b = _ours(x, True), _theirs(x, True)
        getattr(F, fn)(a, _ours(np.zeros(4, np.float32)), reduction="sum", **kw).backward()
        getattr(TF, fn)(b, _theirs(np.zeros(4, np.float32)), reduction="sum", **kw).backward()
        np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_bce_clamps_logs_like_torch():
    """log(0) is clamped to -100: inputs of exactly 0 and 1 give finite losses."""
    x = np.array([0.0, 1.0, 0.5, 1.0], np.float32)
    t = np.array([1.0, 0.0, 0.3, 1.0], np.float32)
    out = F.binary_cross_entropy(_ours(x), _ours(t), reduction="none")
    ref = TF.binary_cross_entropy(_theirs(x), _theirs(t), reduction="none")
    np.testing.assert_allclose(out.array, ref.numpy(), rtol=RTOL, atol=ATOL)


def test_bce_with_logits_is_stable_for_large_logits():
    x = np.array([-200.0, -30.0, 0.0, 30.0, 200.0], np.float32)
    t = np.array([1.0, 0.0, 1.0, 1.0, 0.0], np.float32)
    a, b = _ours(x, True), _theirs(x, True)
    out = F.binary_cross_entropy_with_logits(a, _ours(t), reduction="sum")
    ref = TF.binary_cross_entropy_with_logits(b, _theirs(t), reduction="sum")
    out.backward()
    ref.backward()
    np.testing.assert_allclose(out.array, ref.detach().numpy(), rtol=RTOL)
    np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_cross_entropy_all_ignored_mean_is_nan_like_torch():
    x = normal((3, 4), 0)
    t = np.array([-100, -100, -100])
    assert np.isnan(F.cross_entropy(_ours(x), _ours(t)).array)
    assert torch.isnan(TF.cross_entropy(_theirs(x), _theirs(t)))


def test_uint8_targets_are_accepted_like_torch():
    x, t = log_probs((4, 3), 0), np.array([0, 2, 1, 2], np.uint8)
    out = F.nll_loss(_ours(x), _ours(t))
    np.testing.assert_allclose(out.array, TF.nll_loss(_theirs(x), _theirs(t)).numpy(), rtol=RTOL)
