"""The topology of a Functional graph (Keras 3's ops/function.py map_graph): nodes ordered by
depth from the outputs, operations ordered inputs-first, disconnected graphs and duplicate
names rejected."""

from __future__ import annotations

import collections

from ..backend import _tree


def map_graph(inputs: list, outputs: list):
    """(nodes_by_depth {depth: [Node]}, operations inputs-first) of the graph from `inputs` to
    `outputs` (flat lists of KerasTensors)."""
    nodes_in_order, operation_indices = _build_map(inputs, outputs)
    in_graph = {id(n) for n in nodes_in_order}
    node_depth: dict[int, int] = {}
    op_depth: dict[int, int] = {}
    by_id: dict[int, object] = {}
    for node in reversed(nodes_in_order):
        depth = max(node_depth.setdefault(id(node), 0), op_depth.get(id(node.operation), 0))
        op_depth[id(node.operation)] = depth
        node_depth[id(node)] = depth
        by_id[id(node)], by_id[id(node.operation)] = node, node.operation
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for x in inputs:
        op, node_index, _ = x._keras_history
        if id(op) not in op_depth:
            node = op._inbound_nodes[node_index]
            if node.is_input:
                op_depth[id(op)] = 0
                operation_indices[id(op)] = -1
                node_depth[id(node)] = 0
                by_id[id(node)], by_id[id(op)] = node, op
    nodes_by_depth = collections.defaultdict(list)
    for key, depth in node_depth.items():
        nodes_by_depth[depth].append(by_id[key])
    ops_by_depth = collections.defaultdict(list)
    for key, depth in op_depth.items():
        ops_by_depth[depth].append(by_id[key])
    operations = []
    for depth in sorted(ops_by_depth, reverse=True):
        operations.extend(sorted(ops_by_depth[depth], key=lambda op: operation_indices[id(op)]))
    _check_connected(inputs, nodes_by_depth)
    _check_unique_names(operations)
    return dict(nodes_by_depth), operations


def _check_connected(inputs, nodes_by_depth) -> None:
    computable = {id(x) for x in inputs}
    seen = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            for x in node.input_tensors:
                if id(x) not in computable:
                    raise ValueError(f"Graph disconnected: cannot find parent for tensor {x} at "
                                     f"operation '{node.operation}'. The following previous "
                                     f"operations were accessed without issue: {seen}")
            seen.append(node.operation.name)
            computable.update(id(x) for x in node.outputs)


def _check_unique_names(operations) -> None:
    names = [op.name for op in operations]
    for name in names:
        if names.count(name) != 1:
            raise ValueError(f'The name "{name}" is used {names.count(name)} times in the '
                             "model. All operation names should be unique.")


def _build_map(inputs, outputs):
    """Depth-first from the outputs: nodes from inputs to outputs, and the order in which
    each operation was first reached."""
    finished: set[int] = set()
    in_progress: set[int] = set()
    ordered: list = []
    indices: dict[int, int] = {}
    input_ids = {id(x) for x in inputs}
    for out in _tree.flatten(outputs):
        _visit(out, input_ids, finished, in_progress, ordered, indices)
    return ordered, indices


def _visit(tensor, input_ids, finished, in_progress, ordered, indices) -> None:
    if tensor._keras_history is None:
        raise ValueError(f"Output tensors of a Functional model must be the output of a Keras "
                         f"layer or op (they need a history). Received: {tensor}")
    op, node_index, _ = tensor._keras_history
    node = op._inbound_nodes[node_index]
    if id(node) in finished:
        return
    if not node.is_input and id(tensor) in input_ids:
        finished.add(id(node))
        return
    if id(node) in in_progress:
        raise ValueError(f"Tensor {tensor} from operation '{op.name}' is part of a cycle.")
    indices.setdefault(id(op), len(indices))
    in_progress.add(id(node))
    if not node.is_input:
        for x in node.input_tensors:
            _visit(x, input_ids, finished, in_progress, ordered, indices)
    finished.add(id(node))
    in_progress.discard(id(node))
    ordered.append(node)
