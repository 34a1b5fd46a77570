"""Graph printing, validation, topological order, symbolic batch dims."""

from __future__ import annotations

import numpy as np
import pytest

import core_ir as ir
from core_ir import ops
from core_ir.graph import Graph, Node, Value
from core_ir.tensor import Tensor


def mlp_graph():
    w = Tensor(np.ones((3, 4), np.float32))
    b = Tensor(np.zeros(4, np.float32))

    def fn(x):
        with ir.origin("fc"):
            return ops.relu(ops.add(ops.matmul(x, w), b))

    return ir.trace(fn, [(np.float32, ("N", 3))], ["x"])[0]


def test_graph_prints_one_line_per_node_with_types_and_origin():
    text = str(mlp_graph())
    lines = text.splitlines()
    assert lines[0] == "graph(x: f32[N,3]; params p0: f32[3,4], p1: f32[4]) {"
    assert lines[1].startswith("  %0: f32[N,4] = MatMul(x, p0)") and lines[1].endswith("# fc")
    assert lines[2].startswith("  %1: f32[N,4] = Add(%0, p1)")
    assert lines[3].startswith("  %2: f32[N,4] = Relu(%1)")
    assert lines[-2:] == ["  return %2", "}"]


def test_attributes_print_after_a_semicolon():
    g = ir.trace(lambda x: ops.transpose(x, perm=[1, 0]), [(np.float32, (2, 3))])[0]
    assert "Transpose(x0; perm=[1,0])" in str(g)


def test_symbolic_batch_flows_through_reshape_of_shape():
    def fn(x):
        flat = ops.reshape(x, ir.ops.const_ints([0, -1]))
        return ops.reshape(flat, ops.shape(x))

    g = ir.trace(fn, [(np.float32, ("N", 2, 3))])[0]
    assert [v.shape for v in (g.nodes[0].outputs[0], g.outputs[0])] == [("N", 6), ("N", 2, 3)]


def test_validate_rejects_use_before_definition():
    g = Graph()
    x = g.add_input(np.dtype("float32"), (2,), "x")
    dangling = Value(np.dtype("float32"), (2,), "y")
    g.add_node(Node(ops.neg, [dangling], {}, [Value(np.dtype("float32"), (2,))]))
    g.outputs = [x]
    with pytest.raises(ir.GraphError, match="before it is defined"):
        g.validate()


def test_validate_rejects_an_output_nobody_produces():
    g = Graph()
    g.add_input(np.dtype("float32"), (2,), "x")
    g.outputs = [Value(np.dtype("float32"), (2,), "ghost")]
    with pytest.raises(ir.GraphError, match="not produced"):
        g.validate()


def test_toposort_restores_producer_before_consumer_order():
    g = mlp_graph()
    g.nodes.reverse()
    with pytest.raises(ir.GraphError):
        g.validate()
    g.toposort()
    g.validate()
    assert [n.op.name for n in g.nodes] == ["MatMul", "Add", "Relu"]
