"""Recurrent ops: RNN, GRU, LSTM (ONNX semantics plus torch/Keras gate-order attributes), and their
private gradient ops RNNGrad, GRUGrad, LSTMGrad.

ONNX layouts throughout: W [dirs, gates*hidden, input], R [dirs, gates*hidden, hidden],
B [dirs, 2*gates*hidden] = Wb ++ Rb, P [dirs, 3*hidden] (LSTM peepholes, order i, o, f); layout=0
is [seq, batch, ...] data, layout=1 [batch, seq, ...]. `gate_order` says how the gate blocks of
W, R and B are stacked: LSTM "iofc" (ONNX) or "ifco" (torch and Keras: i, f, g/c, o); GRU "zrh"
(ONNX and Keras) or "rzh" (torch: r, z, n). A frontend packs its biases into B (torch's bias_ih ++
bias_hh; Keras's single bias as Wb with Rb = 0, or its reset_after (2, 3u) bias row by row) and
stacks layers itself. sequence_lens is honoured as ONNX Runtime does: steps past a sequence's
length give zeros in Y, the final states are those of its last valid step, and the reverse
direction starts at each sequence's own last valid step.

Gradients: each op's VJP calls its private *Grad op, which takes the forward inputs, the forward
output Y and the cotangents of the outputs, and returns the gradients of every float input. That
is all it needs: every h_{t-1} is in Y, so a grad kernel can recompute the gate pre-activations of
all steps at once (one GEMM, vectorized over time) and loop over time only for the backward
recurrence (and, in the LSTM, the cell state). So the forward outputs stay exactly ONNX's, with no
stash output; a backend may still reuse what its forward kernel computed when handed that
kernel's own Y (the NumPy backend does, see backends/numpy/kernels/recurrent_base.py).
"""

from __future__ import annotations

from typing import NamedTuple

from .. import dtypes
from ..errors import GradientError, OpAttributeError, ShapeError, fmt_shape
from ..interpreters import TypeSpec, is_grad_enabled
from ..op import PRIVATE_DOMAIN, Attr, defop
from ..shape_rules import check_dtype, dtype_checked, same_dtypes

# name -> (default alpha, default beta); None: the function takes no such parameter. Defaults are
# those of the ONNX operators of the same name. Matching is case-insensitive, as ONNX Runtime's.
ACTIVATIONS: dict[str, tuple[float | None, float | None]] = {
    "Relu": (None, None), "Tanh": (None, None), "Sigmoid": (None, None),
    "Affine": (1.0, 0.0), "LeakyRelu": (0.01, None), "ThresholdedRelu": (1.0, None),
    "ScaledTanh": (1.0, 1.0), "HardSigmoid": (0.2, 0.5), "Elu": (1.0, None),
    "Softsign": (None, None), "Softplus": (None, None),
}
_BY_LOWER = {k.lower(): k for k in ACTIVATIONS}


class Activation(NamedTuple):
    name: str
    alpha: float | None
    beta: float | None


class Cell(NamedTuple):
    """What distinguishes the three ops: gate count, activation slots and their defaults."""

    name: str
    gates: int
    default_activations: tuple


LSTM_CELL = Cell("LSTM", 4, ("Sigmoid", "Tanh", "Tanh"))
GRU_CELL = Cell("GRU", 3, ("Sigmoid", "Tanh"))
RNN_CELL = Cell("RNN", 1, ("Tanh",))

COMMON_ATTRS = {
    "activation_alpha": Attr("floats", None), "activation_beta": Attr("floats", None),
    "activations": Attr("any", None),  # a list of names, per direction (ONNX strings)
    "clip": Attr("float", None),
    "direction": Attr("str", "forward", ("forward", "reverse", "bidirectional")),
    "hidden_size": Attr("int", None),
    "layout": Attr("int", 0, (0, 1)),
}
LSTM_ATTRS = {**COMMON_ATTRS, "input_forget": Attr("int", 0, (0, 1)),
              "gate_order": Attr("str", "iofc", ("iofc", "ifco"))}
GRU_ATTRS = {**COMMON_ATTRS, "linear_before_reset": Attr("int", 0, (0, 1)),
             "gate_order": Attr("str", "zrh", ("zrh", "rzh"))}
RNN_ATTRS = dict(COMMON_ATTRS)
# The gradient ops take the forward attributes, and whether dX is wanted (X is often data): with
# needs_dX=0 they skip its GEMM and return zeros in its place.
GRAD_ATTR = {"needs_dX": Attr("int", 1, (0, 1))}


def num_directions(direction: str) -> int:
    return 2 if direction == "bidirectional" else 1


def resolve_activations(cell: Cell, direction: str, activations=None, activation_alpha=None,
                        activation_beta=None, **_) -> tuple:
    """One tuple of Activation per direction. As in ONNX Runtime, the alpha (beta) list is
    consumed in order by the functions that take an alpha (beta); a list for one direction of a
    bidirectional op serves both."""
    n, dirs = len(cell.default_activations), num_directions(direction)
    names = list(cell.default_activations if activations is None else activations)
    if len(names) == n and dirs == 2:
        names = names * 2
    if len(names) != n * dirs:
        raise OpAttributeError(f"{cell.name} with direction='{direction}' takes {n * dirs} "
                               f"activations ({n} per direction), got {list(names)}")
    alphas, betas = list(activation_alpha or ()), list(activation_beta or ())
    resolved = []
    for name in names:
        canon = _BY_LOWER.get(str(name).lower())
        if canon is None:
            raise OpAttributeError(f"{cell.name} activation {name!r} is not one of "
                                   f"{', '.join(ACTIVATIONS)}")
        a, b = ACTIVATIONS[canon]
        a = alphas.pop(0) if a is not None and alphas else a
        b = betas.pop(0) if b is not None and betas else b
        resolved.append(Activation(canon, a, b))
    return tuple(tuple(resolved[d * n:(d + 1) * n]) for d in range(dirs))


# -- shape rules ----------------------------------------------------------------------------------
def _fits(shape: tuple, expected: tuple) -> bool:
    """Same rank, and equal wherever both dims are static (a symbol matches anything)."""
    return len(shape) == len(expected) and all(
        a == b or not isinstance(a, int) or not isinstance(b, int) for a, b in zip(shape, expected))


class Dims(NamedTuple):
    seq: object
    batch: object
    input: object
    hidden: object
    dirs: int


def _dims(cell: Cell, X, W, R, hidden_size, direction: str, layout: int) -> Dims:
    data = "[batch_size, seq_length, input_size]" if layout else "[seq_length, batch_size, input_size]"
    if X.ndim != 3:
        raise ShapeError(f"{cell.name} expects X of rank 3 {data} (layout={layout}), got X of "
                         f"shape {fmt_shape(X.shape)} (W of shape {fmt_shape(W.shape)})")
    seq, batch = (X.shape[1], X.shape[0]) if layout else (X.shape[0], X.shape[1])
    hidden = hidden_size if hidden_size is not None else (R.shape[-1] if R.ndim == 3 else None)
    dirs, gh = num_directions(direction), _times(cell.gates, hidden)
    expected_w = (dirs, gh, X.shape[2])
    if not _fits(W.shape, expected_w):
        raise ShapeError(f"{cell.name} W of shape {fmt_shape(W.shape)} does not fit X of shape "
                         f"{fmt_shape(X.shape)} with hidden_size={hidden} and direction="
                         f"'{direction}': expected {fmt_shape(expected_w)} [num_directions, "
                         f"{cell.gates}*hidden_size, input_size]")
    if not _fits(R.shape, (dirs, gh, hidden)):
        raise ShapeError(f"{cell.name} R of shape {fmt_shape(R.shape)} does not fit hidden_size="
                         f"{hidden} (W of shape {fmt_shape(W.shape)}): expected "
                         f"{fmt_shape((dirs, gh, hidden))} [num_directions, "
                         f"{cell.gates}*hidden_size, hidden_size]")
    return Dims(seq, batch, X.shape[2], hidden, dirs)


def _times(k: int, d):
    return k * d if isinstance(d, int) else None


def _check_optional(cell: Cell, name: str, t, expected: tuple, what: str) -> None:
    if t is not None and not _fits(t.shape, expected):
        raise ShapeError(f"{cell.name} {name} of shape {fmt_shape(t.shape)} does not fit: "
                         f"expected {fmt_shape(expected)} {what}")


def _state_shape(d: Dims, layout: int) -> tuple:
    return (d.batch, d.dirs, d.hidden) if layout else (d.dirs, d.batch, d.hidden)


def _output_types(cell: Cell, X, W, R, B, sequence_lens, initial_h, initial_c=None, P=None,
                  **attrs) -> list[TypeSpec]:
    """The forward op's rule, shared by the gradient ops: checks every input, returns Y, Y_h
    (and Y_c)."""
    check_dtype(X, dtypes.FLOATS, "X")
    same_dtypes(*[t for t in (X, W, R, B, initial_h, initial_c, P) if t is not None])
    layout = attrs.get("layout", 0)
    d = _dims(cell, X, W, R, attrs.get("hidden_size"), attrs.get("direction", "forward"), layout)
    resolve_activations(cell, **attrs)
    state = _state_shape(d, layout)
    states = "[batch_size, num_directions, hidden_size]" if layout else \
        "[num_directions, batch_size, hidden_size]"
    _check_optional(cell, "B", B, (d.dirs, _times(2 * cell.gates, d.hidden)),
                    f"[num_directions, {2 * cell.gates}*hidden_size]")
    _check_optional(cell, "initial_h", initial_h, state, states)
    _check_optional(cell, "initial_c", initial_c, state, states)
    _check_optional(cell, "P", P, (d.dirs, _times(3, d.hidden)), "[num_directions, 3*hidden_size]")
    if sequence_lens is not None:
        check_dtype(sequence_lens, {dtypes.int32, dtypes.int64}, "sequence_lens")
        _check_optional(cell, "sequence_lens", sequence_lens, (d.batch,), "[batch_size]")
    y = (d.batch, d.seq, d.dirs, d.hidden) if layout else (d.seq, d.dirs, d.batch, d.hidden)
    n_states = 2 if cell is LSTM_CELL else 1
    return [TypeSpec(X.dtype, y)] + [TypeSpec(X.dtype, state)] * n_states


def _forward_rule(cell: Cell):
    def rule(X, W, R, B=None, sequence_lens=None, initial_h=None, initial_c=None, P=None,
             **attrs):
        return _output_types(cell, X, W, R, B, sequence_lens, initial_h, initial_c, P, **attrs)

    return dtype_checked(rule, dtypes.FLOATS, homogeneous=False)


def _grad_rule(cell: Cell):
    """Inputs: the forward inputs, Y, then the cotangents of the forward outputs (None for a
    zero). Outputs: the gradients of the float forward inputs, shaped like them; an absent
    optional input gets zeros of the shape it would have."""
    lstm = cell is LSTM_CELL

    def rule(*args, **attrs):
        X, W, R, B, seq, h0 = args[:6]
        c0, P = args[6:8] if lstm else (None, None)
        Y, *cotangents = args[8:] if lstm else args[6:]
        outs = _output_types(cell, X, W, R, B, seq, h0, c0, P, **attrs)
        for name, t, spec in zip(("Y", "dY", "dY_h", "dY_c"), [Y, *cotangents], [outs[0], *outs]):
            _check_optional(cell, name, t, spec.shape, "(the forward output's shape)")
        g = outs[0].shape[-1] if isinstance(outs[0].shape[-1], int) else None
        dirs = W.shape[0]
        grads = [TypeSpec(X.dtype, X.shape), TypeSpec(X.dtype, W.shape),
                 TypeSpec(X.dtype, R.shape),
                 TypeSpec(X.dtype, (dirs, _times(2 * cell.gates, g))), outs[1]]
        if lstm:
            grads += [outs[2], TypeSpec(X.dtype, (dirs, _times(3, g)))]
        return grads

    return dtype_checked(rule, dtypes.FLOATS, homogeneous=False)


# -- VJPs -------------------------------------------------------------------------------------------
def _no_double_backward(name: str) -> None:
    """The *Grad ops have no VJP of their own (double backward through a recurrence is rare; torch
    supports it, we do not). A silent zero second derivative would be wrong, so say so."""
    if is_grad_enabled():
        raise GradientError(f"{name}: differentiating its gradient (create_graph=True, double "
                            f"backward) is not supported for recurrent ops")


def _present(t, grad):
    return grad if t is not None else None


def _present_if(flag: bool, grad):
    return grad if flag else None


def _lstm_vjp(g, out, X, W, R, B=None, sequence_lens=None, initial_h=None, initial_c=None,
              P=None, **attrs):
    _no_double_backward("LSTM")
    dX, dW, dR, dB, dh, dc, dP = lstm_grad(X, W, R, B, sequence_lens, initial_h, initial_c, P,
                                           out[0], *g, needs_dX=int(X.requires_grad), **attrs)
    return (_present_if(X.requires_grad, dX), dW, dR, _present(B, dB), None,
            _present(initial_h, dh), _present(initial_c, dc), _present(P, dP))


def _gru_rnn_vjp(name: str):
    def vjp(g, out, X, W, R, B=None, sequence_lens=None, initial_h=None, **attrs):
        _no_double_backward(name)
        grad_op = gru_grad if name == "GRU" else rnn_grad
        dX, dW, dR, dB, dh = grad_op(X, W, R, B, sequence_lens, initial_h, out[0], *g,
                                     needs_dX=int(X.requires_grad), **attrs)
        return _present_if(X.requires_grad, dX), dW, dR, _present(B, dB), None, \
            _present(initial_h, dh)

    return vjp


lstm = defop("LSTM", infer=_forward_rule(LSTM_CELL), vjp=_lstm_vjp, attrs=LSTM_ATTRS,
             num_outputs=3, doc="Y, Y_h, Y_c of a one-layer LSTM (ONNX), see the module doc.")
gru = defop("GRU", infer=_forward_rule(GRU_CELL), vjp=_gru_rnn_vjp("GRU"), attrs=GRU_ATTRS,
            num_outputs=2, doc="Y, Y_h of a one-layer GRU (ONNX), see the module doc.")
rnn = defop("RNN", infer=_forward_rule(RNN_CELL), vjp=_gru_rnn_vjp("RNN"), attrs=RNN_ATTRS,
            num_outputs=2, doc="Y, Y_h of a one-layer simple RNN (ONNX), see the module doc.")

# The gradient ops are not differentiable (vjp=None): see _no_double_backward. Their cases check
# them against finite differences of an independent forward reference instead.
lstm_grad = defop("LSTMGrad", infer=_grad_rule(LSTM_CELL), vjp=None,
                  attrs={**LSTM_ATTRS, **GRAD_ATTR},
                  domain=PRIVATE_DOMAIN, num_outputs=7,
                  doc="(X, W, R, B, sequence_lens, initial_h, initial_c, P, Y, dY, dY_h, dY_c) "
                      "-> (dX, dW, dR, dB, dinitial_h, dinitial_c, dP)")
gru_grad = defop("GRUGrad", infer=_grad_rule(GRU_CELL), vjp=None, attrs={**GRU_ATTRS, **GRAD_ATTR},
                 domain=PRIVATE_DOMAIN, num_outputs=5,
                 doc="(X, W, R, B, sequence_lens, initial_h, Y, dY, dY_h) "
                     "-> (dX, dW, dR, dB, dinitial_h)")
rnn_grad = defop("RNNGrad", infer=_grad_rule(RNN_CELL), vjp=None, attrs={**RNN_ATTRS, **GRAD_ATTR},
                 domain=PRIVATE_DOMAIN, num_outputs=5,
                 doc="(X, W, R, B, sequence_lens, initial_h, Y, dY, dY_h) "
                     "-> (dX, dW, dR, dB, dinitial_h)")

__all__ = ["gru", "gru_grad", "lstm", "lstm_grad", "rnn", "rnn_grad"]
