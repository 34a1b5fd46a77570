"""Recurrent modules (torch.nn.modules.rnn): RNNBase, RNN, LSTM, GRU; the cells are in
rnn_cells.py, the lowering onto the fused IR ops in _recurrent.py."""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from ... import _dtypes
from ..._tensor import Tensor
from .. import init
from ..utils.rnn import PackedSequence, lengths_of, pack_rows, unpack_rows
from ._recurrent import GATES, run_layers
from ._util import empty_parameter
from .module import Module
from .rnn_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]


def _check_config(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                  proj_size) -> None:
    """torch's constructor checks, in torch's order and wording."""
    if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or \
            not 0 <= dropout <= 1:
        raise ValueError("dropout should be a number in range [0, 1] representing the "
                         "probability of an element being zeroed")
    if dropout > 0 and num_layers == 1:
        warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                      "non-zero dropout expects num_layers greater than 1, but got "
                      f"dropout={dropout} and num_layers={num_layers}", stacklevel=4)
    for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                              ("input_size", input_size, int), ("hidden_size", hidden_size, int)):
        if not isinstance(value, kind):
            raise TypeError(f"{name} should be of type {kind.__name__}, got: "
                            f"{type(value).__name__}")
        if kind is int and value <= 0:
            raise ValueError(f"{name} must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")
    if proj_size > 0:
        raise ValueError(f"LSTM with proj_size={proj_size}: projections (proj_size > 0) are not "
                         "supported in Duet; use proj_size=0")


class RNNBase(Module):
    """Mirrors torch.nn.RNNBase: the parameters, checks and forward shared by RNN, LSTM and GRU.

    Parameters per layer k and direction (suffix "_reverse" for the backward one), registered in
    torch's order: weight_ih_l{k} (gates*hidden, input), weight_hh_l{k} (gates*hidden, hidden),
    bias_ih_l{k}, bias_hh_l{k} (gates*hidden); all U(-1/sqrt(hidden), 1/sqrt(hidden)).
    Each layer runs as one fused IR op (both directions at once), see _recurrent.py.
    Differences: proj_size > 0 raises ValueError (projected LSTMs are not supported);
    flatten_parameters() is a no-op (as on torch's CPU).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        if mode not in GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        _check_config(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                      proj_size)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        self._make_parameters(GATES[mode] * hidden_size, device, dtype)
        self.reset_parameters()

    def _make_parameters(self, gate_size: int, device, dtype) -> None:
        dirs = 2 if self.bidirectional else 1
        for layer in range(self.num_layers):
            for direction in range(dirs):
                n_in = self.input_size if layer == 0 else self.hidden_size * dirs
                shapes = [(gate_size, n_in), (gate_size, self.hidden_size)]
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if self.bias:
                    shapes += [(gate_size,), (gate_size,)]
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                suffix = "_reverse" if direction == 1 else ""
                names = [n.format(layer, suffix) for n in names]
                for name, shape in zip(names, shapes):
                    setattr(self, name, empty_parameter(shape, dtype, device))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters per layer and direction: [[w_ih, w_hh, b_ih, b_hh], ...]."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op, as in torch on the CPU (cuDNN's packed weight buffer does not exist here)."""

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # -- checks ---------------------------------------------------------------------------------
    def check_input(self, input, batch_sizes) -> None:
        weight_dtype = self._flat_weights[0].dtype
        if input.dtype != weight_dtype:
            w, i = _dtypes.torch_name(weight_dtype), _dtypes.torch_name(input.dtype)
            raise ValueError(f"RNN input dtype ({i}) does not match weight dtype ({w}). Convert "
                             f"input: input.to({w}), or convert model: model.to({i})")
        expected_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_dim:
            raise RuntimeError(f"input must have {expected_dim} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            expected = (*input.shape[:-1], self.input_size)
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.size(-1)} (input of shape "
                               f"{tuple(input.shape)}, expected {expected})")

    def get_expected_hidden_size(self, input, batch_sizes) -> tuple:
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        dirs = 2 if self.bidirectional else 1
        return (self.num_layers * dirs, mini_batch, self.hidden_size)

    def check_hidden_size(self, hx, expected_hidden_size: tuple,
                          msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(tuple(expected_hidden_size), list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes) -> None:
        self.check_input(input, batch_sizes)
        if hidden is not None:
            self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        if permutation is None or hx is None:
            return hx
        return hx.index_select(1, permutation)

    # -- forward --------------------------------------------------------------------------------
    def _states(self, hx) -> tuple:
        """The state tensors the op takes, from the module's hx (None: zeros)."""
        return (hx,)

    def _unbatched_hx(self, hx):
        if hx.dim() != 2:
            raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                               f"{hx.dim()}-D tensor")
        return hx.unsqueeze(1)

    def _batched_hx(self, hx):
        if hx.dim() != 3:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                               f"{hx.dim()}-D tensor")
        return hx

    def _result_states(self, finals: tuple):
        return finals[0]

    def _squeeze_states(self, hidden):
        return hidden.squeeze(1)

    def _run(self, x, hx, layout: int, lengths=None):
        finals_in = self._states(hx)
        y, finals = run_layers(self.mode, x, finals_in, self.all_weights,
                               num_layers=self.num_layers, bidirectional=self.bidirectional,
                               hidden_size=self.hidden_size, dropout=self.dropout,
                               training=self.training, layout=layout, lengths=lengths)
        return y, self._result_states(finals)

    def forward(self, input, hx=None):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        if input.dim() not in (2, 3):
            tensor = " tensor" if self.mode.startswith("RNN") else ""  # torch's RNN wording
            raise ValueError(f"{self._get_name()}: Expected input to be 2D or 3D, got "
                             f"{input.dim()}D{tensor} instead (input of shape "
                             f"{tuple(input.shape)})")
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
        if hx is not None:
            hx = self._batched_hx(hx) if batched else self._unbatched_hx(hx)
        self.check_forward_args(input, hx, None)
        output, hidden = self._run(input, hx, int(self.batch_first))
        if not batched:
            output, hidden = output.squeeze(batch_dim), self._squeeze_states(hidden)
        return output, hidden

    def _forward_packed(self, packed: PackedSequence, hx):
        """torch's semantics: the batch runs sorted by length (hx is permuted into that order
        and the final states back out of it); padded steps never reach the output, and each
        sequence's final state is the one of its last valid step (the ops' sequence_lens)."""
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        sizes = np.asarray(batch_sizes.array, np.int64)
        self.check_forward_args(data, hx, sizes)
        hx = self.permute_hidden(hx, sorted_indices)
        padded = unpack_rows(data, sizes, sizes.size)
        y, hidden = self._run(padded, hx, 0, Tensor(lengths_of(sizes)))
        output = PackedSequence(pack_rows(y, sizes), batch_sizes, sorted_indices,
                                unsorted_indices)
        return output, self.permute_hidden(hidden, unsorted_indices)


class RNN(RNNBase):
    """Mirrors torch.nn.RNN: h_t = nonlinearity(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),
    nonlinearity 'tanh' or 'relu'.

    forward(input, hx=None) -> (output, h_n). input [T, B, input_size] ([B, T, ...] with
    batch_first), unbatched [T, input_size], or a PackedSequence; hx [layers*dirs, B, hidden].
    output [T, B, dirs*hidden]; h_n [layers*dirs, B, hidden].
    Example: rnn = nn.RNN(10, 20, 2); output, h_n = rnn(torch.randn(5, 3, 10)).
    Differences: see RNNBase.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None, dtype=None,
                 **kwargs) -> None:
        _reject_proj_size(kwargs)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class GRU(RNNBase):
    """Mirrors torch.nn.GRU: r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z likewise,
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h; gate blocks r, z, n.

    forward(input, hx=None) -> (output, h_n), shapes as nn.RNN.
    Example: gru = nn.GRU(10, 20, batch_first=True); output, h_n = gru(torch.randn(3, 5, 10)).
    Differences: see RNNBase.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None, **kwargs) -> None:
        _reject_proj_size(kwargs)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)


class LSTM(RNNBase):
    """Mirrors torch.nn.LSTM: i, f, o = sigmoid(...), g = tanh(...) (gate blocks i, f, g, o),
    c' = f * c + i * g, h' = o * tanh(c').

    forward(input, hx=None) -> (output, (h_n, c_n)); hx = (h_0, c_0), each
    [layers*dirs, B, hidden] (or 2-D for unbatched input); other shapes as nn.RNN.
    Example: lstm = nn.LSTM(10, 20, num_layers=2); output, (h_n, c_n) = lstm(x).
    Differences: proj_size > 0 raises ValueError; see RNNBase.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device=device, dtype=dtype)

    def get_expected_cell_size(self, input, batch_sizes) -> tuple:
        return self.get_expected_hidden_size(input, batch_sizes)

    def check_forward_args(self, input, hidden, batch_sizes) -> None:
        self.check_input(input, batch_sizes)
        if hidden is None:
            return
        if not isinstance(hidden, (tuple, list)) or len(hidden) != 2:
            raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0) of two tensors, got "
                            f"{type(hidden).__name__}")
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        if permutation is None or hx is None:
            return hx
        return hx[0].index_select(1, permutation), hx[1].index_select(1, permutation)

    def _states(self, hx) -> tuple:
        return (None, None) if hx is None else (hx[0], hx[1])

    def _pair(self, hx):
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0) of two tensors, got "
                            f"{type(hx).__name__}")
        return hx

    def _unbatched_hx(self, hx):
        h, c = self._pair(hx)
        if h.dim() != 2 or c.dim() != 2:
            raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D but got "
                               f"({h.dim()}-D, {c.dim()}-D) tensors")
        return h.unsqueeze(1), c.unsqueeze(1)

    def _batched_hx(self, hx):
        h, c = self._pair(hx)
        if h.dim() != 3 or c.dim() != 3:
            raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D but got "
                               f"({h.dim()}-D, {c.dim()}-D) tensors")
        return h, c

    def _result_states(self, finals: tuple):
        return finals

    def _squeeze_states(self, hidden):
        return hidden[0].squeeze(1), hidden[1].squeeze(1)


def _reject_proj_size(kwargs: dict) -> None:
    if "proj_size" in kwargs:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
    if kwargs:
        raise TypeError(f"RNNBase.__init__() got an unexpected keyword argument "
                        f"'{next(iter(kwargs))}'")
