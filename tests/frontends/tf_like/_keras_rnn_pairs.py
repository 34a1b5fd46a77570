"""Differential harness for the recurrent layers: the same layer in ours and in real Keras 3
(torch backend), weights copied, then outputs, states and gradients (with respect to the
inputs, the initial states and every trainable weight) compared; masks and initial_state are
passed to both."""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

import frontends.tf_like as tf
from frontends.tf_like import keras as dk

RTOL, ATOL = 1e-4, 2e-5


def real_keras():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("the differential tests need KERAS_BACKEND=torch")
    return keras


def as_list(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


def flat(ys):
    out = []
    for y in ys:
        out.extend(flat(y) if isinstance(y, (list, tuple)) else [y])
    return out


def to_numpy(y):
    return y.detach().cpu().numpy() if hasattr(y, "detach") else np.asarray(y)


def torch_tensor(x, requires_grad=False):
    torch = pytest.importorskip("torch")
    t = torch.tensor(np.asarray(x))
    if requires_grad:
        t.requires_grad_(True)
    return t


def masks(batch: int, steps: int, kind: str, seed: int = 0):
    """None, a right-padded mask (varied lengths, one full row) or an arbitrary one (a fully
    masked row, a row masked at the start, holes in the middle)."""
    if kind == "none":
        return None
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    if kind == "right":
        lens = np.concatenate([[steps, 1], rng.integers(1, steps + 1, batch - 2)])
        return t[None, :] < lens[:, None]
    m = rng.random((batch, steps)) > 0.4
    m[0] = False
    m[1, :2] = False
    m[1, 2:] = True
    return m


def compare(ours, theirs, x, mask=None, initial_state=None, training=None, grads=True,
            rtol=RTOL, atol=ATOL, seed=1):
    """Build both on x, copy Keras's weights into ours (names and shapes must agree), then
    compare every output and the gradients of sum(y_i * w_i) for fixed random w_i."""
    kwargs = {} if training is None else {"training": training}
    t_kw, o_kw = dict(kwargs), dict(kwargs)
    if mask is not None:
        t_kw["mask"], o_kw["mask"] = torch_tensor(mask), tf.constant(mask)
    theirs(torch_tensor(x), **t_kw)
    ours(tf.constant(x), **o_kw)
    assert [_path(w) for w in ours.weights] == [_path(w) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())

    t_x = torch_tensor(x, requires_grad=grads)
    o_x = tf.constant(x)
    t_init = o_init = None
    if initial_state is not None:
        t_init = [torch_tensor(s, requires_grad=grads) for s in initial_state]
        o_init = [tf.constant(s) for s in initial_state]
        t_kw["initial_state"], o_kw["initial_state"] = t_init, o_init
    t_out = flat(as_list(theirs(t_x, **t_kw)))
    rng = np.random.default_rng(seed)
    coefs = [rng.standard_normal(to_numpy(y).shape).astype(np.float32) for y in t_out]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(o_x)
        for s in o_init or []:
            tape.watch(s)
        o_out = flat(as_list(ours(o_x, **o_kw)))
        loss = dk.ops.sum(dk.ops.stack([dk.ops.sum(dk.ops.multiply(y, c))
                                        for y, c in zip(o_out, coefs)]))
    assert len(o_out) == len(t_out)
    for a, b in zip(o_out, t_out):
        np.testing.assert_allclose(np.asarray(a), to_numpy(b), rtol=rtol, atol=atol)
    if not grads:
        return o_out
    torch = pytest.importorskip("torch")
    t_loss = sum((y * torch.tensor(c)).sum() for y, c in zip(t_out, coefs))
    t_loss.backward()
    got = tape.gradient(loss, [o_x, *(o_init or []), *ours.trainable_weights])
    want = [t_x.grad, *[s.grad for s in t_init or []],
            *[v.value.grad for v in theirs.trainable_weights]]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        w = np.zeros_like(np.asarray(g)) if w is None else to_numpy(w)
        np.testing.assert_allclose(np.asarray(g), w, rtol=rtol * 10, atol=atol * 10)
    return o_out


def _path(w) -> str:
    """A weight's path below its layer, without the _N suffixes of auto-generated names (each
    library counts its own names)."""
    return re.sub(r"_\d+(?=/|$)", "", w.path.split("/", 1)[1])


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
