"""StringLookup, IntegerLookup, TextVectorization and Hashing against real Keras 3.

These Keras layers run on TensorFlow, which is not installed here: their answers (learned
vocabularies, idf weights, outputs of every output_mode, inverted lookups, OOV buckets and
mask handling, hash bins) were recorded from keras 3.15.1 + tensorflow 2.21.0 into
keras_preprocessing_golden.json by _preprocessing_cases.py; where TensorFlow is importable the
same cases also run live."""

import json
import os

import numpy as np
import pytest

from frontends.tf_like.keras import layers as dk_layers

from ._preprocessing_cases import CASES, GOLDEN, run_case

GOLDEN_CASES = json.loads(GOLDEN.read_text())["cases"]
IDS = [c[0] for c in CASES]
ATOL = 1e-6


def _compare(ours: dict, theirs: dict) -> None:
    assert ours.get("vocabulary") == theirs.get("vocabulary")
    assert ours["dtype"] == theirs["dtype"]
    if theirs["dtype"] == "string":
        assert ours["output"] == theirs["output"]
    else:
        np.testing.assert_allclose(np.array(ours["output"]), np.array(theirs["output"]),
                                   atol=ATOL)
        assert np.shape(ours["output"]) == np.shape(theirs["output"])
    if "idf_weights" in theirs:
        np.testing.assert_allclose(ours["idf_weights"], theirs["idf_weights"], rtol=1e-6)
    else:
        assert "idf_weights" not in ours


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_recorded_keras(case):
    case_id, layer, kwargs, adapt_data, query = case
    _compare(run_case(dk_layers, layer, kwargs, adapt_data, query), GOLDEN_CASES[case_id])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_live_keras(case):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    tf_real = pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    _case_id, layer, kwargs, adapt_data, query = case
    convert = tf_real.constant if kwargs.get("invert") and layer == "StringLookup" else None
    theirs = run_case(keras.layers, layer, kwargs, adapt_data, query, convert)
    _compare(run_case(dk_layers, layer, kwargs, adapt_data, query), theirs)


def test_golden_file_covers_every_case():
    assert sorted(GOLDEN_CASES) == sorted(IDS)


def test_vocabulary_ties_break_to_the_larger_token():
    # Keras sorts np.lexsort((tokens, counts))[::-1]: equal counts, larger token first
    layer = dk_layers.StringLookup()
    layer.adapt(np.array([["b", "a", "c", "a"], ["c", "b", "d", "e"]]))
    assert layer.get_vocabulary() == ["[UNK]", "c", "b", "a", "e", "d"]
    ints = dk_layers.IntegerLookup()
    ints.adapt(np.array([3, 1, 2, 2, 1]))
    assert ints.get_vocabulary() == [-1, 2, 1, 3]


def test_special_tokens_and_include_special_tokens():
    layer = dk_layers.StringLookup(mask_token="[M]", num_oov_indices=2,
                                   vocabulary=["x", "y"])
    assert layer.get_vocabulary() == ["[M]", "[UNK]", "[UNK]", "x", "y"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["x", "y"]
    assert layer.vocabulary_size() == 5
    assert layer(np.array(["[M]", "x", "y"])).numpy().tolist() == [0, 3, 4]


def test_num_oov_indices_zero_raises_on_oov():
    from frontends.tf_like.errors import InvalidArgumentError
    layer = dk_layers.StringLookup(vocabulary=["a", "b"], num_oov_indices=0)
    assert layer(np.array(["a", "b"])).numpy().tolist() == [0, 1]
    with pytest.raises(InvalidArgumentError, match="num_oov_indices=0"):
        layer(np.array(["a", "zz"]))
    ints = dk_layers.IntegerLookup(vocabulary=[4, 5], num_oov_indices=0)
    with pytest.raises(InvalidArgumentError, match="num_oov_indices=0"):
        ints(np.array([4, 6]))


def test_set_vocabulary_and_errors():
    layer = dk_layers.StringLookup()
    layer.set_vocabulary(["x", "y"])
    assert layer(np.array(["y"])).numpy().tolist() == [2]
    with pytest.raises(ValueError, match="repeated term"):
        layer.set_vocabulary(["x", "x"])
    with pytest.raises(ValueError, match="empty vocabulary"):
        layer.set_vocabulary([])
    with pytest.raises(ValueError, match="larger than the maximum vocab size"):
        dk_layers.StringLookup(max_tokens=3, vocabulary=["a", "b", "c"])
    with pytest.raises(ValueError, match="Cannot adapt layer"):
        dk_layers.StringLookup(vocabulary=["a"]).adapt(np.array(["a"]))
    with pytest.raises(ValueError, match="`output_mode` must be `'int'` when `invert`"):
        dk_layers.StringLookup(invert=True, output_mode="one_hot")
    with pytest.raises(RuntimeError, match="you must set the layer's vocabulary"):
        dk_layers.StringLookup(output_mode="multi_hot")(np.array(["a"]))


def test_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("cat\ndog\n")
    layer = dk_layers.StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]", "cat", "dog"]


def test_wrong_dtype_errors_name_the_layer():
    with pytest.raises(ValueError, match="string_lookup.*expects string inputs"):
        dk_layers.StringLookup(vocabulary=["a"], name="string_lookup")(np.array([1, 2]))
    with pytest.raises(ValueError, match="'ints'.*IntegerLookup.*expects integer inputs"):
        dk_layers.IntegerLookup(vocabulary=[1], name="ints")(np.array(["a"]))
    with pytest.raises(ValueError, match="'tv'.*TextVectorization.*expects string inputs"):
        dk_layers.TextVectorization(vocabulary=["a"], name="tv")(np.array([1.0]))
    with pytest.raises(ValueError, match="the last shape dimension must be 1"):
        dk_layers.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))


def test_text_vectorization_callables_and_adapt_sources():
    import frontends.tf_like as tf

    def standardize(batch):
        return [s.decode().replace("-", " ") for s in batch.numpy()]

    def split(batch):
        return [s.decode().split(",") for s in batch.numpy()]

    layer = dk_layers.TextVectorization(standardize=standardize, split=split)
    layer.adapt(tf.data.Dataset.from_tensor_slices(["a,b-c", "b,b"]).batch(1))
    assert layer.get_vocabulary() == ["", "[UNK]", "b", "b c", "a"]  # bytes order on ties
    assert layer(tf.constant(["a,b", "q"])).numpy().tolist() == [[4, 2], [1, 0]]
    # rank-1 arrays adapt one document per string; steps limits the batches of a dataset
    other = dk_layers.TextVectorization()
    other.adapt(tf.data.Dataset.from_tensor_slices(["x y", "z z"]).batch(1), steps=1)
    assert other.get_vocabulary() == ["", "[UNK]", "y", "x"]


def test_hashing_argument_errors():
    with pytest.raises(ValueError, match="num_bins"):
        dk_layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="salt"):
        dk_layers.Hashing(num_bins=2, salt=[1, 2, 3])
    with pytest.raises(ValueError, match="output_mode"):
        dk_layers.Hashing(num_bins=2, output_mode="tf_idf")


@pytest.mark.parametrize("output_mode", ["int", "tf_idf"])
def test_adapted_vocabulary_saves_as_an_asset(tmp_path, output_mode):
    layer = dk_layers.TextVectorization(output_mode=output_mode)
    layer.adapt(np.array(["the cat", "the dog ate", "a cat"]))
    store: dict = {}
    layer.save_assets(str(tmp_path))
    layer.save_own_variables(store)
    assert (tmp_path / "vocabulary.txt").read_text().splitlines() == layer.get_vocabulary()
    clone = dk_layers.TextVectorization.from_config(layer.get_config())
    clone.load_own_variables(store)
    clone.load_assets(str(tmp_path))
    assert clone.get_vocabulary() == layer.get_vocabulary()
    query = np.array(["the cat ate a bird"])
    np.testing.assert_allclose(clone(query).numpy(), layer(query).numpy())


@pytest.mark.parametrize("kwargs", [
    {"vocabulary": [12, 36, 1138, 42], "mask_token": 0, "num_oov_indices": 3},
    {"vocabulary": [12, 36, 1138, 42], "output_mode": "count"},
    {"vocabulary": [12, 36, 1138, 42], "invert": True},
], ids=["int_mask_oov", "count", "invert"])
def test_integer_lookup_traced_in_a_model_matches_eager(kwargs):
    from frontends.tf_like import keras as dk
    x = np.array([[12, 5, 1138, 0], [36, 36, 99, -3]])
    layer = dk_layers.IntegerLookup(**kwargs)
    inp = dk.Input((4,), dtype="int64")
    model = dk.Model(inp, layer(inp))
    np.testing.assert_array_equal(model.predict(x, verbose=0), layer(x).numpy())


def test_argument_errors_match_keras_wording():
    with pytest.raises(ValueError, match="Unknown value for `output_mode` argument of "
                                         "StringLookup"):
        dk_layers.StringLookup(output_mode="bogus")
    with pytest.raises(ValueError, match="Unknown value for `split` argument of "
                                         "TextVectorization"):
        dk_layers.TextVectorization(split="comma")
    with pytest.raises(ValueError, match="`max_tokens` is set for `IntegerLookup`, it must"):
        dk_layers.IntegerLookup(max_tokens=1)
    with pytest.raises(ValueError, match="`output_sequence_length` must not be set"):
        dk_layers.TextVectorization(output_mode="count", output_sequence_length=3)
