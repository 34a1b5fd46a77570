"""SimpleRNNCell and SimpleRNN: h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)."""

from __future__ import annotations

from core_ir import ops as ir

from ... import ops
from .._input_spec import InputSpec
from ._cell_base import RecurrentCell
from .rnn import CellLayer


class SimpleRNNCell(RecurrentCell):
    """Mirrors keras.layers.SimpleRNNCell: one step of a fully-connected RNN; weights kernel
    (input_dim, units) glorot_uniform, recurrent_kernel (units, units) orthogonal, bias (units,)
    zeros. `dropout` / `recurrent_dropout` apply when training, with one mask per layer call."""

    def __init__(self, units, activation="tanh", use_bias=True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        self._add_bias((self.units,), self.bias_initializer)

    def call(self, sequence, states, training=False):
        prev_output = states[0] if isinstance(states, (list, tuple)) else states
        dp_mask = self.get_dropout_mask(sequence)
        rec_dp_mask = self.get_recurrent_dropout_mask(prev_output)
        if training and dp_mask is not None:
            sequence = ops.multiply(sequence, dp_mask)
        h = ops.matmul(sequence, self.kernel)
        if self.bias is not None:
            h = ops.add(h, self.bias)
        if training and rec_dp_mask is not None:
            prev_output = ops.multiply(prev_output, rec_dp_mask)
        output = self.activation(ops.add(h, ops.matmul(prev_output, self.recurrent_kernel)))
        return output, [output] if isinstance(states, (list, tuple)) else output

    def _fused_activations(self) -> list:
        return [self.activation]

    def _fused_op(self):
        return ir.rnn, {}

    def get_config(self) -> dict:
        return {**super().get_config(), **self._common_config(), **self._weights_config(),
                "seed": self.seed}


class SimpleRNN(CellLayer):
    """Mirrors keras.layers.SimpleRNN: RNN(SimpleRNNCell(...)) over (batch, timesteps,
    features), with the cell named "simple_rnn_cell" (weight paths
    "simple_rnn/simple_rnn_cell/kernel", ...). Runs as the engine's fused RNN op (see
    rnn.RNN for when it falls back to a per-step loop). `stateful=True` is not supported."""

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"
    cell_args = ("units", "activation", "use_bias", "kernel_initializer",
                 "recurrent_initializer", "bias_initializer", "kernel_regularizer",
                 "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
                 "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
                 "seed")

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        cell_kwargs = {k: v for k, v in locals().items() if k in self.cell_args}
        super().__init__(cell_kwargs, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = [InputSpec(ndim=3)]

    def get_config(self) -> dict:
        config = super().get_config()
        config.pop("seed", None)  # Keras's SimpleRNN config has no seed (its cell's has)
        return config
