"""tf.TensorArray: every method eagerly against numpy, TF's errors, use inside tf.while_loop and
tf.cond bodies, eagerly and inside tf.function, and gradients through it."""

import warnings

import numpy as np
import pytest

import frontends.tf_like as tf

RNG = np.random.default_rng(11)


def test_write_read_stack_size():
    ta = tf.TensorArray(tf.float32, size=3)
    for i in range(3):
        ta = ta.write(i, tf.constant([float(i), -float(i)]))
    np.testing.assert_array_equal(ta.stack().numpy(), [[0, 0], [1, -1], [2, -2]])
    assert ta.size().numpy() == 3 and ta.size().dtype == tf.int32
    assert ta.element_shape == (2,) and ta.dtype == tf.float32
    np.testing.assert_array_equal(ta.read(tf.constant(2)).numpy(), [2, -2])


def test_eager_writes_mutate_like_tf():
    ta = tf.TensorArray(tf.int32, size=2)
    ta.write(0, 5)  # eager TF mutates and returns the same array
    ta.write(1, 6)
    np.testing.assert_array_equal(ta.stack().numpy(), [5, 6])


def test_unstack_gather_scatter_concat_split():
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    ta = tf.TensorArray(tf.float32, size=4).unstack(tf.constant(x))
    np.testing.assert_array_equal(ta.gather([3, 0]).numpy(), x[[3, 0]])
    np.testing.assert_array_equal(ta.concat().numpy(), x.reshape(-1))
    sc = tf.TensorArray(tf.float32, size=4, element_shape=(3,))
    sc = sc.scatter([2, 0], tf.constant(x[:2]))
    np.testing.assert_array_equal(sc.stack().numpy(), [x[1], np.zeros(3), x[0], np.zeros(3)])
    sp = tf.TensorArray(tf.float32, size=2).split(tf.constant(x), [1, 3])
    np.testing.assert_array_equal(sp.read(1).numpy(), x[1:])


def test_dynamic_size_grows_and_unwritten_elements_read_as_zeros():
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    ta = ta.write(2, tf.ones((2,)))
    np.testing.assert_array_equal(ta.stack().numpy(), [[0, 0], [0, 0], [1, 1]])
    empty = tf.TensorArray(tf.float32, size=0, element_shape=(4,))
    assert empty.stack().shape == (0, 4)


def test_errors():
    ta = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(tf.errors.OutOfRangeError, match="not resizeable and size is: 2"):
        ta.write(2, 1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="TensorArray dtype is float32 "
                       "but Op is trying to write dtype int32"):
        ta.write(0, tf.constant(1))
    ta = ta.write(0, tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"Incompatible shape for value \(\(3,\)\), "
                       r"expected \(\(2,\)\)"):
        ta.write(1, tf.constant([1.0, 2.0, 3.0]))
    ta.read(0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Could not read index 0 twice"):
        ta.read(0)
    keep = tf.TensorArray(tf.float32, size=1, clear_after_read=False).write(0, 1.0)
    assert keep.read(0).numpy() == keep.read(0).numpy() == 1.0
    with pytest.raises(tf.errors.OutOfRangeError, match="Tried to read from index 5"):
        keep.read(5)
    with pytest.raises(ValueError, match="Size must be provided"):
        tf.TensorArray(tf.float32)


def _cumulative_squares(x):
    """ta[i] = sum_{j<=i} x[j]^2, built in a while_loop."""
    n = x.shape[0]
    ta = tf.TensorArray(x.dtype, size=n)

    def body(i, acc, ta):
        acc = acc + x[i] * x[i]
        return i + 1, acc, ta.write(i, acc)
    _, _, ta = tf.while_loop(lambda i, acc, ta: i < n, body,
                             [tf.constant(0), tf.zeros_like(x[0]), ta])
    return ta.stack()


def test_tensor_array_in_while_loop_eager_and_traced():
    x = RNG.standard_normal((5, 2))
    want = np.cumsum(x * x, axis=0)
    np.testing.assert_allclose(_cumulative_squares(tf.constant(x)).numpy(), want)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traced = tf.function(_cumulative_squares)(tf.constant(x))
    np.testing.assert_allclose(traced.numpy(), want)


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "traced"])
def test_gradient_through_tensor_array(traced):
    x = RNG.standard_normal((4, 2))

    def step(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = tf.reduce_sum(tf.sin(_cumulative_squares(t)))
        return tape.gradient(y, t)
    g = (tf.function(step) if traced else step)(tf.constant(x)).numpy()

    def ref(v):
        return np.sin(np.cumsum(v * v, axis=0)).sum()
    fd = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[idx] = 1e-6
        fd[idx] = (ref(x + d) - ref(x - d)) / 2e-6
    np.testing.assert_allclose(g, fd, rtol=1e-5)


def test_tensor_array_selected_by_a_traced_cond():
    @tf.function
    def f(x):
        ta = tf.TensorArray(tf.float32, size=2)
        ta = tf.cond(tf.reduce_sum(x) > 0, lambda: ta.write(0, x).write(1, x * 2.0),
                     lambda: ta.write(0, -x).write(1, x))
        return ta.stack()
    np.testing.assert_allclose(f(tf.constant([1.0, 2.0])).numpy(), [[1, 2], [2, 4]])
    np.testing.assert_allclose(f(tf.constant([-1.0, -2.0])).numpy(), [[1, 2], [-1, -2]])
    assert f.experimental_get_tracing_count() == 1


def test_data_dependent_index_runs_eagerly_with_a_warning():
    @tf.function
    def f(x, i):
        ta = tf.TensorArray(tf.float32, size=3, element_shape=(2,))
        return ta.write(i, x).stack()
    with pytest.warns(UserWarning, match="'f' runs eagerly: TensorArray index depends on"):
        out = f(tf.constant([1.0, 2.0]), tf.constant(1))
    np.testing.assert_array_equal(out.numpy(), [[0, 0], [1, 2], [0, 0]])
