"""The LSTMGrad kernel: backpropagation through time for the LSTM (see recurrent_grad.py for the
scheme, which the three gradient kernels share)."""

from __future__ import annotations

import numpy as np

from core_ir.ops.recurrent import LSTM_CELL

from .recurrent_base import (
    LSTM_EXP,
    LSTM_PERM,
    Setup,
    act_grad,
    activate,
    by_step,
    clip_scaled,
    exp_form,
    kept,
    lstm_exp_gates,
    needs_x,
    peepholes,
    project,
    scaled,
    setup,
    slot,
    state,
    state_out,
)
from .recurrent_grad import (
    begin,
    finish,
    held,
    input_grads,
    masked,
    pass_through,
    recurrent_grad,
    times_r,
    zero_absent,
)


def _cell_states(s: Setup, i, f, g, c0) -> tuple:
    """C [dirs, T, batch, hidden] from activated gates, and the forget factor as held."""
    ig = masked(s, i * g)
    f = held(s, f)
    C = np.empty_like(ig)
    c = c0
    for t in range(C.shape[1]):  # c_t = f_t c_{t-1} + i_t g_t runs over time: two ufuncs a step
        np.multiply(f[:, t], c, out=C[:, t])
        C[:, t] += ig[:, t]
        c = C[:, t]
    return C, f


def _lstm_exp_recompute(A: np.ndarray, H: int, clip: float | None) -> tuple:
    """Activate the exp-form gate buffer (-o, -i, -f, -2c) in place; returns the derivatives of
    the sigmoid gates and of the candidate."""
    mask = None
    if clip is not None:
        mask = np.abs(A) <= clip
        mask[..., 3 * H:] = np.abs(A[..., 3 * H:]) <= 2 * clip
        clip_scaled(A, clip, LSTM_EXP, H)
    lstm_exp_gates(A, H)
    S, g = A[..., :3 * H], A[..., 3 * H:]
    dS, dg = S * (1 - S), 1 - g * g
    if mask is not None:
        dS *= mask[..., :3 * H]
        dg *= mask[..., 3 * H:]
    return dS, dg


def _peephole_states(s: Setup, A, c0, peep, acts, coupled: int) -> tuple:
    """With peepholes i, f see c_{t-1} and o sees c_t: activations go step by step."""
    T, H = A.shape[1], A.shape[3] // 4
    f, g = slot(acts, 0), slot(acts, 1)
    dS = np.empty(A.shape[:3] + (3 * H,), A.dtype)
    dg, C = np.empty(A.shape[:3] + (H,), A.dtype), np.empty(A.shape[:3] + (H,), A.dtype)
    c = c0
    for t in range(T):  # the gates of step t need c_{t-1}
        a = A[:, t]
        a[..., H:2 * H] += peep[0] * c
        a[..., 2 * H:3 * H] += peep[2] * c
        dS[:, t, :, H:] = activate(f, a[..., H:3 * H], s.clip)
        dg[:, t] = activate(g, a[..., 3 * H:], s.clip)
        if coupled:
            np.subtract(1, a[..., H:2 * H], out=a[..., 2 * H:3 * H])
        new = a[..., 2 * H:3 * H] * c + a[..., H:2 * H] * a[..., 3 * H:]
        C[:, t] = new if s.time.valid is None else np.where(s.time.mask(t), new, c)
        c = C[:, t]
        a[..., :H] += peep[1] * c
        dS[:, t, :, :H] = activate(f, a[..., :H], s.clip)
    return dS, dg, C, held(s, A[..., 2 * H:3 * H])


def lstm_grad(X, W, R, B=None, sequence_lens=None, initial_h=None, initial_c=None, P=None,
               Y=None, dY=None, dY_h=None, dY_c=None, **attrs):
    s = setup(LSTM_CELL, LSTM_PERM[attrs["gate_order"]], X, W, R, B, sequence_lens, initial_h,
              attrs)
    c0 = state(initial_c, *s.h0.shape, s.layout, s.X.dtype)
    peep, coupled, H = peepholes(P, s.X.dtype), attrs["input_forget"], s.hidden
    _, h_prev, dYs, dh = begin(s, Y, dY, dY_h)
    hit = kept(Y, (X, W, R, B, sequence_lens, initial_h, initial_c, P))
    if hit is not None:  # the forward kernel's own activations
        A, C, tc = hit["gates"], hit["C"], hit["TC"]
        f_held = held(s, A[..., 2 * H:3 * H])
        derivs = None if _default_lstm(s) else (
            act_grad(slot(s.acts, 0), None, A[..., :3 * H]),
            act_grad(slot(s.acts, 1), None, A[..., 3 * H:]),
            act_grad(slot(s.acts, 2), C if needs_x(slot(s.acts, 2)) else None, tc))
    else:
        A, dS, dg, C, f_held = _lstm_recompute(s, h_prev, c0, peep, coupled)
        tc = C.copy()
        derivs = dS, dg, activate(slot(s.acts, 2), tc, None)
    K, Kc = _lstm_factors(A, C, tc, c0, coupled, derivs)
    if peep is not None:
        Kc += K[..., 0, :] * peep[1][:, None]
    DA, dh, dc = _lstm_loop(s, dYs, dh, masked(s, K), masked(s, Kc), f_held, peep, dY_c)
    dX, dW, dWb = input_grads(s, DA.reshape(A.shape), attrs["needs_dX"])
    dR = recurrent_grad(DA.reshape(A.shape), h_prev)
    dP = np.zeros((dh.shape[0], 3 * H), dh.dtype)
    if peep is not None:
        c_prev = np.concatenate([c0[:, None], C[:, :-1]], axis=1)
        dP = np.concatenate([(DA[..., j, :] * cs).sum(axis=(1, 2))
                             for j, cs in ((1, c_prev), (0, C), (2, c_prev))], axis=1)
    return zero_absent((*finish(s, dX, dW, dR, dWb, dWb, dh), state_out(s, dc), dP),
                        (X, W, R, B, initial_h, initial_c, P))


def _default_lstm(s: Setup) -> bool:
    return exp_form(s) and all(a[2].name == "Tanh" for a in s.acts)


def _lstm_factors(A, C, tc, c0, coupled: int, derivs) -> tuple:
    """Per step and gate (o, i, f, c), d gate pre-activation / d(dh or dc): K [dirs, T, batch, 4,
    hidden], and Kc = d c_t / d h_t. `derivs` are the activation derivatives of (o, i, f), c and
    h(c_t), or None for sigmoid, tanh, tanh: then they are formed in place from the gates (these
    are passes over every step's arrays, so no temporaries)."""
    H = A.shape[-1] // 4
    K = np.empty(A.shape[:3] + (4, H), A.dtype)
    K4, o, i, g = K.reshape(A.shape), A[..., :H], A[..., H:2 * H], A[..., 3 * H:]
    Kc = np.empty_like(tc)
    if derivs is None:
        np.subtract(1, A[..., :3 * H], out=K4[..., :3 * H])  # sigmoid' = s (1 - s)
        K4[..., :3 * H] *= A[..., :3 * H]
        np.multiply(g, g, out=K[..., 3, :])  # tanh' = 1 - t^2
        np.subtract(1, K[..., 3, :], out=K[..., 3, :])
        np.multiply(tc, tc, out=Kc)
        np.subtract(1, Kc, out=Kc)
    else:
        K4[..., :3 * H], K[..., 3, :], Kc[...] = derivs
    K[..., 0, :] *= tc  # h = o h(c): d/d o
    Kc *= o  # ... and d/d c
    if coupled:  # f = 1 - i: c_t = c_{t-1} + i (g - c_{t-1})
        K[:, :, :, 1] *= g - np.concatenate([c0[:, None], C[:, :-1]], axis=1)
        K[..., 2, :] = 0
    else:  # c_t = f c_{t-1} + i g
        K[..., 1, :] *= g
        K[:, 1:, :, 2] *= C[:, :-1]
        K[:, 0, :, 2] *= c0
    K[..., 3, :] *= i
    return K, Kc


def _lstm_recompute(s: Setup, h_prev, c0, peep, coupled: int) -> tuple:
    """The activated gates (o, i, f, c) of every step from h_{t-1}, their derivatives, the cell
    states and the forget factor as held."""
    H = s.hidden
    fast = exp_form(s, peep)
    sf = scaled(s, LSTM_EXP) if fast else s  # as the forward kernel did
    A = project(sf, sf.Wb + sf.Rb)
    A += times_r(h_prev, sf.R)
    i, f, g = A[..., H:2 * H], A[..., 2 * H:3 * H], A[..., 3 * H:]
    if peep is not None:
        return (A, *_peephole_states(s, A, c0, peep, s.acts, coupled))
    if fast:
        dS, dg = _lstm_exp_recompute(A, H, s.clip)
    else:
        dS = activate(slot(s.acts, 0), A[..., :3 * H], s.clip)  # o, i, f
        dg = activate(slot(s.acts, 1), g, s.clip)
    if coupled:
        np.subtract(1, i, out=f)
    return (A, dS, dg, *_cell_states(s, i, f, g, c0))


def _lstm_loop(s: Setup, dYs, dh, K, Kc, f_held, peep, dY_c) -> tuple:
    """The backward recurrence: returns the gate pre-activation gradients DA [dirs, T, batch, 4,
    hidden] (order o, i, f, c) and the gradients of the initial states."""
    dirs, T, batch, _, H = K.shape
    dc = state(dY_c, dirs, batch, H, s.layout, dh.dtype).copy()
    DA = np.empty_like(K)
    dh_prev, tmp = np.empty_like(dh), np.empty_like(dh)
    dc_in = dc[:, :, None]  # broadcasts over the i, f, c gates
    views = zip(*(reversed(by_step(a)) for a in (
        Kc, K[:, :, :, 0], K[:, :, :, 1:], f_held, DA, DA[:, :, :, 0], DA[:, :, :, 1:])))
    for t, (kc, k_o, k_ifc, f_t, da, da_o, da_ifc) in zip(reversed(range(T)), views):
        # backward through time: step t's gradient needs step t+1's
        if dYs is not None:
            dh += dYs[:, t]
        np.multiply(dh, kc, out=tmp)
        dc += tmp
        np.multiply(dh, k_o, out=da_o)
        np.multiply(dc_in, k_ifc, out=da_ifc)
        dc *= f_t
        if peep is not None:
            dc += da[:, :, 1] * peep[0] + da[:, :, 2] * peep[2]
        np.matmul(da.reshape(dirs, batch, 4 * H), s.R, out=dh_prev)
        pass_through(s, t, dh_prev, dh)
        dh, dh_prev = dh_prev, dh
    return DA, dh, dc
