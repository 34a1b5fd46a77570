"""Saving in tf_like's Keras: `.keras` archives and `.weights.h5` files in Keras 3's layout
(round trips, optimizer state, interop with real Keras 3 both ways, the .npz fallback without
h5py) and bad input (corrupted files, failed loads that change nothing). Configs, the registry,
to_json and clone_model: test_keras_saving_configs.py."""

from __future__ import annotations

import json
import os
import sys
import zipfile

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

from frontends.tf_like import keras as dk
from frontends.tf_like.keras.saving import _stores

L = dk.layers
RNG = np.random.default_rng(0)
X = RNG.standard_normal((16, 4)).astype(np.float32)
Y = (X @ RNG.standard_normal((4, 2))).astype(np.float32)


def sequential(compiled=True):
    dk.utils.set_random_seed(1)
    model = dk.Sequential([dk.Input((4,)), L.Dense(8, activation="relu"),
                           L.BatchNormalization(), L.Dense(2)])
    if compiled:
        model.compile(optimizer=dk.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def functional():
    dk.utils.set_random_seed(2)
    a, b = dk.Input((4,), name="a"), dk.Input((3,), name="b")
    h = L.Concatenate()([L.Dense(5, activation="tanh")(a), b])
    model = dk.Model([a, b], [L.Dense(2, name="out1")(h), L.Dense(1, name="out2")(h)])
    model.compile(optimizer="rmsprop", loss=["mse", "mae"])
    return model


@dk.saving.register_keras_serializable(package="DuetTests")
class TwoLayer(dk.Model):
    """A registered subclassed model with get_config."""

    def __init__(self, hidden=6, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.d1 = L.Dense(hidden, activation="relu")
        self.out = L.Dense(2)

    def call(self, x):
        return self.out(self.d1(x))

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}


def _json(config) -> str:
    return json.dumps(config, sort_keys=True)


def _same_predictions(a, b, x=X, rtol=1e-6, atol=1e-6):
    pa, pb = a.predict(x, verbose=0), b.predict(x, verbose=0)
    for u, v in zip(pa if isinstance(pa, list) else [pa], pb if isinstance(pb, list) else [pb]):
        np.testing.assert_allclose(u, v, rtol=rtol, atol=atol)


# -- round trips ----------------------------------------------------------------------------------
def test_sequential_round_trip_and_archive_layout(tmp_path):
    model = sequential()
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "seq.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        config = json.loads(z.read("config.json"))
        metadata = json.loads(z.read("metadata.json"))
    weights = "model.weights.h5" if _stores.h5py_module() else "model.weights.npz"
    assert names == {"config.json", "metadata.json", weights}
    assert {"module", "class_name", "config", "registered_name", "build_config",
            "compile_config"} <= set(config)
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")
    assert config["config"]["layers"][1]["class_name"] == "Dense"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert set(metadata) == {"keras_version", "date_saved"}
    loaded = dk.models.load_model(path)
    _same_predictions(model, loaded)
    assert loaded.compiled and int(loaded.optimizer.iterations.numpy()) == 4
    assert [w.name for w in loaded.weights] == [w.name for w in model.weights]
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_optimizer_state_restored_continued_training_equals_uninterrupted(tmp_path):
    model = sequential()
    model.fit(X, Y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "mid.keras")
    model.fit(X, Y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    resumed = dk.models.load_model(tmp_path / "mid.keras")
    resumed.fit(X, Y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    for a, b in zip(model.optimizer.variables, resumed.optimizer.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


def test_functional_round_trip_multi_input_output(tmp_path):
    model = functional()
    xb = RNG.standard_normal((16, 3)).astype(np.float32)
    model.fit([X, xb], [Y, Y[:, :1]], epochs=1, verbose=0)
    model.save(tmp_path / "f.keras")
    loaded = dk.models.load_model(tmp_path / "f.keras")
    _same_predictions(model, loaded, x=[X, xb])
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    uncompiled = dk.models.load_model(tmp_path / "f.keras", compile=False)
    assert not uncompiled.compiled
    _same_predictions(model, uncompiled, x=[X, xb])


def test_subclassed_model_registered_round_trip(tmp_path):
    model = TwoLayer(hidden=5)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, Y, epochs=1, verbose=0)
    model.save(tmp_path / "sub.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "sub.keras").read("config.json"))
    assert config["registered_name"] == "DuetTests>TwoLayer"
    loaded = dk.models.load_model(tmp_path / "sub.keras")
    assert type(loaded) is TwoLayer and loaded.hidden == 5
    _same_predictions(model, loaded)
    assert dk.saving.get_registered_object("DuetTests>TwoLayer") is TwoLayer
    assert dk.saving.get_registered_name(TwoLayer) == "DuetTests>TwoLayer"


def test_unregistered_subclass_needs_custom_objects(tmp_path):
    class Plain(dk.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = L.Dense(2)

        def call(self, x):
            return self.d(x)

    model = Plain()
    model(X)
    model.save(tmp_path / "plain.keras")
    with pytest.raises(TypeError, match="Could not locate class 'Plain'"):
        dk.models.load_model(tmp_path / "plain.keras")
    loaded = dk.models.load_model(tmp_path / "plain.keras", custom_objects={"Plain": Plain})
    _same_predictions(model, loaded)


def test_save_weights_load_weights_subclassed_weights_only(tmp_path):
    pytest.importorskip("h5py")
    model, other = TwoLayer(), TwoLayer()
    model(X), other(X)
    model.save_weights(tmp_path / "m.weights.h5")
    other.load_weights(tmp_path / "m.weights.h5")
    _same_predictions(model, other)
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        model.save_weights(tmp_path / "m.h5")


# -- real Keras 3 interop -------------------------------------------------------------------------
def _real_keras():
    keras = pytest.importorskip("keras")
    pytest.importorskip("h5py")
    if keras.backend.backend() != "torch":
        pytest.skip("needs KERAS_BACKEND=torch")
    return keras


def _mixed_model(K):
    """Embedding + LSTM + MultiHeadAttention on tokens, Conv2D + BatchNorm on images."""
    tokens, images = K.Input((6,), dtype="int32"), K.Input((8, 8, 3))
    h = K.layers.LSTM(8, return_sequences=True)(K.layers.Embedding(20, 8)(tokens))
    h = K.layers.GlobalAveragePooling1D()(K.layers.MultiHeadAttention(2, 4)(h, h))
    c = K.layers.BatchNormalization()(K.layers.Conv2D(4, 3, activation="relu")(images))
    out = K.layers.Dense(3, activation="softmax")(
        K.layers.Concatenate()([h, K.layers.Flatten()(c)]))
    model = K.Model([tokens, images], out)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


MIXED_X = [RNG.integers(0, 20, (16, 6)).astype("int32"),
           RNG.standard_normal((16, 8, 8, 3)).astype("float32")]
MIXED_Y = RNG.integers(0, 3, (16,))


def test_real_keras_file_loads_in_duet_with_identical_predictions(tmp_path):
    keras = _real_keras()
    theirs = _mixed_model(keras)
    theirs.fit(MIXED_X, MIXED_Y, epochs=1, verbose=0)
    theirs.save(tmp_path / "real.keras")
    ours = dk.models.load_model(tmp_path / "real.keras")
    np.testing.assert_allclose(ours.predict(MIXED_X, verbose=0),
                               theirs.predict(MIXED_X, verbose=0), rtol=1e-5, atol=1e-6)
    assert int(ours.optimizer.iterations.numpy()) == 1
    for a, b in zip(ours.optimizer.variables[2:], theirs.optimizer.variables[2:]):
        np.testing.assert_allclose(a.numpy(), np.asarray(b.numpy()), rtol=1e-6)


def test_duet_file_loads_in_real_keras_with_identical_predictions(tmp_path):
    keras = _real_keras()
    ours = _mixed_model(dk)
    ours.fit(MIXED_X, MIXED_Y, epochs=1, verbose=0)
    ours.save(tmp_path / "duet.keras")
    theirs = keras.models.load_model(tmp_path / "duet.keras")
    np.testing.assert_allclose(theirs.predict(MIXED_X, verbose=0),
                               ours.predict(MIXED_X, verbose=0), rtol=1e-5, atol=1e-6)
    assert int(theirs.optimizer.iterations) == 1


def test_weights_h5_both_ways_with_real_keras(tmp_path):
    keras = _real_keras()
    ours = sequential()
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                               keras.layers.BatchNormalization(), keras.layers.Dense(2)])
    theirs.compile(optimizer="adam", loss="mse")
    theirs.fit(X, Y, epochs=1, verbose=0)
    theirs.save_weights(tmp_path / "theirs.weights.h5")
    ours.load_weights(tmp_path / "theirs.weights.h5")
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0),
                               rtol=1e-6, atol=1e-6)
    ours.fit(X, Y, epochs=1, verbose=0)
    ours.save_weights(tmp_path / "ours.weights.h5")
    theirs.load_weights(tmp_path / "ours.weights.h5")
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0),
                               rtol=1e-6, atol=1e-6)


def test_subclassed_weight_paths_match_real_keras(tmp_path):
    """Keras names a subclass's sublayers by attribute, public names first, `layers` among
    them: `d1` under "d1", `out` (after "layers") under "layers/dense_1"."""
    keras = _real_keras()
    import h5py

    class Theirs(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = keras.layers.Dense(6, activation="relu")
            self.out = keras.layers.Dense(2)

        def call(self, x):
            return self.out(self.d1(x))

    theirs, ours = Theirs(), TwoLayer()
    theirs(X), ours(X)
    theirs.save_weights(tmp_path / "t.weights.h5")
    ours.save_weights(tmp_path / "o.weights.h5")
    keys = []
    for name in ("t", "o"):
        with h5py.File(tmp_path / f"{name}.weights.h5") as f:
            keys.append(sorted(_datasets(f, h5py)))
    assert keys[0] == keys[1] == ["d1/vars/0", "d1/vars/1", "layers/dense_1/vars/0",
                                  "layers/dense_1/vars/1"]
    ours.load_weights(tmp_path / "t.weights.h5")
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0),
                               rtol=1e-6, atol=1e-6)


def _datasets(f, h5py) -> list:
    found = []
    f.visititems(lambda k, v: found.append(k) if isinstance(v, h5py.Dataset) else None)
    return found


# -- without h5py ----------------------------------------------------------------------------------
def test_npz_fallback_without_h5py(tmp_path, monkeypatch):
    pytest.importorskip("h5py")  # the first file is written with h5py, then h5py is hidden
    model = sequential()
    model.fit(X, Y, epochs=1, verbose=0)
    model.save(tmp_path / "with_h5.keras")
    monkeypatch.setitem(sys.modules, "h5py", None)  # `import h5py` now raises ImportError
    model.save(tmp_path / "npz.keras")
    assert "model.weights.npz" in zipfile.ZipFile(tmp_path / "npz.keras").namelist()
    loaded = dk.models.load_model(tmp_path / "npz.keras")
    _same_predictions(model, loaded)
    assert int(loaded.optimizer.iterations.numpy()) == 1
    model.save_weights(tmp_path / "w.weights.npz")
    other = sequential()
    other.load_weights(tmp_path / "w.weights.npz")
    _same_predictions(model, other)
    with pytest.raises(ValueError, match="needs h5py"):
        model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="with_h5.keras.*needs h5py"):
        dk.models.load_model(tmp_path / "with_h5.keras")


# -- bad input -------------------------------------------------------------------------------------
def _saved(tmp_path):
    model = sequential()
    model.fit(X, Y, epochs=1, verbose=0)
    path = tmp_path / "good.keras"
    model.save(path)
    return model, path, path.read_bytes()


def test_truncated_and_garbage_keras_files_give_clear_errors(tmp_path):
    _, _, data = _saved(tmp_path)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="truncated.keras.*not a valid `.keras` zip"):
        dk.models.load_model(truncated)
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"not a zip at all" * 10)
    with pytest.raises(ValueError, match="garbage.keras"):
        dk.models.load_model(garbage)
    with pytest.raises(ValueError, match="File not found"):
        dk.models.load_model(tmp_path / "missing.keras")
    with pytest.raises(ValueError, match="File format not supported"):
        dk.models.load_model(tmp_path / "model.pt")


def _rezip(src, dst, replace: dict, drop=()):
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
        for name in z.namelist():
            if name not in drop:
                out.writestr(name, replace.get(name, z.read(name)))


def test_damaged_members_give_clear_errors(tmp_path):
    _, path, _ = _saved(tmp_path)
    # model.weights.h5, or model.weights.npz where h5py is not installed
    weights = next(n for n in zipfile.ZipFile(path).namelist() if n.startswith("model.weights"))
    cases = {"no_config.keras": ({}, ("config.json",), "has no config.json"),
             "bad_json.keras": ({"config.json": b"{not json"}, (), "config.json is not valid"),
             "bad_weights.keras": ({weights: b"\x89HDF\r\n" + b"0" * 64}, (),
                                   f"{weights}.*corrupted or truncated"),
             "no_weights.keras": ({}, (weights,), "has no weights file")}
    for name, (replace, drop, message) in cases.items():
        _rezip(path, tmp_path / name, replace, drop)
        with pytest.raises(ValueError, match=f"{name}.*{message}|{message}"):
            dk.models.load_model(tmp_path / name)


def test_failed_load_weights_changes_nothing(tmp_path):
    _, path, _ = _saved(tmp_path)
    wider = dk.Sequential([dk.Input((4,)), L.Dense(8, activation="relu"),
                           L.BatchNormalization(), L.Dense(3)])  # last layer: 3 units, not 2
    before = wider.get_weights()
    with pytest.raises(ValueError, match=r"good.keras.*shape \(8, 3\) in the model but \(8, 2\)"):
        wider.load_weights(path)
    for a, b in zip(before, wider.get_weights()):
        np.testing.assert_array_equal(a, b)  # not even the layers that did match
    with pytest.raises(ValueError, match="expected 2 variables, but received 0"):
        dk.Sequential([dk.Input((4,)), L.Dense(8), L.Dense(8), L.Dense(2)]).load_weights(path)


def test_failed_save_leaves_the_previous_file(tmp_path):
    model, path, data = _saved(tmp_path)

    class Unserializable(L.Layer):
        def call(self, x):
            return x

        def get_config(self):
            return {**super().get_config(), "state": object()}

    broken = dk.Sequential([dk.Input((4,)), Unserializable()])
    with pytest.raises(TypeError, match="Cannot serialize object"):
        broken.save(path)
    assert path.read_bytes() == data
    assert sorted(os.listdir(tmp_path)) == ["good.keras"]
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)


def test_safe_mode_refuses_lambda_bytecode():
    config = {"module": "keras.layers", "class_name": "__lambda__",
              "config": {"value": "abc"}, "registered_name": None}
    with pytest.raises(ValueError, match="safe_mode=False"):
        dk.saving.deserialize_keras_object(config)


def test_gan_with_two_optimizers_weights_round_trip(tmp_path):
    """Sub-models and optimizers held as attributes are saved under their attribute names
    ("discriminator", "d_optimizer", ...); a fresh GAN whose optimizers are built continues
    training exactly where the saved one was."""
    h5py = pytest.importorskip("h5py")
    from .test_keras_custom_training import blobs, make_gan
    data = blobs(64)
    gan = make_gan()
    gan.fit(data, batch_size=32, epochs=1, shuffle=False, verbose=0)
    gan.save_weights(tmp_path / "gan.weights.h5")
    fresh = make_gan(seed=7)
    fresh.d_optimizer.build(fresh.discriminator.trainable_weights)
    fresh.g_optimizer.build(fresh.generator.trainable_weights)
    fresh.load_weights(tmp_path / "gan.weights.h5")
    for a, b in zip(gan.weights + gan.d_optimizer.variables + gan.g_optimizer.variables,
                    fresh.weights + fresh.d_optimizer.variables + fresh.g_optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with h5py.File(tmp_path / "gan.weights.h5") as f:
        assert {"discriminator", "generator", "d_optimizer", "g_optimizer"} <= set(f)
