"""tf.nn against numpy formulas, keras.ops.nn (Keras 3, torch backend) and torch autograd:
activations, convolutions and pooling with TF's SAME/VALID padding, cross entropies, moments,
batch_normalization, dropout."""

import os

import numpy as np
import pytest

import frontends.tf_like as tf

os.environ.setdefault("KERAS_BACKEND", "torch")
RNG = np.random.default_rng(2)
S = RNG.standard_normal((4, 5)).astype(np.float32) * 3
S[0, :4] = [0.0, 6.0, -0.0, 7.0]  # kinks of relu/relu6
F32 = dict(rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


ACTIVATIONS = {
    "relu": (tf.nn.relu, lambda x: np.maximum(x, 0), "relu"),
    "relu6": (tf.nn.relu6, lambda x: np.clip(x, 0, 6), "relu6"),
    "elu": (tf.nn.elu, lambda x: np.where(x > 0, x, np.expm1(x)), "elu"),
    "selu": (tf.nn.selu, lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * np.expm1(x)), "selu"),
    "gelu": (tf.nn.gelu, None, "gelu-exact"),
    "gelu-tanh": (lambda x: tf.nn.gelu(x, approximate=True), None, "gelu-tanh"),
    "silu": (tf.nn.silu, lambda x: x * sigmoid(x), "silu"),
    "swish-beta": (lambda x: tf.nn.swish(x, beta=2.0), lambda x: x * sigmoid(2 * x), None),
    "leaky_relu": (tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x), "leaky"),
    "softplus": (tf.nn.softplus, lambda x: np.logaddexp(0, x), "softplus"),
    "softsign": (tf.nn.softsign, lambda x: x / (1 + np.abs(x)), "softsign"),
    "sigmoid": (tf.nn.sigmoid, sigmoid, "sigmoid"),
    "softmax": (tf.nn.softmax, lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
                "softmax"),
    "log_softmax": (tf.nn.log_softmax, lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True)),
                    "log_softmax"),
    "crelu": (tf.nn.crelu, lambda x: np.concatenate([np.maximum(x, 0), np.maximum(-x, 0)], -1),
              None),
}
KERAS_ACT = {
    "relu": lambda n, x: n.relu(x), "relu6": lambda n, x: n.relu6(x),
    "elu": lambda n, x: n.elu(x), "selu": lambda n, x: n.selu(x),
    "gelu-exact": lambda n, x: n.gelu(x, approximate=False),
    "gelu-tanh": lambda n, x: n.gelu(x, approximate=True), "silu": lambda n, x: n.silu(x),
    "leaky": lambda n, x: n.leaky_relu(x, negative_slope=0.2),
    "softplus": lambda n, x: n.softplus(x), "softsign": lambda n, x: n.softsign(x),
    "sigmoid": lambda n, x: n.sigmoid(x), "softmax": lambda n, x: n.softmax(x),
    "log_softmax": lambda n, x: n.log_softmax(x),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_matches_numpy_and_keras(name, keras):
    ours, ref, kname = ACTIVATIONS[name]
    got = ours(S).numpy()
    if ref is not None:
        np.testing.assert_allclose(got, ref(S.astype(np.float64)), **F32)
    if kname is not None:
        theirs = keras.ops.convert_to_numpy(KERAS_ACT[kname](keras.ops.nn, S))
        np.testing.assert_allclose(got, theirs, **F32)


def test_activation_gradients_at_kinks_follow_tf():
    x = tf.Variable([0.0, 6.0, 3.0, -1.0, 7.0])
    with tf.GradientTape(persistent=True) as tape:
        r, r6, lr = tf.nn.relu(x), tf.nn.relu6(x), tf.nn.leaky_relu(x)
    np.testing.assert_array_equal(tape.gradient(r, x).numpy(), [0, 1, 1, 0, 1])
    np.testing.assert_array_equal(tape.gradient(r6, x).numpy(), [0, 0, 1, 0, 0])
    np.testing.assert_allclose(tape.gradient(lr, x).numpy(), [0.2, 1, 1, 0.2, 1])


# -- convolution and pooling --------------------------------------------------------------------
CONVS = {
    "same-s2": dict(strides=2, padding="SAME"), "valid": dict(strides=1, padding="VALID"),
    "same-s1-dil2": dict(strides=1, padding="SAME", dilations=2),
    "same-s3": dict(strides=(3, 2), padding="SAME"),
    "valid-s2": dict(strides=[1, 2, 2, 1], padding="VALID"),
}


def _keras_kwargs(kw):
    s = kw["strides"]
    s = s[1:3] if isinstance(s, list) else s
    return dict(strides=s, padding=kw["padding"].lower(), dilation_rate=kw.get("dilations", 1))


@pytest.mark.parametrize("name", CONVS)
def test_conv2d_matches_keras(name, keras):
    x = RNG.standard_normal((2, 9, 8, 3)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 3, 4)).astype(np.float32)
    got = tf.nn.conv2d(x, w, **CONVS[name]).numpy()
    want = keras.ops.convert_to_numpy(keras.ops.conv(x, w, **_keras_kwargs(CONVS[name])))
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_conv1d_depthwise_separable_match_keras(padding, keras):
    x1 = RNG.standard_normal((2, 11, 3)).astype(np.float32)
    w1 = RNG.standard_normal((4, 3, 5)).astype(np.float32)
    np.testing.assert_allclose(
        tf.nn.conv1d(x1, w1, 2, padding).numpy(),
        keras.ops.convert_to_numpy(keras.ops.conv(x1, w1, 2, padding.lower())), rtol=1e-4,
        atol=1e-4)
    x = RNG.standard_normal((2, 7, 7, 3)).astype(np.float32)
    dw = RNG.standard_normal((3, 3, 3, 2)).astype(np.float32)
    pw = RNG.standard_normal((1, 1, 6, 4)).astype(np.float32)
    np.testing.assert_allclose(
        tf.nn.depthwise_conv2d(x, dw, [1, 2, 2, 1], padding).numpy(),
        keras.ops.convert_to_numpy(keras.ops.depthwise_conv(x, dw, 2, padding.lower())),
        rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(
        tf.nn.separable_conv2d(x, dw, pw, [1, 1, 1, 1], padding).numpy(),
        keras.ops.convert_to_numpy(keras.ops.separable_conv(x, dw, pw, 1, padding.lower())),
        rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_conv2d_transpose_matches_keras(padding, keras):
    x = RNG.standard_normal((2, 4, 5, 3)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 6, 3)).astype(np.float32)  # (kh, kw, out, in)
    want = keras.ops.convert_to_numpy(keras.ops.conv_transpose(x, w, 2, padding.lower()))
    got = tf.nn.conv2d_transpose(x, w, want.shape, 2, padding).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_conv2d_gradients_match_torch(torch):
    x = RNG.standard_normal((2, 7, 6, 3))
    w = RNG.standard_normal((3, 2, 3, 4))
    xv, wv = tf.Variable(x), tf.Variable(w)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(tf.nn.conv2d(xv, wv, 2, "SAME")))
    gx, gw = tape.gradient(loss, [xv, wv])
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    wt = torch.tensor(w.transpose(3, 2, 0, 1), requires_grad=True)
    # TF SAME for (7, 6) with k (3, 2), s 2: pads (1, 1) and (0, 0)
    out = torch.nn.functional.conv2d(torch.nn.functional.pad(xt, (0, 0, 1, 1)), wt, stride=2)
    (out ** 2).sum().backward()
    np.testing.assert_allclose(loss.numpy(), (out ** 2).sum().item(), rtol=1e-10)
    np.testing.assert_allclose(gx.numpy(), xt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10)
    np.testing.assert_allclose(gw.numpy(), wt.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10)


POOLS = {"same-3-2": (3, 2, "SAME"), "valid-2-2": (2, 2, "VALID"), "same-2-1": (2, 1, "SAME"),
         "same-3-3": ((3, 2), (3, 1), "SAME")}


def _pool_reference(x, k, s, padding, reduce):
    """TF pooling by brute force: SAME pads with nan, which nanmax/nanmean skip."""
    k, s = np.broadcast_to(k, 2), np.broadcast_to(s, 2)
    n, h, w, c = x.shape
    if padding == "SAME":
        out = [-(-d // st) for d, st in zip((h, w), s)]
        total = [max((o - 1) * st + kk - d, 0) for o, st, kk, d in zip(out, s, k, (h, w))]
        x = np.pad(x, [(0, 0), (total[0] // 2, total[0] - total[0] // 2),
                       (total[1] // 2, total[1] - total[1] // 2), (0, 0)],
                   constant_values=np.nan)
    else:
        out = [(d - kk) // st + 1 for d, kk, st in zip((h, w), k, s)]
    return np.stack([np.stack([reduce(x[:, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]],
                                      axis=(1, 2)) for j in range(out[1])], 1)
                     for i in range(out[0])], 1)


@pytest.mark.parametrize("name", POOLS)
def test_pool2d_matches_reference_and_keras(name, keras):
    k, s, p = POOLS[name]
    x = RNG.standard_normal((2, 7, 8, 3)).astype(np.float32)
    got_max, got_avg = tf.nn.max_pool2d(x, k, s, p).numpy(), tf.nn.avg_pool2d(x, k, s, p).numpy()
    np.testing.assert_allclose(got_max, _pool_reference(x, k, s, p, np.nanmax), rtol=1e-6)
    np.testing.assert_allclose(got_avg, _pool_reference(x, k, s, p, np.nanmean), rtol=1e-5,
                               atol=1e-6)
    want = keras.ops.convert_to_numpy(keras.ops.max_pool(x, k, s, p.lower()))
    np.testing.assert_allclose(got_max, want, rtol=1e-6)
    if p == "VALID":  # Keras's torch backend averages 'same' windows differently from TF
        want = keras.ops.convert_to_numpy(keras.ops.average_pool(x, k, s, p.lower()))
        np.testing.assert_allclose(got_avg, want, rtol=1e-5, atol=1e-6)


def test_pool1d_and_avg_pool_excludes_padding():
    x = np.arange(5, dtype=np.float32).reshape(1, 5, 1)
    np.testing.assert_allclose(tf.nn.avg_pool1d(x, 2, 2, "SAME").numpy().ravel(), [0.5, 2.5, 4])
    np.testing.assert_allclose(tf.nn.max_pool1d(x, 3, 2, "SAME").numpy().ravel(), [1, 3, 4])


# -- losses -------------------------------------------------------------------------------------
def test_sigmoid_cross_entropy(keras):
    z = RNG.uniform(0, 1, S.shape).astype(np.float32)
    x = S
    got = tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x).numpy()
    np.testing.assert_allclose(got, np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x))),
                               rtol=1e-5)
    want = keras.ops.convert_to_numpy(keras.ops.binary_crossentropy(z, x, from_logits=True))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    xv = tf.Variable(np.zeros(3))  # the gradient at 0 is sigmoid(0) - z (no kink)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(np.array([0., 1, .3]), xv))
    np.testing.assert_allclose(tape.gradient(loss, xv).numpy(), [0.5, -0.5, 0.2])
    with pytest.raises(ValueError, match="must have the same shape"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=z[:2], logits=x)


def test_weighted_cross_entropy():
    z, x = np.array([0.0, 1.0, 0.5]), np.array([-2.0, 0.5, 3.0])
    got = tf.nn.weighted_cross_entropy_with_logits(z, x, pos_weight=3.0).numpy()
    want = (1 - z) * x + (1 + 2 * z) * np.log1p(np.exp(-x))
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_softmax_cross_entropies(keras):
    labels = RNG.dirichlet(np.ones(5), 4).astype(np.float32)
    got = tf.nn.softmax_cross_entropy_with_logits(labels, S).numpy()
    logp = S - np.log(np.exp(S).sum(-1, keepdims=True))
    np.testing.assert_allclose(got, -(labels * logp).sum(-1), rtol=1e-5)
    want = keras.ops.convert_to_numpy(keras.ops.categorical_crossentropy(labels, S,
                                                                         from_logits=True))
    np.testing.assert_allclose(got, want, rtol=1e-5)
    ids = np.array([0, 4, 2, 1])
    sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=S).numpy()
    np.testing.assert_allclose(sparse, -logp[np.arange(4), ids], rtol=1e-5)
    ids3 = np.array([[0, 4], [2, 1]])
    sparse3 = tf.nn.sparse_softmax_cross_entropy_with_logits(ids3, S.reshape(2, 2, 5))
    np.testing.assert_allclose(sparse3.numpy(), -logp[np.arange(4), ids].reshape(2, 2),
                               rtol=1e-5)
    message = r"Received a label value of 5 which is outside the valid range of \[0, 5\)"
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[5, 0, 0, 0], logits=S)


def test_cross_entropy_gradient_is_softmax_minus_labels():
    labels = RNG.dirichlet(np.ones(5), 4)
    x = tf.Variable(S.astype(np.float64))
    with tf.GradientTape(persistent=True) as tape:
        dense = tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits(labels, x))
        sparse = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits([1, 2, 3, 4], x))
    p = np.exp(S) / np.exp(S).sum(-1, keepdims=True)
    np.testing.assert_allclose(tape.gradient(dense, x).numpy(), p - labels, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(tape.gradient(sparse, x).numpy(), p - np.eye(5)[[1, 2, 3, 4]],
                               rtol=1e-5, atol=1e-7)


def test_l2_loss_and_log_poisson():
    np.testing.assert_allclose(tf.nn.l2_loss(S).numpy(), (S ** 2).sum() / 2, rtol=1e-6)
    t, li = np.array([0.0, 1.0, 3.0]), np.array([0.1, -0.2, 1.0])
    full = tf.nn.log_poisson_loss(t, li, compute_full_loss=True).numpy()
    stirling = np.where(t > 1, t * np.log(t) - t + 0.5 * np.log(2 * np.pi * t), 0)
    np.testing.assert_allclose(full, np.exp(li) - li * t + stirling, rtol=1e-12)


# -- normalization, dropout, misc ---------------------------------------------------------------
def test_moments_and_batch_normalization(keras):
    x = RNG.standard_normal((4, 3, 2))
    mean, var = tf.nn.moments(x, axes=[0, 1])
    np.testing.assert_allclose(mean.numpy(), x.mean((0, 1)), rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), x.var((0, 1)), rtol=1e-12)
    km, kv = keras.ops.moments(x.astype(np.float32), axes=[0, 1])
    np.testing.assert_allclose(var.numpy(), keras.ops.convert_to_numpy(kv), rtol=1e-5)
    m, v = tf.nn.moments(x, [0], keepdims=True)
    assert m.shape == (1, 3, 2)
    scale, offset = np.array([2.0, 0.5]), np.array([0.1, -0.1])
    got = tf.nn.batch_normalization(x, mean, var, offset, scale, 1e-3).numpy()
    np.testing.assert_allclose(got, (x - x.mean((0, 1))) / np.sqrt(x.var((0, 1)) + 1e-3)
                               * scale + offset, rtol=1e-10)


def test_dropout():
    x = tf.ones((200, 50))
    tf.random.set_seed(5)
    a = tf.nn.dropout(x, 0.3, seed=1)
    tf.random.set_seed(5)
    b = tf.nn.dropout(x, 0.3, seed=1)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    kept = a.numpy() != 0
    np.testing.assert_allclose(a.numpy()[kept], 1 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.02
    shared = tf.nn.dropout(x, 0.5, noise_shape=[200, 1]).numpy()
    assert np.all((shared == 0).all(1) | (shared != 0).all(1))
    assert tf.nn.dropout(x, 0.0) is x
    with pytest.raises(ValueError, match=r"rate.*range \[0, 1\)"):
        tf.nn.dropout(x, 1.0)


def test_bias_add_embedding_and_l2_normalize():
    b = np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32)
    np.testing.assert_allclose(tf.nn.bias_add(S, b).numpy(), S + b)
    nchw = np.zeros((1, 5, 2, 2), np.float32)
    np.testing.assert_allclose(tf.nn.bias_add(nchw, b, "NCHW").numpy()[0, :, 1, 1], b)
    table = RNG.standard_normal((6, 3))
    np.testing.assert_allclose(tf.nn.embedding_lookup(table, [[5, 0]]).numpy(), table[[[5, 0]]])
    clipped = tf.nn.embedding_lookup(table * 10, [1], max_norm=1.0).numpy()
    np.testing.assert_allclose(np.linalg.norm(clipped), 1.0, rtol=1e-9)
    np.testing.assert_allclose(tf.nn.l2_normalize(S, axis=-1).numpy(),
                               S / np.linalg.norm(S, axis=-1, keepdims=True), rtol=1e-5)
