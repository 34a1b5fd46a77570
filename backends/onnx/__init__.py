"""ONNX at the edges of the IR: reading a ModelProto into a core_ir Graph (reader.py; the full
importer builds on it) and, later, exporting a Graph to a ModelProto."""

from __future__ import annotations

from .export import DEFAULT_OPSET, ExportError, export_graph, run_model, save
from .reader import OnnxReadError, is_supported, lookup_op, read_graph

__all__ = ["DEFAULT_OPSET", "ExportError", "OnnxReadError", "export_graph", "is_supported",
           "lookup_op", "read_graph", "run_model", "save"]
