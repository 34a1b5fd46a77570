"""The random ops and Dropout on the numpy backend: the one generator and manual_seed, fresh
draws per compiled-plan run, seeded ops that repeat (and equal onnx.reference's numbers),
distributions checked by their statistics on large samples, dtypes and shapes, and Dropout's
inverted scaling and gradient."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

import core_ir as ir
from backends.numpy import Plan, jit
from backends.numpy.kernels import random as rng
from core_ir import ops
from core_ir.tensor import Tensor

N = 200_000  # sample size for the statistics: the standard error of a mean is ~0.002 * std
STAT_TOL = 0.01


def scalar(v, dtype=np.float32):
    return Tensor(np.asarray(v, dtype=dtype))


TRAIN = scalar(True, bool)


@pytest.fixture(autouse=True)
def fixed_stream():
    """The statistics below are checked on fixed draws, so no test can flake."""
    rng.manual_seed(2024)


# -- the backend generator ------------------------------------------------------------------------
def test_manual_seed_makes_unseeded_ops_repeat():
    rng.manual_seed(123)
    a = ops.random_uniform(shape=(5, 4)).array
    b = ops.random_normal(shape=(3,)).array
    rng.manual_seed(123)
    np.testing.assert_array_equal(ops.random_uniform(shape=(5, 4)).array, a)
    np.testing.assert_array_equal(ops.random_normal(shape=(3,)).array, b)
    assert not np.array_equal(ops.random_uniform(shape=(5, 4)).array, a)  # the stream moved on


def test_get_and_set_state_restore_the_stream():
    rng.manual_seed(0)
    state = rng.get_state()
    a = ops.random_normal(shape=(6,)).array
    rng.set_state(state)
    np.testing.assert_array_equal(ops.random_normal(shape=(6,)).array, a)


def test_a_compiled_plan_draws_fresh_numbers_every_run_reproducibly():
    fn = jit(lambda x: ops.dropout(x, None, ir.constant(np.array(True)))[0],
             [(np.float32, (64, 32))])
    x = np.ones((64, 32), np.float32)
    rng.manual_seed(7)
    first, second = fn(x)[0], fn(x)[0]
    assert not np.array_equal(first, second)
    rng.manual_seed(7)
    np.testing.assert_array_equal(fn(x)[0], first)
    np.testing.assert_array_equal(fn(x)[0], second)


def test_seeded_ops_repeat_on_every_call_and_leave_the_generator_alone():
    rng.manual_seed(5)
    expected_next = ops.random_uniform(shape=(4,)).array
    rng.manual_seed(5)
    graph, _, _ = ir.trace(lambda: ops.random_normal(shape=(3, 3), seed=2.0), [])
    plan = Plan(graph)
    runs = [plan([])[0][0] for _ in range(3)] + [ops.random_normal(shape=(3, 3), seed=2.0).array]
    for r in runs[1:]:
        np.testing.assert_array_equal(r, runs[0])
    np.testing.assert_array_equal(ops.random_uniform(shape=(4,)).array, expected_next)


# -- distributions, shapes and dtypes -------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_random_uniform_statistics(dtype):
    x = ops.random_uniform(shape=(N,), low=-1.0, high=3.0, dtype=dtype).array
    assert x.dtype == dtype and x.shape == (N,)
    assert x.min() >= -1.0 and x.max() <= 3.0
    assert abs(float(x.astype(np.float64).mean()) - 1.0) < 2 * STAT_TOL
    assert abs(float(x.astype(np.float64).var()) - 16 / 12) < 2 * STAT_TOL


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_random_normal_statistics(dtype):
    x = ops.random_normal(shape=(400, 500), mean=2.0, scale=0.5, dtype=dtype).array
    assert x.dtype == dtype and x.shape == (400, 500)
    assert abs(float(x.mean()) - 2.0) < STAT_TOL
    assert abs(float(x.std()) - 0.5) < STAT_TOL


def test_like_forms_take_the_shape_and_by_default_the_dtype():
    like = Tensor(np.zeros((300, 700), np.float64))
    u = ops.random_uniform_like(like, low=2.0, high=4.0).array
    n = ops.random_normal_like(like, mean=-1.0, scale=3.0).array
    assert u.shape == n.shape == (300, 700) and u.dtype == n.dtype == np.float64
    assert abs(u.mean() - 3.0) < STAT_TOL and abs(n.mean() + 1.0) < 3 * STAT_TOL
    assert abs(n.std() - 3.0) < 3 * STAT_TOL
    from_ints = ops.random_uniform_like(Tensor(np.zeros((2, 3), np.int32)), dtype=np.float32)
    assert from_ints.dtype == np.float32 and from_ints.shape == (2, 3)


def test_like_forms_of_integer_inputs_need_a_float_dtype():
    with pytest.raises(ir.DTypeError, match="RandomNormalLike cannot produce dtype int32"):
        ops.random_normal_like(Tensor(np.zeros(3, np.int32)))


def test_random_ops_trace_to_their_shape_and_dtype():
    _, _, outs = ir.trace(lambda x: [ops.random_normal(shape=(2, 7), dtype=np.float64),
                                     ops.random_uniform_like(x), ops.bernoulli(x)],
                          [(np.float32, ("N", 3))])
    assert [(o.dtype, o.shape) for o in outs] == [(np.float64, (2, 7)), (np.float32, ("N", 3)),
                                                 (np.float32, ("N", 3))]


@pytest.mark.parametrize("dtype", [None, np.int64, np.bool_, np.float64])
def test_bernoulli_statistics_and_dtype(dtype):
    p = np.repeat(np.array([0.0, 0.2, 0.7, 1.0], np.float32), N // 4)
    attrs = {} if dtype is None else {"dtype": dtype}
    y = ops.bernoulli(Tensor(p), **attrs).array
    assert y.dtype == (np.float32 if dtype is None else dtype)
    means = y.astype(np.float64).reshape(4, -1).mean(axis=1)
    np.testing.assert_allclose(means, [0.0, 0.2, 0.7, 1.0], atol=STAT_TOL)


def test_bernoulli_clips_probabilities_outside_the_unit_interval():
    p = np.array([-0.5, 1.5, np.nan] * 100, np.float32)
    for attrs in ({}, {"seed": 3.0}):
        y = ops.bernoulli(Tensor(p), **attrs).array.reshape(100, 3)
        assert (y[:, 0] == 0).all() and (y[:, 1] == 1).all() and (y[:, 2] == 0).all()


# -- Dropout --------------------------------------------------------------------------------------
def test_dropout_keeps_one_minus_ratio_and_scales_the_kept_units():
    x = np.full((500, 400), 3.0, np.float32)
    y, mask = ops.dropout(Tensor(x), scalar(0.25), TRAIN)
    assert mask.dtype == np.bool_ and y.dtype == np.float32
    assert abs(float(mask.array.mean()) - 0.75) < STAT_TOL
    np.testing.assert_allclose(y.array[mask.array], 4.0)  # 3 / (1 - 0.25)
    assert (y.array[~mask.array] == 0).all()


def test_dropout_is_the_identity_when_not_training():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    for args in ([], [scalar(0.5)], [scalar(0.5), scalar(False, bool)]):
        y, mask = ops.dropout(Tensor(x), *args)
        np.testing.assert_array_equal(y.array, x)
        assert mask.array.all()


def test_dropout_without_a_seed_draws_a_new_mask_per_call_and_with_one_the_same():
    x = Tensor(np.ones((50, 50), np.float32))
    a, b = (ops.dropout(x, scalar(0.5), TRAIN)[1].array for _ in range(2))
    assert not np.array_equal(a, b)
    c, d = (ops.dropout(x, scalar(0.5), TRAIN, seed=4)[1].array for _ in range(2))
    np.testing.assert_array_equal(c, d)


def test_dropout_gradient_uses_the_mask_and_the_scale():
    x = Tensor(np.random.default_rng(0).standard_normal((40, 30)), requires_grad=True)
    y, mask = ops.dropout(x, scalar(0.4, np.float64), TRAIN)
    g = np.random.default_rng(1).standard_normal((40, 30))
    (gx,) = ir.grad([y], [x], [Tensor(g)])
    np.testing.assert_allclose(gx.array, np.where(mask.array, g / 0.6, 0.0))


def test_dropout_gradient_is_the_identity_when_not_training():
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    y, _ = ops.dropout(x, scalar(0.4, np.float64), scalar(False, bool))
    (gx,) = ir.grad([y], [x], [Tensor(np.full((3, 4), 2.0))])
    np.testing.assert_allclose(gx.array, 2.0)


def test_dropout_ratio_must_be_a_single_value():
    with pytest.raises(ir.ShapeError, match=r"Dropout's ratio must hold one value, got shape "
                                            r"\(2,\)"):
        ir.trace(lambda x, r: ops.dropout(x, r)[0], [(np.float32, (3,)), (np.float32, (2,))])


# -- seeded ops equal the ONNX reference evaluator ------------------------------------------------
def _reference(op_type, inputs, attrs, out_type=TensorProto.FLOAT):
    names = [f"i{k}" for k in range(len(inputs))]
    node = helper.make_node(op_type, names, ["y"], **attrs)
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
         for n, a in zip(names, inputs)],
        [helper.make_tensor_value_info("y", out_type, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    return ReferenceEvaluator(model).run(None, dict(zip(names, inputs)))[0]


PROBS = np.random.default_rng(2).uniform(size=(5, 8)).astype(np.float32)
ONNX_CASES = [
    ("RandomUniform", [], {"shape": [3, 4], "seed": 3.0, "low": -2.0, "high": 5.0},
     lambda: ops.random_uniform(shape=(3, 4), seed=3.0, low=-2.0, high=5.0)),
    ("RandomNormal", [], {"shape": [6], "seed": 1.0, "mean": 1.0, "scale": 0.5,
                          "dtype": TensorProto.DOUBLE},
     lambda: ops.random_normal(shape=(6,), seed=1.0, mean=1.0, scale=0.5, dtype=np.float64)),
    ("RandomUniformLike", [PROBS], {"seed": 8.0},
     lambda p: ops.random_uniform_like(p, seed=8.0)),
    ("RandomNormalLike", [PROBS], {"seed": 8.0}, lambda p: ops.random_normal_like(p, seed=8.0)),
    ("Bernoulli", [PROBS], {"seed": 6.0}, lambda p: ops.bernoulli(p, seed=6.0)),
]


@pytest.mark.parametrize("op_type, inputs, attrs, ours", ONNX_CASES,
                         ids=[c[0] for c in ONNX_CASES])
def test_seeded_ops_equal_the_onnx_reference_evaluator(op_type, inputs, attrs, ours):
    out_type = attrs.get("dtype", TensorProto.FLOAT)
    want = _reference(op_type, inputs, attrs, out_type)
    got = ours(*[Tensor(a) for a in inputs]).array
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_seeded_dropout_equals_the_onnx_reference_evaluator():
    x = np.random.default_rng(3).standard_normal((4, 6)).astype(np.float32)
    node = helper.make_node("Dropout", ["x", "r", "t"], ["y", "m"], seed=5)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape),
                      helper.make_tensor_value_info("r", TensorProto.FLOAT, []),
                      helper.make_tensor_value_info("t", TensorProto.BOOL, [])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, x.shape),
         helper.make_tensor_value_info("m", TensorProto.BOOL, x.shape)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    feeds = {"x": x, "r": np.array(0.3, np.float32), "t": np.array(True)}
    want_y, want_m = ReferenceEvaluator(model).run(None, feeds)
    y, m = ops.dropout(Tensor(x), Tensor(feeds["r"]), Tensor(feeds["t"]), seed=5)
    np.testing.assert_array_equal(m.array, want_m)
    np.testing.assert_allclose(y.array, want_y, rtol=1e-6)
