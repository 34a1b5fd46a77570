"""The lowering shared by nn.RNN/LSTM/GRU and the cells: stacked layers onto the fused IR ops.

One LSTM / GRU / RNN op per layer runs both directions of that layer (ONNX's
direction="bidirectional"), so a layer's forward is one kernel call and its backward one gradient
kernel call. torch's layouts are handed to the op as attributes, never reordered by hand:
gate_order "ifco" (LSTM i, f, g, o) and "rzh" (GRU r, z, n), linear_before_reset=1 (torch's GRU
applies the reset gate after the recurrent matmul), B = bias_ih ++ bias_hh per direction, and
layout=1 for batch_first data.
"""

from __future__ import annotations

from core_ir import ops

from ..._join_ops import cat, stack
from ..._tensor import Tensor, call, const_ints
from .. import functional as F

GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_OPS = {"LSTM": ops.lstm, "GRU": ops.gru, "RNN_TANH": ops.rnn, "RNN_RELU": ops.rnn}


def op_attrs(mode: str, hidden_size: int, bidirectional: bool, layout: int) -> dict:
    attrs = {"hidden_size": hidden_size, "layout": layout,
             "direction": "bidirectional" if bidirectional else "forward"}
    if mode == "LSTM":
        attrs["gate_order"] = "ifco"
    elif mode == "GRU":
        attrs.update(gate_order="rzh", linear_before_reset=1)
    else:
        attrs["activations"] = ["Relu" if mode == "RNN_RELU" else "Tanh"]
    return attrs


def _by_direction(tensors: list):
    """[dirs, ...] from one tensor per direction."""
    return tensors[0].unsqueeze(0) if len(tensors) == 1 else stack(tensors)


def layer_weights(per_direction: list) -> tuple:
    """W, R, B of one layer from torch's (w_ih, w_hh[, b_ih, b_hh]) per direction."""
    W = _by_direction([p[0] for p in per_direction])
    R = _by_direction([p[1] for p in per_direction])
    B = _by_direction([cat([p[2], p[3]]) for p in per_direction]) \
        if len(per_direction[0]) == 4 else None
    return W, R, B


def _layer_state(state, layer: int, dirs: int, num_layers: int, layout: int):
    """torch's state [layers*dirs, batch, hidden] -> this layer's, in the op's layout."""
    if state is None:
        return None
    s = state if num_layers == 1 else state[layer * dirs:(layer + 1) * dirs]
    return s.transpose(0, 1) if layout else s


def _layer_output(y, dirs: int, layout: int):
    """The op's Y ([T, dirs, B, H] or [B, T, dirs, H]) -> torch's [T, B, dirs*H] (or
    [B, T, dirs*H])."""
    if dirs == 1:
        return y.squeeze(2 if layout else 1)
    # Reshape's 0 copies a dim, so a symbolic batch or time axis survives tracing
    return call(ops.reshape, y if layout else y.transpose(1, 2), const_ints([0, 0, -1]))


def run_layers(mode: str, x, states: tuple, weights: list, *, num_layers: int,
               bidirectional: bool, hidden_size: int, dropout: float = 0.0,
               training: bool = False, layout: int = 0, lengths: Tensor | None = None):
    """Run a stack of recurrent layers.

    x: [T, B, input] (layout 0) or [B, T, input] (layout 1). states: (h0,) or (h0, c0), each
    [layers*dirs, B, hidden] or None (zeros). weights: one (w_ih, w_hh[, b_ih, b_hh]) per layer
    and direction, torch's order. lengths: int64 [B] sequence lengths (packed input) or None.
    Returns the last layer's output [T, B, dirs*hidden] (or batch first) and the final states in
    torch's [layers*dirs, B, hidden] form.
    """
    dirs = 2 if bidirectional else 1
    attrs = op_attrs(mode, hidden_size, bidirectional, layout)
    finals: list[list] = [[] for _ in states]
    for layer in range(num_layers):
        W, R, B = layer_weights(weights[layer * dirs:(layer + 1) * dirs])
        init = [_layer_state(s, layer, dirs, num_layers, layout) for s in states]
        y, *last = call(_OPS[mode], x, W, R, B, lengths, *init, **attrs)
        for kept, s in zip(finals, last):
            kept.append(s.transpose(0, 1) if layout else s)
        x = _layer_output(y, dirs, layout)
        if dropout and training and layer < num_layers - 1:  # between layers, as torch
            x = F.dropout(x, dropout, True)
    return x, tuple(k[0] if len(k) == 1 else cat(k, 0) for k in finals)
