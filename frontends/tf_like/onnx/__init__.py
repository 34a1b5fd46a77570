"""ONNX for tf_like: a tf2onnx-like `from_keras`, the exporter behind Keras 3's
`model.export(path, format="onnx")`, and `load_layer`, which turns an .onnx file into a
trainable Keras layer.

    from frontends.tf_like import onnx as tf2onnx
    model_proto, _ = tf2onnx.from_keras(model, output_path="model.onnx")
    layer = tf2onnx.load_layer("model.onnx")      # duet's addition
"""

from __future__ import annotations

from backends.onnx import ExportError, OnnxImportError

from ._export import export_keras, from_keras
from ._layer import OnnxLayer, load_layer

__all__ = ["ExportError", "OnnxImportError", "OnnxLayer", "export_keras", "from_keras",
           "load_layer"]
