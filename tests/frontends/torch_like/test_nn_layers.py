"""Differential tests of torch_like.nn layers against real PyTorch 2.13: the same module config,
torch's parameters copied across through numpy, then outputs, input gradients, parameter
gradients and (for the normalization layers) the updated buffers compared."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import frontends.torch_like as tt
from frontends.torch_like import nn as tnn

# float32 tolerances. ELEMENTWISE: one rounding per element. ACCUMULATE: sums over windows,
# channels or features, whose float32 summation order differs from torch's kernels.
ELEMENTWISE = {"rtol": 1e-5, "atol": 1e-6}
ACCUMULATE = {"rtol": 1e-4, "atol": 2e-5}


def ours_tensor(a: np.ndarray, requires_grad: bool = False):
    return tt.Tensor(np.array(a), requires_grad=requires_grad)


def copy_state(theirs, ours) -> None:
    """Load torch's state_dict into ours (keys must match exactly)."""
    state = {k: ours_tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    result = ours.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys


def assert_close(ours, theirs, tol, what: str) -> None:
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    np.testing.assert_allclose(np.asarray(ours.array if hasattr(ours, "array") else ours),
                               theirs, err_msg=what, **tol)


def run_both(build, inputs, tol=ELEMENTWISE, train=True, seed=0, grad_inputs=True):
    """Build the module in both libraries (build(nn) -> module), copy torch's state into ours,
    run forward and backward with a random output gradient, and compare everything."""
    theirs, ours = build(torch.nn), build(tnn)
    copy_state(theirs, ours)
    theirs.train(train)
    ours.train(train)
    float_in = [a.dtype.kind == "f" and grad_inputs for a in inputs]
    xt = [torch.tensor(a, requires_grad=f) for a, f in zip(inputs, float_in)]
    xo = [ours_tensor(a, f) for a, f in zip(inputs, float_in)]
    yt, yo = theirs(*xt), ours(*xo)
    assert tuple(yo.shape) == tuple(yt.shape)
    assert_close(yo, yt, tol, "output")
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(inputs[0].dtype
                                                                             if float_in[0]
                                                                             else np.float32)
    yt.backward(torch.tensor(g))
    yo.backward(ours_tensor(g))
    for i, (a, b) in enumerate(zip(xo, xt)):
        if b.requires_grad:
            assert_close(a.grad, b.grad, tol, f"grad of input {i}")
    named = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        if p.grad is not None:
            assert named[name].grad is not None, name
            assert_close(named[name].grad, p.grad, tol, f"grad of {name}")
    ours_state = ours.state_dict()
    for name, v in theirs.state_dict().items():  # running statistics after the step
        assert_close(ours_state[name], v, tol, f"state {name}")
    return ours, theirs


def rand(*shape, seed=1, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


LAYERS = {
    "linear": (lambda nn: nn.Linear(5, 3), [(4, 5)]),
    "linear_nd": (lambda nn: nn.Linear(5, 3), [(2, 3, 5)]),
    "linear_1d_input": (lambda nn: nn.Linear(5, 3), [(5,)]),
    "linear_no_bias": (lambda nn: nn.Linear(5, 3, bias=False), [(4, 5)]),
    "identity": (lambda nn: nn.Identity(3, unused=True), [(2, 3)]),
    "conv1d": (lambda nn: nn.Conv1d(3, 4, 3, stride=2, padding=1), [(2, 3, 9)]),
    "conv1d_same_dilated": (lambda nn: nn.Conv1d(2, 3, 4, padding="same", dilation=2),
                            [(2, 2, 9)]),
    "conv1d_unbatched": (lambda nn: nn.Conv1d(2, 3, 3), [(2, 7)]),
    "conv2d": (lambda nn: nn.Conv2d(3, 4, 3), [(2, 3, 7, 6)]),
    "conv2d_strided": (lambda nn: nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 2),
                                            dilation=(1, 2)), [(2, 3, 8, 7)]),
    "conv2d_groups": (lambda nn: nn.Conv2d(4, 6, 3, groups=2, bias=False), [(2, 4, 6, 6)]),
    "conv2d_depthwise": (lambda nn: nn.Conv2d(3, 3, 3, groups=3, padding=1), [(1, 3, 5, 5)]),
    "conv2d_same_even": (lambda nn: nn.Conv2d(2, 3, 4, padding="same"), [(2, 2, 6, 5)]),
    "conv2d_valid": (lambda nn: nn.Conv2d(2, 3, 3, padding="valid"), [(1, 2, 5, 5)]),
    "conv2d_reflect": (lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
                       [(2, 2, 5, 6)]),
    "conv2d_replicate": (lambda nn: nn.Conv2d(2, 3, 3, padding=2, padding_mode="replicate"),
                         [(2, 2, 5, 6)]),
    "conv2d_circular": (lambda nn: nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="circular"),
                        [(2, 2, 5, 6)]),
    "conv2d_unbatched": (lambda nn: nn.Conv2d(2, 3, 3), [(2, 5, 5)]),
    "conv3d": (lambda nn: nn.Conv3d(2, 3, 2, padding=1), [(1, 2, 3, 4, 3)]),
    "conv_transpose1d": (lambda nn: nn.ConvTranspose1d(3, 4, 3, stride=2, output_padding=1),
                         [(2, 3, 5)]),
    "conv_transpose2d": (lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                                       output_padding=1, groups=2),
                         [(2, 4, 4, 5)]),
    "conv_transpose2d_dilated": (lambda nn: nn.ConvTranspose2d(2, 3, (2, 3), dilation=2,
                                                               bias=False), [(1, 2, 3, 4)]),
    "maxpool1d": (lambda nn: nn.MaxPool1d(3, 2), [(2, 3, 9)]),
    "maxpool2d": (lambda nn: nn.MaxPool2d(2), [(2, 3, 6, 6)]),
    "maxpool2d_ceil_pad": (lambda nn: nn.MaxPool2d(3, 2, 1, ceil_mode=True), [(2, 2, 6, 7)]),
    "maxpool2d_dilated": (lambda nn: nn.MaxPool2d(2, 1, dilation=2), [(1, 2, 5, 5)]),
    "maxpool2d_unbatched": (lambda nn: nn.MaxPool2d(2), [(3, 4, 4)]),
    "avgpool1d": (lambda nn: nn.AvgPool1d(3, 2, 1), [(2, 3, 8)]),
    "avgpool2d": (lambda nn: nn.AvgPool2d(3, 2, 1), [(2, 3, 7, 6)]),
    "avgpool2d_exclude_pad": (lambda nn: nn.AvgPool2d(3, 2, 1, count_include_pad=False),
                              [(2, 3, 7, 6)]),
    "avgpool2d_ceil": (lambda nn: nn.AvgPool2d(3, 2, 1, ceil_mode=True), [(1, 2, 6, 6)]),
    "avgpool2d_ceil_exclude": (lambda nn: nn.AvgPool2d(2, 2, 0, ceil_mode=True,
                                                       count_include_pad=False), [(1, 2, 5, 5)]),
    "avgpool2d_divisor": (lambda nn: nn.AvgPool2d(2, divisor_override=3), [(1, 2, 4, 4)]),
    "adaptive_avg1d": (lambda nn: nn.AdaptiveAvgPool1d(3), [(2, 3, 7)]),
    "adaptive_avg2d": (lambda nn: nn.AdaptiveAvgPool2d((3, 2)), [(2, 3, 7, 5)]),
    "adaptive_avg2d_none": (lambda nn: nn.AdaptiveAvgPool2d((None, 2)), [(2, 3, 4, 5)]),
    "adaptive_avg2d_global": (lambda nn: nn.AdaptiveAvgPool2d(1), [(2, 3, 4, 5)]),
    "adaptive_max1d": (lambda nn: nn.AdaptiveMaxPool1d(4), [(2, 3, 9)]),
    "adaptive_max2d": (lambda nn: nn.AdaptiveMaxPool2d((3, 3)), [(2, 3, 7, 8)]),
    "layernorm": (lambda nn: nn.LayerNorm((4, 5)), [(3, 4, 5)]),
    "layernorm_no_bias": (lambda nn: nn.LayerNorm(5, bias=False), [(3, 5)]),
    "layernorm_no_affine": (lambda nn: nn.LayerNorm(5, elementwise_affine=False), [(2, 3, 5)]),
    "groupnorm": (lambda nn: nn.GroupNorm(2, 4), [(3, 4, 5)]),
    "groupnorm_no_affine": (lambda nn: nn.GroupNorm(4, 4, affine=False), [(2, 4, 3, 3)]),
    "instancenorm1d": (lambda nn: nn.InstanceNorm1d(3), [(2, 3, 6)]),
    "instancenorm2d_affine": (lambda nn: nn.InstanceNorm2d(3, affine=True), [(2, 3, 4, 5)]),
    "instancenorm2d_running": (lambda nn: nn.InstanceNorm2d(3, track_running_stats=True),
                               [(2, 3, 4, 5)]),
    "instancenorm2d_unbatched": (lambda nn: nn.InstanceNorm2d(3), [(3, 4, 5)]),
    "batchnorm1d_2d": (lambda nn: nn.BatchNorm1d(4), [(6, 4)]),
    "batchnorm1d_3d": (lambda nn: nn.BatchNorm1d(3, momentum=0.3), [(4, 3, 5)]),
    "batchnorm2d": (lambda nn: nn.BatchNorm2d(3), [(2, 3, 4, 5)]),
    "batchnorm2d_cumulative": (lambda nn: nn.BatchNorm2d(3, momentum=None), [(2, 3, 4, 5)]),
    "batchnorm2d_no_affine": (lambda nn: nn.BatchNorm2d(3, affine=False), [(2, 3, 4, 5)]),
    "batchnorm2d_untracked": (lambda nn: nn.BatchNorm2d(3, track_running_stats=False),
                              [(2, 3, 4, 5)]),
    "batchnorm3d": (lambda nn: nn.BatchNorm3d(2), [(2, 2, 3, 2, 3)]),
    "flatten": (lambda nn: nn.Flatten(), [(2, 3, 4, 5)]),
    "flatten_range": (lambda nn: nn.Flatten(0, 2), [(2, 3, 4, 5)]),
    "unflatten": (lambda nn: nn.Unflatten(1, (2, -1)), [(2, 6, 4)]),
    "upsample_nearest": (lambda nn: nn.Upsample(scale_factor=2), [(1, 2, 3, 4)]),
    "upsample_nearest_frac": (lambda nn: nn.Upsample(scale_factor=1.5), [(1, 2, 4, 5)]),
    "upsample_nearest_size": (lambda nn: nn.Upsample(size=(5, 7)), [(1, 2, 3, 4)]),
    "upsample_nearest_exact": (lambda nn: nn.Upsample(size=(5, 7), mode="nearest-exact"),
                               [(1, 2, 3, 4)]),
    "upsample_bilinear": (lambda nn: nn.Upsample(scale_factor=2, mode="bilinear"),
                          [(1, 2, 3, 4)]),
    "upsample_bilinear_size": (lambda nn: nn.Upsample(size=(4, 9), mode="bilinear"),
                               [(1, 2, 3, 4)]),
    "upsample_bilinear_corners": (lambda nn: nn.Upsample(size=(5, 6), mode="bilinear",
                                                         align_corners=True), [(1, 2, 3, 4)]),
    "upsample_bicubic": (lambda nn: nn.Upsample(scale_factor=2, mode="bicubic"),
                         [(1, 2, 3, 4)]),
    "upsample_linear": (lambda nn: nn.Upsample(scale_factor=3, mode="linear"), [(2, 2, 4)]),
    "upsampling_bilinear2d": (lambda nn: nn.UpsamplingBilinear2d(scale_factor=2),
                              [(1, 2, 3, 3)]),
    "pixel_shuffle": (lambda nn: nn.PixelShuffle(2), [(2, 8, 3, 3)]),
    "pixel_unshuffle": (lambda nn: nn.PixelUnshuffle(2), [(2, 2, 4, 6)]),
    "prelu": (lambda nn: nn.PReLU(), [(2, 3, 4)]),
    "prelu_channels": (lambda nn: nn.PReLU(3, init=0.1), [(2, 3, 4)]),
    "sequential_mlp": (lambda nn: nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3)),
                       [(4, 6)]),
    "sequential_cnn": (lambda nn: nn.Sequential(nn.Conv2d(2, 4, 3, padding=1),
                                                nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                                                nn.Flatten(), nn.Linear(4 * 3 * 3, 5)),
                       [(3, 2, 6, 6)]),
}

_TIGHT = {"identity", "flatten", "flatten_range", "unflatten", "pixel_shuffle",
          "pixel_unshuffle", "maxpool1d", "maxpool2d", "maxpool2d_ceil_pad", "maxpool2d_dilated",
          "maxpool2d_unbatched", "adaptive_max1d", "adaptive_max2d", "upsample_nearest",
          "upsample_nearest_frac", "upsample_nearest_size", "upsample_nearest_exact", "prelu",
          "prelu_channels"}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_matches_torch(name):
    build, shapes = LAYERS[name]
    inputs = [rand(*s, seed=i + 1) for i, s in enumerate(shapes)]
    run_both(build, inputs, ELEMENTWISE if name in _TIGHT else ACCUMULATE)


@pytest.mark.parametrize("name", ["batchnorm1d_2d", "batchnorm2d", "batchnorm2d_cumulative",
                                  "instancenorm2d_running", "layernorm", "sequential_cnn"])
def test_normalization_eval_mode_matches_torch(name):
    """Two training steps move the running statistics, then eval mode uses them."""
    build, shapes = LAYERS[name]
    theirs, ours = build(torch.nn), build(tnn)
    copy_state(theirs, ours)
    for step in range(2):
        x = rand(*shapes[0], seed=10 + step)
        theirs(torch.tensor(x))
        ours(ours_tensor(x))
    theirs.eval()
    ours.eval()
    x = rand(*shapes[0], seed=20)
    assert_close(ours(ours_tensor(x)), theirs(torch.tensor(x)), ACCUMULATE, "eval output")
    ours_state = ours.state_dict()
    for k, v in theirs.state_dict().items():
        assert_close(ours_state[k], v, ACCUMULATE, k)


def test_bilinear_matches_torch():
    run_both(lambda nn: nn.Bilinear(3, 4, 2), [rand(5, 3), rand(5, 4, seed=2)], ACCUMULATE)


def test_conv_transpose_output_size_matches_torch():
    theirs, ours = torch.nn.ConvTranspose2d(2, 3, 3, stride=2), tnn.ConvTranspose2d(2, 3, 3,
                                                                                     stride=2)
    copy_state(theirs, ours)
    x = rand(1, 2, 4, 4)
    yt = theirs(torch.tensor(x), output_size=[10, 10])
    yo = ours(ours_tensor(x), output_size=[10, 10])
    assert_close(yo, yt, ACCUMULATE, "output_size")
    with pytest.raises(ValueError, match="requested an output size of"):
        ours(ours_tensor(x), output_size=[12, 12])


def test_embedding_matches_torch_and_skips_padding_row():
    idx = np.array([[1, 2, 0, 4], [4, 3, 1, 1]], np.int64)
    ours, _theirs = run_both(lambda nn: nn.Embedding(6, 3, padding_idx=1), [idx])
    assert np.all(ours.weight.grad.array[1] == 0)


def test_embedding_init_zeroes_padding_row_and_from_pretrained():
    emb = tnn.Embedding(5, 4, padding_idx=-1)
    assert emb.padding_idx == 4 and np.all(emb.weight.array[4] == 0)
    w = rand(3, 2)
    frozen = tnn.Embedding.from_pretrained(ours_tensor(w))
    assert not frozen.weight.requires_grad
    out = frozen(ours_tensor(np.array([2, 0])))
    np.testing.assert_array_equal(out.array, w[[2, 0]])
    assert tnn.Embedding.from_pretrained(ours_tensor(w), freeze=False).weight.requires_grad


def test_embedding_max_norm_renormalizes_like_torch():
    w = rand(5, 3) * 4
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(w), max_norm=1.0)
    ours = tnn.Embedding.from_pretrained(ours_tensor(w), max_norm=1.0)
    idx = np.array([0, 2, 2])
    assert_close(ours(ours_tensor(idx)), theirs(torch.tensor(idx)), ELEMENTWISE, "output")
    assert_close(ours.weight, theirs.weight, ELEMENTWISE, "renormalized weight")


def test_maxpool_return_indices_match_torch():
    x = rand(2, 3, 6, 7)
    for nn_args in [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1,
                                                  "ceil_mode": True}]:
        _, it = torch.nn.MaxPool2d(return_indices=True, **nn_args)(torch.tensor(x))
        _, io = tnn.MaxPool2d(return_indices=True, **nn_args)(ours_tensor(x))
        np.testing.assert_array_equal(io.array, it.numpy())
        assert io.dtype == np.int64
    _yt, it = torch.nn.AdaptiveMaxPool2d(3, return_indices=True)(torch.tensor(x))
    _yo, io = tnn.AdaptiveMaxPool2d(3, return_indices=True)(ours_tensor(x))
    np.testing.assert_array_equal(io.array, it.numpy())


def test_dropout_eval_is_identity_and_train_scales_kept_units():
    x = np.ones((200, 50), np.float32)
    drop = tnn.Dropout(0.3)
    drop.eval()
    assert drop(ours_tensor(x)) is not None
    np.testing.assert_array_equal(drop(ours_tensor(x)).array, x)
    drop.train()
    y = drop(ours_tensor(x)).array
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)


def test_dropout2d_zeroes_whole_channels():
    x = np.ones((40, 30, 3, 3), np.float32)
    y = tnn.Dropout2d(0.5)(ours_tensor(x)).array
    per_channel = y.reshape(40, 30, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0.4 < (per_channel[..., 0] == 0).mean() < 0.6
    y1 = tnn.Dropout1d(0.5)(ours_tensor(np.ones((10, 20, 4), np.float32))).array
    assert np.all((y1 == 0).all(-1) | (y1 == 2).all(-1))


def test_dropout_gradient_follows_the_mask():
    x = ours_tensor(np.ones((50, 40), np.float32), requires_grad=True)
    y = tnn.Dropout(0.5)(x)
    y.backward(ours_tensor(np.ones((50, 40), np.float32)))
    np.testing.assert_array_equal(x.grad.array, y.array)


ACTIVATIONS = {
    "relu": lambda nn: nn.ReLU(), "relu6": lambda nn: nn.ReLU6(),
    "leaky_relu": lambda nn: nn.LeakyReLU(0.2), "elu": lambda nn: nn.ELU(0.7),
    "selu": lambda nn: nn.SELU(), "celu": lambda nn: nn.CELU(1.3),
    "gelu": lambda nn: nn.GELU(), "gelu_tanh": lambda nn: nn.GELU("tanh"),
    "silu": lambda nn: nn.SiLU(), "mish": lambda nn: nn.Mish(),
    "sigmoid": lambda nn: nn.Sigmoid(), "tanh": lambda nn: nn.Tanh(),
    "softplus": lambda nn: nn.Softplus(), "softplus_beta": lambda nn: nn.Softplus(2.0, 3.0),
    "softsign": lambda nn: nn.Softsign(), "hardtanh": lambda nn: nn.Hardtanh(-0.5, 1.5),
    "hardsigmoid": lambda nn: nn.Hardsigmoid(), "hardswish": lambda nn: nn.Hardswish(),
    "tanhshrink": lambda nn: nn.Tanhshrink(), "threshold": lambda nn: nn.Threshold(0.1, 20),
    "logsigmoid": lambda nn: nn.LogSigmoid(), "hardshrink": lambda nn: nn.Hardshrink(0.7),
    "softshrink": lambda nn: nn.Softshrink(0.3), "rrelu_eval": lambda nn: nn.RReLU().eval(),
    "glu": lambda nn: nn.GLU(1), "softmax": lambda nn: nn.Softmax(dim=1),
    "log_softmax": lambda nn: nn.LogSoftmax(dim=-1), "softmin": lambda nn: nn.Softmin(0),
    "softmax2d": lambda nn: nn.Softmax2d(),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_matches_torch(name):
    x = rand(3, 4, 5) * 4  # spread past every kink and saturation point
    train = name != "rrelu_eval"
    run_both(ACTIVATIONS[name], [x], ELEMENTWISE, train=train)


def test_activations_at_their_kinks_match_torch_gradients():
    x = np.array([-3.0, -1.0, 0.0, 1.0, 3.0, 6.0], np.float32)
    for name in ["relu", "relu6", "hardtanh", "hardsigmoid", "hardswish", "leaky_relu"]:
        run_both(lambda nn, n=name: ACTIVATIONS[n](nn) if n != "hardtanh" else nn.Hardtanh(),
                 [x], ELEMENTWISE)


def test_inplace_activation_overwrites_its_input():
    x = ours_tensor(np.array([-1.0, 2.0], np.float32))
    y = tnn.ReLU(inplace=True)(x)
    assert y is x and x.array.tolist() == [0.0, 2.0]


def test_float64_layers_match_torch_tightly():
    build = lambda nn: nn.Sequential(nn.Conv2d(2, 3, 3), nn.GroupNorm(1, 3), nn.GELU(),
                                     nn.Flatten(), nn.Linear(12, 2)).double()
    run_both(build, [rand(2, 2, 4, 4, dtype=np.float64)], {"rtol": 1e-10, "atol": 1e-12})
