"""tf.math: elementwise functions and reductions against numpy, gradients (GradientTape)
against central finite differences in float64, and against keras.ops where Keras has the op."""

import math
import os

import numpy as np
import pytest

import frontends.tf_like as tf

RNG = np.random.default_rng(1)
X = RNG.uniform(0.2, 2.0, (3, 4))          # positive: log, sqrt, pow
S = RNG.standard_normal((3, 4))             # signed, away from 0 for abs/sign
S[np.abs(S) < 0.1] = 0.5
ERF = np.vectorize(math.erf)

UNARY = {
    "abs": (tf.math.abs, np.abs, S), "negative": (tf.math.negative, np.negative, S),
    "sign": (tf.math.sign, np.sign, S), "exp": (tf.math.exp, np.exp, S),
    "log": (tf.math.log, np.log, X), "sqrt": (tf.math.sqrt, np.sqrt, X),
    "rsqrt": (tf.math.rsqrt, lambda x: 1 / np.sqrt(x), X), "square": (tf.math.square, np.square, S),
    "sigmoid": (tf.math.sigmoid, lambda x: 1 / (1 + np.exp(-x)), S),
    "tanh": (tf.math.tanh, np.tanh, S), "sin": (tf.math.sin, np.sin, S),
    "cos": (tf.math.cos, np.cos, S), "tan": (tf.math.tan, np.tan, S / 2),
    "softplus": (tf.math.softplus, lambda x: np.log1p(np.exp(x)), S),
    "softsign": (tf.math.softsign, lambda x: x / (1 + np.abs(x)), S),
    "erf": (tf.math.erf, ERF, S), "erfc": (tf.math.erfc, lambda x: 1 - ERF(x), S),
    "log1p": (tf.math.log1p, np.log1p, X - 0.19), "expm1": (tf.math.expm1, np.expm1, S * 2),
    "log_sigmoid": (tf.math.log_sigmoid, lambda x: -np.log1p(np.exp(-x)), S),
    "reciprocal": (tf.math.reciprocal, np.reciprocal, S),
    "floor": (tf.math.floor, np.floor, S * 3), "ceil": (tf.math.ceil, np.ceil, S * 3),
    "round": (tf.math.round, np.round, np.array([0.5, 1.5, 2.5, -0.5, -1.7])),
}
BINARY = {
    "add": (tf.math.add, np.add, S, X), "subtract": (tf.math.subtract, np.subtract, S, X),
    "multiply": (tf.math.multiply, np.multiply, S, X), "divide": (tf.math.divide, np.divide, S, X),
    "pow": (tf.math.pow, np.power, X, S), "maximum": (tf.math.maximum, np.maximum, S, X - 1),
    "minimum": (tf.math.minimum, np.minimum, S, X - 1),
    "squared_difference": (tf.math.squared_difference, lambda a, b: (a - b) ** 2, S, X),
    "xlogy": (tf.math.xlogy, lambda a, b: a * np.log(b), S, X),
    "xdivy": (tf.math.xdivy, lambda a, b: a / b, S, X),
    "floormod": (tf.math.floormod, np.mod, S * 3, X),
    "floordiv": (tf.math.floordiv, np.floor_divide, S * 3, X),
}
NOT_SMOOTH = {"sign", "floor", "ceil", "round", "floormod", "floordiv"}


@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_numpy(name):
    ours, ref, x = UNARY[name]
    for dtype, tol in ((np.float32, 2e-6), (np.float64, 1e-12)):
        got = ours(tf.constant(x.astype(dtype)))
        assert got.dtype == dtype
        np.testing.assert_allclose(got.numpy(), ref(x.astype(np.float64)), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", BINARY)
def test_binary_matches_numpy(name):
    ours, ref, a, b = BINARY[name]
    np.testing.assert_allclose(ours(a, b).numpy(), ref(a, b), rtol=1e-12)
    np.testing.assert_allclose(ours(a[0], b).numpy(), ref(a[0], b), rtol=1e-12)  # broadcasting


def directional_check(fn, *xs, eps=1e-6, tol=1e-6):
    """<u, J v> by GradientTape against central differences along a random direction v."""
    rng = np.random.default_rng(7)
    xs = [np.asarray(x, np.float64) for x in xs]
    vs = [rng.standard_normal(x.shape) for x in xs]
    variables = [tf.Variable(x) for x in xs]
    with tf.GradientTape() as tape:
        out = fn(*variables)
    u = rng.standard_normal(out.shape)
    grads = tape.gradient(out, variables, output_gradients=tf.constant(u))
    analytic = sum(np.sum(g.numpy() * v) for g, v in zip(grads, vs) if g is not None)
    plus = fn(*[tf.constant(x + eps * v) for x, v in zip(xs, vs)]).numpy()
    minus = fn(*[tf.constant(x - eps * v) for x, v in zip(xs, vs)]).numpy()
    numeric = np.sum(u * (plus - minus) / (2 * eps))
    assert abs(analytic - numeric) <= tol * max(1.0, abs(numeric)), (analytic, numeric)


@pytest.mark.parametrize("name", sorted(set(UNARY) - NOT_SMOOTH))
def test_unary_gradient(name):
    ours, _, x = UNARY[name]
    directional_check(ours, x)


@pytest.mark.parametrize("name", sorted(set(BINARY) - NOT_SMOOTH))
def test_binary_gradient(name):
    ours, _, a, b = BINARY[name]
    directional_check(ours, a, b)


def test_maximum_minimum_send_a_tie_to_x_like_tf():
    x, y = tf.Variable([1.0, 2.0]), tf.Variable([1.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        hi, lo = tf.maximum(x, y), tf.minimum(x, y)
    np.testing.assert_array_equal(tape.gradient(hi, x).numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(tape.gradient(hi, y).numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(tape.gradient(lo, x).numpy(), [1.0, 1.0])
    assert np.isnan(tf.maximum([np.nan], [1.0]).numpy()[0])
    assert np.isnan(tf.maximum([1.0], [np.nan]).numpy()[0])


def test_log1p_expm1_are_accurate_for_tiny_inputs():
    tiny = np.array([1e-10, -3e-9, 1e-20, 5e-5])
    np.testing.assert_allclose(tf.math.log1p(tiny).numpy(), np.log1p(tiny), rtol=1e-15)
    np.testing.assert_allclose(tf.math.expm1(tiny).numpy(), np.expm1(tiny), rtol=1e-15)
    assert tf.math.log1p(np.array([np.inf])).numpy()[0] == np.inf
    assert tf.math.expm1(np.array([-np.inf, 50.0])).numpy().tolist() == [-1.0, np.expm1(50.0)]


def test_no_nan_variants_and_their_gradients():
    x, y = tf.Variable([1.0, 2.0, np.inf]), tf.Variable([0.0, 4.0, 0.0])
    with tf.GradientTape() as tape:
        q = tf.math.divide_no_nan(x, y)
        m = tf.math.multiply_no_nan(x, y)
        total = tf.reduce_sum(q) + tf.reduce_sum(m)
    np.testing.assert_array_equal(q.numpy(), [0.0, 0.5, 0.0])
    np.testing.assert_array_equal(m.numpy(), [0.0, 8.0, 0.0])
    gx, gy = tape.gradient(total, [x, y])
    assert np.all(np.isfinite(gx.numpy())) and np.all(np.isfinite(gy.numpy()))
    assert tf.math.xlogy(0.0, 0.0).numpy() == 0.0


def test_is_predicates_and_logic():
    v = tf.constant([1.0, np.nan, np.inf, -np.inf])
    assert tf.math.is_nan(v).numpy().tolist() == [False, True, False, False]
    assert tf.math.is_inf(v).numpy().tolist() == [False, False, True, True]
    assert tf.math.is_finite(v).numpy().tolist() == [True, False, False, False]
    a, b = tf.constant([True, False]), tf.constant([True, True])
    assert tf.math.logical_xor(a, b).numpy().tolist() == [False, True]
    assert tf.math.not_equal(a, b).numpy().tolist() == [False, True]


# -- reductions ---------------------------------------------------------------------------------
A = RNG.standard_normal((2, 3, 4))
REDUCTIONS = {
    "sum": (tf.reduce_sum, np.sum), "mean": (tf.reduce_mean, np.mean),
    "max": (tf.reduce_max, np.max), "min": (tf.reduce_min, np.min),
    "prod": (tf.reduce_prod, np.prod),
    "logsumexp": (tf.reduce_logsumexp, lambda a, axis, keepdims: np.log(np.sum(
        np.exp(a), axis=axis, keepdims=keepdims))),
    "variance": (tf.math.reduce_variance, np.var), "std": (tf.math.reduce_std, np.std),
    "euclidean_norm": (tf.math.reduce_euclidean_norm, lambda a, axis, keepdims: np.sqrt(
        np.sum(a * a, axis=axis, keepdims=keepdims))),
}
AXES = {"all": None, "0": 0, "neg": -1, "list": [0, 2], "empty": []}


@pytest.mark.parametrize("axis", AXES.values(), ids=AXES.keys())
@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_matches_numpy(name, axis, keepdims):
    ours, ref = REDUCTIONS[name]
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    got = ours(A, axis=axis, keepdims=keepdims)
    want = ref(A, axis=np_axis, keepdims=keepdims)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_gradient(name):
    directional_check(lambda a: REDUCTIONS[name][0](a, axis=1), A)


def test_boolean_and_integer_reductions():
    b = np.array([[True, False], [True, True]])
    assert tf.reduce_any(b, axis=1).numpy().tolist() == [True, True]
    assert tf.reduce_all(b, axis=1).numpy().tolist() == [False, True]
    assert tf.reduce_mean(tf.constant([1, 2, 4])).numpy() == 2  # integer mean truncates, as TF
    assert tf.reduce_mean(tf.constant([-1, -2, -4])).numpy() == -2
    assert tf.math.count_nonzero([[0, 1], [2, 0]], axis=0).numpy().tolist() == [1, 1]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid reduction dimension"):
        tf.reduce_sum(A, axis=3)


CUM = {"plain": {}, "exclusive": {"exclusive": True}, "reverse": {"reverse": True},
       "both": {"exclusive": True, "reverse": True}}


def _scan(ref, x, axis, exclusive=False, reverse=False):
    x = np.flip(x, axis) if reverse else x
    out = ref(x, axis=axis)
    if exclusive:
        ident = 0.0 if ref is np.cumsum else 1.0
        out = np.concatenate([np.full_like(np.take(out, [0], axis), ident),
                              np.take(out, range(x.shape[axis] - 1), axis)], axis)
    return np.flip(out, axis) if reverse else out


@pytest.mark.parametrize("kw", CUM.values(), ids=CUM.keys())
def test_cumsum_cumprod(kw):
    x = A.copy()
    x[0, 1, 2] = 0.0  # cumprod through a zero
    for ours, ref in ((tf.math.cumsum, np.cumsum), (tf.math.cumprod, np.cumprod)):
        np.testing.assert_allclose(ours(x, axis=2, **kw).numpy(), _scan(ref, x, 2, **kw),
                                   rtol=1e-12, atol=1e-15)
        directional_check(lambda a: ours(a, axis=1, **kw), x)


def test_top_k_and_in_top_k():
    x = np.array([[1.0, 5.0, 3.0, 5.0], [0.0, -1.0, 2.0, 1.0]])
    values, indices = tf.math.top_k(x, k=2)
    np.testing.assert_array_equal(values.numpy(), [[5, 5], [2, 1]])
    np.testing.assert_array_equal(indices.numpy(), [[1, 3], [2, 3]])
    assert indices.dtype == tf.int32
    directional_check(lambda a: tf.math.top_k(a, k=2).values, x + np.arange(4) * 1e-3)
    got = tf.math.in_top_k([3, 0], x.astype(np.float32), 1)  # a tie at the boundary counts in
    assert got.numpy().tolist() == [True, False]
    nan = tf.math.in_top_k([0], np.array([[np.nan, 1.0]], np.float32), 2)
    assert nan.numpy().tolist() == [False]


def test_segment_ops():
    data = np.arange(12, dtype=np.float64).reshape(4, 3)
    ids = [0, 0, 2, 2]
    np.testing.assert_array_equal(tf.math.segment_sum(data, ids).numpy(),
                                  [data[:2].sum(0), np.zeros(3), data[2:].sum(0)])
    np.testing.assert_array_equal(tf.math.segment_mean(data, ids).numpy()[2], data[2:].mean(0))
    np.testing.assert_array_equal(tf.math.segment_max(data, ids).numpy()[1], np.zeros(3))
    got = tf.math.unsorted_segment_max(data, [1, 0, 1, 0], 3).numpy()
    np.testing.assert_array_equal(got[:2], [data[[1, 3]].max(0), data[[0, 2]].max(0)])
    assert np.all(got[2] == -np.inf)
    cm = tf.math.confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2]).numpy()
    np.testing.assert_array_equal(cm, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    np.testing.assert_array_equal(tf.math.bincount([1, 1, 3]).numpy(), [0, 2, 0, 1])


def test_l2_normalize_and_softmax():
    np.testing.assert_allclose(tf.math.l2_normalize(S, axis=1).numpy(),
                               S / np.linalg.norm(S, axis=1, keepdims=True), rtol=1e-12)
    e = np.exp(S - S.max(1, keepdims=True))
    np.testing.assert_allclose(tf.math.softmax(S).numpy(), e / e.sum(1, keepdims=True))
    directional_check(lambda a: tf.math.l2_normalize(a, axis=0), S)


# -- against Keras 3 ----------------------------------------------------------------------------
os.environ.setdefault("KERAS_BACKEND", "torch")
KERAS = {
    "log1p": (lambda: tf.math.log1p(X), lambda k: k.log1p(X)),
    "expm1": (lambda: tf.math.expm1(S), lambda k: k.expm1(S)),
    "logsumexp": (lambda: tf.reduce_logsumexp(A, axis=1), lambda k: k.logsumexp(A, axis=1)),
    "cumprod": (lambda: tf.math.cumprod(A, axis=2), lambda k: k.cumprod(A, axis=2)),
    "cumsum": (lambda: tf.math.cumsum(A, axis=0), lambda k: k.cumsum(A, axis=0)),
    "var": (lambda: tf.math.reduce_variance(A, axis=[0, 1]), lambda k: k.var(A, axis=[0, 1])),
    "std": (lambda: tf.math.reduce_std(A), lambda k: k.std(A)),
    "top_k": (lambda: tf.math.top_k(S, 3).values, lambda k: k.top_k(S, 3)[0]),
    "segment_sum": (lambda: tf.math.unsorted_segment_sum(S, [1, 0, 1], 2),
                    lambda k: k.segment_sum(S, np.array([1, 0, 1]), 2)),
    "erf": (lambda: tf.math.erf(S), lambda k: k.erf(S)),
    "softplus": (lambda: tf.math.softplus(S), lambda k: k.softplus(S)),
    "in_top_k": (lambda: tf.math.in_top_k([1, 0, 3], S, 2),
                 lambda k: k.in_top_k(np.array([1, 0, 3]), S, 2)),
}


@pytest.mark.parametrize("name", KERAS)
def test_matches_keras(name):
    keras = pytest.importorskip("keras")
    ours, theirs = KERAS[name]
    np.testing.assert_allclose(ours().numpy(), keras.ops.convert_to_numpy(theirs(keras.ops)),
                               rtol=1e-6, atol=1e-7)
