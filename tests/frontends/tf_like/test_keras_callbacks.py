"""keras.callbacks: hooks and logs of custom callbacks, History, EarlyStopping,
ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN, CSVLogger, LambdaCallback,
ModelCheckpoint and the progress bar, compared with real Keras 3 where it runs the same fit."""

from __future__ import annotations

import csv
import os
import re

import numpy as np
import pytest

from frontends.tf_like import keras as dk

from ._keras_pairs import assert_history_close, assert_weights_close, binary_data, mlp_pair

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")


class Recorder:
    """A callback class for either framework that records (hook, index, sorted log keys)."""

    @staticmethod
    def make(base):
        class _Recorder(base):
            def __init__(self):
                super().__init__()
                self.calls = []

        hooks = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
                 "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
                 "on_test_batch_begin", "on_test_batch_end", "on_predict_begin",
                 "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end"]
        for hook in hooks:
            def method(self, *args, logs=None, _hook=hook):
                if logs is None and args and not isinstance(args[-1], int):
                    args, logs = args[:-1], args[-1]
                keys = sorted(logs) if isinstance(logs, dict) else logs
                self.calls.append((_hook, *args, keys))
            setattr(_Recorder, hook, method)
        return _Recorder()


def test_custom_callback_hooks_and_logs_match_keras():
    x, y = binary_data(40)
    theirs, ours = mlp_pair(keras)
    recorders = []
    for model, lib in ((theirs, keras), (ours, dk)):
        model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["accuracy"])
        rec = Recorder.make(lib.callbacks.Callback)
        model.fit(x, y, batch_size=16, epochs=2, verbose=0, validation_split=0.25,
                  callbacks=[rec], shuffle=False)
        model.evaluate(x, y, batch_size=32, verbose=0, callbacks=[rec])
        model.predict(x[:5], verbose=0, callbacks=[rec])
        recorders.append(rec)
    predict_keys = lambda calls: [c for c in calls if c[0] != "on_predict_batch_end"]
    assert predict_keys(recorders[1].calls) == predict_keys(recorders[0].calls)


def test_callback_gets_model_and_params():
    x, y = binary_data(40)
    _, ours = mlp_pair(keras)
    ours.compile(loss="binary_crossentropy", optimizer="sgd")
    seen = {}

    class Peek(dk.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["model"], seen["params"] = self.model, dict(self.params)

    ours.fit(x, y, batch_size=10, epochs=3, verbose=0, callbacks=[Peek()])
    assert seen["model"] is ours
    assert seen["params"] == {"verbose": 0, "epochs": 3, "steps": 4}


def _fit_pair(callbacks_for, epochs=12, validation_split=0.25, **compile_kwargs):
    x, y = binary_data(120)
    theirs, ours = mlp_pair(keras)
    histories = []
    for model, lib in ((theirs, keras), (ours, dk)):
        model.compile(loss="binary_crossentropy", optimizer=lib.optimizers.SGD(0.05),
                      metrics=["accuracy"], **compile_kwargs)
        histories.append(model.fit(x, y, batch_size=16, epochs=epochs, verbose=0,
                                   shuffle=False, validation_split=validation_split,
                                   callbacks=callbacks_for(lib)))
    return theirs, ours, histories


@pytest.mark.parametrize("kwargs", [
    {"monitor": "loss", "patience": 1, "min_delta": 0.01},
    {"monitor": "val_accuracy", "patience": 2},
    {"monitor": "val_loss", "patience": 1, "min_delta": 0.005, "restore_best_weights": True},
    {"monitor": "val_loss", "baseline": 0.5, "patience": 2},
    {"monitor": "loss", "patience": 0, "mode": "max", "start_from_epoch": 3},
], ids=["loss-min_delta", "val_accuracy-auto-max", "restore_best_weights", "baseline",
        "mode-max-start_from_epoch"])
def test_early_stopping_matches_keras(kwargs):
    theirs, ours, (h_theirs, h_ours) = _fit_pair(
        lambda lib: [lib.callbacks.EarlyStopping(**kwargs)])
    assert len(h_ours.epoch) == len(h_theirs.epoch)
    assert_history_close(h_theirs, h_ours)
    assert_weights_close(theirs, ours)


def test_reduce_lr_on_plateau_matches_keras():
    theirs, ours, (h_theirs, h_ours) = _fit_pair(
        lambda lib: [lib.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1,
                                                     min_delta=0.02, cooldown=1)])
    assert_history_close(h_theirs, h_ours, rtol=1e-5)
    assert len(set(h_ours.history["learning_rate"])) > 1
    assert_weights_close(theirs, ours)


def test_learning_rate_scheduler_matches_keras():
    def schedule(epoch, lr):
        return lr if epoch < 2 else lr * 0.5

    _, _, (h_theirs, h_ours) = _fit_pair(
        lambda lib: [lib.callbacks.LearningRateScheduler(schedule)], epochs=4)
    assert_history_close(h_theirs, h_ours)
    np.testing.assert_allclose(h_ours.history["learning_rate"], [0.05, 0.05, 0.025, 0.0125],
                               rtol=1e-6)


def test_terminate_on_nan_stops_at_the_first_bad_batch(capsys):
    x, y = binary_data(64)
    x[40] = np.nan
    _, ours = mlp_pair(keras)
    ours.compile(loss="binary_crossentropy", optimizer="sgd")
    history = ours.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False,
                       callbacks=[dk.callbacks.TerminateOnNaN()])
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out
    assert len(history.epoch) == 1
    _, ours = mlp_pair(keras)
    ours.compile(loss="binary_crossentropy", optimizer="sgd")
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        ours.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False,
                 callbacks=[dk.callbacks.TerminateOnNaN(raise_error=True)])


def test_csv_logger_writes_keras_columns(tmp_path):
    path = tmp_path / "log.csv"
    _fit_pair(lambda lib: [lib.callbacks.CSVLogger(str(path) + lib.__name__[:2])], epochs=3)
    rows = {}
    for suffix in ("ke", "fr"):
        with open(str(path) + suffix) as f:
            rows[suffix] = list(csv.reader(f))
    assert rows["fr"][0] == rows["ke"][0] == ["epoch", "accuracy", "loss", "val_accuracy",
                                              "val_loss"]
    assert [r[0] for r in rows["fr"][1:]] == ["0", "1", "2"]
    np.testing.assert_allclose(np.array(rows["fr"][1:], float), np.array(rows["ke"][1:], float),
                               rtol=2e-5, atol=1e-6)


def test_lambda_callback_and_stop_training():
    x, y = binary_data(48)
    _, ours = mlp_pair(keras)
    ours.compile(loss="binary_crossentropy", optimizer="sgd")
    epochs = []

    def stop_after_two(epoch, logs):
        epochs.append((epoch, sorted(logs)))
        if epoch == 1:
            ours.stop_training = True

    history = ours.fit(x, y, epochs=10, verbose=0,
                       callbacks=[dk.callbacks.LambdaCallback(on_epoch_end=stop_after_two)])
    assert epochs == [(0, ["loss"]), (1, ["loss"])]
    assert history.epoch == [0, 1]


def test_model_checkpoint_saves_best_weights_as_npz(tmp_path):
    x, y = binary_data(80)
    _, ours = mlp_pair(keras)
    ours.compile(loss="binary_crossentropy", optimizer="adam")
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.3f}.weights.npz")
    checkpoint = dk.callbacks.ModelCheckpoint(pattern, save_weights_only=True,
                                              save_best_only=True)
    history = ours.fit(x, y, epochs=3, verbose=0, validation_split=0.25,
                       callbacks=[checkpoint])
    files = sorted(os.listdir(tmp_path))
    best = int(np.argmin(history.history["val_loss"])) + 1
    assert f"ckpt-{best:02d}-{min(history.history['val_loss']):.3f}.weights.npz" in files
    last = np.load(tmp_path / files[-1])
    assert len(last.files) == len(ours.get_weights())


def test_model_checkpoint_rejects_paths_it_cannot_write():
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        dk.callbacks.ModelCheckpoint("weights.bin", save_weights_only=True)
    with pytest.raises(ValueError, match="must end in `.keras`"):
        dk.callbacks.ModelCheckpoint("model.bin")


_TIMING = re.compile(r"\d+(ms|us|s)/step|\b\d+s\b")


def _progress_lines(text):
    """The progress output with timings masked and the redraw characters resolved."""
    text = _TIMING.sub("T", text.replace("\b", ""))
    return [line.split("\r")[-1] for line in text.split("\n") if line.strip()]


@pytest.mark.parametrize("verbose", [1, 2])
def test_progress_output_matches_keras(capsys, verbose):
    x, y = binary_data(100)
    theirs, ours = mlp_pair(keras)
    outputs = []
    for model in (theirs, ours):
        model.compile(loss="binary_crossentropy", optimizer="sgd", metrics=["accuracy"])
        model.fit(x, y, epochs=2, verbose=verbose, shuffle=False, validation_split=0.2)
        outputs.append(_progress_lines(capsys.readouterr().out))
    assert len(outputs[1]) == len(outputs[0])
    for ours_line, theirs_line in zip(outputs[1], outputs[0]):
        ours_numbers = re.sub(r"\d\.\d{4}", "#", ours_line)
        assert ours_numbers == re.sub(r"\d\.\d{4}", "#", theirs_line)
