"""ONNX at the edges of the IR: export (export.py: IR graph -> ModelProto, layouts lowered,
Transposes cancelled by transposes.py), import (importer.py on reader.py: ModelProto/path -> IR
graph with the initializers as params) and a one-call runner on the NumPy backend.

    >>> export(graph, "model.onnx", params)          # IR graph -> file
    >>> run_model("model.onnx", [x])                  # -> list of numpy arrays
    >>> import_model("model.onnx").graph
"""

from __future__ import annotations

from .export import DEFAULT_OPSET, ExportError, export, export_graph, run_model, save
from .importer import ImportedModel, OnnxImportError, import_model, load_model, supported_op_types
from .reader import OnnxReadError, is_supported, lookup_op, read_graph

__all__ = ["DEFAULT_OPSET", "ExportError", "ImportedModel", "OnnxImportError", "OnnxReadError",
           "export", "export_graph", "import_model", "is_supported", "load_model", "lookup_op",
           "read_graph", "run_model", "save", "supported_op_types"]
