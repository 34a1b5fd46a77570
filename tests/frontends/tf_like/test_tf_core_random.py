"""tf.random: reproducible after set_seed, op seeds, Generator, stateless ops; the
distributions' shapes, dtypes, ranges and moments (on seeded draws, so nothing here is flaky);
reparameterization gradients."""

import numpy as np
import pytest

import frontends.tf_like as tf

N = 20000


def _draws():
    return [tf.random.uniform([3]).numpy(), tf.random.normal([2, 2]).numpy(),
            tf.random.truncated_normal([4]).numpy(), tf.random.uniform([2], seed=7).numpy(),
            tf.random.categorical([[0.0, 1.0]], 3).numpy(), tf.random.shuffle(np.arange(5))
            .numpy()]


def test_set_seed_makes_runs_identical():
    tf.random.set_seed(1234)
    first = _draws()
    tf.random.set_seed(1234)
    second = _draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    tf.random.set_seed(4321)
    assert not np.array_equal(first[0], tf.random.uniform([3]).numpy())


def test_successive_draws_differ_and_op_seeds_have_their_own_streams():
    tf.random.set_seed(0)
    a, b = tf.random.uniform([4], seed=3), tf.random.uniform([4], seed=3)
    assert not np.array_equal(a.numpy(), b.numpy())
    tf.random.set_seed(0)
    tf.random.uniform([100])  # the global stream does not move the seed=3 stream
    np.testing.assert_array_equal(tf.random.uniform([4], seed=3).numpy(), a.numpy())


def test_uniform():
    tf.random.set_seed(1)
    u = tf.random.uniform([N], minval=-2.0, maxval=3.0, dtype=tf.float64).numpy()
    assert u.dtype == np.float64 and u.min() >= -2 and u.max() < 3
    assert abs(u.mean() - 0.5) < 0.05 and abs(u.var() - 25 / 12) < 0.05
    i = tf.random.uniform([N], 3, 7, dtype=tf.int32).numpy()
    assert i.dtype == np.int32 and set(np.unique(i)) == {3, 4, 5, 6}
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype"):
        tf.random.uniform([2], dtype=tf.int64)


def test_normal_and_truncated_normal():
    tf.random.set_seed(2)
    z = tf.random.normal([N], mean=1.0, stddev=2.0).numpy()
    assert z.dtype == np.float32 and abs(z.mean() - 1) < 0.05 and abs(z.std() - 2) < 0.05
    t = tf.random.truncated_normal([N], mean=-1.0, stddev=0.5).numpy()
    assert t.min() >= -2.0 and t.max() <= 0.0
    assert abs(t.std() - 0.5 * 0.8796) < 0.01  # the std of N(0, 1) truncated to [-2, 2]


def test_categorical_frequencies_and_shapes():
    tf.random.set_seed(3)
    logits = np.log([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0 + 1e-9]]).astype(np.float32)
    s = tf.random.categorical(logits, 5000)
    assert s.shape == (2, 5000) and s.dtype == tf.int64
    freq = np.bincount(s.numpy()[0], minlength=3) / 5000
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.02)
    assert tf.random.categorical(logits, 2, dtype=tf.int32).dtype == tf.int32


def test_shuffle_gamma_poisson():
    tf.random.set_seed(4)
    x = np.arange(50).reshape(25, 2)
    s = tf.random.shuffle(x).numpy()
    assert sorted(map(tuple, s)) == sorted(map(tuple, x)) and not np.array_equal(s, x)
    g = tf.random.gamma([N], alpha=[2.0, 5.0]).numpy()
    assert g.shape == (N, 2)
    np.testing.assert_allclose(g.mean(0), [2.0, 5.0], rtol=0.05)
    p = tf.random.poisson([N], lam=3.0).numpy()
    assert abs(p.mean() - 3) < 0.1 and np.all(p == np.round(p))


def test_generator():
    g1, g2 = tf.random.Generator.from_seed(9), tf.random.Generator.from_seed(9)
    np.testing.assert_array_equal(g1.normal([3]).numpy(), g2.normal([3]).numpy())
    assert not np.array_equal(g1.uniform([3]).numpy(), g1.uniform([3]).numpy())
    children = g1.split(2)
    assert not np.array_equal(children[0].normal([3]).numpy(), children[1].normal([3]).numpy())
    g2.reset_from_seed(9)
    np.testing.assert_array_equal(g2.normal([3]).numpy(),
                                  tf.random.Generator.from_seed(9).normal([3]).numpy())
    ints = g1.uniform([100], 0, 10, dtype=tf.int64).numpy()
    assert ints.min() >= 0 and ints.max() < 10
    t = g1.truncated_normal([1000]).numpy()
    assert np.abs(t).max() <= 2
    assert g1.make_seeds(3).shape == (2, 3)


def test_stateless_ops_depend_only_on_the_seed():
    a = tf.random.stateless_uniform([5], seed=[1, 2]).numpy()
    tf.random.uniform([10])
    np.testing.assert_array_equal(a, tf.random.stateless_uniform([5], seed=[1, 2]).numpy())
    assert not np.array_equal(a, tf.random.stateless_uniform([5], seed=[1, 3]).numpy())
    t = tf.random.stateless_truncated_normal([1000], seed=[5, 5]).numpy()
    np.testing.assert_array_equal(t, tf.random.stateless_truncated_normal([1000], [5, 5]).numpy())
    assert np.abs(t).max() <= 2


def test_reparameterization_gradients():
    mean, std = tf.Variable(0.5), tf.Variable(2.0)
    tf.random.set_seed(6)
    with tf.GradientTape() as tape:
        z = tf.random.normal([10], mean=mean, stddev=std)
        total = tf.reduce_sum(z)
    g_mean, g_std = tape.gradient(total, [mean, std])
    assert g_mean.numpy() == pytest.approx(10.0)
    assert g_std.numpy() == pytest.approx(float(np.sum((z.numpy() - 0.5) / 2.0)), rel=1e-5)
