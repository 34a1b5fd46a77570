"""The ONNX importer: a file or ModelProto -> an IR graph plus its trainable parameters.

Built on reader.py (which traces our ops over the nodes). What the importer adds:

- loading with clear errors: a missing, malformed or truncated file is rejected naming the file
  and what onnx/protobuf said; the model is checked by onnx.checker before anything is traced;
- the whole model is screened before tracing: every op type must be one the IR has (else one
  error lists each unsupported op type with its node names, and the supported op types), and
  every node input must be a graph input, an initializer or an earlier node's output (else the
  error names the missing tensor and the node reading it) -- so nothing half-built is returned;
- float initializers of rank >= 1 become graph params (named after the initializer, e.g.
  `fc1.weight`), which a frontend wraps as trainable Parameters / Keras weights; integer ones,
  scalars, and initializers feeding inputs whose contents shape rules read (Resize's scales,
  Pad's pads, Range's bounds) stay constants.

    >>> imported = import_model("model.onnx")
    >>> imported.graph, imported.params["fc1.weight"]
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import onnx
from onnx import numpy_helper

from core_ir.graph import Graph
from core_ir.op import ONNX_DOMAIN, REGISTRY

from .reader import CONSTANT_NODE, OnnxReadError, ir_domain, is_supported, read_graph

# (op type, input index) pairs whose float contents shape rules read: never trainable params
STATIC_FLOAT_INPUTS = {("Resize", 1), ("Resize", 2), ("Pad", 2), ("Range", 0), ("Range", 1),
                       ("Range", 2), ("Dropout", 1), ("Clip", 1), ("Clip", 2)}


class OnnxImportError(OnnxReadError):
    """A model the importer rejects: unreadable file, unsupported op, undefined tensor."""


class ImportedModel(NamedTuple):
    """An imported model: the graph (inputs = the ONNX graph inputs that are no initializers),
    its params' arrays by name, in graph.params order, and the ONNX input/output names."""

    graph: Graph
    params: dict[str, np.ndarray]
    input_names: list[str]
    output_names: list[str]


def supported_op_types() -> list[str]:
    """The ONNX op types (default domain) the importer reads."""
    return sorted({op.name for op in REGISTRY.values() if op.domain == ONNX_DOMAIN}
                  | {CONSTANT_NODE})


def load_model(model_or_path: onnx.ModelProto | str | os.PathLike | bytes) -> onnx.ModelProto:
    """A checked ModelProto from a path, serialized bytes or a ModelProto."""
    if isinstance(model_or_path, onnx.ModelProto):
        model, label = model_or_path, f"model '{model_or_path.graph.name}'"
    else:
        label = "the given bytes" if isinstance(model_or_path, bytes) else \
            f"'{os.fspath(model_or_path)}'"
        model = _parse(model_or_path, label)
    try:
        onnx.checker.check_model(model)
    except Exception as exc:  # noqa: BLE001  (onnx raises ValidationError from its C++ checker)
        raise OnnxImportError(f"{label} is not a valid ONNX model: {exc}") from None
    return model


def _parse(source, label: str) -> onnx.ModelProto:
    try:
        if isinstance(source, bytes):
            data = source
        else:
            with open(os.fspath(source), "rb") as fh:
                data = fh.read()
    except OSError as exc:
        raise OnnxImportError(f"cannot read ONNX file {label}: {exc.strerror}") from None
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception as exc:  # noqa: BLE001  (protobuf's DecodeError: malformed or truncated)
        raise OnnxImportError(f"cannot parse ONNX file {label} ({len(data)} bytes): malformed or "
                              f"truncated protobuf ({exc})") from None
    if not model.graph.node and not model.graph.output:
        raise OnnxImportError(f"ONNX file {label} holds no graph (empty, truncated or not an "
                              f"ONNX model)")
    return model


def screen(model: onnx.ModelProto) -> None:
    """Raise before tracing if an op type is unsupported or a node reads an undefined name."""
    g = model.graph
    bad: dict[str, list[str]] = {}
    for i, node in enumerate(g.node):
        if not is_supported(node.domain, node.op_type):
            key = node.op_type if ir_domain(node.domain) == ONNX_DOMAIN else \
                f"{node.domain}.{node.op_type}"
            bad.setdefault(key, []).append(node.name or f"{node.op_type}_{i}")
    if bad:
        listed = "; ".join(f"'{op}' (node {', '.join(names)})" for op, names in bad.items())
        raise OnnxImportError(f"unsupported ONNX op type(s): {listed}. Supported op types: "
                              f"{', '.join(supported_op_types())}")
    defined = {vi.name for vi in g.input} | {t.name for t in g.initializer}
    for i, node in enumerate(g.node):
        for name in node.input:
            if name and name not in defined:
                raise OnnxImportError(
                    f"node '{node.name or f'{node.op_type}_{i}'}' ({node.op_type}) reads "
                    f"'{name}', which is no graph input, no initializer and no earlier node "
                    f"output (a missing initializer?)")
        defined.update(node.output)
    for out in g.output:
        if out.name not in defined:
            raise OnnxImportError(f"graph output '{out.name}' is not produced by any node")


def trainable_initializers(g: onnx.GraphProto) -> list[str]:
    """Initializers that become params: float, rank >= 1, not read as static contents."""
    static = {name for node in g.node for i, name in enumerate(node.input)
              if (node.op_type, i) in STATIC_FLOAT_INPUTS}
    float_types = {onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16}
    return [t.name for t in g.initializer
            if t.data_type in float_types and len(t.dims) >= 1 and t.name not in static]


def import_model(model_or_path, trainable: bool = True,
                 constants: Mapping[str, np.ndarray] | None = None) -> ImportedModel:
    """Load, check, screen and trace an ONNX model (see the module docstring).

    Args:
        model_or_path: a path, serialized bytes or a ModelProto.
        trainable: read float initializers as params (else all initializers are constants).
        constants: graph inputs to bake in as constants (name -> array).
    Raises:
        OnnxImportError: unreadable/invalid file, unsupported op types, undefined tensors.
        OnnxReadError, IRError: a node that does not fit our op (names the node).
    """
    from backends.numpy import evaluate  # the kernels see through shape arithmetic

    model = load_model(model_or_path)
    screen(model)
    names = trainable_initializers(model.graph) if trainable else []
    graph = read_graph(model, constants=constants, evaluate=evaluate, params=names)
    arrays = {t.name: t for t in model.graph.initializer}
    params = {v.name: numpy_helper.to_array(arrays[v.name]) for v in graph.params}
    fed = [vi.name for vi in model.graph.input
           if vi.name not in arrays and vi.name not in (constants or {})]
    return ImportedModel(graph, params, fed, [o.name for o in model.graph.output])


def run_imported(imported: ImportedModel, inputs) -> list[np.ndarray]:
    """Run an imported model on the NumPy backend's compiled plan."""
    from backends.numpy import Plan

    outs, _ = Plan(imported.graph)([np.asarray(x) for x in inputs], list(imported.params.values()))
    return [np.asarray(o) for o in outs]
