"""Shape, join/split and selection functions against torch 2.13, with gradients: view/reshape/
permute/transpose/T/mT/flatten/squeeze/unsqueeze/expand/repeat/tile/flip/roll/chunk/split/cat/
stack/gather/scatter/index_select/masked_fill/where/clamp/tril/triu/narrow/unbind, and their
errors."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as ours
from tests.frontends.torch_like.test_functions_harness import compare, same_error

R = np.random.default_rng(2)
X = R.standard_normal((2, 3, 4)).astype(np.float32)
M = R.standard_normal((3, 4)).astype(np.float32)
V = R.standard_normal(4).astype(np.float32)

SHAPE = {
    "view": lambda T, x: x.view(6, 4),
    "view tuple": lambda T, x: x.view((4, -1)),
    "reshape": lambda T, x: T.reshape(x, (-1,)),
    "view_as": lambda T, x: x.view_as(T.zeros(4, 6)),
    "flatten": lambda T, x: x.flatten(),
    "flatten range": lambda T, x: T.flatten(x, 1, 2),
    "unflatten": lambda T, x: x.unflatten(2, (2, 2)),
    "squeeze": lambda T, x: x[:, :1].squeeze(),
    "squeeze dim": lambda T, x: x[:, :1].squeeze(1),
    "squeeze other dim": lambda T, x: x.squeeze(0),
    "squeeze dims": lambda T, x: x[:1, :1].squeeze((0, 1)),
    "unsqueeze": lambda T, x: x.unsqueeze(1),
    "unsqueeze -1": lambda T, x: T.unsqueeze(x, -1),
    "permute": lambda T, x: x.permute(2, 0, 1),
    "permute tuple": lambda T, x: T.permute(x, (1, 2, 0)),
    "transpose": lambda T, x: x.transpose(0, 2),
    "swapaxes": lambda T, x: T.swapaxes(x, -1, 0),
    "movedim": lambda T, x: T.movedim(x, 0, -1),
    "movedim many": lambda T, x: x.movedim((0, 1), (2, 0)),
    "mT": lambda T, x: x.mT,
    "expand": lambda T, x: x[:, :1].expand(2, 5, 4),
    "expand -1": lambda T, x: x[:, :1].expand(3, -1, 3, -1),
    "expand_as": lambda T, x: x[:1].expand_as(x),
    "broadcast_to": lambda T, x: T.broadcast_to(x[0, 0], (3, 4)),
    "repeat": lambda T, x: x.repeat(2, 1, 3),
    "repeat more dims": lambda T, x: x.repeat(2, 1, 1, 2),
    "tile": lambda T, x: T.tile(x, (2,)),
    "repeat_interleave": lambda T, x: x.repeat_interleave(2, dim=1),
    "repeat_interleave flat": lambda T, x: T.repeat_interleave(x, 3),
    "repeat_interleave counts": lambda T, x: x.repeat_interleave(T.tensor([1, 0, 2]), dim=1),
    "flip": lambda T, x: x.flip(0, 2),
    "flip list": lambda T, x: T.flip(x, [1]),
    "fliplr": lambda T, x: T.fliplr(x),
    "roll": lambda T, x: x.roll(1, 2),
    "roll flat": lambda T, x: T.roll(x, -5),
    "roll many": lambda T, x: x.roll((1, -2), (0, 2)),
    "rot90": lambda T, x: T.rot90(x, 1, (1, 2)),
    "narrow": lambda T, x: x.narrow(2, 1, 2),
    "select": lambda T, x: x.select(1, -1),
    "contiguous": lambda T, x: x.transpose(0, 1).contiguous(),
    "clone": lambda T, x: x.clone(),
    "atleast_3d": lambda T, x: T.atleast_3d(x[0, 0]),
    "diff": lambda T, x: x.diff(),
    "diff n=2": lambda T, x: T.diff(x, n=2, dim=1),
    "diff prepend append": lambda T, x: T.diff(x, dim=0, prepend=x[:1] * 2, append=x[1:] - 1),
}


@pytest.mark.parametrize("name", SHAPE)
def test_shape_functions(name):
    compare(SHAPE[name], X)


def test_t_and_T():
    compare(lambda T, m: m.t(), M)
    compare(lambda T, m: m.T, M)
    compare(lambda T, v: v.t(), V)
    compare(lambda T, x: x.T, X)
    same_error(lambda T, x: x.t(), X, match="t() expects a tensor with <= 2 dimensions, but "
                                            "self is 3D")


JOIN = {
    "cat": lambda T, a, b: T.cat([a, b], 1),
    "cat dim -1": lambda T, a, b: T.cat((a, b[:, :, :2]), -1),
    "cat promotes": lambda T, a, b: T.cat([a, b.double()]),
    "cat skips empty 1-d": lambda T, a, b: T.cat([a, T.zeros(0), b]),
    "stack": lambda T, a, b: T.stack([a, b]),
    "stack -1": lambda T, a, b: T.stack((a, b), -1),
    "hstack": lambda T, a, b: T.hstack([a, b]),
    "vstack": lambda T, a, b: T.vstack([a[0], b[0]]),
    "dstack": lambda T, a, b: T.dstack([a[0], b[0]]),
    "column_stack": lambda T, a, b: T.column_stack([a[0, 0], b[0, 0]]),
    "split": lambda T, a, b: a.split(2, 2),
    "split sizes": lambda T, a, b: T.split(a, [1, 3], dim=-1),
    "chunk": lambda T, a, b: a.chunk(3, 2),
    "chunk fewer": lambda T, a, b: T.chunk(b, 3, 1),
    "tensor_split": lambda T, a, b: T.tensor_split(a, 3, dim=2),
    "tensor_split indices": lambda T, a, b: a.tensor_split([1, 3], dim=2),
    "unbind": lambda T, a, b: a.unbind(1),
    "unbind fn": lambda T, a, b: T.unbind(b),
    "meshgrid": lambda T, a, b: T.meshgrid(a[0, 0], b[0, :, 0], indexing="ij"),
    "meshgrid xy": lambda T, a, b: T.meshgrid(a[0, 0], b[0, :, 0], indexing="xy"),
}


@pytest.mark.parametrize("name", JOIN)
def test_join_and_split(name):
    compare(JOIN[name], X, X[::-1].copy() * 2)


def test_join_errors():
    same_error(lambda T, a, b: T.cat([a, b]), np.ones((2, 3)), np.ones((2, 4)),
               match="Sizes of tensors must match except in dimension 0. Expected size 3 but got "
                     "size 4 for tensor number 1 in the list.")
    same_error(lambda T, a, b: T.cat([a, b]), np.ones((2, 3)), np.ones(3),
               match="Tensors must have same number of dimensions: got 2 and 1")
    same_error(lambda T: T.cat([]), match="expected a non-empty list of Tensors")
    same_error(lambda T, a, b: T.stack([a, b]), np.ones((2, 3)), np.ones((2, 4)),
               match="stack expects each tensor to be equal size, but got [2, 3] at entry 0 and "
                     "[2, 4] at entry 1")
    same_error(lambda T, a: a.split([2, 2]), np.ones(5),
               match="split_with_sizes expects split_sizes to sum exactly to 5")
    same_error(lambda T, a: a.narrow(0, 1, 5), np.ones(3),
               match="start (1) + length (5) exceeds dimension size (3).")


SHAPE_ERRORS = {
    "view size": (lambda T, x: x.view(5, 5), "shape '[5, 5]' is invalid for input of size 24"),
    "two -1": (lambda T, x: x.view(-1, -1), "only one dimension can be inferred"),
    "dim range": (lambda T, x: x.unsqueeze(4), ("Dimension out of range (expected to be in "
                                               "range of [-4, 3], but got 4)")),
    "sum dim": (lambda T, x: x.sum(3), ("Dimension out of range (expected to be in range of "
                                       "[-3, 2], but got 3)")),
    "expand": (lambda T, x: x.expand(2, 3, 5), ("The expanded size of the tensor (5) must match "
                                              "the existing size (4) at non-singleton "
                                              "dimension 2.  Target sizes: [2, 3, 5].  Tensor "
                                              "sizes: [2, 3, 4]")),
    "expand rank": (lambda T, x: x.expand(4), ("the number of sizes provided (1) must be "
                                              "greater or equal to the number of dimensions in "
                                              "the tensor (3)")),
    "repeat": (lambda T, x: x.repeat(2), ("Number of dimensions of repeat dims can not be "
                                         "smaller than number of dimensions of tensor")),
    "permute": (lambda T, x: x.permute(0, 0, 1), "permute(): duplicate dims are not allowed."),
}


@pytest.mark.parametrize("name", SHAPE_ERRORS)
def test_shape_errors(name):
    fn, message = SHAPE_ERRORS[name]
    same_error(fn, X, match=message)


IDX = np.array([[0, 2, 1, 0], [1, 1, 0, 2]], np.int64)
MASK = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])

SELECT = {
    "gather": lambda T, m: T.gather(m, 0, T.tensor(IDX)),
    "gather smaller index": lambda T, m: m.gather(1, T.tensor(IDX[:, :2])),
    "scatter src": lambda T, m: T.zeros(3, 4).scatter(0, T.tensor(IDX), m[:2]),
    "scatter into": lambda T, m: m.scatter(1, T.tensor([[0], [3], [1]]), -1.0),
    "scatter value": lambda T, m: T.scatter(m, 1, T.tensor([[0], [3], [1]]), value=2.5),
    "scatter_add": lambda T, m: T.zeros(3, 4).scatter_add(0, T.tensor(IDX), m[:2]),
    "scatter_reduce sum": lambda T, m: m.scatter_reduce(0, T.tensor(IDX), m[1:], "sum"),
    "scatter_reduce amax": lambda T, m: m.scatter_reduce(0, T.tensor(IDX), m[:2] * 2, "amax",
                                                         include_self=False),
    "scatter_reduce prod": lambda T, m: m.scatter_reduce(0, T.tensor(IDX), m[:2], "prod"),
    "scatter_reduce mean": lambda T, m: m.scatter_reduce(0, T.tensor(IDX), m[:2] * 3, "mean"),
    "index_select": lambda T, m: m.index_select(1, T.tensor([3, 0, 0])),
    "index_select 0-d": lambda T, m: T.index_select(m, 0, T.tensor(2)),
    "index_add": lambda T, m: m.index_add(1, T.tensor([0, 2]), m[:, :2], alpha=2),
    "index_copy": lambda T, m: m.index_copy(0, T.tensor([2, 0]), m[:2] * 5),
    "index_fill": lambda T, m: m.index_fill(1, T.tensor([1, 3]), -2.0),
    "masked_fill": lambda T, m: m.masked_fill(T.tensor(MASK), 0.5),
    "masked_fill broadcast": lambda T, m: m.masked_fill(T.tensor(MASK[2:, :]), -1),
    "masked_fill tensor": lambda T, m: m.masked_fill(T.tensor(MASK), m[0, 0] * 2),
    "masked_select": lambda T, m: m.masked_select(T.tensor(MASK)),
    "where": lambda T, m: T.where(T.tensor(MASK), m, m * 3),
    "where scalars": lambda T, m: T.where(m > 0, m, 0.0),
    "where method": lambda T, m: m.where(m < 0, -m),
    "take": lambda T, m: T.take(m, T.tensor([[0, 11], [-1, 5]])),
    "take_along_dim": lambda T, m: T.take_along_dim(m, T.tensor([[0], [3], [1]]), 1),
    "take_along_dim broadcast": lambda T, m: T.take_along_dim(m, T.tensor([[2, 0]]), 1),
    "clamp": lambda T, m: m.clamp(-0.5, 0.5),
    "clamp min": lambda T, m: T.clamp(m, min=0),
    "clamp max": lambda T, m: m.clamp(max=0.1),
    "clip": lambda T, m: T.clip(m, -1, 1),
    "clamp tensors": lambda T, m: m.clamp(m[0], m[1]),
    "clamp_min": lambda T, m: m.clamp_min(0.2),
    "tril": lambda T, m: m.tril(),
    "triu": lambda T, m: T.triu(m, 1),
    "tril -1": lambda T, m: T.tril(m, -1),
    "diag": lambda T, m: T.diag(m),
    "diag 1": lambda T, m: m.diag(1),
    "diag of vector": lambda T, m: T.diag(m[0], -1),
    "diagonal": lambda T, m: m.diagonal(),
    "trace": lambda T, m: m.trace(),
    "unfold": lambda T, m: m.unfold(1, 2, 1),
}


@pytest.mark.parametrize("name", SELECT)
def test_selection_functions(name):
    compare(SELECT[name], M)


def test_scatter_with_a_reduction_by_value():
    # torch implements no derivative for scatter(reduce=...)
    compare(lambda T, m: m.scatter(0, T.tensor(IDX), m[:2], reduce="add"), M, grad=False)
    compare(lambda T, m: m.scatter(0, T.tensor(IDX), m[:2], reduce="multiply"), M, grad=False)


def test_clamp_promotes_and_errors():
    compare(lambda T, x: T.clamp(x, 2, 3.5), np.array([1, 5, 3], np.int64))
    compare(lambda T, x: T.clamp(x, T.tensor([2.0, 0.0, 4.0])), np.array([1, 5, 3], np.int64))
    same_error(lambda T, x: T.clamp(x), M, match="At least one of 'min' or 'max' must not be "
                                                "None")


def test_selection_errors():
    same_error(lambda T, m: m.gather(1, T.tensor([[4], [0], [0]])), M,
               match="index 4 is out of bounds for dimension 1 with size 4")
    same_error(lambda T, m: m.masked_fill(T.tensor([1, 0, 1, 0]), 0.5), M,
               match="masked_fill_ only supports boolean masks, but got mask with dtype long int")
    same_error(lambda T, m: m.index_select(0, T.tensor([3])), M, match="index out of range in "
                                                                        "self")
    same_error(lambda T, m: T.where(m, m, m), M, match="where expected condition to be a boolean "
                                                       "tensor")


def test_inplace_selection_forms():
    def f(T, m):
        y = m * 1
        y.masked_fill_(T.tensor(MASK), 0.0)
        y.clamp_(max=0.3)
        y.scatter_(1, T.tensor([[0], [1], [2]]), 9.0)
        y.index_fill_(0, T.tensor([1]), 4.0)
        y.tril_()
        y.unsqueeze_(0)
        y.t_() if y.ndim == 2 else y.squeeze_(0)
        return y
    compare(f, M)


def test_views_share_memory_without_autograd():
    base = ours.zeros(2, 3)
    base.view(3, 2)[0, 1] = 1.0
    base.t()[2, 1] = 2.0
    base.unsqueeze(0)[0, 1, 0] = 3.0
    assert base.tolist() == [[0, 1, 0], [3, 0, 2]]
    assert base.is_contiguous() and not base.t().is_contiguous()
    assert base.t().contiguous().is_contiguous()
