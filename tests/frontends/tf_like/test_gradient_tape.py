"""tf.GradientTape: semantics (persistent, watch, watch_accessed_variables, nested tapes,
structures, unconnected gradients, output_gradients, stop_recording, jacobians) and gradients
against real torch autograd."""

import numpy as np
import pytest

import frontends.tf_like as tf

RNG = np.random.default_rng(4)


def test_variables_are_watched_automatically():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    b = tf.Variable([0.5, -0.5])
    x = tf.constant([[1.0, 1.0]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.matmul(x, w) + b)
    gw, gb = tape.gradient(y, [w, b])
    np.testing.assert_array_equal(gw.numpy(), np.ones((2, 2)))
    np.testing.assert_array_equal(gb.numpy(), [1.0, 1.0])
    assert isinstance(gw, tf.Tensor)


def test_constants_need_watch():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x) is None
    x2 = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x2)
        y = x2 * x2
    assert tape.gradient(y, x2).numpy() == 6.0


def test_non_persistent_tape_computes_once():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x ** 3
    assert tape.gradient(y, x).numpy() == 12.0
    with pytest.raises(RuntimeError, match="non-persistent GradientTape can only be used to "
                                           "compute one set of gradients"):
        tape.gradient(y, x)


def test_persistent_tape():
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        y, z = x * x, x * x * x
    assert tape.gradient(y, x).numpy() == 4.0 and tape.gradient(z, x).numpy() == 12.0
    assert tape.gradient(z, x).numpy() == 12.0


def test_watch_accessed_variables_false():
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * b
    ga, gb = tape.gradient(y, [a, b])
    assert ga.numpy() == 2.0 and gb is None
    assert tape.watched_variables() == (a,)


def test_non_trainable_and_integer_sources_get_none():
    frozen, ints = tf.Variable(1.0, trainable=False), tf.Variable(3)
    with tf.GradientTape() as tape:
        y = frozen * 2.0 + tf.cast(ints, tf.float32)
    assert tape.gradient(y, [frozen, ints]) == [None, None]


def test_nested_tapes_give_higher_order_gradients():
    x = tf.Variable(1.5)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x ** 3 + tf.sin(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    assert dy.numpy() == pytest.approx(3 * 1.5 ** 2 + np.cos(1.5))
    assert d2y.numpy() == pytest.approx(6 * 1.5 - np.sin(1.5))


def test_third_order_with_persistent_tapes():
    x = tf.Variable(2.0)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = x ** 4
            g1 = t1.gradient(y, x)
        g2 = t2.gradient(g1, x)
    assert t3.gradient(g2, x).numpy() == pytest.approx(24 * 2.0)


def test_structures_of_targets_and_sources():
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        out = {"p": a * b, "q": [a + b, b * b]}
    grads = tape.gradient(out, {"x": a, "y": (b,)})
    assert set(grads) == {"x", "y"} and isinstance(grads["y"], tuple)
    assert grads["x"].numpy() == 3.0 and grads["y"][0].numpy() == 1.0 + 1.0 + 4.0
    g = tape.gradient([a * 1.0, a * 2.0], [a])
    assert g[0].numpy() == 3.0  # the targets' gradients add up


def test_unconnected_gradients_and_output_gradients():
    a, b = tf.Variable([1.0, 2.0]), tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = a * 2.0
    assert tape.gradient(y, b) is None
    zero = tape.gradient(y, b, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert zero.numpy() == 0.0
    assert tape.gradient(y, b, unconnected_gradients="zero").numpy() == 0.0
    weighted = tape.gradient(y, a, output_gradients=tf.constant([10.0, 100.0]))
    np.testing.assert_array_equal(weighted.numpy(), [20.0, 200.0])


def test_stop_recording_and_stop_gradient():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
        with tape.stop_recording():
            z = x * 10.0
        w = y + z + tf.stop_gradient(x * 100.0)
    assert tape.gradient(w, x).numpy() == 4.0


def test_gradient_with_respect_to_an_intermediate():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        h = x * 2.0
        y = h * h
    assert tape.gradient(y, h).numpy() == 12.0


def test_jacobian_and_batch_jacobian():
    x = tf.Variable(RNG.standard_normal((3, 2)))
    w = RNG.standard_normal((2, 4))
    with tf.GradientTape(persistent=True) as tape:
        y = tf.tanh(tf.matmul(x, w))
    jac = tape.jacobian(y, x)
    assert jac.shape == (3, 4, 3, 2)
    dy = 1 - np.tanh(x.numpy() @ w) ** 2
    want = np.zeros((3, 4, 3, 2))
    for i in range(3):
        want[i, :, i, :] = (dy[i][:, None] * w.T)
    np.testing.assert_allclose(jac.numpy(), want, rtol=1e-12)
    bjac = tape.batch_jacobian(y, x)
    assert bjac.shape == (3, 4, 2)
    np.testing.assert_allclose(bjac.numpy(), np.stack([want[i, :, i, :] for i in range(3)]))
    other = tf.Variable(1.0)
    assert tape.jacobian(y, other) is None
    assert tape.jacobian(y, other, unconnected_gradients="zero").shape == (3, 4)


def test_jacobian_on_a_non_persistent_tape_is_allowed_once():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * x
    np.testing.assert_array_equal(tape.jacobian(y, x).numpy(), np.diag([2.0, 4.0]))
    with pytest.raises(RuntimeError):
        tape.jacobian(y, x)


def test_mlp_loss_gradients_match_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((8, 5))
    labels = RNG.integers(0, 3, 8)
    w1, b1 = RNG.standard_normal((5, 7)), RNG.standard_normal(7)
    w2, b2 = RNG.standard_normal((7, 3)), RNG.standard_normal(3)
    params = [tf.Variable(p) for p in (w1, b1, w2, b2)]
    with tf.GradientTape() as tape:
        h = tf.nn.gelu(tf.matmul(x, params[0]) + params[1])
        h = tf.nn.dropout(h, 0.0)
        logits = tf.matmul(h, params[2]) + params[3]
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)) \
            + 0.1 * tf.add_n([tf.nn.l2_loss(params[0]), tf.nn.l2_loss(params[2])])
    grads = tape.gradient(loss, params)
    tp = [torch.tensor(p, requires_grad=True) for p in (w1, b1, w2, b2)]
    h = torch.nn.functional.gelu(torch.tensor(x) @ tp[0] + tp[1])
    logits_t = h @ tp[2] + tp[3]
    lt = torch.nn.functional.cross_entropy(logits_t, torch.tensor(labels)) + 0.1 * (
        (tp[0] ** 2).sum() / 2 + (tp[2] ** 2).sum() / 2)
    lt.backward()
    np.testing.assert_allclose(loss.numpy(), lt.item(), rtol=1e-12)
    for g, t in zip(grads, tp):
        np.testing.assert_allclose(g.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_sliced_and_gathered_gradients_match_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((4, 6))
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v[1:, ::-2] ** 2) + tf.reduce_sum(tf.gather(v, [0, 0, 3]) * 3.0) \
            + tf.reduce_sum(tf.math.cumprod(v[:, :3], axis=1))
    xt = torch.tensor(x, requires_grad=True)
    yt = (xt[1:].flip(1)[:, ::2] ** 2).sum() + (xt[[0, 0, 3]] * 3.0).sum() + \
        torch.cumprod(xt[:, :3], 1).sum()
    yt.backward()
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), xt.grad.numpy(), rtol=1e-12)
