"""Whole models through ONNX, both frontends: export -> onnx.checker (full) -> onnxruntime equals
duet at the example batch size and two others (dynamic batch); real PyTorch's torch.onnx.export
imports into duet and matches PyTorch; duet's export re-imported equals the original; imported
models fine-tune in torch_like and tf_like (loss goes down, a gradient matches central finite
differences); bad input gets clear errors and nothing half-built."""

from __future__ import annotations

import io
import os

import numpy as np
import onnx
import pytest
from onnx import helper

os.environ.setdefault("KERAS_BACKEND", "torch")

import frontends.torch_like as ttorch
from backends.onnx import ExportError, OnnxImportError, export, import_model, run_model
from frontends.tf_like import keras as dk
from frontends.tf_like import onnx as tf2onnx

ort = pytest.importorskip("onnxruntime")
nn = ttorch.nn
RTOL, ATOL = 1e-4, 1e-5  # float32: onnxruntime's kernels accumulate in another order
BATCHES = (2, 1, 7)  # the example batch size first


def run_ort(proto: onnx.ModelProto, xs: list[np.ndarray]) -> list[np.ndarray]:
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {i.name: x for i, x in zip(session.get_inputs(), xs)})


def rand(*shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape).astype(np.float32)


def check_batches(proto, make, reference, batches=BATCHES, rtol=RTOL, atol=ATOL) -> None:
    onnx.checker.check_model(proto, full_check=True)
    for n in batches:
        xs = make(n)
        got = run_ort(proto, xs)
        want = reference(xs)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


def torch_ref(module):
    def ref(xs):
        with ttorch.no_grad():
            out = module(*[ttorch.tensor(x) for x in xs])
        return [o.numpy() for o in flat(out)]
    return ref


def flat(out) -> list:
    """(y, (h, c)) -> [y, h, c], as the exported model's outputs."""
    return [t for o in out for t in flat(o)] if isinstance(out, (tuple, list)) else [out]


def keras_ref(model):
    return lambda xs: [np.asarray(model(xs[0] if len(xs) == 1 else xs, training=False))]


def export_torch(module, example, **kwargs) -> onnx.ModelProto:
    names = [f"x{i}" for i in range(len(example))]
    return ttorch.onnx.export(module, tuple(ttorch.tensor(x) for x in example), None,
                              input_names=names, dynamic_axes={n: {0: "batch"} for n in names},
                              **kwargs)


# -- torch_like models -----------------------------------------------------------------------------
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.drop, self.fc2 = nn.Linear(6, 16), nn.Dropout(0.5), nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(self.drop(ttorch.relu(self.fc1(x))))


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn = nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4)
        self.pool, self.conv2 = nn.MaxPool2d(2), nn.Conv2d(4, 6, 3)
        self.flat, self.fc = nn.Flatten(), nn.Linear(6 * 2 * 2, 5)

    def forward(self, x):
        x = self.pool(ttorch.relu(self.bn(self.conv1(x))))
        return self.fc(self.flat(ttorch.relu(self.conv2(x))))


class View(nn.Module):
    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.reshape(-1, *self.shape)


def generator():
    """A DCGAN-style generator: z -> Linear -> (8, 2, 2) -> ConvTranspose+BN+ReLU -> ConvTranspose
    -> Tanh (8x8 images)."""
    return nn.Sequential(nn.Linear(4, 32), View(8, 2, 2),
                         nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1), nn.BatchNorm2d(4),
                         nn.ReLU(), nn.ConvTranspose2d(4, 1, 4, stride=2, padding=1), nn.Tanh())


def trained_bn(module, shape):
    """Give BatchNorm non-trivial running statistics (a few training-mode forwards)."""
    module.train()
    for i in range(3):
        module(ttorch.tensor(rand(8, *shape, seed=i)))
    return module


def test_torch_mlp_exports_in_eval_mode_with_named_initializers(tmp_path):
    model = MLP()
    model.train()
    proto = export_torch(model, [rand(2, 6)], output_names=["logits"])
    assert model.training  # restored
    assert [t.name for t in proto.graph.initializer] == list(model.state_dict())
    assert not any(n.op_type == "Dropout" for n in proto.graph.node)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.producer_name == "duet" and proto.doc_string
    check_batches(proto, lambda n: [rand(n, 6)], torch_ref(model.eval()))
    # f as a path and as a binary file object write the same model
    path, buffer = tmp_path / "mlp.onnx", io.BytesIO()
    ttorch.onnx.export(model, ttorch.tensor(rand(2, 6)), str(path), input_names=["x0"],
                       dynamic_axes={"x0": [0]}, do_constant_folding=True, verbose=False)
    ttorch.onnx.export(model, (ttorch.tensor(rand(2, 6)),), buffer, input_names=["x0"],
                       dynamic_axes={"x0": [0]})
    assert path.read_bytes() == buffer.getvalue()
    dim = onnx.load(str(path)).graph.input[0].type.tensor_type.shape.dim[0]
    assert dim.dim_param == "x0_dynamic_axes_1"  # torch's name for a list-given axis


def test_torch_cnn_nchw_with_batchnorm_running_statistics():
    model = trained_bn(CNN(), (3, 8, 8)).eval()
    proto = export_torch(model, [rand(2, 3, 8, 8)])
    assert [n.op_type for n in proto.graph.node].count("Transpose") == 0
    bn = next(n for n in proto.graph.node if n.op_type == "BatchNormalization")
    assert len(bn.output) == 1  # inference form
    check_batches(proto, lambda n: [rand(n, 3, 8, 8)], torch_ref(model))


def test_gan_generator_convtranspose_batchnorm_both_frontends():
    gen = trained_bn(generator(), (4,)).eval()
    proto = export_torch(gen, [rand(2, 4)])
    check_batches(proto, lambda n: [rand(n, 4)], torch_ref(gen))
    kgen = dk.Sequential([dk.Input((4,)), dk.layers.Dense(2 * 2 * 8), dk.layers.Reshape((2, 2, 8)),
                          dk.layers.Conv2DTranspose(4, 4, strides=2, padding="same"),
                          dk.layers.BatchNormalization(), dk.layers.ReLU(),
                          dk.layers.Conv2DTranspose(1, 4, strides=2, padding="same",
                                                    activation="tanh")])
    kgen.layers[3].moving_variance.assign(np.full(4, 2.0, np.float32))
    proto, _ = tf2onnx.from_keras(kgen)
    assert [n.op_type for n in proto.graph.node].count("Transpose") == 2  # the boundaries only
    check_batches(proto, lambda n: [rand(n, 4)], keras_ref(kgen))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_torch_recurrent_two_layers_both_directions(kind, bidirectional):
    model = getattr(nn, kind)(3, 5, num_layers=2, batch_first=True, bidirectional=bidirectional)
    proto = export_torch(model, [rand(2, 4, 3)])
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count(kind) == 2
    check_batches(proto, lambda n: [rand(n, 4, 3)], torch_ref(model))


def test_torch_transformer_encoder_block():
    block = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True).eval()
    proto = export_torch(block, [rand(2, 5, 8)])
    check_batches(proto, lambda n: [rand(n, 5, 8)], torch_ref(block), rtol=1e-4, atol=1e-5)


# -- tf_like models --------------------------------------------------------------------------------
def keras_cnn():
    return dk.Sequential([
        dk.Input((8, 8, 3)), dk.layers.Conv2D(4, 3, padding="same", activation="relu"),
        dk.layers.BatchNormalization(), dk.layers.MaxPooling2D(),
        dk.layers.Conv2D(5, 3, activation="relu"), dk.layers.AveragePooling2D(2),
        dk.layers.Flatten(), dk.layers.Dropout(0.5), dk.layers.Dense(3)])


def test_keras_cnn_nhwc_has_transposes_only_at_the_boundaries(tmp_path):
    model = keras_cnn()
    model.layers[1].moving_mean.assign(np.full(4, 0.3, np.float32))
    path = tmp_path / "cnn.onnx"
    model.export(str(path), format="onnx")
    proto = onnx.load(str(path))
    ops = [n.op_type for n in proto.graph.node]
    assert ops.count("Transpose") == 2, ops
    assert ops[0] == "Transpose" and "Dropout" not in ops
    names = [t.name for t in proto.graph.initializer]
    assert names[:len(model.weights)] == [w.path for w in model.weights]  # `sequential/dense/kernel`
    check_batches(proto, lambda n: [rand(n, 8, 8, 3)], keras_ref(model))
    with pytest.raises(ValueError, match="format"):
        model.export(str(path), format="tf_saved_model")


def test_keras_mlp_from_keras_writes_output_path(tmp_path):
    model = dk.Sequential([dk.Input((6,)), dk.layers.Dense(16, activation="relu"),
                           dk.layers.Dense(3, activation="softmax")])
    proto, storage = tf2onnx.from_keras(model, output_path=str(tmp_path / "m.onnx"))
    assert storage is None and onnx.load(str(tmp_path / "m.onnx")) == proto
    check_batches(proto, lambda n: [rand(n, 6)], keras_ref(model))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("wrap", ["forward", "backward", "bidirectional"])
def test_keras_recurrent_both_directions(kind, wrap):
    layer = getattr(dk.layers, kind)(4, return_sequences=True, go_backwards=wrap == "backward")
    if wrap == "bidirectional":
        layer = dk.layers.Bidirectional(layer)
    model = dk.Sequential([dk.Input((5, 3)), layer, dk.layers.Dense(2)])
    proto, _ = tf2onnx.from_keras(model)
    assert any(n.op_type == kind for n in proto.graph.node)
    check_batches(proto, lambda n: [rand(n, 5, 3)], keras_ref(model))


def test_keras_transformer_block_from_matmuls():
    """Self-attention built from Dense projections, softmax(q k^T / sqrt(d)) v, residual and
    LayerNormalization, then a feed-forward block."""
    ops = dk.ops
    inp = dk.Input((5, 8))
    q, k, v = (dk.layers.Dense(8)(inp) for _ in range(3))
    scores = dk.layers.Lambda(lambda t: ops.matmul(t[0], ops.transpose(t[1], (0, 2, 1)))
                              / np.float32(np.sqrt(8)))([q, k])
    attn = dk.layers.Lambda(lambda t: ops.matmul(t[0], t[1]))([dk.layers.Softmax()(scores), v])
    x = dk.layers.LayerNormalization()(dk.layers.Add()([inp, dk.layers.Dense(8)(attn)]))
    ff = dk.layers.Dense(8)(dk.layers.Dense(16, activation="relu")(x))
    model = dk.Model(inp, dk.layers.LayerNormalization()(dk.layers.Add()([x, ff])))
    proto, _ = tf2onnx.from_keras(model)
    check_batches(proto, lambda n: [rand(n, 5, 8)], keras_ref(model))


# -- re-import ---------------------------------------------------------------------------------------
def test_duet_export_reimported_equals_the_original(tmp_path):
    model = trained_bn(CNN(), (3, 8, 8)).eval()
    path = tmp_path / "cnn.onnx"
    ttorch.onnx.export(model, ttorch.tensor(rand(2, 3, 8, 8)), str(path), input_names=["x"],
                       dynamic_axes={"x": {0: "batch"}})
    x = rand(3, 3, 8, 8)
    want = torch_ref(model)([x])[0]
    np.testing.assert_allclose(run_model(str(path), [x])[0], want, rtol=1e-5, atol=1e-6)
    module = ttorch.onnx.load_module(str(path))
    # num_batches_tracked (an int64 buffer no inference op reads) is not exported
    assert list(module.state_dict()) == [k for k in model.state_dict()
                                         if not k.endswith("num_batches_tracked")]
    np.testing.assert_allclose(module(ttorch.tensor(x)).detach().numpy(), want, rtol=1e-5,
                               atol=1e-6)
    kmodel = keras_cnn()
    kpath = tmp_path / "kcnn.onnx"
    kmodel.export(str(kpath), format="onnx")
    layer = tf2onnx.load_layer(str(kpath))
    xk = rand(4, 8, 8, 3)
    np.testing.assert_allclose(np.asarray(layer(xk)), keras_ref(kmodel)([xk])[0], rtol=1e-5,
                               atol=1e-6)


def test_ir_graph_export_entry_point(tmp_path):
    import core_ir as ir
    from core_ir.tensor import Tensor

    w = Tensor(rand(4, 3))
    graph, captured, _ = ir.trace(lambda x: ir.ops.tanh(ir.ops.matmul(x, w)),
                                  [(np.float32, ("N", 4))], ["x"])
    graph.params[0].name = "w"
    proto = export(graph, str(tmp_path / "g.onnx"), [captured[0].array])
    assert onnx.load(str(tmp_path / "g.onnx")) == proto
    x = rand(5, 4)
    np.testing.assert_allclose(run_model(str(tmp_path / "g.onnx"), [x])[0], np.tanh(x @ w.array),
                               rtol=1e-5, atol=1e-6)


# -- bad input -------------------------------------------------------------------------------------
def test_op_without_onnx_counterpart_names_itself_and_the_module_path():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d((4, 4)))  # 6x6 -> 4x4 bins
    with pytest.raises(ExportError, match=r"AdaptiveAveragePool.*'1'|'1'.*AdaptiveAveragePool"):
        ttorch.onnx.export(model, ttorch.tensor(rand(1, 3, 8, 8)), None)


def test_symbolic_size_read_as_int_is_a_clear_export_error():
    class Bad(nn.Module):
        def forward(self, x):
            return x.view(x.size(0), -1)

    with pytest.raises(ExportError, match="dynamic axes.*static shapes"):
        export_torch(Bad(), [rand(2, 3, 4)])


def _mlp_proto() -> onnx.ModelProto:
    return export_torch(MLP().eval(), [rand(2, 6)])


def test_unsupported_import_op_names_type_node_and_supported_ops():
    proto = _mlp_proto()
    proto.graph.node.append(helper.make_node("Hardmax", ["output_0"], ["hard"], name="my_hardmax"))
    proto.graph.output.append(helper.make_tensor_value_info("hard", onnx.TensorProto.FLOAT,
                                                            ["batch", 3]))
    with pytest.raises(OnnxImportError, match=r"'Hardmax' \(node my_hardmax\).*Supported "
                                              r"op types: .*Gemm"):
        ttorch.onnx.load_module(proto)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_malformed_file_is_rejected_naming_the_file(tmp_path, damage):
    data = _mlp_proto().SerializeToString()
    data = {"garbage": b"\x08\x07not an onnx model\xff\xff", "truncated": data[: len(data) // 2],
            "empty": b""}[damage]
    path = tmp_path / f"{damage}.onnx"
    path.write_bytes(data)
    with pytest.raises(OnnxImportError, match=f"{damage}.onnx"):
        run_model(str(path), [rand(1, 6)])
    with pytest.raises(OnnxImportError):
        tf2onnx.load_layer(str(path))


def test_missing_initializer_is_a_clear_error():
    proto = _mlp_proto()
    kept = [t for t in proto.graph.initializer if t.name != "fc2.weight"]
    del proto.graph.initializer[:]
    proto.graph.initializer.extend(kept)
    with pytest.raises(OnnxImportError, match="fc2.weight"):
        import_model(proto)
    with pytest.raises(OnnxImportError, match="fc2.weight"):
        ttorch.onnx.load_module(proto)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(OnnxImportError, match="nope.onnx"):
        run_model(str(tmp_path / "nope.onnx"), [])
