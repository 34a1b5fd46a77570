"""tf.* array ops against independent numpy references, and against keras.ops (Keras 3, torch
backend) where Keras has the same op."""

import os

import numpy as np
import pytest

import frontends.tf_like as tf

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3, 4)).astype(np.float32)
M = RNG.standard_normal((3, 4)).astype(np.float32)


def _np(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


CASES = {
    "reshape": (lambda: tf.reshape(A, [4, -1]), lambda: A.reshape(4, -1)),
    "reshape-zero": (lambda: tf.reshape(np.zeros((0, 3)), [0, 3]), lambda: np.zeros((0, 3))),
    "transpose": (lambda: tf.transpose(A), lambda: A.T),
    "transpose-perm": (lambda: tf.transpose(A, [1, 0, 2]), lambda: A.transpose(1, 0, 2)),
    "expand_dims": (lambda: tf.expand_dims(A, -1), lambda: A[..., None]),
    "squeeze": (lambda: tf.squeeze(np.ones((1, 3, 1))), lambda: np.ones(3)),
    "squeeze-axis": (lambda: tf.squeeze(np.ones((1, 3, 1)), [2]), lambda: np.ones((1, 3))),
    "concat": (lambda: tf.concat([A, A * 2], axis=-1), lambda: np.concatenate([A, A * 2], -1)),
    "stack": (lambda: tf.stack([M, M + 1], axis=1), lambda: np.stack([M, M + 1], 1)),
    "tile": (lambda: tf.tile(M, [2, 1]), lambda: np.tile(M, (2, 1))),
    "broadcast_to": (lambda: tf.broadcast_to(M[0], [2, 4]), lambda: np.broadcast_to(M[0], (2, 4))),
    "pad-constant": (lambda: tf.pad(M, [[1, 0], [2, 1]], constant_values=5.0),
                     lambda: np.pad(M, [(1, 0), (2, 1)], constant_values=5.0)),
    "pad-reflect": (lambda: tf.pad(M, [[1, 2], [2, 1]], "REFLECT"),
                    lambda: np.pad(M, [(1, 2), (2, 1)], "reflect")),
    "pad-symmetric": (lambda: tf.pad(M, [[2, 1], [0, 3]], "SYMMETRIC"),
                      lambda: np.pad(M, [(2, 1), (0, 3)], "symmetric")),
    "reverse": (lambda: tf.reverse(A, [0, 2]), lambda: A[::-1, :, ::-1]),
    "roll": (lambda: tf.roll(M, 1, 1), lambda: np.roll(M, 1, 1)),
    "repeat": (lambda: tf.repeat(M, 2, axis=0), lambda: np.repeat(M, 2, axis=0)),
    "gather": (lambda: tf.gather(M, [2, 0, 2]), lambda: M[[2, 0, 2]]),
    "gather-axis": (lambda: tf.gather(A, [[3, 1]], axis=2), lambda: A[:, :, [[3, 1]]]),
    "gather-batch": (lambda: tf.gather(M, [[1, 0], [3, 3], [0, 2]], batch_dims=1),
                     lambda: np.take_along_axis(M, np.array([[1, 0], [3, 3], [0, 2]]), 1)),
    "gather-batch-axis": (lambda: tf.gather(A, [[0, 2], [1, 1]], axis=2, batch_dims=1),
                          lambda: np.stack([A[b][:, [[0, 2], [1, 1]][b]] for b in range(2)])),
    "gather_nd": (lambda: tf.gather_nd(A, [[0, 1], [1, 2]]), lambda: A[[0, 1], [1, 2]]),
    "gather_nd-batch": (lambda: tf.gather_nd(A, [[1], [2]], batch_dims=1),
                        lambda: np.stack([A[0, 1], A[1, 2]])),
    "scatter_nd": (lambda: tf.scatter_nd([[1], [3], [1]], [1.0, 2.0, 3.0], [5]),
                   lambda: np.array([0, 4, 0, 2, 0], np.float32)),
    "tensor_scatter_update": (lambda: tf.tensor_scatter_nd_update(M, [[0, 0], [2, 3]], [9., 8.]),
                              lambda: _set(M, [(0, 0), (2, 3)], [9, 8])),
    "tensor_scatter_add": (lambda: tf.tensor_scatter_nd_add(M, [[1]], [np.ones(4, np.float32)]),
                           lambda: M + np.array([[0], [1], [0]], np.float32)),
    "where": (lambda: tf.where(M > 0, M, tf.zeros_like(M)), lambda: np.where(M > 0, M, 0)),
    "where-coords": (lambda: tf.where(M > 0), lambda: np.argwhere(M > 0)),
    "boolean_mask": (lambda: tf.boolean_mask(M, [True, False, True]), lambda: M[[0, 2]]),
    "boolean_mask-2d": (lambda: tf.boolean_mask(A, A[..., 0] > 0), lambda: A[A[..., 0] > 0]),
    "one_hot": (lambda: tf.one_hot([0, 2, -1, 5], 3), lambda: np.eye(4, 3)[[0, 2, 3, 3]]),
    "one_hot-values": (lambda: tf.one_hot([1], 2, on_value=5, off_value=-1),
                       lambda: np.array([[-1, 5]])),
    "argmax": (lambda: tf.argmax(M, axis=1), lambda: M.argmax(1)),
    "argmin": (lambda: tf.argmin(M), lambda: M.argmin(0)),
    "range": (lambda: tf.range(1, 10, 3), lambda: np.arange(1, 10, 3)),
    "range-float": (lambda: tf.range(0.5, 2.0, 0.5), lambda: np.arange(0.5, 2.0, 0.5)),
    "linspace": (lambda: tf.linspace(0.0, 1.0, 5), lambda: np.linspace(0, 1, 5)),
    "zeros": (lambda: tf.zeros([2, 3], tf.int32), lambda: np.zeros((2, 3), np.int32)),
    "ones_like": (lambda: tf.ones_like(M), lambda: np.ones_like(M)),
    "fill": (lambda: tf.fill([2, 2], 7), lambda: np.full((2, 2), 7)),
    "eye": (lambda: tf.eye(2, 3, batch_shape=[2]), lambda: np.broadcast_to(np.eye(2, 3),
                                                                            (2, 2, 3))),
    "shape": (lambda: tf.shape(A), lambda: np.array([2, 3, 4])),
    "size": (lambda: tf.size(A), lambda: 24),
    "rank": (lambda: tf.rank(A), lambda: 3),
    "cast": (lambda: tf.cast([1.7, -1.7, 0.0], tf.int32), lambda: np.array([1, -1, 0])),
    "cast-bool": (lambda: tf.cast([2.0, 0.0], tf.bool), lambda: np.array([True, False])),
    "sort": (lambda: tf.sort(M, direction="DESCENDING"), lambda: -np.sort(-M, -1)),
    "argsort": (lambda: tf.argsort([3, 1, 2, 1]), lambda: np.array([1, 3, 2, 0])),
    "sequence_mask": (lambda: tf.sequence_mask([1, 3, 0], 4),
                      lambda: np.arange(4)[None] < np.array([1, 3, 0])[:, None]),
    "sequence_mask-auto": (lambda: tf.sequence_mask([1, 2]), lambda: np.array([[1, 0], [1, 1]],
                                                                               bool)),
    "clip_by_value": (lambda: tf.clip_by_value(M, -0.5, 0.5), lambda: np.clip(M, -0.5, 0.5)),
    "clip_by_norm": (lambda: tf.clip_by_norm(M, 1.0), lambda: M / max(np.linalg.norm(M), 1.0)),
    "clip_by_norm-axes": (lambda: tf.clip_by_norm(M, 1.0, axes=[1]),
                          lambda: M / np.maximum(np.linalg.norm(M, axis=1, keepdims=True), 1)),
    "norm": (lambda: tf.norm(A), lambda: np.linalg.norm(A.reshape(-1))),
    "norm-1-axis": (lambda: tf.norm(M, ord=1, axis=1), lambda: np.abs(M).sum(1)),
    "norm-inf": (lambda: tf.norm(M, ord=np.inf, axis=0), lambda: np.abs(M).max(0)),
    "norm-p": (lambda: tf.norm(M, ord=3, axis=-1, keepdims=True),
               lambda: np.linalg.norm(M, 3, axis=-1, keepdims=True)),
    "norm-fro": (lambda: tf.norm(A, "fro", axis=[1, 2]), lambda: np.linalg.norm(A, "fro", (1, 2))),
    "norm-matrix-1": (lambda: tf.norm(A, 1, axis=[1, 2]), lambda: np.linalg.norm(A, 1, (1, 2))),
    "norm-matrix-inf": (lambda: tf.norm(A, np.inf, axis=[-2, -1]),
                        lambda: np.linalg.norm(A, np.inf, (1, 2))),
    "einsum": (lambda: tf.einsum("bij,jk->bik", A[:, :, :3], M), lambda: A[:, :, :3] @ M),
    "tensordot": (lambda: tf.tensordot(A, M, [[1, 2], [0, 1]]), lambda: np.tensordot(A, M, 2)),
    "matmul-t": (lambda: tf.matmul(M, M, transpose_b=True), lambda: M @ M.T),
    "matmul-batch": (lambda: tf.matmul(A, M, transpose_b=True), lambda: A @ M.T),
    "unique": (lambda: tf.unique([3, 1, 3, 2, 1]).y, lambda: np.array([3, 1, 2])),
    "unique-idx": (lambda: tf.unique([3, 1, 3, 2, 1]).idx, lambda: np.array([0, 1, 0, 2, 1])),
    "identity": (lambda: tf.identity(M), lambda: M),
    "stop_gradient": (lambda: tf.stop_gradient(M), lambda: M),
}


def _set(a, idx, vals):
    out = a.copy()
    for i, v in zip(idx, vals):
        out[i] = v
    return out


@pytest.mark.parametrize("name", CASES)
def test_op_matches_numpy(name):
    ours, ref = CASES[name]
    got, want = _np(ours()), np.asarray(ref())
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_unstack_and_split():
    parts = tf.unstack(A, axis=1)
    assert len(parts) == 3
    for i, p in enumerate(parts):
        np.testing.assert_array_equal(p.numpy(), A[:, i])
    halves = tf.split(A, 2, axis=2)
    np.testing.assert_array_equal(halves[1].numpy(), A[:, :, 2:])
    sized = tf.split(A, [1, -1], axis=2)
    assert [tuple(s.shape) for s in sized] == [(2, 3, 1), (2, 3, 3)]


def test_dtype_results():
    assert tf.argmax(M).dtype == tf.int64 and tf.argmax(M, output_type=tf.int32).dtype == tf.int32
    assert tf.shape(A).dtype == tf.int32 and tf.shape(A, out_type=tf.int64).dtype == tf.int64
    assert tf.range(3).dtype == tf.int32 and tf.range(3.0).dtype == tf.float32
    assert tf.one_hot([1], 2).dtype == tf.float32 and tf.argsort([2, 1]).dtype == tf.int32
    assert tf.where(M > 0).dtype == tf.int64


def test_clip_by_global_norm():
    ts = [M, None, A]
    clipped, norm = tf.clip_by_global_norm(ts, 2.0)
    want = np.sqrt((M ** 2).sum() + (A ** 2).sum())
    np.testing.assert_allclose(norm.numpy(), want, rtol=1e-6)
    assert clipped[1] is None
    np.testing.assert_allclose(clipped[0].numpy(), M * 2.0 / want, rtol=1e-5)
    np.testing.assert_allclose(tf.linalg.global_norm([M, A]).numpy(), want, rtol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: tf.gather(M, [3]), r"indices\[0\] = 3 is not in \[0, 3\)"),
    (lambda: tf.gather(M, [-1]), r"indices\[0\] = -1 is not in \[0, 3\)"),
    (lambda: tf.gather_nd(M, [[0, 4]]), r"does not index into param shape \[3, 4\]"),
    (lambda: tf.concat([M, tf.constant([1, 2])], 0), "cannot compute ConcatV2"),
    (lambda: tf.stack([M, M[:2]]), "Shapes of all inputs must match"),
    (lambda: tf.split(A, 3, axis=2), "should evenly divide"),
    (lambda: tf.reshape(A, [5, -1]), "reshape"),
    (lambda: tf.squeeze(M, [0]), r"Can not squeeze dim\[0\]"),
    (lambda: tf.broadcast_to(M, [2, 4]), "Unable to broadcast"),
    (lambda: tf.matmul(M, M), "Matrix size-incompatible"),
    (lambda: tf.matmul(M[0], M), "different ndims"),
], ids=["gather-range", "gather-negative", "gather_nd", "concat-dtype", "stack-shapes",
        "split", "reshape", "squeeze", "broadcast_to", "matmul", "matmul-rank"])
def test_errors_are_invalid_argument(call, message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        call()


# -- against Keras 3 (torch backend) ------------------------------------------------------------
os.environ.setdefault("KERAS_BACKEND", "torch")


@pytest.fixture(scope="module")
def kops():
    keras = pytest.importorskip("keras")
    return keras.ops


KERAS_CASES = {
    "take": (lambda: tf.gather(A, [2, 0], axis=1), lambda k: k.take(A, np.array([2, 0]), 1)),
    "one_hot": (lambda: tf.one_hot([0, 2, 1], 3), lambda k: k.one_hot(np.array([0, 2, 1]), 3)),
    "pad-reflect": (lambda: tf.pad(M, [[1, 1], [2, 0]], "REFLECT"),
                    lambda k: k.pad(M, [[1, 1], [2, 0]], "reflect")),
    "sort": (lambda: tf.sort(M), lambda k: k.sort(M)),
    "argsort": (lambda: tf.argsort(M), lambda k: k.argsort(M)),
    "einsum": (lambda: tf.einsum("ijk,jk->i", A, M), lambda k: k.einsum("ijk,jk->i", A, M)),
    "tile": (lambda: tf.tile(A, [1, 2, 1]), lambda k: k.tile(A, [1, 2, 1])),
    "repeat": (lambda: tf.repeat(M, 3, axis=1), lambda k: k.repeat(M, 3, axis=1)),
    "roll": (lambda: tf.roll(A, 2, axis=2), lambda k: k.roll(A, 2, axis=2)),
    "norm": (lambda: tf.norm(M, axis=1), lambda k: k.norm(M, axis=1)),
    "clip": (lambda: tf.clip_by_value(M, -0.3, 0.2), lambda k: k.clip(M, -0.3, 0.2)),
    "where": (lambda: tf.where(M > 0, M, -M), lambda k: k.where(M > 0, M, -M)),
    "linspace": (lambda: tf.linspace(-1.0, 3.0, 7), lambda k: k.linspace(-1.0, 3.0, 7)),
    "scatter": (lambda: tf.scatter_nd([[0, 1], [2, 2]], [5.0, 6.0], [3, 3]),
                lambda k: k.scatter(np.array([[0, 1], [2, 2]]), np.array([5.0, 6.0]), (3, 3))),
}


@pytest.mark.parametrize("name", KERAS_CASES)
def test_op_matches_keras(kops, name):
    ours, theirs = KERAS_CASES[name]
    np.testing.assert_allclose(_np(ours()), kops.convert_to_numpy(theirs(kops)), rtol=1e-5,
                               atol=1e-6)
