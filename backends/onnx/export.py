"""IR -> ONNX: export a core_ir Graph as an onnx.ModelProto, and run ONNX models on the NumPy
backend.

The IR follows ONNX, so an ONNX-domain node maps 1:1 onto a NodeProto with the same op type and
attributes. What does not map:

- ops in the private domain (gradient kernels, fused optimizer updates) have no ONNX counterpart:
  ExportError names the op and the node origin;
- attributes of our extra conventions are lowered into plain ONNX (see `lowering`): NHWC data gets
  Transposes around Conv/ConvTranspose/pools, HWIO/HWOI kernels and BatchNormalization's channel
  axis are transposed, torch/Keras gate orders become ONNX's by reordering weight blocks (Gather),
  batch-first recurrent layout=1 becomes layout=0 between Transposes (onnxruntime lacks it). A
  rewrite of a weight that is an initializer read only there is applied to the initializer itself.
  What is not lowered (SoftmaxCrossEntropyLoss label_smoothing, the Indices output of an NHWC
  MaxPool) raises ExportError naming the op, the origin and the attribute, instead of writing a
  model that silently computes something else.

Graph inputs stay inputs (symbolic dims become dim_params), constants and params become
initializers (params named after the graph's param names). The opset is DEFAULT_OPSET unless a node
needs a newer one (an op added later, such as Attention, or an attribute added later).

    >>> model = export_graph(graph, params, input_names=["x"])
    >>> save(model, "model.onnx"); run_model("model.onnx", [x])
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import onnx
from onnx import defs, helper, numpy_helper

from core_ir.errors import IRError
from core_ir.graph import Graph, Node, Value
from core_ir.op import ONNX_DOMAIN
from core_ir.passes import dead_code_elimination

from .private_ops import lower_private_ops
from .transposes import optimize_transposes

DEFAULT_OPSET = 18  # the pinned default; the reader's MIN_OPSET, so exports read back as-is
PRODUCER_NAME = "duet"
IR_VERSION = 10  # onnxruntime 1.2x reads IR version 10 models

# (op name, attribute) -> the value that means "plain ONNX". Any other value is one of our extra
# conventions: lowering() rewrites them into plain ONNX, except those in UNLOWERED, which raise.
ONNX_CONVENTIONS: dict[tuple[str, str], Any] = {
    ("Conv", "data_format"): "NCHW",
    ("Conv", "kernel_format"): "OIHW",
    ("ConvTranspose", "data_format"): "NCHW",
    ("ConvTranspose", "kernel_format"): "IOHW",
    ("MaxPool", "data_format"): "NCHW",
    ("AveragePool", "data_format"): "NCHW",
    ("GlobalAveragePool", "data_format"): "NCHW",
    ("GlobalMaxPool", "data_format"): "NCHW",
    ("BatchNormalization", "axis"): 1,
    ("LSTM", "gate_order"): "iofc",
    ("GRU", "gate_order"): "zrh",
    ("SoftmaxCrossEntropyLoss", "label_smoothing"): 0.0,
}
UNLOWERED = {("SoftmaxCrossEntropyLoss", "label_smoothing")}


class ExportError(IRError, ValueError):
    """A graph the exporter cannot write as plain ONNX: a private op, an unlowered convention."""


# -- names -----------------------------------------------------------------------------------------
class _Names:
    """Unique ONNX names for IR values: sources keep their names, node outputs get v0, v1, ..."""

    def __init__(self) -> None:
        self.of: dict[Value, str] = {}
        self.taken: set[str] = set()
        self.extra: list[onnx.TensorProto] = []  # initializers lowering adds (Gather indices)

    def fresh(self, base: str) -> str:
        name, i = base, 1
        while name in self.taken:
            name, i = f"{base}_{i}", i + 1
        self.taken.add(name)
        return name

    def bind(self, value: Value, base: str) -> str:
        self.of[value] = self.fresh(base)
        return self.of[value]

    def __getitem__(self, value: Value | None) -> str:
        return "" if value is None else self.of[value]


# -- types -----------------------------------------------------------------------------------------
def tensor_dtype(dtype) -> int:
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def value_info(name: str, value: Value) -> onnx.ValueInfoProto:
    """A graph input/output with full type info: str dims become dim_params, None stays unknown."""
    dims = [d if isinstance(d, (int, str)) else None for d in value.shape]
    return helper.make_tensor_value_info(name, tensor_dtype(value.dtype), dims)


# -- attributes ------------------------------------------------------------------------------------
def attr_proto_value(value: Any) -> Any:
    """An IR attribute value as something helper.make_attribute accepts."""
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return tensor_dtype(value)
    if isinstance(value, np.ndarray):
        return numpy_helper.from_array(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def check_conventions(node: Node) -> None:
    """Raise for an attribute that holds one of our conventions which is not lowered yet."""
    for (op_name, attr), plain in ONNX_CONVENTIONS.items():
        if (op_name, attr) in UNLOWERED and op_name == node.op.name \
                and attr in node.attrs and node.attrs[attr] != plain:
            raise ExportError(
                f"cannot export {op_name} (node origin '{node.origin or '?'}'): attribute "
                f"{attr}={node.attrs[attr]!r} is not ONNX's {plain!r} and its lowering is not "
                f"implemented yet")


def node_attributes(node: Node) -> dict[str, Any]:
    """The attributes to write: ONNX's own ones that are set (None means absent) and differ from
    the op's default (ONNX's default too), so attributes newer than the opset are not written
    needlessly."""
    schema = defs.get_schema(node.op.name)
    out = {}
    for key, value in node.attrs.items():
        # None is ONNX's "absent"; attributes ONNX lacks are our conventions (lowered elsewhere)
        # or training-only ones such as BatchNormalization's running_var_unbiased
        if value is None or key not in schema.attributes:
            continue
        required = schema.attributes[key].required
        if not required and key in node.op.defaults and _same(value, node.op.defaults[key]):
            continue
        out[key] = attr_proto_value(value)
    _recurrent_hidden_size(node, out)
    return out


def _recurrent_hidden_size(node: Node, attrs: dict) -> None:
    """onnxruntime requires RNN/GRU/LSTM hidden_size, which our ops infer from R
    ([num_directions, gates * hidden, hidden]) when it is absent: write it."""
    if node.op.name in ("RNN", "GRU", "LSTM") and "hidden_size" not in attrs:
        hidden = node.inputs[2].shape[-1]
        if isinstance(hidden, int):
            attrs["hidden_size"] = hidden


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object))) \
            if isinstance(a, (tuple, np.ndarray)) else a == b
    except (TypeError, ValueError):  # incomparable values: write the attribute
        return False


# -- opset choice ----------------------------------------------------------------------------------
def onnx_type_str(dtype) -> str:
    """'tensor(float)', 'tensor(bool)', ...: how schemas spell a tensor type."""
    return f"tensor({onnx.TensorProto.DataType.Name(tensor_dtype(dtype)).lower()})"


def fits(schema: defs.OpSchema, attrs: Mapping[str, Any], types: Sequence[str | None]) -> bool:
    """Whether a node with these attributes and input types is valid under this schema version
    (ops gain attributes and input types over versions: ReduceMax takes bool since opset 20)."""
    if schema.deprecated or not all(k in schema.attributes for k in attrs):
        return False
    allowed = {c.type_param_str: set(c.allowed_type_strs) for c in schema.type_constraints}
    formals = list(schema.inputs)
    for i, t in enumerate(types):
        if t is None or not formals:
            continue
        formal = formals[min(i, len(formals) - 1)]  # a variadic last input takes the rest
        if t not in allowed.get(formal.type_str, {formal.type_str}):
            return False
    return True


def needed_opset(op_type: str, attrs: Mapping[str, Any], types: Sequence[str | None],
                 floor: int) -> int:
    """The oldest opset >= floor under which op_type accepts these attributes and input types."""
    newest = defs.get_schema(op_type)
    version = max(floor, 1)
    while version <= newest.since_version:
        try:
            schema = defs.get_schema(op_type, version)
        except defs.SchemaError:  # the op does not exist yet at this opset
            version += 1
            continue
        if fits(schema, attrs, types):
            return version
        version = max(version, schema.since_version) + 1
    return max(newest.since_version, floor)


def choose_opset(nodes: Sequence[tuple[str, dict, list]], requested: int | None) -> int:
    """The requested opset, or DEFAULT_OPSET raised to what the nodes need. A request too old for
    a node raises, naming the op."""
    floor = requested or DEFAULT_OPSET
    need: dict[str, int] = {}
    for op, attrs, types in nodes:
        need[op] = max(need.get(op, 0), needed_opset(op, attrs, types, floor))
    if requested is not None:
        too_new = {op: v for op, v in need.items() if v > requested}
        if too_new:
            raise ExportError(f"opset {requested} is too old for {too_new} (op: opset needed)")
        return requested
    return max([floor, *need.values()])


# -- export ----------------------------------------------------------------------------------------
def _params_list(graph: Graph, params: Mapping[str, np.ndarray] | Sequence[np.ndarray]) -> list:
    if isinstance(params, Mapping):
        missing = [p.name for p in graph.params if p.name not in params]
        if missing:
            raise ExportError(f"no array given for the graph params {missing}")
        return [np.asarray(params[p.name]) for p in graph.params]
    if len(params) != len(graph.params):
        raise ExportError(f"the graph has {len(graph.params)} params, {len(params)} arrays given")
    return [np.asarray(p) for p in params]


def _check_exportable(node: Node) -> None:
    if node.op.domain != ONNX_DOMAIN:
        raise ExportError(f"op {node.op.domain}.{node.op.name} (node origin "
                          f"'{node.origin or '?'}') has no ONNX counterpart and cannot be exported")
    check_conventions(node)


def _node_label(node: Node, index: int) -> str:
    return f"{node.origin}/{node.op.name}_{index}" if node.origin else f"{node.op.name}_{index}"


def _make_nodes(node: Node, names: _Names, index: int, attrs: dict,
                used: set[Value]) -> list[onnx.NodeProto]:
    """The NodeProto(s) of one IR node: the node itself, between the rewrites that lower our
    conventions (see Lowering)."""
    inputs = [names[v] for v in node.inputs]
    while inputs and not inputs[-1]:  # trailing absent optional inputs are simply left out
        inputs.pop()
    outputs = [names.bind(v, f"v{index}_{i}") for i, v in enumerate(node.outputs)]
    label = _node_label(node, index)
    low = lowering(node, used)
    core_attrs = {k: v for k, v in attrs.items() if k not in low.drop_attrs}
    pre = [_rewrite(inputs, i, r, f"{label}/{LOWER_TAG}in{i}", names)
           for i, r in low.inputs.items() if i < len(inputs) and inputs[i]]
    core_out = [names.fresh(f"{o}_{LOWER_TAG}") if i in low.outputs else o
                for i, o in enumerate(outputs)]
    core = helper.make_node(node.op.name, inputs, core_out, name=label,
                            doc_string=node.origin or None, **core_attrs)
    post = [helper.make_node("Transpose", [core_out[i]], [outputs[i]],
                             name=f"{label}/{LOWER_TAG}out{i}", perm=list(perm))
            for i, perm in low.outputs.items() if i < len(outputs)]
    return [*[n for n in pre if n is not None], core, *post]


# -- lowering our conventions into plain ONNX ------------------------------------------------------
LOWER_TAG = "lower_"  # marks the Transpose/Gather nodes lowering adds (weights ones get folded)
CHANNEL_LAST_OPS = ("Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool",
                    "GlobalMaxPool")
RECURRENT_OPS = ("RNN", "GRU", "LSTM")
# source gate-block order -> the blocks to pick, in ONNX's order (LSTM iofc, GRU zrh)
GATE_BLOCKS = {("LSTM", "ifco"): (0, 3, 1, 2), ("GRU", "rzh"): (1, 0, 2)}


class Lowering(NamedTuple):
    """How one node is made plain ONNX: rewrites of inputs (index -> ("perm", perm) for a
    Transpose, ("gather", indices) for a Gather along axis 1), Transposes of outputs back to our
    layout (index -> perm), and the attributes the ONNX node must not carry."""

    inputs: dict
    outputs: dict
    drop_attrs: frozenset


def lowering(node: Node, used: set[Value]) -> Lowering:
    ins: dict = {}
    outs: dict = {}
    drop: set[str] = set()
    op, attrs = node.op.name, node.attrs
    if op in CHANNEL_LAST_OPS and attrs.get("data_format") == "NHWC":
        rank = node.inputs[0].ndim
        ins[0] = ("perm", (0, rank - 1, *range(1, rank - 1)))  # NHWC -> NCHW
        outs[0] = (0, *range(2, rank), 1)  # NCHW -> NHWC
        if op == "MaxPool" and len(node.outputs) > 1 and node.outputs[1] in used:
            _unlowerable(node, "data_format", "its Indices output would index NCHW data")
    if attrs.get("kernel_format") in ("HWIO", "HWOI"):
        rank = node.inputs[1].ndim  # HWIO -> OIHW and HWOI -> IOHW are the same permutation
        ins[1] = ("perm", (rank - 1, rank - 2, *range(rank - 2)))
    if op == "BatchNormalization" and attrs.get("axis", 1) % node.inputs[0].ndim != 1:
        rank = node.inputs[0].ndim
        perm = _move_axis_to_1(attrs["axis"] % rank, rank)
        ins[0], outs[0] = ("perm", perm), tuple(int(i) for i in np.argsort(perm))
    if op in RECURRENT_OPS:
        _recurrent_lowering(node, ins, outs, drop)
    return Lowering(ins, outs, frozenset(drop))


def _move_axis_to_1(axis: int, rank: int) -> tuple[int, ...]:
    rest = [i for i in range(rank) if i != axis]
    return (rest[0], axis, *rest[1:])


def _recurrent_lowering(node: Node, ins: dict, outs: dict, drop: set[str]) -> None:
    blocks = GATE_BLOCKS.get((node.op.name, node.attrs.get("gate_order")))
    if blocks is not None:
        hidden = node.inputs[2].shape[-1]
        ins[1] = ins[2] = ("gather", _block_indices(blocks, hidden))  # W, R
        shifted = (*blocks, *(b + len(blocks) for b in blocks))  # B = Wb ++ Rb
        ins[3] = ("gather", _block_indices(shifted, hidden))
    # layout=1 (batch-first) is valid ONNX, but onnxruntime's CPU kernels implement only layout=0:
    # write layout=0 between Transposes of X, initial_h/c and of Y, Y_h/Y_c
    if node.attrs.get("layout") == 1:
        drop.add("layout")
        ins.update({i: ("perm", (1, 0, 2)) for i in (0, 5, 6)})
        outs.update({0: (2, 0, 1, 3), 1: (1, 0, 2), 2: (1, 0, 2)})


def _block_indices(blocks: Sequence[int], size) -> np.ndarray:
    if not isinstance(size, int):
        raise ExportError(f"gate blocks need a static hidden size, got {size!r}")
    return np.concatenate([np.arange(b * size, (b + 1) * size) for b in blocks]).astype(np.int64)


def _unlowerable(node: Node, attr: str, why: str) -> None:
    raise ExportError(f"cannot export {node.op.name} (node origin '{node.origin or '?'}') with "
                      f"{attr}={node.attrs[attr]!r}: {why}")


def _rewrite(inputs: list[str], i: int, rewrite: tuple, label: str,
             names: _Names) -> onnx.NodeProto:
    """Insert a Transpose/Gather in front of input i (inputs[i] is renamed to its output)."""
    kind, arg = rewrite
    source, inputs[i] = inputs[i], names.fresh(f"{inputs[i]}_{LOWER_TAG}{i}")
    if kind == "perm":
        return helper.make_node("Transpose", [source], [inputs[i]], name=label, perm=list(arg))
    index = names.fresh(f"{label}_indices")
    names.extra.append(numpy_helper.from_array(arg, index))
    return helper.make_node("Gather", [source, index], [inputs[i]], name=label, axis=1)


def _fold_lowered(nodes: list[onnx.NodeProto],
                  initializers: list[onnx.TensorProto]) -> list[onnx.NodeProto]:
    """A lowering Transpose/Gather of an initializer that nothing else reads is applied to the
    initializer itself (which keeps its name, so params stay named after the frontend paths)."""
    by_name = {t.name: t for t in initializers}
    readers: dict[str, int] = {}
    for n in nodes:
        for name in n.input:
            readers[name] = readers.get(name, 0) + 1
    kept, renamed = [], {}
    for n in nodes:
        source = n.input[0] if n.input else ""
        if LOWER_TAG in n.name and source in by_name and readers[source] == 1 \
                and (n.op_type == "Transpose" or n.input[1] in by_name):
            by_name[source].CopyFrom(numpy_helper.from_array(_apply(n, by_name), source))
            renamed[n.output[0]] = source
            continue
        kept.append(n)
    for n in kept:
        for i, name in enumerate(n.input):
            n.input[i] = renamed.get(name, name)
    return kept


def _apply(node: onnx.NodeProto, by_name: dict) -> np.ndarray:
    data = numpy_helper.to_array(by_name[node.input[0]])
    if node.op_type == "Transpose":
        return np.transpose(data, list(node.attribute[0].ints))
    return np.take(data, numpy_helper.to_array(by_name[node.input[1]]), axis=1)


def export_graph(graph: Graph, params: Mapping[str, np.ndarray] | Sequence[np.ndarray] = (),
                 opset: int | None = None, input_names: Sequence[str] | None = None,
                 output_names: Sequence[str] | None = None,
                 doc_string: str | None = None) -> onnx.ModelProto:
    """Write a core_ir Graph as an ONNX model (see the module docstring).

    Args:
        graph: the graph; its updates (training writes) are not exported.
        params: arrays for graph.params, by name or in graph order; written as initializers.
        opset: the default-domain opset; None picks DEFAULT_OPSET or what the nodes need.
        input_names, output_names: ONNX names of the graph inputs/outputs (default: the IR input
            names, and output_0, output_1, ...).
    Raises:
        ExportError: a private op, an unlowered convention attribute, a too-old opset, params
            that do not match the graph.
    """
    param_arrays = _params_list(graph, params)
    graph = _inference_copy(graph)
    lower_private_ops(graph)
    for node in graph.nodes:
        _check_exportable(node)
    names = _Names()
    in_names = list(input_names or [v.name or f"input_{i}" for i, v in enumerate(graph.inputs)])
    inputs = [value_info(names.bind(v, n), v) for v, n in zip(graph.inputs, in_names)]
    initializers = [numpy_helper.from_array(np.asarray(a), names.bind(v, v.name or f"param{i}"))
                    for i, (v, a) in enumerate(zip(graph.params, param_arrays))]
    initializers += [numpy_helper.from_array(np.asarray(a), names.bind(v, v.name or f"const{i}"))
                     for i, (v, a) in enumerate(graph.constants.items())]
    attrs = [node_attributes(n) for n in graph.nodes]
    used = {v for n in graph.nodes for v in n.inputs if v is not None} | set(graph.outputs)
    nodes = [p for i, (n, a) in enumerate(zip(graph.nodes, attrs))
             for p in _make_nodes(n, names, i, a, used)]
    initializers += names.extra
    nodes = _fold_lowered(nodes, initializers)
    initializers = _drop_unread(initializers, names.extra, nodes)
    outputs = _outputs(graph, names, nodes, output_names)
    version = choose_opset([(n.op.name, a, _input_types(n)) for n, a in zip(graph.nodes, attrs)],
                           opset)
    g = helper.make_graph(nodes, graph.name or "duet", inputs, outputs, initializers)
    model = helper.make_model(g, producer_name=PRODUCER_NAME, ir_version=IR_VERSION,
                              opset_imports=[helper.make_opsetid("", version)],
                              doc_string=doc_string or f"exported by duet from graph {graph.name}")
    return optimize_transposes(model)


def _inference_copy(graph: Graph) -> Graph:
    """The graph without its updates (training writes such as running statistics are not part
    of an inference model) and without the nodes only they, or nothing, needed (a Flatten's
    unused shape arithmetic)."""
    inference = copy.copy(graph)
    inference.updates = []
    return dead_code_elimination(inference)


def _drop_unread(initializers: list, added: list, nodes: list) -> list:
    """Gather indices folded into their weights are read by no node any more."""
    read = {name for n in nodes for name in n.input}
    dead = {t.name for t in added if t.name not in read}
    return [t for t in initializers if t.name not in dead]


def _input_types(node: Node) -> list[str | None]:
    return [None if v is None else onnx_type_str(v.dtype) for v in node.inputs]


def _outputs(graph: Graph, names: _Names, nodes: list, output_names: Sequence[str] | None) -> list:
    """Graph outputs; an output that is a source or repeats another gets an Identity node, since
    an ONNX name can be only one graph output and initializers are no outputs."""
    wanted = list(output_names or [f"output_{i}" for i in range(len(graph.outputs))])
    produced = {v for n in graph.nodes for v in n.outputs}
    infos, seen = [], set()
    for v, want in zip(graph.outputs, wanted):
        name = names.fresh(want)
        if v in produced and v not in seen and _rename(nodes, names[v], name):
            names.of[v] = name
        else:
            nodes.append(helper.make_node("Identity", [names[v]], [name], name=f"{name}_identity"))
        seen.add(v)
        infos.append(value_info(name, v))
    return infos


def _rename(nodes: list, old: str, new: str) -> bool:
    """Rename a node output everywhere it is used (so outputs carry the user's names)."""
    for n in nodes:
        for seq in (n.input, n.output):
            for i, name in enumerate(seq):
                if name == old:
                    seq[i] = new
    return True


def save(model: onnx.ModelProto, path: str | os.PathLike) -> None:
    onnx.save(model, os.fspath(path))


# -- running ---------------------------------------------------------------------------------------
def run_model(model_or_path: onnx.ModelProto | str | os.PathLike,
              inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Run an ONNX model on the NumPy backend: import it (checked, screened, see importer.py)
    into an IR graph, compile it into a plan and run it on `inputs` (in graph-input order)."""
    from .importer import import_model, run_imported

    return run_imported(import_model(model_or_path, trainable=False), inputs)


def export(graph: Graph, f, params: Mapping[str, np.ndarray] | Sequence[np.ndarray] = (),
           **kwargs: Any) -> onnx.ModelProto:
    """Export an IR graph to `f` (a path or a binary file object); kwargs as export_graph.
    Returns the ModelProto written."""
    model = export_graph(graph, params, **kwargs)
    if hasattr(f, "write"):
        f.write(model.SerializeToString())
    else:
        save(model, f)
    return model
