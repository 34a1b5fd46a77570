"""Losses and attention against real PyTorch (float64: outputs and input gradients), the
decompositions against the fused kernels on every case of these ops, and the bad-input errors
(class indices out of range, mismatched shapes) naming the op, the origin and the shapes."""

from __future__ import annotations

import numpy as np
import pytest

import core_ir as ir
from backends.numpy import Plan
from core_ir import ops
from core_ir.tensor import Tensor
from tests.op_cases import attention as attention_cases
from tests.op_cases import loss as loss_cases

torch = pytest.importorskip("torch")
F = torch.nn.functional
RTOL, ATOL = 1e-10, 1e-12


def _rng(seed=0):
    return np.random.default_rng(seed)


def ours_with_grads(fn, arrays, wrt):
    """Run fn on Tensors of `arrays`; return (output, grads of sum(output * u) w.r.t. wrt)."""
    tensors = [None if a is None else Tensor(a, requires_grad=i in wrt)
               for i, a in enumerate(arrays)]
    out = fn(*tensors)
    u = _rng(9).standard_normal(out.shape)
    grads = ir.grad([out], [tensors[i] for i in wrt], [Tensor(u)])
    return out.array, [g.array for g in grads], u


def torch_with_grads(fn, arrays, wrt, u):
    tensors = [None if a is None else torch.tensor(a, requires_grad=i in wrt)
               for i, a in enumerate(arrays)]
    out = fn(*tensors)
    grads = torch.autograd.grad([out], [tensors[i] for i in wrt], [torch.tensor(u)])
    return out.detach().numpy(), [g.numpy() for g in grads]


def assert_same(ours_fn, torch_fn, arrays, wrt):
    out, grads, u = ours_with_grads(ours_fn, arrays, wrt)
    want, want_grads = torch_with_grads(torch_fn, arrays, wrt, u)
    np.testing.assert_allclose(out, want, rtol=RTOL, atol=ATOL)
    for g, w in zip(grads, want_grads):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)


# -- cross entropy and NLL ------------------------------------------------------------------------
CE_CASES = [  # (id, scores shape, weights?, ignore_index, reduction, label_smoothing)
    ("2d_mean", (6, 5), False, None, "mean", 0.0),
    ("2d_sum_weights", (6, 5), True, None, "sum", 0.0),
    ("2d_mean_weights_ignore", (8, 5), True, -100, "mean", 0.0),
    ("2d_none_ignore_in_range", (8, 5), False, 2, "none", 0.0),
    ("4d_mean_weights_ignore", (2, 4, 3, 2), True, -100, "mean", 0.0),
    ("2d_smoothing_mean", (6, 5), False, None, "mean", 0.1),
    ("2d_smoothing_weights_ignore_mean", (8, 5), True, -100, "mean", 0.2),
    ("3d_smoothing_weights_ignore_sum", (4, 3, 5), True, 1, "sum", 0.3),
    ("3d_smoothing_none", (4, 3, 5), True, -1, "none", 0.25),
]


def _ce_inputs(shape, weighted, ignore_index, seed=0):
    rng = _rng(seed)
    scores = rng.standard_normal(shape) * 2
    labels = rng.integers(0, shape[1], (shape[0],) + shape[2:])
    if ignore_index is not None:
        labels.reshape(-1)[::3] = ignore_index
    weights = rng.uniform(0.5, 2.0, shape[1]) if weighted else None
    return scores, labels, weights


@pytest.mark.parametrize("case", CE_CASES, ids=[c[0] for c in CE_CASES])
def test_softmax_cross_entropy_matches_torch_cross_entropy(case):
    _, shape, weighted, ii, reduction, smoothing = case
    scores, labels, weights = _ce_inputs(shape, weighted, ii)
    attrs = {"reduction": reduction, "label_smoothing": smoothing, "ignore_index": ii}

    def ours(s, y, w):
        return ops.softmax_cross_entropy_loss(s, y, w, **attrs)[0]

    def theirs(s, y, w):
        return F.cross_entropy(s, y, weight=w, reduction=reduction, label_smoothing=smoothing,
                               ignore_index=-100 if ii is None else ii)

    assert_same(ours, theirs, [scores, labels, weights], wrt=[0])


@pytest.mark.parametrize("case", [c for c in CE_CASES if not c[5]], ids=lambda c: c[0])
def test_negative_log_likelihood_matches_torch_nll_loss(case):
    _, shape, weighted, ii, reduction, _ = case
    scores, labels, weights = _ce_inputs(shape, weighted, ii, seed=1)
    log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))

    def ours(x, y, w):
        return ops.negative_log_likelihood_loss(x, y, w, reduction=reduction, ignore_index=ii)

    def theirs(x, y, w):
        return F.nll_loss(x, y, weight=w, reduction=reduction,
                          ignore_index=-100 if ii is None else ii)

    assert_same(ours, theirs, [log_probs, labels, weights], wrt=[0])


def test_log_prob_output_and_its_gradient_match_torch_log_softmax():
    scores, labels, _ = _ce_inputs((5, 4, 3), False, None)
    assert_same(lambda s, y: ops.softmax_cross_entropy_loss(s, y)[1],
                lambda s, y: F.log_softmax(s, dim=1), [scores, labels], wrt=[0])


BCE_CASES = [  # (id, shape, weight shape, pos_weight shape, reduction)
    ("mean", (6, 4), None, None, "mean"),
    ("sum_weight", (6, 4), (6, 1), None, "sum"),
    ("none_pos_weight", (6, 4), None, (4,), "none"),
    ("mean_weight_pos_weight_3d", (2, 3, 4), (3, 4), (4,), "mean"),
]


@pytest.mark.parametrize("case", BCE_CASES, ids=[c[0] for c in BCE_CASES])
def test_bce_with_logits_matches_torch_including_the_target_gradient(case):
    _, shape, w_shape, pw_shape, reduction = case
    rng = _rng(2)
    x = rng.standard_normal(shape) * 4
    x.reshape(-1)[:2] = 0.0  # where a max/abs decomposition would get the gradient wrong
    z = rng.uniform(0, 1, shape)
    w = None if w_shape is None else rng.uniform(0.5, 2, w_shape)
    pw = None if pw_shape is None else rng.uniform(0.5, 3, pw_shape)
    wrt = [0, 1]  # torch differentiates neither weight nor pos_weight (ours: finite differences)

    def ours(*a):
        return ops.binary_cross_entropy_with_logits(*a, reduction=reduction)

    def theirs(x_, z_, w_, pw_):
        return F.binary_cross_entropy_with_logits(x_, z_, weight=w_, pos_weight=pw_,
                                                  reduction=reduction)

    assert_same(ours, theirs, [x, z, w, pw], wrt=wrt)


def test_bce_with_logits_stays_finite_for_huge_logits():
    x = Tensor(np.array([-1e4, -50.0, 0.0, 50.0, 1e4]), requires_grad=True)
    z = Tensor(np.array([1.0, 0.0, 0.5, 1.0, 0.0]))
    loss = ops.binary_cross_entropy_with_logits(x, z, reduction="none")
    want = F.binary_cross_entropy_with_logits(torch.tensor(x.array), torch.tensor(z.array),
                                              reduction="none")
    np.testing.assert_allclose(loss.array, want.numpy(), rtol=RTOL)
    (g,) = ir.grad([ops.reduce_sum(loss, keepdims=0)], [x])
    assert np.all(np.isfinite(g.array))


# -- attention ------------------------------------------------------------------------------------
SDPA_CASES = [  # (id, (B, Hq, Hkv, Sq, Sk, D, Dv), mask kind, is_causal, scale)
    ("plain", (2, 3, 3, 4, 6, 8, 5), None, False, None),
    ("float_mask_2d", (2, 2, 2, 4, 6, 8, 8), "float2", False, None),
    ("float_mask_4d_scale", (2, 2, 2, 4, 6, 8, 8), "float4", False, 0.3),
    ("bool_mask_broadcast_heads", (2, 2, 2, 5, 5, 4, 4), "bool", False, None),
    ("causal_square", (2, 2, 2, 5, 5, 4, 4), None, True, None),
    ("causal_rectangular_scale", (1, 2, 2, 3, 6, 4, 4), None, True, 0.5),
    ("grouped_query_heads", (2, 4, 2, 3, 5, 4, 6), None, False, None),
    ("grouped_query_heads_causal", (2, 6, 2, 4, 4, 4, 4), None, True, None),
]


def _sdpa_inputs(dims, mask_kind, seed=4):
    b, hq, hkv, sq, sk, d, dv = dims
    rng = _rng(seed)
    q, k = rng.standard_normal((b, hq, sq, d)), rng.standard_normal((b, hkv, sk, d))
    v = rng.standard_normal((b, hkv, sk, dv))
    mask = None
    if mask_kind == "float2":
        mask = rng.standard_normal((sq, sk))
    elif mask_kind == "float4":
        mask = rng.standard_normal((b, hq, sq, sk))
    elif mask_kind == "bool":
        mask = rng.random((b, 1, sq, sk)) > 0.3
        mask[..., 0] = True
    return q, k, v, mask


@pytest.mark.parametrize("case", SDPA_CASES, ids=[c[0] for c in SDPA_CASES])
def test_attention_matches_torch_scaled_dot_product_attention(case):
    _, dims, mask_kind, causal, scale = case
    q, k, v, mask = _sdpa_inputs(dims, mask_kind)
    gqa = dims[1] != dims[2]
    wrt = [0, 1, 2] + ([3] if mask is not None and mask.dtype.kind == "f" else [])

    def ours(q_, k_, v_, m_):
        return ops.attention(q_, k_, v_, m_, is_causal=int(causal), scale=scale,
                             qk_matmul_output_mode=3)[0]

    def theirs(q_, k_, v_, m_):
        return F.scaled_dot_product_attention(q_, k_, v_, attn_mask=m_, is_causal=causal,
                                              scale=scale, enable_gqa=gqa)

    assert_same(ours, theirs, [q, k, v, mask], wrt=wrt)


def test_attention_weights_output_matches_torch_softmax_of_the_scores():
    q, k, v, mask = _sdpa_inputs((2, 2, 2, 4, 6, 8, 8), "float2")
    scale = 1 / np.sqrt(8)

    def theirs(q_, k_, v_, m_):
        return torch.softmax(q_ @ k_.transpose(-1, -2) * scale + m_, dim=-1)

    assert_same(lambda *a: ops.attention(*a, qk_matmul_output_mode=3)[3], theirs,
                [q, k, v, mask], wrt=[0, 1, 3])  # the weights do not depend on V


def test_attention_gradient_is_the_same_with_saved_or_recomputed_weights():
    q, k, v, mask = _sdpa_inputs((2, 2, 2, 4, 6, 8, 8), "bool")
    results = []
    for mode in (0, 3):
        def fn(*a, mode=mode):
            return ops.attention(*a, qk_matmul_output_mode=mode)[0]

        results.append(ours_with_grads(fn, [q, k, v, mask], wrt=[0, 1, 2])[1])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


# -- decompositions vs fused kernels, on every case ---------------------------------------------
COMPOSITE_CASES = loss_cases.CASES + attention_cases.CASES


@pytest.mark.parametrize("case", COMPOSITE_CASES, ids=[c.id for c in COMPOSITE_CASES])
def test_decomposition_matches_the_fused_kernel(case):
    tensors = [None if x is None else Tensor(x) for x in case.inputs]
    fused = case.op(*tensors, **case.attrs)
    decomposed = case.op.decompose(*tensors, **case.op.resolve_attrs(case.attrs))
    fused = fused if isinstance(fused, tuple) else (fused,)
    decomposed = decomposed if isinstance(decomposed, tuple) else (decomposed,)
    assert len(fused) == len(decomposed)
    for a, b in zip(fused, decomposed):
        np.testing.assert_allclose(a.array, b.array, rtol=1e-5, atol=1e-6)


# -- bad input ------------------------------------------------------------------------------------
def _scores_labels(labels, n_classes=5):
    return Tensor(np.zeros((len(labels), n_classes), np.float32)), Tensor(np.asarray(labels))


@pytest.mark.parametrize("op", [ops.softmax_cross_entropy_loss, ops.negative_log_likelihood_loss])
def test_a_class_index_out_of_range_names_the_op_origin_value_and_shapes(op):
    scores, labels = _scores_labels([0, 7, -100, 1])
    with ir.origin("model"), ir.origin("criterion"), pytest.raises(ir.IndexOutOfRange) as info:
        op(scores, labels, ignore_index=-100)
    msg = str(info.value)
    assert msg.startswith(f"{op.name}: label 7 is out of range for 5 classes")
    assert "scores shape (4, 5), labels shape (4,)" in msg and "[in 'model.criterion']" in msg


def test_a_negative_label_that_is_not_ignore_index_is_out_of_range():
    scores, labels = _scores_labels([0, -1, 2])
    with pytest.raises(ir.IndexOutOfRange, match="label -1 is out of range for 5 classes"):
        ops.softmax_cross_entropy_loss(scores, labels)
    ops.softmax_cross_entropy_loss(scores, labels, ignore_index=-1)  # ignored: fine


def test_a_class_index_out_of_range_in_a_compiled_plan_names_the_op_and_shapes():
    def fn(s, y):
        return ops.softmax_cross_entropy_loss(s, y)[0]

    graph, _, _ = ir.trace(fn, [(np.float32, ("N", 5)), (np.int64, ("N",))])
    plan = Plan(graph)
    with pytest.raises(ir.IndexOutOfRange, match=r"SoftmaxCrossEntropyLoss: label 5 is out of "
                                                 r"range .*scores shape \(2, 5\)"):
        plan([np.zeros((2, 5), np.float32), np.array([1, 5])])


def test_labels_of_the_wrong_shape_name_both_shapes():
    match = (r"SoftmaxCrossEntropyLoss: labels of shape \(3,\) do not match scores of shape "
             r"\(4, 5\).*\[in 'loss'\]")
    with ir.origin("loss"), pytest.raises(ir.ShapeError, match=match):
        ops.softmax_cross_entropy_loss(_scores_labels([0, 1, 2, 3])[0],
                                       Tensor(np.array([0, 1, 2])))


def test_attention_with_mismatched_head_sizes_names_the_shapes():
    q, k = Tensor(np.zeros((2, 2, 3, 4))), Tensor(np.zeros((2, 2, 5, 6)))
    match = r"Attention: Q, K and V must share .*Q \(2, 2, 3, 4\), K \(2, 2, 5, 6\).*\[in 'enc'\]"
    with ir.origin("enc"), pytest.raises(ir.ShapeError, match=match):
        ops.attention(q, k, k)


def test_attention_with_indivisible_grouped_heads_is_an_error():
    q, k = Tensor(np.zeros((1, 3, 2, 4))), Tensor(np.zeros((1, 2, 2, 4)))
    with pytest.raises(ir.ShapeError, match="3 query heads cannot be grouped over 2"):
        ops.attention(q, k, k)
