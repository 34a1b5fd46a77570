"""Autograd against torch 2.13: backward(gradient, retain_graph), accumulation, the freed-graph
error, grad modes as context managers and decorators, requires_grad_/retain_grad/is_leaf/
grad_fn.next_functions, torch.autograd.grad (create_graph for second derivatives), tensor hooks,
and in-place changes inside a graph."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.torch_like as ours
from tests.frontends.torch_like.test_functions_harness import assert_same, torch

A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], np.float32)
W = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, 0.7]], np.float32)


def both(fn):
    """Run fn(lib) in torch and ours; compare what it returns."""
    theirs, mine = fn(torch), fn(ours)
    assert_same(mine, theirs)
    return mine


def test_backward_accumulates_into_leaves():
    def f(T):
        x = T.tensor(A, requires_grad=True)
        w = T.tensor(W, requires_grad=True)
        (x @ w).relu().sum().backward()
        (x * x).sum().backward()
        return x.grad, w.grad, x.is_leaf, (x * 2).is_leaf
    both(f)


def test_backward_with_a_gradient_and_retain_graph():
    def f(T):
        x = T.tensor(A, requires_grad=True)
        y = x.exp() * 2
        y.backward(T.ones_like(y) * 3, retain_graph=True)
        first = x.grad.clone()
        y.backward(T.full_like(y, 0.5))
        return first, x.grad
    both(f)


def test_backward_twice_through_a_freed_graph_fails():
    for T in (torch, ours):
        x = T.tensor(A, requires_grad=True)
        y = (x.sigmoid() * x).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second "
                                               "time"):
            y.backward()


BACKWARD_ERRORS = {
    "no grad_fn": (lambda T: T.ones(3).sum().backward(),
                   "element 0 of tensors does not require grad and does not have a grad_fn"),
    "implicit non-scalar": (lambda T: (T.ones(3, requires_grad=True) * 2).backward(),
                            "grad can be implicitly created only for scalar outputs"),
    "gradient shape": (lambda T: (T.ones(3, requires_grad=True) * 2).backward(T.ones(2)),
                       ("Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and "
                       "output[0] has a shape of torch.Size([3]).")),
    "requires_grad_ on int": (lambda T: T.ones(2, dtype=T.int64).requires_grad_(),
                              "only Tensors of floating point dtype can require gradients"),
    "requires_grad_ False on non-leaf": (
        lambda T: (T.ones(2, requires_grad=True) * 2).requires_grad_(False),
        "you can only change requires_grad flags of leaf variables."),
    "retain_grad without grad": (lambda T: T.ones(2).retain_grad(),
                                 "can't retain_grad on Tensor that has requires_grad=False"),
    "hook without grad": (lambda T: T.ones(2).register_hook(lambda g: g),
                          "cannot register a hook on a tensor that doesn't require gradient"),
}


@pytest.mark.parametrize("name", BACKWARD_ERRORS)
def test_autograd_errors(name):
    fn, message = BACKWARD_ERRORS[name]
    with pytest.raises(RuntimeError) as theirs:
        fn(torch)
    with pytest.raises(RuntimeError) as mine:
        fn(ours)
    assert message in str(theirs.value) and message in str(mine.value)


def test_grad_modes_as_context_managers():
    for T in (torch, ours):
        x = T.ones(2, requires_grad=True)
        with T.no_grad():
            assert not (x * 2).requires_grad and not T.is_grad_enabled()
            with T.enable_grad():
                assert (x * 2).requires_grad
        with T.inference_mode():
            assert not (x * 2).requires_grad and T.is_inference_mode_enabled()
        assert not T.is_inference_mode_enabled()
        with T.set_grad_enabled(False):
            assert not (x * 2).requires_grad
        assert (x * 2).requires_grad
        T.set_grad_enabled(False)  # a plain call switches it until switched back
        assert not T.is_grad_enabled()
        T.set_grad_enabled(True)
        assert T.is_grad_enabled()


def test_grad_modes_as_decorators():
    for T in (torch, ours):
        x = T.ones(2, requires_grad=True)

        @T.no_grad()
        def f(t):
            return t * 2

        @T.no_grad
        def g(t):
            return t * 2

        @T.inference_mode()
        def h(t):
            return t * 2

        @T.enable_grad()
        def k(t):
            return t * 2

        @T.no_grad()
        def gen(t, lib=T):
            yield (t * 2).requires_grad
            yield lib.is_grad_enabled()

        assert not f(x).requires_grad and not g(x).requires_grad and not h(x).requires_grad
        with T.no_grad():
            assert k(x).requires_grad
        assert list(gen(x)) == [False, False] and T.is_grad_enabled()
        assert f.__name__ == "f"


def test_retain_grad_and_non_leaf_grads():
    def f(T):
        x = T.tensor(A, requires_grad=True)
        h = x * 3
        h.retain_grad()
        (h.tanh() ** 2).sum().backward()
        return h.grad, x.grad, h.is_leaf, h.requires_grad
    both(f)


def test_grad_fn_and_next_functions():
    x, tx = ours.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    y, ty = (x * 2 + 1).sum(), (tx * 2 + 1).sum()
    assert y.grad_fn.name() == ty.grad_fn.name() == "SumBackward0"
    assert type(y.grad_fn).__name__ == "SumBackward0"
    (add_fn, _), = y.grad_fn.next_functions
    (tadd_fn, _), = ty.grad_fn.next_functions
    assert add_fn.name() == tadd_fn.name() == "AddBackward0"
    (mul_fn, _), (const, _) = add_fn.next_functions
    (tmul_fn, _), (tconst, _) = tadd_fn.next_functions
    assert mul_fn.name() == tmul_fn.name() and const is None and tconst is None
    (acc, _), _ = mul_fn.next_functions
    (tacc, _), _ = tmul_fn.next_functions
    assert type(acc).__name__ == type(tacc).__name__ == "AccumulateGrad"
    assert acc.variable is x
    assert x.grad_fn is None and (x.detach() * 2).grad_fn is None


def test_autograd_grad_and_second_derivatives():
    def f(T):
        x = T.tensor(A, requires_grad=True)
        y = (x ** 3).sum()
        (g,) = T.autograd.grad(y, x, create_graph=True)
        (h,) = T.autograd.grad(g.sum(), x)
        return g, h, x.grad
    both(f)

    def g(T):
        x = T.tensor(A, requires_grad=True)
        w = T.tensor(W, requires_grad=True)
        out = (x @ w).sigmoid()
        gx, gw = T.autograd.grad(out, [x, w], grad_outputs=T.ones_like(out) * 0.5,
                                 retain_graph=True)
        (gx2,) = T.autograd.grad([out.sum(), (x * 2).sum()], x)
        return gx, gw, gx2
    both(g)


def test_autograd_grad_unused_inputs():
    for T in (torch, ours):
        a, b = T.ones(2, requires_grad=True), T.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
            T.autograd.grad((a * 2).sum(), [a, b])
        ga, gb = T.autograd.grad((a * 2).sum(), [a, b], allow_unused=True)
        assert gb is None and ga.tolist() == [2.0, 2.0]
        _, gb = T.autograd.grad((a * 2).sum(), [a, b], materialize_grads=True)
        assert gb.tolist() == [0.0, 0.0]
        with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not "
                                               "require grad"):
            T.autograd.grad((a * 2).sum(), [a, T.ones(2)])


def test_backward_with_inputs_accumulates_only_there():
    def f(T):
        x = T.tensor(A, requires_grad=True)
        w = T.tensor(W, requires_grad=True)
        (x @ w).sum().backward(inputs=[w])
        return x.grad is None, w.grad
    both(f)


def test_every_leaf_owns_its_gradient():
    a, b = ours.ones(3, requires_grad=True), ours.ones(3, requires_grad=True)
    seed = ours.ones(3)
    (a + b).backward(seed)
    assert a.grad is not b.grad and a.grad is not seed
    a.grad.mul_(5)
    assert b.grad.tolist() == [1.0, 1.0, 1.0] and seed.tolist() == [1.0, 1.0, 1.0]


def test_hooks_on_leaves_and_intermediates():
    def f(T):
        x = T.tensor(A, requires_grad=True)
        seen = []
        handle = x.register_hook(lambda g: seen.append(g.clone()) or g * 2)
        z = x * 3
        z.register_hook(lambda g: g + 1)
        z.register_hook(lambda g: g * 10)  # runs after the first one
        (z * z).sum().backward()
        first = x.grad.clone()
        handle.remove()
        x.grad = None
        (x * 1).sum().backward()
        (g,) = T.autograd.grad((x * 4).sum(), x)
        return seen, first, x.grad, g, z.grad_fn.name()
    both(f)


def test_hook_on_the_loss_and_hooks_with_create_graph():
    def f(T):
        x = T.tensor(A, requires_grad=True)
        loss = (x ** 2).sum()
        loss.register_hook(lambda g: g * 0.5)
        loss.backward()
        y = x.sin()
        y.register_hook(lambda g: g * y.detach())
        (gx,) = T.autograd.grad(y.sum(), x, create_graph=True)
        return x.grad, gx
    both(f)


def test_inplace_on_intermediates_keeps_the_graph_right():
    def f(T):
        x = T.tensor(A, requires_grad=True)
        y = x * 2
        y.add_(1)
        y.mul_(2.5)
        y[0, 1] = x[1, 2] * 5
        y.clamp_(min=0.0)
        z = y * 3
        z.div_(3).add_(x)
        z.sum().backward()
        return x.grad, y.grad_fn is not None
    both(f)


def test_data_and_detach_are_outside_the_graph():
    def f(T):
        w = T.tensor(W, requires_grad=True)
        w.data.mul_(2)  # allowed: .data is not tracked
        with T.no_grad():
            w -= 0.1 * T.ones_like(w)  # the optimizer idiom
        (w.detach() * w).sum().backward()
        return w, w.grad
    both(f)


def test_gradients_are_writable_through_data():
    def f(T):
        w = T.tensor(W, requires_grad=True)
        b = T.zeros(2, requires_grad=True)
        (T.tensor(A) @ w + b).sum().backward()
        w.grad.data.clamp_(-1.0, 1.5)  # the old gradient-clipping idiom
        b.grad.data.mul_(0.5)
        return w.grad, b.grad
    both(f)
