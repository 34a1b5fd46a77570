"""keras.layers.TorchModuleWrapper over a torch_like nn.Module."""

from __future__ import annotations

import base64
import io

from frontends.interop.graph_call import view_as
from frontends.interop.linked import linked_keras_variable

from ..._tensor import EagerTensor
from ..backend import _tree
from ._layer import Layer


class TorchModuleWrapper(Layer):
    """Mirrors keras.layers.TorchModuleWrapper (Keras 3): a torch_like `nn.Module` used as a
    Keras layer, e.g. inside a Sequential/Functional model trained with `fit`.

    The module's parameters become the layer's trainable weights and its buffers its
    non-trainable weights (named by their state_dict keys, `0.weight`), sharing storage:
    training the Keras model updates the module's Parameters, and the reverse. `call(*args,
    training=None)` runs `module(*args)` with the module in train mode when `training` is true
    (eval otherwise; its flag is restored afterwards) and the parameters read through the Keras
    weights, so Keras gradients (fit, GradientTape) reach them. Differences: the module is
    duet's torch_like, not PyTorch; get_config serializes it with torch_like.save.

    Args:
        module: a torch_like nn.Module.
        name: the layer name.
    """

    def __init__(self, module, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        from frontends.torch_like.nn import Module

        if not isinstance(module, Module):  # Keras raises ValueError here
            raise ValueError(f"TorchModuleWrapper expects a torch.nn.Module, received "  # noqa: TRY004
                             f"module={module!r} of type {type(module).__name__}")
        self.module = module
        self._slots: list[tuple] = []  # (owning module, parameter name, keras weight)
        with self._name_scope():
            for path, param in module.named_parameters():
                owner, _, leaf = _split(module, path)
                v = linked_keras_variable(param, path, param.requires_grad)
                self._slots.append((owner, leaf, v))
                self._track_variable(v)
            for path, buf in module.named_buffers():
                self._track_variable(linked_keras_variable(buf, path, False))
        self.built = True

    def call(self, *args, training=None, **kwargs):
        from frontends.torch_like import Tensor

        was_training = self.module.training
        self.module.train(bool(training))
        originals = [(owner, leaf, owner._parameters[leaf]) for owner, leaf, _ in self._slots]
        try:
            for owner, leaf, v in self._slots:  # the forward reads the Keras weights
                owner._parameters[leaf] = view_as(v, Tensor)
            convert = lambda x: view_as(x, Tensor) if isinstance(x, EagerTensor) else x
            out = self.module(*_tree.map_structure(convert, args),
                              **_tree.map_structure(convert, kwargs))
        finally:
            for owner, leaf, param in originals:
                owner._parameters[leaf] = param
            self.module.train(was_training)
        return _tree.map_structure(lambda t: view_as(t, EagerTensor), out)

    def get_config(self) -> dict:
        from frontends import torch_like

        buffer = io.BytesIO()
        torch_like.save(self.module, buffer)
        return {**super().get_config(),
                "module": base64.b64encode(buffer.getvalue()).decode("ascii")}

    @classmethod
    def from_config(cls, config: dict):
        from frontends import torch_like

        config = dict(config)
        if isinstance(config.get("module"), str):
            data = io.BytesIO(base64.b64decode(config["module"]))
            config["module"] = torch_like.load(data, weights_only=False)
        config.pop("dtype", None)
        return cls(**config)


def _split(root, path: str):
    *prefix, leaf = path.split(".")
    owner = root.get_submodule(".".join(prefix)) if prefix else root
    return owner, ".".join(prefix), leaf
