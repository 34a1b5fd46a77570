"""torch_like.nn.functional against real PyTorch 2.13: values and input gradients of every
function (weights passed explicitly), and torch's exception types and messages for bad
input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import frontends.torch_like as tt
import frontends.torch_like.nn.functional as TF
from frontends.torch_like import nn as tnn

from .test_nn_layers import ACCUMULATE, ELEMENTWISE, assert_close, ours_tensor, rand

TF_ = torch.nn.functional


def run_fn(name, arrays, kwargs=None, tol=ELEMENTWISE, seed=3):
    """Call F.<name>(*arrays, **kwargs) in both libraries; compare outputs and the gradients
    of every float input for a random output gradient."""
    kwargs = kwargs or {}
    xt = [a if not isinstance(a, np.ndarray) else
          torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    xo = [a if not isinstance(a, np.ndarray) else ours_tensor(a, a.dtype.kind == "f")
          for a in arrays]
    yt = getattr(TF_, name)(*xt, **kwargs)
    yo = getattr(TF, name)(*xo, **kwargs)
    assert tuple(yo.shape) == tuple(yt.shape), name
    assert yo.dtype == np.dtype(str(yt.dtype).replace("torch.", "")), name
    assert_close(yo, yt, tol, f"{name} output")
    if not yt.requires_grad:
        return
    g = np.random.default_rng(seed).standard_normal(tuple(yt.shape)).astype(
        str(yt.dtype).replace("torch.", ""))
    yt.backward(torch.tensor(g))
    yo.backward(ours_tensor(g))
    for i, (a, b) in enumerate(zip(xo, xt)):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            assert_close(a.grad, b.grad, tol, f"{name} grad of input {i}")


FUNCTIONS = {
    "linear": (["x45", "w35", "b3"], {}),
    "bilinear": (["x43", "x44", "w234", "b2"], {}),
    "conv1d": (["x239", "w433"], {"stride": 2, "padding": 2, "dilation": 2}),
    "conv2d": (["x2466", "w6233", "b6"], {"groups": 2, "padding": "same"}),
    "conv_transpose2d": (["x2355", "w3422"], {"stride": 2, "output_padding": 1, "padding": 1}),
    "conv_transpose1d": (["x236", "w342"], {"stride": 3, "dilation": 2}),
    "max_pool1d": (["x239"], {"kernel_size": 3, "stride": 2, "padding": 1}),
    "max_pool2d": (["x2466"], {"kernel_size": (2, 3), "stride": (2, 1)}),
    "avg_pool1d": (["x239"], {"kernel_size": 3, "stride": 2, "padding": 1}),
    "avg_pool2d": (["x2466"], {"kernel_size": 3, "padding": 1, "count_include_pad": False}),
    "adaptive_avg_pool2d": (["x2466"], {"output_size": (4, 3)}),
    "adaptive_max_pool2d": (["x2466"], {"output_size": 4}),
    "batch_norm_eval": None,  # see test_batch_norm_functional
    "layer_norm": (["x345", "=(4, 5)", "w45", "b45"], {}),
    "group_norm": (["x2466", "=2", "w4", "b4"], {}),
    "pad_constant": None,
    "relu": (["x345"], {}), "relu6": (["x345"], {}), "elu": (["x345"], {"alpha": 0.5}),
    "selu": (["x345"], {}), "celu": (["x345"], {"alpha": 2.0}), "gelu": (["x345"], {}),
    "silu": (["x345"], {}), "mish": (["x345"], {}), "softplus": (["x345"], {"beta": 0.5}),
    "leaky_relu": (["x345"], {"negative_slope": 0.3}), "hardtanh": (["x345"], {}),
    "hardswish": (["x345"], {}), "hardsigmoid": (["x345"], {}), "logsigmoid": (["x345"], {}),
    "softsign": (["x345"], {}), "tanhshrink": (["x345"], {}), "sigmoid": (["x345"], {}),
    "tanh": (["x345"], {}), "glu": (["x345"], {"dim": 1}),
    "threshold": (["x345"], {"threshold": 0.2, "value": -1.0}),
    "hardshrink": (["x345"], {}), "softshrink": (["x345"], {"lambd": 0.1}),
    "prelu": (["x345", "w4"], {}),
    "softmax": (["x345"], {"dim": 2}), "log_softmax": (["x345"], {"dim": 0}),
    "softmin": (["x345"], {"dim": 1}),
    "normalize": (["x345"], {"p": 1.0, "dim": 2}),
    "cosine_similarity": (["x345", "x145"], {"dim": 2}),
    "pairwise_distance": (["x45", "x45b"], {"p": 3.0, "keepdim": True}),
    "pixel_shuffle": (["x2466"], {"upscale_factor": 2}),
}


def _array(spec: str, i: int):
    if spec.startswith("="):  # a literal non-tensor argument
        return eval(spec[1:])
    name, digits = spec[0], spec[1:].rstrip("b")
    shape = tuple(int(d) for d in digits)
    a = rand(*shape, seed=i + 11) * (3 if name == "x" else 1)
    return a


@pytest.mark.parametrize("name", [k for k, v in FUNCTIONS.items() if v is not None])
def test_functional_matches_torch(name):
    specs, kwargs = FUNCTIONS[name]
    tol = ELEMENTWISE if name in ("relu", "elu", "selu", "celu", "gelu", "silu", "mish",
                                  "softplus", "leaky_relu", "hardtanh", "hardswish", "sigmoid",
                                  "tanh", "threshold", "hardshrink", "softshrink", "prelu",
                                  "pixel_shuffle", "max_pool1d", "max_pool2d") else ACCUMULATE
    run_fn(name, [_array(s, i) for i, s in enumerate(specs)], kwargs, tol)


PADS = [((1, 2), "constant", 2.5, 4), ((1, 2, 0, 3), "constant", None, 4),
        ((-1, 2), "constant", 0, 4), ((2, 1), "reflect", None, 3),
        ((1, 2, 2, 1), "reflect", None, 4), ((2, 3), "replicate", None, 2),
        ((1, 0, 2, 2), "replicate", None, 3), ((2, 1, 1, 3), "circular", None, 4),
        ((1, 1, 1, 1, 1, 1), "constant", 1.0, 4), ((1, 2, 0, 1, 1, 1), "reflect", None, 4)]


@pytest.mark.parametrize("pad,mode,value,rank", PADS,
                         ids=[f"{m}{len(p)}-{i}" for i, (p, m, _, _) in enumerate(PADS)])
def test_pad_matches_torch(pad, mode, value, rank):
    kwargs = {"mode": mode} if value is None else {"mode": mode, "value": value}
    run_fn("pad", [rand(*(2, 3, 4, 5)[4 - rank:])], dict(pad=pad, **kwargs))


INTERPOLATIONS = [
    {"scale_factor": (2, 3)}, {"size": (7, 5), "mode": "nearest"},
    {"scale_factor": 0.5, "mode": "bilinear"}, {"size": (3, 8), "mode": "bicubic",
                                                  "align_corners": True},
    {"size": (2, 3), "mode": "area"}, {"scale_factor": 1.7, "mode": "bilinear",
                                         "recompute_scale_factor": True},
    {"size": (3, 4), "mode": "bilinear", "antialias": True},
    {"scale_factor": 2.5, "mode": "nearest-exact"},
]


@pytest.mark.parametrize("kwargs", INTERPOLATIONS, ids=[str(k) for k in INTERPOLATIONS])
def test_interpolate_matches_torch(kwargs):
    run_fn("interpolate", [rand(2, 3, 6, 7)], kwargs, ACCUMULATE)


def test_interpolate_trilinear_and_linear_match_torch():
    run_fn("interpolate", [rand(1, 2, 3, 4, 2)], {"scale_factor": 2, "mode": "trilinear"},
           ACCUMULATE)
    run_fn("interpolate", [rand(1, 2, 5)], {"size": 9, "mode": "linear", "align_corners": True},
           ACCUMULATE)


def test_batch_norm_functional_updates_running_stats_like_torch():
    x, w, b = rand(4, 3, 5), rand(3, seed=2), rand(3, seed=3)
    rm_t, rv_t = torch.zeros(3), torch.ones(3)
    rm_o, rv_o = ours_tensor(np.zeros(3, np.float32)), ours_tensor(np.ones(3, np.float32))
    for training in (True, False):
        yt = TF_.batch_norm(torch.tensor(x), rm_t, rv_t, torch.tensor(w), torch.tensor(b),
                            training, 0.2, 1e-3)
        yo = TF.batch_norm(ours_tensor(x), rm_o, rv_o, ours_tensor(w), ours_tensor(b),
                           training, 0.2, 1e-3)
        assert_close(yo, yt, ACCUMULATE, f"training={training}")
        assert_close(rm_o, rm_t, ACCUMULATE, "running_mean")
        assert_close(rv_o, rv_t, ACCUMULATE, "running_var")


def test_instance_norm_with_running_stats_matches_torch():
    x = rand(2, 3, 6)
    rm_t, rv_t = torch.zeros(3), torch.ones(3)
    rm_o, rv_o = ours_tensor(np.zeros(3, np.float32)), ours_tensor(np.ones(3, np.float32))
    for use_input_stats in (True, False):
        yt = TF_.instance_norm(torch.tensor(x), rm_t, rv_t, use_input_stats=use_input_stats)
        yo = TF.instance_norm(ours_tensor(x), rm_o, rv_o, use_input_stats=use_input_stats)
        assert_close(yo, yt, ACCUMULATE, "output")
        assert_close(rm_o, rm_t, ACCUMULATE, "running_mean")
        assert_close(rv_o, rv_t, ACCUMULATE, "running_var")


def test_embedding_one_hot_and_dtypes_match_torch():
    idx = np.array([[0, 3], [2, 2]], np.int64)
    run_fn("embedding", [idx, rand(4, 3)], {"padding_idx": 2})
    oh_t = TF_.one_hot(torch.tensor(idx), 5)
    oh_o = TF.one_hot(ours_tensor(idx), 5)
    assert oh_o.dtype == np.int64
    np.testing.assert_array_equal(oh_o.array, oh_t.numpy())
    np.testing.assert_array_equal(TF.one_hot(ours_tensor(idx)).array,
                                  TF_.one_hot(torch.tensor(idx)).numpy())
    y = TF.softmax(ours_tensor(rand(3, 4)), dim=1, dtype=tt.float64)
    assert y.dtype == np.float64


def test_softmax_implicit_dim_warns_and_picks_torch_dim():
    x = rand(2, 3, 4)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        yo = TF.softmax(ours_tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yt = TF_.softmax(torch.tensor(x))
    assert_close(yo, yt, ELEMENTWISE, "implicit dim")


def test_inplace_functional_forms():
    x = ours_tensor(np.array([-2.0, 0.5], np.float32))
    assert TF.relu_(x) is x and x.array.tolist() == [0.0, 0.5]
    y = ours_tensor(np.array([-2.0, 0.5], np.float32))
    TF.elu_(y)
    np.testing.assert_allclose(y.array, TF_.elu(torch.tensor([-2.0, 0.5])).numpy(), rtol=1e-6)
    z = ours_tensor(np.array([-2.0, 3.0], np.float32))
    TF.hardtanh(z, inplace=True)
    assert z.array.tolist() == [-1.0, 1.0]


def test_dropout_functional_modes():
    x = ours_tensor(rand(10, 10))
    assert TF.dropout(x, 0.5, training=False) is x
    assert TF.alpha_dropout(x, 0.5, training=False) is x
    np.testing.assert_array_equal(TF.dropout(x, 1.0).array, np.zeros((10, 10)))
    y = TF.alpha_dropout(ours_tensor(rand(400, 400)), 0.2, training=True).array
    assert abs(y.mean()) < 0.05 and abs(y.std() - 1) < 0.05  # self-normalizing


def test_rrelu_training_slopes_lie_in_range():
    x = ours_tensor(-np.ones(10000, np.float32))
    slopes = -TF.rrelu(x, 0.1, 0.3, training=True).array
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and abs(slopes.mean() - 0.2) < 0.01


def error_of(fn):
    try:
        fn()
    except Exception as err:  # noqa: BLE001
        return type(err), str(err)
    raise AssertionError("no error raised")


BAD_INPUTS = {
    "linear": lambda F, t: F.linear(t(rand(32, 512)), t(rand(256, 784))),
    "linear_nd": lambda F, t: F.linear(t(rand(4, 32, 512)), t(rand(256, 784))),
    "linear_dtype": lambda F, t: F.linear(t(rand(4, 512, dtype=np.float64)), t(rand(256, 512))),
    "conv_channels": lambda F, t: F.conv2d(t(rand(1, 3, 8, 8)), t(rand(8, 4, 3, 3))),
    "conv_rank": lambda F, t: F.conv2d(t(rand(8, 8)), t(rand(8, 4, 3, 3))),
    "conv_kernel": lambda F, t: F.conv2d(t(rand(1, 4, 2, 2)), t(rand(8, 4, 3, 3))),
    "conv_same_strided": lambda F, t: F.conv2d(t(rand(1, 4, 5, 5)), t(rand(8, 4, 3, 3)),
                                               stride=2, padding="same"),
    "conv_transpose_channels": lambda F, t: F.conv_transpose2d(t(rand(1, 3, 4, 4)),
                                                               t(rand(4, 2, 3, 3))),
    "batch_norm_channels": lambda F, t: F.batch_norm(t(rand(2, 3, 2, 2)), t(np.zeros(4,
                                                     np.float32)), t(np.ones(4, np.float32))),
    "batch_norm_one_value": lambda F, t: F.batch_norm(t(rand(1, 4)), None, None,
                                                      training=True),
    "layer_norm": lambda F, t: F.layer_norm(t(rand(2, 3)), (4,)),
    "group_norm": lambda F, t: F.group_norm(t(rand(2, 6, 3)), 4),
    "embedding_range": lambda F, t: F.embedding(t(np.array([5])), t(rand(4, 2))),
    "embedding_float": lambda F, t: F.embedding(t(np.array([1.0], np.float32)), t(rand(4, 2))),
    "pad_reflect": lambda F, t: F.pad(t(rand(1, 1, 3)), (3, 3), mode="reflect"),
    "pad_odd": lambda F, t: F.pad(t(rand(1, 1, 3)), (3,)),
    "pad_rank": lambda F, t: F.pad(t(rand(1, 1, 3, 3)), (1, 1), mode="replicate"),
    "max_pool_pad": lambda F, t: F.max_pool2d(t(rand(1, 1, 5, 5)), 3, padding=2),
    "glu_odd": lambda F, t: F.glu(t(rand(2, 5)), 1),
    "interpolate_rank": lambda F, t: F.interpolate(t(rand(1, 1, 3)), scale_factor=2,
                                                   mode="bilinear"),
    "interpolate_both": lambda F, t: F.interpolate(t(rand(1, 1, 3)), size=4, scale_factor=2),
    "interpolate_corners": lambda F, t: F.interpolate(t(rand(1, 1, 3)), size=4,
                                                      align_corners=True),
    "one_hot_float": lambda F, t: F.one_hot(t(np.array([1.0], np.float32))),
    "one_hot_range": lambda F, t: F.one_hot(t(np.array([3])), 2),
    "one_hot_negative": lambda F, t: F.one_hot(t(np.array([-1])), 2),
    "dropout_p": lambda F, t: F.dropout(t(rand(2)), 1.5),
    "gelu_approx": lambda F, t: F.gelu(t(rand(2)), approximate="fast"),
    "prelu_channels": lambda F, t: F.prelu(t(rand(2, 3)), t(rand(4))),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_raises_torch_error(name):
    ours = error_of(lambda: BAD_INPUTS[name](TF, ours_tensor))
    theirs = error_of(lambda: BAD_INPUTS[name](TF_, torch.tensor))
    assert ours[0] is theirs[0], (ours, theirs)
    assert ours[1] == theirs[1]


LAYER_ERRORS = {
    "conv_groups": lambda nn: nn.Conv2d(4, 6, 3, groups=4),
    "conv_padding_mode": lambda nn: nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect"),
    "conv_same_strided": lambda nn: nn.Conv1d(2, 2, 3, stride=2, padding="same"),
    "dropout_p": lambda nn: nn.Dropout(-0.1),
    "groupnorm": lambda nn: nn.GroupNorm(3, 4),
    "embedding_pad": lambda nn: nn.Embedding(3, 2, padding_idx=3),
    "hardtanh": lambda nn: nn.Hardtanh(1.0, 0.0),
    "batchnorm_rank": lambda nn: nn.BatchNorm2d(3)(T[nn](rand(2, 3))),
    "instancenorm_affine": lambda nn: nn.InstanceNorm1d(4, affine=True)(T[nn](rand(2, 3, 5))),
    "softmax2d": lambda nn: nn.Softmax2d()(T[nn](rand(2, 3))),
    "unflatten": lambda nn: nn.Unflatten(1, (2, 2))(T[nn](rand(2, 6))),
}
T = {torch.nn: torch.tensor, tnn: ours_tensor}


@pytest.mark.parametrize("name", list(LAYER_ERRORS))
def test_layer_config_errors_match_torch(name):
    ours = error_of(lambda: LAYER_ERRORS[name](tnn))
    theirs = error_of(lambda: LAYER_ERRORS[name](torch.nn))
    assert ours[0] is theirs[0], (ours, theirs)
    assert ours[1].split(" [in ")[0] == theirs[1]
