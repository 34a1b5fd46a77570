"""GRUCell and GRU (gate order z, r, h; reset_after=True keeps a second, recurrent bias)."""

from __future__ import annotations

from core_ir import ops as ir

from ... import ops
from .._input_spec import InputSpec
from .._utils import ser_activation
from ._cell_base import RecurrentCell
from .rnn import CellLayer


class GRUCell(RecurrentCell):
    """Mirrors keras.layers.GRUCell: one GRU step, h = z * h_{t-1} + (1 - z) * hh. With
    reset_after=True (the default) the reset gate multiplies the recurrent product plus its own
    bias, and bias has shape (2, 3u) (input bias row, recurrent bias row) = ONNX's
    linear_before_reset=1; with reset_after=False it multiplies h_{t-1} first and bias is (3u,)."""

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 reset_after=True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)
        self._init_gates(recurrent_activation)
        self.reset_after = reset_after
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(input_shape[-1])
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._add_bias(shape, self.bias_initializer)

    def _biases(self):
        if self.bias is None:
            return [None] * 3, [None] * 3
        if not self.reset_after:
            return ops.split(self.bias, 3, axis=0), [None] * 3
        return ops.split(self.bias[0], 3, axis=0), ops.split(self.bias[1], 3, axis=0)

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        xs = self._dropped(inputs, self.get_dropout_mask(inputs), training)
        hs = self._dropped(h_tm1, self.get_recurrent_dropout_mask(h_tm1), training)
        kernels = ops.split(self.kernel, 3, axis=1)
        recurrent = ops.split(self.recurrent_kernel, 3, axis=1)
        in_bias, rec_bias = self._biases()
        x = [_affine(xi, k, b) for xi, k, b in zip(xs, kernels, in_bias)]
        z = self.recurrent_activation(ops.add(x[0], _affine(hs[0], recurrent[0], rec_bias[0])))
        r = self.recurrent_activation(ops.add(x[1], _affine(hs[1], recurrent[1], rec_bias[1])))
        if self.reset_after:
            rec_h = ops.multiply(r, _affine(hs[2], recurrent[2], rec_bias[2]))
        else:
            rec_h = ops.matmul(ops.multiply(r, hs[2]), recurrent[2])
        hh = self.activation(ops.add(x[2], rec_h))
        h = ops.add(ops.multiply(z, h_tm1), ops.multiply(ops.subtract(1.0, z), hh))
        return h, [h] if isinstance(states, (list, tuple)) else h

    def _fused_activations(self) -> list:
        return [self.recurrent_activation, self.activation]

    def _fused_op(self):
        return ir.gru, {"gate_order": "zrh", "linear_before_reset": int(self.reset_after)}

    def _fused_bias(self):
        if self.bias is None or not self.reset_after:
            return super()._fused_bias()
        return ops.reshape(self.bias, (1, 6 * self.units))  # Wb row ++ Rb row

    def get_config(self) -> dict:
        return {**super().get_config(), **self._common_config(),
                "recurrent_activation": ser_activation(self.recurrent_activation),
                **self._weights_config(), "reset_after": self.reset_after, "seed": self.seed}


def _affine(x, kernel, bias):
    y = ops.matmul(x, kernel)
    return y if bias is None else ops.add(y, bias)


class GRU(CellLayer):
    """Mirrors keras.layers.GRU: RNN(GRUCell(...)) with the cell named "gru_cell" (weight paths
    "gru/gru_cell/kernel", ...); runs as the engine's fused GRU op (linear_before_reset =
    reset_after; see rnn.RNN for when it falls back to a per-step loop). `use_cudnn` is accepted
    and ignored; `stateful=True` is not supported."""

    cell_class = GRUCell
    cell_name = "gru_cell"
    cell_args = ("units", "activation", "recurrent_activation", "use_bias",
                 "kernel_initializer", "recurrent_initializer", "bias_initializer",
                 "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                 "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
                 "recurrent_dropout", "reset_after", "seed")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        cell_kwargs = {k: v for k, v in locals().items() if k in self.cell_args}
        super().__init__(cell_kwargs, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, use_cudnn=use_cudnn,
                         **kwargs)
        self.input_spec = InputSpec(ndim=3)
