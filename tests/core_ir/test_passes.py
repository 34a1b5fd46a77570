"""Graph passes: each test traces a small function, checks the printed graph after the pass, and
runs the graph before and after through the NumPy Plan to check the results are identical."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import core_ir as ir
from backends.numpy import KERNELS, Plan, evaluate
from core_ir import ops, passes
from core_ir.errors import KernelBug
from core_ir.graph import Graph, Node, Value
from core_ir.interpreters import TypeSpec
from core_ir.op import Op
from core_ir.tensor import Tensor

F32 = np.float32
RNG = np.random.default_rng(0)


def text(s: str) -> str:
    return textwrap.dedent(s).strip()


def trace(fn, *shapes, **kw) -> Graph:
    graph, _, _ = ir.trace(fn, [(F32, s) for s in shapes], **kw)
    return graph


def assert_same_results(before: Graph, after: Graph, inputs, params=(), kernels=KERNELS):
    """Both graphs compute bitwise the same outputs and updates."""
    after.validate()
    outs_b, upd_b = Plan(before, kernels)(inputs, params)
    outs_a, upd_a = Plan(after, kernels)(inputs, params)
    assert len(outs_a) == len(outs_b) and len(upd_a) == len(upd_b)
    for a, b in zip([*outs_a, *upd_a], [*outs_b, *upd_b]):
        np.testing.assert_array_equal(a, b)


def randn(*shape):
    return RNG.standard_normal(shape).astype(F32)


def count(graph: Graph, op_name: str) -> int:
    return sum(node.op.name == op_name for node in graph.nodes)


# -- dead-code elimination ------------------------------------------------------------------------
def test_dce_drops_unused_nodes():
    def fn(x):
        a = ops.exp(x)
        ops.sin(ops.cos(a))  # never read
        return a * x

    before = trace(fn, (2, 3))
    after = passes.dead_code_elimination(before)
    assert str(after) == text("""
        graph(x0: f32[2,3]) {
          %0: f32[2,3] = Exp(x0)
          %1: f32[2,3] = Mul(%0, x0)
          return %1
        }""")
    assert_same_results(before, after, [randn(2, 3)])


def test_dce_keeps_what_updates_need_and_every_input_and_param():
    w = Tensor(randn(3))
    unused_param = Tensor(randn(3))

    def fn(x, y):
        ir.assign(w, w - x * 0.5)  # an update: its nodes are live though no output reads them
        ops.exp(unused_param)  # dead, but unused_param stays a param (the calling convention)
        ir.constant(np.ones(4, F32))  # dead, and a constant: dropped
        return ops.exp(x)

    before, captured, _ = ir.trace(fn, [(F32, (3,)), (F32, (3,))])
    after = passes.dead_code_elimination(before)
    assert str(after) == text("""
        graph(x0: f32[3], x1: f32[3]; params p0: f32[3], p1: f32[3]) {
          c0: f32[] = constant
          %0: f32[3] = Mul(x0, c0)
          %1: f32[3] = Sub(p0, %0)
          %2: f32[3] = Exp(x0)
          p0 <- %1
          return %2
        }""")
    assert_same_results(before, after, [randn(3), randn(3)], [t.array for t in captured])


def test_dce_of_a_clean_graph_prints_the_same():
    before = trace(lambda x: ops.tanh(x) + x, ("N", 4))
    assert str(passes.dead_code_elimination(before)) == str(before)


# -- constant folding -----------------------------------------------------------------------------
def test_fold_constants_cascades_and_drops_the_inputs_it_used():
    def fn(x):
        c = ir.constant(np.arange(3, dtype=F32))
        return x + ops.exp(c * 2)

    before = trace(fn, (2, 3))
    after = passes.fold_constants(before, evaluate)
    assert len(before.nodes) == 3
    assert str(after) == text("""
        graph(x0: f32[2,3]) {
          c0: f32[3] = constant
          %0: f32[2,3] = Add(x0, c0)
          return %0
        }""")
    np.testing.assert_array_equal(after.constants[after.nodes[0].inputs[1]],
                                  np.exp(np.arange(3, dtype=F32) * F32(2)))
    assert_same_results(before, after, [randn(2, 3)])


def test_fold_leaves_nodes_that_read_inputs():
    before = trace(lambda x: ops.exp(x) * x, (2, 3))
    assert str(passes.fold_constants(before, evaluate)) == str(before)


def test_fold_shape_of_a_static_tensor_from_what_the_shape_rule_knows():
    before = trace(lambda x: (ops.exp(x), ops.shape(x)), (2, 3))
    after = passes.fold_constants(before, evaluate)
    assert count(after, "Shape") == 0 and "return %0, c0" in str(after)
    assert_same_results(before, after, [randn(2, 3)])


def test_fold_keeps_shape_of_a_symbolic_tensor():
    before = trace(lambda x: ops.shape(x), ("N", 3))
    assert count(passes.fold_constants(before, evaluate), "Shape") == 1


def test_fold_graph_output_becomes_a_constant():
    before = trace(lambda x: (x, ops.neg(ir.constant(np.ones(2, F32)))), (2,))
    after = passes.fold_constants(before, evaluate)
    assert after.nodes == [] and str(after).endswith("return x0, c0\n}")
    assert_same_results(before, after, [randn(2)])


def _graph_with(op: Op, inputs: list[Value], out: Value, graph: Graph) -> Graph:
    graph.add_node(Node(op, inputs, {}, [out]))
    graph.outputs = [out]
    return graph


def test_random_ops_are_not_folded():
    random_like = Op("RandomUniformLike", infer=lambda x: TypeSpec(x.dtype, x.shape), vjp=None)
    graph = Graph()
    c = graph.add_constant(np.zeros(4, F32))
    _graph_with(random_like, [c], Value(F32, (4,)), graph)
    assert not passes.is_pure(random_like)
    after = passes.fold_constants(graph, lambda op, arrays, attrs: RNG.uniform(size=4).astype(F32))
    assert [n.op.name for n in after.nodes] == ["RandomUniformLike"]
    private = Op("DropoutMask", infer=lambda x: TypeSpec(x.dtype, x.shape), vjp=None,
                 domain="duet")
    assert not passes.is_pure(private)


@pytest.mark.parametrize("declared", [None, True], ids=["undeclared", "declared-pure"])
def test_source_nodes_fold_only_when_known_pure(declared):
    answer = Op("Answer", infer=lambda: TypeSpec(np.dtype(F32), ()), vjp=None)
    if declared is not None:
        answer.pure = declared
    graph = _graph_with(answer, [], Value(np.dtype(F32), ()), Graph())
    kernels = {answer: lambda: np.array(42, F32)}
    after = passes.fold_constants(graph, lambda op, arrays, attrs: kernels[op](*arrays))
    assert len(after.nodes) == (0 if declared else 1)
    assert_same_results(graph, after, [], kernels=kernels)


def test_constant_op_is_a_known_pure_source():
    constant_op = Op("Constant", infer=lambda: TypeSpec(np.dtype(F32), (2,)), vjp=None)
    graph = _graph_with(constant_op, [], Value(np.dtype(F32), (2,)), Graph())
    after = passes.fold_constants(graph, lambda op, arrays, attrs: np.ones(2, F32))
    assert after.nodes == []


def test_fold_leaves_large_results_to_run_time():
    before = trace(lambda x: x + ops.full_like(x, 1.5), (64, 64))
    assert count(passes.fold_constants(before, evaluate, max_elements=1000), "Expand") == 1
    after = passes.fold_constants(before, evaluate)
    assert count(after, "Expand") == 0
    assert_same_results(before, after, [randn(64, 64)])


def test_fold_skips_nodes_the_evaluator_cannot_run():
    def picky(op, arrays, attrs):
        if op is ops.exp:
            raise KeyError(op)
        return evaluate(op, arrays, attrs)

    before = trace(lambda x: x + ops.exp(ir.constant(np.ones(3, F32)) * 2), (3,))
    after = passes.fold_constants(before, picky)
    assert [n.op.name for n in after.nodes] == ["Exp", "Add"]
    assert_same_results(before, after, [randn(3)])


def test_fold_reports_an_evaluator_that_breaks_the_shape_rule():
    before = trace(lambda x: x + ops.exp(ir.constant(np.ones(3, F32))), (3,))
    with pytest.raises(KernelBug, match=r"float64\[3\].*Exp"):
        passes.fold_constants(before, lambda op, arrays, attrs: np.ones(3))


# -- transpose pairs ------------------------------------------------------------------------------
def test_inverse_transposes_cancel():
    before = trace(lambda x: ops.transpose(ops.transpose(x, perm=[1, 0, 2]), perm=[1, 0, 2]) * x,
                   (2, 3, 4))
    after = passes.cancel_transpose_pairs(before)
    assert str(after) == text("""
        graph(x0: f32[2,3,4]) {
          %0: f32[2,3,4] = Mul(x0, x0)
          return %0
        }""")
    assert_same_results(before, after, [randn(2, 3, 4)])


def test_transpose_pair_composes_into_one():
    before = trace(lambda x: ops.exp(ops.transpose(ops.transpose(x, perm=[1, 2, 0]),
                                                   perm=[1, 2, 0])), (2, 3, 4))
    after = passes.cancel_transpose_pairs(before)
    assert str(after) == text("""
        graph(x0: f32[2,3,4]) {
          %0: f32[4,2,3] = Transpose(x0; perm=[2,0,1])
          %1: f32[4,2,3] = Exp(%0)
          return %1
        }""")
    assert_same_results(before, after, [randn(2, 3, 4)])


def test_chain_of_three_cancels_and_default_perms_cancel():
    def fn(x):
        t = x
        for _ in range(3):
            t = ops.transpose(t, perm=[1, 2, 0])
        return t + ops.transpose(ops.transpose(x))  # no perm: reverse the axes

    before = trace(fn, (2, 2, 2))
    after = passes.cancel_transpose_pairs(before)
    assert count(before, "Transpose") == 5 and count(after, "Transpose") == 0
    assert_same_results(before, after, [randn(2, 2, 2)])


def test_identity_transpose_is_removed_and_graph_output_rewired():
    before = trace(lambda x: (ops.transpose(x, perm=[0, 1]), ops.transpose(ops.transpose(x))),
                   ("N", 3))
    after = passes.cancel_transpose_pairs(before)
    assert str(after) == text("""
        graph(x0: f32[N,3]) {
          return x0, x0
        }""")
    for n in (1, 5):
        assert_same_results(before, after, [randn(n, 3)])


def test_inner_transpose_with_other_readers_stays():
    def fn(x):
        t = ops.transpose(x, perm=[1, 0])
        return ops.transpose(t, perm=[1, 0]) + x, t

    before = trace(fn, (2, 3))
    after = passes.cancel_transpose_pairs(before)
    assert str(after) == text("""
        graph(x0: f32[2,3]) {
          %0: f32[3,2] = Transpose(x0; perm=[1,0])
          %1: f32[2,3] = Add(x0, x0)
          return %1, %0
        }""")
    assert_same_results(before, after, [randn(2, 3)])


# -- the pipeline, and what every pass promises ---------------------------------------------------
def _grad_step():
    """A traced gradient: VJP rules leave constant Expand/Unsqueeze chains and Transposes."""
    w = Tensor(randn(3, 4), requires_grad=True)

    def fn(x):
        y = ops.transpose(ops.transpose(x @ w, perm=[1, 0]), perm=[1, 0])
        loss = ops.reduce_sum(y * y, None, keepdims=0)
        ops.tanh(loss)  # dead
        (gw,) = ir.grad([loss], [w])
        return loss, gw

    graph, captured, _ = ir.trace(fn, [(F32, (5, 3))])
    return graph, [t.array for t in captured]


def test_simplify_shrinks_a_gradient_graph():
    before, params = _grad_step()
    after = passes.simplify(before, evaluate)
    for name in ("Expand", "Unsqueeze", "Tanh"):
        assert count(before, name) >= 1 and count(after, name) == 0
    assert count(after, "Transpose") == 1  # x0's transpose in the weight gradient
    assert len(after.nodes) < len(before.nodes) - 5
    assert len(str(after)) < len(str(before))
    assert_same_results(before, after, [randn(5, 3)], params)


def test_simplify_reaches_a_fixed_point():
    before, _ = _grad_step()
    once = passes.simplify(before, evaluate)
    assert str(passes.simplify(once, evaluate)) == str(once)


@pytest.mark.parametrize("name", ["dead_code_elimination", "fold_constants",
                                  "cancel_transpose_pairs", "simplify"])
def test_passes_leave_their_argument_untouched(name):
    graph, params = _grad_step()
    printed = str(graph)
    fn = getattr(passes, name)
    result = fn(graph, evaluate) if name in ("fold_constants", "simplify") else fn(graph)
    assert result is not graph
    assert str(graph) == printed
    graph.validate()
    result.validate()
    assert result.inputs == graph.inputs and result.params == graph.params
    assert_same_results(graph, result, [randn(5, 3)], params)


@pytest.mark.parametrize("name", ["RandomNormal", "RandomUniform", "RandomNormalLike",
                                  "RandomUniformLike", "Bernoulli", "Dropout"])
def test_registered_random_ops_are_impure(name):
    try:
        op = ir.get_op(name)
    except KeyError:
        pytest.skip(f"{name} is not defined")
    assert not passes.is_pure(op)


def test_traced_random_op_on_a_constant_is_not_folded():
    random_like = getattr(ops, "random_uniform_like", None)
    if random_like is None:
        pytest.skip("RandomUniformLike is not defined")
    before = trace(lambda x: x + random_like(ir.constant(np.zeros(3, F32))), (3,))
    after = passes.simplify(before, evaluate)
    assert count(after, "RandomUniformLike") == 1
