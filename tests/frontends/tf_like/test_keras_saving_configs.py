"""keras.saving's configs: get_config/from_config (through serialize_keras_object and JSON) of
every exported layer class, the custom-object registry, to_json / model_from_json and
clone_model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from frontends.tf_like import keras as dk

from ._keras_saving_cases import (
    LAYER_ARGS,
    NOT_SERIALIZABLE,
    exported_layer_classes,
    make_layer,
)
from .test_keras_saving import RNG, X, _json, _same_predictions, functional, sequential

L = dk.layers


# -- configs of every layer --------------------------------------------------------------------
def test_every_exported_layer_class_has_a_config_case():
    exported = set(exported_layer_classes())
    assert exported - set(LAYER_ARGS) - set(NOT_SERIALIZABLE) == set()


@pytest.mark.parametrize("name", sorted(LAYER_ARGS))
def test_layer_config_round_trip_through_json(name):
    assert name in exported_layer_classes(), f"{name} is not exported by keras.layers"
    layer = make_layer(name)
    text = json.dumps(dk.saving.serialize_keras_object(layer))
    entry = json.loads(text)
    assert entry["class_name"] == name and entry["registered_name"] is None
    assert entry["module"].startswith("keras")
    clone = dk.saving.deserialize_keras_object(entry)
    assert type(clone) is type(layer)
    assert json.dumps(dk.saving.serialize_keras_object(clone)) == text
    again = type(layer).from_config(layer.get_config())
    assert json.dumps(dk.saving.serialize_keras_object(again)) == text


# -- registry, json, clone -----------------------------------------------------------------------
def test_registered_custom_layer_and_function_in_a_functional_model(tmp_path):
    @dk.saving.register_keras_serializable(package="DuetTests", name="scaled_tanh")
    def scaled_tanh(x):
        return dk.ops.tanh(x) * 2.0

    @dk.saving.register_keras_serializable(package="DuetTests")
    class Scale(L.Layer):
        def __init__(self, factor=1.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.w * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    i = dk.Input((4,))
    model = dk.Model(i, Scale(3.0)(L.Dense(3, activation=scaled_tanh)(i)))
    model.layers[-1].w.assign(np.array([1.0, 2.0, 3.0], np.float32))
    entry = dk.saving.serialize_keras_object(scaled_tanh)
    assert entry["registered_name"] == "DuetTests>scaled_tanh"
    assert dk.saving.deserialize_keras_object(entry) is scaled_tanh
    model.save(tmp_path / "custom.keras")
    loaded = dk.models.load_model(tmp_path / "custom.keras")
    assert type(loaded.layers[-1]) is Scale and loaded.layers[-1].factor == 3.0
    _same_predictions(model, loaded)


def test_custom_object_scope():
    class Local(L.Dense):
        pass

    entry = dk.saving.serialize_keras_object(Local(2))
    with pytest.raises(TypeError, match="Could not locate class 'Local'"):
        dk.saving.deserialize_keras_object(entry)
    with dk.saving.custom_object_scope({"Local": Local}):
        assert type(dk.saving.deserialize_keras_object(entry)) is Local


def test_to_json_and_model_from_json_give_fresh_weights():
    model = sequential(compiled=False)
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Sequential"
    rebuilt = dk.models.model_from_json(text)
    assert _json(rebuilt.get_config()) == _json(model.get_config())
    assert [w.shape for w in rebuilt.weights] == [w.shape for w in model.weights]
    rebuilt.set_weights(model.get_weights())
    _same_predictions(model, rebuilt)
    fn = functional()
    assert _json(dk.models.model_from_json(fn.to_json()).get_config()) == _json(fn.get_config())


def test_clone_model_sequential_functional_and_clone_function():
    for model in (sequential(compiled=False), functional()):
        clone = dk.models.clone_model(model)
        assert _json(clone.get_config()["layers"]) == _json(model.get_config()["layers"])
        assert all(a is not b for a, b in zip(clone.layers, model.layers))
        assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])
    renamed = dk.models.clone_model(
        sequential(compiled=False),
        clone_function=lambda layer: type(layer).from_config(
            {**layer.get_config(), "name": "c_" + layer.name}))
    assert all(layer.name.startswith("c_") for layer in renamed.layers)
    fn = functional()
    clone = dk.models.clone_model(fn, clone_function=lambda layer: type(layer).from_config(
        layer.get_config()))
    clone.set_weights(fn.get_weights())
    xb = RNG.standard_normal((16, 3)).astype(np.float32)
    _same_predictions(fn, clone, x=[X, xb])


def test_save_model_functions_and_get_custom_objects(tmp_path):
    model = sequential()
    dk.models.save_model(model, tmp_path / "a.keras")
    dk.saving.save_model(model, tmp_path / "b.keras")
    for name in ("a", "b"):
        _same_predictions(model, dk.saving.load_model(tmp_path / f"{name}.keras"))
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        dk.saving.save_model(model, tmp_path / "c.h6")
    registry = dk.saving.get_custom_objects()
    assert "DuetTests>TwoLayer" in registry
    registry["Extra>Thing"] = dict
    assert dk.saving.get_registered_object("Extra>Thing") is dict
    del registry["Extra>Thing"]
