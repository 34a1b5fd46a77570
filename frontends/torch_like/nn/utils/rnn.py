"""torch.nn.utils.rnn: PackedSequence and the pack / pad helpers.

Packing and padding move rows with one Gather each (index arrays computed on the host from the
lengths), so they are differentiable and traceable like any other op: the gradient of a packed
sequence flows back to the padded tensor it came from, and the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from core_ir import ops
from core_ir.tensor import Tensor as _CoreTensor

from ... import _dtypes
from ..._join_ops import cat
from ..._tensor import Tensor, call

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """Mirrors torch.nn.utils.rnn.PackedSequence: a namedtuple (data, batch_sizes,
    sorted_indices, unsorted_indices).

    `data` holds the steps of every sequence time-major: the first step of each sequence (longest
    first), then the second step of those at least two long, and so on; `batch_sizes[t]` says how
    many sequences step t has. Build one with pack_padded_sequence or pack_sequence, not by hand.
    Differences: there is only the CPU (`cuda()` raises, `is_cuda` is False).
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # torch's legacy form PackedSequence((data, batch_sizes))
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """Convert `data` (dtype); the index tensors stay int64, as in torch."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args, **kwargs) -> PackedSequence:
        return self.to(*args, **kwargs)

    def cuda(self, *args, **kwargs) -> PackedSequence:
        return self.to("cuda")  # raises: only the CPU exists

    def pin_memory(self) -> PackedSequence:
        return self

    def is_pinned(self) -> bool:
        return False

    @property
    def is_cuda(self) -> bool:
        return False

    def double(self) -> PackedSequence:
        return self.to(dtype=_dtypes.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=_dtypes.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=_dtypes.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=_dtypes.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=_dtypes.int32)

    def short(self) -> PackedSequence:
        return self.to(dtype=_dtypes.int16)

    def char(self) -> PackedSequence:
        return self.to(dtype=_dtypes.int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=_dtypes.uint8)


def _host(t) -> np.ndarray:
    return np.asarray(t.array if isinstance(t, _CoreTensor) else t)


def _ints(values) -> Tensor:
    return Tensor(np.asarray(values, np.int64))


def invert_permutation(permutation):
    """The inverse of a permutation tensor (None stays None)."""
    if permutation is None:
        return None
    p = _host(permutation)
    inverse = np.empty_like(p)
    inverse[p] = np.arange(p.size, dtype=p.dtype)
    return Tensor(inverse)


def _rows(x, index: np.ndarray):
    """x's rows (axis 0) picked by an int64 index array (any shape), differentiably."""
    return call(ops.gather, x, Tensor(index.astype(np.int64)), axis=0)


# -- the layout of packed data, from the batch sizes ------------------------------------------------
def batch_sizes_of(lengths: np.ndarray) -> np.ndarray:
    """lengths sorted in decreasing order -> how many sequences have each step."""
    steps = np.arange(int(lengths[0]) if lengths.size else 0)
    return (lengths[None, :] > steps[:, None]).sum(axis=1).astype(np.int64)


def lengths_of(batch_sizes: np.ndarray) -> np.ndarray:
    """The (decreasing) sequence lengths that give these batch sizes."""
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    return (batch_sizes[:, None] > np.arange(batch)[None, :]).sum(axis=0).astype(np.int64)


def packed_positions(batch_sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row of packed data (in order): its time step and its (sorted) batch index."""
    t = np.repeat(np.arange(batch_sizes.size), batch_sizes)
    starts = np.cumsum(batch_sizes) - batch_sizes
    return t, np.arange(t.size) - starts[t]


def padded_index(batch_sizes: np.ndarray, total_length: int) -> np.ndarray:
    """[total_length, batch] -> the packed row of each padded cell, or N (one past the last
    row) where the cell is padding."""
    t, b = packed_positions(batch_sizes)
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    index = np.full((total_length, batch), t.size, np.int64)
    index[t, b] = np.arange(t.size)
    return index


def pack_rows(padded, batch_sizes: np.ndarray, batch_first: bool = False):
    """A padded [T, B, *] (or [B, T, *]) tensor's valid cells, in packed order."""
    t, b = packed_positions(batch_sizes)
    T, B = (padded.shape[1], padded.shape[0]) if batch_first else padded.shape[:2]
    flat = padded.reshape(T * B, *padded.shape[2:])
    return _rows(flat, b * T + t if batch_first else t * B + b)


def unpack_rows(data, batch_sizes: np.ndarray, total_length: int, padding_value: float = 0.0):
    """Packed data [N, *] -> time-major padded [total_length, B, *] (sorted batch order)."""
    pad = Tensor(np.full((1, *data.shape[1:]), padding_value, data.dtype))
    return _rows(cat([data, pad], 0), padded_index(batch_sizes, total_length))


# -- the public functions ---------------------------------------------------------------------------
def _check_lengths(lengths: np.ndarray, batch: int, steps: int, enforce_sorted: bool) -> None:
    if lengths.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.size} (batch_size={batch})")
    if enforce_sorted and np.any(np.diff(lengths) > 0):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                           "pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if lengths.size and lengths.max() > steps:
        # torch reads past the end of the input here; refusing is the safe reading
        raise RuntimeError(f"pack_padded_sequence: a length of {int(lengths.max())} exceeds the "
                           f"{steps} time steps of the input")


def pack_padded_sequence(input, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Mirrors torch.nn.utils.rnn.pack_padded_sequence: pack a padded batch [T, B, *] (or
    [B, T, *] with batch_first) of sequences with the given lengths.

    With enforce_sorted=True the lengths must be decreasing (RuntimeError otherwise); with False
    the batch is sorted here and `sorted_indices` remembers how.
    Differences: a length beyond the input's time steps raises RuntimeError (torch reads past
    the end of the tensor).
    """
    lens = _host(lengths).astype(np.int64).reshape(-1)
    batch_dim = 0 if batch_first else 1
    _check_lengths(lens, input.shape[batch_dim], input.shape[1 - batch_dim], enforce_sorted)
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lens, kind="stable")
        sorted_indices = _ints(order)
        lens = lens[order]
        input = call(ops.gather, input, sorted_indices, axis=batch_dim)
    batch_sizes = batch_sizes_of(lens)
    data = pack_rows(input, batch_sizes, batch_first)
    return PackedSequence(data, _ints(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None):
    """Mirrors torch.nn.utils.rnn.pad_packed_sequence: the inverse of pack_padded_sequence.

    Returns (padded [T, B, *] or [B, T, *], lengths int64 [B]) in the original batch order;
    T is the longest length, or total_length (ValueError if shorter than the longest).
    """
    batch_sizes = _host(sequence.batch_sizes).astype(np.int64)
    steps = batch_sizes.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = total_length
    padded = unpack_rows(sequence.data, batch_sizes, steps, padding_value)
    if batch_first:
        padded = padded.transpose(0, 1)
    lengths = lengths_of(batch_sizes)
    if sequence.unsorted_indices is not None:
        padded = call(ops.gather, padded, sequence.unsorted_indices, axis=0 if batch_first else 1)
        lengths = lengths[_host(sequence.unsorted_indices)]
    return padded, _ints(lengths)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right"):
    """Mirrors torch.nn.utils.rnn.pad_sequence: stack sequences [L_i, *] into [max L, B, *]
    (or [B, max L, *]), filling with padding_value on the right (or the left)."""
    if not isinstance(sequences, Iterable):  # torch raises RuntimeError, not TypeError
        msg = f"pad_sequence: Expected iterable for input sequences, but got arg of type: " \
              f"{type(sequences)}"
        raise RuntimeError(msg)  # noqa: TRY004
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if any(s.ndim == 0 for s in sequences):
        raise RuntimeError("pad_sequence: every sequence needs a time axis (dim 0), got a 0-d "
                           "tensor")
    lens = np.array([s.shape[0] for s in sequences], np.int64)
    rows = cat(sequences, 0)
    steps, total = int(lens.max()), int(lens.sum())
    pad = Tensor(np.full((1, *rows.shape[1:]), padding_value, rows.dtype))
    # [B, T]: the row of `rows` each cell takes; padding cells take the pad row (`total`)
    at = (steps - lens if padding_side == "left" else np.zeros_like(lens))[:, None]
    t = np.arange(steps)[None, :]
    valid = (t >= at) & (t < at + lens[:, None])
    index = np.where(valid, (np.cumsum(lens) - lens)[:, None] + t - at, total)
    return _rows(cat([rows, pad], 0), index if batch_first else index.T)


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False) -> list:
    """Mirrors torch.nn.utils.rnn.unpad_sequence: the list of sequences [L_i, *] of a padded
    batch. Differences: the input is not transposed in place (torch transposes a
    batch_first=False input as a side effect)."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    lens = _host(lengths).astype(np.int64).reshape(-1)
    if lens.size != x.shape[0]:
        side = "shorter" if lens.size < x.shape[0] else "longer"
        raise ValueError(f"zip() argument 2 is {side} than argument 1 ({lens.size} lengths for "
                         f"a batch of {x.shape[0]})")
    return [x[b, :int(n)] for b, n in enumerate(lens)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Mirrors torch.nn.utils.rnn.pack_sequence: pack a list of sequences [L_i, *]."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """Mirrors torch.nn.utils.rnn.unpack_sequence: the list of sequences of a PackedSequence."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
