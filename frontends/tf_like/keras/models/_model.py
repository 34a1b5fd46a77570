"""keras.Model: a Layer with training (the Trainer mixin from training.py), `layers`,
`get_layer` and `summary`. `Model(inputs, outputs)` makes a Functional model; a subclass that
defines `call` is a subclassed model."""

from __future__ import annotations

from ..layers._layer import Layer
from ._export import ExportMixin
from ._model_saving import ModelSaving
from .training import Trainer


def functional_init_arguments(args, kwargs) -> bool:
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


class Model(Trainer, ModelSaving, ExportMixin, Layer):
    """Mirrors keras.Model. `Model(inputs, outputs, name=None)` builds a Functional model from
    KerasTensors; subclass it and define `call` for a subclassed model. compile/fit/evaluate/
    predict and the *_on_batch methods come from the Trainer mixin."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and functional_init_arguments(args, kwargs):
            from ._functional import Functional
            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if functional_init_arguments(args, kwargs):
            from ._functional import Functional
            if not isinstance(self, Functional):
                # a subclass passing inputs/outputs to super().__init__ (Keras injects the
                # Functional class into its bases the same way)
                self.__class__ = type(type(self).__name__, (type(self), Functional),
                                      {"__module__": type(self).__module__})
            Functional.__init__(self, *args, **kwargs)
            return
        Layer.__init__(self, *args, **kwargs)

    def __setattr__(self, name, value):
        # Keras tracks metrics assigned as attributes (a custom train_step's trackers): they
        # are listed by `metrics`, reset each epoch and reported in the logs.
        from ..metrics import Metric
        if isinstance(value, Metric) and not name.startswith("_"):
            tracked = self.__dict__.setdefault("_metrics", [])
            if not any(m is value for m in tracked):
                tracked.append(value)
        super().__setattr__(name, value)

    @property
    def layers(self) -> list:
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """The layer at `index` (in `layers`) or with `name`."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras 3's summary table (layers, output shapes, parameter counts, totals with
        sizes). `print_fn` receives the whole text at once, as in Keras."""
        from ._summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ._functional import Functional, functional_from_config
        if "layers" in config and "input_layers" in config:
            return functional_from_config(Functional if cls is Model else cls, config,
                                          custom_objects)
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                "Unable to revive model from config. When overriding the `get_config()` method, "
                "make sure that the returned config contains all items used as arguments in the "
                f"constructor to {cls}, which is the default behavior. You can override this "
                "default behavior by defining a `from_config(cls, config)` class method to "
                f"specify how to create an instance of {cls.__name__} from its config.\n\n"
                f"Received config={config}\n\nError encountered during deserialization: {e}"
            ) from None
