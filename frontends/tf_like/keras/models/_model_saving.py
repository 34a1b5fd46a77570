"""The saving half of keras.Model (save, save_weights, load_weights, to_json,
compile_from_config) and the keras.models functions load_model, save_model, model_from_json
and clone_model. The formats live in keras/saving."""

from __future__ import annotations

import json
import warnings

from .. import saving


class ModelSaving:
    """Mixin of keras.Model: Keras 3's saving methods."""

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save the model (config, weights, optimizer state) as a `.keras` zip archive.
        Differences: with overwrite=False an existing file raises FileExistsError (Keras asks
        on the console)."""
        saving.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Save all weights (and the optimizer's) to `.weights.h5` (or `.weights.npz`)."""
        if max_shard_size is not None:
            raise ValueError("Sharded weights files (`max_shard_size`) are not supported.")
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights from `.keras`, `.weights.h5` or `.weights.npz`. Every weight's
        presence and shape is checked before any is assigned."""
        if kwargs:
            raise ValueError(f"Invalid keyword arguments: {kwargs}")
        saving.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs) -> str:
        """The model's serialize_keras_object config as a JSON string."""
        from ..saving._saving_lib import _json_default
        config = saving.serialize_keras_object(self)
        return json.dumps(config, default=_json_default, **kwargs)

    def compile_from_config(self, config):
        """Compile with a get_compile_config() dict (serialized objects are deserialized), then
        build the optimizer for the model's weights, as Keras does before loading its state.
        A model whose `compile` is overridden is left uncompiled, with Keras's warning."""
        from .training import Trainer
        if type(self).compile is not Trainer.compile:
            warnings.warn("`compile()` was not called as part of model loading because the "
                          "model's `compile()` method is custom. All subclassed Models that have "
                          "`compile()` overridden should also override `get_compile_config()` "
                          "and `compile_from_config(config)`. Alternatively, you can call "
                          "`compile()` manually after loading.", stacklevel=2)
            return
        config = saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.built and self.optimizer is not None and hasattr(self.optimizer, "build") \
                and self.trainable_variables and not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Mirrors keras.models.load_model (`.keras` files)."""
    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile,
                             safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Mirrors keras.models.save_model."""
    saving.save_model(model, filepath, overwrite=overwrite, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """Mirrors keras.models.model_from_json: a new model (fresh weights) from to_json()."""
    config = json.loads(json_string)
    with saving.custom_object_scope(custom_objects or {}):
        return saving.deserialize_keras_object(config, custom_objects=custom_objects)


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """Mirrors keras.models.clone_model: the same architecture with new, freshly initialized
    layers (`clone_function(layer)` makes each one; default: from its config). Differences:
    `input_tensors`, `call_function` and `recursive` are not supported (ValueError)."""
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {list(kwargs)}")
    if input_tensors is not None or call_function is not None or recursive:
        raise ValueError("clone_model supports `model` and `clone_function` only here "
                         "(input_tensors, call_function and recursive are not supported).")
    from ._functional import Functional
    from ._sequential import Sequential
    clone = clone_function or _default_clone
    if isinstance(model, Sequential):
        new = Sequential(name=model.name, trainable=model.trainable)
        first = model._layers[0] if model._layers else None
        if first is not None and type(first).__name__ == "InputLayer":
            new.add(_default_clone(first), rebuild=False)
        for layer in model.layers:
            new.add(clone(layer), rebuild=False)
        if new._layers:
            new._maybe_rebuild()
        return new
    if isinstance(model, Functional):
        from ._functional_config import functional_from_config
        return functional_from_config(type(model), model.get_config(),
                                      make_layer=_cloner(model, clone))
    if clone_function is not None:
        raise ValueError("Arguments `clone_function` and `input_tensors` are only supported "
                         "for Sequential models or Functional models.")
    return type(model).from_config(model.get_config())


def _default_clone(layer):
    return type(layer).from_config(layer.get_config())


def _cloner(model, clone):
    by_name = {layer.name: layer for layer in model._operations}

    def make(entry):
        layer = by_name[entry["name"]]
        if type(layer).__name__ == "InputLayer":
            return _default_clone(layer)
        return clone(layer)
    return make
