"""LSTMCell and LSTM (gate order i, f, c, o in Keras's kernel, recurrent_kernel and bias)."""

from __future__ import annotations

from core_ir import ops as ir

from ... import initializers, ops
from .._input_spec import InputSpec
from .._utils import ser_activation
from ._cell_base import RecurrentCell
from .rnn import CellLayer


class LSTMCell(RecurrentCell):
    """Mirrors keras.layers.LSTMCell: one LSTM step, states [h, c]; weights kernel
    (input_dim, 4u) glorot_uniform, recurrent_kernel (u, 4u) orthogonal, bias (4u,) zeros
    with ones in the forget block when `unit_forget_bias`. With recurrent_dropout (Keras's
    implementation=1) each gate gets its own dropout masks."""

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)
        self._init_gates(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        init = self.bias_initializer
        if self.unit_forget_bias:
            base, u = self.bias_initializer, self.units

            def init(shape, dtype=None):
                parts = [base((u,), dtype=dtype), initializers.get("ones")((u,), dtype=dtype),
                         base((2 * u,), dtype=dtype)]
                return ops.concatenate(parts, axis=0)
        self._add_bias((4 * self.units,), init)

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        xs = self._dropped(inputs, self.get_dropout_mask(inputs), training)
        hs = self._dropped(h_tm1, self.get_recurrent_dropout_mask(h_tm1), training)
        kernels = ops.split(self.kernel, 4, axis=1)
        recurrent = ops.split(self.recurrent_kernel, 4, axis=1)
        biases = ops.split(self.bias, 4, axis=0) if self.bias is not None else [None] * 4
        z = []
        for x, h, k, r, b in zip(xs, hs, kernels, recurrent, biases):
            pre = ops.add(ops.matmul(x, k), ops.matmul(h, r))
            z.append(pre if b is None else ops.add(pre, b))
        i = self.recurrent_activation(z[0])
        f = self.recurrent_activation(z[1])
        c = ops.add(ops.multiply(f, c_tm1), ops.multiply(i, self.activation(z[2])))
        o = self.recurrent_activation(z[3])
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]

    def _fused_activations(self) -> list:
        return [self.recurrent_activation, self.activation, self.activation]

    def _fused_op(self):
        return ir.lstm, {"gate_order": "ifco"}

    def get_config(self) -> dict:
        return {**super().get_config(), **self._common_config(),
                "recurrent_activation": ser_activation(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias, **self._weights_config(),
                "seed": self.seed}


class LSTM(CellLayer):
    """Mirrors keras.layers.LSTM: RNN(LSTMCell(...)) with the cell named "lstm_cell" (weight
    paths "lstm/lstm_cell/kernel", ...); runs as the engine's fused LSTM op (see rnn.RNN for
    when it falls back to a per-step loop). `use_cudnn` is accepted and ignored (no GPU);
    `stateful=True` is not supported."""

    cell_class = LSTMCell
    cell_name = "lstm_cell"
    cell_args = ("units", "activation", "recurrent_activation", "use_bias",
                 "kernel_initializer", "recurrent_initializer", "bias_initializer",
                 "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                 "bias_regularizer", "kernel_constraint", "recurrent_constraint",
                 "bias_constraint", "dropout", "recurrent_dropout", "seed")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        cell_kwargs = {k: v for k, v in locals().items() if k in self.cell_args}
        super().__init__(cell_kwargs, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, use_cudnn=use_cudnn,
                         **kwargs)
        self.input_spec = InputSpec(ndim=3)
