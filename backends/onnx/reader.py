"""A minimal ONNX reader: ModelProto (or GraphProto) -> core_ir Graph.

Each NodeProto is mapped to the registered op of the same (domain, op_type) and *called* under
the tracing interpreter, so our own shape/dtype rules run and build the graph; the reader never
writes Nodes by hand. What it does:

- graph inputs become traced inputs (a dim_param becomes a symbolic dim, a missing dim None);
- initializers, and the inputs named in `constants`, become graph constants: our shape rules need
  the static contents of int64 inputs such as Reshape's shape or a reduction's axes;
- Constant nodes become graph constants;
- a model older than opset 18 is first converted by onnx.version_converter: our ops follow current
  ONNX (Reduce* and Split take axes/splits as inputs since opset 18), and reading an old node with
  current semantics would be wrong, sometimes silently;
- given an `evaluate` function (a backend's way to run one op on arrays), small integer and bool
  values computed from static contents become known too, so shape arithmetic such as
  Shape -> Div -> Concat -> Reshape is seen through while tracing (the nodes stay in the graph);
- an empty input name ('') is an absent optional input (None); an empty output name is skipped;
- attributes are converted by the kind our schema declares (a TensorProto data type becomes a
  numpy dtype, a tensor becomes an array).

Subgraphs (If/Loop/Scan), sequences, optionals and sparse tensors are not read: the full importer
builds on this. What the reader cannot read raises OnnxReadError or an IRError naming the node,
never a numpy or protobuf traceback.

    >>> graph = read_graph(onnx.load("model.onnx"), constants={"shape": np.array([2, 3])})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import onnx
from onnx import AttributeProto, helper, numpy_helper, version_converter

from core_ir import interpreters
from core_ir.errors import IRError, OpAttributeError
from core_ir.graph import Graph, Value
from core_ir.op import ONNX_DOMAIN, REGISTRY, Op
from core_ir.tensor import Tensor

ONNX_DOMAINS = ("", "ai.onnx")  # both spell the default ONNX operator set
CONSTANT_NODE = "Constant"  # read by the reader itself: it becomes a graph constant, not a node
MIN_OPSET = 18  # older models are converted first (see the module docstring)
FOLD_MAX_ELEMENTS = 1024  # shape arithmetic is tiny; larger integer tensors are not folded

# (op, input arrays (None for absent ones), resolved attrs) -> output arrays
Evaluate = Callable[[Op, Sequence[np.ndarray | None], dict], Sequence[np.ndarray]]


class OnnxReadError(IRError, ValueError):
    """A model the reader cannot map onto IR ops: an unknown op type, an unsupported attribute or
    value type, a dangling name, an opset the version converter cannot bring up to date."""


# -- ops and opsets ---------------------------------------------------------------------------------
def ir_domain(onnx_domain: str) -> str:
    """The IR op domain of an ONNX node domain ('' and 'ai.onnx' are the same operator set)."""
    return ONNX_DOMAIN if onnx_domain in ONNX_DOMAINS else onnx_domain


def lookup_op(domain: str, op_type: str) -> Op | None:
    """The registered op for an ONNX (domain, op_type), or None."""
    return REGISTRY.get((ir_domain(domain), op_type))


def is_supported(domain: str, op_type: str) -> bool:
    """Whether the reader can read nodes of this type (a registered op, or Constant)."""
    if op_type == CONSTANT_NODE and ir_domain(domain) == ONNX_DOMAIN:
        return True
    return lookup_op(domain, op_type) is not None


def default_opset(model: onnx.ModelProto) -> int | None:
    versions = [o.version for o in model.opset_import if o.domain in ONNX_DOMAINS]
    return max(versions) if versions else None


def upgrade_opset(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model converted to opset MIN_OPSET if it is older, else the model itself."""
    version = default_opset(model)
    if version is None or version >= MIN_OPSET:
        return model
    try:
        return version_converter.convert_version(model, MIN_OPSET)
    except Exception as exc:  # the converter raises its own C++-backed error types
        raise OnnxReadError(f"cannot convert the model from opset {version} to {MIN_OPSET}: "
                            f"{exc}") from exc


# -- types ----------------------------------------------------------------------------------------
def onnx_dtype(elem_type: int) -> np.dtype:
    """The numpy dtype of a TensorProto data type (float8/int4 map to ml_dtypes types)."""
    try:
        return np.dtype(helper.tensor_dtype_to_np_dtype(elem_type))
    except (KeyError, ValueError, TypeError):
        raise OnnxReadError(f"unsupported ONNX tensor data type {elem_type}") from None


def tensor_spec(value_info: onnx.ValueInfoProto) -> tuple[np.dtype, tuple]:
    """(dtype, shape) of a tensor-typed graph input; dim_param names become symbolic dims."""
    kind = value_info.type.WhichOneof("value")
    if kind != "tensor_type":
        raise OnnxReadError(f"input '{value_info.name}' has type {kind}; the IR only has tensors")
    tt = value_info.type.tensor_type
    if not tt.HasField("shape"):  # the IR needs static ranks
        raise OnnxReadError(f"input '{value_info.name}' has no shape (unknown rank)")
    dims = tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
                 for d in tt.shape.dim)
    return onnx_dtype(tt.elem_type), dims


# -- attributes -----------------------------------------------------------------------------------
_ATTR_READERS: dict[int, Callable[[AttributeProto], Any]] = {
    AttributeProto.INT: lambda a: a.i,
    AttributeProto.FLOAT: lambda a: a.f,
    AttributeProto.STRING: lambda a: a.s.decode("utf-8"),
    AttributeProto.TENSOR: lambda a: numpy_helper.to_array(a.t),
    AttributeProto.INTS: lambda a: tuple(a.ints),
    AttributeProto.FLOATS: lambda a: tuple(a.floats),
    AttributeProto.STRINGS: lambda a: tuple(s.decode("utf-8") for s in a.strings),
}

# Constant's value attributes and the element type ONNX gives each
_CONSTANT_DTYPES = {"value": None, "value_float": np.float32, "value_floats": np.float32,
                    "value_int": np.int64, "value_ints": np.int64, "value_string": object,
                    "value_strings": object}


def attr_value(attr: AttributeProto, label: str) -> Any:
    """An attribute's Python value: strings decoded, tensors as arrays, lists as tuples."""
    read = _ATTR_READERS.get(attr.type)
    if read is None:
        kind = AttributeProto.AttributeType.Name(attr.type)
        raise OnnxReadError(f"attribute '{attr.name}' of node {label} has type {kind}, which the "
                            f"reader does not support")
    return read(attr)


def convert_attrs(op: Op, node: onnx.NodeProto, label: str) -> dict[str, Any]:
    """The node's attributes as IR attribute values, checked against the op's schema."""
    attrs = {}
    for attr in node.attribute:
        spec = op.attrs.get(attr.name)
        if spec is None:
            known = ", ".join(op.attrs) or "none"
            raise OpAttributeError(f"{op.name} has no attribute '{attr.name}' (known: {known}) "
                                   f"[in ONNX node {label}]")
        value = attr_value(attr, label)
        if spec.kind == "dtype" and attr.type == AttributeProto.INT:  # Cast's `to`, ...
            value = onnx_dtype(value)
        attrs[attr.name] = value
    return attrs


def constant_value(node: onnx.NodeProto, label: str) -> np.ndarray:
    """The array of a Constant node (exactly one of its value* attributes is set)."""
    if len(node.attribute) != 1 or node.attribute[0].name not in _CONSTANT_DTYPES:
        given = ", ".join(a.name for a in node.attribute) or "none"
        raise OnnxReadError(f"Constant node {label} needs exactly one of "
                            f"{', '.join(_CONSTANT_DTYPES)}; got {given}")
    attr = node.attribute[0]
    return np.asarray(attr_value(attr, label), dtype=_CONSTANT_DTYPES[attr.name])


def node_label(node: onnx.NodeProto, index: int) -> str:
    """How errors and node origins name a node: its name, else OpType_index."""
    return node.name or f"{node.op_type}_{index}"


# -- graph construction ---------------------------------------------------------------------------
class _Env:
    """ONNX names -> traced tensors. Constants are made on first use, so unused initializers do
    not end up in the graph."""

    def __init__(self, constants: Mapping[str, np.ndarray],
                 params: Mapping[str, np.ndarray] | None = None):
        self.tensors: dict[str, Tensor] = {}
        self.constants = constants
        self.params = params or {}

    def get(self, name: str, user: str) -> Tensor | None:
        if not name:  # '' is an absent optional input
            return None
        if name not in self.tensors and name in self.params:
            # a concrete tensor: the tracer captures it as a graph param named after it
            self.tensors[name] = Tensor(np.asarray(self.params[name]))
        if name not in self.tensors:
            if name not in self.constants:
                raise OnnxReadError(f"'{name}' (used by {user}) is not an input, an initializer "
                                    f"or the output of an earlier node")
            self.tensors[name] = named_constant(self.constants[name], name)
        return self.tensors[name]

    def set(self, name: str, tensor: Tensor) -> None:
        if name:
            self.tensors[name] = tensor


def named_constant(array: np.ndarray, name: str) -> Tensor:
    t = interpreters.constant(array)
    t.value.name = name  # the graph prints constants by their ONNX names
    return t


def read_node(node: onnx.NodeProto, index: int, env: _Env,
              evaluate: Evaluate | None = None) -> None:
    """Trace one NodeProto: call its op on the tensors its inputs name, bind its outputs."""
    label = node_label(node, index)
    if node.op_type == CONSTANT_NODE and ir_domain(node.domain) == ONNX_DOMAIN:
        env.set(node.output[0], named_constant(constant_value(node, label), node.output[0]))
        return
    op = lookup_op(node.domain, node.op_type)
    if op is None:
        domain = f" in domain '{node.domain}'" if node.domain else ""
        raise OnnxReadError(f"no IR op for ONNX op type '{node.op_type}'{domain} (node {label})")
    attrs = convert_attrs(op, node, label)
    names = list(node.input)
    while names and not names[-1]:  # trailing absent inputs: let the op's defaults apply
        names.pop()
    inputs = [env.get(n, label) for n in names]
    with interpreters.origin(label):
        outs = _call(op, inputs, attrs, label)
    if evaluate is not None:
        fold_known(op, inputs, outs, evaluate)
    wanted = [i for i, n in enumerate(node.output) if n]
    if wanted and wanted[-1] >= len(outs):
        raise OnnxReadError(f"node {label} asks for {len(node.output)} outputs; {op.name} "
                            f"gives {len(outs)}")
    for i in wanted:
        env.set(node.output[i], outs[i])


def _call(op: Op, inputs: list, attrs: dict, label: str) -> tuple[Tensor, ...]:
    try:
        out = op(*inputs, **attrs)
    except IRError:
        raise  # already names the op, the node (its origin) and the shapes
    except Exception as exc:  # e.g. more inputs than the op takes: still a reading error
        raise OnnxReadError(f"cannot read node {label} ({len(inputs)} inputs): "
                            f"{type(exc).__name__}: {exc}") from exc
    return out if isinstance(out, tuple) else (out,)


# -- seeing through shape arithmetic --------------------------------------------------------------
def _static_size(v: Value) -> int | None:
    if not all(isinstance(d, int) for d in v.shape):
        return None
    return int(np.prod(v.shape, dtype=np.int64))


def _static_content(t: Tensor) -> np.ndarray | None:
    """A traced tensor's known content as an array, if it is fully static (a known tuple from
    Shape may hold symbolic dims)."""
    v = t.value
    if isinstance(v.known, np.ndarray):
        return v.known
    if isinstance(v.known, tuple) and all(isinstance(d, int) for d in v.known):
        array = np.array(v.known, dtype=v.dtype)
        return array.reshape(v.shape) if array.size == _static_size(v) else None
    return None


def _foldable(v: Value) -> bool:
    size = _static_size(v)
    return (v.known is None and v.dtype.kind in "biu" and size is not None
            and size <= FOLD_MAX_ELEMENTS)


def fold_known(op: Op, inputs: list, outs: Sequence[Tensor], evaluate: Evaluate) -> None:
    """Give small integer/bool outputs computed from static contents a known content, so that
    shape rules downstream can read them (our shape rules pass `known` through shape ops only,
    not through Div/Mul/Sub/Size/ConstantOfShape, which expanded ONNX functions use on shapes)."""
    values = [t.value for t in outs]
    if not any(_foldable(v) for v in values):
        return
    arrays = [None if t is None else _static_content(t) for t in inputs]
    if any(a is None and t is not None for a, t in zip(arrays, inputs)):
        return
    results = evaluate(op, arrays, values[0].producer.attrs)
    for v, r in zip(values, results):
        r = np.asarray(r)
        if _foldable(v) and r.dtype == v.dtype and r.shape == v.shape:
            v.known = r


# -- entry point ------------------------------------------------------------------------------------
def read_graph(model: onnx.ModelProto | onnx.GraphProto,
               constants: Mapping[str, np.ndarray] | None = None,
               evaluate: Evaluate | None = None,
               params: Sequence[str] = ()) -> Graph:
    """Build a core_ir Graph from an ONNX model by tracing our ops over its nodes.

    Args:
        model: a ModelProto, or a GraphProto (read as current ONNX: it carries no opset).
        constants: graph inputs to bake in as constants (name -> array), so that shape rules
            can read their contents (shapes, axes, pads, ...). Initializers are constants unless
            named in `params`.
        evaluate: runs one op on arrays (a backend's kernels); when given, small integer/bool
            values computed from static contents become known while tracing (see fold_known).
        params: initializers to read as graph params (named after them, in first-use order),
            so that a frontend can hand in trainable tensors for them.

    Returns:
        The traced Graph: its inputs are the ONNX graph inputs not given as constants, in order;
        its outputs are the ONNX graph outputs, in order.

    Raises:
        OnnxReadError: an unknown op type, an unsupported attribute or value type, or a model
            older than MIN_OPSET that onnx's version converter cannot convert.
        OpAttributeError, ShapeError, DTypeError: a node does not fit our op's schema or rules.
    """
    g = upgrade_opset(model).graph if isinstance(model, onnx.ModelProto) else model
    known = {init.name: numpy_helper.to_array(init) for init in g.initializer}
    known.update(constants or {})
    as_params = {name: known.pop(name) for name in params if name in known}
    fed = [vi for vi in g.input if vi.name not in known and vi.name not in as_params]
    env = _Env(known, as_params)

    def body(*inputs: Tensor) -> list[Tensor]:
        for vi, t in zip(fed, inputs):
            env.set(vi.name, t)
        for i, node in enumerate(g.node):
            read_node(node, i, env, evaluate)
        return [env.get(vi.name, "the graph outputs") for vi in g.output]

    specs = [tensor_spec(vi) for vi in fed]
    graph, captured, _ = interpreters.trace(body, specs, [vi.name for vi in fed],
                                            name=g.name or "onnx")
    names = {id(t): name for name, t in env.tensors.items() if name in as_params}
    for value, tensor in zip(graph.params, captured):
        value.name = names[id(tensor)]
    return graph
