"""Differential harness for Keras layers: the same layer in ours and in real Keras 3 (torch
backend), weights copied with set_weights(get_weights()), outputs and gradients compared.

Gradients: ours from tf.GradientTape of sum(y * w) for a fixed random w; Keras's from torch
autograd of the same scalar (Keras tensors are torch tensors under KERAS_BACKEND=torch)."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

import frontends.tf_like as tf
from frontends.tf_like import keras as dk

RTOL, ATOL = 1e-4, 1e-5


def real_keras():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("the differential tests need KERAS_BACKEND=torch")
    return keras


def torch_mod():
    return pytest.importorskip("torch")


def as_list(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


def to_numpy(y):
    if hasattr(y, "detach"):
        return y.detach().cpu().numpy()
    return np.asarray(y)


def build_pair(ours, theirs, inputs, **call_kwargs):
    """Call both once (building them), copy Keras's weights into ours, check the weight list
    (names and shapes) agrees. Returns nothing; the layers are built afterwards."""
    theirs_in = [_torch(x) for x in inputs]
    theirs(*theirs_in, **call_kwargs)
    ours(*inputs, **call_kwargs)
    theirs_w = theirs.get_weights()
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs_w]
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    ours.set_weights(theirs_w)


def _torch(x, requires_grad=False):
    torch = torch_mod()
    if isinstance(x, (list, tuple)):
        return type(x)(_torch(e, requires_grad) for e in x)
    t = torch.tensor(np.asarray(x))
    if requires_grad and t.dtype.is_floating_point:
        t.requires_grad_(True)
    return t


def compare_layer(ours, theirs, inputs, training=None, grads=True, rtol=RTOL, atol=ATOL,
                  seed=0):
    """Build both, copy weights, compare outputs and (optionally) the gradients of
    sum(y * w) with respect to the float inputs and the trainable weights."""
    inputs = list(inputs)
    kwargs = {} if training is None else {"training": training}
    build_pair(ours, theirs, inputs, **kwargs)
    rng = np.random.default_rng(seed)
    t_in = [_torch(x, requires_grad=grads) for x in inputs]
    t_out = as_list(theirs(*t_in, **kwargs))
    o_in = [tf.constant(x) if not isinstance(x, (list, tuple)) else [tf.constant(e) for e in x]
            for x in inputs]
    weights_out = [rng.standard_normal(to_numpy(y).shape).astype(np.float32) for y in t_out]
    with tf.GradientTape(persistent=True) as tape:
        for x in _flat(o_in):
            if x.dtype.kind == "f":
                tape.watch(x)
        o_out = as_list(ours(*o_in, **kwargs))
        loss = None
        for y, w in zip(o_out, weights_out):
            term = dk.ops.sum(dk.ops.multiply(y, w))
            loss = term if loss is None else dk.ops.add(loss, term)
    assert len(o_out) == len(t_out)
    for a, b in zip(o_out, t_out):
        np.testing.assert_allclose(np.asarray(a), to_numpy(b), rtol=rtol, atol=atol)
    if not grads:
        return
    torch = torch_mod()
    t_loss = sum((y * torch.tensor(w)).sum() for y, w in zip(t_out, weights_out))
    t_loss.backward()
    float_in = [(o, t) for o, t in zip(_flat(o_in), _flat(t_in)) if t.dtype.is_floating_point]
    got = tape.gradient(loss, [o for o, _ in float_in] + list(ours.trainable_weights))
    want = [t.grad for _, t in float_in] + [v.value.grad for v in theirs.trainable_weights]
    for g, w in zip(got, want):
        if w is None:
            assert g is None or np.allclose(np.asarray(g), 0)
            continue
        np.testing.assert_allclose(np.asarray(g), to_numpy(w), rtol=rtol * 10, atol=atol * 10)


def _flat(xs):
    out = []
    for x in xs:
        out.extend(x if isinstance(x, (list, tuple)) else [x])
    return out


def rand(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)
