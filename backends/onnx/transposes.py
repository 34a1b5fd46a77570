"""Transpose cancellation on an exported node list (ONNX level).

Lowering an NHWC graph puts NHWC->NCHW / NCHW->NHWC Transposes around every Conv, pool and
channel-last BatchNormalization. Between two such ops the data usually passes through
layout-agnostic ops only (the bias Add, an activation), so the pair cancels if the Transpose is
moved past them first:

- `sink`: Transpose(x) -> U becomes U(x) -> Transpose for an elementwise unary op U, and for a
  binary elementwise op whose other operand is an initializer (a bias): the initializer is
  brought into the pre-transpose layout (rank-expanded, inverse-permuted);
- `cancel`: Transpose(Transpose(x, p1), p2) composes; an identity permutation disappears.

A Transpose is moved only when its output has exactly one reader and is not a graph output, so
nothing else observes the layout change. What remains are the Transposes at the boundaries of
the channel-last region (after the graph input, before Flatten/Reshape or the graph output).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

# elementwise ops with one data input whose extra inputs (Clip's min/max) are scalars
UNARY = {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Celu", "Softplus", "Softsign",
         "HardSigmoid", "HardSwish", "Gelu", "Mish", "Identity", "Neg", "Abs", "Exp", "Log",
         "Sqrt", "Reciprocal", "Erf", "Clip", "Cast", "ThresholdedRelu", "Sin", "Cos", "Floor",
         "Ceil", "Round", "Sign"}
BINARY = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "PRelu"}


def _perm(node: onnx.NodeProto) -> tuple[int, ...] | None:
    for a in node.attribute:
        if a.name == "perm":
            return tuple(a.ints)
    return None  # no perm (reverse axes): rank unknown here, leave it alone


class _Net:
    """Reader counts and producers of the node list, rebuilt after each rewrite."""

    def __init__(self, nodes: list, outputs: set[str]):
        self.readers: dict[str, list] = {}
        self.producer: dict[str, onnx.NodeProto] = {}
        for n in nodes:
            for name in n.input:
                self.readers.setdefault(name, []).append(n)
            for name in n.output:
                self.producer[name] = n
        self.outputs = outputs

    def private(self, name: str) -> bool:
        """Whether only one node reads `name` and it is no graph output."""
        return len(self.readers.get(name, [])) == 1 and name not in self.outputs


def optimize_transposes(model: onnx.ModelProto) -> onnx.ModelProto:
    """Sink and cancel Transposes in place (see the module docstring); returns the model."""
    g = model.graph
    outputs = {o.name for o in g.output}
    inits = {t.name: t for t in g.initializer}
    nodes = list(g.node)
    for _ in range(4 * len(nodes) + 1):  # each round moves or removes one Transpose
        net = _Net(nodes, outputs)
        if not (_cancel_one(nodes, net) or _sink_one(nodes, net, inits, g)):
            break
    del g.node[:]
    g.node.extend(nodes)
    return model


def _cancel_one(nodes: list, net: _Net) -> bool:
    for outer in nodes:
        inner = net.producer.get(outer.input[0]) if outer.op_type == "Transpose" else None
        if inner is None or inner.op_type != "Transpose" or not net.private(inner.output[0]):
            continue
        p1, p2 = _perm(inner), _perm(outer)
        if p1 is None or p2 is None:
            continue
        composed = tuple(p1[p] for p in p2)
        nodes.remove(inner)
        outer.input[0] = inner.input[0]
        _set_perm(outer, composed)
        if composed == tuple(range(len(composed))) and outer.output[0] not in net.outputs:
            _bypass(nodes, outer)
        return True
    return False


def _bypass(nodes: list, node: onnx.NodeProto) -> None:
    """Remove an identity node, its readers reading its input."""
    nodes.remove(node)
    for n in nodes:
        for i, name in enumerate(n.input):
            if name == node.output[0]:
                n.input[i] = node.input[0]


def _set_perm(node: onnx.NodeProto, perm: tuple) -> None:
    del node.attribute[:]
    node.attribute.append(helper.make_attribute("perm", list(perm)))


def _sink_one(nodes: list, net: _Net, inits: dict, g: onnx.GraphProto) -> bool:
    for t in nodes:
        if t.op_type != "Transpose" or _perm(t) is None or not net.private(t.output[0]):
            continue
        (user,) = net.readers[t.output[0]]
        if not _movable(user, t, net, inits):
            continue
        if user.op_type in BINARY:
            _permute_operand(user, t, inits, net, g)
        _swap(nodes, t, user)
        return True
    return False


def _movable(user: onnx.NodeProto, t: onnx.NodeProto, net: _Net, inits: dict) -> bool:
    if len(user.output) != 1 or user.output[0] == "":
        return False
    if user.op_type in UNARY:
        return user.input[0] == t.output[0] and all(
            name in inits and len(inits[name].dims) == 0 for name in user.input[1:] if name)
    if user.op_type in BINARY and len(user.input) == 2:
        other = user.input[1] if user.input[0] == t.output[0] else user.input[0]
        return other in inits and other != t.output[0] and \
            len(inits[other].dims) <= len(_perm(t))
    return False


def _permute_operand(user, t, inits: dict, net: _Net, g: onnx.GraphProto) -> None:
    """The initializer operand in the layout before the Transpose: rank-expanded to the
    Transpose's rank (numpy broadcasting aligns trailing axes), then inverse-permuted."""
    index = 1 if user.input[0] == t.output[0] else 0
    name = user.input[index]
    perm = _perm(t)
    array = numpy_helper.to_array(inits[name])
    array = array.reshape((1,) * (len(perm) - array.ndim) + array.shape)
    moved = np.transpose(array, np.argsort(perm))
    if net.private(name):  # the bias read only here keeps its (frontend path) name
        inits[name].CopyFrom(numpy_helper.from_array(moved, name))
        return
    new = f"{name}_{'_'.join(map(str, np.argsort(perm)))}"
    if new not in inits:
        inits[new] = numpy_helper.from_array(moved, new)
        g.initializer.append(inits[new])
    user.input[index] = new


def _swap(nodes: list, t: onnx.NodeProto, user: onnx.NodeProto) -> None:
    """x -T-> a -U-> b  becomes  x -U-> a -T-> b (names reused, so nothing else changes)."""
    x, a, b = t.input[0], t.output[0], user.output[0]
    for i, name in enumerate(user.input):
        if name == a:
            user.input[i] = x
    user.output[0], t.input[0], t.output[0] = a, a, b
    nodes.remove(t)
    nodes.insert(nodes.index(user) + 1, t)
