"""String values in tf_like (host-side tf.string tensors), the string layers on tf.data
pipelines and inside Keras models (fit / predict / direct call), configs and error messages."""

import numpy as np
import pytest

import frontends.tf_like as tf
from frontends.tf_like import keras as dk

TEXTS = ["good movie great fun", "bad movie awful", "great great film", "awful boring bad",
         "fun and good", "boring bad plot"] * 4
LABELS = np.array([1, 0, 1, 0, 1, 0] * 4, np.float32)


def test_string_constants_look_like_tf():
    t = tf.constant(["a b", "c"])
    assert t.dtype == tf.string and t.shape == (2,)
    assert repr(t) == "<tf.Tensor: shape=(2,), dtype=string, numpy=array([b'a b', b'c'], " \
        "dtype=object)>"
    assert t.numpy().tolist() == [b"a b", b"c"]
    assert tf.constant(b"x").numpy() == b"x"
    assert tf.constant("a", shape=(2,)).numpy().tolist() == [b"a", b"a"]
    assert tf.convert_to_tensor(t) is t
    assert [s.numpy() for s in t] == [b"a b", b"c"]
    assert tf.TensorSpec([None], tf.string).dtype == tf.string
    assert tf.constant(["a"], dtype=tf.string).shape == (1,)
    with pytest.raises(TypeError, match="Cannot convert"):
        tf.constant(["a"], dtype=tf.float32)


def test_dataset_of_strings_maps_through_text_vectorization():
    layer = dk.layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    layer.adapt(tf.data.Dataset.from_tensor_slices(TEXTS).batch(4))
    ds = tf.data.Dataset.from_tensor_slices(TEXTS).batch(3).map(layer)
    first = next(iter(ds))
    assert first.dtype == np.int64 and first.shape == (3, 5)
    assert first.numpy().tolist()[0] == layer(tf.constant([TEXTS[0]])).numpy().tolist()[0]
    unbatched = tf.data.Dataset.from_tensor_slices(TEXTS).map(layer)
    assert next(iter(unbatched)).shape == (5,)
    assert tf.data.Dataset.from_tensor_slices(TEXTS).element_spec == \
        tf.TensorSpec([], tf.string)


def test_vectorized_dataset_trains_a_numeric_model():
    layer = dk.layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    layer.adapt(TEXTS)
    ds = tf.data.Dataset.from_tensor_slices((TEXTS, LABELS)).batch(4).map(
        lambda x, y: (layer(x), y))
    dk.utils.set_random_seed(0)
    model = dk.Sequential([dk.Input((5,), dtype="int64"), dk.layers.Embedding(20, 8),
                           dk.layers.GlobalAveragePooling1D(),
                           dk.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(ds, epochs=30, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    assert history["accuracy"][-1] == 1.0


@pytest.mark.parametrize("shape", [(1,), ()], ids=["shape_1", "scalar"])
def test_end_to_end_string_model_fits_and_predicts(shape):
    dk.utils.set_random_seed(0)
    layer = dk.layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    layer.adapt(TEXTS)
    inp = dk.Input(shape=shape, dtype="string")
    x = dk.layers.Embedding(20, 8)(layer(inp))
    out = dk.layers.Dense(1, activation="sigmoid")(dk.layers.GlobalAveragePooling1D()(x))
    model = dk.Model(inp, out)
    assert model.inputs[0].dtype == tf.string
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    data = np.array(TEXTS).reshape((-1,) + shape)
    history = model.fit(data, LABELS, epochs=30, batch_size=8, verbose=0).history
    assert history["accuracy"][-1] == 1.0
    probe = np.array(["good great fun", "awful bad plot"]).reshape((-1,) + shape)
    predicted = model.predict(probe, verbose=0)
    assert predicted[0, 0] > 0.5 > predicted[1, 0]
    np.testing.assert_allclose(model(tf.constant(probe)).numpy(), predicted, atol=1e-6)
    evaluated = model.evaluate(data, LABELS, verbose=0, return_dict=True)
    assert evaluated["accuracy"] == 1.0


def test_string_lookup_model_and_hashing_in_a_pipeline():
    inp = dk.Input(shape=(2,), dtype="string")
    hot = dk.layers.StringLookup(vocabulary=["a", "b", "c"], output_mode="count")(inp)
    out = dk.layers.Dense(1)(dk.layers.Lambda(lambda t: dk.ops.cast(t, "float32"))(hot))
    model = dk.Model(inp, out)
    assert model.predict(np.array([["a", "a"], ["q", "c"]]), verbose=0).shape == (2, 1)
    hashing = dk.layers.Hashing(num_bins=3)
    bins = list(tf.data.Dataset.from_tensor_slices([["A"], ["B"], ["C"]]).map(
        hashing).as_numpy_iterator())
    assert [b.tolist() for b in bins] == [[1], [0], [1]]  # Keras's documented example


def test_host_layers_on_symbolic_tensors_raise_a_clear_error():
    inp = dk.Input(shape=(2,), dtype="int64")
    model = dk.Model(inp, dk.layers.Hashing(num_bins=4, name="hasher")(inp))
    with pytest.raises(ValueError, match="'hasher' \\(Hashing\\) processes strings on the "
                                         "host.*dataset.map"):
        model.predict(np.array([[1, 2]]), verbose=0)



def test_string_arguments_of_tf_function_are_host_values():
    layer = dk.layers.StringLookup(vocabulary=["a", "b"])

    @tf.function
    def doubled(x):
        return layer(x) * 2

    assert doubled(tf.constant(["a", "b", "z"])).numpy().tolist() == [2, 4, 0]
    assert doubled(tf.constant(["b"])).numpy().tolist() == [4]


@pytest.mark.parametrize("make", [
    lambda: dk.layers.StringLookup(vocabulary=["a", "b"], mask_token="", num_oov_indices=2),
    lambda: dk.layers.IntegerLookup(vocabulary=[3, 4], mask_token=0, output_mode="one_hot"),
    lambda: dk.layers.TextVectorization(vocabulary=["x", "y"], ngrams=(1, 2),
                                        output_sequence_length=4),
    lambda: dk.layers.StringLookup(vocabulary=["a", "b"], output_mode="tf_idf",
                                   idf_weights=[0.5, 1.5]),
    lambda: dk.layers.Hashing(num_bins=5, salt=3, mask_value="m"),
    lambda: dk.layers.CategoryEncoding(num_tokens=3, output_mode="count"),
], ids=["string_lookup", "integer_lookup", "text_vectorization", "tf_idf", "hashing",
        "category_encoding"])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    if hasattr(layer, "get_vocabulary"):
        assert clone.get_vocabulary() == layer.get_vocabulary()
    restored = dk.layers.deserialize(dk.layers.serialize(layer))
    assert type(restored) is type(layer)
