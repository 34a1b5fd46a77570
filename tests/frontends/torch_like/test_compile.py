"""torch.compile and torch.jit.trace in torch_like: compiled vs eager on an MLP, a CNN
(Conv2d + BatchNorm2d + MaxPool2d + Dropout, train and eval) and an LSTM model (outputs,
gradients, parameters and buffers after optimizer steps), recompilation, graph breaks, the
OptimizedModule API, and the compiled models against real torch 2.13 eager on copied weights.

Tolerances: compiled and eager run the same kernels in the same order, so they agree to the last
bit in practice; SAME leaves room for a graph pass reassociating a float32 sum. Against torch,
float32 accumulation order differs (BLAS, convolution), hence TORCH."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import frontends.torch_like as tt
from frontends.torch_like._compile import OptimizedModule, Unsupported

nn = tt.nn
F = nn.functional
SAME = {"rtol": 1e-6, "atol": 1e-7}
TORCH = {"rtol": 1e-4, "atol": 1e-5}


def arr(t) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def mlp(torch=tt):
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
                               torch.nn.Tanh(), torch.nn.Linear(16, 3))


def cnn(torch=tt, dropout=0.25):
    n = torch.nn
    return n.Sequential(n.Conv2d(2, 4, 3, padding=1), n.BatchNorm2d(4), n.ReLU(), n.MaxPool2d(2),
                        n.Dropout(dropout), n.Flatten(), n.Linear(4 * 4 * 4, 3))


def lstm_model(torch=tt, dropout=0.2):
    n = torch.nn

    class Tagger(n.Module):
        def __init__(self):
            super().__init__()
            self.emb = n.Embedding(12, 8)
            self.lstm = n.LSTM(8, 10, num_layers=2, batch_first=True, dropout=dropout)
            self.fc = n.Linear(10, 12)

        def forward(self, x):
            out, _ = self.lstm(self.emb(x))
            return self.fc(out)

    return Tagger()


CASES = {
    "mlp": (mlp, lambda: tt.randn(8, 6), lambda: tt.randint(0, 3, (8,))),
    "cnn": (cnn, lambda: tt.randn(6, 2, 8, 8), lambda: tt.randint(0, 3, (6,))),
    "lstm": (lstm_model, lambda: tt.randint(0, 12, (4, 7)), lambda: tt.randint(0, 12, (4, 7))),
}


def train(build, x, y, compiled: bool, optimizer: str, steps: int = 4):
    """Seeded model and dropout draws; returns losses, eval output, grads, state_dict."""
    tt.manual_seed(0)
    model = build()
    forward = tt.compile(model) if compiled else model
    opt = (tt.optim.Adam(model.parameters(), lr=0.01) if optimizer == "adam" else
           tt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    tt.manual_seed(1)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        out = forward(x)
        loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
        loss.backward()
        grads = [arr(p.grad) for p in model.parameters()]
        opt.step()
        losses.append(loss.item())
    model.eval()
    with tt.no_grad():
        evaluated = arr(forward(x))
    state = {k: arr(v) for k, v in model.state_dict().items()}
    return losses, evaluated, grads, state


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("case", list(CASES))
def test_compiled_training_matches_eager(case, optimizer):
    build, make_x, make_y = CASES[case]
    tt.manual_seed(5)
    x, y = make_x(), make_y()
    eager = train(build, x, y, False, optimizer)
    compiled = train(build, x, y, True, optimizer)
    np.testing.assert_allclose(compiled[0], eager[0], **SAME)
    np.testing.assert_allclose(compiled[1], eager[1], **SAME)
    for a, b in zip(compiled[2], eager[2]):
        np.testing.assert_allclose(a, b, **SAME)
    assert list(compiled[3]) == list(eager[3])
    for key in eager[3]:  # incl. running_mean/var and num_batches_tracked
        np.testing.assert_allclose(compiled[3][key], eager[3][key], **SAME, err_msg=key)


def test_input_gradients_and_grad_fn():
    tt.manual_seed(0)
    model = mlp()
    x = tt.randn(5, 6, requires_grad=True)
    out = tt.compile(model)(x)
    assert out.grad_fn.name() == "CompiledFunctionBackward"
    (out ** 2).sum().backward()
    compiled_grads = [arr(x.grad)] + [arr(p.grad) for p in model.parameters()]
    x.grad = None
    model.zero_grad()
    (model(x) ** 2).sum().backward()
    for a, b in zip(compiled_grads, [arr(x.grad)] + [arr(p.grad) for p in model.parameters()]):
        np.testing.assert_allclose(a, b, **SAME)


def test_no_grad_call_records_nothing():
    model = tt.compile(mlp())
    with tt.no_grad():
        out = model(tt.randn(3, 6))
    assert not out.requires_grad and out.grad_fn is None


def test_backward_frees_the_record_and_retain_graph_keeps_it():
    model = tt.compile(mlp())
    loss = model(tt.randn(3, 6)).sum()
    loss.backward(retain_graph=True)
    first = arr(model._orig_mod[0].weight.grad).copy()
    loss.backward()
    np.testing.assert_allclose(arr(model._orig_mod[0].weight.grad), 2 * first, **SAME)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_double_backward_is_refused():
    x = tt.randn(3, 6, requires_grad=True)
    out = tt.compile(mlp())(x).sum()
    (g,) = tt.autograd.grad(out, x, create_graph=False)
    assert g.shape == x.shape
    with pytest.raises(RuntimeError, match="double backward"):
        tt.autograd.grad(tt.compile(mlp())(x).sum(), x, create_graph=True)


def test_multiple_outputs_and_structure():
    tt.manual_seed(0)
    lstm = nn.LSTM(4, 5, batch_first=True)
    x = tt.randn(2, 3, 4)
    out, (h, c) = tt.compile(lstm)(x)
    ref, (rh, rc) = lstm(x)
    for a, b in ((out, ref), (h, rh), (c, rc)):
        np.testing.assert_allclose(arr(a), arr(b), **SAME)
    (h.sum() + out.mean()).backward()  # gradients from two outputs; c gets no cotangent
    grads = [arr(p.grad) for p in lstm.parameters()]
    lstm.zero_grad()
    ref, (rh, rc) = lstm(x)
    (rh.sum() + ref.mean()).backward()
    for a, p in zip(grads, lstm.parameters()):
        np.testing.assert_allclose(a, arr(p.grad), **SAME)


def test_function_with_python_outputs():
    @tt.compile
    def f(x, scale=2.0):
        return {"y": x * scale, "n": 3}

    x = tt.randn(4)
    out = f(x, scale=3.0)
    assert out["n"] == 3
    np.testing.assert_allclose(arr(out["y"]), 3 * arr(x), **SAME)


def test_recompiles_on_shape_dtype_mode_and_requires_grad_change():
    model = tt.compile(cnn(dropout=0.0))
    cache = model._compiled._cache
    model(tt.randn(2, 2, 8, 8))
    model(tt.randn(2, 2, 8, 8))
    assert len(cache) == 1
    model(tt.randn(3, 2, 8, 8))
    assert len(cache) == 2
    model.eval()
    model(tt.randn(3, 2, 8, 8))
    assert len(cache) == 3
    with tt.no_grad():
        model(tt.randn(3, 2, 8, 8))
    assert len(cache) == 4
    model.train()
    model._orig_mod[0].weight.requires_grad_(False)  # a frozen layer: guard fails, retrace
    model(tt.randn(3, 2, 8, 8)).sum().backward()
    assert model._orig_mod[0].weight.grad is None and model._orig_mod[6].weight.grad is not None


def test_swapped_layer_or_parameter_retraces():
    model = mlp()
    compiled = tt.compile(model)
    x = tt.randn(2, 6)
    compiled(x)
    model[2] = nn.Linear(16, 16)
    np.testing.assert_allclose(arr(compiled(x)), arr(model(x)), **SAME)
    model[0].weight = nn.Parameter(tt.randn(16, 6))
    np.testing.assert_allclose(arr(compiled(x)), arr(model(x)), **SAME)
    assert len(compiled._compiled._cache) == 3


def test_dynamic_batch_traces_once():
    model = tt.compile(mlp(), dynamic=True)
    for n in (2, 5, 9):
        x = tt.randn(n, 6)
        np.testing.assert_allclose(arr(model(x)), arr(model._orig_mod(x)), **SAME)
    assert len(model._compiled._cache) == 1
    (entry,) = model._compiled._cache.values()
    assert entry.graph.inputs[0].shape == ("N", 6)


def test_dynamic_sizes_get_one_symbol_per_distinct_size():
    f = tt.compile(lambda x, y: x.sum(0) + y.sum(0), dynamic=True)
    for n, m in ((4, 2), (6, 3), (5, 5)):
        x, y = tt.randn(n, 3), tt.randn(m, 3)
        np.testing.assert_allclose(arr(f(x, y)), arr(x.sum(0) + y.sum(0)), rtol=1e-6)
    shapes = [tuple(v.shape for v in e.graph.inputs) for e in f._cache.values()]
    assert shapes == [(("N", 3), ("N1", 3)), (("N", 3), ("N", 3))]


def test_dynamic_falls_back_to_exact_shapes_when_the_code_needs_the_size():
    f = tt.compile(lambda x: x * (x.shape[0] + 1), dynamic=True)
    for n in (2, 3, 3):
        np.testing.assert_allclose(arr(f(tt.ones(n))), n + 1.0)
    assert len(f._cache) == 2 and all(isinstance(d, int) for e in f._cache.values()
                                      for d in e.graph.inputs[0].shape)


def test_random_ops_draw_fresh_numbers_each_call():
    f = tt.compile(lambda x: F.dropout(x, 0.5, training=True))
    x = tt.ones(100)
    assert not np.array_equal(arr(f(x)), arr(f(x)))


def graph_break_cases():
    def branch(x):
        if x.sum() > 0:
            return x * 2
        return x - 1

    def item(x):
        return x * x.max().item()

    def tolist(x):
        return x + len([v for v in x.tolist() if v > 0])

    def numpy_(x):
        return x * float(np.abs(x.detach().numpy()).sum())

    return {"branch": branch, "item": item, "tolist": tolist, "numpy": numpy_}


@pytest.mark.parametrize("name", list(graph_break_cases()))
def test_graph_break_warns_once_and_runs_eagerly(name):
    fn = graph_break_cases()[name]
    compiled = tt.compile(fn)
    x = tt.randn(5)
    with pytest.warns(UserWarning, match=f"graph break in '{fn.__name__}'"):
        out = compiled(x)
    np.testing.assert_allclose(arr(out), arr(fn(x)), **SAME)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(arr(compiled(-x)), arr(fn(-x)), **SAME)


@pytest.mark.parametrize("name", list(graph_break_cases()))
def test_fullgraph_raises_at_a_graph_break(name):
    with pytest.raises(Unsupported):
        tt.compile(graph_break_cases()[name], fullgraph=True)(tt.randn(5))
    assert tt._dynamo.exc.Unsupported is Unsupported


def test_fullgraph_message_names_data_dependent_branching():
    with pytest.raises(Unsupported, match="Data-dependent branching"):
        tt.compile(graph_break_cases()["branch"], fullgraph=True)(tt.randn(5))


def test_training_step_function_runs_eagerly_with_a_warning():
    def run(compiled):
        tt.manual_seed(0)
        model = mlp()
        opt = tt.optim.SGD(model.parameters(), lr=0.1)
        x, y = tt.randn(8, 6), tt.randint(0, 3, (8,))

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        fn = tt.compile(step) if compiled else step
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            losses = [fn().item() for _ in range(3)]
        return losses, [arr(p) for p in model.parameters()], caught

    eager, compiled = run(False), run(True)
    np.testing.assert_allclose(compiled[0], eager[0], **SAME)
    for a, b in zip(compiled[1], eager[1]):
        np.testing.assert_allclose(a, b, **SAME)
    expected = ("torch._dynamo: graph break in 'step' (Unsupported Tensor.backward() call: "
                "Tensor.backward() inside the compiled region); running it eagerly from now on")
    assert [str(w.message) for w in compiled[2]] == [expected]


def test_in_place_change_of_an_argument_breaks_the_graph():
    def f(x):
        x.mul_(2)
        return x + 1

    x = tt.ones(3)
    with pytest.warns(UserWarning, match="modified in place"):
        out = tt.compile(f)(x)
    np.testing.assert_allclose(arr(x), 2.0)
    np.testing.assert_allclose(arr(out), 3.0)


def test_user_errors_still_raise_without_a_graph_break():
    model = tt.compile(mlp())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied"):
            model(tt.randn(3, 7))
        np.testing.assert_allclose(arr(model(tt.ones(2, 6))), arr(model._orig_mod(tt.ones(2, 6))),
                                   **SAME)
    assert not model._compiled._eager


def test_batchnorm_cumulative_average_momentum_none():
    def run(compiled):
        tt.manual_seed(0)
        bn = nn.BatchNorm1d(3, momentum=None)
        f = tt.compile(bn) if compiled else bn
        for i in range(3):
            f(tt.randn(4, 3) + i)
        return arr(bn.running_mean), arr(bn.running_var), int(bn.num_batches_tracked)

    for a, b in zip(run(True), run(False)):
        np.testing.assert_allclose(a, b, **SAME)


def test_recompile_limit_falls_back_to_eager():
    f = tt.compile(lambda x: x * 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outs = [arr(f(tt.ones(n))) for n in range(1, 11)]
    assert ["recompile_limit (8)" in str(w.message) for w in caught] == [True]
    for out in outs:
        np.testing.assert_allclose(out, 2.0)
    assert len(f._cache) == tt._dynamo.config.recompile_limit


def test_optimized_module_api():
    model = mlp()
    compiled = tt.compile(model)
    assert isinstance(compiled, OptimizedModule) and compiled._orig_mod is model
    assert list(compiled.state_dict()) == ["_orig_mod." + k for k in model.state_dict()]
    assert [id(p) for p in compiled.parameters()] == [id(p) for p in model.parameters()]
    model.note = "kept"
    assert compiled.note == "kept"  # other attributes are the original's
    assert tt.compile(nn.Linear(3, 2)).in_features == 3
    assert compiled.training and model.training
    compiled.eval()
    assert not model.training and not compiled.training
    model.train()
    assert compiled.training
    assert repr(compiled).startswith("OptimizedModule(\n  (_orig_mod): Sequential(")


def test_compile_arguments():
    model = mlp()
    assert tt.compile(model, disable=True) is model
    decorated = tt.compile(fullgraph=True)(lambda x: x + 1)
    np.testing.assert_allclose(arr(decorated(tt.zeros(2))), 1.0)
    for backend in ("inductor", "eager", "aot_eager"):
        tt.compile(model, backend=backend, mode="reduce-overhead")(tt.randn(2, 6))
    with pytest.raises(RuntimeError, match="Unrecognized mode=fast"):
        tt.compile(model, mode="fast")
    with pytest.raises(RuntimeError, match="Either mode or options"):
        tt.compile(model, mode="default", options={})
    with pytest.raises(tt._dynamo.exc.InvalidBackend, match="Invalid backend: 'nope'"):
        tt.compile(model, backend="nope")


def test_reset_forgets_compiled_graphs():
    model = tt.compile(mlp())
    model(tt.randn(2, 6))
    tt._dynamo.reset()
    assert len(model._compiled._cache) == 0
    model(tt.randn(2, 6))
    tt.compiler.reset()
    assert len(model._compiled._cache) == 0


# -- torch.jit.trace ------------------------------------------------------------------------
def test_jit_trace_module_matches_eager_and_prints_its_graph():
    tt.manual_seed(0)
    model = cnn(dropout=0.0).eval()
    traced = tt.jit.trace(model, tt.randn(2, 2, 8, 8))
    for n in (2, 5):
        x = tt.randn(n, 2, 8, 8)
        np.testing.assert_allclose(arr(traced(x)), arr(model(x)), **SAME)
    text = str(traced.graph)
    assert "Conv(" in text and "0.weight" in text and "1.running_mean" in text
    assert list(traced.state_dict()) == list(model.state_dict())
    assert not hasattr(traced, "code")
    assert repr(traced).startswith("Sequential(\n  original_name=Sequential")


def test_jit_trace_module_gradients():
    tt.manual_seed(0)
    model = mlp()
    traced = tt.jit.trace(model, (tt.randn(4, 6),))
    x = tt.randn(4, 6)
    traced(x).pow(2).sum().backward()
    grads = [arr(p.grad) for p in model.parameters()]
    model.zero_grad()
    model(x).pow(2).sum().backward()
    for a, p in zip(grads, model.parameters()):
        np.testing.assert_allclose(a, arr(p.grad), **SAME)


def test_jit_trace_bakes_data_dependent_branches_with_a_tracer_warning():
    def f(x):
        if x.sum() > 0:
            return x * 2
        return x - 1

    with pytest.warns(tt.jit.TracerWarning, match="Converting a tensor to a Python boolean"):
        traced = tt.jit.trace(f, tt.ones(3))
    np.testing.assert_allclose(arr(traced(-tt.ones(3))), -2.0)  # the example's branch, as torch
    assert "Mul(" in str(traced.graph) and "Sub(" not in str(traced.graph)


def test_jit_trace_module_methods():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            return self.fc(x)

        def twice(self, x):
            return self.fc(x) * 2

    m = Two()
    x = tt.randn(4, 3)
    traced = tt.jit.trace_module(m, {"forward": x, "twice": (x,)})
    np.testing.assert_allclose(arr(traced.twice(x)), 2 * arr(m(x)), **SAME)
    np.testing.assert_allclose(arr(traced(x)), arr(m(x)), **SAME)
    with pytest.raises(RuntimeError, match="example_kwarg_inputs or example_inputs"):
        tt.jit.trace(m)


# -- against real torch eager, on copied weights --------------------------------------------
def copy_to_torch(ours, theirs, torch) -> None:
    theirs.load_state_dict({k: torch.from_numpy(arr(v).copy())
                            for k, v in ours.state_dict().items()})


@pytest.mark.parametrize("case", ["mlp", "cnn", "lstm"])
def test_compiled_matches_real_torch_eager(case):
    torch = pytest.importorskip("torch")
    build = {"mlp": mlp, "cnn": lambda t=tt: cnn(t, dropout=0.0),
             "lstm": lambda t=tt: lstm_model(t, dropout=0.0)}[case]
    _, make_x, make_y = CASES[case]
    tt.manual_seed(2)
    ours = build()
    theirs = build(torch)
    copy_to_torch(ours, theirs, torch)
    compiled = tt.compile(ours)
    opt = tt.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        x, y = make_x(), make_y()
        tx, ty = torch.from_numpy(arr(x)), torch.from_numpy(arr(y))
        opt.zero_grad()
        topt.zero_grad()
        out, tout = compiled(x), theirs(tx)
        np.testing.assert_allclose(arr(out), tout.detach().numpy(), **TORCH)
        F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1)).backward()
        torch.nn.functional.cross_entropy(tout.reshape(-1, tout.shape[-1]),
                                          ty.reshape(-1)).backward()
        for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
            np.testing.assert_allclose(arr(p.grad), tp.grad.numpy(), **TORCH, err_msg=name)
        opt.step()
        topt.step()
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(arr(ours.state_dict()[key]), value.numpy(), **TORCH,
                                   err_msg=key)
