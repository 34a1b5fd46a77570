"""keras.saving: the `.keras` format, weights files, and (de)serialization of Keras objects
with the custom-object registry (Keras 3's keras.saving)."""

from __future__ import annotations

from ._registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from ._saving_lib import load_model, load_weights, save_model, save_weights
from ._serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
           "get_custom_objects", "get_registered_name", "get_registered_object", "load_model",
           "load_weights", "register_keras_serializable", "save_model", "save_weights",
           "serialize_keras_object"]
