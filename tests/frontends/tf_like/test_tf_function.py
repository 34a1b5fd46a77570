"""tf.function: traced once per input signature (traces counted), run as a compiled plan with
the same results as eager; Python arguments in the cache key; relaxed shapes; input_signature;
variables captured by reference (assign becomes a graph update); nested outputs; random ops
fresh per call; GradientTape inside and around."""

import numpy as np
import pytest

import frontends.tf_like as tf
from core_ir.graph import Graph

RNG = np.random.default_rng(5)


def _eager_and_traced(fn, *args):
    return fn(*args), tf.function(fn)(*args)


PROGRAMS = {
    "mlp": (lambda x, w: tf.nn.softmax(tf.nn.relu(x @ w) * 2.0 + 1.0),
            (RNG.standard_normal((4, 3)), RNG.standard_normal((3, 5)))),
    "slicing": (lambda x: tf.reduce_sum(x[1:, ::-1] ** 2, axis=0, keepdims=True),
                (RNG.standard_normal((4, 3)),)),
    "shape-ops": (lambda x: tf.concat([tf.transpose(x), tf.reverse(tf.transpose(x), [0])], 1),
                  (RNG.standard_normal((4, 3)),)),
    "conv": (lambda x, w: tf.nn.max_pool2d(tf.nn.conv2d(x, w, 2, "SAME"), 2, 2, "VALID"),
             (RNG.standard_normal((1, 8, 8, 2)), RNG.standard_normal((3, 3, 2, 4)))),
    "losses": (lambda z, x: tf.nn.sigmoid_cross_entropy_with_logits(z, x) + tf.math.log1p(x * x),
               (RNG.uniform(size=(3, 2)), RNG.standard_normal((3, 2)))),
    "linalg": (lambda m: tf.linalg.det(m) + tf.linalg.trace(tf.linalg.inv(m)),
               (RNG.standard_normal((3, 3)) + 3 * np.eye(3),)),
    "int-math": (lambda a, b: (a // b, a % b, a / b),
                 (np.array([7, -7, 9]), np.array([2, 2, -4]))),
    "cumprod-topk": (lambda x: tf.math.top_k(tf.math.cumprod(x, axis=1), 2).values,
                     (RNG.standard_normal((3, 4)),)),
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_same_results_as_eager(name):
    fn, args = PROGRAMS[name]
    eager, traced = _eager_and_traced(fn, *[tf.constant(a) for a in args])
    for e, t in zip(eager if isinstance(eager, tuple) else (eager,),
                    traced if isinstance(traced, tuple) else (traced,)):
        assert isinstance(t, tf.Tensor) and t.dtype == e.dtype
        np.testing.assert_allclose(t.numpy(), e.numpy(), rtol=1e-12, atol=1e-14)


def test_traces_once_per_signature():
    calls = []

    @tf.function
    def f(x, scale=2.0):
        calls.append(x.shape)  # Python side effects run at trace time only
        return x * scale

    f(tf.ones((2,)))
    f(tf.ones((2,)) * 3)
    f(np.ones(2, np.float32))       # a numpy array traces like a tensor of its spec
    assert f.experimental_get_tracing_count() == 1 and len(calls) == 1
    f(tf.ones((3,)))                # a new shape: a new trace
    f(tf.ones((2,), tf.float64))    # a new dtype: a new trace
    f(tf.ones((2,)), scale=3.0)     # a Python argument is part of the key
    f(tf.ones((2,)), 3.0)           # the same key, given positionally
    assert f.experimental_get_tracing_count() == 4
    assert f(tf.ones((2,)), 3.0).numpy().tolist() == [3.0, 3.0]


def test_reduce_retracing_relaxes_differing_dims():
    f = tf.function(lambda x: tf.reduce_sum(x, axis=1) * 2.0, reduce_retracing=True)
    for n in (2, 3, 5, 7):
        np.testing.assert_allclose(f(tf.ones((n, 4))).numpy(), np.full(n, 8.0))
    assert f.experimental_get_tracing_count() == 2
    spec = f.get_concrete_function(tf.ones((9, 4))).structured_input_signature
    assert spec == (tf.TensorSpec([None, 4]),)


def test_input_signature():
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def f(x):
        n = tf.shape(x)[0]
        return tf.reshape(x, [n * 2]) + tf.zeros([n * 2])

    assert f(tf.ones((3, 2))).shape == (6,) and f([[1.0, 2.0]]).numpy().tolist() == [1.0, 2.0]
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match="Binding inputs to tf.function failed"):
        f(tf.ones((3, 3)))
    with pytest.raises(TypeError, match="Binding inputs to tf.function failed"):
        f(tf.ones((3, 2), tf.float64))
    assert isinstance(f.get_concrete_function().graph, Graph)


def test_variables_are_captured_by_reference_and_assigns_are_updates():
    v = tf.Variable([1.0, 2.0])
    counter = tf.Variable(0, trainable=False)

    @tf.function
    def step(x):
        v.assign_add(x)
        counter.assign_add(1)
        return v.read_value() * 10.0  # reads after an assign see the new value

    np.testing.assert_array_equal(step(tf.constant([1.0, 1.0])).numpy(), [20.0, 30.0])
    v.assign([0.0, 0.0])  # an eager write is seen by the next call
    np.testing.assert_array_equal(step(tf.constant([1.0, 1.0])).numpy(), [10.0, 10.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 1.0])
    assert counter.numpy() == 2 and step.experimental_get_tracing_count() == 1
    assert v.value is None  # the trace's graph value is forgotten after tracing


def test_nested_outputs_and_python_values():
    @tf.function
    def f(x, opts):
        return {"sum": tf.reduce_sum(x), "parts": [x * 2, (x + 1, "tag")], "k": opts["k"]}

    out = f(tf.constant([1.0, 2.0]), {"k": 3})
    assert set(out) == {"sum", "parts", "k"} and out["k"] == 3 and out["parts"][1][1] == "tag"
    assert out["sum"].numpy() == 3.0 and isinstance(out["parts"], list)
    np.testing.assert_array_equal(out["parts"][1][0].numpy(), [2.0, 3.0])


def test_gradient_tape_inside_matches_eager_training():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 1))
    w0 = rng.standard_normal((3, 1))

    def make():
        w, b = tf.Variable(w0), tf.Variable(np.zeros(1))

        def step(xb, yb):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((xb @ w + b - yb) ** 2)
            gw, gb = tape.gradient(loss, [w, b])
            w.assign_sub(0.1 * gw)
            b.assign_sub(0.1 * gb)
            return loss
        return w, b, step

    w_e, b_e, eager_step = make()
    w_t, b_t, traced = make()
    traced = tf.function(traced)
    for _ in range(5):
        le, lt = eager_step(x, y), traced(x, y)
        np.testing.assert_allclose(lt.numpy(), le.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w_t.numpy(), w_e.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b_t.numpy(), b_e.numpy(), rtol=1e-12)
    assert traced.experimental_get_tracing_count() == 1


def test_gradient_tape_around_a_function_call():
    w = tf.Variable([1.0, 2.0])
    f = tf.function(lambda x: tf.reduce_sum(tf.square(x * w)))
    x = tf.constant([3.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    gx, gw = tape.gradient(y, [x, w])
    np.testing.assert_allclose(gx.numpy(), 2 * x.numpy() * w.numpy() ** 2)
    np.testing.assert_allclose(gw.numpy(), 2 * w.numpy() * x.numpy() ** 2)


def test_random_ops_draw_fresh_numbers_each_call_and_reproducibly():
    f = tf.function(lambda x: x + tf.random.uniform(tf.shape(x)))
    g = tf.function(lambda x: tf.nn.dropout(x, 0.5), reduce_retracing=True)
    tf.random.set_seed(11)
    first = [f(tf.zeros((3,))).numpy(), f(tf.zeros((3,))).numpy(),
             g(tf.ones((2, 50))).numpy(), g(tf.ones((3, 50))).numpy(), g(tf.ones((4, 50))).numpy()]
    assert not np.array_equal(first[0], first[1])
    tf.random.set_seed(11)
    again = [f(tf.zeros((3,))).numpy(), f(tf.zeros((3,))).numpy(),
             g(tf.ones((2, 50))).numpy(), g(tf.ones((3, 50))).numpy(), g(tf.ones((4, 50))).numpy()]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert f.experimental_get_tracing_count() == 1 and g.experimental_get_tracing_count() == 2
    assert set(np.unique(first[4])) == {0.0, 2.0}


def test_methods_nested_functions_and_concrete_functions():
    class Model:
        def __init__(self, k):
            self.k = tf.Variable(k)

        @tf.function
        def __call__(self, x):
            return inner(x) * self.k

    inner = tf.function(lambda x: x + 1.0)
    a, b = Model(2.0), Model(3.0)
    assert a(tf.constant(1.0)).numpy() == 4.0 and b(tf.constant(1.0)).numpy() == 6.0
    assert inner.experimental_get_tracing_count() == 0  # inlined into the outer traces
    concrete = inner.get_concrete_function(tf.TensorSpec([2]))
    assert concrete(tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 3.0]
    assert "Add" in str(concrete.graph)


def test_symbolic_tensors_cannot_leave_the_graph():
    @tf.function
    def f(x):
        return x.numpy()

    with pytest.raises(NotImplementedError, match="only available when eager execution"):
        f(tf.constant(1.0))

    @tf.function(autograph=False)
    def g(x):
        if x > 0:  # no AutoGraph: a symbolic bool is an error, as TF without AutoGraph
            return x
        return -x

    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        g(tf.constant(1.0))
    assert tf.function(lambda: tf.executing_eagerly())() is False
    assert tf.executing_eagerly()


def test_errors_inside_a_trace_are_tf_errors():
    f = tf.function(lambda x: tf.matmul(x, x))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Matrix size-incompatible"):
        f(tf.ones((2, 3)))
