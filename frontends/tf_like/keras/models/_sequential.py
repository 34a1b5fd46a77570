"""keras.Sequential: a stack of single-input layers, built into a Functional graph as soon as
its input shape is known (an Input first, `input_shape=` on the first layer, `build`, or the
first call)."""

from __future__ import annotations

import inspect

from ..backend import _state, _tree
from ..layers._input_layer import InputLayer
from ..layers._layer import Layer
from ._model import Model


class Sequential(Model):
    """Mirrors keras.Sequential: `Sequential(layers=None, trainable=True, name=None)`, `add`,
    `pop`; `layers` excludes the InputLayer."""

    def __new__(cls, *args, **kwargs):
        return Layer.__new__(cls)

    def __init__(self, layers=None, trainable=True, name=None):
        Layer.__init__(self, trainable=trainable, name=name)
        self._functional = None
        self._seq_layers: list = []
        if layers:
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_rebuild()

    @property
    def _layers(self) -> list:
        return list(self.__dict__.get("_seq_layers", []))

    @property
    def layers(self) -> list:
        layers = self._layers
        return layers[1:] if layers and isinstance(layers[0], InputLayer) else layers

    def add(self, layer, rebuild=True):
        """Append a layer (or the InputLayer behind a keras.Input tensor)."""
        history = getattr(layer, "_keras_history", None)
        if history is not None and isinstance(history[0], InputLayer):
            layer = history[0]
        if not isinstance(layer, Layer):
            msg = ("Only instances of `keras.Layer` can be added to a Sequential "
                   f"model. Received: {layer} (of type {type(layer)})")
            raise ValueError(msg)  # noqa: TRY004  (Keras's type)
        if any(existing.name == layer.name for existing in self._seq_layers):
            raise ValueError("All layers added to a Sequential model should have unique names. "
                             f"Name '{layer.name}' is already the name of a layer in this model. "
                             "Update the `name` argument to pass a unique name.")
        if isinstance(layer, InputLayer) and self._seq_layers and isinstance(
                self._seq_layers[0], InputLayer):
            raise ValueError(f"Sequential model '{self.name}' has already been configured to use "
                             f"input shape {self._seq_layers[0].batch_shape}. You cannot add a "
                             "different Input layer to it.")
        if not self._seq_layers and getattr(layer, "_input_shape_arg", None) is not None:
            self._seq_layers.append(InputLayer(batch_shape=layer._input_shape_arg))
        self._seq_layers.append(layer)
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built, self._functional = False, None

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        layer = self._seq_layers.pop()
        self.built, self._functional = False, None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self) -> None:
        self.built, self._functional = False, None
        if self._seq_layers and isinstance(self._seq_layers[0], InputLayer) and \
                len(self._seq_layers) > 1:
            self.build(self._seq_layers[0].batch_shape)

    def build(self, input_shape=None):
        if not _is_shape(input_shape):
            return  # several inputs: layers are applied one by one at call time
        input_shape = tuple(input_shape)
        if not self._seq_layers:
            raise ValueError(f"Sequential model {self.name} cannot be built because it has no "
                             "layers. Call `model.add(layer)`.")
        if isinstance(self._seq_layers[0], InputLayer):
            if self._seq_layers[0].batch_shape != input_shape:
                raise ValueError(f"Sequential model '{self.name}' has already been configured to "
                                 f"use input shape {self._seq_layers[0].batch_shape}. You cannot "
                                 f"build it with input_shape {input_shape}")
        else:
            dtype = self._seq_layers[0].compute_dtype
            self._seq_layers.insert(0, InputLayer(batch_shape=input_shape, dtype=dtype))
        inputs = self._seq_layers[0].output
        x = inputs
        for layer in self._seq_layers[1:]:
            try:
                x = layer(x)
            except TypeError:
                _check_single_positional(layer)
                raise
        from ._functional import Functional
        self._functional = Functional(inputs=inputs, outputs=x)
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if self._functional is not None:
            return self._functional.call(inputs, training=training, mask=mask)
        for layer in self.layers:
            kwargs = {}
            if layer._call_has_mask_arg and mask is not None:
                kwargs["mask"] = mask
            if layer._call_has_training_arg and training is not None:
                kwargs["training"] = training
            inputs = layer(inputs, **kwargs)
            mask = _tree.map_structure(_state.get_keras_mask, inputs)
        return inputs

    @property
    def inputs(self):
        return self._functional.inputs if self._functional is not None else None

    @property
    def outputs(self):
        return self._functional.outputs if self._functional is not None else None

    @property
    def input_shape(self):
        if self._functional is not None:
            return self._functional.input_shape
        raise AttributeError(f"Sequential model '{self.name}' has no defined input shape yet.")

    @property
    def output_shape(self):
        if self._functional is not None:
            return self._functional.output_shape
        raise AttributeError(f"Sequential model '{self.name}' has no defined output shape yet.")

    @property
    def input_dtype(self):
        layers = self._seq_layers
        if layers and isinstance(layers[0], InputLayer):
            return layers[0].dtype
        return super().input_dtype

    def get_config(self) -> dict:
        from ._functional_config import serialize_layer
        config = {**Layer.get_config(self),
                  "layers": [serialize_layer(layer) for layer in self._seq_layers]}
        if self._seq_layers and isinstance(self._seq_layers[0], InputLayer):
            config["build_input_shape"] = self._seq_layers[0].batch_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ._functional_config import deserialize_layer
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in config["layers"]:
            model.add(deserialize_layer(entry, custom_objects), rebuild=False)
        if model._seq_layers:
            model._maybe_rebuild()
        if not model.built and config.get("build_input_shape") is not None:
            model.build(config["build_input_shape"])
        return model


def _is_shape(x) -> bool:
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, int) for d in x)


def _check_single_positional(layer) -> None:
    params = [p for p in inspect.signature(layer.call).parameters.values()
              if p.default is inspect.Parameter.empty and p.kind in (
                  p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(params) != 1:
        raise ValueError("Layers added to a Sequential model can only have a single positional "
                         f"argument, the input tensor. Layer {type(layer).__name__} has multiple "
                         f"positional arguments: {params}")
