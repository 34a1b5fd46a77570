"""keras.callbacks.Callback and CallbackList (keras/src/callbacks/callback.py, callback_list.py)."""

from __future__ import annotations

import numpy as np


class Callback:
    """Mirrors keras.callbacks.Callback: override any hook. `self.model` is the model being
    trained, `self.params` holds {"verbose", "epochs", "steps"}; `logs` are dicts of Python
    floats keyed by metric name ("loss", "accuracy", "val_loss", ...).

    Example:
        >>> class Stop(keras.callbacks.Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         if logs["loss"] < 0.1:
        ...             self.model.stop_training = True
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """A backwards-compatibility alias of on_train_batch_begin."""

    def on_batch_end(self, batch, logs=None):
        """A backwards-compatibility alias of on_train_batch_end."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (training only)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch with the epoch's metrics (and val_ metrics)."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each batch of `evaluate` (and of the validation in `fit`)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each batch of `evaluate` with the running metrics."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each batch of `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each batch of `predict`; logs hold {"outputs": ...}."""

    def on_train_begin(self, logs=None):
        """Called at the start of `fit`."""

    def on_train_end(self, logs=None):
        """Called at the end of `fit` with the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """Called at the start of `evaluate`."""

    def on_test_end(self, logs=None):
        """Called at the end of `evaluate` with its results."""

    def on_predict_begin(self, logs=None):
        """Called at the start of `predict`."""

    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""


def pythonify_logs(logs) -> dict:
    """Keras's logs: sorted by key, nested dicts flattened, values converted to Python floats
    where possible."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        try:
            value = float(np.asarray(value))
        except (TypeError, ValueError):
            pass
        result[key] = value
    return result


class CallbackList(Callback):
    """Mirrors keras.callbacks.CallbackList: calls every callback's hook in order; adds History
    (`add_history`) and ProgbarLogger (`add_progbar`) when they are not given."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        self.callbacks = _flatten(callbacks) if callbacks else []
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history, add_progbar):
        from .history import History, ProgbarLogger
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def set_params(self, params):
        self.params = params
        if params:
            for c in self.callbacks:
                c.set_params(params)

    def set_model(self, model):
        if not model:
            return
        super().set_model(model)
        if self._history:
            model.history = self._history
        for c in self.callbacks:
            c.set_model(model)

    def append(self, callback):
        self.callbacks.append(callback)

    def _call(self, hook, *args, as_keyword=False):
        logs = pythonify_logs(args[-1])
        args = args[:-1]
        for c in self.callbacks:
            if as_keyword:  # Keras passes batch logs by keyword, epoch and run logs by position
                getattr(c, hook)(*args, logs=logs)
            else:
                getattr(c, hook)(*args, logs)


def _flatten(callbacks) -> list:
    out = []
    for c in callbacks if isinstance(callbacks, (list, tuple)) else [callbacks]:
        out.extend(_flatten(c) if isinstance(c, (list, tuple)) else [c])
    return out


def _forward(hook: str, with_index: bool):
    batch_hook = "batch" in hook
    if with_index:
        def method(self, index, logs=None):
            self._call(hook, index, logs if logs is not None else {}, as_keyword=batch_hook)
    else:
        def method(self, logs=None):
            self._call(hook, logs if logs is not None else {})
    method.__name__ = hook
    return method


for _hook in ("on_batch_begin", "on_batch_end", "on_epoch_begin", "on_epoch_end",
              "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
              "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end"):
    setattr(CallbackList, _hook, _forward(_hook, True))
for _hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
              "on_predict_begin", "on_predict_end"):
    setattr(CallbackList, _hook, _forward(_hook, False))
