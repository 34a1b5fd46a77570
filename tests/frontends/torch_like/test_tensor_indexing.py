"""Indexing against torch 2.13: basic (ints, slices, None, Ellipsis), advanced (integer tensors
and lists, boolean masks, several indices adjacent or not, mixed with ints), assignment with
gradients flowing to both sides, views, and torch's IndexError/ValueError messages."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as ours
from tests.frontends.torch_like.test_functions_harness import compare, same_error, torch

R = np.random.default_rng(1)
X = R.standard_normal((4, 5, 6)).astype(np.float32)


def _i(*values):
    return np.array(values, np.int64)


READS = {
    "int": lambda T: 1,
    "negative int": lambda T: -1,
    "int, int": lambda T: (2, -3),
    "slice": lambda T: slice(1, 3),
    "strided slice": lambda T: (slice(None), slice(None, None, 2)),
    "slice past the end": lambda T: slice(2, 100),
    "empty slice": lambda T: slice(3, 1),
    "negative slice bounds": lambda T: (slice(-3, -1), slice(-10, 2)),
    "None": lambda T: (None, 0),
    "Ellipsis": lambda T: (Ellipsis, 1),
    "Ellipsis and None": lambda T: (0, Ellipsis, None, slice(1, 4)),
    "tensor": lambda T: T.tensor(_i(0, 2, 2, -1)),
    "list": lambda T: [3, 0],
    "2-d index tensor": lambda T: T.tensor(_i(0, 1, 3, 2).reshape(2, 2)),
    "tensor on a later axis": lambda T: (slice(None), T.tensor(_i(4, 0))),
    "two adjacent tensors": lambda T: (T.tensor(_i(0, 3)), T.tensor(_i(1, 2))),
    "two separated tensors": lambda T: (T.tensor(_i(0, 3)), slice(None), T.tensor(_i(1, 2))),
    "int between tensors (torch's rule)": lambda T: (0, slice(None), T.tensor(_i(1, 2))),
    "int then adjacent tensors": lambda T: (slice(None), 0, T.tensor(_i(1, 2))),
    "broadcast tensors": lambda T: (T.tensor(_i(0, 3)).reshape(2, 1), T.tensor(_i(1, 2, 4))),
    "None between tensors": lambda T: (None, T.tensor(_i(0, 1)), None, T.tensor(_i(1, 2))),
    "bool mask (full)": lambda T: T.tensor(X > 0.3),
    "bool mask (first axis)": lambda T: T.tensor(np.array([True, False, True, True])),
    "bool mask (2 axes)": lambda T: (slice(None), T.tensor(X[0, :, :] > 0)),
    "bool mask and int": lambda T: (1, T.tensor(np.array([False, True, True, False, True]))),
    "0-d int tensor": lambda T: T.tensor(2),
    "bool list": lambda T: [True, False, False, True],
}


@pytest.mark.parametrize("name", READS)
def test_reading_matches_torch_with_gradients(name):
    compare(lambda T, x: x[READS[name](T)], X)


def test_reading_integer_and_bool_tensors():
    ints = np.arange(24).reshape(4, 6)
    compare(lambda T, x: x[1:, T.tensor([0, 5])], ints)
    compare(lambda T, x: x[x > 10], ints)
    compare(lambda T, x: x[..., None], np.array([True, False]))
    compare(lambda T, x: x[None], np.asarray(3.5, np.float32))


def test_basic_reads_are_views():
    x = ours.zeros(3, 4)
    x[1][2] = 5  # torch: x[1] is a view, so this writes into x
    x[:, 0].fill_(1)
    x[2:].add_(2)
    assert x.tolist() == [[1, 0, 0, 0], [1, 0, 5, 0], [3, 2, 2, 2]]


ERRORS = {
    "int out of range": (lambda T, x: x[5], IndexError,
                         "index 5 is out of bounds for dimension 0 with size 4"),
    "tensor out of range": (lambda T, x: x[T.tensor([5])], IndexError,
                            "index 5 is out of bounds for dimension 0 with size 4"),
    "too many indices": (lambda T, x: x[0, 0, 0, 0], IndexError,
                         "too many indices for tensor of dimension 3"),
    "negative step": (lambda T, x: x[::-1], ValueError, "step must be greater than zero"),
    "mask shape": (lambda T, x: x[T.tensor([True, False])], IndexError,
                   ("The shape of the mask [2] at index 0 does not match the shape of the indexed "
                   "tensor [4, 5, 6] at index 0")),
    "float index": (lambda T, x: x[T.tensor([1.0])], IndexError,
                    "tensors used as indices must be long, int, byte or bool tensors"),
    "unbroadcastable": (lambda T, x: x[T.tensor([0, 1]), T.tensor([0, 1, 2])], IndexError,
                        "shape mismatch: indexing tensors could not be broadcast together"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_index_errors_match_torch(name):
    fn, exc, message = ERRORS[name]
    err = same_error(fn, X, match=message)
    assert isinstance(err, exc)


WRITES = {
    "int": (lambda T: 1, 0.5),
    "slice": (lambda T: (slice(None), slice(1, 3)), -1.0),
    "Ellipsis": (lambda T: (Ellipsis, 0), 2.0),
    "tensor": (lambda T: T.tensor(_i(0, 2)), 3.0),
    "bool mask": (lambda T: T.tensor(X > 0.5), 0.0),
    "two tensors": (lambda T: (T.tensor(_i(0, 3)), slice(None), T.tensor(_i(1, 2))), 7.0),
    "int then tensor": (lambda T: (0, slice(None), T.tensor(_i(1, 2))), 9.0),
}


@pytest.mark.parametrize("name", WRITES)
def test_assignment_of_a_number_matches_torch(name):
    index, value = WRITES[name]

    def f(T, x):
        y = x * 1
        y[index(T)] = value
        return y
    compare(f, X)


@pytest.mark.parametrize("name", WRITES)
def test_assignment_of_a_tensor_sends_gradients_to_both_sides(name):
    index, _ = WRITES[name]
    shape = tuple(torch.zeros(X.shape)[index(torch)].shape)
    value = R.standard_normal(shape[-1:] if shape else ()).astype(np.float32)

    def f(T, x, v):
        y = x * 2
        y[index(T)] = v * 3
        return y
    compare(f, X, value)


def test_assignment_without_gradients_writes_in_place():
    def f(T, x):
        x[0, 1:3] = 5
        x[x < -1] = -1
        x[T.tensor([1, 2]), 0, 0] = T.tensor([7.0, 8.0])
        x[..., -1] = x[..., 0]
        return x
    compare(f, X, grad=False)
    t = ours.zeros(2, 3, dtype=ours.int64)
    t[0] = ours.tensor([1.7, 2.2, -3.9])  # cast to the target's dtype, as torch
    assert t.tolist() == [[1, 2, -3], [0, 0, 0]]


def test_assignment_on_a_leaf_that_requires_grad_is_refused():
    x = ours.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x[0] = 1.0
    with ours.no_grad():
        x[0] = 1.0
    assert x[0].sum().item() == 30.0


def test_assignment_shape_mismatch():
    same_error(lambda T, x: x.__setitem__(0, T.ones(3, 5)), X,
               match="The expanded size of the tensor (6) must match the existing size (5) at "
                     "non-singleton dimension 1.  Target sizes: [5, 6].  Tensor sizes: [3, 5]")
    same_error(lambda T, x: x.__setitem__(T.tensor([0, 1]), T.ones(3)), X,
               match="shape mismatch: value tensor of shape [3] cannot be broadcast to indexing "
                     "result of shape [2, 5, 6]")
    compare(lambda T, x: x.__setitem__(0, T.ones(1, 1, 5, 6)) or x, X, grad=False)


def test_iteration_len_and_contains():
    t = ours.tensor([[1, 2], [3, 4]])
    assert [row.tolist() for row in t] == [[1, 2], [3, 4]]
    assert len(t) == 2 and 3 in t and 7 not in t
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ours.tensor(1.0))
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ours.tensor(1.0))
