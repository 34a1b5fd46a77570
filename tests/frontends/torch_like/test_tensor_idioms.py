"""Everyday PyTorch idioms, run unchanged in torch 2.13 and torch_like (only the module
differs): manual gradient descent, accuracy counting, one-hot by scatter_, masked assignment,
causal attention, flattening with view(size(0), -1), legacy Variable/FloatTensor code."""

from __future__ import annotations

import math

import numpy as np

import frontends.torch_like as ours
from tests.frontends.torch_like.test_functions_harness import assert_same, compare, torch

R = np.random.default_rng(7)


def test_manual_gradient_descent():
    X = R.standard_normal((32, 3)).astype(np.float32)
    y = X @ np.array([[1.5], [-2.0], [0.5]], np.float32) + 0.3

    def train(T):
        T.manual_seed(0)
        w = T.tensor(np.full((3, 1), 0.1, np.float32), requires_grad=True)
        b = T.zeros(1, requires_grad=True)
        xs, ys = T.tensor(X), T.tensor(y)
        losses = []
        for _ in range(25):
            loss = ((xs @ w + b - ys) ** 2).mean()
            loss.backward()
            with T.no_grad():
                w -= 0.1 * w.grad
                b -= 0.1 * b.grad
                w.grad.zero_()
                b.grad.zero_()
            losses.append(loss.item())
        return w.detach(), b.detach(), T.tensor(losses)
    assert_same(train(ours), train(torch), rtol=1e-4, atol=1e-5)  # 25 float32 steps


def test_accuracy_counting():
    logits = R.standard_normal((10, 4)).astype(np.float32)
    labels = R.integers(0, 4, 10)

    def count(T, out, lab):
        _, predicted = T.max(out.data, 1)
        correct = (predicted == lab).sum().item()
        acc = (out.argmax(dim=1) == lab).float().mean()
        return correct, acc, predicted.eq(lab.view_as(predicted)).sum()
    compare(count, logits, labels)


def test_one_hot_by_scatter_and_masked_assignment():
    labels = np.array([2, 0, 1, 2])

    def f(T, lab, x):
        one_hot = T.zeros(4, 3).scatter_(1, lab.unsqueeze(1), 1)
        y = x.clone()
        y[y < 0] = 0
        y[:, 0] += 1
        return one_hot, y, T.nn.functional.one_hot(lab, 3) if T is torch else one_hot.long()
    compare(f, labels, R.standard_normal((4, 3)).astype(np.float32))


def test_causal_attention():
    q = R.standard_normal((2, 4, 8)).astype(np.float32)
    k = R.standard_normal((2, 4, 8)).astype(np.float32)
    v = R.standard_normal((2, 4, 8)).astype(np.float32)

    def attend(T, q, k, v):
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
        mask = T.triu(T.ones(4, 4), diagonal=1).bool()
        scores = scores.masked_fill(mask, float("-inf"))
        weights = T.softmax(scores, dim=-1)
        return weights @ v
    compare(attend, q, k, v)


def test_flatten_concat_and_positions():
    x = R.standard_normal((3, 2, 4)).astype(np.float32)

    def f(T, x):
        flat = x.view(x.size(0), -1)
        pos = T.arange(4).unsqueeze(0).expand(3, 4)
        both = T.cat((flat, pos.float()), dim=1)
        rows = T.stack([row.sum() for row in both])
        return both, rows, T.tensor([t.item() for t in rows])
    compare(f, x)


def test_legacy_code():
    def f(T):
        x = T.autograd.Variable(T.FloatTensor([[1, 2], [3, 4]]), requires_grad=True)
        y = T.autograd.Variable(T.LongTensor([1, 0]))
        loss = (x.gather(1, y.view(-1, 1)) ** 2).sum()
        loss.backward()
        return x.grad.data, loss.data, x.data.numpy().tolist()
    assert_same(f(ours), f(torch))
