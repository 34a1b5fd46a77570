"""Kernels of the private gradient ops RNNGrad, GRUGrad, LSTMGrad: backpropagation through time.

The gate activations of every step come from the forward kernel when it kept them (see `keep` in
recurrent_base.py: the VJP hands this kernel the forward's own Y) or are recomputed: every h_{t-1}
is in Y, so the gate pre-activations of all steps come back in one GEMM (vectorized over time);
only the LSTM cell state, a running recurrence, is recomputed step by step (two ufuncs a step).
The activation derivatives are folded into per-step factors K, so each step's pre-activation
gradients are the incoming dh (or LSTM dc) times K. The loop over time (backwards) is left with
one GEMM (dh_{t-1} = da_t R) and a few ufuncs over [dirs, batch, hidden]; the weight gradients are
one GEMM each over all steps after it.

Past a sequence's end (sequence_lens) the factors are zero and the state gradient passes through
unchanged, since the forward pass held the state there.
"""

from __future__ import annotations

import numpy as np

from core_ir.ops.recurrent import GRU_CELL, RNN_CELL

from .recurrent_base import (
    GRU_EXP,
    GRU_PERM,
    Setup,
    act_grad,
    activate,
    blocks,
    clip_scaled,
    exp_form,
    gru_bias,
    inverse,
    kept,
    needs_x,
    project,
    scaled,
    setup,
    sigmoid_of_negated,
    slot,
    state,
    state_out,
)


# -- shared -----------------------------------------------------------------------------------------
def steps(s: Setup, seq: np.ndarray | None, shape: tuple) -> np.ndarray:
    """The op's Y-shaped array (Y or dY) as [dirs, T, batch, hidden] in processing order, with
    zeros past each sequence's end."""
    out = np.zeros(shape, s.X.dtype)
    if seq is None:
        return out
    seq = seq.transpose(2, 1, 0, 3) if s.layout else seq.transpose(1, 0, 2, 3)
    for d in range(shape[0]):  # at most two directions
        out[d] = s.time.order(seq[d], d)
    if s.time.valid is not None:
        out *= s.time.valid[None, :, :, None]
    return out


def begin(s: Setup, Y, dY, dY_h):
    """(Y and h_{t-1} of every step and dY (None if absent), all in processing order; dY_h as
    the first dh)."""
    dirs, T, batch, hidden = len(s.time.rev), s.X.shape[0], s.X.shape[1], s.hidden
    shape = (dirs, T, batch, hidden)
    Ys = steps(s, Y, shape)
    h_prev = np.empty(shape, s.X.dtype)
    h_prev[:, :1] = s.h0[:, None]
    h_prev[:, 1:] = Ys[:, :-1]
    dh = state(dY_h, dirs, batch, hidden, s.layout, s.X.dtype).copy()
    return Ys, h_prev, None if dY is None else steps(s, dY, shape), dh


def times_r(h: np.ndarray, R: np.ndarray) -> np.ndarray:
    """h R^T for h [dirs, T, batch, hidden] and R [dirs, n, hidden]: one GEMM per direction."""
    dirs, T, batch, hidden = h.shape
    return np.matmul(h.reshape(dirs, T * batch, hidden), R.transpose(0, 2, 1)).reshape(
        dirs, T, batch, -1)


def masked(s: Setup, k: np.ndarray) -> np.ndarray:
    """Zero a per-step factor [dirs, T, batch, ...] past each sequence's end."""
    if s.time.valid is not None:
        k *= s.time.valid.reshape((1,) + s.time.valid.shape + (1,) * (k.ndim - 3))
    return k


def held(s: Setup, factor: np.ndarray) -> np.ndarray:
    """A factor that multiplies the state gradient: 1 where the forward pass held the state."""
    if s.time.valid is None:
        return factor
    return np.where(s.time.valid[None, :, :, None], factor, 1).astype(factor.dtype)


def input_grads(s: Setup, DA: np.ndarray, needs_dX: int):
    """dX (time order, [T, batch, input]; zeros unless needs_dX), dW and dWb from the input-side
    pre-activation gradients DA [dirs, T, batch, gates*hidden]."""
    dirs, T, batch, G = DA.shape
    n_in = s.X.shape[2]
    dX, dW = np.zeros(s.X.shape, s.X.dtype), np.empty(s.W.shape, s.X.dtype)
    for d in range(dirs):  # at most two directions, one GEMM over all steps each
        flat = DA[d].reshape(T * batch, G)
        dW[d] = flat.T @ s.time.order(s.X, d).reshape(T * batch, n_in)
        if needs_dX:
            dX += s.time.order((flat @ s.W[d]).reshape(T, batch, n_in), d)
    return dX, dW, DA.sum(axis=(1, 2))


def sigmoid_exp(a: np.ndarray, clip: float | None) -> np.ndarray:
    """Sigmoid gates from a buffer holding -v (see exp_form), in place; returns the derivative."""
    mask = None if clip is None else np.abs(a) <= clip
    clip_scaled(a, clip, (1.0,), a.shape[-1])
    sigmoid_of_negated(a)
    dy = a * (1 - a)
    return dy if mask is None else dy * mask


def recurrent_grad(DA: np.ndarray, h: np.ndarray) -> np.ndarray:
    """dR from the recurrent-side pre-activation gradients and the h each one multiplied."""
    dirs, T, batch, G = DA.shape
    return np.matmul(DA.reshape(dirs, T * batch, G).transpose(0, 2, 1),
                     h.reshape(dirs, T * batch, -1))


def finish(s: Setup, dX, dW, dR, dWb, dRb, dh0) -> tuple:
    """Back to the op's layout and gate order."""
    inv = inverse(s.perm)
    dX = np.ascontiguousarray(dX.transpose(1, 0, 2)) if s.layout else dX
    dB = np.concatenate([blocks(dWb, inv), blocks(dRb, inv)], axis=1)
    return dX, blocks(dW, inv), blocks(dR, inv), dB, state_out(s, dh0)


def zero_absent(grads: tuple, inputs: tuple) -> tuple:
    """An absent optional input (B, initial states, P) gets a zero gradient."""
    return tuple(g if x is not None else np.zeros_like(g) for g, x in zip(grads, inputs))


def pass_through(s: Setup, t: int, dh_prev: np.ndarray, dh: np.ndarray) -> None:
    """Past a sequence's end h_t = h_{t-1}: its gradient goes straight on."""
    if s.time.valid is not None:
        dh_prev += dh * ~s.time.mask(t)


# -- RNN --------------------------------------------------------------------------------------------
def rnn_grad(X, W, R, B=None, sequence_lens=None, initial_h=None, Y=None, dY=None, dY_h=None,
              **attrs):
    s = setup(RNN_CELL, (0,), X, W, R, B, sequence_lens, initial_h, attrs)
    Ys, h_prev, dYs, dh = begin(s, Y, dY, dY_h)
    f = slot(s.acts, 0)
    if s.clip is None and not needs_x(f):  # the derivative from the outputs alone
        K = act_grad(f, None, Ys)
    else:
        A = project(s, s.Wb + s.Rb)
        A += times_r(h_prev, s.R)
        K = activate(f, A, s.clip)
    K = masked(s, K)
    DA, dh_prev = np.empty_like(K), np.empty_like(dh)
    for t in reversed(range(K.shape[1])):  # step t's gradient needs step t+1's
        if dYs is not None:
            dh += dYs[:, t]
        np.multiply(dh, K[:, t], out=DA[:, t])
        np.matmul(DA[:, t], s.R, out=dh_prev)
        pass_through(s, t, dh_prev, dh)
        dh, dh_prev = dh_prev, dh
    dX, dW, dWb = input_grads(s, DA, attrs["needs_dX"])
    return zero_absent(finish(s, dX, dW, recurrent_grad(DA, h_prev), dWb, dWb, dh),
                        (X, W, R, B, initial_h))


# -- GRU --------------------------------------------------------------------------------------------
def gru_grad(X, W, R, B=None, sequence_lens=None, initial_h=None, Y=None, dY=None, dY_h=None,
              **attrs):
    s = setup(GRU_CELL, GRU_PERM[attrs["gate_order"]], X, W, R, B, sequence_lens, initial_h, attrs)
    lbr, H = attrs["linear_before_reset"], s.hidden
    _, h_prev, dYs, dh = begin(s, Y, dY, dY_h)
    hit = kept(Y, (X, W, R, B, sequence_lens, initial_h))
    if hit is not None:  # the forward kernel's own activations
        A, q = hit["gates"], hit["q"]
        d_zr = act_grad(slot(s.acts, 0), None, A[..., :2 * H])
        dn = act_grad(slot(s.acts, 1), None, A[..., 2 * H:])
    else:
        A, q, d_zr, dn = _gru_recompute(s, h_prev, lbr)
    z, r, n = A[..., :H], A[..., H:2 * H], A[..., 2 * H:]
    Kz = masked(s, (h_prev - n) * d_zr[..., :H])
    Kn = masked(s, (1 - z) * dn)
    z_held = held(s, z)
    if lbr:
        grads = _gru_lbr_loop(s, h_prev, dYs, dh, Kz, Kn, z_held, r, q * d_zr[..., H:],
                              attrs["needs_dX"])
    else:
        grads = _gru_loop(s, h_prev, dYs, dh, Kz, Kn, z_held, r, r * h_prev,
                          masked(s, h_prev * d_zr[..., H:]), attrs["needs_dX"])
    return zero_absent(grads, (X, W, R, B, initial_h))


def _gru_recompute(s: Setup, h_prev, lbr: int) -> tuple:
    """The activated gates (z, r, h) of every step from h_{t-1}, q = h R_h^T + Rb_h (with
    linear_before_reset) and the derivatives of z, r and of h."""
    H = s.hidden
    fast = exp_form(s)
    sf = scaled(s, GRU_EXP) if fast else s  # as the forward kernel did
    A, q = project(sf, gru_bias(sf, lbr)), None
    if lbr:
        HR = times_r(h_prev, sf.R)
        A[..., :2 * H] += HR[..., :2 * H]
        q = HR[..., 2 * H:]
        q += s.Rb[:, None, None, 2 * H:]
    else:
        A[..., :2 * H] += times_r(h_prev, sf.R[:, :2 * H])
    zr = A[..., :2 * H]
    d_zr = sigmoid_exp(zr, s.clip) if fast else activate(slot(s.acts, 0), zr, s.clip)
    r = A[..., H:2 * H]
    A[..., 2 * H:] += r * q if lbr else times_r(r * h_prev, s.R[:, 2 * H:])
    return A, q, d_zr, activate(slot(s.acts, 1), A[..., 2 * H:], s.clip)


def _gru_lbr_loop(s: Setup, h_prev, dYs, dh, Kz, Kn, z_held, r, q_dr, needs_dX: int):
    """linear_before_reset: the recurrent-side gradients [da_z, da_r, d(h R_h^T)] are all dh
    times a factor, so one multiply and one GEMM per step."""
    dirs, T, batch, H = h_prev.shape
    K = np.stack([Kz, Kn * q_dr, Kn * r], axis=3)  # [dirs, T, batch, 3, hidden]
    DR, DH = np.empty_like(K), np.empty_like(h_prev)
    tmp = np.empty_like(dh)
    for t in reversed(range(T)):  # step t's gradient needs step t+1's
        cur = DH[:, t]
        np.add(dh, dYs[:, t], out=cur) if dYs is not None else np.copyto(cur, dh)
        np.multiply(cur[:, :, None], K[:, t], out=DR[:, t])
        np.matmul(DR[:, t].reshape(dirs, batch, 3 * H), s.R, out=dh)
        np.multiply(cur, z_held[:, t], out=tmp)
        dh += tmp
    DW = DR.copy()
    np.multiply(DH, Kn, out=DW[:, :, :, 2])
    DW, DR = DW.reshape(dirs, T, batch, 3 * H), DR.reshape(dirs, T, batch, 3 * H)
    dX, dW, dWb = input_grads(s, DW, needs_dX)
    return finish(s, dX, dW, recurrent_grad(DR, h_prev), dWb, DR.sum(axis=(1, 2)), dh)


def _gru_loop(s: Setup, h_prev, dYs, dh, Kz, Kn, z_held, r, rh, Kr, needs_dX: int):
    """linear_before_reset=0: d(r * h) = da_h R_h comes first (a second GEMM per step), then
    da_r = d(r * h) * h_{t-1} * f'."""
    dirs, T, batch, H = h_prev.shape
    R_zr, R_h = s.R[:, :2 * H], s.R[:, 2 * H:]
    DA = np.empty((dirs, T, batch, 3, H), h_prev.dtype)
    d_rh, tmp = np.empty_like(dh), np.empty_like(dh)
    for t in reversed(range(T)):  # step t's gradient needs step t+1's
        if dYs is not None:
            dh += dYs[:, t]
        np.multiply(dh, Kz[:, t], out=DA[:, t, :, 0])
        np.multiply(dh, Kn[:, t], out=DA[:, t, :, 2])
        np.matmul(DA[:, t, :, 2], R_h, out=d_rh)
        np.multiply(d_rh, Kr[:, t], out=DA[:, t, :, 1])
        np.multiply(dh, z_held[:, t], out=tmp)
        np.matmul(DA[:, t, :, :2].reshape(dirs, batch, 2 * H), R_zr, out=dh)
        dh += tmp
        d_rh *= r[:, t]
        dh += d_rh
    DA = DA.reshape(dirs, T, batch, 3 * H)
    dX, dW, dWb = input_grads(s, DA, needs_dX)
    dR = np.concatenate([recurrent_grad(DA[..., :2 * H], h_prev),
                         recurrent_grad(DA[..., 2 * H:], rh)], axis=1)
    return finish(s, dX, dW, dR, dWb, dWb, dh)
