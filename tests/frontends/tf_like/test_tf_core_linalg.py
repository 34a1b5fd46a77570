"""tf.linalg against numpy, with gradients of inv/det/slogdet/solve against torch autograd
(they are written in IR ops, so they are differentiable)."""

import numpy as np
import pytest

import frontends.tf_like as tf

RNG = np.random.default_rng(3)
B = RNG.standard_normal((2, 4, 4)) + 3 * np.eye(4)  # well conditioned batch
B[1, [0, 2]] = B[1, [2, 0]]                         # a row swap: negative determinant


def test_inv_det_slogdet_solve_match_numpy():
    np.testing.assert_allclose(tf.linalg.inv(B).numpy(), np.linalg.inv(B), rtol=1e-10)
    np.testing.assert_allclose(tf.linalg.det(B).numpy(), np.linalg.det(B), rtol=1e-10)
    sign, logabs = tf.linalg.slogdet(B)
    np_sign, np_logabs = np.linalg.slogdet(B)
    np.testing.assert_array_equal(sign.numpy(), np_sign)
    np.testing.assert_allclose(logabs.numpy(), np_logabs, rtol=1e-10)
    rhs = RNG.standard_normal((2, 4, 3))
    np.testing.assert_allclose(tf.linalg.solve(B, rhs).numpy(), np.linalg.solve(B, rhs),
                               rtol=1e-10)
    np.testing.assert_allclose(tf.linalg.inv(B, adjoint=True).numpy(),
                               np.linalg.inv(B.transpose(0, 2, 1)), rtol=1e-10)
    f32 = tf.linalg.inv(B.astype(np.float32))
    assert f32.dtype == tf.float32


def test_pivoting_handles_a_zero_leading_entry():
    m = np.array([[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_allclose(tf.linalg.inv(m).numpy(), np.linalg.inv(m))
    assert tf.linalg.det(m).numpy() == pytest.approx(-2.0)


def test_singular_matrix():
    s = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert tf.linalg.det(s).numpy() == 0.0
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input is not invertible"):
        tf.linalg.inv(s)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be square"):
        tf.linalg.det(np.ones((2, 3)))


def test_gradients_match_torch():
    torch = pytest.importorskip("torch")
    rhs = RNG.standard_normal((2, 4, 2))
    w = RNG.standard_normal((2, 4, 4))
    bv, rv = tf.Variable(B), tf.Variable(rhs)
    with tf.GradientTape() as tape:
        loss = (tf.reduce_sum(tf.linalg.inv(bv) * w) + tf.reduce_sum(tf.linalg.det(bv))
                + tf.reduce_sum(tf.linalg.slogdet(bv)[1])
                + tf.reduce_sum(tf.linalg.solve(bv, rv) ** 2))
    gb, gr = tape.gradient(loss, [bv, rv])
    bt = torch.tensor(B, requires_grad=True)
    rt = torch.tensor(rhs, requires_grad=True)
    lt = ((torch.linalg.inv(bt) * torch.tensor(w)).sum() + torch.linalg.det(bt).sum()
          + torch.linalg.slogdet(bt)[1].sum() + (torch.linalg.solve(bt, rt) ** 2).sum())
    lt.backward()
    np.testing.assert_allclose(loss.numpy(), lt.item(), rtol=1e-10)
    np.testing.assert_allclose(gb.numpy(), bt.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(gr.numpy(), rt.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_inverse_inside_tf_function_is_traced():
    f = tf.function(lambda m: tf.linalg.inv(m) @ m)
    np.testing.assert_allclose(f(tf.constant(B)).numpy(), np.broadcast_to(np.eye(4), B.shape),
                               atol=1e-12)


M = RNG.standard_normal((2, 3, 4))
CASES = {
    "diag": (lambda: tf.linalg.diag([[1.0, 2.0], [3.0, 4.0]]),
             lambda: np.stack([np.diag([1.0, 2.0]), np.diag([3.0, 4.0])])),
    "diag_part": (lambda: tf.linalg.diag_part(M), lambda: np.diagonal(M, axis1=1, axis2=2)),
    "trace": (lambda: tf.linalg.trace(B), lambda: np.trace(B, axis1=1, axis2=2)),
    "band_part": (lambda: tf.linalg.band_part(M, 1, 0), lambda: np.tril(np.triu(M, -1))),
    "band_part-upper": (lambda: tf.linalg.band_part(M, 0, -1), lambda: np.triu(M)),
    "set_diag": (lambda: tf.linalg.set_diag(B, [[9.0] * 4, [8.0] * 4]),
                 lambda: _set_diag(B, [9.0, 8.0])),
    "matvec": (lambda: tf.linalg.matvec(M, np.ones(4)), lambda: M @ np.ones(4)),
    "matvec-t": (lambda: tf.linalg.matvec(M, np.ones(3), transpose_a=True),
                 lambda: M.transpose(0, 2, 1) @ np.ones(3)),
    "matrix_transpose": (lambda: tf.linalg.matrix_transpose(M), lambda: M.transpose(0, 2, 1)),
    "matmul-ta": (lambda: tf.linalg.matmul(M, M, transpose_a=True),
                  lambda: M.transpose(0, 2, 1) @ M),
    "eye": (lambda: tf.linalg.eye(3, dtype=tf.float64), lambda: np.eye(3)),
    "cross": (lambda: tf.linalg.cross(M[..., :3], M[..., 1:]),
              lambda: np.cross(M[..., :3], M[..., 1:])),
    "norm": (lambda: tf.linalg.norm(M, axis=-1), lambda: np.linalg.norm(M, axis=-1)),
    "logdet": (lambda: tf.linalg.logdet(B[0] @ B[0].T), lambda: np.log(np.linalg.det(
        B[0] @ B[0].T))),
}


def _set_diag(a, values):
    out = a.copy()
    for i, v in enumerate(values):
        np.fill_diagonal(out[i], v)
    return out


@pytest.mark.parametrize("name", CASES)
def test_matches_numpy(name):
    ours, ref = CASES[name]
    np.testing.assert_allclose(ours().numpy(), ref(), rtol=1e-10, atol=1e-12)
