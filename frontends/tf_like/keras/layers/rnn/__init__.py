"""Recurrent layers (Keras 3): SimpleRNN, LSTM, GRU, their cells, RNN, StackedRNNCells and
Bidirectional, computed with the engine's fused recurrent ops (see _execution.py)."""

from __future__ import annotations

from .bidirectional import Bidirectional
from .gru import GRU, GRUCell
from .lstm import LSTM, LSTMCell
from .rnn import RNN
from .simple_rnn import SimpleRNN, SimpleRNNCell
from .stacked_rnn_cells import StackedRNNCells

__all__ = ["GRU", "LSTM", "RNN", "Bidirectional", "GRUCell", "LSTMCell", "SimpleRNN",
           "SimpleRNNCell", "StackedRNNCells"]
