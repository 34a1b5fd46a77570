"""torch.autograd.Function and the legacy Variable against torch 2.13: save_for_backward,
saved_tensors, ctx attributes, needs_input_grad, non-tensor arguments, several outputs,
setup_context style, mark_non_differentiable, once_differentiable, double backward, and the
wrong-number-of-gradients error."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as ours
from tests.frontends.torch_like.test_functions_harness import assert_same, torch

A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)


def _functions(T):
    class Exp(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    class ScaleShift(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale, shift):
            ctx.scale = scale
            ctx.flags = ctx.needs_input_grad
            return x * scale + shift

        @staticmethod
        def backward(ctx, g):
            return g * ctx.scale, None, g.sum() if ctx.needs_input_grad[2] else None

    class SplitSigns(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            positive = x.clamp(min=0)
            mask = x > 0
            ctx.mark_non_differentiable(mask)
            return positive, -x.clamp(max=0) * 2, mask

        @staticmethod
        def backward(ctx, g_pos, g_neg, g_mask):
            (x,) = ctx.saved_tensors
            return g_pos * (x > 0).to(x.dtype) - 2 * g_neg * (x < 0).to(x.dtype)

    class Cube(T.autograd.Function):
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            (ctx.x,) = inputs

        @staticmethod
        def backward(ctx, g):
            return g * 3 * ctx.x ** 2

    class Clip(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clamp(-1, 1)

        @staticmethod
        @T.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (x.abs() <= 1).to(g.dtype)

    return Exp, ScaleShift, SplitSigns, Cube, Clip


def test_save_for_backward_and_saved_tensors():
    def f(T):
        Exp = _functions(T)[0]
        x = T.tensor(A, requires_grad=True)
        y = Exp.apply(x)
        (y * y).sum().backward()
        return y, x.grad, y.grad_fn.name(), type(y.grad_fn).__name__
    assert_same(f(ours), f(torch))


def test_ctx_attributes_non_tensor_arguments_and_needs_input_grad():
    def f(T):
        ScaleShift = _functions(T)[1]
        x = T.tensor(A, requires_grad=True)
        b = T.tensor(0.5, requires_grad=True)
        y = ScaleShift.apply(x, 3.0, b)
        inputs = len(y.grad_fn.next_functions)
        y.sum().backward()
        z = ScaleShift.apply(x, 2.0, T.tensor(1.0))
        return y, x.grad, b.grad, inputs, z.requires_grad
    assert_same(f(ours), f(torch))


def test_several_outputs_and_non_differentiable_ones():
    def f(T):
        SplitSigns = _functions(T)[2]
        x = T.tensor(A, requires_grad=True)
        pos, neg, mask = SplitSigns.apply(x)
        (pos * 3 + neg).sum().backward()
        return pos, neg, mask, x.grad, mask.requires_grad, pos.requires_grad
    assert_same(f(ours), f(torch))


def test_setup_context_style_and_double_backward():
    def f(T):
        Cube = _functions(T)[3]
        x = T.tensor(A, requires_grad=True)
        y = Cube.apply(x)
        (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
        g.sum().backward()
        return y, g, x.grad
    assert_same(f(ours), f(torch))


def test_once_differentiable():
    def f(T):
        Clip = _functions(T)[4]
        x = T.tensor(A, requires_grad=True)
        Clip.apply(x).sum().backward()
        return x.grad
    assert_same(f(ours), f(torch))


def test_no_recording_when_nothing_requires_grad():
    for T in (torch, ours):
        Exp = _functions(T)[0]
        y = Exp.apply(T.tensor(A))
        assert not y.requires_grad and y.grad_fn is None
        with T.no_grad():
            assert not Exp.apply(T.tensor(A, requires_grad=True)).requires_grad


def test_wrong_number_of_gradients():
    for T in (torch, ours):
        class Bad(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g, g
        with pytest.raises(RuntimeError, match="function BadBackward returned an incorrect "
                                               "number of gradients \\(expected 1, got 2\\)"):
            Bad.apply(T.ones(2, requires_grad=True)).sum().backward()


def test_variable():
    for T in (torch, ours):
        v = T.autograd.Variable(T.ones(2), requires_grad=True)
        assert v.requires_grad and v.is_leaf
        assert isinstance(T.ones(2), T.autograd.Variable)
        (v * 2).sum().backward()
        assert v.grad.tolist() == [2.0, 2.0]


def test_gradcheck_accepts_a_right_backward_and_rejects_a_wrong_one():
    Exp = _functions(ours)[0]
    x = ours.tensor(A.astype(np.float64), requires_grad=True)
    assert ours.autograd.gradcheck(Exp.apply, (x,))
    assert ours.autograd.gradcheck(lambda a, b: (a * b.sin(), a.sum()),
                                   (x, ours.tensor(A.astype(np.float64), requires_grad=True)))

    class Wrong(ours.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * t

        @staticmethod
        def backward(ctx, g):
            return g  # should be 2 * t * g

    assert not ours.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False)
    with pytest.raises(ours.autograd.GradcheckError, match="Jacobian mismatch"):
        ours.autograd.gradcheck(Wrong.apply, (x,))
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):  # torch: a GradcheckError
        torch.autograd.gradcheck(_torch_wrong(), (torch.tensor(A.astype(np.float64),
                                                               requires_grad=True),))


def _torch_wrong():
    class Wrong(torch.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * t

        @staticmethod
        def backward(ctx, g):
            return g
    return Wrong.apply
