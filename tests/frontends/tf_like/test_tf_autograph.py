"""AutoGraph in tf.function: Python `if`/`while`/`for` on tensor values give the eager results
(and numpy's), Python values keep Python semantics, what cannot be converted runs eagerly with
a one-line warning, autograph=False and do_not_convert disable conversion; input_signature with
None dims and get_concrete_function on converted functions."""

import warnings

import numpy as np
import pytest

import frontends.tf_like as tf

RNG = np.random.default_rng(3)


def _quiet(fn, *args, **kwargs):
    """Call fn with warnings as errors: a converted function must not fall back."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


def _ops_of(fn, *args):
    return [n.op.name for n in fn.get_concrete_function(*args).graph.nodes]


def clipped_scale(x):
    if tf.reduce_sum(x) > 0 and tf.reduce_max(x) > 1.0:
        y = x * 2.0
    elif not tf.reduce_min(x) > -1.0:
        y = -x
    else:
        y = x + 0.5
    return y


def _clipped_scale_np(x):
    if x.sum() > 0 and x.max() > 1.0:
        return x * 2.0
    if not x.min() > -1.0:
        return -x
    return x + 0.5


@pytest.mark.parametrize("x", [[2.0, 0.5], [0.1, 0.2], [-3.0, 0.5], [-0.2, 0.1]],
                         ids=["if", "else-small", "elif", "else-neg"])
def test_if_elif_else_on_tensors(x):
    f = tf.function(clipped_scale)
    traced = _quiet(f, tf.constant(x)).numpy()
    np.testing.assert_allclose(traced, _clipped_scale_np(np.asarray(x)), rtol=1e-6)
    np.testing.assert_allclose(clipped_scale(tf.constant(x)).numpy(), traced)
    assert f.experimental_get_tracing_count() == 1
    assert "Where" in _ops_of(f, tf.constant(x))


def test_if_without_else_and_python_conditions_stay_python():
    @tf.function
    def f(x, double):
        y = x
        if double:  # a Python bool: ordinary Python, part of the cache key
            y = y * 2.0
        if tf.reduce_mean(y) < 0:
            y = tf.abs(y)
        return y
    x = tf.constant([-1.0, -2.0])
    np.testing.assert_allclose(_quiet(f, x, True).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(_quiet(f, x, False).numpy(), [1.0, 2.0])
    np.testing.assert_allclose(_quiet(f, -x, False).numpy(), [1.0, 2.0])
    assert f.experimental_get_tracing_count() == 2


def power_loop(x, n):
    i = tf.constant(0)
    acc = tf.ones_like(x)
    while i < n:
        acc = acc * x
        i += 1
    return acc


def test_while_with_a_known_trip_count_is_unrolled():
    x = RNG.standard_normal(3)
    f = tf.function(power_loop)
    np.testing.assert_allclose(_quiet(f, tf.constant(x), 3).numpy(), x ** 3, rtol=1e-12)
    assert _ops_of(f, tf.constant(x), 3).count("Mul") == 3


def test_while_with_a_data_dependent_condition_runs_eagerly_with_a_warning():
    f = tf.function(power_loop)
    x = RNG.standard_normal(3)
    with pytest.warns(UserWarning, match=r"^tf.function 'power_loop' runs eagerly: a `while` "
                      r"condition depends on tensor values not known while tracing$"):
        out = f(tf.constant(x), tf.constant(4))
    np.testing.assert_allclose(out.numpy(), x ** 4, rtol=1e-12)
    np.testing.assert_allclose(f(tf.constant(x), tf.constant(2)).numpy(), x ** 2, rtol=1e-12)


def row_sums(x):
    total = tf.zeros_like(x[0])
    for row in x:
        total += row
    for i in tf.range(3):
        total += tf.cast(i, x.dtype)
    for k in range(tf.shape(x)[0]):
        total += x[k] * 0.0
    for scale in [1.0, 2.0]:
        total *= scale
    return total


def test_for_over_tensors_ranges_and_lists():
    x = RNG.standard_normal((4, 2))
    want = (x.sum(0) + 3.0) * 2.0
    np.testing.assert_allclose(row_sums(tf.constant(x)).numpy(), want, rtol=1e-12)
    np.testing.assert_allclose(_quiet(tf.function(row_sums), tf.constant(x)).numpy(), want,
                               rtol=1e-12)


def test_for_over_an_unknown_length_runs_eagerly_with_a_warning():
    f = tf.function(row_sums, input_signature=[tf.TensorSpec([None, 2], tf.float64)])
    x = RNG.standard_normal((5, 2))
    with pytest.warns(UserWarning, match="'row_sums' runs eagerly"):
        out = f(tf.constant(x))
    np.testing.assert_allclose(out.numpy(), (x.sum(0) + 3.0) * 2.0, rtol=1e-12)


def relu_grad_fn(x):
    if tf.reduce_sum(x) > 0:
        y = tf.reduce_sum(x ** 3)
    else:
        y = tf.reduce_sum(tf.sin(x))
    return y


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_gradient_through_a_converted_if(sign):
    x = sign * (np.abs(RNG.standard_normal(3)) + 0.1)

    @tf.function
    def step(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = relu_grad_fn(t)
        return tape.gradient(y, t)
    want = 3 * x ** 2 if sign > 0 else np.cos(x)
    np.testing.assert_allclose(_quiet(step, tf.constant(x)).numpy(), want, rtol=1e-10)


def early_return(x):
    if tf.reduce_sum(x) > 0:
        return x
    return -x


def test_unsupported_constructs_run_eagerly_with_a_warning():
    f = tf.function(early_return)
    with pytest.warns(UserWarning, match=r"'early_return' runs eagerly: Using as a Python "
                      r"`bool` a symbolic `tf.Tensor` is not allowed \(Python control flow "
                      r"that AutoGraph did not convert\)"):
        assert f(tf.constant([-2.0])).numpy() == 2.0
    assert f(tf.constant([3.0])).numpy() == 3.0
    g = tf.function(lambda x: x if tf.reduce_sum(x) > 0 else -x)  # no source to convert
    with pytest.warns(UserWarning, match="runs eagerly"):
        assert g(tf.constant([-1.0])).numpy() == 1.0


def test_autograph_false_and_do_not_convert_disable_conversion():
    f = tf.function(clipped_scale, autograph=False)
    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        f(tf.constant([1.0]))

    @tf.function
    @tf.autograph.experimental.do_not_convert
    def g(x):
        if tf.reduce_sum(x) > 0:
            x = x * 2.0
        return x
    with pytest.warns(UserWarning, match="'g' runs eagerly"):
        assert g(tf.constant([1.0])).numpy() == 2.0


def test_methods_closures_and_defaults():
    offset = tf.constant(10.0)

    class Model:
        def __init__(self):
            self.scale = 3.0

        @tf.function
        def __call__(self, x, bias=1.0):
            if tf.reduce_sum(x) > 0:
                out = x * self.scale + offset
            else:
                out = x - bias
            return out
    m = Model()
    assert _quiet(m, tf.constant([1.0])).numpy() == 13.0
    assert _quiet(m, tf.constant([-1.0])).numpy() == -2.0
    assert _quiet(m, tf.constant([-1.0]), bias=5.0).numpy() == -6.0


def branch_local(x):
    if tf.reduce_sum(x) > 0:
        tmp = x * 2.0  # only in this branch, and not used after the if
        x = tmp + 1.0
    return x


def test_a_variable_assigned_in_one_branch_only():
    f = tf.function(branch_local)
    assert _quiet(f, tf.constant([1.0])).numpy() == 3.0
    assert _quiet(f, tf.constant([-1.0])).numpy() == -1.0


def test_input_signature_with_none_dims_and_concrete_functions():
    f = tf.function(clipped_scale, input_signature=[tf.TensorSpec([None], tf.float32)])
    concrete = f.get_concrete_function()
    assert concrete.structured_input_signature == (tf.TensorSpec([None], tf.float32),)
    for x in ([2.0, 0.5, 1.0], [-3.0], [0.1, 0.2]):
        np.testing.assert_allclose(_quiet(f, tf.constant(x)).numpy(),
                                   _clipped_scale_np(np.asarray(x, np.float32)), rtol=1e-6)
        np.testing.assert_allclose(concrete(tf.constant(x)).numpy(),
                                   _clipped_scale_np(np.asarray(x, np.float32)), rtol=1e-6)
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match="Binding inputs to tf.function failed"):
        f(tf.constant([[1.0]]))


class _Base:
    def shift(self, x):
        return x + 1.0


class _Child(_Base):
    def shift(self, x):
        if tf.reduce_sum(x) > 0:  # converted when called from a tf.function
            x = super().shift(x) * 10.0
        return x


def test_called_user_functions_and_methods_are_converted_too():
    child = _Child()

    @tf.function
    def f(x):
        return child.shift(x) + relu_grad_fn(x)
    for v in (1.0, -1.0):
        x = np.array([v])
        want = (x + 1.0) * 10.0 + x ** 3 if v > 0 else x + np.sin(x)
        np.testing.assert_allclose(_quiet(f, tf.constant(x)).numpy(), want, rtol=1e-12)


def test_closures_are_shared_with_the_enclosing_scope():
    calls = 0
    scale = 1.0

    def f(x):
        nonlocal calls
        calls += 1  # runs once per trace
        if tf.reduce_sum(x) > 0:
            x = x * scale
        return x
    scale = 3.0  # rebound after f was defined: f reads the current binding
    traced = tf.function(f)
    assert _quiet(traced, tf.constant([2.0])).numpy() == 6.0
    assert calls == 1
