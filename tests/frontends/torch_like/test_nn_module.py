"""nn.Module against real PyTorch: registration, iteration order and de-duplication,
state_dict keys and load_state_dict results and errors, modes, conversion, hooks, repr, and
duet's module paths in IR nodes and error messages."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import core_ir
import frontends.torch_like as tt
from frontends.torch_like import nn as tnn

from .test_nn_layers import ACTIVATIONS, LAYERS, copy_state, ours_tensor, rand


def build_model(nn):
    """A model with nesting, a shared module, a buffer of each kind and a parameter list."""

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 8)
            self.act = nn.ReLU()
            self.fc2 = nn.Linear(8, 4)
            self.register_buffer("scale", make(nn, np.ones(4)))
            self.register_buffer("cache", make(nn, np.zeros(4)), persistent=False)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = Block()
            self.norm = nn.BatchNorm1d(4)
            self.heads = nn.ModuleDict({"a": nn.Linear(4, 2), "b": nn.Linear(4, 3)})
            self.shared = self.encoder.fc2
            self.extra = nn.ParameterList([nn.Parameter(make(nn, np.ones(2)))])

        def forward(self, x):
            return self.heads["a"](self.norm(self.encoder(x)))

    return Net()


def make(nn, array):
    return torch.tensor(np.asarray(array, np.float32)) if nn is torch.nn else \
        ours_tensor(np.asarray(array, np.float32))


def both_models():
    theirs, ours = build_model(torch.nn), build_model(tnn)
    copy_state(theirs, ours)
    return theirs, ours


def test_parameter_and_buffer_names_and_order_match_torch():
    theirs, ours = both_models()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))  # shared counted once
    no_dedup = [n for n, _ in ours.named_parameters(remove_duplicate=False)]
    assert no_dedup == [n for n, _ in theirs.named_parameters(remove_duplicate=False)]
    assert [n for n, _ in ours.named_parameters(prefix="m", recurse=False)] == \
        [n for n, _ in theirs.named_parameters(prefix="m", recurse=False)]


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_state_dict_keys_match_torch(name):
    build, _ = LAYERS[name]
    assert list(build(tnn).state_dict()) == list(build(torch.nn).state_dict())


@pytest.mark.parametrize("name", [*LAYERS, *ACTIVATIONS])
def test_repr_matches_torch(name):
    build = LAYERS[name][0] if name in LAYERS else ACTIVATIONS[name]
    assert repr(build(tnn)) == repr(build(torch.nn))


def test_nested_repr_matches_torch():
    theirs, ours = both_models()
    # ParameterList prints its dtype: torch.float32 in both (numpy dtypes get the prefix there)
    assert repr(ours) == repr(theirs)
    for build in [lambda nn: nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()]),
                  lambda nn: nn.ModuleList(), lambda nn: nn.Sequential(),
                  lambda nn: nn.ParameterDict({"w": nn.Parameter(make(nn, np.zeros((2, 3))))})]:
        assert repr(build(tnn)) == repr(build(torch.nn))


def test_state_dict_values_are_detached_and_shared():
    lin = tnn.Linear(2, 3)
    sd = lin.state_dict()
    assert isinstance(sd, OrderedDict)
    assert not sd["weight"].requires_grad
    assert sd["weight"].array is lin.weight.array
    assert lin.state_dict(keep_vars=True)["weight"] is lin.weight
    assert list(lin.state_dict(prefix="p.")) == ["p.weight", "p.bias"]


def test_non_persistent_buffers_stay_out_of_state_dict():
    for nn in (torch.nn, tnn):
        m = nn.Module()
        m.register_buffer("kept", make(nn, np.zeros(2)))
        m.register_buffer("temp", make(nn, np.zeros(2)), persistent=False)
        assert list(m.state_dict()) == ["kept"]
        assert [n for n, _ in m.named_buffers()] == ["kept", "temp"]


def test_load_state_dict_copies_in_place_and_reports_keys_like_torch():
    theirs, ours = both_models()
    weight = ours.encoder.fc1.weight
    sd = {k: ours_tensor(v.detach().numpy() + 1) for k, v in theirs.state_dict().items()}
    assert repr(ours.load_state_dict(sd)) == "<All keys matched successfully>"
    assert ours.encoder.fc1.weight is weight  # same Parameter, new values
    np.testing.assert_allclose(weight.array, theirs.encoder.fc1.weight.detach().numpy() + 1)
    del sd["norm.running_mean"]
    sd["bogus"] = ours_tensor(np.zeros(1))
    sd["encoder.nope"] = ours_tensor(np.zeros(1))
    tsd = {k: torch.tensor(np.asarray(v.array)) for k, v in sd.items()}
    ro, rt = ours.load_state_dict(sd, strict=False), theirs.load_state_dict(tsd, strict=False)
    assert ro == rt and repr(ro) == repr(rt)
    assert ro.missing_keys == ["norm.running_mean"]


def error_text(fn):
    try:
        fn()
    except Exception as err:  # noqa: BLE001
        return type(err), str(err)
    raise AssertionError("no error raised")


def test_load_state_dict_errors_match_torch_text():
    theirs, ours = both_models()
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    sd["encoder.fc1.weight"] = np.zeros((3, 3), np.float32)
    del sd["heads.b.bias"]
    sd["surprise"] = np.zeros(1, np.float32)
    expected = error_text(lambda: theirs.load_state_dict(
        {k: torch.tensor(v) for k, v in sd.items()}))
    got = error_text(lambda: ours.load_state_dict({k: ours_tensor(v) for k, v in sd.items()}))
    assert got == expected
    assert "size mismatch for encoder.fc1.weight: copying a param with shape " \
           "torch.Size([3, 3]) from checkpoint" in got[1]
    assert error_text(lambda: ours.load_state_dict([1]))[0] is TypeError


def test_assignment_and_registration_errors_match_torch():
    cases = [
        lambda nn: setattr(nn.Linear(2, 2), "weight", make(nn, np.zeros(2))),
        lambda nn: nn.Linear(2, 2).register_buffer("weight", make(nn, np.zeros(2))),
        lambda nn: nn.Module().register_buffer("a.b", make(nn, np.zeros(2))),
        lambda nn: nn.Module().register_buffer("x", 3),
        lambda nn: nn.Module().register_parameter("", None),
        lambda nn: nn.Module().add_module("x", 3),
        lambda nn: nn.Module().add_module("a.b", nn.ReLU()),
        lambda nn: nn.Module().register_parameter("w", make(nn, np.zeros(2))),
        lambda nn: nn.Module()(1),
        lambda nn: nn.Linear(2, 2).train("yes"),
        lambda nn: nn.Linear(2, 2).to(torch.int64 if nn is torch.nn else tt.int64),
        lambda nn: nn.Sequential(nn.ReLU())[3],
        lambda nn: nn.ModuleList([nn.ReLU()])[-2],
    ]
    for case in cases:
        assert error_text(lambda: case(tnn)) == error_text(lambda: case(torch.nn))  # noqa: B023


def test_setattr_moves_names_between_kinds_like_torch():
    for nn in (torch.nn, tnn):
        m = nn.Module()
        m.x = nn.Parameter(make(nn, np.zeros(2)))
        m.x = None
        assert "x" in m._parameters and m.x is None
        m.y = nn.ReLU()
        m.y = nn.Parameter(make(nn, np.zeros(1)))
        assert "y" not in m._modules and "y" in m._parameters
        del m.y
        assert not hasattr(m, "y")


def test_train_eval_zero_grad_apply_requires_grad():
    _, ours = both_models()
    assert ours.training and ours.encoder.act.training
    ours.eval()
    assert not any(m.training for m in ours.modules())
    ours.train()
    x = ours_tensor(rand(5, 4))
    ours(x).backward(ours_tensor(np.ones((5, 2), np.float32)))
    assert ours.encoder.fc1.weight.grad is not None
    ours.zero_grad(set_to_none=False)
    assert np.all(ours.encoder.fc1.weight.grad.array == 0)
    ours.zero_grad()
    assert all(p.grad is None for p in ours.parameters())
    seen = []
    assert ours.apply(lambda m: seen.append(type(m).__name__)) is ours
    assert seen[-1] == "Net" and seen[0] == "Linear"
    ours.requires_grad_(False)
    assert not any(p.requires_grad for p in ours.parameters())


def test_to_double_float_and_cuda():
    lin = tnn.BatchNorm1d(3)
    weight = lin.weight
    assert lin.double() is lin
    assert lin.weight is weight and lin.weight.dtype == np.float64
    assert lin.running_mean.dtype == np.float64 and lin.num_batches_tracked.dtype == np.int64
    lin.to(tt.float32)
    assert lin.weight.dtype == np.float32
    assert lin.to("cpu") is lin and lin.cpu() is lin
    with pytest.raises(RuntimeError, match="cuda"):
        lin.to("cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        lin.cuda()
    with pytest.raises(RuntimeError, match="cuda"):
        tnn.Linear(2, 2, device="cuda")


def test_sequential_and_containers_behave_like_torch():
    for nn in (torch.nn, tnn):
        seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
        sub = seq[1:]
        assert isinstance(sub, nn.Sequential) and [n for n, _ in sub.named_children()] == \
            ["1", "2"]
        seq.append(nn.Sigmoid())
        del seq[0]
        assert [n for n, _ in seq.named_children()] == ["0", "1", "2"]
        seq.insert(1, nn.Tanh())
        assert [type(m).__name__ for m in seq] == ["ReLU", "Tanh", "Linear", "Sigmoid"]
        named = nn.Sequential(OrderedDict([("conv", nn.Conv2d(1, 1, 1)), ("act", nn.ReLU())]))
        assert list(named.state_dict()) == ["conv.weight", "conv.bias"]
        ml = nn.ModuleList([nn.ReLU()])
        ml += [nn.Tanh()]
        ml.insert(0, nn.Sigmoid())
        assert [type(m).__name__ for m in ml] == ["Sigmoid", "ReLU", "Tanh"]
        md = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Tanh()})
        assert list(md.keys()) == ["b", "a"] and "a" in md and len(md) == 2
        pl = nn.ParameterList([make(nn, np.zeros(2))])
        pl.append(nn.Parameter(make(nn, np.ones(3))))
        assert isinstance(pl[0], nn.Parameter) and len(pl) == 2
        assert [n for n, _ in pl.named_parameters()] == ["0", "1"]
        pd = nn.ParameterDict({"w": make(nn, np.zeros(2))})
        assert isinstance(pd["w"], nn.Parameter) and list(pd.state_dict()) == ["w"]


def test_forward_hooks_run_like_torch():
    log = {}
    for nn in (torch.nn, tnn):
        calls = []
        lin = nn.Linear(2, 2)
        h1 = lin.register_forward_pre_hook(lambda m, args: calls.append("pre") or  # noqa: B023
                                           (args[0] * 2,))
        h2 = lin.register_forward_hook(lambda m, args, out: calls.append("post") or out * 0)  # noqa: B023
        h3 = lin.register_forward_pre_hook(lambda m, args, kwargs: calls.append("kw") or None,  # noqa: B023
                                           with_kwargs=True, prepend=True)
        out = lin(make(nn, np.ones((1, 2))))
        assert np.all(np.asarray(out.detach().numpy() if nn is torch.nn else out.array) == 0)
        for h in (h1, h2, h3):
            h.remove()
        lin(make(nn, np.ones((1, 2))))
        log[nn] = calls
    assert log[tnn] == log[torch.nn] == ["kw", "pre", "post"]


def test_full_backward_hooks_see_torch_gradients():
    captured = {}
    for nn in (torch.nn, tnn):
        torch.manual_seed(0)
        lin = nn.Linear(3, 2)
        if nn is tnn:
            copy_state(captured["model"], lin)
        else:
            captured["model"] = lin
        seen = []
        lin.register_full_backward_pre_hook(lambda m, go: seen.append(("pre", go[0])))  # noqa: B023
        lin.register_full_backward_hook(lambda m, gi, go: seen.append(("hook", gi[0], go[0]))  # noqa: B023
                                        or (gi[0] * 3,))
        x = make(nn, rand(4, 3))
        x.requires_grad_(True)
        lin(x).backward(make(nn, rand(4, 2, seed=5)))
        as_np = (lambda t: t.detach().numpy()) if nn is torch.nn else (lambda t: t.array)
        captured[nn] = ([as_np(v) for entry in seen for v in entry[1:]], as_np(x.grad))
    (ours_seen, ours_grad), (their_seen, their_grad) = captured[tnn], captured[torch.nn]
    assert len(ours_seen) == len(their_seen) == 3
    for a, b in zip(ours_seen, their_seen):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours_grad, their_grad, rtol=1e-5, atol=1e-6)  # tripled by hook


def test_backward_hook_fires_for_inputs_without_grad():
    lin = tnn.Linear(3, 2)
    seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go[0].shape)))
    lin(ours_tensor(rand(4, 3))).backward(ours_tensor(np.ones((4, 2), np.float32)))
    assert seen == [((None,), (4, 2))]


def encoder_model():
    enc = tnn.Sequential(OrderedDict([("fc1", tnn.Linear(784, 256)), ("act", tnn.ReLU())]))
    return tnn.Sequential(OrderedDict([("encoder", enc), ("head", tnn.Linear(256, 10))]))


def test_errors_name_the_module_path():
    model = encoder_model()
    with pytest.raises(RuntimeError) as info:
        model(ours_tensor(rand(32, 512)))
    assert str(info.value) == ("mat1 and mat2 shapes cannot be multiplied (32x512 and "
                               "784x256) [in Linear 'encoder.fc1']")
    conv = tnn.Sequential(tnn.Conv2d(4, 8, 3))
    with pytest.raises(RuntimeError, match=r"^Given groups=1, weight of size \[8, 4, 3, 3\], "
                       r"expected input\[1, 3, 8, 8\] to have 4 channels, but got 3 channels "
                       r"instead \[in Conv2d '0'\]$"):
        conv(ours_tensor(rand(1, 3, 8, 8)))
    with pytest.raises(RuntimeError, match=r"cannot be multiplied \(2x5 and 4x3\) \[in Linear\]$"):
        tnn.Linear(4, 3)(ours_tensor(rand(2, 5)))


def test_user_errors_are_not_tagged():
    class Bad(tnn.Module):
        def forward(self, x):
            raise ValueError("mine")

    with pytest.raises(ValueError, match="^mine$"):
        tnn.Sequential(Bad())(ours_tensor(rand(1)))


def test_traced_nodes_carry_the_module_path():
    model = encoder_model()
    graph, _, _ = core_ir.trace(lambda x: model(x), [(np.float32, ("N", 784))], cls=tt.Tensor)
    origins = {node.op.name: node.origin for node in graph.nodes}
    assert origins["Relu"] == "encoder.act"
    assert {n.origin for n in graph.nodes if n.op.name == "Gemm"} == {"encoder.fc1", "head"}


def test_module_path_follows_later_registration():
    model = encoder_model()
    model(ours_tensor(rand(2, 784)))
    model.encoder.add_module("fc1", tnn.Linear(3, 256))
    with pytest.raises(RuntimeError, match=r"\[in Linear 'encoder.fc1'\]"):
        model(ours_tensor(rand(2, 784)))


def test_traced_origin_nests_under_an_enclosing_origin():
    model = encoder_model()
    with core_ir.origin("net"):
        graph, _, _ = core_ir.trace(lambda x: model(x), [(np.float32, ("N", 784))],
                                    cls=tt.Tensor)
    assert [n.origin for n in graph.nodes if n.op.name == "Relu"] == ["net.encoder.act"]


def test_deepcopy_gives_an_independent_equal_model():
    import copy
    _, ours = both_models()
    clone = copy.deepcopy(ours)
    assert clone.encoder.fc1.weight is not ours.encoder.fc1.weight
    assert clone.shared is clone.encoder.fc2  # sharing survives the copy
    x = ours_tensor(rand(3, 4))
    np.testing.assert_array_equal(clone.eval()(x).array, ours.eval()(x).array)
