"""Running a cell over a whole sequence, two ways with the same results (Keras 3's semantics).

Masks (Keras's backend.rnn): at a masked step the states keep their previous values and the
output repeats the previous output (zeros before the first valid step). So the outputs only
change at valid steps, whatever the mask's pattern. The fused path uses that: it moves each
sequence's valid steps to the front (a stable per-row permutation), runs the engine's fused
LSTM/GRU/RNN op with sequence_lens = the number of valid steps, and reads the output of step t
back from compacted position (number of valid steps up to t) - 1. A right-padded mask (the
common case) makes the permutation the identity. The per-step loop is the reference formulation
(and runs cells the fused ops cannot: custom cells, other activations, recurrent dropout while
training); it needs a static number of timesteps.
"""

from __future__ import annotations

import numpy as np

from core_ir import ops as ir

from ...._tensor import call
from ... import ops
from ...backend import _tree
from ...ops._core import ints


# -- masks --------------------------------------------------------------------------------------
class Compaction:
    """The valid steps of each row moved to the front; see the module doc."""

    def __init__(self, mask):
        m = ops.cast(mask, "int32")
        self.counts = ops.cumsum(m, axis=1)  # valid steps up to and including t
        self.lens = ops.sum(m, axis=1)
        steps = ops.subtract(ops.cumsum(ops.ones_like(m), axis=1), 1)  # t, batch-shaped
        # valid steps sort by t, masked ones after all of them (by T + t)
        k = call(ir.slice_, call(ir.shape, m), ints([1]), ints([2]))  # T, also when dynamic
        key = ops.where(ops.cast(mask, "bool"), steps, ops.add(steps, ops.cast(k, "int32")))
        self.perm = call(ir.topk, key, k, axis=1, largest=0, sorted=1)[1]

    def gather_steps(self, x):
        return _gather_steps(x, self.perm)

    def spread_outputs(self, y):
        """Compacted outputs y (batch, T, u) back to every step (carried across masked ones)."""
        index = ops.maximum(ops.subtract(self.counts, 1), 0)
        out = _gather_steps(y, index)
        started = ops.expand_dims(ops.greater(self.counts, 0), -1)
        return ops.where(started, out, ops.zeros_like(out))

    def final_state(self, final, initial):
        """A fully masked row keeps its initial state."""
        return ops.where(ops.expand_dims(ops.greater(self.lens, 0), -1), final, initial)


def _gather_steps(x, index):
    """x[b, index[b, t], :] (batch, T', features); the index is broadcast against x by an add
    so that static dims stay static while tracing with a symbolic batch."""
    wide = ops.add(ops.expand_dims(ops.cast(index, "int64"), -1),
                   ops.zeros_like(x[:, :1, :], dtype="int64"))
    return call(ir.gather_elements, x, wide, axis=1)


# -- fused ----------------------------------------------------------------------------------------
def fused_cell(cell, spec, x, states: list, training, lens):
    """One cell over the (compacted) sequence x (batch, T, features) as a fused IR op; returns
    Y (batch, T, units) and the final states, each (batch, units)."""
    if training and cell.dropout > 0:
        dp_mask = cell.get_dropout_mask(x[:, 0, :])  # one mask for every step, as Keras's
        x = ops.multiply(x, ops.expand_dims(dp_mask, 1))
    h0 = [ops.expand_dims(s, 1) for s in states[:spec.num_states]]  # layout=1: (batch, 1, u)
    inputs = [x, ops.cast(spec.W, x.dtype), ops.cast(spec.R, x.dtype),
              None if spec.B is None else ops.cast(spec.B, x.dtype), lens, *h0]
    outs = call(spec.op, *inputs, **spec.attrs)
    y = ops.squeeze(outs[0], axis=2)
    return y, [ops.squeeze(s, axis=1) for s in outs[1:]]


def run_fused(cells_specs, x, states: list, mask, training):
    """cells_specs: [(cell, spec)] applied in turn (a stack feeds each output sequence to the
    next cell). states: per cell, its list of initial states. Returns (outputs (batch, T, u),
    per cell its final states)."""
    compaction = Compaction(mask) if mask is not None else None
    lens = None
    if compaction is not None:
        x, lens = compaction.gather_steps(x), compaction.lens
    finals = []
    for (cell, spec), initial in zip(cells_specs, states):
        x, final = fused_cell(cell, spec, x, initial, training, lens)
        if compaction is not None:
            final = [compaction.final_state(f, s) for f, s in zip(final, initial)]
        finals.append(final)
    if compaction is not None:
        x = compaction.spread_outputs(x)
    return x, finals


# -- per step -------------------------------------------------------------------------------------
def run_loop(step, x, initial_states: list, mask, layer_name: str):
    """Keras's backend.rnn over static timesteps: step(x_t, states) -> (output, new_states)."""
    steps = x.shape[1]
    if not isinstance(steps, (int, np.integer)):
        msg = (f"Layer '{layer_name}' needs a static number of timesteps to run its cell step "
               f"by step; received inputs of shape {tuple(x.shape)}")
        raise ValueError(msg)  # noqa: TRY004  (Keras's type)
    states, outputs, prev = list(initial_states), [], None
    for t in range(int(steps)):
        output, new_states = step(x[:, t], states)
        if not _tree.is_nested(new_states):
            new_states = [new_states]
        if mask is not None:
            keep = ops.expand_dims(mask[:, t], -1)
            prev = ops.zeros_like(output) if prev is None else prev
            output = ops.where(keep, output, prev)
            flat = [ops.where(keep, n, o) for n, o in
                    zip(_tree.flatten(new_states), _tree.flatten(states))]
            new_states = _tree.pack_sequence_as(new_states, flat)
        states, prev = list(new_states), output
        outputs.append(output)
    return ops.stack(outputs, axis=1), states
