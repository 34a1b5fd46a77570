"""The op harnesses, driven by the one table in tests/op_cases: shape rule vs kernel, kernel vs
an independent numpy reference, VJP vs central finite differences in float64, and second
derivatives for the cases that ask for them."""

from __future__ import annotations

import numpy as np
import pytest

import core_ir as ir
from core_ir.tensor import Tensor
from tests.op_cases import all_cases

CASES = all_cases()
GRAD_CASES = [c for c in CASES if c.grad and c.op.differentiable]
SECOND_ORDER_CASES = [c for c in GRAD_CASES if c.second_order]
FD_RTOL, FD_ATOL = 1e-6, 1e-7  # float64 central differences, step 1e-6


def ids(cases):
    return [c.id for c in cases]


def as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def run_eager(case, inputs=None):
    tensors = [Tensor(np.asarray(x)) if x is not None else None
               for x in (case.inputs if inputs is None else inputs)]
    return as_tuple(case.op(*tensors, **case.attrs))


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_shape_rule_matches_kernel(case):
    eager = run_eager(case)

    def fn(*floats):
        it = iter(floats)
        args = [next(it) if _is_traced(x) else (None if x is None else ir.constant(x))
                for x in case.inputs]
        return list(as_tuple(case.op(*args, **case.attrs)))

    specs = [(x.dtype, x.shape) for x in case.inputs if _is_traced(x)]
    graph, _, outs = ir.trace(fn, specs)
    assert len(outs) == len(eager)
    for traced, got in zip(outs, eager):
        assert traced.dtype == got.dtype, f"shape rule says {traced.dtype}, kernel gives {got.dtype}"
        assert traced.shape == np.shape(got.array), \
            f"shape rule says {traced.shape}, kernel gives {np.shape(got.array)}"


def _is_traced(x):
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


SYMBOLIC_CASES = [c for c in CASES if c.symbolic and any(
    _is_traced(x) and x.ndim >= 1 for x in c.inputs)]


@pytest.mark.parametrize("case", SYMBOLIC_CASES, ids=ids(SYMBOLIC_CASES))
def test_shape_rule_with_a_symbolic_leading_dim(case):
    """The leading dim of the float inputs that share the first one's becomes 'N' (a batch):
    every output dim the rule reports is either that symbol, unknown, or the kernel's size."""
    eager = run_eager(case)
    floats = [x for x in case.inputs if _is_traced(x)]
    batch = next(x for x in floats if x.ndim >= 1).shape[0]
    specs = [(x.dtype, ("N",) + x.shape[1:] if x.ndim and x.shape[0] == batch else x.shape)
             for x in floats]

    def fn(*traced):
        it = iter(traced)
        args = [next(it) if _is_traced(x) else (None if x is None else ir.constant(x))
                for x in case.inputs]
        return list(as_tuple(case.op(*args, **case.attrs)))

    _, _, outs = ir.trace(fn, specs)
    for traced, got in zip(outs, eager):
        got_shape = np.shape(got.array)
        assert len(traced.shape) == len(got_shape), f"rank {traced.shape} vs {got_shape}"
        for d, n in zip(traced.shape, got_shape):
            assert d is None or d == n or (d == "N" and n == batch) or isinstance(d, str), \
                f"shape rule says {traced.shape}, kernel gives {got_shape}"


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_kernel_matches_reference(case):
    got = run_eager(case)
    want = as_tuple(case.reference(*case.inputs))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g.array, dtype=np.float64) if g.dtype.kind == "f"
                                   else g.array, w, rtol=case.rtol, atol=case.atol)


def _f64(case):
    return [x.astype(np.float64) if _is_traced(x) else x for x in case.inputs]


def _scalar_fn(case, inputs, directions):
    """<u, f(x)> over the float outputs, with fixed random output directions u."""
    outs = run_eager(case, inputs)
    return sum(float(np.sum(np.asarray(o.array, np.float64) * u))
               for o, u in zip(outs, directions) if u is not None)


@pytest.mark.parametrize("case", GRAD_CASES, ids=ids(GRAD_CASES))
def test_vjp_matches_finite_differences(case):
    rng = np.random.default_rng(1)
    inputs = _f64(case)
    wrt = case.float_inputs()
    outs = run_eager(case, inputs)
    us = [rng.standard_normal(np.shape(o.array)) if o.dtype.kind == "f" else None for o in outs]
    vs = {i: rng.standard_normal(inputs[i].shape) for i in wrt}
    # numeric: d/de <u, f(x + e v)>
    plus = [x + case.fd_eps * vs[i] if i in vs else x for i, x in enumerate(inputs)]
    minus = [x - case.fd_eps * vs[i] if i in vs else x for i, x in enumerate(inputs)]
    numeric = (_scalar_fn(case, plus, us) - _scalar_fn(case, minus, us)) / (2 * case.fd_eps)
    # analytic: <VJP(u), v>
    tensors = [Tensor(x, requires_grad=i in vs) if x is not None else None
               for i, x in enumerate(inputs)]
    outs = as_tuple(case.op(*tensors, **case.attrs))
    pairs = [(o, Tensor(u)) for o, u in zip(outs, us) if u is not None and o.requires_grad]
    grads = ir.grad([o for o, _ in pairs], [tensors[i] for i in wrt], [u for _, u in pairs],
                    allow_unused=True)
    analytic = sum(float(np.sum(np.asarray(g.array) * vs[i])) for g, i in zip(grads, wrt)
                   if g is not None)
    assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("case", SECOND_ORDER_CASES, ids=ids(SECOND_ORDER_CASES))
def test_second_derivatives(case):
    """h(x) = <VJP_u(x), w> is differentiated by the tape (create_graph) and by differences."""
    rng = np.random.default_rng(2)
    inputs = _f64(case)
    wrt = case.float_inputs()
    shapes = [np.shape(o.array) for o in run_eager(case, inputs)]
    u = Tensor(rng.standard_normal(shapes[0]))
    ws = {i: rng.standard_normal(inputs[i].shape) for i in wrt}
    vs = {i: rng.standard_normal(inputs[i].shape) for i in wrt}

    def h(xs, create_graph):
        tensors = [Tensor(x, requires_grad=i in ws) if x is not None else None
                   for i, x in enumerate(xs)]
        out = as_tuple(case.op(*tensors, **case.attrs))[0]
        grads = ir.grad([out], [tensors[i] for i in wrt], [u], create_graph=create_graph,
                        allow_unused=True)
        total = None
        for g, i in zip(grads, wrt):
            if g is not None:
                term = ir.ops.reduce_sum(g * Tensor(ws[i]), keepdims=0)
                total = term if total is None else total + term
        return tensors, total

    tensors, total = h(inputs, create_graph=True)
    if total is None or not total.requires_grad:
        pytest.skip("the first derivative does not depend on the inputs (linear op)")
    second = ir.grad([total], [tensors[i] for i in wrt], allow_unused=True)
    analytic = sum(float(np.sum(g.array * vs[i])) for g, i in zip(second, wrt) if g is not None)
    eps = 1e-5
    plus = [x + eps * vs[i] if i in vs else x for i, x in enumerate(inputs)]
    minus = [x - eps * vs[i] if i in vs else x for i, x in enumerate(inputs)]
    numeric = (float(h(plus, False)[1].array) - float(h(minus, False)[1].array)) / (2 * eps)
    assert analytic == pytest.approx(numeric, rel=1e-4, abs=1e-6)


FLOAT_GRAD_CASES = [c for c in GRAD_CASES if c.float_inputs()]


@pytest.mark.parametrize("case", FLOAT_GRAD_CASES, ids=ids(FLOAT_GRAD_CASES))
def test_gradient_graph_on_the_plan_matches_the_eager_tape(case):
    """The same VJP rules, emitted as gradient nodes while tracing and run by the compiled
    plan, give the eager tape's gradients."""
    from backends.numpy import Plan
    from core_ir.autodiff import gradient_graph

    rng = np.random.default_rng(3)
    inputs = _f64(case)
    wrt = case.float_inputs()
    us = [rng.standard_normal(np.shape(o.array)) if o.dtype.kind == "f" else None
          for o in run_eager(case, inputs)]

    def loss(*floats):
        it = iter(floats)
        args = [next(it) if i in wrt else (None if x is None else ir.constant(x))
                for i, x in enumerate(inputs)]
        outs = as_tuple(case.op(*args, **case.attrs))
        terms = [ir.ops.reduce_sum(o * ir.constant(u), keepdims=0)
                 for o, u in zip(outs, us) if u is not None]
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total

    graph = ir.trace(loss, [(inputs[i].dtype, inputs[i].shape) for i in wrt])[0]
    grad_graph = gradient_graph(graph, wrt=list(range(len(wrt))))
    (_, *planned), _ = Plan(grad_graph)([inputs[i] for i in wrt])

    tensors = [Tensor(inputs[i], requires_grad=True) for i in wrt]
    eager = ir.grad([loss(*tensors)], tensors, allow_unused=True)
    for p, e in zip(planned, eager):
        want = np.zeros_like(p) if e is None else e.array
        np.testing.assert_allclose(p, want, rtol=1e-9, atol=1e-12)
