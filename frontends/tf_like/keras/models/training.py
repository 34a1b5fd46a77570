"""Keras 3's Trainer: compile, fit, evaluate, predict and the *_on_batch methods, mixed into
keras.Model.

The train step (forward with training=True, compile loss + model.losses, gradients by the IR's
autodiff, the optimizer's fused update, metric increments) is traced once into an IR graph with
a symbolic batch axis and run as a compiled plan for every batch (see _training_step.py);
metrics accumulate from the plan's outputs outside the graph. A batch that fails (bad shapes,
NaN checks in callbacks aside) fails before the plan writes anything back, so the model is never
half-updated.
"""

from __future__ import annotations

import numpy as np

import core_ir

from .. import metrics as metrics_module
from .. import optimizers
from ..backend import _tree
from ..callbacks import CallbackList
from ..callbacks.callback import pythonify_logs
from ._training_compile import (
    CompileLoss,
    CompileMetrics,
    check_loss_identifier,
    check_metric_identifiers,
    output_names_of,
)
from ._training_data import (
    EpochIterator,
    class_weight_to_sample_weights,
    to_numpy,
    train_validation_split,
)
from ._training_functions import StepFunctions


class Trainer(StepFunctions):
    """Mirrors Keras 3's Trainer (the training half of keras.Model).

    Example:
        >>> model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        >>> history = model.fit(x_train, y_train, epochs=10, validation_split=0.1)
        >>> loss, accuracy = model.evaluate(x_test, y_test)

    Differences: `jit_compile` and `steps_per_execution` are accepted and ignored (every step
    runs the compiled plan); unknown loss/metric strings fail in `compile` rather than at the
    first batch; an overridden `train_step`/`test_step`/`predict_step` is traced and compiled
    like the built-in steps, or runs eagerly with a warning when it cannot be traced; errors are Keras's inner messages, without Keras's
    "Exception encountered when calling ..." wrapper."""

    compiled = False
    optimizer = None
    loss = None
    stop_training = False
    history = None
    _compile_loss = None
    _compile_metrics = None
    _loss_tracker = None
    _run_eagerly = False
    train_function = test_function = predict_function = None
    _trainable_signature = None

    # -- compile ----------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configure training: optimizer (name or instance), loss (name, function, Loss, or one
        per output as a list/dict), loss_weights, metrics and weighted_metrics (names,
        functions or Metric instances; per output as a list of lists or a dict)."""
        self.optimizer = optimizers.get(optimizer)
        if loss is not None:
            check_loss_identifier(loss)
            self._compile_loss = CompileLoss(loss, loss_weights)
        else:
            self._compile_loss = None
        self.loss = loss
        check_metric_identifiers([metrics, weighted_metrics])
        self._compile_metrics = (CompileMetrics(metrics, weighted_metrics)
                                 if metrics is not None or weighted_metrics is not None else None)
        self._loss_tracker = metrics_module.Mean(name="loss")
        self.run_eagerly, self.jit_compile = run_eagerly, jit_compile
        self.steps_per_execution = steps_per_execution
        self.stop_training = False
        self.compiled = True
        self.train_function = self.test_function = self.predict_function = None
        self._compile_config = {"optimizer": optimizer, "loss": loss,
                                "loss_weights": loss_weights, "metrics": metrics,
                                "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
                                "steps_per_execution": steps_per_execution,
                                "jit_compile": jit_compile}

    @property
    def run_eagerly(self) -> bool:
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value) -> None:
        self._run_eagerly = bool(value)
        self.train_function = self.test_function = self.predict_function = None

    def get_compile_config(self) -> dict:
        return dict(getattr(self, "_compile_config", {})) if self.compiled else {}

    def _assert_compile_called(self, method_name=None):
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")

    def _output_names(self, y_pred) -> list:
        return output_names_of(self, y_pred)

    # -- metrics ----------------------------------------------------------------------------------
    @property
    def metrics(self) -> list:
        """The loss tracker, the compiled metrics (one container), per-output loss trackers,
        then metrics the model or its layers track themselves."""
        found = []
        if self.compiled:
            if self._loss_tracker is not None:
                found.append(self._loss_tracker)
            if self._compile_metrics is not None:
                found.append(self._compile_metrics)
            if self._compile_loss is not None:
                found.extend(self._compile_loss.metrics)
        found.extend(getattr(self, "_metrics", None) or [])
        return found

    @property
    def metrics_names(self) -> list:
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self) -> dict:
        results = {}
        for m in self.metrics:
            if isinstance(m, CompileMetrics) and not m.built:
                continue
            value = m.result()
            results.update(value) if isinstance(value, dict) else results.__setitem__(m.name,
                                                                                      value)
        return results

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of (y, y_pred) plus the model's own losses (regularization,
        add_loss). Override it to train on a custom loss."""
        losses = []
        if self._compile_loss is not None:
            if not self._compile_loss.built:
                self._compile_loss.build(y, y_pred, self._output_names(y_pred))
            total, self._last_output_losses = self._compile_loss(y, y_pred, sample_weight)
            if total is not None:
                losses.append(total)
        for extra in getattr(self, "losses", None) or []:
            losses.append(_sum_all(extra))
        if not losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        total = losses[0]
        for value in losses[1:]:
            total = total + value
        return total

    # -- fit --------------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for `epochs` epochs; returns the History callback (`history.history` holds the
        epoch means of the loss and metrics, and val_ entries with validation data)."""
        self._assert_compile_called("fit")
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = train_validation_split(
                (x, y, sample_weight), validation_split)
        iterator = EpochIterator(x, y, sample_weight, batch_size, steps_per_epoch, shuffle,
                                 class_weight)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                     verbose=verbose, epochs=epochs,
                                     steps=iterator.num_batches, model=self)
        self.stop_training = False
        self.make_train_function()
        callbacks.on_train_begin()
        training_logs, logs = {}, {}
        val = _validation(validation_data, validation_batch_size or batch_size, validation_steps)
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            logs = {}
            for step, batch in iterator:
                callbacks.on_train_batch_begin(step)
                logs = self._run_step(self.train_function, batch)
                callbacks.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            epoch_logs = dict(self._metrics_or(logs))
            if val is not None and _should_eval(epoch, validation_freq):
                val_logs = self.evaluate(val[0], val[1], sample_weight=val[2],
                                         batch_size=val[3], steps=val[4], callbacks=callbacks,
                                         return_dict=True)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            if self.stop_training:
                break
        if isinstance(self.optimizer, optimizers.Optimizer) and epochs > 0:
            self.optimizer.finalize_variable_values(self.trainable_weights)
        self._trainable_signature = self._trainables_key()
        callbacks.on_train_end(logs=training_logs)
        return self.history

    def _metrics_or(self, logs) -> dict:
        results = self.get_metrics_result()
        return results if isinstance(logs, dict) and set(logs) == set(results) else logs

    # -- evaluate / predict ------------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics over the data: a list in `metrics_names` order (a float when
        there is only the loss), or a dict with return_dict=True."""
        if kwargs:
            raise ValueError(f"Arguments not recognized: {kwargs}")
        self._assert_compile_called("evaluate")
        iterator = EpochIterator(x, y, sample_weight, batch_size, steps, shuffle=False)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, verbose=verbose,
                                     epochs=1, steps=iterator.num_batches, model=self)
        self.make_test_function()
        self.stop_evaluating = False
        callbacks.on_test_begin()
        logs = {}
        self.reset_metrics()
        with core_ir.no_grad():
            for step, batch in iterator:
                callbacks.on_test_batch_begin(step)
                logs = self._run_step(self.test_function, batch)
                callbacks.on_test_batch_end(step, logs)
                if self.stop_evaluating:
                    break
        logs = pythonify_logs(self._metrics_or(logs))
        callbacks.on_test_end(logs)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for x, batch by batch (training=False), concatenated as numpy
        arrays in the structure the model returns."""
        iterator = EpochIterator(x, batch_size=batch_size, steps_per_epoch=steps, shuffle=False)
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, verbose=verbose,
                                     epochs=1, steps=iterator.num_batches, model=self)
        self.make_predict_function()
        self.stop_predicting = False
        callbacks.on_predict_begin()
        outputs = []
        with core_ir.no_grad():
            for step, batch in iterator:
                callbacks.on_predict_batch_begin(step)
                flat = self.predict_function(_only_x(batch))["y_pred"]
                outputs.append(flat)
                callbacks.on_predict_batch_end(step, {"outputs": self._pack_outputs(flat)})
                if self.stop_predicting:
                    break
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). "
                             "Please use `Model.compile(..., run_eagerly=True)`, or "
                             "`tf.config.run_functions_eagerly(True)` for more information of "
                             "where went wrong, or file a issue/bug to `tf.keras`.")
        joined = [np.concatenate([o[i] for o in outputs]) for i in range(len(outputs[0]))]
        return self._pack_outputs(joined)

    def _pack_outputs(self, flat):
        return _tree.pack_sequence_as(self._predict_structure, list(flat))

    # -- single batches ---------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns its loss and metrics (metrics reset first)."""
        self._assert_compile_called("train_on_batch")
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError(f"Arguments `sample_weight` and `class_weight` cannot be "
                                 f"specified at the same time. Received: "
                                 f"sample_weight={sample_weight}, class_weight={class_weight}")
            sample_weight = class_weight_to_sample_weights(to_numpy(y), class_weight)
        self.make_train_function()
        self.reset_metrics()
        logs = self._run_step(self.train_function, _as_batch(x, y, sample_weight))
        self._trainable_signature = self._trainables_key()
        logs = pythonify_logs(logs)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss and metrics of one batch (metrics reset first)."""
        self._assert_compile_called("test_on_batch")
        self.make_test_function()
        self.reset_metrics()
        with core_ir.no_grad():
            logs = self._run_step(self.test_function, _as_batch(x, y, sample_weight))
        logs = pythonify_logs(logs)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        """The model's outputs for one batch, as numpy arrays."""
        self.make_predict_function()
        with core_ir.no_grad():
            flat = self.predict_function(_as_batch(x, None, None))["y_pred"]
        return self._pack_outputs(flat)

    def _flatten_metrics_in_order(self, logs):
        names = []
        for m in self.metrics:
            names += [s.name for s in m.metrics] if isinstance(m, CompileMetrics) else [m.name]
        results = [logs[n] for n in names if n in logs]
        results += [logs[k] for k in sorted(logs) if k not in names]
        return results[0] if len(results) == 1 else results


def _sum_all(x):
    x = x if isinstance(x, core_ir.Tensor) else core_ir.constant(np.asarray(x, np.float32))
    if x.dtype.kind != "f":
        x = core_ir.ops.cast(x, to=np.dtype("float32"))
    return core_ir.ops.reduce_sum(x, None, keepdims=0) if x.ndim else x


def _as_batch(x, y, sample_weight):
    data = _tree.map_structure(to_numpy, (x, y, sample_weight))
    return data


def _only_x(batch):
    return (batch[0],) if isinstance(batch, tuple) else (batch,)


def _should_eval(epoch, validation_freq) -> bool:
    epoch += 1
    if isinstance(validation_freq, int):
        return epoch % validation_freq == 0
    if isinstance(validation_freq, list):
        return epoch in validation_freq
    raise ValueError(f"Expected `validation_freq` to be a list or int. Received: "
                     f"validation_freq={validation_freq} of the type {type(validation_freq)}.")


def _validation(validation_data, batch_size, steps):
    if validation_data is None:
        return None
    if isinstance(validation_data, (list, tuple)):
        data = tuple(validation_data) + (None,) * (3 - len(validation_data))
        if len(validation_data) not in (2, 3):
            raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                             f"`(x, y, sample_weight)`, found: {validation_data}")
    else:
        data = (validation_data, None, None)
    return (*data, batch_size, steps)
