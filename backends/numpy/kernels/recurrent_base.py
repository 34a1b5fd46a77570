"""Shared machinery of the recurrent kernels (recurrent.py: forward; recurrent_grad.py and
lstm_grad.py: backward): activation functions, time order and directions, layouts and gate order, the exp form
of sigmoid/tanh gates, and the activations the forward pass keeps for the backward pass.

Internal gate orders: LSTM (o, i, f, c), so that o, i, f (one activation) are contiguous and so are
i, f, c (scaled by the cell gradient in the backward pass); GRU (z, r, h), ONNX's own. Weights are
permuted into it once per call from the op's `gate_order`. Directions are a leading axis [dirs, ...]
of every buffer, so a bidirectional layer runs both directions in the same ufunc and matmul calls.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from core_ir.interpreters import is_grad_enabled
from core_ir.ops.recurrent import Cell, num_directions, resolve_activations

# source gate order -> the blocks, in source positions, that make the internal order
LSTM_PERM = {"iofc": (1, 0, 2, 3), "ifco": (3, 0, 1, 2)}  # internal (o, i, f, c)
GRU_PERM = {"zrh": (0, 1, 2), "rzh": (1, 0, 2)}  # internal (z, r, h)


# -- activations: forward src -> dst (may alias), derivative from the clipped input x and output y
def _sigmoid(x, out, a, b):
    np.negative(x, out=out)
    sigmoid_of_negated(out)


def sigmoid_of_negated(x: np.ndarray) -> None:
    """x holds -v; replace it by sigmoid(v) = 1 / (1 + e^-v), in place. numpy's float32 exp is
    about twice as fast as its tanh (e^-v overflowing to inf gives the right 0)."""
    np.exp(x, out=x)
    x += 1
    np.reciprocal(x, out=x)


def _affine(x, out, a, b):
    np.multiply(x, a, out=out)
    out += b


def _leaky_relu(x, out, a, b):
    np.multiply(x, np.where(x >= 0, 1.0, a).astype(x.dtype), out=out)


def _scaled_tanh(x, out, a, b):
    np.multiply(x, b, out=out)
    np.tanh(out, out=out)
    out *= a


def _hard_sigmoid(x, out, a, b):
    _affine(x, out, a, b)
    np.clip(out, 0, 1, out=out)


def _elu(x, out, a, b):
    np.copyto(out, np.where(x >= 0, x, a * np.expm1(np.minimum(x, 0))))


def _softsign(x, out, a, b):
    np.divide(x, 1 + np.abs(x), out=out)


class Act(NamedTuple):
    forward: Callable  # (x, out, alpha, beta) -> None
    grad: Callable  # (x, y, alpha, beta) -> dy/dx; x is None unless needs_x
    needs_x: bool


ACTS: dict[str, Act] = {
    "Sigmoid": Act(_sigmoid, lambda x, y, a, b: y * (1 - y), False),
    "Tanh": Act(lambda x, out, a, b: np.tanh(x, out=out), lambda x, y, a, b: 1 - y * y, False),
    "Relu": Act(lambda x, out, a, b: np.maximum(x, 0, out=out),
                lambda x, y, a, b: (y > 0).astype(y.dtype), False),
    "Affine": Act(_affine, lambda x, y, a, b: np.full_like(y, a), False),
    "LeakyRelu": Act(_leaky_relu, lambda x, y, a, b: np.where(x >= 0, 1, a).astype(y.dtype), True),
    "ThresholdedRelu": Act(lambda x, out, a, b: np.multiply(x, x > a, out=out),
                           lambda x, y, a, b: (x > a).astype(y.dtype), True),
    "ScaledTanh": Act(_scaled_tanh, lambda x, y, a, b: a * b * (1 - np.tanh(b * x) ** 2), True),
    "HardSigmoid": Act(_hard_sigmoid,
                       lambda x, y, a, b: np.where((y > 0) & (y < 1), a, 0).astype(y.dtype), False),
    "Elu": Act(_elu, lambda x, y, a, b: np.where(x >= 0, 1, y + a).astype(y.dtype), True),
    "Softsign": Act(_softsign, lambda x, y, a, b: 1 / (1 + np.abs(x)) ** 2, True),
    "Softplus": Act(lambda x, out, a, b: np.logaddexp(0, x, out=out),
                    lambda x, y, a, b: -np.expm1(-y), False),  # sigmoid(x) = 1 - e^-softplus(x)
}


def _same(specs) -> bool:
    return all(s == specs[0] for s in specs)


def act_forward(specs: tuple, x: np.ndarray, out: np.ndarray) -> None:
    """Apply one activation slot (an Activation per direction) to x [dirs, ...] into out."""
    if _same(specs):
        ACTS[specs[0].name].forward(x, out, specs[0].alpha, specs[0].beta)
        return
    for d, s in enumerate(specs):  # directions with different functions: at most two
        ACTS[s.name].forward(x[d], out[d], s.alpha, s.beta)


def activate(specs: tuple, a: np.ndarray, clip: float | None) -> np.ndarray:
    """Activate the pre-activations `a` [dirs, ...] in place (clip first) and return the
    derivative of the result with respect to the unclipped `a`."""
    mask = None
    if clip is not None:
        mask = np.abs(a) <= clip
        np.clip(a, -clip, clip, out=a)
    x = a.copy() if needs_x(specs) else None
    act_forward(specs, a, a)
    dy = act_grad(specs, x, a)
    return dy * mask if mask is not None else dy


def needs_x(specs: tuple) -> bool:
    return any(ACTS[s.name].needs_x for s in specs)


def act_grad(specs: tuple, x: np.ndarray | None, y: np.ndarray) -> np.ndarray:
    """dy/dx of one activation slot, from its input x (None unless needs_x) and output y."""
    if _same(specs):
        return ACTS[specs[0].name].grad(x, y, specs[0].alpha, specs[0].beta)
    return np.stack([ACTS[s.name].grad(None if x is None else x[d], y[d], s.alpha, s.beta)
                     for d, s in enumerate(specs)])


def slot(acts: tuple, k: int) -> tuple:
    """Activation slot k (f, g or h) of every direction."""
    return tuple(per_dir[k] for per_dir in acts)


def clip_(a: np.ndarray, clip: float | None) -> None:
    if clip is not None:
        np.clip(a, -clip, clip, out=a)


# -- time order and directions ---------------------------------------------------------------------
class Time:
    """Processing order per direction: a forward direction runs t = 0..T-1; a reverse one starts
    at each sequence's own last valid step (ONNX Runtime's semantics for sequence_lens). `valid`
    [T, batch] marks the steps inside each sequence (None when all are), in processing order,
    which is the same for both directions."""

    def __init__(self, steps: int, batch: int, lens: np.ndarray | None, direction: str):
        self.rev = {"forward": (False,), "reverse": (True,),
                    "bidirectional": (False, True)}[direction]
        self.valid = self.index = None
        if lens is not None:
            lens = np.clip(np.asarray(lens, np.int64), 0, steps)
            if not (lens == steps).all():
                t = np.arange(steps)[:, None]
                self.valid = t < lens[None, :]
                self.index = np.where(self.valid, lens[None, :] - 1 - t, t)

    def order(self, a: np.ndarray, d: int) -> np.ndarray:
        """a [T, batch, ...] between time order and direction d's processing order (both ways:
        the map is its own inverse)."""
        if not self.rev[d]:
            return a
        if self.index is None:
            return a[::-1]
        idx = self.index.reshape(self.index.shape + (1,) * (a.ndim - 2))
        return np.take_along_axis(a, idx, axis=0)

    def mask(self, t: int) -> np.ndarray:
        return self.valid[t][:, None]  # [batch, 1], broadcasts over [dirs, batch, hidden]


# -- setup: layouts, gate order, defaults --------------------------------------------------------
class Setup(NamedTuple):
    time: Time
    X: np.ndarray  # [T, batch, input], time order
    W: np.ndarray  # [dirs, gates*hidden, input], internal gate order
    R: np.ndarray  # [dirs, gates*hidden, hidden]
    Wb: np.ndarray  # [dirs, gates*hidden]
    Rb: np.ndarray
    h0: np.ndarray  # [dirs, batch, hidden]
    acts: tuple  # per direction: (f, g[, h])
    perm: tuple
    hidden: int
    clip: float | None
    layout: int


def by_step(a: np.ndarray, every_step: bool = True):
    """Step t's view a[:, t] of a [dirs, T, ...] buffer, for t = 0, 1, ... (iterating builds the
    views in C, cheaper than indexing in the loop); or a[:, 0] every time for a one-step buffer."""
    return a.swapaxes(0, 1) if every_step else itertools.repeat(a[:, 0])


def blocks(a: np.ndarray, perm: tuple, axis: int = 1) -> np.ndarray:
    """Reorder the gate blocks along `axis` (gates*hidden long)."""
    if perm == tuple(range(len(perm))):
        return a
    shape = a.shape[:axis] + (len(perm), -1) + a.shape[axis + 1:]
    return np.take(a.reshape(shape), perm, axis=axis).reshape(a.shape)


def inverse(perm: tuple) -> tuple:
    return tuple(int(i) for i in np.argsort(perm))


def state(t: np.ndarray | None, dirs: int, batch: int, hidden: int, layout: int, dtype):
    """An initial state (or a state cotangent) as [dirs, batch, hidden]."""
    if t is None:
        return np.zeros((dirs, batch, hidden), dtype)
    if layout:
        return np.ascontiguousarray(t.reshape(batch, dirs, hidden).transpose(1, 0, 2))
    return t.reshape(dirs, batch, hidden)


def setup(cell: Cell, perm: tuple, X, W, R, B, lens, initial_h, attrs: dict) -> Setup:
    # Sizes come from the attributes, and the reshapes below state the shapes they imply, so that
    # inputs which disagree fail (and the shape rule explains why) instead of broadcasting.
    layout, hidden = attrs["layout"], attrs["hidden_size"] or R.shape[-1]
    X = X.transpose(1, 0, 2) if layout else X
    dirs, batch, g = num_directions(attrs["direction"]), X.shape[1], cell.gates * hidden
    W, R = W.reshape(dirs, g, X.shape[2]), R.reshape(dirs, g, hidden)
    if B is None:
        Wb = Rb = np.zeros((dirs, g), X.dtype)
    else:
        B = B.reshape(dirs, 2 * g)
        Wb, Rb = blocks(B[:, :g], perm), blocks(B[:, g:], perm)
    acts = resolve_activations(cell, **attrs)
    return Setup(Time(X.shape[0], batch, lens, attrs["direction"]), X, blocks(W, perm),
                 blocks(R, perm), Wb, Rb, state(initial_h, dirs, batch, hidden, layout, X.dtype),
                 acts, perm, hidden, attrs["clip"], layout)


def project(s: Setup, bias: np.ndarray) -> np.ndarray:
    """X W^T + bias for every step at once, per direction in processing order: [dirs, T, batch,
    gates*hidden]."""
    T, batch, n_in = s.X.shape
    flat = s.X.reshape(T * batch, n_in)
    out = np.empty((len(s.time.rev), T, batch, s.W.shape[1]), s.X.dtype)
    for d in range(len(s.time.rev)):  # at most two directions
        proj = np.matmul(flat, s.W[d].T).reshape(T, batch, -1)
        np.add(s.time.order(proj, d), bias[d], out=out[d])
    return out


def seq_out(s: Setup, Y: np.ndarray) -> np.ndarray:
    """Y [dirs, T, batch, hidden] in processing order -> the op's Y in time order and layout."""
    for d in range(Y.shape[0]):  # at most two directions
        if s.time.rev[d]:
            Y[d] = s.time.order(Y[d], d)
    return np.ascontiguousarray(Y.transpose(2, 1, 0, 3) if s.layout else Y.transpose(1, 0, 2, 3))


def state_out(s: Setup, h: np.ndarray) -> np.ndarray:
    """A copy in the op's layout (h may be a view of a buffer that changes later)."""
    return h.transpose(1, 0, 2).copy() if s.layout else h.copy()


def keep_valid(s: Setup, t: int, Y: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Past a sequence's end its state holds and its output is zero. Returns the state."""
    m = s.time.mask(t)
    np.copyto(h, Y[:, t], where=m)
    Y[:, t] *= m
    return h


# -- the exp form of sigmoid/tanh gates ----------------------------------------------------------
# With the default activations (sigmoid gates, tanh candidate) the weights' gate rows are scaled
# once per call by -1 (sigmoid) or -2 (the LSTM's tanh candidate, tanh(v) = 2 sigmoid(2v) - 1), so
# the buffer a step's GEMM fills holds -v or -2v and ONE exp over all gates activates them.
LSTM_EXP = (-1.0, -1.0, -1.0, -2.0)  # internal order (o, i, f, c)
GRU_EXP = (-1.0, -1.0, 1.0)  # (z, r, h): h keeps np.tanh, applied after the reset gate


def exp_form(s: Setup, peep=None) -> bool:
    """Whether every direction uses Sigmoid for f and Tanh for g (and no peepholes)."""
    return peep is None and all(a[0].name == "Sigmoid" and a[1].name == "Tanh" for a in s.acts)


def scaled(s: Setup, scales: tuple) -> Setup:
    k = np.repeat(np.asarray(scales, s.X.dtype), s.hidden)
    return s._replace(W=s.W * k[:, None], R=s.R * k[:, None], Wb=s.Wb * k, Rb=s.Rb * k)


def clip_scaled(a: np.ndarray, clip: float | None, scales: tuple, hidden: int) -> None:
    """Clip gate buffer blocks that hold scale * v at |scale| * clip."""
    if clip is None:
        return
    for k, sc in enumerate(scales):  # a few gate blocks
        block = a[..., k * hidden:(k + 1) * hidden]
        np.clip(block, -abs(sc) * clip, abs(sc) * clip, out=block)


def lstm_exp_gates(gates: np.ndarray, hidden: int) -> None:
    """Activate an LSTM gate buffer holding (-o, -i, -f, -2c) pre-activations, in place."""
    sigmoid_of_negated(gates)
    cand = gates[..., 3 * hidden:]
    cand *= 2
    cand -= 1


# -- cell-specific pieces both passes use -------------------------------------------------------
def gru_bias(s: Setup, lbr: int) -> np.ndarray:
    """The bias added to the input projection: all of Wb and Rb, except Rb_h with
    linear_before_reset (it goes inside r * (h R_h^T + Rb_h))."""
    bias = s.Wb + s.Rb
    if lbr:
        bias[:, 2 * s.hidden:] -= s.Rb[:, 2 * s.hidden:]
    return bias


def peepholes(P: np.ndarray | None, dtype) -> tuple | None:
    """ONNX's P [dirs, 3*hidden] (order i, o, f) as three [dirs, 1, hidden] vectors."""
    if P is None:
        return None
    p_i, p_o, p_f = np.split(P.astype(dtype, copy=False), 3, axis=1)
    return p_i[:, None], p_o[:, None], p_f[:, None]


# -- activations the forward pass keeps for the backward pass -----------------------------------
# The gradient ops take the forward's Y and can recompute every gate from it. But the eager tape
# and the compiled plan both hand the forward kernel's own Y array to the gradient kernel; when
# that array and the same input arrays come back, the gradient kernel uses the gate activations
# the forward kernel kept, keyed by Y, for as long as Y lives. A cache, not state: a miss (other
# arrays, no grad mode, clip) recomputes the same numbers.
_KEPT: dict[int, tuple] = {}


def worth_keeping(s: Setup, slots: int) -> bool:
    """Keep activations only when gradients may follow and the derivatives need no
    pre-activations (no clip mask, no function whose derivative needs its input)."""
    return (is_grad_enabled() and s.clip is None
            and not any(needs_x(slot(s.acts, k)) for k in range(slots)))


def keep(Y: np.ndarray, inputs: tuple, **arrays) -> None:
    """Keep `arrays` for the gradient kernel, until Y is garbage."""
    key = id(Y)
    refs = tuple(None if x is None else weakref.ref(x) for x in inputs)
    _KEPT[key] = (weakref.ref(Y, lambda _, key=key: _KEPT.pop(key, None)), refs, arrays)


def kept(Y: np.ndarray | None, inputs: tuple) -> dict | None:
    """What the forward kernel that returned this very Y from these very inputs kept, or None."""
    hit = _KEPT.get(id(Y))
    if hit is None or hit[0]() is not Y:
        return None
    for ref, x in zip(hit[1], inputs):
        if (x is None) != (ref is None) or (ref is not None and ref() is not x):
            return None
    return hit[2]
