"""keras.ops against real Keras 3's keras.ops (torch backend): values, dtypes and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.tf_like as tf
from frontends.tf_like.keras import ops

from ._keras_layers_diff import rand, real_keras

A = rand(3, 4)
B = rand(3, 4, seed=1)
P = np.abs(rand(3, 4, seed=2)) + 0.1
V = rand(4, seed=3)
M = rand(4, 5, seed=4)
I3 = np.array([[0, 2, 1], [1, 1, 0]], np.int32)
X4 = rand(2, 7, 6, 3, seed=5)
K4 = rand(3, 3, 3, 4, seed=6)

# (id, function name, positional args, kwargs)
CASES = [
    ("add", "add", (A, B), {}), ("add_scalar", "add", (A, 2.0), {}),
    ("subtract", "subtract", (A, B), {}), ("multiply", "multiply", (A, V), {}),
    ("divide", "divide", (A, P), {}), ("divide_ints", "divide", (I3, 2), {}),
    ("power", "power", (P, 1.5), {}), ("negative", "negative", (A,), {}),
    ("absolute", "absolute", (A,), {}), ("square", "square", (A,), {}),
    ("sqrt", "sqrt", (P,), {}), ("exp", "exp", (A,), {}), ("log", "log", (P,), {}),
    ("log1p", "log1p", (P,), {}), ("expm1", "expm1", (A,), {}),
    ("log2", "log2", (P,), {}), ("log10", "log10", (P,), {}), ("tanh", "tanh", (A,), {}),
    ("sin", "sin", (A,), {}), ("cos", "cos", (A,), {}), ("tan", "tan", (A * 0.3,), {}),
    ("sinh", "sinh", (A,), {}), ("cosh", "cosh", (A,), {}),
    ("floor", "floor", (A * 3,), {}), ("ceil", "ceil", (A * 3,), {}),
    ("round", "round", (A * 3,), {}), ("sign", "sign", (A,), {}),
    ("maximum", "maximum", (A, B), {}), ("minimum", "minimum", (A, 0.0), {}),
    ("clip", "clip", (A, -0.5, 0.5), {}), ("reciprocal", "reciprocal", (P,), {}),
    ("mod", "mod", (A * 5, 1.5), {}), ("floor_divide", "floor_divide", (A * 5, 1.5), {}),
    ("logaddexp", "logaddexp", (A, B), {}),
    ("equal", "equal", (I3, 1), {}), ("not_equal", "not_equal", (I3, 1), {}),
    ("greater", "greater", (A, B), {}), ("less_equal", "less_equal", (A, B), {}),
    ("where", "where", (A > 0, A, B), {}), ("logical_and", "logical_and", (A > 0, B > 0), {}),
    ("sum", "sum", (A,), {}), ("sum_axis", "sum", (A,), {"axis": 1, "keepdims": True}),
    ("mean", "mean", (A,), {"axis": 0}), ("max", "max", (A,), {"axis": -1}),
    ("min", "min", (A,), {}), ("prod", "prod", (P,), {"axis": 1}),
    ("var", "var", (A,), {"axis": 1}), ("std", "std", (A,), {}),
    ("logsumexp", "logsumexp", (A,), {"axis": 1}),
    ("argmax", "argmax", (A,), {"axis": 1}), ("argmin", "argmin", (A,), {}),
    ("cumsum", "cumsum", (A,), {"axis": 1}), ("cumprod", "cumprod", (P,), {"axis": 0}),
    ("all", "all", (A > -5,), {}), ("any", "any", (A > 1,), {"axis": 0}),
    ("count_nonzero", "count_nonzero", (I3,), {"axis": 1}),
    ("matmul", "matmul", (A, M), {}), ("dot", "dot", (A, M), {}),
    ("tensordot", "tensordot", (A, M), {"axes": 1}), ("outer", "outer", (V, V), {}),
    ("einsum", "einsum", ("ij,jk->ik", A, M), {}), ("trace", "trace", (M[:, :4],), {}),
    ("norm", "norm", (A,), {"axis": 1}),
    ("reshape", "reshape", (A, (2, 6)), {}), ("transpose", "transpose", (M,), {}),
    ("swapaxes", "swapaxes", (X4, 1, 3), {}), ("moveaxis", "moveaxis", (X4, 3, 1), {}),
    ("expand_dims", "expand_dims", (A, 1), {}), ("squeeze", "squeeze", (A[:, :1],), {}),
    ("concatenate", "concatenate", ([A, B],), {"axis": 1}), ("stack", "stack", ([A, B],), {}),
    ("split", "split", (M, 5), {"axis": 1}), ("tile", "tile", (A, (2, 1)), {}),
    ("repeat", "repeat", (A, 2), {"axis": 0}), ("flip", "flip", (A,), {"axis": 1}),
    ("roll", "roll", (A, 1), {"axis": 1}), ("pad", "pad", (A, ((1, 0), (2, 1))), {}),
    ("broadcast_to", "broadcast_to", (V, (3, 4)), {}), ("ravel", "ravel", (A,), {}),
    ("take", "take", (M, I3), {"axis": 1}),
    ("take_along_axis", "take_along_axis", (A, np.argsort(A, axis=1)), {"axis": 1}),
    ("sort", "sort", (A,), {}), ("argsort", "argsort", (A,), {"axis": 0}),
    ("zeros_like", "zeros_like", (A,), {}), ("ones_like", "ones_like", (I3,), {}),
    ("full_like", "full_like", (A, 3.0), {}), ("tril", "tril", (M,), {}),
    ("triu", "triu", (M,), {"k": 1}), ("nan_to_num", "nan_to_num", (A,), {}),
    ("relu", "relu", (A,), {}), ("relu6", "relu6", (A * 10,), {}),
    ("sigmoid", "sigmoid", (A,), {}), ("softplus", "softplus", (A,), {}),
    ("softsign", "softsign", (A,), {}), ("silu", "silu", (A,), {}),
    ("log_sigmoid", "log_sigmoid", (A,), {}), ("leaky_relu", "leaky_relu", (A,), {}),
    ("hard_sigmoid", "hard_sigmoid", (A * 4,), {}), ("hard_silu", "hard_silu", (A * 4,), {}),
    ("elu", "elu", (A,), {"alpha": 0.5}), ("selu", "selu", (A,), {}),
    ("gelu", "gelu", (A,), {}), ("gelu_exact", "gelu", (A,), {"approximate": False}),
    ("celu", "celu", (A,), {}), ("glu", "glu", (A,), {}),
    ("softmax", "softmax", (A,), {}), ("log_softmax", "log_softmax", (A,), {"axis": 0}),
    ("one_hot", "one_hot", (I3, 4), {}),
    ("conv", "conv", (X4, K4), {"padding": "same", "strides": 2}),
    ("conv_valid_dilated", "conv", (X4, K4), {"dilation_rate": 2}),
    ("depthwise_conv", "depthwise_conv", (X4, K4[..., :2]), {}),
    ("separable_conv", "separable_conv", (X4, K4[..., :2], rand(1, 1, 6, 5, seed=9)), {}),
    ("conv_transpose", "conv_transpose", (X4, rand(3, 3, 5, 3, seed=8)), {"strides": 2}),
    ("max_pool", "max_pool", (X4, 2), {}),
    ("max_pool_same", "max_pool", (X4, 3), {"strides": 2, "padding": "same"}),
    ("average_pool", "average_pool", (X4, 2), {}),
    ("moments", "moments", (X4, [0, 1, 2]), {}),
    ("batch_normalization", "batch_normalization",
     (A, V, np.abs(V) + 0.5, -1), {"offset": V * 0.1, "scale": V + 2}),
    ("normalize", "normalize", (A,), {}),
    ("binary_crossentropy", "binary_crossentropy", ((A > 0).astype(np.float32), P / 5), {}),
    ("binary_crossentropy_logits", "binary_crossentropy", ((A > 0).astype(np.float32), B),
     {"from_logits": True}),
    ("categorical_crossentropy", "categorical_crossentropy",
     (np.eye(4, dtype=np.float32)[[0, 1, 3]], P), {}),
    ("categorical_crossentropy_logits", "categorical_crossentropy",
     (np.eye(4, dtype=np.float32)[[0, 1, 3]], A), {"from_logits": True}),
    ("sparse_categorical_crossentropy", "sparse_categorical_crossentropy",
     (np.array([0, 3, 1], np.int32), A), {"from_logits": True}),
]


def _torch_args(value):
    torch = pytest.importorskip("torch")
    if isinstance(value, np.ndarray):
        return torch.tensor(value)
    if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
        return [torch.tensor(v) for v in value]
    return value


def _flat(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_op_matches_keras(case):
    keras = real_keras()
    _, name, args, kwargs = case
    got = _flat(getattr(ops, name)(*args, **kwargs))
    want = _flat(getattr(keras.ops, name)(*[_torch_args(a) for a in args], **kwargs))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        w = w.detach().cpu().numpy() if hasattr(w, "detach") else np.asarray(w)
        g = np.asarray(g)
        assert g.shape == w.shape, (g.shape, w.shape)
        assert g.dtype == w.dtype or (g.dtype.kind == w.dtype.kind == "i"), (g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)


GRAD_CASES = [c for c in CASES if c[0] in {
    "multiply", "divide", "power", "sqrt", "log", "tanh", "logaddexp", "maximum", "clip",
    "mean", "max", "var", "std", "logsumexp", "cumsum", "cumprod", "matmul", "tensordot",
    "einsum", "norm", "take_along_axis", "sort", "pad", "roll", "flip", "repeat", "relu",
    "gelu", "softmax", "log_softmax", "conv", "depthwise_conv", "separable_conv",
    "conv_transpose", "max_pool", "average_pool", "normalize", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "hard_sigmoid", "elu",
    "glu", "moments"}]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_op_gradients_match_torch_autograd(case):
    keras = real_keras()
    torch = pytest.importorskip("torch")
    _, name, args, kwargs = case
    floats = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    t_args = [_torch_args(a) for a in args]
    for i in floats:
        t_args[i] = t_args[i].clone().requires_grad_(True)
    o_args = [tf.constant(a) if isinstance(a, np.ndarray) else a for a in args]
    with tf.GradientTape() as tape:
        for i in floats:
            tape.watch(o_args[i])
        outs = _flat(getattr(ops, name)(*o_args, **kwargs))
        loss = None
        for k, y in enumerate(outs):
            term = ops.sum(ops.multiply(ops.sin(y), float(k + 1)))
            loss = term if loss is None else ops.add(loss, term)
    t_outs = _flat(getattr(keras.ops, name)(*t_args, **kwargs))
    sum(torch.sin(y).sum() * (k + 1) for k, y in enumerate(t_outs)).backward()
    grads = tape.gradient(loss, [o_args[i] for i in floats])
    for g, i in zip(grads, floats):
        want = t_args[i].grad
        if want is None:
            continue
        np.testing.assert_allclose(np.asarray(g), want.numpy(), rtol=1e-4, atol=1e-5)


def test_shape_and_symbolic_dims():
    import core_ir

    def fn(x):
        batch = ops.shape(x)[0]
        assert isinstance(batch, core_ir.Tensor)
        assert ops.shape(x)[1:] == (4, 5)
        return ops.reshape(x, (batch, -1))

    graph, _, _ = core_ir.trace(fn, [(np.float32, ("N", 4, 5))], cls=tf.Tensor)
    assert graph.outputs[0].shape == ("N", 20)
    assert ops.shape(np.zeros((2, 3))) == (2, 3)


def test_stop_gradient_and_cond():
    x = tf.constant(np.array([1.0, 2.0], np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(ops.multiply(ops.stop_gradient(x), x))
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), [1.0, 2.0])
    assert float(ops.cond(True, lambda: ops.ones(()), lambda: ops.zeros(()))) == 1.0
    assert ops.fori_loop(0, 3, lambda i, v: v + i, 0) == 3


def test_convert_to_tensor_dtypes():
    assert ops.convert_to_tensor(1.5).dtype == np.float32
    assert ops.convert_to_tensor([1, 2]).dtype == np.int32
    assert ops.convert_to_tensor(np.zeros(2)).dtype == np.float64
    assert ops.add(np.ones(2, np.int32), 1.5).dtype == np.float32
    assert ops.add(np.ones(2, np.int32), np.ones(2, np.float16)).dtype == np.float16
