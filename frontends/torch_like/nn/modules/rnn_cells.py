"""Recurrent cells (torch.nn.RNNCell, LSTMCell, GRUCell): one time step each.

A step is the fused recurrent op run over a sequence of length one (see _recurrent.py), so a
cell computes exactly what one step of nn.RNN/LSTM/GRU computes, with the same gate layouts.
"""

from __future__ import annotations

import math

from .. import init
from ._recurrent import run_layers
from ._util import empty_parameter
from .module import Module

__all__ = ["GRUCell", "LSTMCell", "RNNCell", "RNNCellBase"]


class RNNCellBase(Module):
    """Mirrors torch.nn.RNNCellBase: weight_ih (chunks*hidden, input), weight_hh
    (chunks*hidden, hidden), bias_ih, bias_hh (chunks*hidden); all U(-1/sqrt(hidden),
    1/sqrt(hidden))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gates = num_chunks * hidden_size
        self.weight_ih = empty_parameter((gates, input_size), dtype, device)
        self.weight_hh = empty_parameter((gates, hidden_size), dtype, device)
        if bias:
            self.bias_ih = empty_parameter((gates,), dtype, device)
            self.bias_hh = empty_parameter((gates,), dtype, device)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    # -- shared forward machinery ---------------------------------------------------------------
    def _check_ranks(self, input, states: dict) -> None:
        name = self._get_name()
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead "
                             f"(input of shape {tuple(input.shape)})")
        for label, t in states.items():
            if t is not None and t.dim() not in (1, 2):
                raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {t.dim()}D "
                                 f"instead ({label} of shape {tuple(t.shape)})")

    def _check_shapes(self, input, states: list) -> None:
        """torch's check_rnn_cell_forward_input / _hidden, with both shapes added."""
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected "
                               f"{self.input_size} (input of shape {tuple(input.shape)})")
        for k, h in enumerate(states):
            shapes = f"(input of shape {tuple(input.shape)}, hidden{k} of shape {tuple(h.shape)})"
            if input.size(0) != h.size(0):
                raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{k} "
                                   f"batch size {h.size(0)} {shapes}")
            if h.dim() < 2 or h.size(1) != self.hidden_size:
                got = h.size(1) if h.dim() > 1 else None
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {got}, "
                                   f"expected {self.hidden_size} {shapes}")

    def _step(self, mode: str, input, states: list, labels: dict) -> tuple:
        """One step from input [B, in] or [in] and states [B, hidden] or [hidden] (None:
        zeros); returns the new states, unbatched when the input was."""
        self._check_ranks(input, labels)
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            states = [None if s is None else s.unsqueeze(0) for s in states]
        self._check_shapes(input, [s for s in states if s is not None])
        weights = [(self.weight_ih, self.weight_hh) + (
            (self.bias_ih, self.bias_hh) if self.bias_ih is not None else ())]
        _, finals = run_layers(mode, input.unsqueeze(0),
                               tuple(None if s is None else s.unsqueeze(0) for s in states),
                               weights, num_layers=1, bidirectional=False,
                               hidden_size=self.hidden_size)
        return tuple(f.squeeze(0) if batched else f.reshape(self.hidden_size) for f in finals)


class RNNCell(RNNCellBase):
    """Mirrors torch.nn.RNNCell: h' = nonlinearity(x W_ih^T + b_ih + h W_hh^T + b_hh).

    forward(input [B, input_size] or [input_size], hx=None) -> h' [B, hidden] (or [hidden]).
    An unknown nonlinearity raises RuntimeError at forward, as in torch.
    Example: cell = nn.RNNCell(10, 20); h = cell(torch.randn(3, 10), h).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        return self._step(mode, input, [hx], {"hidden": hx})[0]


class LSTMCell(RNNCellBase):
    """Mirrors torch.nn.LSTMCell: one LSTM step (gate blocks i, f, g, o).

    forward(input [B, input_size] or [input_size], hx=(h, c) or None) -> (h', c').
    Example: cell = nn.LSTMCell(10, 20); h, c = cell(torch.randn(3, 10), (h, c)).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        states = [None, None] if hx is None else list(hx)
        if len(states) != 2:
            raise TypeError(f"LSTMCell: hx must be a tuple (h, c) of two tensors, got "
                            f"{len(states)}")
        h, c = self._step("LSTM", input, states, {"hx[0]": states[0], "hx[1]": states[1]})
        return h, c


class GRUCell(RNNCellBase):
    """Mirrors torch.nn.GRUCell: one GRU step (gate blocks r, z, n; the reset gate applied after
    the recurrent matmul, as torch).

    forward(input [B, input_size] or [input_size], hx=None) -> h' [B, hidden] (or [hidden]).
    Example: cell = nn.GRUCell(10, 20); h = cell(torch.randn(3, 10), h).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        return self._step("GRU", input, [hx], {"hidden": hx})[0]
