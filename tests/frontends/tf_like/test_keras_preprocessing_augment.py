"""Image augmentation layers against real Keras 3 (torch backend): the transforms themselves
with the random factors forced (a fixed range such as factor=(0.25, 0.25), or a given flip
draw), every fill_mode and interpolation; seeded reproducibility, identity at inference, and
training inside fit through the compiled plan."""

import os

import numpy as np
import pytest

import frontends.tf_like as tf
from frontends.tf_like import keras as dk

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

ATOL = 1e-3  # pixel values up to 255 in float32
IMAGES = np.random.default_rng(0).uniform(0, 255, size=(2, 7, 9, 3)).astype(np.float32)

FIXED = [
    ("rotate_36", "RandomRotation", ((0.1, 0.1),), {}),
    ("rotate_90", "RandomRotation", ((0.25, 0.25),), {}),
    ("rotate_neg", "RandomRotation", ((-0.15, -0.15),), {"fill_mode": "constant",
                                                         "fill_value": 3.0}),
    ("zoom_out", "RandomZoom", ((0.2, 0.2),), {}),
    ("zoom_aspect", "RandomZoom", ((0.2, 0.2), (-0.3, -0.3)), {"fill_mode": "wrap"}),
    ("zoom_in", "RandomZoom", ((-0.4, -0.4),), {"interpolation": "nearest"}),
    ("translate", "RandomTranslation", ((0.1, 0.1), (-0.25, -0.25)), {"fill_mode": "constant"}),
    ("translate_wrap", "RandomTranslation", ((0.3, 0.3), (0.5, 0.5)), {"fill_mode": "wrap"}),
    ("translate_nearest", "RandomTranslation", ((-0.2, -0.2), (0.15, 0.15)),
     {"fill_mode": "nearest", "interpolation": "nearest"}),
    ("contrast", "RandomContrast", ((-0.3, 0.3),), {}),
    ("contrast_range", "RandomContrast", ((-0.8, 0.8),), {"value_range": (20, 200)}),
]


def _pair(layer, args, kwargs):
    return getattr(dk.layers, layer)(*args, **kwargs), getattr(keras.layers, layer)(*args,
                                                                                   **kwargs)


@pytest.mark.parametrize("layer,args,kwargs", [c[1:] for c in FIXED], ids=[c[0] for c in FIXED])
def test_forced_transform_matches_keras(layer, args, kwargs):
    ours, theirs = _pair(layer, args, kwargs)
    out = ours(IMAGES, training=True).numpy()
    np.testing.assert_allclose(out, np.asarray(theirs(IMAGES, training=True)), atol=ATOL)
    assert np.abs(out - IMAGES).max() > 1  # the transform did something


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_rotation_fill_modes(fill_mode, interpolation):
    kwargs = {"fill_mode": fill_mode, "interpolation": interpolation, "fill_value": 7.0}
    ours, theirs = _pair("RandomRotation", ((0.1, 0.1),), kwargs)
    np.testing.assert_allclose(ours(IMAGES).numpy(), np.asarray(theirs(IMAGES)), atol=ATOL)


def test_unbatched_image():
    ours, theirs = _pair("RandomRotation", ((0.2, 0.2),), {})
    np.testing.assert_allclose(ours(IMAGES[0]).numpy(), np.asarray(theirs(IMAGES[0])),
                               atol=ATOL)


@pytest.mark.parametrize("mode", ["horizontal", "vertical", "horizontal_and_vertical"])
def test_flip_with_a_known_draw(mode):
    flips = np.array([True, False]).reshape(2, 1, 1, 1)
    ours, theirs = _pair("RandomFlip", (mode,), {})
    out = ours.transform_images(tf.constant(IMAGES), {"flips": tf.constant(flips)}).numpy()
    ref = theirs.transform_images(torch.tensor(IMAGES), {"flips": torch.tensor(flips)})
    np.testing.assert_array_equal(out, np.asarray(ref))
    np.testing.assert_array_equal(out[1], IMAGES[1])


@pytest.mark.parametrize("layer,args", [("RandomFlip", ()), ("RandomRotation", (0.2,)),
                                        ("RandomZoom", (0.2,)),
                                        ("RandomTranslation", (0.2, 0.1)),
                                        ("RandomContrast", (0.2,))])
def test_config_and_inference_identity(layer, args):
    ours, theirs = _pair(layer, args, {})
    mine, ref = ours.get_config(), theirs.get_config()
    assert list(mine) == list(ref)
    assert {k: v for k, v in mine.items() if k not in ("name", "dtype")} == \
        {k: v for k, v in ref.items() if k not in ("name", "dtype")}
    np.testing.assert_array_equal(ours(IMAGES, training=False).numpy(), IMAGES)
    clone = type(ours).from_config(mine)
    assert clone.get_config() == mine


def test_seeded_draws_repeat_and_vary():
    first = dk.layers.RandomRotation(0.2, seed=5)
    a, b = first(IMAGES).numpy(), first(IMAGES).numpy()
    assert np.abs(a - b).max() > 0  # a new draw each call
    again = dk.layers.RandomRotation(0.2, seed=5)
    np.testing.assert_array_equal(again(IMAGES).numpy(), a)  # the same seed repeats
    flips = [dk.layers.RandomFlip("horizontal", seed=s)(IMAGES).numpy() for s in range(8)]
    assert any(np.array_equal(f[0], IMAGES[0][:, ::-1]) for f in flips)
    assert any(np.array_equal(f[0], IMAGES[0]) for f in flips)


def _augmented_model(seed):
    dk.utils.set_random_seed(1)
    model = dk.Sequential([
        dk.Input((7, 9, 3)), dk.layers.Rescaling(1 / 255.0),
        dk.layers.RandomFlip(seed=seed), dk.layers.RandomRotation(0.1, seed=seed),
        dk.layers.RandomZoom(0.1, seed=seed), dk.layers.RandomTranslation(0.1, 0.1, seed=seed),
        dk.layers.RandomContrast(0.2, value_range=(0, 1), seed=seed),
        dk.layers.Flatten(), dk.layers.Dense(2)])
    model.compile("sgd", dk.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_augmentation_trains_in_fit_reproducibly_and_is_identity_in_predict():
    x = np.random.default_rng(2).uniform(0, 255, size=(12, 7, 9, 3)).astype(np.float32)
    y = np.arange(12) % 2
    runs = []
    for _ in range(2):
        model = _augmented_model(seed=3)
        runs.append(model.fit(x, y, epochs=2, batch_size=5, shuffle=False,
                              verbose=0).history["loss"])
    assert runs[0] == runs[1]
    dense = model.layers[-1]
    expected = (x / 255.0).reshape(12, -1) @ dense.kernel.numpy() + dense.bias.numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-4)
    other = _augmented_model(seed=4)
    assert other.fit(x, y, epochs=2, batch_size=5, shuffle=False,
                     verbose=0).history["loss"] != runs[0]


def test_bad_inputs_name_the_layer():
    with pytest.raises(ValueError, match="'rot'.*RandomRotation.*rank 3 or 4"):
        dk.layers.RandomRotation(0.1, name="rot")(np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError, match="`factor` argument"):
        dk.layers.RandomRotation(2.0)
    with pytest.raises(ValueError, match="range \\(-1.0, 1.0\\]"):
        dk.layers.RandomZoom(-1.0)
    with pytest.raises(NotImplementedError, match="Unknown `fill_mode`"):
        dk.layers.RandomTranslation(0.1, 0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="unknown mode"):
        dk.layers.RandomFlip("diagonal")
