"""The train/test/predict steps of the Trainer and the functions fit/evaluate/predict call.

The default steps are bodies traced once into a compiled plan (StepFunction). A model that
overrides Keras's `train_step(data)`, `test_step(data)` or `predict_step(data)` has its own
method traced and compiled the same way instead (UserStep; eagerly with run_eagerly=True or
when it cannot be traced), its returned dict being the logs; the default methods stay callable
(`super().train_step(data)`) and run the default step.
"""

from __future__ import annotations

import warnings

import core_ir

from ..backend import _tree
from ..utils import unpack_x_y_sample_weight
from ._training_metrics import LOSS, OUTPUT_LOSSES, metric_groups, update_metrics
from ._training_step import StepFunction
from ._training_user_step import UserStep


class StepFunctions:
    """The step half of the Trainer (mixed into Trainer)."""

    # -- Keras's public step methods (eager or traced) ----------------------------------------
    def train_step(self, data):
        """One training step on `data` ((x, y) or (x, y, sample_weight)): forward, loss,
        gradients, optimizer update, metric updates; returns the metrics. `fit` runs an
        equivalent step traced and compiled unless a subclass overrides this; an override may
        call `super().train_step(data)` (it traces too)."""
        x, y, sw = unpack_x_y_sample_weight(data)
        with core_ir.enable_grad():
            y_pred = self(x, training=True)
            self._last_output_losses = []
            loss = self.compute_loss(x, y, y_pred, sw, training=True)
            self._track_losses(loss, x)
            variables = list(self.trainable_variables)
            if variables:
                scaled = self.optimizer.scale_loss(loss)
                grads = core_ir.backward([scaled], [core_ir.ops.ones_like(scaled)], variables,
                                         accumulate=False)
                self.optimizer.apply(grads, variables)
            else:
                warnings.warn("The model does not have any trainable weights.")
        return self.compute_metrics(x, y, y_pred, sample_weight=sw)

    def test_step(self, data):
        """The loss and metrics of `data`, training=False; returns the metrics."""
        x, y, sw = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        self._last_output_losses = []
        loss = self.compute_loss(x, y, y_pred, sw, training=False)
        self._track_losses(loss, x)
        return self.compute_metrics(x, y, y_pred, sample_weight=sw)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with (y, y_pred) and return all metrics' results (Keras
        3's hook for custom metric logic)."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _track_losses(self, loss, x) -> None:
        """Keras's loss tracker update: the batch mean weighted by the batch size."""
        from ..losses import _math as K
        size = K.dim(_tree.flatten(x)[0], 0, "float32")
        if self._loss_tracker is not None:
            self._loss_tracker.update_state(loss, sample_weight=size)
        if self._compile_loss is not None and self._compile_loss.metrics:
            for tracker, value in zip(self._compile_loss.metrics, self._last_output_losses):
                tracker.update_state(value, sample_weight=size)

    def predict_step(self, data):
        """The model's outputs for the x of `data`, training=False."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # -- the bodies traced into the compiled steps -----------------------------------------------
    def _train_body(self, x, y, sample_weight):
        y_pred = self(x, training=True)
        self._last_output_losses = []
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
        variables = list(self.trainable_variables)
        if variables:
            scaled = self.optimizer.scale_loss(loss) if self.optimizer is not None else loss
            grads = core_ir.backward([scaled], [core_ir.ops.ones_like(scaled)], variables,
                                     accumulate=False)
            self.optimizer.apply(grads, variables)
        else:
            warnings.warn("The model does not have any trainable weights.")
        return self._step_groups(loss, y, y_pred, sample_weight)

    def _test_body(self, x, y, sample_weight):
        y_pred = self(x, training=False)
        self._last_output_losses = []
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        return self._step_groups(loss, y, y_pred, sample_weight)

    def _predict_body(self, x, y, sample_weight):
        y_pred = self(x, training=False)
        self._predict_structure = _tree.map_structure(lambda _: None, y_pred)
        return {"y_pred": _tree.flatten(y_pred)}

    def _step_groups(self, loss, y, y_pred, sample_weight) -> dict:
        per_output = self._compile_loss is not None and self._compile_loss.metrics
        groups = {LOSS: [loss], OUTPUT_LOSSES: list(self._last_output_losses) if per_output
                  else []}
        groups.update(metric_groups(self, y, y_pred, sample_weight))
        return groups

    # -- the functions fit/evaluate/predict call ------------------------------------------------
    def make_train_function(self, force=False):
        """The train function (cached); rebuilt when the trainable weights changed."""
        signature = self._trainables_key()
        if self.train_function is not None and self._trainable_signature not in (None,
                                                                                  signature):
            force = True  # a layer was frozen or unfrozen: the traced step updates other weights
        self._trainable_signature = signature
        if self.train_function is None or force:
            self.train_function = (
                UserStep(self.train_step, "train_step", True, self.run_eagerly)
                if _overrides(self, "train_step") else
                StepFunction(self._train_body, "train_step", self.run_eagerly, grad=True))
        return self.train_function

    def _trainables_key(self):
        return tuple(id(v) for v in self.trainable_variables) if self.built else None

    def make_test_function(self, force=False):
        if self.test_function is None or force:
            self.test_function = (
                UserStep(self.test_step, "test_step", False, self.run_eagerly)
                if _overrides(self, "test_step") else
                StepFunction(self._test_body, "test_step", self.run_eagerly))
        return self.test_function

    def make_predict_function(self, force=False):
        if self.predict_function is None or force:
            self.predict_function = (
                UserStep(self._user_predict, "predict_step", False, self.run_eagerly)
                if _overrides(self, "predict_step")
                else StepFunction(self._predict_body, "predict_step", self.run_eagerly))
        return self.predict_function

    def _user_predict(self, data) -> dict:
        y_pred = self.predict_step(data)
        self._predict_structure = _tree.map_structure(lambda _: None, y_pred)
        return {"y_pred": _tree.flatten(y_pred)}

    def _run_step(self, function, batch) -> dict:
        if isinstance(function, UserStep):
            return function(batch)
        groups = function(batch)
        update_metrics(self, groups, batch)
        return self.get_metrics_result()


def _overrides(model, name: str) -> bool:
    return getattr(type(model), name) is not getattr(StepFunctions, name)


