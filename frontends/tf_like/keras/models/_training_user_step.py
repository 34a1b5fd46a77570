"""A train/test/predict step a model subclass overrides (Keras 3's `train_step(self, data)`),
traced once into the IR and run as a compiled plan like the built-in steps.

Inside the user's step everything Keras 3 code does is traceable: `tf.GradientTape` (or the
IR's autodiff), `self.compute_loss`, `optimizer.apply` / `apply_gradients` (several optimizers),
metric trackers' `update_state`/`result`, `keras.random` / `tf.random` draws (fed fresh at every
run, from the same streams as eager calls, so traced and eager runs give the same numbers).
Variables and metric states are written back by the plan. The returned structure (a dict of
logs, or the predictions) is rebuilt from the plan's outputs; Python values in it are kept.

A step that cannot be traced (it reads a tensor's value in Python, calls numpy on tensors,
...) falls back to running eagerly for every batch, with a one-line warning.
"""

from __future__ import annotations

import warnings

import numpy as np

import core_ir

from ..backend import _tree
from ..utils import pack_x_y_sample_weight
from ._training_step import StepFunction

OUT = "outputs"


class UserStep:
    """`method(data)` run per batch: compiled (traced once per batch signature) unless
    `run_eagerly` or the trace failed. Calling it returns the method's result with tensors as
    numpy arrays."""

    def __init__(self, method, name: str, grad: bool, run_eagerly: bool = False):
        self.method, self.name, self.grad = method, name, grad
        self.eager = bool(run_eagerly)
        self._structure = None
        self._step = StepFunction(self._body, name, run_eagerly=False, grad=grad)
        self._eager_step = StepFunction(self._body, name, run_eagerly=True, grad=grad)

    def _body(self, x, y, sample_weight) -> dict:
        result = self.method(pack_x_y_sample_weight(x, y, sample_weight))
        leaves = _tree.flatten(result)
        self._structure = (result, [isinstance(v, core_ir.Tensor) for v in leaves], leaves)
        return {OUT: [v for v in leaves if isinstance(v, core_ir.Tensor)]}

    def __call__(self, batch):
        if not self.eager:
            try:
                outputs = self._step(batch)[OUT]
            except Exception as e:  # user code that cannot be traced runs eagerly instead
                if self._step._plans:
                    raise  # traced fine before: this is an error of this batch
                self.eager = True
                first = str(e).splitlines()[0] if str(e) else ""
                warnings.warn(f"The overridden `{self.name}` could not be traced into a graph "
                              f"({type(e).__name__}: {first}); running it eagerly.",
                              stacklevel=4)
            else:
                return self._rebuild(outputs)
        return self._run_eagerly(batch)

    def _rebuild(self, outputs):
        result, is_tensor, leaves = self._structure
        arrays = iter(outputs)
        values = [np.asarray(next(arrays)) if t else v for t, v in zip(is_tensor, leaves)]
        return _tree.pack_sequence_as(result, values)

    def _run_eagerly(self, batch):
        return self._rebuild(self._eager_step(batch)[OUT])
