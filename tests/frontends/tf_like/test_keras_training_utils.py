"""keras.utils used around training: to_categorical, normalize, set_random_seed, Progbar,
PyDataset, (un)pack_x_y_sample_weight, against real Keras 3 where it has the same function."""

from __future__ import annotations

import os

import numpy as np
import pytest

from frontends.tf_like import keras as dk

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")


@pytest.mark.parametrize("labels,num_classes", [
    ([0, 2, 1, 2], None), ([0, 2, 1, 2], 5), ([[1], [0], [3]], None), ([[0, 1], [2, 1]], 3)])
def test_to_categorical_matches_keras(labels, num_classes):
    got = dk.utils.to_categorical(labels, num_classes)
    want = keras.utils.to_categorical(labels, num_classes)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    import frontends.tf_like as tf
    as_tensor = dk.utils.to_categorical(tf.constant(np.asarray(labels)), num_classes)
    assert as_tensor.dtype == np.float32
    np.testing.assert_array_equal(as_tensor.numpy(), want)


@pytest.mark.parametrize("axis,order", [(-1, 2), (1, 2), (-1, 1)])
def test_normalize_matches_keras(axis, order):
    x = np.random.default_rng(0).normal(size=(4, 3))
    x[1] = 0.0
    np.testing.assert_allclose(dk.utils.normalize(x, axis, order),
                               keras.utils.normalize(x, axis, order), rtol=1e-12)


def test_set_random_seed_makes_runs_identical():
    draws = []
    for _ in range(2):
        dk.utils.set_random_seed(123)
        layer = dk.layers.Dense(3)
        layer.build((None, 4))
        draws.append((np.random.rand(), layer.get_weights()[0]))
    assert draws[0][0] == draws[1][0]
    np.testing.assert_array_equal(draws[0][1], draws[1][1])
    with pytest.raises(ValueError, match="Expected `seed` argument to be an integer"):
        dk.utils.set_random_seed(1.5)


def test_progbar_prints_keras_lines(capsys):
    bar = dk.utils.Progbar(target=4, verbose=1, interval=0.0)
    for step in range(1, 5):
        bar.update(step, [("loss", 0.5 / step)])
    out = capsys.readouterr().out
    final = out.split("\r")[-1]
    # the last update is final: Keras shows the value given, not the running average
    assert "4/4" in final and "━" * 20 in final and final.endswith("- loss: 0.1250\n")
    assert "2/4" in out and "- loss: 0.3750" in out  # (0.5 + 0.25) / 2 while running
    quiet = dk.utils.Progbar(target=2, verbose=2)
    quiet.update(1, [("acc", 0.5)])
    quiet.update(2, [("acc", 1.0)])
    line = capsys.readouterr().out
    assert line.startswith("2/2 - 0s -") and line.endswith("- acc: 1.0000\n")


def test_progbar_without_target_counts_steps(capsys):
    bar = dk.utils.Progbar(target=None, verbose=1, interval=0.0)
    bar.update(7)
    assert "      7/Unknown" in capsys.readouterr().out


def test_py_dataset_defaults_and_pack_unpack():
    class Two(dk.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return np.zeros((1, 2)), np.zeros(1)

    data = Two(workers=2)
    assert (data.num_batches, data.workers, data.use_multiprocessing) == (2, 2, False)
    assert dk.utils.unpack_x_y_sample_weight((1, 2)) == (1, 2, None)
    assert dk.utils.unpack_x_y_sample_weight([1]) == (1, None, None)
    assert dk.utils.pack_x_y_sample_weight(1, 2, 3) == (1, 2, 3)
    with pytest.raises(ValueError, match="Data is expected to be in format"):
        dk.utils.unpack_x_y_sample_weight((1, 2, 3, 4))
