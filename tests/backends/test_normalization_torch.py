"""The normalization ops against real PyTorch (skipped when torch is absent): nn.BatchNorm1d/2d in
train and eval mode (outputs, running statistics after several steps incl. torch's unbiased
running variance, gradients), F.layer_norm, F.instance_norm and F.group_norm (outputs and
gradients), eagerly and through a compiled gradient graph with a symbolic batch. Weights are
copied across, never RNG-matched. Also the ops' bad-input errors (these need no torch)."""

from __future__ import annotations

import numpy as np
import pytest

import core_ir as ir
from backends.numpy import Plan
from core_ir import ops
from core_ir.autodiff import gradient_graph
from core_ir.errors import ShapeError
from core_ir.tensor import Tensor

RTOL, ATOL = 1e-4, 1e-5  # float32 on both sides
RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def randn(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def close(ours, theirs, rtol=RTOL, atol=ATOL):
    data = ours.array if isinstance(ours, Tensor) else ours
    np.testing.assert_allclose(data, theirs.detach().numpy(), rtol=rtol, atol=atol)


def leaf(array):
    return Tensor(array, requires_grad=True)


def torch_grads(torch, fn, arrays, seed):
    """Run fn on torch leaves; return (output, grads of <output, seed> w.r.t. each leaf)."""
    leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    (out * torch.tensor(seed)).sum().backward()
    return out, [t.grad for t in leaves]


def our_grads(out, leaves, seed):
    return ir.grad([out], leaves, [Tensor(seed)])


# -- BatchNormalization ---------------------------------------------------------------------------
TORCH_BN = {"axis": 1, "epsilon": 1e-5, "running_var_unbiased": 1}


@pytest.mark.parametrize("shape", [(8, 3), (6, 3, 5), (4, 3, 5, 6)], ids=["1d_nc", "1d_ncl", "2d"])
@pytest.mark.parametrize("momentum", [0.1, 0.3])
def test_batchnorm_running_stats_follow_torch_over_steps(torch, shape, momentum):
    c = shape[1]
    bn = (torch.nn.BatchNorm1d if len(shape) < 4 else torch.nn.BatchNorm2d)(c, momentum=momentum)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(randn(c)))
        bn.bias.copy_(torch.tensor(randn(c)))
    weight, bias = bn.weight.detach().numpy().copy(), bn.bias.detach().numpy().copy()
    mean, var = np.zeros(c, np.float32), np.ones(c, np.float32)
    attrs = {**TORCH_BN, "momentum": 1 - momentum}  # torch's momentum in the ONNX form
    for step in range(3):
        x = randn(*shape) * (step + 1) + step
        y, mean_t, var_t = ops.batch_normalization(
            Tensor(x), Tensor(weight), Tensor(bias), Tensor(mean), Tensor(var), training_mode=1,
            **attrs)
        close(y, bn(torch.tensor(x)))
        mean, var = mean_t.array, var_t.array
        close(mean, bn.running_mean)
        close(var, bn.running_var)  # the unbiased n/(n-1) estimate, as torch stores it
    bn.eval()
    x = randn(*shape)
    (y,) = ops.batch_normalization(Tensor(x), Tensor(weight), Tensor(bias), Tensor(mean),
                                   Tensor(var), **attrs)
    close(y, bn(torch.tensor(x)))


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5, 6)], ids=["1d", "2d"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batchnorm_gradients_match_torch(torch, shape, training):
    c = shape[1]
    x, w, b = randn(*shape), randn(c), randn(c)
    rm, rv = randn(c), np.abs(randn(c)) + 0.5
    seed = randn(*shape)

    def theirs(x_, w_, b_):
        return torch.nn.functional.batch_norm(x_, torch.tensor(rm), torch.tensor(rv), w_, b_,
                                              training=training, momentum=0.1, eps=1e-5)

    out_t, grads_t = torch_grads(torch, theirs, [x, w, b], seed)
    leaves = [leaf(x), leaf(w), leaf(b)]
    outs = ops.batch_normalization(*leaves, Tensor(rm), Tensor(rv), training_mode=int(training),
                                   momentum=0.9, **TORCH_BN)
    close(outs[0], out_t)
    for ours, want in zip(our_grads(outs[0], leaves, seed), grads_t):
        close(ours, want, atol=1e-4)


def test_batchnorm_gradients_through_a_compiled_graph_with_a_symbolic_batch(torch):
    """The VJP rules emit graph nodes too: trace with batch 'N', differentiate, compile, run."""
    c = 3
    w, b, rm, rv = (Tensor(randn(c)), Tensor(randn(c)), Tensor(np.zeros(c, np.float32)),
                    Tensor(np.ones(c, np.float32)))

    def loss(x, seed):
        y = ops.batch_normalization(x, w, b, rm, rv, training_mode=1, momentum=0.9, **TORCH_BN)[0]
        return ops.reduce_sum(y * seed, keepdims=0)

    graph, captured, _ = ir.trace(loss, [(np.float32, ("N", c, 4)), (np.float32, ("N", c, 4))])
    grad_graph = gradient_graph(graph, wrt=[0, 2, 3])  # x, then the captured weight and bias
    assert [p is q for p, q in zip(captured[:2], [w, b])] == [True, True]
    plan = Plan(grad_graph)
    for n in (5, 2):
        x, seed = randn(n, c, 4), randn(n, c, 4)
        (_, gx, gw, gb), _ = plan([x, seed], [t.array for t in captured])
        _, (tx, tw, tb) = torch_grads(torch, lambda x_, w_, b_: torch.nn.functional.batch_norm(
            x_, None, None, w_, b_, training=True, eps=1e-5), [x, w.array, b.array], seed)
        for ours, want in zip((gx, gw, gb), (tx, tw, tb)):
            close(ours, want, atol=1e-4)


# -- LayerNormalization, InstanceNormalization, GroupNormalization --------------------------------
def _norm_pair(torch, name):
    F = torch.nn.functional
    return {
        "layer": (lambda x, w, b: ops.layer_normalization(x, w, b, axis=-2, epsilon=1e-5)[0],
                  lambda x, w, b: F.layer_norm(x, tuple(w.shape), w, b, eps=1e-5),
                  (4, 3, 5, 6), (5, 6)),
        "instance": (lambda x, w, b: ops.instance_normalization(x, w, b, epsilon=1e-5),
                     lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=1e-5),
                     (4, 3, 5, 6), (3,)),
        "instance_1d": (lambda x, w, b: ops.instance_normalization(x, w, b, epsilon=1e-5),
                        lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=1e-5),
                        (2, 5, 7), (5,)),
        "group": (lambda x, w, b: ops.group_normalization(x, w, b, num_groups=2, epsilon=1e-5),
                  lambda x, w, b: F.group_norm(x, 2, w, b, eps=1e-5), (4, 6, 3, 5), (6,)),
        "group_2d_input": (
            lambda x, w, b: ops.group_normalization(x, w, b, num_groups=3, epsilon=1e-5),
            lambda x, w, b: F.group_norm(x, 3, w, b, eps=1e-5), (5, 6), (6,)),
    }[name]


@pytest.mark.parametrize("name", ["layer", "instance", "instance_1d", "group", "group_2d_input"])
def test_outputs_and_gradients_match_torch(torch, name):
    ours_fn, theirs_fn, x_shape, p_shape = _norm_pair(torch, name)
    x, w, b = randn(*x_shape) * 3 + 1, randn(*p_shape), randn(*p_shape)
    seed = randn(*x_shape)
    out_t, grads_t = torch_grads(torch, theirs_fn, [x, w, b], seed)
    leaves = [leaf(x), leaf(w), leaf(b)]
    out = ours_fn(*leaves)
    close(out, out_t)
    for ours, want in zip(our_grads(out, leaves, seed), grads_t):
        close(ours, want, atol=1e-4)


def test_layernorm_statistics_outputs(torch):
    x = randn(3, 4, 8)
    _, mean, inv_std = ops.layer_normalization(Tensor(x), Tensor(np.ones(8, np.float32)))
    t = torch.tensor(x)
    close(mean, t.mean(-1, keepdim=True))
    close(inv_std, torch.rsqrt(t.var(-1, unbiased=False, keepdim=True) + 1e-5))


def test_float16_layernorm_computes_its_statistics_in_float32(torch):
    x = (randn(4, 16) * 50 + 300).astype(np.float16)
    y, mean, _ = ops.layer_normalization(Tensor(x), Tensor(np.ones(16, np.float16)))
    assert y.dtype == np.float16 and mean.dtype == np.float32
    want = torch.nn.functional.layer_norm(torch.tensor(x, dtype=torch.float32), (16,))
    close(y.array.astype(np.float32), want, rtol=1e-2, atol=5e-3)


# -- bad input ------------------------------------------------------------------------------------
def _bn_args(x_shape, c_scale, c=3):
    return [Tensor(randn(*x_shape)), Tensor(randn(c_scale)), Tensor(randn(c)),
            Tensor(randn(c)), Tensor(np.ones(c, np.float32))]


@pytest.mark.parametrize("c_scale", [4, 1])  # 1: numpy alone would broadcast it silently
def test_batchnorm_scale_of_the_wrong_length_names_the_op_and_both_shapes(c_scale):
    msg = (rf"BatchNormalization's scale of shape \({c_scale},\) does not match the 3 channels "
           r"on axis 1 of X of shape \(2, 3, 5\)")
    with pytest.raises(ShapeError, match=msg):
        ops.batch_normalization(*_bn_args((2, 3, 5), c_scale), training_mode=1)
    with pytest.raises(ShapeError, match=msg):
        ops.batch_normalization(*_bn_args((2, 3, 5), c_scale))


def test_batchnorm_channels_last_checks_the_last_axis():
    args = _bn_args((2, 5, 4), 3, c=3)
    with pytest.raises(ShapeError, match=r"the 4 channels on axis 2 of X of shape \(2, 5, 4\)"):
        ops.batch_normalization(*args, axis=-1, training_mode=1)


def test_batchnorm_errors_while_tracing_too():
    w = Tensor(randn(4))
    with pytest.raises(ShapeError, match=r"scale of shape \(4,\) does not match the 3 channels"):
        ir.trace(lambda x: ops.batch_normalization(x, w, w, w, w)[0], [(np.float32, ("N", 3))])


def test_unbiased_running_variance_needs_two_values_per_channel():
    with pytest.raises(ShapeError, match=r"more than 1 value per channel .*shape \(1, 3\)"):
        ops.batch_normalization(*_bn_args((1, 3), 3), training_mode=1, running_var_unbiased=1)


def test_layernorm_scale_shape_mismatch_names_the_op_and_both_shapes():
    x = Tensor(randn(2, 3, 5))
    msg = (r"LayerNormalization's Scale of shape \(4,\) does not broadcast to X of shape "
           r"\(2, 3, 5\) \(normalized from axis 2: \(5,\)\)")
    with pytest.raises(ShapeError, match=msg):
        ops.layer_normalization(x, Tensor(randn(4)))
    with pytest.raises(ShapeError, match=r"B of shape \(3, 5\) does not broadcast to X of "
                                         r"shape \(2, 5\)"):
        ir.trace(lambda t: ops.layer_normalization(t, Tensor(randn(5)), Tensor(randn(3, 5)))[0],
                 [(np.float32, (2, 5))])


def test_groupnorm_groups_must_divide_the_channels():
    x, p = Tensor(randn(2, 6, 4)), Tensor(randn(6))
    with pytest.raises(ShapeError, match=r"num_groups=4 does not divide the 6 channels of X of "
                                         r"shape \(2, 6, 4\)"):
        ops.group_normalization(x, p, p, num_groups=4)


def test_instancenorm_needs_spatial_dims():
    """Checked while tracing (eagerly, shape rules run only when a kernel fails; the frontends
    check ranks before they lower)."""
    p = Tensor(randn(3))
    with pytest.raises(ShapeError, match=r"InstanceNormalization expects X of rank >= 3 .*"
                                         r"got shape \(N, 3\)"):
        ir.trace(lambda x: ops.instance_normalization(x, p, p), [(np.float32, ("N", 3))])
