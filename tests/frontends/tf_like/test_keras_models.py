"""Sequential, Functional and subclassed models against real Keras 3: structure, weights order,
outputs and gradients with copied weights, summary() text, get_layer, errors."""

from __future__ import annotations

import numpy as np
import pytest

import frontends.tf_like as tf
from frontends.tf_like import keras as dk
from frontends.tf_like.keras import ops

from ._keras_layers_diff import rand, real_keras


def both(build):
    """Build the same model in real Keras and in ours (fresh name counters in each), copy the
    weights; returns (theirs, ours)."""
    keras = real_keras()
    keras.backend.clear_session()
    dk.backend.clear_session()
    theirs, ours = build(keras), build(dk)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    return theirs, ours


def summary_text(model, **kwargs) -> str:
    out = []
    model.summary(print_fn=out.append, **kwargs)
    return "".join(out)


def mlp(lib):
    return lib.Sequential([lib.Input((784,)), lib.layers.Dense(64, activation="relu"),
                           lib.layers.Dropout(0.2), lib.layers.Dense(10)])


def cnn(lib):
    L = lib.layers
    inp = lib.Input((28, 28, 1), name="img")
    x = L.Conv2D(8, 3, activation="relu")(inp)
    x = L.BatchNormalization()(x)
    x = L.MaxPooling2D()(x)
    x = L.Flatten()(x)
    return lib.Model(inp, [L.Dense(10, name="a")(x), L.Dense(1, name="b")(x)], name="fm")


def two_inputs(lib):
    L = lib.layers
    a, b = lib.Input((6,), name="a"), lib.Input((4,), name="b")
    shared = L.Dense(5, activation="tanh", name="shared")
    h = L.concatenate([shared(a), L.Dense(5)(b)])
    h = L.add([h, L.Dense(10)(h)])
    return lib.Model([a, b], L.Dense(3, activation="softmax")(h))


def nested(lib):
    L = lib.layers
    inner = lib.Sequential([lib.Input((6,)), L.Dense(4, activation="relu"), L.Dense(4)],
                           name="inner")
    inp = lib.Input((6,))
    return lib.Model(inp, L.Dense(2)(inner(inp)), name="outer")


def shared_twice(lib):
    L = lib.layers
    inp = lib.Input((5,))
    d = L.Dense(5, name="twice")
    return lib.Model(inp, d(d(inp)))


MODELS = {"mlp": mlp, "cnn": cnn, "two_inputs": two_inputs, "nested": nested,
          "shared_twice": shared_twice}
INPUTS = {"mlp": [rand(3, 784)], "cnn": [rand(2, 28, 28, 1)],
          "two_inputs": [[rand(3, 6), rand(3, 4, seed=1)]], "nested": [rand(3, 6)],
          "shared_twice": [rand(3, 5)]}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_summary_text_matches_keras(name):
    theirs, ours = both(MODELS[name])
    assert summary_text(ours) == summary_text(theirs)
    assert summary_text(ours, show_trainable=True) == summary_text(theirs, show_trainable=True)
    assert summary_text(ours, line_length=120) == summary_text(theirs, line_length=120)


def test_summary_expand_nested_matches_keras():
    theirs, ours = both(nested)
    assert summary_text(ours, expand_nested=True) == summary_text(theirs, expand_nested=True)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_outputs_and_gradients_match_keras(name):
    torch = pytest.importorskip("torch")
    theirs, ours = both(MODELS[name])
    x = INPUTS[name][0]
    t_x = [torch.tensor(v) for v in x] if isinstance(x, list) else torch.tensor(x)
    t_out = theirs(t_x)
    t_out = t_out if isinstance(t_out, (list, tuple)) else [t_out]
    with tf.GradientTape() as tape:
        o_out = ours(x)
        o_out = o_out if isinstance(o_out, (list, tuple)) else [o_out]
        loss = None
        for i, y in enumerate(o_out):
            term = ops.sum(ops.multiply(ops.square(y), float(i + 1)))
            loss = term if loss is None else ops.add(loss, term)
    for a, b in zip(o_out, t_out):
        np.testing.assert_allclose(np.asarray(a), b.detach().numpy(), rtol=1e-4, atol=1e-5)
    sum((y ** 2).sum() * (i + 1) for i, y in enumerate(t_out)).backward()
    grads = tape.gradient(loss, ours.trainable_weights)
    for g, v in zip(grads, theirs.trainable_weights):
        np.testing.assert_allclose(np.asarray(g), v.value.grad.numpy(), rtol=1e-3, atol=1e-5)
    assert ours.count_params() == theirs.count_params()


def test_subclassed_model_matches_keras():
    torch = pytest.importorskip("torch")

    def build(lib):
        class Net(lib.Model):
            def __init__(self):
                super().__init__()
                self.blocks = [lib.layers.Dense(8, activation="relu"), lib.layers.Dense(8)]
                self.norm = lib.layers.LayerNormalization()
                self.out = lib.layers.Dense(2)

            def call(self, x, training=None):
                for block in self.blocks:
                    x = block(x)
                return self.out(self.norm(x))

        model = Net()
        model(np.zeros((1, 5), np.float32) if lib is dk else torch.zeros((1, 5)))
        return model

    theirs, ours = both(build)
    x = rand(4, 5)
    np.testing.assert_allclose(np.asarray(ours(x)), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert summary_text(ours) == summary_text(theirs)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers]


def test_sequential_add_pop_and_build_on_first_call():
    keras = real_keras()
    torch = pytest.importorskip("torch")
    texts = []
    for lib, x in ((keras, torch.zeros((1, 3))), (dk, np.zeros((1, 3), np.float32))):
        lib.backend.clear_session()
        model = lib.Sequential()
        model.add(lib.layers.Dense(4))
        model.add(lib.layers.Dense(2))
        assert not model.built
        texts.append(summary_text(model))
        model(x)
        assert model.built
        texts.append(summary_text(model))
        popped = model.pop()
        assert popped.name == "dense_1" and len(model.layers) == 1
    assert texts[:2] == texts[2:]


def test_sequential_input_shape_argument_and_input_tensor():
    model = dk.Sequential([dk.layers.Dense(2, input_shape=(3,))])
    assert model.built and model.inputs[0].shape == (None, 3)
    model2 = dk.Sequential()
    model2.add(dk.Input((5,)))
    model2.add(dk.layers.Dense(1))
    assert model2.built and len(model2.layers) == 1
    with pytest.raises(ValueError, match="unique names"):
        model2.add(model2.layers[0])


def test_get_layer_by_name_and_index_and_errors_match_keras():
    theirs, ours = both(cnn)
    assert ours.get_layer("a").name == "a"
    assert ours.get_layer(index=1).name == theirs.get_layer(index=1).name == "conv2d"
    for call in (lambda m: m.get_layer("nope"), lambda m: m.get_layer(index=40),
                 lambda m: m.get_layer(), lambda m: m.get_layer("a", 1)):
        with pytest.raises(ValueError) as want:
            call(theirs)
        with pytest.raises(ValueError) as got:
            call(ours)
        assert str(got.value) == str(want.value)


def test_functional_input_shape_error():
    dk.backend.clear_session()
    inp = dk.Input((3,))
    model = dk.Model(inp, dk.layers.Dense(2)(inp))
    with pytest.raises(ValueError, match=r'Input 0 of layer "functional" is incompatible with the '
                       r"layer: expected shape=\(None, 3\), found shape=\(4, 5\)"):
        model(np.zeros((4, 5), np.float32))


def test_dict_inputs_by_name():
    a, b = dk.Input((2,), name="a"), dk.Input((3,), name="b")
    model = dk.Model({"a": a, "b": b}, dk.layers.concatenate([a, b]))
    x = {"b": np.ones((1, 3), np.float32), "a": np.zeros((1, 2), np.float32)}
    np.testing.assert_array_equal(np.asarray(model(x)), [[0, 0, 1, 1, 1]])
    model2 = dk.Model([a, b], dk.layers.concatenate([b, a]))
    np.testing.assert_array_equal(np.asarray(model2(x)), [[1, 1, 1, 0, 0]])
    with pytest.raises(ValueError, match='Missing data for input "b"'):
        model({"a": np.zeros((1, 2), np.float32)})


def test_keras_ops_and_operators_on_keras_tensors():
    torch = pytest.importorskip("torch")

    def build(lib):
        inp = lib.Input((4,))
        h = lib.layers.Dense(4)(inp)
        y = lib.ops.concatenate([h * 2.0 + 1.0, lib.ops.exp(-h)], axis=-1)
        return lib.Model(inp, y[:, 1:6])

    theirs, ours = both(build)
    x = rand(3, 4)
    np.testing.assert_allclose(np.asarray(ours(x)), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert summary_text(ours) == summary_text(theirs)


def test_graph_errors():
    a, b = dk.Input((2,)), dk.Input((2,))
    out = dk.layers.add([a, b])
    with pytest.raises(ValueError, match="Output with path `` is not connected to `inputs`"):
        dk.Model(a, out)
    x = dk.Input((2,))
    d1 = dk.layers.Dense(2, name="same")
    with pytest.raises(ValueError, match='The name "same" is used 2 times'):
        dk.Model(x, dk.layers.Dense(2, name="same")(d1(x)))


def test_config_round_trips():
    for build in (mlp, cnn, two_inputs, nested):
        dk.backend.clear_session()
        model = build(dk)
        config = model.get_config()
        clone = type(model).from_config(config)
        assert len(clone.weights) == len(model.weights)
        clone.set_weights(model.get_weights())
        x = INPUTS[{mlp: "mlp", cnn: "cnn", two_inputs: "two_inputs",
                    nested: "nested"}[build]][0]
        a, b = model(x), clone(x)
        for u, v in zip(a if isinstance(a, list) else [a], b if isinstance(b, list) else [b]):
            np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-6)


def test_sequential_config_matches_keras_layer_list():
    theirs, ours = both(mlp)
    t, o = theirs.get_config(), ours.get_config()
    assert [entry["class_name"] for entry in o["layers"]] == \
        [entry["class_name"] for entry in t["layers"]]
    assert o["build_input_shape"] == t["build_input_shape"]


def test_model_properties():
    model = cnn(dk)
    assert model.input.shape == (None, 28, 28, 1)
    assert [o.shape for o in model.outputs] == [(None, 10), (None, 1)]
    assert model.output_shape == [(None, 10), (None, 1)]
    assert model.get_layer("a").output.shape == (None, 10)
    assert model.layers[0].__class__.__name__ == "InputLayer"


def test_regularization_losses_in_training_match_keras():
    """train_on_batch (the Trainer mixin) adds the layers' regularization losses and updates
    BatchNormalization's moving statistics, as Keras does."""
    torch = pytest.importorskip("torch")

    def build(lib):
        model = lib.Sequential([
            lib.Input((4,)),
            lib.layers.Dense(3, activation="tanh", kernel_regularizer=lib.regularizers.L2(0.1),
                             activity_regularizer=lib.regularizers.L1(0.01)),
            lib.layers.BatchNormalization(),
            lib.layers.Dense(1)])
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        return model

    theirs, ours = both(build)
    x, y = rand(8, 4), rand(8, 1, seed=1)
    for _ in range(2):
        loss_t = theirs.train_on_batch(torch.tensor(x), torch.tensor(y))
        loss_o = ours.train_on_batch(x, y)
        np.testing.assert_allclose(loss_o, loss_t, rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_constraints_applied_after_optimizer_updates_match_keras():
    torch = pytest.importorskip("torch")

    def build(lib):
        model = lib.Sequential([
            lib.Input((4,)),
            lib.layers.Dense(3, kernel_constraint=lib.constraints.NonNeg(),
                             bias_constraint=lib.constraints.MaxNorm(0.01))])
        return model

    theirs, ours = both(build)
    x = rand(8, 4)
    opt_t, opt_o = real_keras().optimizers.SGD(0.5), dk.optimizers.SGD(0.5)
    out = theirs(torch.tensor(x))
    (out ** 2).sum().backward()
    opt_t.apply_gradients([(v.value.grad, v) for v in theirs.trainable_weights])
    with tf.GradientTape() as tape:
        loss = ops.sum(ops.square(ours(x)))
    grads = tape.gradient(loss, ours.trainable_weights)
    opt_o.apply_gradients(zip(grads, ours.trainable_weights))
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert ours.get_weights()[0].min() >= 0


def test_summary_of_a_trained_model_has_the_optimizer_line():
    torch = pytest.importorskip("torch")

    def build(lib):
        model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3),
                                lib.layers.BatchNormalization(), lib.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        return model

    theirs, ours = both(build)
    x, y = np.ones((2, 4), np.float32), np.ones((2, 1), np.float32)
    theirs.train_on_batch(torch.tensor(x), torch.tensor(y))
    ours.train_on_batch(x, y)
    mine, want = summary_text(ours).splitlines(), summary_text(theirs).splitlines()
    assert mine[-1].startswith(" Optimizer params: 52 (")
    # the byte count depends on the optimizer's `iteration` dtype (Keras: int32)
    assert [line for line in mine if "params" not in line] == \
        [line for line in want if "params" not in line]
    assert mine[-3:-1] == want[-3:-1]  # trainable and non-trainable lines


def test_subclass_passing_inputs_and_outputs_is_functional():
    class MyNet(dk.Model):
        def __init__(self):
            inp = dk.Input((3,))
            super().__init__(inp, dk.layers.Dense(2)(inp))

    model = MyNet()
    assert isinstance(model, MyNet) and isinstance(model, dk.models.Functional)
    assert model.name == "my_net"
    assert [layer.__class__.__name__ for layer in model.layers] == ["InputLayer", "Dense"]
    assert np.asarray(model(np.ones((1, 3), np.float32))).shape == (1, 2)
