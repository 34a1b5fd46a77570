"""load_module: an ONNX model as a trainable torch_like nn.Module."""

from __future__ import annotations

import os

import onnx

from backends.onnx import import_model
from frontends.interop.graph_call import run_graph

from .._tensor import Parameter, Tensor, wrap
from ..nn.modules.module import Module


class OnnxModule(Module):
    """An imported ONNX graph as an nn.Module (duet's addition; torch has no ONNX importer).

    Float initializers of rank >= 1 are Parameters, registered so that state_dict keys are the
    initializer names (`fc1.weight` lives in a child module `fc1`); other initializers stay
    constants of the graph. `forward(*inputs)` runs the graph node by node through IR ops, so
    autograd, optimizers and tracing work as for any module. The graph is an inference graph:
    train()/eval() change nothing in it.

    Attributes:
        graph: the imported core_ir Graph.
        input_names, output_names: the ONNX graph's input/output names.
    """

    def __init__(self, imported) -> None:
        super().__init__()
        self.graph = imported.graph
        self.input_names = imported.input_names
        self.output_names = imported.output_names
        self._param_paths = []
        for name, array in imported.params.items():
            owner, leaf = _owner(self, name)
            owner.register_parameter(leaf, Parameter(Tensor(array.copy())))
            self._param_paths.append(name if owner is not self or leaf == name
                                     else leaf)

    def forward(self, *inputs):
        if len(inputs) != len(self.graph.inputs):
            raise TypeError(f"forward() takes {len(self.graph.inputs)} inputs "
                            f"({', '.join(self.input_names)}), got {len(inputs)}")
        params = [self.get_parameter(p) for p in self._param_paths]
        outs, _ = run_graph(self.graph, [wrap(x) for x in inputs], params, Tensor)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def extra_repr(self) -> str:
        return f"inputs={self.input_names}, outputs={self.output_names}, " \
               f"nodes={len(self.graph.nodes)}"


def _owner(root: Module, name: str) -> tuple[Module, str]:
    """The (child) module that holds `name` and its last path segment, making empty child
    modules for the dotted prefix; a name that cannot be a path (empty segments, clashes)
    is registered on the root with '.' replaced by '_'."""
    *prefix, leaf = name.split(".")
    if leaf and all(prefix):
        mod = root
        for part in prefix:
            child = mod._modules.get(part)
            if child is None:
                if part in mod._parameters or part in mod.__dict__:
                    break
                child = Module()
                mod._modules[part] = child
            mod = child
        else:
            if leaf not in mod._modules and leaf not in mod._parameters:
                return mod, leaf
    return root, name.replace(".", "_")


def load_module(f: str | os.PathLike | bytes | onnx.ModelProto) -> OnnxModule:
    """Import an ONNX model (a path, bytes or ModelProto) as a trainable OnnxModule.

    Raises:
        OnnxImportError: unreadable or invalid file, unsupported op types (listed with their
            node names and the supported op types), undefined tensors (missing initializers).
    """
    if hasattr(f, "read"):
        f = f.read()
    return OnnxModule(import_model(f, trainable=True))
