"""The torch_like names the broader test files do not reach by name: 3-D variants, in-place
activations, *_with_indices pools, deprecated aliases and base classes, each against real
PyTorch 2.13 (values, indices, in-place identity) or by the relation torch defines."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as ttorch
import frontends.torch_like.nn.functional as TF

torch = pytest.importorskip("torch")
F = torch.nn.functional
RNG = np.random.default_rng(7)


def _pair(*shape):
    x = RNG.normal(size=shape).astype(np.float32)
    return ttorch.tensor(x), torch.tensor(x)


def _same(ours, theirs, **tol):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(),
                               **(tol or {"rtol": 1e-5, "atol": 1e-6}))


@pytest.mark.parametrize("name, shape, args", [
    ("adaptive_avg_pool1d", (2, 3, 9), (4,)),
    ("adaptive_avg_pool3d", (2, 3, 5, 6, 7), ((2, 3, 4),)),
    ("avg_pool3d", (2, 3, 6, 6, 6), (2,)),
    ("upsample", (1, 2, 3, 4), (None, 2)),
])
def test_functional_forms_match_torch(name, shape, args):
    ours, theirs = _pair(*shape)
    _same(getattr(TF, name)(ours, *args), getattr(F, name)(theirs, *args))


@pytest.mark.parametrize("name, shape, args", [
    ("adaptive_max_pool1d_with_indices", (2, 3, 9), (4,)),
    ("adaptive_max_pool2d_with_indices", (2, 3, 7, 9), ((3, 4),)),
    ("max_pool1d_with_indices", (2, 3, 9), (3, 2)),
    ("max_pool2d_with_indices", (2, 3, 8, 8), (3, 2, 1)),
    ("max_pool3d_with_indices", (1, 2, 6, 6, 6), (2,)),
])
def test_pools_with_indices_match_torch(name, shape, args):
    ours, theirs = _pair(*shape)
    (v_ours, i_ours), (v_theirs, i_theirs) = getattr(TF, name)(ours, *args), \
        getattr(F, name)(theirs, *args)
    _same(v_ours, v_theirs)
    np.testing.assert_array_equal(i_ours.numpy(), i_theirs.numpy())


def test_adaptive_max_pool1d_matches_torch():
    ours, theirs = _pair(2, 3, 10)
    _same(TF.adaptive_max_pool1d(ours, 3), F.adaptive_max_pool1d(theirs, 3))


@pytest.mark.parametrize("name, kwargs", [
    ("celu_", {"alpha": 0.7}), ("hardtanh_", {}), ("leaky_relu_", {"negative_slope": 0.2}),
    ("rrelu_", {"training": False}), ("selu_", {}), ("threshold_", {"threshold": 0.1, "value": -1.0}),
])
def test_inplace_activations_modify_their_input_like_torch(name, kwargs):
    ours, theirs = _pair(4, 5)
    result = getattr(TF, name)(ours, **kwargs)
    getattr(F, name)(theirs, **kwargs)
    assert result is ours  # in place: the same tensor comes back, changed
    _same(ours, theirs)


@pytest.mark.parametrize("name, shape", [("dropout1d", (2, 4, 6)), ("dropout2d", (2, 4, 3, 3)),
                                         ("dropout3d", (2, 4, 2, 3, 3))])
def test_channel_dropouts_zero_whole_channels_and_scale_the_rest(name, shape):
    ttorch.manual_seed(0)
    x = ttorch.ones(*shape)
    out = getattr(TF, name)(x, p=0.5, training=True).numpy()
    per_channel = out.reshape(shape[0], shape[1], -1)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # a channel is kept or dropped whole
    assert 0 < (per_channel[..., 0] == 0).mean() < 1
    np.testing.assert_array_equal(getattr(TF, name)(x, p=0.5, training=False).numpy(), x.numpy())


def test_modules_3d_and_deprecated_names_match_torch():
    ours, theirs = _pair(2, 3, 4, 5, 6)
    _same(ttorch.nn.AdaptiveAvgPool3d((2, 2, 3))(ours), torch.nn.AdaptiveAvgPool3d((2, 2, 3))(theirs))
    _same(ttorch.nn.InstanceNorm3d(3)(ours), torch.nn.InstanceNorm3d(3)(theirs), rtol=1e-4, atol=1e-5)
    ttorch.manual_seed(0)
    dropped = ttorch.nn.Dropout3d(0.5)(ttorch.ones(2, 8, 2, 2, 2)).numpy().reshape(2, 8, -1)
    assert (dropped.min(-1) == dropped.max(-1)).all()
    ours2, theirs2 = _pair(1, 2, 3, 4)
    _same(ttorch.nn.UpsamplingNearest2d(scale_factor=2)(ours2),
          torch.nn.UpsamplingNearest2d(scale_factor=2)(theirs2))
    logp, target = _pair(2, 3, 4, 4)[0].log_softmax(1), np.array(RNG.integers(0, 3, (2, 4, 4)))
    theirs_logp = torch.tensor(logp.numpy())
    _same(ttorch.nn.NLLLoss2d()(logp, ttorch.tensor(target)),
          torch.nn.NLLLoss2d()(theirs_logp, torch.tensor(target)))


def test_recurrent_base_classes_are_the_bases_torch_has():
    assert issubclass(ttorch.nn.LSTM, ttorch.nn.RNNBase) and issubclass(ttorch.nn.GRU, ttorch.nn.RNNBase)
    assert issubclass(ttorch.nn.LSTMCell, ttorch.nn.RNNCellBase)
    assert issubclass(ttorch.nn.GRUCell, ttorch.nn.RNNCellBase)


def test_clip_grad_norm_deprecated_alias_matches_torch():
    w_ours, w_theirs = _pair(3, 3)
    for w in (w_ours, w_theirs):
        w.requires_grad_(True)
        (w * w).sum().backward()
    with pytest.warns(FutureWarning):
        n_ours = ttorch.nn.utils.clip_grad_norm([w_ours], 0.5)
    with pytest.warns(FutureWarning):
        n_theirs = torch.nn.utils.clip_grad_norm([w_theirs], 0.5)
    _same(n_ours, n_theirs)
    _same(w_ours.grad, w_theirs.grad)


def test_a_custom_sampler_drives_the_dataloader():
    class EvenFirst(ttorch.utils.data.Sampler):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter([*range(0, self.n, 2), *range(1, self.n, 2)])

        def __len__(self):
            return self.n

    data = ttorch.utils.data.TensorDataset(ttorch.arange(6))
    loader = ttorch.utils.data.DataLoader(data, batch_size=3, sampler=EvenFirst(6))
    assert [b[0].tolist() for b in loader] == [[0, 2, 4], [1, 3, 5]]


def test_function_ctx_is_the_type_of_ctx():
    seen = []

    class Double(ttorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(isinstance(ctx, ttorch.autograd.FunctionCtx))
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = ttorch.ones(3, requires_grad=True)
    Double.apply(x).sum().backward()
    assert seen == [True] and x.grad.tolist() == [2.0, 2.0, 2.0]


def test_is_in_onnx_export_is_true_only_while_exporting(tmp_path):
    seen = []

    class Probe(ttorch.nn.Module):
        def forward(self, x):
            seen.append(ttorch.onnx.is_in_onnx_export())
            return x + 1

    assert ttorch.onnx.is_in_onnx_export() is False
    ttorch.onnx.export(Probe(), ttorch.ones(2), str(tmp_path / "probe.onnx"))
    assert seen and all(seen)
    assert ttorch.onnx.is_in_onnx_export() is False
