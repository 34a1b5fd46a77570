"""Reverse mode over the eager tape and over graphs: the same VJP rules, accumulation,
symbolic zeros, freed graphs, higher-order gradients, and gradient graphs that run on the plan."""

from __future__ import annotations

import numpy as np
import pytest

import core_ir as ir
from backends.numpy import Plan
from core_ir import ops
from core_ir.autodiff import gradient_graph
from core_ir.tensor import Tensor

RNG = np.random.default_rng(0)


def t(*shape, requires_grad=True, dtype=np.float64):
    return Tensor(RNG.standard_normal(shape).astype(dtype), requires_grad=requires_grad)


def total(x):
    return ops.reduce_sum(x, keepdims=0)


def test_backward_accumulates_into_leaf_grads():
    x = t(3)
    for _ in range(2):
        ir.backward([total(x * x)], [ops.ones_like(total(x))])
    np.testing.assert_allclose(x.grad.array, 4 * x.array)


def test_broadcast_gradients_are_summed_to_the_input_shape():
    x, b = t(4, 3), t(3)
    y = total(ops.add(x, b))
    gb, = ir.grad([y], [b])
    np.testing.assert_allclose(gb.array, np.full(3, 4.0))


def test_frozen_and_integer_inputs_get_no_gradient_work():
    calls = []
    rule_b = ops.mul.vjp[1]
    x, w = t(3, 3), t(3, 3, requires_grad=False)
    idx = Tensor(np.array([1, 0]))
    try:
        ops.mul.vjp = (ops.mul.vjp[0], lambda *a: calls.append(1) or rule_b(*a))
        y = total(ops.mul(x, w))
        ir.grad([y], [x])
    finally:
        ops.mul.vjp = (ops.mul.vjp[0], rule_b)
    assert calls == []
    assert not idx.requires_grad


def test_no_grad_records_nothing():
    x = t(3)
    with ir.no_grad():
        y = x * x
    assert not y.requires_grad and y.creator is None


def test_backward_twice_through_a_freed_graph_raises_torch_message():
    x = t(3)
    y = total(ops.exp(x))
    ir.backward([y], [ops.ones_like(y)])
    with pytest.raises(ir.GradientError, match="backward through the graph a second time"):
        ir.backward([y], [ops.ones_like(y)])


def test_retain_graph_allows_a_second_backward():
    x = t(3)
    y = total(ops.exp(x))
    ir.backward([y], [ops.ones_like(y)], retain_graph=True)
    ir.backward([y], [ops.ones_like(y)])
    np.testing.assert_allclose(x.grad.array, 2 * np.exp(x.array))


def test_unused_input_is_an_error_unless_allowed():
    x, unused = t(3), t(3)
    with pytest.raises(ir.GradientError, match="not have been used"):
        ir.grad([total(x)], [x, unused], retain_graph=True)
    assert ir.grad([total(x)], [x, unused], allow_unused=True)[1] is None


def test_third_derivative_of_tanh():
    x = t(5)
    y = total(ops.tanh(x))
    g1, = ir.grad([y], [x], create_graph=True)
    g2, = ir.grad([total(g1)], [x], create_graph=True)
    g3, = ir.grad([total(g2)], [x])
    th = np.tanh(x.array)
    np.testing.assert_allclose(g3.array, -2 * (1 - th**2) ** 2 + 4 * th**2 * (1 - th**2))


def test_gradient_penalty_pattern():
    """d/dw ||d(x.w)/dx||^2 = 2w (a WGAN-GP style double backward)."""
    x, w = t(4), t(4)
    y = total(x * w)
    gx, = ir.grad([y], [x], create_graph=True)
    gw, = ir.grad([total(gx * gx)], [w])
    np.testing.assert_allclose(gw.array, 2 * w.array)


def test_traced_backward_emits_gradient_nodes_that_match_eager():
    w = t(3, 2, dtype=np.float32)
    b = t(2, dtype=np.float32)

    def loss(x):
        return ops.reduce_mean(ops.tanh(ops.add(ops.matmul(x, w), b)), keepdims=0)

    graph, captured, _ = ir.trace(loss, [(np.float32, ("N", 3))], ["x"])
    grad_graph = gradient_graph(graph)
    assert [v.shape for v in grad_graph.outputs] == [(), (3, 2), (2,)]
    assert "MatMul" in str(grad_graph) and "Transpose" in str(grad_graph)

    x = RNG.standard_normal((5, 3)).astype(np.float32)
    (value, gw, gb), _ = Plan(grad_graph)([x], [c.array for c in captured])
    eager_loss = loss(Tensor(x))
    ew, eb = ir.grad([eager_loss], [w, b])
    np.testing.assert_allclose(value, eager_loss.array, rtol=1e-6)
    np.testing.assert_allclose(gw, ew.array, rtol=1e-5)
    np.testing.assert_allclose(gb, eb.array, rtol=1e-5)


def test_the_plan_reuses_itself_across_batch_sizes():
    graph, _, _ = ir.trace(lambda x: ops.softmax(x), [(np.float32, ("N", 4))])
    plan = Plan(graph)
    for n in (1, 7):
        x = RNG.standard_normal((n, 4)).astype(np.float32)
        (out,), _ = plan([x])
        np.testing.assert_allclose(out.sum(-1), np.ones(n), rtol=1e-6)
