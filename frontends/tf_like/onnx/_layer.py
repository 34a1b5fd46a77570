"""load_layer: an ONNX model as a trainable Keras layer."""

from __future__ import annotations

import base64
import os

import onnx

from backends.onnx import import_model, load_model
from frontends.interop.graph_call import run_graph

from .._tensor import EagerTensor
from ..keras.backend._variable import Variable
from ..keras.layers._layer import Layer


class OnnxLayer(Layer):
    """An imported ONNX graph as a Keras layer (duet's addition).

    Its weights are the float initializers of rank >= 1 (trainable; named after the
    initializer with '/' replaced by '_', since Keras names cannot hold '/'; the original names
    are `initializer_names`), in initializer order, so get_weights/set_weights, fit and
    GradientTape work as for any layer. `call(inputs)` takes one tensor or a list (one per ONNX
    graph input) and runs the graph through IR ops. The graph is an inference graph: `training`
    changes nothing in it. It can be used in Sequential and Functional models.
    """

    def __init__(self, model, **kwargs):
        super().__init__(**kwargs)
        self._proto = model if isinstance(model, onnx.ModelProto) else load_model(model)
        imported = import_model(self._proto, trainable=True)
        self.graph = imported.graph
        self.input_names, self.output_names = imported.input_names, imported.output_names
        self.initializer_names = list(imported.params)
        with self._name_scope():
            self._onnx_weights = [
                Variable(array.copy(), shape=array.shape, dtype=array.dtype,
                         name=name.replace("/", "_")) for name, array in imported.params.items()]
        for v in self._onnx_weights:
            self._track_variable(v)
        self.built = True

    def call(self, inputs, training=None):
        xs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(xs) != len(self.graph.inputs):
            raise ValueError(f"Layer '{self.name}' expects {len(self.graph.inputs)} inputs "
                             f"({', '.join(self.input_names)}), got {len(xs)}")
        outs, _ = run_graph(self.graph, xs, self._onnx_weights, EagerTensor)
        return outs[0] if len(outs) == 1 else outs

    def get_config(self) -> dict:
        config = super().get_config()
        config["model"] = base64.b64encode(self._proto.SerializeToString()).decode("ascii")
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        config["model"] = base64.b64decode(config["model"])
        return cls(**config)


def load_layer(f: str | os.PathLike | bytes | onnx.ModelProto, name: str | None = None,
               trainable: bool = True, **kwargs) -> OnnxLayer:
    """Import an ONNX model (a path, bytes or ModelProto) as a trainable OnnxLayer; kwargs go
    to Layer (e.g. dtype="float64" for a float64 model, so inputs are not cast to float32).

    Raises:
        OnnxImportError: unreadable or invalid file, unsupported op types (listed with their
            node names and the supported op types), undefined tensors (missing initializers).
    """
    if hasattr(f, "read"):
        f = f.read()
    return OnnxLayer(f, name=name, trainable=trainable, **kwargs)
