"""Private ops that have an exact ONNX form in some configurations, rewritten before export.

torch's adaptive pools are private ops (ONNX has no adaptive pooling), but two common cases are
plain ONNX: an output size of 1 per spatial axis is GlobalAveragePool/GlobalMaxPool, and an
input size divisible by the output size is AveragePool/MaxPool with kernel = stride = in / out
(the bins are then disjoint and equal). Other configurations stay private and the exporter
raises, naming the op and its origin (the max pools' Indices output has its own layout: it is
only rewritten when unused).
"""

from __future__ import annotations

from core_ir.graph import Graph, Node
from core_ir.op import get_op

ADAPTIVE = {"AdaptiveAveragePool": ("GlobalAveragePool", "AveragePool"),
            "AdaptiveMaxPool": ("GlobalMaxPool", "MaxPool")}


def lower_private_ops(graph: Graph) -> None:
    """Rewrite, in place, the adaptive pools that have an exact ONNX form (see above)."""
    used = {v for n in graph.nodes for v in n.inputs if v is not None} | set(graph.outputs)
    graph.nodes = [_adaptive(n, used) or n if n.op.name in ADAPTIVE else n for n in graph.nodes]


def _adaptive(node: Node, used: set) -> Node | None:
    if len(node.outputs) > 1 and node.outputs[1] in used:
        return None
    fmt = node.attrs.get("data_format", "NCHW")
    x = node.inputs[0]
    spatial = x.shape[2:] if fmt == "NCHW" else x.shape[1:-1]
    out = tuple(node.attrs["output_size"])
    global_op, window_op = ADAPTIVE[node.op.name]
    if all(o == 1 for o in out):
        return Node(get_op(global_op), [x], {"data_format": fmt}, node.outputs[:1], node.origin)
    if not all(isinstance(s, int) and s % o == 0 for s, o in zip(spatial, out)):
        return None
    kernel = tuple(s // o for s, o in zip(spatial, out))
    return Node(get_op(window_op), [x], {"kernel_shape": kernel, "strides": kernel,
                                         "data_format": fmt}, node.outputs[:1], node.origin)
