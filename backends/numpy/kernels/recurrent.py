"""Kernels of the recurrent ops RNN, GRU, LSTM (forward). The gradient kernels are in
recurrent_grad.py and lstm_grad.py, the machinery they share in recurrent_base.py.

Speed: the input projection of every step is one GEMM over all time steps; the loop runs over time
only, because step t needs h_{t-1}; each step does one GEMM for all gates at once (a GRU without
linear_before_reset needs a second one) and applies each activation to a slice of one gate buffer,
in place.
"""

from __future__ import annotations

import numpy as np

from core_ir import ops
from core_ir.ops.recurrent import GRU_CELL, LSTM_CELL, RNN_CELL

from .lstm_grad import lstm_grad
from .recurrent_base import (
    GRU_EXP,
    GRU_PERM,
    LSTM_EXP,
    LSTM_PERM,
    Setup,
    act_forward,
    by_step,
    clip_,
    clip_scaled,
    exp_form,
    gru_bias,
    keep,
    keep_valid,
    lstm_exp_gates,
    peepholes,
    project,
    scaled,
    seq_out,
    setup,
    sigmoid_of_negated,
    slot,
    state,
    state_out,
    worth_keeping,
)
from .recurrent_grad import gru_grad, rnn_grad


# -- RNN --------------------------------------------------------------------------------------------
def _rnn(X, W, R, B=None, sequence_lens=None, initial_h=None, **attrs):
    s = setup(RNN_CELL, (0,), X, W, R, B, sequence_lens, initial_h, attrs)
    xp = project(s, s.Wb + s.Rb)
    dirs, T, batch, hidden = xp.shape
    RT, f = s.R.transpose(0, 2, 1), slot(s.acts, 0)
    Y = np.empty_like(xp)
    a = np.empty((dirs, batch, hidden), xp.dtype)
    h = s.h0 if s.time.valid is None else s.h0.copy()
    for t in range(T):  # the recurrence: step t needs h_{t-1}, so only time is looped
        np.matmul(h, RT, out=a)
        a += xp[:, t]
        clip_(a, s.clip)
        act_forward(f, a, Y[:, t])
        h = Y[:, t] if s.time.valid is None else keep_valid(s, t, Y, h)
    h_last = state_out(s, h)  # before seq_out reorders Y, which h may be a view of
    return seq_out(s, Y), h_last


# -- GRU --------------------------------------------------------------------------------------------
def _gru(X, W, R, B=None, sequence_lens=None, initial_h=None, **attrs):
    s = setup(GRU_CELL, GRU_PERM[attrs["gate_order"]], X, W, R, B, sequence_lens, initial_h, attrs)
    fast = exp_form(s)
    s = scaled(s, GRU_EXP) if fast else s
    lbr, H = attrs["linear_before_reset"], s.hidden
    xp = project(s, gru_bias(s, lbr))
    dirs, T, batch, _ = xp.shape
    f, g = slot(s.acts, 0), slot(s.acts, 1)
    RT = np.ascontiguousarray(s.R.transpose(0, 2, 1))  # [dirs, hidden, 3*hidden]
    RT_zr, RT_h = (RT, None) if lbr else (RT[..., :2 * H].copy(), RT[..., 2 * H:].copy())
    Rb_h = s.Rb[:, None, 2 * H:]
    Y = np.empty((dirs, T, batch, H), xp.dtype)
    hr = np.empty((dirs, batch, 3 * H if lbr else 2 * H), xp.dtype)
    # z, r, h of every step (and q = h R_h^T + Rb_h) when kept for the backward pass, else one
    keeping = worth_keeping(s, 2)
    S = np.empty((dirs, T if keeping else 1, batch, 3 * H), xp.dtype)
    Q = np.empty(S.shape[:3] + (H,), xp.dtype) if lbr else None
    tmp = np.empty((dirs, batch, H), xp.dtype)
    h = s.h0 if s.time.valid is None else s.h0.copy()
    for t in range(T):  # the recurrence: step t needs h_{t-1}, so only time is looped
        k = t if keeping else 0
        zr, n = S[:, k, :, :2 * H], S[:, k, :, 2 * H:]
        z, r = zr[..., :H], zr[..., H:]
        np.matmul(h, RT_zr, out=hr)
        np.add(hr[..., :2 * H], xp[:, t, :, :2 * H], out=zr)
        clip_(zr, s.clip)
        if fast:
            sigmoid_of_negated(zr)
        else:
            act_forward(f, zr, zr)
        if lbr:  # n = g(x W_h^T + Wb_h + r * (h R_h^T + Rb_h))
            np.add(hr[..., 2 * H:], Rb_h, out=Q[:, k])
            np.multiply(Q[:, k], r, out=n)
        else:  # n = g(x W_h^T + Wb_h + Rb_h + (r * h) R_h^T)
            np.multiply(r, h, out=tmp)
            np.matmul(tmp, RT_h, out=n)
        n += xp[:, t, :, 2 * H:]
        clip_(n, s.clip)
        act_forward(g, n, n)
        np.subtract(h, n, out=tmp)  # h_t = (1 - z) n + z h_{t-1} = n + z (h_{t-1} - n)
        tmp *= z
        np.add(n, tmp, out=Y[:, t])
        h = Y[:, t] if s.time.valid is None else keep_valid(s, t, Y, h)
    h_last = state_out(s, h)  # before seq_out reorders Y, which h may be a view of
    Y = seq_out(s, Y)
    if keeping:
        keep(Y, (X, W, R, B, sequence_lens, initial_h), gates=S, q=Q)
    return Y, h_last


# -- LSTM -------------------------------------------------------------------------------------------
def _lstm(X, W, R, B=None, sequence_lens=None, initial_h=None, initial_c=None, P=None, **attrs):
    s = setup(LSTM_CELL, LSTM_PERM[attrs["gate_order"]], X, W, R, B, sequence_lens, initial_h,
              attrs)
    c = state(initial_c, *s.h0.shape, s.layout, s.X.dtype).copy()
    peep, coupled = peepholes(P, s.X.dtype), attrs["input_forget"]
    fast = exp_form(s, peep)
    s = scaled(s, LSTM_EXP) if fast else s
    xp = project(s, s.Wb + s.Rb)
    dirs, T, batch, G = xp.shape
    H, h_act = s.hidden, slot(s.acts, 2)
    RT = np.ascontiguousarray(s.R.transpose(0, 2, 1))
    Y = np.empty((dirs, T, batch, H), xp.dtype)
    # gates, c_t and h(c_t) of every step when kept for the backward pass, else one step's worth
    keeping = worth_keeping(s, 3)
    S = np.empty((dirs, T if keeping else 1, batch, G), xp.dtype)
    C, TC = np.empty(S.shape[:3] + (H,), xp.dtype), np.empty(S.shape[:3] + (H,), xp.dtype)
    ig = np.empty_like(c)
    h = s.h0 if s.time.valid is None else s.h0.copy()
    views = zip(by_step(xp), *(by_step(a, keeping) for a in (
        S, S[..., :H], S[..., H:2 * H], S[..., 2 * H:3 * H], S[..., 3 * H:], C, TC)), by_step(Y))
    for t, (x_t, gates, o, i, fg, cg, c_new, tc, y_t) in enumerate(views):
        # the recurrence: step t needs h_{t-1}, so only time is looped
        np.matmul(h, RT, out=gates)
        gates += x_t
        if fast:
            clip_scaled(gates, s.clip, LSTM_EXP, H)
            lstm_exp_gates(gates, H)
        else:
            lstm_gates(s, gates, c, peep)
        if coupled:
            np.subtract(1, i, out=fg)
        np.multiply(i, cg, out=ig)
        if s.time.valid is None:
            np.multiply(fg, c, out=c_new)
            c_new += ig
        else:  # past a sequence's end c holds
            ig += fg * c
            np.copyto(c_new, c)
            np.copyto(c_new, ig, where=s.time.mask(t))
        c = c_new
        if peep is not None:  # o sees c_t
            o += peep[1] * c
            clip_(o, s.clip)
            act_forward(slot(s.acts, 0), o, o)
        act_forward(h_act, c, tc)
        np.multiply(o, tc, out=y_t)
        h = y_t if s.time.valid is None else keep_valid(s, t, Y, h)
    h_last = state_out(s, h)  # before seq_out reorders Y, which h may be a view of
    Y = seq_out(s, Y)
    if keeping:
        keep(Y, (X, W, R, B, sequence_lens, initial_h, initial_c, P), gates=S, C=C, TC=TC)
    return Y, h_last, state_out(s, c)


def lstm_gates(s: Setup, gates: np.ndarray, c: np.ndarray, peep) -> None:
    """Any activations: f on o, i, f and g on the candidate, in place (o waits for c_t when there
    are peepholes; i and f see c_{t-1})."""
    H, f = s.hidden, slot(s.acts, 0)
    if peep is None:
        clip_(gates, s.clip)
        act_forward(f, gates[..., :3 * H], gates[..., :3 * H])  # o, i, f at once
    else:
        gates[..., H:2 * H] += peep[0] * c
        gates[..., 2 * H:3 * H] += peep[2] * c
        clip_(gates[..., H:], s.clip)
        act_forward(f, gates[..., H:3 * H], gates[..., H:3 * H])
    act_forward(slot(s.acts, 1), gates[..., 3 * H:], gates[..., 3 * H:])


KERNELS = {
    ops.lstm: _lstm,
    ops.gru: _gru,
    ops.rnn: _rnn,
    ops.lstm_grad: lstm_grad,
    ops.gru_grad: gru_grad,
    ops.rnn_grad: rnn_grad,
}
