"""Cases for the recurrent ops RNN, GRU, LSTM and their gradient ops.

The reference is a plain loop written from the ONNX equations: one sequence at a time (so
sequence_lens is just a shorter loop), gates picked out of W, R, B by the letters of `gate_order`.
The gradient ops' reference is central finite differences of that forward reference.
"""

from __future__ import annotations

import numpy as np

from core_ir import ops

from . import RNG, OpCase

ORDER = {"LSTM": "iofc", "GRU": "zrh", "RNN": "i"}
DEFAULT_ACTS = {"LSTM": ("Sigmoid", "Tanh", "Tanh"), "GRU": ("Sigmoid", "Tanh"), "RNN": ("Tanh",)}
REF_ACTS = {
    "Sigmoid": lambda x, a, b: 1 / (1 + np.exp(-x)), "Tanh": lambda x, a, b: np.tanh(x),
    "Relu": lambda x, a, b: np.maximum(x, 0), "LeakyRelu": lambda x, a, b: np.where(x < 0, a * x, x),
    "Softsign": lambda x, a, b: x / (1 + np.abs(x)),
}
REF_DEFAULT_ALPHA = {"LeakyRelu": 0.01}


# -- the reference ----------------------------------------------------------------------------------
def _acts(op: str, attrs: dict, dirs: int) -> list:
    names = list(attrs.get("activations") or DEFAULT_ACTS[op])
    names = names * dirs if len(names) == len(DEFAULT_ACTS[op]) else names
    alphas = list(attrs.get("activation_alpha") or ())
    fns = []
    for name in names:
        a = alphas.pop(0) if name in REF_DEFAULT_ALPHA and alphas else REF_DEFAULT_ALPHA.get(name)
        fns.append(lambda x, f=REF_ACTS[name], a=a: f(x, a, None))
    n = len(DEFAULT_ACTS[op])
    return [fns[d * n:(d + 1) * n] for d in range(dirs)]


def _split(op: str, attrs: dict, W, R, B):
    """Per gate letter (ONNX names: i o f c, z r h, i): W, R, Wb, Rb of one direction."""
    order = attrs.get("gate_order", ORDER[op])
    n = len(order)
    ws, rs = np.split(W, n), np.split(R, n)
    wb, rb = np.split(B[:len(B) // 2], n), np.split(B[len(B) // 2:], n)
    return {k: (ws[j], rs[j], wb[j], rb[j]) for j, k in enumerate(order)}


def _step(op, attrs, gates, acts, x, h, c, p):
    clip = attrs.get("clip")
    cl = (lambda v: np.clip(v, -clip, clip)) if clip is not None else (lambda v: v)

    def lin(k, hh=h):
        w, r, wb, rb = gates[k]
        return x @ w.T + hh @ r.T + wb + rb

    if op == "RNN":
        return acts[0](cl(lin("i"))), None
    if op == "GRU":
        f, g = acts
        z, r = f(cl(lin("z"))), f(cl(lin("r")))
        w, rr, wb, rb = gates["h"]
        if attrs.get("linear_before_reset"):
            n = g(cl(x @ w.T + wb + r * (h @ rr.T + rb)))
        else:
            n = g(cl(x @ w.T + wb + (r * h) @ rr.T + rb))
        return (1 - z) * n + z * h, None
    f, g, hf = acts
    i = f(cl(lin("i") + p[0] * c))
    fg = 1 - i if attrs.get("input_forget") else f(cl(lin("f") + p[2] * c))
    c_new = fg * c + i * g(cl(lin("c")))
    o = f(cl(lin("o") + p[1] * c_new))
    return o * hf(c_new), c_new


def recurrent_reference(op: str, X, W, R, B=None, lens=None, h0=None, c0=None, P=None, **attrs):
    layout, direction = attrs.get("layout", 0), attrs.get("direction", "forward")
    X = X.astype(np.float64)
    X = X.transpose(1, 0, 2) if layout else X
    T, batch, _ = X.shape
    dirs, H = W.shape[0], R.shape[-1]

    def init(s):
        if s is None:
            return np.zeros((dirs, batch, H))
        return s.astype(np.float64).transpose(1, 0, 2) if layout else s.astype(np.float64)

    h0, c0 = init(h0), init(c0)
    B = np.zeros((dirs, 2 * W.shape[1])) if B is None else B
    P = np.zeros((dirs, 3 * H)) if P is None else P
    lens = [T] * batch if lens is None else [int(v) for v in lens]
    Y, Yh, Yc = np.zeros((T, dirs, batch, H)), np.zeros((dirs, batch, H)), np.zeros((dirs, batch, H))
    acts = _acts(op, attrs, dirs)
    for d in range(dirs):
        gates = _split(op, attrs, W[d], R[d], B[d])
        backward = direction == "reverse" or d == 1
        for b in range(batch):
            h, c = h0[d, b], c0[d, b]
            for t in (reversed(range(lens[b])) if backward else range(lens[b])):
                h, c = _step(op, attrs, gates, acts[d], X[t, b], h, c, np.split(P[d], 3))
                Y[t, d, b] = h
            Yh[d, b], Yc[d, b] = h, c
    if layout:
        Y, Yh, Yc = Y.transpose(2, 0, 1, 3), Yh.transpose(1, 0, 2), Yc.transpose(1, 0, 2)
    return (Y, Yh, Yc) if op == "LSTM" else (Y, Yh)


def grad_reference(op: str, n_in: int, eps: float = 1e-6):
    """Gradients of <Y, dY> + <Y_h, dY_h> (+ <Y_c, dY_c>) with respect to every float forward
    input, by central differences of the forward reference; zeros for absent inputs (and for X
    with needs_dX=0)."""

    def ref(*args, **attrs):
        inputs, cots = list(args[:n_in]), args[n_in + 1:]  # args[n_in] is Y: recomputed here
        filled = _fill(op, inputs, attrs)

        def loss(xs):
            outs = recurrent_reference(op, *xs, **attrs)
            return sum(float(np.sum(o * c)) for o, c in zip(outs, cots) if c is not None)

        grads = []
        for k in [j for j in range(n_in) if j != 4]:  # sequence_lens is integer
            g = np.zeros(filled[k].shape)
            if inputs[k] is None or (k == 0 and attrs.get("needs_dX") == 0):  # absent: zeros
                grads.append(g)
                continue
            for idx in np.ndindex(g.shape):
                plus, minus = [x.copy() if x is not None else None for x in filled], list(filled)
                minus[k] = filled[k].copy()
                plus[k][idx] += eps
                minus[k][idx] -= eps
                g[idx] = (loss(plus) - loss(minus)) / (2 * eps)
            grads.append(g)
        return tuple(grads)

    return ref


def _fill(op: str, inputs: list, attrs: dict) -> list:
    X, W, R = inputs[:3]
    layout, dirs, H = attrs.get("layout", 0), W.shape[0], R.shape[-1]
    batch = X.shape[0] if layout else X.shape[1]
    state = (batch, dirs, H) if layout else (dirs, batch, H)
    shapes = [None, None, None, (dirs, 2 * W.shape[1]), None, state, state, (dirs, 3 * H)]
    return [np.zeros(shapes[j]) if x is None and shapes[j] is not None else x
            for j, x in enumerate(inputs)]


# -- cases ------------------------------------------------------------------------------------------
def _w(*shape, dtype=np.float32):
    return RNG.uniform(-0.7, 0.7, size=shape).astype(dtype)


def make(op: str, T=3, batch=2, n_in=3, H=2, direction="forward", layout=0, bias=True, init=True,
         lens=None, peep=False, dtype=np.float32) -> list:
    dirs, gates = (2 if direction == "bidirectional" else 1), {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    X = _w(*((batch, T, n_in) if layout else (T, batch, n_in)), dtype=dtype)
    state = (batch, dirs, H) if layout else (dirs, batch, H)
    inputs = [X, _w(dirs, gates * H, n_in, dtype=dtype), _w(dirs, gates * H, H, dtype=dtype),
              _w(dirs, 2 * gates * H, dtype=dtype) if bias else None,
              None if lens is None else np.asarray(lens, np.int32),
              _w(*state, dtype=dtype) if init else None]
    if op == "LSTM":
        inputs += [_w(*state, dtype=dtype) if init else None, _w(dirs, 3 * H, dtype=dtype)
                   if peep else None]
    return inputs


FORWARD = {"LSTM": ops.lstm, "GRU": ops.gru, "RNN": ops.rnn}
GRAD = {"LSTM": ops.lstm_grad, "GRU": ops.gru_grad, "RNN": ops.rnn_grad}


def forward_case(id_: str, op: str, attrs: dict | None = None, **make_kw) -> OpCase:
    attrs = dict(attrs or {})
    if "direction" in make_kw:
        attrs["direction"] = make_kw["direction"]
    if "layout" in make_kw:
        attrs["layout"] = make_kw["layout"]
    return OpCase(id_, FORWARD[op], make(op, **make_kw),
                  lambda *xs: recurrent_reference(op, *xs, **attrs), attrs, rtol=1e-5, atol=1e-6)


def grad_case(id_: str, op: str, attrs: dict | None = None, drop=(), **make_kw) -> OpCase:
    """A gradient-op case in float64: forward inputs, the true Y, random cotangents (those in
    `drop` absent)."""
    attrs = dict(attrs or {}, **{k: make_kw[k] for k in ("direction", "layout") if k in make_kw})
    inputs = make(op, dtype=np.float64, **make_kw)
    outs = recurrent_reference(op, *inputs, **attrs)
    cots = [None if j in drop else RNG.standard_normal(o.shape) for j, o in enumerate(outs)]
    return OpCase(id_, GRAD[op], inputs + [outs[0]] + cots,
                  lambda *xs: grad_reference(op, len(inputs))(*xs, **attrs), attrs, grad=False,
                  rtol=1e-6, atol=1e-7)


CASES = [
    # LSTM
    forward_case("lstm_forward_initial_states", "LSTM"),
    forward_case("lstm_reverse_initial_states", "LSTM", direction="reverse"),
    forward_case("lstm_bidirectional_layout1", "LSTM", direction="bidirectional", layout=1),
    forward_case("lstm_gate_order_ifco", "LSTM", {"gate_order": "ifco"}, layout=1),
    forward_case("lstm_clip", "LSTM", {"clip": 0.6}, H=3),
    forward_case("lstm_sequence_lens_bidirectional", "LSTM", direction="bidirectional", T=4,
                 batch=3, lens=[4, 1, 2]),
    forward_case("lstm_peepholes_input_forget", "LSTM", {"input_forget": 1}, peep=True),
    forward_case("lstm_peepholes_clip_lens_reverse", "LSTM", {"clip": 0.9}, peep=True,
                 direction="reverse", lens=[2, 3], T=3),
    forward_case("lstm_no_optional_inputs", "LSTM", bias=False, init=False),
    forward_case("lstm_activations", "LSTM", {"activations": ["Sigmoid", "Softsign", "LeakyRelu"],
                                              "activation_alpha": [0.2]}),
    # GRU
    forward_case("gru_forward_initial_states", "GRU"),
    forward_case("gru_reverse_linear_before_reset", "GRU", {"linear_before_reset": 1},
                 direction="reverse"),
    forward_case("gru_bidirectional_layout1_lbr", "GRU", {"linear_before_reset": 1},
                 direction="bidirectional", layout=1),
    forward_case("gru_gate_order_rzh_lbr", "GRU", {"gate_order": "rzh", "linear_before_reset": 1},
                 layout=1),
    forward_case("gru_gate_order_rzh_clip", "GRU", {"gate_order": "rzh", "clip": 0.5}, H=3),
    forward_case("gru_sequence_lens_bidirectional", "GRU", direction="bidirectional", T=4, batch=3,
                 lens=[2, 4, 3]),
    forward_case("gru_sequence_lens_lbr_reverse", "GRU", {"linear_before_reset": 1},
                 direction="reverse", lens=[1, 3]),
    forward_case("gru_no_optional_inputs", "GRU", bias=False, init=False),
    # RNN
    forward_case("rnn_forward_initial_states", "RNN"),
    forward_case("rnn_reverse_relu", "RNN", {"activations": ["Relu"]}, direction="reverse"),
    forward_case("rnn_bidirectional_layout1", "RNN", direction="bidirectional", layout=1),
    forward_case("rnn_clip", "RNN", {"clip": 0.4}, H=3),
    forward_case("rnn_sequence_lens", "RNN", lens=[3, 2], direction="bidirectional"),
    forward_case("rnn_no_optional_inputs", "RNN", bias=False, init=False),
    # gradient ops (not differentiable themselves): against finite differences of the reference
    grad_case("lstm_grad_bidirectional_lens_peepholes", "LSTM", {"clip": 1.5}, peep=True,
              direction="bidirectional", lens=[3, 2]),
    grad_case("lstm_grad_layout1_ifco_no_state_cotangents", "LSTM", {"gate_order": "ifco"},
              drop=(1, 2), layout=1, init=False),
    grad_case("lstm_grad_clip_without_dX", "LSTM", {"clip": 0.8, "needs_dX": 0}, H=3),
    grad_case("gru_grad_reverse", "GRU", direction="reverse", lens=[1, 3]),
    grad_case("gru_grad_clip_without_dX_or_dY", "GRU", {"clip": 0.6, "needs_dX": 0}, drop=(0,)),
    grad_case("gru_grad_rzh_lbr_layout1", "GRU", {"gate_order": "rzh", "linear_before_reset": 1},
              layout=1, direction="bidirectional", drop=(0,)),
    grad_case("rnn_grad_bidirectional", "RNN", direction="bidirectional", lens=[2, 3]),
    grad_case("rnn_grad_clip_no_bias_no_dY", "RNN", {"clip": 0.5}, bias=False, drop=(0,)),
]
