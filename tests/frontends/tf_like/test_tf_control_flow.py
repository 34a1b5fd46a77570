"""tf.cond, tf.case, tf.switch_case, tf.while_loop and tf.map_fn: eager vs inside tf.function vs
numpy references; gradients (GradientTape, eager and traced) vs float64 finite differences;
the eager fallback with its warning; TF's errors for mismatched branches and loop bodies."""

import collections
import warnings

import numpy as np
import pytest

import frontends.tf_like as tf
from frontends.tf_like._function import EagerFallbackFunction

RNG = np.random.default_rng(7)
F64_TOL = {"rtol": 1e-6, "atol": 1e-8}


def _no_warnings(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args)


def _fd_grad(f, x, eps=1e-6):
    """Central finite differences of a scalar numpy function."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


def _tape_grad(fn, x, traced: bool):
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return y, tape.gradient(y, x)
    run = tf.function(step) if traced else step
    y, g = run(tf.constant(x))
    return y.numpy(), g.numpy()


def _ops_of(fn, *args):
    return {n.op.name for n in tf.function(fn).get_concrete_function(*args).graph.nodes}


# -- tf.cond ------------------------------------------------------------------------------------
def _piecewise(x):
    return tf.cond(tf.reduce_sum(x) > 0, lambda: x * x, lambda: tf.sin(x) * 3.0)


def _piecewise_np(x):
    return x * x if x.sum() > 0 else np.sin(x) * 3.0


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["true", "false"])
def test_cond_eager_and_traced_match_numpy(sign):
    x = sign * np.abs(RNG.standard_normal(4)) + 0.1 * sign
    eager = _piecewise(tf.constant(x)).numpy()
    traced = _no_warnings(tf.function(_piecewise), tf.constant(x)).numpy()
    np.testing.assert_allclose(eager, _piecewise_np(x), **F64_TOL)
    np.testing.assert_allclose(traced, _piecewise_np(x), **F64_TOL)
    assert "Where" in _ops_of(_piecewise, tf.constant(x))


def test_cond_eager_runs_only_the_chosen_branch():
    calls = []
    out = tf.cond(tf.constant(False), lambda: calls.append("t") or tf.constant(1),
                  lambda: calls.append("f") or tf.constant(2))
    assert out.numpy() == 2 and calls == ["f"]


def test_cond_with_known_predicate_traces_one_branch():
    def f(x):
        flag = tf.constant(3) > 2  # a constant: folded while tracing, as TF's smart_cond
        return tf.cond(flag, lambda: x + 1.0, lambda: x - 1.0)
    x = tf.constant([1.0, 2.0])
    np.testing.assert_allclose(tf.function(f)(x).numpy(), [2.0, 3.0])
    assert "Where" not in _ops_of(f, x)


def test_cond_nested_outputs():
    def f(x):
        return tf.cond(x[0] > 0, lambda: {"a": x * 2.0, "b": (x, 1.0)},
                       lambda: {"a": -x, "b": (x * 0.0, 2.0)})
    for v in ([1.0, 2.0], [-1.0, 2.0]):
        e, t = f(tf.constant(v)), tf.function(f)(tf.constant(v))
        for a, b in zip(tf.nest.flatten(e), tf.nest.flatten(t)):
            np.testing.assert_allclose(np.asarray(b), np.asarray(a))


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "traced"])
@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["true", "false"])
def test_cond_gradient_matches_finite_differences(traced, sign):
    x = sign * (np.abs(RNG.standard_normal(3)) + 0.2)

    def fn(t):
        return tf.reduce_sum(_piecewise(t))
    y, g = _tape_grad(fn, x, traced)
    np.testing.assert_allclose(y, _piecewise_np(x).sum(), **F64_TOL)
    np.testing.assert_allclose(g, _fd_grad(lambda v: _piecewise_np(v).sum(), x), rtol=1e-5)


def test_cond_branches_with_different_structures_raise_type_error():
    f = tf.function(lambda x: tf.cond(x > 0, lambda: (x, x), lambda: x))
    with pytest.raises(TypeError, match=r"true_fn and false_fn arguments to tf.cond must have "
                       r"the same number, type, and overall structure.*true_fn output: \(.*"
                       r"false_fn output: <tf.Tensor"):
        f(tf.constant(1.0))
    g = tf.function(lambda x: tf.cond(x > 0, lambda: x, lambda: tf.cast(x, tf.int32)))
    with pytest.raises(TypeError, match="have different types"):
        g(tf.constant(1.0))


def test_cond_bad_arguments():
    with pytest.raises(TypeError, match="'true_fn' must be callable"):
        tf.cond(tf.constant(True), 1, lambda: 2)
    f = tf.function(lambda x: tf.cond(True, lambda: x, lambda: -x))
    with pytest.raises(TypeError, match="pred must not be a Python bool"):
        f(tf.constant(1.0))


def test_cond_branches_of_different_shapes_run_eagerly_with_a_warning():
    @tf.function
    def f(x):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x[:2], lambda: x)
        return tf.reduce_sum(y)
    with pytest.warns(UserWarning, match=r"tf.function 'f' runs eagerly: tf.cond branches "
                      r"return different shapes \(2,\) and \(3,\)"):
        out = f(tf.constant([1.0, 2.0, 3.0]))
    assert out.numpy() == 3.0
    assert f(tf.constant([-1.0, -2.0, -3.0])).numpy() == -6.0


def test_cond_assigning_variables_runs_eagerly_and_assigns_once():
    v = tf.Variable(0.0)

    @tf.function
    def f(x):
        return tf.cond(x > 0, lambda: v.assign_add(x), lambda: v.assign_sub(1.0))
    with pytest.warns(UserWarning, match="branches assign variables"):
        f(tf.constant(2.0))
    f(tf.constant(-5.0))
    assert v.numpy() == 1.0


# -- tf.case / tf.switch_case --------------------------------------------------------------------
def _case(x):
    return tf.case([(x < 0, lambda: -x * 10.0), (x < 1, lambda: x * 2.0)],
                   default=lambda: x + 100.0)


def _switch(i, x):
    return tf.switch_case(i, [lambda: x * 0.0, lambda: x + 1.0, lambda: x * 5.0])


@pytest.mark.parametrize("v,want", [(-2.0, 20.0), (0.5, 1.0), (3.0, 103.0)])
def test_case_eager_and_traced(v, want):
    assert _case(tf.constant(v)).numpy() == want
    assert tf.function(_case)(tf.constant(v)).numpy() == want


@pytest.mark.parametrize("i,want", [(0, 0.0), (1, 3.0), (2, 10.0), (7, 10.0)])
def test_switch_case_eager_and_traced_out_of_range_takes_last(i, want):
    x = tf.constant(2.0)
    assert _switch(tf.constant(i), x).numpy() == want
    assert tf.function(_switch)(tf.constant(i), x).numpy() == want


def test_case_exclusive_checks_eagerly():
    t = tf.constant(True)
    with pytest.raises(tf.errors.InvalidArgumentError, match="more than 1 conditions"):
        tf.case([(t, lambda: 1), (t, lambda: 2)], exclusive=True)


# -- tf.while_loop ---------------------------------------------------------------------------------
def test_while_loop_eager_structure_and_python_numbers():
    i, s = tf.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2.0), [0, 1.0])
    assert (i.numpy(), s.numpy()) == (3, 8.0) and i.dtype == tf.int32
    Pair = collections.namedtuple("Pair", "i acc")
    out = tf.while_loop(lambda p: p.i < 4, lambda p: (Pair(p.i + 1, p.acc + p.i),),
                        (Pair(tf.constant(0), tf.constant(0)),))
    assert isinstance(out, tuple) and out[0].acc.numpy() == 6
    single = tf.while_loop(lambda x: x < 100, lambda x: x * 3, tf.constant(1))
    assert single.numpy() == 243


def test_while_loop_maximum_iterations_and_back_prop():
    out = tf.while_loop(lambda i: i < 100, lambda i: i + 1, [tf.constant(0)],
                        maximum_iterations=7, parallel_iterations=1, shape_invariants=None)
    assert out[0].numpy() == 7
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.while_loop(lambda i, a: i < 2, lambda i, a: (i + 1, a * x), [0, x],
                          back_prop=False)[1]
    assert y.numpy() == 8.0 and tape.gradient(y, x) is None


def _power(x, n=4):
    _, acc = tf.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * x),
                           [tf.constant(0), tf.ones_like(x)])
    return acc


def test_while_loop_with_known_trip_count_is_unrolled_in_a_trace():
    x = RNG.standard_normal(3)
    traced = _no_warnings(tf.function(_power), tf.constant(x)).numpy()
    np.testing.assert_allclose(traced, x ** 4, **F64_TOL)
    np.testing.assert_allclose(_power(tf.constant(x)).numpy(), x ** 4, **F64_TOL)
    assert [n.op.name for n in tf.function(_power).get_concrete_function(
        tf.constant(x)).graph.nodes].count("Mul") == 4


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "traced"])
def test_while_loop_gradient_matches_finite_differences(traced):
    x = RNG.standard_normal(3)
    y, g = _tape_grad(lambda t: tf.reduce_sum(_power(t)), x, traced)
    np.testing.assert_allclose(y, (x ** 4).sum(), **F64_TOL)
    np.testing.assert_allclose(g, _fd_grad(lambda v: (v ** 4).sum(), x), rtol=1e-5)


def test_data_dependent_while_loop_runs_eagerly_with_a_warning():
    @tf.function
    def collatz_steps(n):
        return tf.while_loop(lambda n, k: n > 1,
                             lambda n, k: (tf.where(n % 2 == 0, n // 2, 3 * n + 1), k + 1),
                             [n, 0])[1]
    with pytest.warns(UserWarning, match=r"^tf.function 'collatz_steps' runs eagerly: "
                      r"tf.while_loop: the loop condition depends on tensor values"):
        assert collatz_steps(tf.constant(6)).numpy() == 8
    assert collatz_steps(tf.constant(7)).numpy() == 16  # same signature: no new trace
    assert isinstance(collatz_steps.get_concrete_function(tf.constant(6)),
                      EagerFallbackFunction)


def test_while_loop_body_structure_mismatch_raises_value_error():
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1,), [0, 1.0])
    with pytest.raises(TypeError, match="'body' must be callable"):
        tf.while_loop(lambda i: i < 3, None, [0])


# -- tf.map_fn --------------------------------------------------------------------------------------
def test_map_fn_eager_and_traced_match_numpy():
    x = RNG.standard_normal((4, 3))
    fn = lambda r: tf.reduce_sum(r * r) + tf.reduce_max(r)
    want = (x * x).sum(1) + x.max(1)
    np.testing.assert_allclose(tf.map_fn(fn, tf.constant(x)).numpy(), want, **F64_TOL)
    traced = _no_warnings(tf.function(lambda e: tf.map_fn(fn, e)), tf.constant(x))
    np.testing.assert_allclose(traced.numpy(), want, **F64_TOL)


def test_map_fn_nested_elems_and_output_signature():
    a, b = RNG.standard_normal((3, 2)), np.arange(3, dtype=np.int32)
    out = tf.map_fn(lambda e: (e[0] * 2.0, tf.cast(e[1], tf.float64) + 1.0),
                    (tf.constant(a), tf.constant(b)),
                    fn_output_signature=(tf.float64, tf.TensorSpec([], tf.float64)))
    np.testing.assert_allclose(out[0].numpy(), a * 2)
    np.testing.assert_allclose(out[1].numpy(), b + 1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="fn_output_signature"):
        tf.map_fn(lambda r: tf.cast(r, tf.int32), tf.constant(a))
    empty = tf.map_fn(lambda r: r * 2.0, tf.zeros((0, 5)))
    assert empty.shape == (0, 5)


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "traced"])
def test_map_fn_gradient_matches_finite_differences(traced):
    x = RNG.standard_normal((3, 2))
    fn = lambda t: tf.reduce_sum(tf.map_fn(lambda r: tf.reduce_prod(tf.sin(r)), t) ** 2)
    y, g = _tape_grad(fn, x, traced)
    ref = lambda v: (np.prod(np.sin(v), axis=1) ** 2).sum()
    np.testing.assert_allclose(y, ref(x), **F64_TOL)
    np.testing.assert_allclose(g, _fd_grad(ref, x), rtol=1e-5)


def test_map_fn_over_an_unknown_batch():
    spec = [tf.TensorSpec([None, 3], tf.float64)]
    elementwise = tf.function(lambda x: tf.map_fn(lambda r: tf.tanh(r) * 2.0 + 1.0, x),
                              input_signature=spec)
    x = RNG.standard_normal((5, 3))
    np.testing.assert_allclose(_no_warnings(elementwise, tf.constant(x)).numpy(),
                               np.tanh(x) * 2 + 1, **F64_TOL)
    np.testing.assert_allclose(elementwise(tf.constant(x[:2])).numpy(), np.tanh(x[:2]) * 2 + 1)
    assert elementwise.experimental_get_tracing_count() == 1
    reducing = tf.function(lambda x: tf.map_fn(lambda r: tf.reduce_sum(r), x),
                           input_signature=spec)
    with pytest.warns(UserWarning, match="tf.map_fn over a first axis of unknown size "
                      r"\(fn applies ReduceSum"):
        out = reducing(tf.constant(x))
    np.testing.assert_allclose(out.numpy(), x.sum(1))


def test_a_variable_predicate_is_read_at_each_call_not_at_trace_time():
    flag = tf.Variable(True)
    f = tf.function(lambda x: tf.cond(flag, lambda: x * 2.0, lambda: x * 3.0))
    assert f(tf.constant(1.0)).numpy() == 2.0
    flag.assign(False)
    assert f(tf.constant(1.0)).numpy() == 3.0
    assert f.experimental_get_tracing_count() == 1


def test_traced_map_fn_is_vectorized_only_when_provably_equal():
    x = RNG.standard_normal((4, 3))
    f = tf.function(lambda e: tf.map_fn(lambda r: tf.tanh(r) * 2.0 + 1.0, e))
    np.testing.assert_allclose(f(tf.constant(x)).numpy(), np.tanh(x) * 2 + 1, **F64_TOL)
    graph = f.get_concrete_function(tf.constant(x)).graph
    assert [n.outputs[0].shape for n in graph.nodes if n.op.name == "Tanh"][-1] == (4, 3)
    # the Python path depends on the shape: mapping and batching differ, so it is unrolled
    g = tf.function(lambda e: tf.map_fn(lambda r: r * (2.0 if r.shape[0] == 3 else 5.0), e))
    np.testing.assert_allclose(_no_warnings(g, tf.constant(x)).numpy(), x * 2.0)
