"""KerasModuleWrapper: a tf_like Keras model (or layer) used as a torch_like nn.Module."""

from __future__ import annotations

import numpy as np

import core_ir
from frontends.torch_like._tensor import Tensor, wrap
from frontends.torch_like.nn.modules.module import Module

from .graph_call import run_graph
from .linked import linked_buffer, linked_parameter

BATCH = "N"


class KerasModuleWrapper(Module):
    """A tf_like Keras model (or layer) as a torch_like nn.Module (duet's addition: the reverse
    of keras.layers.TorchModuleWrapper).

    The Keras trainable weights become Parameters and the non-trainable ones (BatchNorm moving
    statistics) buffers, sharing storage with the Keras variables, so a torch optimizer trains
    the Keras model and `fit` on the Keras model updates the module. state_dict keys are the
    weights' paths with '/' -> '.' (`sequential.dense.kernel`). `forward(*inputs)` traces the
    Keras call once per input signature (batch axis symbolic; `training` = the module's
    train() flag) and evaluates that graph on torch_like tensors with the Parameters standing
    in for the variables, so loss.backward() fills their .grad; in train mode the moving
    statistics a BatchNormalization writes are assigned back. A Keras model with Dropout draws
    its dropout masks while tracing only (fixed masks): use eval mode for such models or call
    them from Keras.

    Args:
        model: a built tf_like keras Model or Layer.
    """

    def __init__(self, model) -> None:
        super().__init__()
        if not getattr(model, "built", False) or not model.weights and not hasattr(model, "call"):
            raise ValueError("KerasModuleWrapper needs a built Keras model or layer")
        object.__setattr__(self, "keras_model", model)  # not a torch submodule
        object.__setattr__(self, "_graphs", {})
        self._by_var: dict[int, object] = {}
        for v in model.weights:
            owner, leaf = _owner(self, v.path.split("/"))
            if v.trainable:
                t = linked_parameter(v, requires_grad=True)
                owner.register_parameter(leaf, t)
            else:
                t = linked_buffer(v)
                owner.register_buffer(leaf, t)
            self._by_var[id(v)] = t

    def forward(self, *inputs):
        xs = [wrap(x) for x in inputs]
        graph, captured = self._graph(xs)
        params = [self._by_var.get(id(t), t) for t in captured]
        outs, updates = run_graph(graph, xs, params, Tensor)
        with core_ir.no_grad():
            for target, new in updates:
                core_ir.assign(target, new)
        return outs[0] if len(outs) == 1 else tuple(outs)

    def _graph(self, xs):
        key = (self.training, tuple((x.array.dtype.str if x.array is not None else str(x.dtype),
                                     tuple(x.shape[1:])) for x in xs))
        hit = self._graphs.get(key)
        if hit is None:
            hit = self._graphs[key] = _trace_keras(self.keras_model, xs, self.training)
        return hit

    def extra_repr(self) -> str:
        return f"keras_model={self.keras_model.name}"


def _trace_keras(model, xs, training: bool):
    from frontends.tf_like import _variable
    from frontends.tf_like._tensor import EagerTensor

    specs = [(np.dtype(x.dtype), (BATCH, *tuple(x.shape)[1:])) for x in xs]

    def call(*ts):
        out = model(ts[0] if len(ts) == 1 else list(ts), training=training)
        return list(out) if isinstance(out, (list, tuple)) else [out]

    try:
        graph, captured, _ = core_ir.trace(call, specs, [f"x{i}" for i in range(len(xs))],
                                           cls=EagerTensor, name=model.name)
    finally:
        _variable.forget_traced_values()
    return graph, captured


def _owner(root: Module, parts: list[str]):
    mod = root
    for part in parts[:-1]:
        child = mod._modules.get(part)
        if child is None:
            child = mod._modules[part] = Module()
        mod = child
    return mod, parts[-1]
