"""What the built-in recurrent cells share: argument handling, weight creation, dropout masks
(Keras's DropoutRNNCell: one mask per layer call, reused at every step), the config, and the
description of a cell as one of the engine's fused recurrent ops (see _fused.py)."""

from __future__ import annotations

from typing import NamedTuple

from ... import activations, constraints, initializers, ops, regularizers
from ...ops import _random
from .._layer import Layer
from .._utils import ser_activation, ser_constraint, ser_initializer, ser_regularizer

# Keras activations the fused ops compute exactly (ONNX names); any other activation (or a
# custom function) runs the per-step loop instead.
_ONNX_ACTIVATIONS = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu", "linear": "Affine",
                     "softsign": "Softsign", "softplus": "Softplus"}


def onnx_activation(fn) -> str | None:
    """The ONNX activation name computing `fn`, or None when the fused ops have none."""
    try:
        name = activations.serialize(fn)
    except ValueError:
        return None
    onnx = _ONNX_ACTIVATIONS.get(name)
    return onnx if onnx is not None and activations.get(name) is fn else None


class FusedSpec(NamedTuple):
    """A cell as a fused IR op: the op, its attributes and its W, R, B inputs (ONNX layout)."""

    op: object
    attrs: dict
    W: object
    R: object
    B: object
    num_states: int


def _stack_gates(matrix):
    """Keras's (rows, gates*units) kernel as ONNX's [1, gates*units, rows]."""
    return ops.expand_dims(ops.transpose(matrix), 0)


class RecurrentCell(Layer):
    """Base of SimpleRNNCell, LSTMCell and GRUCell (not a Keras public class): the arguments
    every Keras cell takes, its three weights and its dropout masks."""

    gates = 1
    dropout_mask_count = None  # Keras's implementation=1: one mask per gate

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError("Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        self.implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    # -- weights ---------------------------------------------------------------------------------

    def _init_gates(self, recurrent_activation) -> None:
        """The gated cells' (LSTM, GRU) shared setup: their gate activation, and Keras's switch
        to implementation=1 (one dropout mask per gate) when recurrent_dropout is on."""
        self.recurrent_activation = activations.get(recurrent_activation)
        if self.recurrent_dropout != 0.0:
            self.implementation = 1
        if self.implementation == 1:
            self.dropout_mask_count = self.gates
    def _add_kernels(self, input_dim: int) -> None:
        width = self.units * self.gates
        self.kernel = self.add_weight(shape=(input_dim, width), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, width),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)

    def _add_bias(self, shape, initializer) -> None:
        self.bias = self.add_weight(shape=shape, name="bias", initializer=initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [ops.zeros((batch_size, d), dtype=self.compute_dtype) for d in sizes]

    # -- dropout masks (Keras's DropoutRNNCell) ----------------------------------------------
    def _create_dropout_mask(self, step_input, rate: float):
        ones = ops.ones_like(step_input)
        if self.dropout_mask_count is None:
            return _random.dropout(ones, rate)
        return [_random.dropout(ones, rate) for _ in range(self.dropout_mask_count)]

    def get_dropout_mask(self, step_input):
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, step_input):
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(step_input,
                                                                     self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self) -> None:
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self) -> None:
        self._recurrent_dropout_mask = None

    def _dropped(self, x, mask, training):
        """x for each gate, times that gate's dropout mask when training (implementation=1
        has one mask per gate, implementation=2 one shared mask)."""
        if not (training and mask is not None):
            return [x] * self.gates
        if isinstance(mask, list):
            return [ops.multiply(x, m) for m in mask]
        return [ops.multiply(x, mask)] * self.gates

    # -- the fused form ------------------------------------------------------------------------
    def fused_spec(self, training) -> FusedSpec | None:
        """This cell as a fused IR op, or None when only the per-step loop computes it
        (an activation the op lacks, or recurrent dropout while training)."""
        if training and self.recurrent_dropout > 0:
            return None
        names = [onnx_activation(fn) for fn in self._fused_activations()]
        if None in names:
            return None
        op, attrs = self._fused_op()
        attrs = {**attrs, "activations": names, "hidden_size": self.units, "layout": 1}
        return FusedSpec(op, attrs, _stack_gates(self.kernel),
                         _stack_gates(self.recurrent_kernel), self._fused_bias(),
                         2 if isinstance(self.state_size, list) and len(self.state_size) == 2
                         else 1)

    def _fused_bias(self):
        """Keras's single bias as ONNX's Wb, with Rb = 0."""
        if self.bias is None:
            return None
        zeros = ops.zeros_like(self.bias)
        return ops.expand_dims(ops.concatenate([self.bias, zeros], axis=0), 0)

    # -- config --------------------------------------------------------------------------------
    def _common_config(self) -> dict:
        return {"units": self.units, "activation": ser_activation(self.activation),
                "use_bias": self.use_bias}

    def _weights_config(self) -> dict:
        return {"kernel_initializer": ser_initializer(self.kernel_initializer),
                "recurrent_initializer": ser_initializer(self.recurrent_initializer),
                "bias_initializer": ser_initializer(self.bias_initializer),
                "kernel_regularizer": ser_regularizer(self.kernel_regularizer),
                "recurrent_regularizer": ser_regularizer(self.recurrent_regularizer),
                "bias_regularizer": ser_regularizer(self.bias_regularizer),
                "kernel_constraint": ser_constraint(self.kernel_constraint),
                "recurrent_constraint": ser_constraint(self.recurrent_constraint),
                "bias_constraint": ser_constraint(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout}
